//! `metrics.enabled` changes what runs in every pod (two `redis_exporter` sidecars), so the
//! drill runs them too — the image's `redis_exporter` is the machine's
//! `prometheus-redis-exporter` — and every scenario checks that each sidecar serves
//! `/metrics` with `redis_up 1` from inside the pod network. A test binary of its own, so it
//! runs after the full drills, not beside them (2 cores).

mod common;
#[path = "drill/support.rs"]
mod support;

use std::process::Command;
use support::{
    drill_tracked, json, late_only_by_a_split_vote, no_leftovers, require_root_and_redis,
};

const EXPORTERS_CHECK: &str = "metrics exporters serve redis_up 1";

fn require_exporter() {
    let found = Command::new("sh")
        .args(["-c", "command -v prometheus-redis-exporter"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "`prometheus-redis-exporter` is missing: run `make test-deps`"
    );
}

/// A failover and a rolling restart (every pod replaced) with the sidecars on: the scenarios
/// pass as without them, and all six exporters answer `redis_up 1` at the end.
#[test]
fn production_with_metrics_passes_and_exporters_serve_redis_up() {
    require_root_and_redis();
    require_exporter();
    for scenario in ["master-down", "rolling-restart"] {
        // The whole logs, kept so that a split election can be read from them.
        let logs = tempfile::tempdir().expect("temp dir");
        let (out, pid) = drill_tracked(&[
            "--profile",
            "production",
            "--set",
            "metrics.enabled=true",
            "--scenario",
            scenario,
            "--format",
            "json",
            "--out",
            logs.path().to_str().expect("utf-8 path"),
        ]);
        no_leftovers(pid);
        let report = json(&out);
        let s = &report["scenarios"][0];
        // A failover late only because the Sentinels split their election is Sentinel's own
        // race (docs/architecture.md §16): named, not held against the run, as in tests/drill.rs.
        if s["passed"] != true && late_only_by_a_split_vote(s, logs.path()) {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "production with metrics {scenario}: the Sentinels split their election \
                 (Sentinel's own race, docs/architecture.md §16); its failover bar is not held \
                 against this run"
            );
        } else {
            assert_eq!(s["passed"], true, "{scenario} with metrics failed:\n{s:#}");
        }
        assert_eq!(s["writes_lost"], 0, "{scenario}");
        let check = s["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == EXPORTERS_CHECK)
            .unwrap_or_else(|| panic!("{scenario}: no exporter check in {s:#}"));
        assert_eq!(check["measured"], "6 of 6", "{scenario}: {check:#}");
    }
}

/// Without the exporter binary the drill refuses to start, naming the containers it cannot
/// run and why, rather than drilling a pod with missing sidecars.
#[test]
fn missing_exporter_binary_is_named() {
    require_root_and_redis();
    let dir = tempfile::tempdir().expect("temp dir");
    for binary in [
        "redis-server",
        "redis-cli",
        "redis-check-rdb",
        "bwrap",
        "ip",
        "sh",
        "nsenter",
    ] {
        let out = Command::new("sh")
            .args(["-c", &format!("command -v {binary}")])
            .output()
            .expect("command -v");
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        std::os::unix::fs::symlink(path, dir.path().join(binary)).expect("symlink");
    }
    let out = common::binary()
        .args([
            "drill",
            "--profile",
            "production",
            "--set",
            "metrics.enabled=true",
        ])
        .env("PATH", dir.path())
        .output()
        .expect("run redis-ha-gen");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("cannot run container \"redis-exporter\"")
            && stderr.contains("\"sentinel-exporter\"")
            && stderr.contains("apt-get install prometheus-redis-exporter"),
        "stderr: {stderr}"
    );
    assert!(out.stdout.is_empty());
}
