//! `drill --target kubectl` against a stand-in `kubectl` on PATH that records its calls and
//! answers as a healthy set would: the command sequence of a scenario is the contract here
//! (no cluster is reachable from the tests).

mod common;

use std::path::Path;

/// Run `drill --target kubectl --scenario replica-down --manifests FIXTURE` against the stand-in:
/// the report and the calls it made.
fn replica_down(fixture: &str) -> (serde_json::Value, String, std::process::Output) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let stand_in = root.join("tests/drill/kubectl");
    let log = tempfile::NamedTempFile::new().expect("temp file");
    let path = format!(
        "{}:{}",
        stand_in.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = common::binary()
        .args([
            "drill",
            "--target",
            "kubectl",
            "--scenario",
            "replica-down",
            "--format",
            "json",
            "--manifests",
        ])
        .arg(root.join(fixture))
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
    (report, calls, out)
}

#[test]
fn replica_down_deletes_the_replica_and_waits_for_it() {
    let (report, calls, out) = replica_down("tests/drill/seed/redis-ha.yaml");
    let stderr = String::from_utf8_lossy(&out.stderr);
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

#[test]
fn a_tls_set_is_asked_with_redis_cli_tls_and_the_pods_ca() {
    let (report, calls, out) = replica_down("tests/drill/tls/redis-ha.yaml");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ns = "--namespace kubernaut-system";
    let tls = "--tls --cacert /tls/ca.crt";
    for call in [
        format!(
            "{ns} exec redis-0 -c sentinel -- sh -c REDISCLI_AUTH=$(printenv 'REDIS_PASSWORD'); \
             export REDISCLI_AUTH; exec \"$0\" \"$@\" redis-cli -p 26379 {tls} SENTINEL MASTER mymaster"
        ),
        format!(
            "{ns} exec redis-0 -c redis -- sh -c REDISCLI_AUTH=$(printenv 'REDIS_PASSWORD'); \
             export REDISCLI_AUTH; exec \"$0\" \"$@\" redis-cli -p 6379 {tls} ROLE"
        ),
    ] {
        assert!(calls.contains(&call), "no `{call}` in:\n{calls}");
    }
    // The password is read in the pod: no kubectl call carries it.
    assert!(!calls.contains(" -a "), "{calls}");
    let plain = calls
        .lines()
        .filter(|l| l.contains("redis-cli") && !l.contains(tls))
        .collect::<Vec<_>>();
    assert!(plain.is_empty(), "redis-cli without TLS: {plain:#?}");
    assert_eq!(report["scenarios"][0]["passed"], true, "{report:#}");
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
}
