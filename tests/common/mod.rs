//! The one harness of the integration tests: how they launch the real binary and read what
//! it did. Each test binary's `main.rs` includes it (`#[path = "../common/mod.rs"] mod
//! common;`) and its files use what they need (`use crate::common::…`).
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary under test, built by Cargo for the integration tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_redis-ha-gen");

/// A command that runs the binary; add arguments, env, a directory.
pub fn binary() -> Command {
    Command::new(BIN)
}

/// Run the binary with `args` and no stdin.
pub fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("run redis-ha-gen")
}

/// Run the binary with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    binary()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run redis-ha-gen")
}

/// Run `command` with `stdin` piped in. The binary may exit before it reads all of it (a
/// usage error, a refused input): a closed pipe is fine.
pub fn run_with_stdin(command: &mut Command, stdin: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run redis-ha-gen");
    if let Err(e) = child.stdin.take().expect("stdin").write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    child.wait_with_output().expect("wait for redis-ha-gen")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The exit code; a test fails if the binary died of a signal.
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally, not by a signal")
}
