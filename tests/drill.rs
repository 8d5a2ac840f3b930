//! The drill against real Redis binaries, run as root in namespaces. These tests fail (never
//! skip) without root or without the Redis binaries: `.ci/run` installs them and CI runs as
//! root, so a missing one is a broken environment, not a reason to pass.

use std::path::Path;
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_redis-ha-gen")
}

fn require_root_and_redis() {
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

fn drill(args: &[&str]) -> Output {
    Command::new(bin())
        .arg("drill")
        .args(args)
        .output()
        .expect("run redis-ha-gen")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn no_leftovers() {
    let netns = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns");
    let links = Command::new("ip")
        .args(["-o", "link", "show"])
        .output()
        .expect("ip link");
    let links = String::from_utf8_lossy(&links.stdout).into_owned();
    let netns = String::from_utf8_lossy(&netns.stdout).into_owned();
    // Other drills may run in parallel (their names carry their own pid); none of a
    // finished child of ours may remain, which `drill_pids` tracks.
    for pid in drill_pids() {
        assert!(
            !netns.contains(&format!("rhg-{pid}")),
            "namespaces left behind:\n{netns}"
        );
        assert!(
            !links.contains(&format!("rhg{pid}")),
            "links left behind:\n{links}"
        );
    }
}

static PIDS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

fn drill_pids() -> Vec<u32> {
    PIDS.lock().map(|p| p.clone()).unwrap_or_default()
}

fn drill_tracked(args: &[&str]) -> Output {
    let child = Command::new(bin())
        .arg("drill")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run redis-ha-gen");
    PIDS.lock().expect("pids").push(child.id());
    child.wait_with_output().expect("wait for redis-ha-gen")
}

#[test]
fn seed_manifests_fail_bootstrap_with_sentinels_own_error() {
    require_root_and_redis();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drill/seed/redis-ha.yaml");
    let out = drill_tracked(&[
        "-f",
        fixture.to_str().expect("utf-8 path"),
        "--scenario",
        "bootstrap",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["summary"]["passed"], 0);
    assert_eq!(report["summary"]["failed"], 1);
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["name"], "bootstrap");
    assert_eq!(scenario["passed"], false);
    let logs = scenario["logs"].to_string();
    assert!(
        logs.contains("FATAL CONFIG FILE ERROR"),
        "Sentinel's own error is not in the report: {logs}"
    );
    assert!(logs.contains("Can't resolve instance hostname"), "{logs}");
    no_leftovers();
}

#[test]
fn refuses_clearly_without_root() {
    require_root_and_redis();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drill/seed/redis-ha.yaml");
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            bin(),
            "drill",
            "-f",
        ])
        .arg(&fixture)
        .output()
        .expect("setpriv");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("Permission denied") && !stderr.contains("root") {
        // The fixture is unreadable for nobody: the refusal is tested on stdin instead.
        panic!("cannot run the binary as nobody: {stderr}");
    }
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("needs root"), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn unknown_scenario_is_a_usage_error() {
    let out = drill(&["-f", "-", "--scenario", "master-explodes"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown scenario") && stderr.contains("master-returns-empty"),
        "{stderr}"
    );
}
/// Every scenario of a built-in profile passes, with the thresholds of `ha-behaviour.md`
/// checked again here on the JSON numbers.
fn profile_passes_every_scenario(profile: &str) {
    require_root_and_redis();
    let out = drill_tracked(&["--profile", profile, "--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report = json(&out);
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    let names: Vec<&str> = scenarios
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "bootstrap",
            "replica-down",
            "master-down",
            "master-returns",
            "master-returns-empty",
            "all-down",
            "sentinel-down",
            "sentinel-majority-down",
            "master-freeze",
            "sentinel-restart",
            "rolling-restart"
        ]
    );
    let failed: Vec<String> = scenarios
        .iter()
        .filter(|s| s["passed"] != true)
        .map(|s| format!("{:#}", s))
        .collect();
    assert!(
        failed.is_empty(),
        "{profile}: failed scenarios:\n{}\nstderr:\n{stderr}",
        failed.join("\n")
    );
    for s in scenarios {
        let name = s["name"].as_str().unwrap_or("");
        assert_eq!(s["split_brain_seconds"], 0.0, "{profile} {name}");
        assert!(
            s["writes_acknowledged"].as_u64().unwrap_or(0) > 0,
            "{profile} {name}: the probe wrote nothing"
        );
        if profile == "production" {
            assert_eq!(s["writes_lost"], 0, "{profile} {name}");
        }
        if ["master-down", "master-returns", "sentinel-down"].contains(&name) {
            let failover = s["failover_seconds"].as_f64().expect("failover_seconds");
            assert!(
                failover <= 7.0,
                "{profile} {name}: failover {failover} s > down-after + 2 s"
            );
        }
        if name == "rolling-restart" {
            let unavailable = s["write_unavailable_seconds"].as_f64().unwrap_or(f64::MAX);
            assert!(
                unavailable <= 2.0,
                "{profile}: rolling restart unavailable {unavailable} s"
            );
        }
    }
    assert_eq!(report["summary"]["failed"], 0);
    assert_eq!(out.status.code(), Some(0));
    no_leftovers();
}

#[test]
fn kind_passes_every_scenario() {
    profile_passes_every_scenario("kind");
}

#[test]
fn production_passes_every_scenario() {
    profile_passes_every_scenario("production");
}
