//! `drill --target kubectl` against a stand-in `kubectl` on PATH that records its calls and
//! answers as a healthy set would: the command sequence of a scenario is the contract here
//! (no cluster is reachable from the tests).

use std::path::Path;
use std::process::Command;

#[test]
fn replica_down_deletes_the_replica_and_waits_for_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let stand_in = root.join("tests/drill/kubectl");
    let log = tempfile::NamedTempFile::new().expect("temp file");
    let path = format!(
        "{}:{}",
        stand_in.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_redis-ha-gen"))
        .args([
            "drill",
            "--target",
            "kubectl",
            "--scenario",
            "replica-down",
            "--format",
            "json",
            "-f",
        ])
        .arg(root.join("tests/drill/seed/redis-ha.yaml"))
        .env("PATH", path)
        .env("KUBECTL_LOG", log.path())
        .output()
        .expect("run redis-ha-gen");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {stderr}"));
    assert_eq!(report["target"], "kubectl");
    assert_eq!(report["redis_version"], "7.0.15");
    let calls = std::fs::read_to_string(log.path()).expect("kubectl log");
    // The first call with `needle` after line `from`.
    let position = |needle: &str, from: usize| {
        calls
            .lines()
            .skip(from)
            .position(|l| l == needle)
            .map(|p| p + from)
            .unwrap_or_else(|| {
                panic!(
                    "kubectl was never called with `{needle}` after line {from}; calls:\n{calls}"
                )
            })
    };
    let ns = "--namespace kubernaut-system";
    let asked = position(
        &format!("{ns} exec redis-0 -c sentinel -- redis-cli -p 26379 SENTINEL MASTER mymaster"),
        0,
    );
    let killed = position(
        &format!("{ns} delete pod redis-2 --grace-period=0 --force --wait=false"),
        asked,
    );
    position(
        &format!("{ns} wait --for=condition=Ready pod/redis-2 --timeout=120s"),
        killed,
    );
    assert!(
        calls.contains("exec redis-0 -c redis -- redis-cli -p 6379 SET drill:replica-down:"),
        "{calls}"
    );
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["name"], "replica-down");
    assert_eq!(scenario["passed"], true, "{scenario:#}");
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
}
