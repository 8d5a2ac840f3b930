//! What the drill tests share beyond the harness of every integration test
//! (tests/common/mod.rs, which launches the binary: each drill test binary declares
//! `mod common;` beside `mod support;`): the environment they require, the drill's runs, its
//! JSON report and the leftovers of one tracked run.
// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use crate::common::binary;
use std::process::{Command, Output};

pub fn require_root_and_redis() {
    // SAFETY: geteuid(2) has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(
        uid, 0,
        "the drill tests need root (CI runs as root; locally: sudo cargo test)"
    );
    for binary in ["redis-server", "redis-cli", "bwrap", "ip"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {binary}")])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "`{binary}` is missing: run `make test-deps` (installs redis-server, redis-tools, bubblewrap, iproute2)"
        );
    }
}

pub fn drill(args: &[&str]) -> Output {
    binary()
        .arg("drill")
        .args(args)
        .output()
        .expect("run redis-ha-gen")
}

/// The drill's JSON report on `output`'s stdout.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Nothing of drill process `pid` is left: its namespaces are `rhg-<pid><NN>-<ordinal>`,
/// its links `rhg<pid><NN>…` (other drills may run beside it, with their own pids).
pub fn no_leftovers(pid: u32) {
    no_leftovers_of(&pid.to_string(), 2);
}

/// Nothing of the set `id` (`LocalSet::id`, `<pid><NN>`) is left. Tests that make sets in
/// the test process itself check their own set: another test of the same process may hold
/// a set of its own at that moment.
pub fn no_set_leftovers(id: &str) {
    no_leftovers_of(id, 0);
}

/// Nothing named after `run` followed by `serial_digits` digits (then the end of the word or
/// a non-digit) is left.
fn no_leftovers_of(run: &str, serial_digits: usize) {
    // Teardown is asynchronous in places (a namespace whose last process is still exiting,
    // a lazy unmount): what is still there after a few seconds is a leak.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let left = leftovers(run, serial_digits);
        if left.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "left behind by drill {run} after 10 s:\n{}",
            left.join("\n")
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Namespaces, links, cgroups and tmpfs mounts of `run` (see `no_leftovers_of`) that still
/// exist.
fn leftovers(run: &str, serial_digits: usize) -> Vec<String> {
    let listing = |args: &[&str]| {
        let out = Command::new("ip").args(args).output().expect("ip");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Names carry the run id `<pid><2-digit serial>`, then the end of the word or a
    // non-digit: another run whose pid starts with the same digits is not ours.
    let ours = |text: &str, prefix: &str| {
        text.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .filter_map(|word| word.strip_prefix(prefix))
            .any(|rest| {
                rest.len() >= serial_digits
                    && rest.as_bytes()[..serial_digits]
                        .iter()
                        .all(u8::is_ascii_digit)
                    && rest
                        .as_bytes()
                        .get(serial_digits)
                        .is_none_or(|b| !b.is_ascii_digit())
            })
    };
    let mut left = Vec::new();
    let netns = listing(&["netns", "list"]);
    left.extend(
        netns
            .lines()
            .filter(|l| ours(l, &format!("rhg-{run}")))
            .map(|l| format!("namespace {l}")),
    );
    let links = listing(&["-o", "link", "show"]);
    left.extend(
        links
            .lines()
            .filter(|l| ours(l, &format!("rhg{run}")))
            .map(|l| format!("link {l}")),
    );
    left.extend(
        std::fs::read_dir("/sys/fs/cgroup/pids")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| ours(name, &format!("redis-ha-gen-drill-{run}")))
            .map(|name| format!("cgroup {name}")),
    );
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    left.extend(
        mounts
            .lines()
            .filter(|l| ours(l, &format!("redis-ha-gen-drill-{run}")))
            .map(|l| format!("tmpfs {l}")),
    );
    // A network's blackhole routes carry its id as their metric.
    let routes = listing(&["route", "show", "type", "blackhole"]);
    left.extend(
        routes
            .lines()
            .filter(|l| {
                l.split_once(" metric ")
                    .is_some_and(|(_, metric)| ours(metric, run))
            })
            .map(|l| format!("route {l}")),
    );
    left
}

pub fn drill_tracked(args: &[&str]) -> (Output, u32) {
    let child = binary()
        .arg("drill")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run redis-ha-gen");
    let pid = child.id();
    (
        child.wait_with_output().expect("wait for redis-ha-gen"),
        pid,
    )
}

/// `drill --manifests - ARGS` with `manifests` on stdin: its output and its pid (for `no_leftovers`).
pub fn drill_stdin(manifests: &str, args: &[&str]) -> (Output, u32) {
    use std::io::Write;
    let mut child = binary()
        .args(["drill", "--manifests", "-"])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run redis-ha-gen");
    let pid = child.id();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(manifests.as_bytes())
        .expect("write stdin");
    (
        child.wait_with_output().expect("wait for redis-ha-gen"),
        pid,
    )
}

/// The manifests `redis-ha-gen ARGS` renders.
pub fn render(args: &[&str]) -> String {
    let out = binary().args(args).output().expect("render");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// What a failed scenario of a report shows first (CI keeps the head of a test's output):
/// its failed checks, then the lines of its whole log (`drill --out DIR`) that time a
/// failover (Sentinel's own events: down states, elections, the failover's states and their
/// aborts, TILT, switches; and every line the pods' scripts log), then the scenario's whole JSON.
pub fn failure_digest(scenario: &serde_json::Value, logs: &std::path::Path) -> String {
    const EVENTS: [&str; 20] = [
        "+sdown master",
        "-sdown master",
        "+odown",
        "+try-failover",
        "+vote-for-leader",
        "+elected-leader",
        "-failover-abort",
        "+tilt",
        "-tilt",
        "+selected-slave",
        "+failover-state-",
        "+promoted-slave",
        "+switch-master",
        "Z redis-",
        "Z replica-",
        "Z crash-watch",
        "Z sentinel-",
        "Z init",
        "Z master-fence",
        "Z probe",
    ];
    let name = scenario["name"].as_str().unwrap_or("?");
    let checks: Vec<String> = scenario["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["passed"] != true)
        .map(|c| {
            format!(
                "  FAILED {}: {} (expected {})",
                c["name"], c["measured"], c["expected"]
            )
        })
        .collect();
    let log = std::fs::read_to_string(logs.join(format!("{name}.log"))).unwrap_or_default();
    let events: Vec<&str> = log
        .lines()
        .filter(|line| EVENTS.iter().any(|e| line.contains(e)))
        .take(150)
        .collect();
    format!(
        "{name}:\n{}\n  what Sentinel and the scripts logged:\n{}\n{scenario:#}",
        checks.join("\n"),
        events.join("\n")
    )
}

pub use redis_ha_gen::drill::split_vote::split_vote;

/// Whether every check scenario `s` failed is a failover bar ("failover within …") and its
/// whole log shows a split election.
pub fn late_only_by_a_split_vote(s: &serde_json::Value, logs: &std::path::Path) -> bool {
    let name = s["name"].as_str().unwrap_or("");
    let mut failed = s["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["passed"] != true)
        .peekable();
    failed.peek().is_some()
        && failed.all(|c| {
            c["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("failover within"))
        })
        && split_vote(
            &std::fs::read_to_string(logs.join(format!("{name}.log"))).unwrap_or_default(),
        )
}
