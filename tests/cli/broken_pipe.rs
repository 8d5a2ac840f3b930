//! `redis-ha-gen … | head -1`: a reader that closes the pipe early ends every command
//! quietly, with the exit code its result has — never `error: Broken pipe` or a panic.
//!
//! The child's stdout is a pipe whose reading end is closed before the child starts, so
//! every write fails with EPIPE, however little the command prints (a `| head -1` races:
//! a small output fits the pipe's buffer before `head` exits).

use crate::common;

use std::process::Stdio;

/// Exit code and stderr of a run whose stdout is a closed pipe.
fn closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = common::binary()
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run redis-ha-gen");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Exit code of the same run with stdout read to the end.
fn read_stdout(args: &[&str]) -> Option<i32> {
    let out = common::binary()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run redis-ha-gen");
    assert!(
        !out.stdout.is_empty(),
        "{args:?} prints nothing: the test would prove nothing"
    );
    out.status.code()
}

#[test]
fn every_command_ends_quietly_when_the_reader_goes_away() {
    let commands: &[&[&str]] = &[
        &["--profile", "production"],
        &["--profile", "production", "-o", "json"],
        &["render", "--profile", "kind"],
        &["validate", "--profile", "kind"],
        &["validate", "--profile", "kind", "--format", "json"],
        &["profiles"],
        &["show-profile", "production"],
        &["schema", "profile"],
        &["lint", "tests/realworld/bitnami-redis-sentinel"],
        &[
            "lint",
            "tests/realworld/bitnami-redis-sentinel",
            "--format",
            "sarif",
        ],
        &["rules"],
        &["rules", "--format", "json"],
        &["rules", "--format", "markdown"],
        &["explain", "sentinel-config-read-only"],
        &["completions", "bash"],
        &["man"],
        &["--help"],
        &["drill", "--help"],
        // Nothing listens on port 1: a `no master` verdict (exit 3) printed as a table.
        &["status", "127.0.0.1:1", "--timeout", "2"],
        &[
            "status",
            "127.0.0.1:1",
            "--timeout",
            "2",
            "--format",
            "json",
        ],
    ];
    let mut failures = Vec::new();
    for args in commands {
        let expected = read_stdout(args);
        let (code, stderr) = closed_stdout(args);
        let noisy = stderr.contains("Broken pipe")
            || stderr.contains("panicked")
            || stderr.contains("error:");
        if code != expected || noisy {
            failures.push(format!(
                "{args:?}: exit {code:?} (with a reader: {expected:?}), stderr: {stderr}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
