//! `drill --explore` and `--replay` on real Redis, as root (like `tests/drill.rs`): the
//! explorer finds bugs planted in copies of the rendered manifests within a stated number of
//! schedules of a fixed seed, its failing schedules replay, and a short exploration of
//! `production` runs in `make test`. The seeds and `--faults` are chosen to keep each test
//! to one or two schedules (about a minute each).

mod common;
#[path = "drill/support.rs"]
mod support;

use std::path::Path;
use support::{drill, drill_tracked, json, no_leftovers, render, require_root_and_redis};

/// The manifests of a built-in profile, as `redis-ha-gen --profile P` prints them.
fn rendered(profile: &str) -> String {
    render(&["--profile", profile])
}

/// A copy of `yaml` with `from` (which must be there) replaced by `to`, in `dir`.
fn planted(dir: &Path, yaml: &str, from: &str, to: &str) -> String {
    assert!(
        yaml.contains(from),
        "the rendered scripts no longer contain {from:?}"
    );
    let path = dir.join("planted.yaml");
    std::fs::write(&path, yaml.replace(from, to)).expect("write the planted copy");
    path.to_str().expect("utf-8 path").to_string()
}

/// Run an exploration (JSON out); its report, exit code and stderr.
fn explore(args: &[&str]) -> (serde_json::Value, Option<i32>, String) {
    require_root_and_redis();
    let mut all = vec!["--format", "json"];
    all.extend(args);
    let (out, pid) = drill_tracked(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = json(&out);
    no_leftovers(pid);
    (report, out.status.code(), stderr)
}

/// Run an exploration that must lose acknowledged writes: exit 1, I2 among the first
/// schedule's violations; that schedule and the stderr.
fn loses_writes(args: &[&str]) -> (serde_json::Value, String) {
    let (report, code, stderr) = explore(args);
    assert_eq!(code, Some(1), "{stderr}");
    let schedule = report["schedules"][0].clone();
    let found = invariants(&schedule);
    assert!(found.iter().any(|i| i == "I2"), "{found:?}\n{stderr}");
    (schedule, stderr)
}

fn invariants(schedule: &serde_json::Value) -> Vec<String> {
    schedule["violations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["invariant"].as_str().map(str::to_string))
        .collect()
}

/// The seed's bug: ordinal 0 takes the master role on every start. Wiping the master's
/// claim and restarting it within down-after (seed 10's first fault: `wipe-pvc` of redis-0
/// for 1.2 s) makes the empty pod 0 a master its replicas resync from: I4 in 1 schedule.
/// (The rendered scripts pass the same schedule: `master-returns-empty`.)
#[test]
fn finds_ordinal_0_promoting_itself_on_every_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = planted(
        dir.path(),
        &rendered("production"),
        "    ( take_role & )\n",
        "    if [ \"$ORDINAL\" = 0 ]; then\n      ( (until [ \"$(redis_cmd \"$LOCAL\" PING | tr -d '\\r')\" = PONG ]; do sleep 0.2; done\n      promote \"planted bug: ordinal 0 is master\"; : >\"$ROLE_MARKER\") & )\n    else\n      ( take_role & )\n    fi\n",
    );
    let (report, code, stderr) = explore(&[
        "--manifests",
        &file,
        "--explore",
        "--seed",
        "10",
        "--schedules",
        "1",
        "--steps",
        "1",
        "--faults",
        "wipe-pvc",
        "--shrink-replays",
        "0",
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    let found = invariants(&report["schedules"][0]);
    assert!(found.iter().any(|i| i == "I4"), "{found:?}\n{stderr}");
}

/// A start script that deletes its data on every start: a whole-set restart (seed 1:
/// redis-2, then redis-1 3 s later, redis-0 at 11.9 s) leaves nothing (I2, I4) in the first
/// schedule. The failing schedule is written to `--out`, and `--replay` of the file runs
/// exactly its faults and fails again. (Shrinking is left out to keep the test short: its
/// unit test is in `src/drill/explore/shrink.rs`.)
#[test]
fn finds_a_start_script_that_deletes_its_data_and_replays_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().join("out");
    let file = planted(
        dir.path(),
        &rendered("production"),
        "    rm -f \"$STOPPING_MARKER\"\n    write_redis_conf\n",
        "    rm -f \"$STOPPING_MARKER\"\n    rm -rf \"$DATA_DIR/dump.rdb\" \"$DATA_DIR/appendonlydir\"\n    write_redis_conf\n",
    );
    let (schedule, _) = loses_writes(&[
        "--manifests",
        &file,
        "--explore",
        "--seed",
        "1",
        "--schedules",
        "1",
        "--steps",
        "1",
        "--faults",
        "restart-all",
        "--out",
        out_dir.to_str().expect("utf-8"),
        "--shrink-replays",
        "0",
    ]);
    assert!(schedule["writes_lost"].as_u64().unwrap_or(0) > 0);
    let replay_file = schedule["file"]
        .as_str()
        .expect("a replay file")
        .to_string();
    assert!(schedule["shrunk"].is_null(), "{schedule:#}");
    // The whole logs beside it: every container of every pod, the planted line's effect too.
    let logs = std::fs::read_to_string(replay_file.replace(".json", ".log")).expect("the logs");
    for pod in ["redis-0", "redis-1", "redis-2"] {
        for container in ["config-init", "redis", "sentinel"] {
            let prefix = format!("{pod}/{container}: ");
            assert!(logs.lines().any(|l| l.starts_with(&prefix)), "{prefix}");
        }
    }
    assert!(
        logs.contains("redis-start: "),
        "the start script's own lines"
    );
    let (again, code, stderr) = explore(&["--manifests", &file, "--replay", &replay_file]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(again["schedules"][0]["faults"], schedule["faults"]);
    assert!(invariants(&again["schedules"][0]).iter().any(|i| i == "I2"));
}

/// Replicas that never let go of a silent master (`replica-detach.sh` not started): the
/// master cut off from the other pods' Sentinels for 8 s keeps its replicas and its
/// clients; the Sentinels promote one replica, and until the leader moves the other one,
/// about a second later, that one acknowledges the writes the deposed master still takes
/// (`WAIT 1` answers 1); its full resync from the new master discards them: I2 in the one
/// schedule. (The rendered scripts pass it: their replicas detach at a third of down-after
/// and the deposed master refuses writes, `NOREPLICAS`; measured 0 of 1,349 lost, 46 of
/// 1,460 on this planted copy.)
#[test]
fn finds_replicas_that_acknowledge_for_a_master_cut_from_the_sentinels() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The probe waits for one replica, as `production`'s gateway does (`waitReplicas: 1`).
    let set = "  annotations:\n    checkov.io/skip1:";
    let yaml = rendered("production");
    assert_eq!(
        yaml.matches(set).count(),
        1,
        "the StatefulSet's annotations"
    );
    let waiting = yaml.replace(
        set,
        "  annotations:\n    redis-ha-gen.io/wait-replicas: \"1\"\n    checkov.io/skip1:",
    );
    let file = planted(
        dir.path(),
        &waiting,
        "( sh /scripts/replica-detach.sh & )",
        ": replica-detach.sh not started",
    );
    let schedule = dir.path().join("cut.json");
    let faults = serde_json::json!({"seed": 0, "faults": [{"at": 3.0,
        "fault": "partition-master-sentinels", "target": "master", "duration": 8.0}]});
    std::fs::write(&schedule, faults.to_string()).expect("write the schedule");
    let (schedule, stderr) = loses_writes(&[
        "--manifests",
        &file,
        "--replay",
        schedule.to_str().expect("utf-8"),
        "--shrink-replays",
        "0",
    ]);
    assert!(
        stderr.contains("(WAIT 1 acknowledged every one)"),
        "{stderr}"
    );
    // The Sentinels failed the master over (two masters seen), the cut lifted again.
    assert_eq!(schedule["max_masters"], 2, "{schedule:#}");
    assert!(
        stderr.contains("fault 1/1 healed: partition-master-sentinels master"),
        "{stderr}"
    );
}

/// `make test`'s short exploration of `production`: two schedules of two faults, seed 56
/// (with the whole catalogue its draws are short: a `kill-sentinel` 7 s, the master cut off
/// from the other pods' Sentinels for 13.9 s, an `isolate` 4.9 s, a `kill-pod` 3.8 s), the
/// JSON shape of the contract, the exit code agreeing with the violations counted.
#[test]
fn production_short_exploration() {
    let (report, code, stderr) = explore(&[
        "--profile",
        "production",
        "--explore",
        "--seed",
        "56",
        "--schedules",
        "2",
        "--steps",
        "2",
        "--shrink-replays",
        "0",
    ]);
    assert_eq!(report["seed"], 56);
    // The engine and version explored, as the scenarios' report names them.
    assert_eq!(report["engine"], "redis");
    let version = report["server_version"].as_str().expect("server_version");
    assert!(version.starts_with("7."), "{version}");
    assert_eq!(report["redis_version"], version);
    let schedules = report["schedules"].as_array().expect("schedules");
    assert_eq!(schedules.len(), 2);
    let mut counted = 0;
    for s in schedules {
        assert!(s["seed"].as_u64().is_some());
        assert!(s["passed"].is_boolean());
        assert!(
            s["writes_acknowledged"].as_u64().unwrap_or(0) > 0,
            "{stderr}"
        );
        let faults = s["faults"].as_array().expect("faults");
        assert_eq!(faults.len(), 2);
        for f in faults {
            for field in ["at", "fault", "target", "duration"] {
                assert!(!f[field].is_null(), "{f}");
            }
        }
        counted += s["violations"].as_array().expect("violations").len();
    }
    assert_eq!(report["violations"], counted);
    assert_eq!(code, Some(if counted > 0 { 1 } else { 0 }), "{stderr}");
    assert!(stderr.contains("schedule 1/2, fault 1/2: "), "{stderr}");
    // The Sentinels' cut runs (its cgroup v2 rules added, checked in place and lifted) in
    // every `make test`, and nothing reports a fault the runner cannot inject.
    assert!(
        stderr.contains("schedule 1/2, fault 2/2: partition-master-sentinels master"),
        "{stderr}"
    );
    assert_eq!(report["not_available"], serde_json::json!([]));
}

#[test]
fn unknown_faults_and_missing_replays_are_usage_errors() {
    let out = drill(&[
        "--profile",
        "kind",
        "--explore",
        "--faults",
        "kill-everything",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown fault") && stderr.contains("wipe-pvc"),
        "{stderr}"
    );
    let out = drill(&[
        "--profile",
        "kind",
        "--replay",
        "/nonexistent/schedule.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

/// The whole-set faults that re-render or change a Secret, replayed from a hand-written
/// schedule on `production`: two more pods for a while, then back to three (the StatefulSet
/// controller deletes the two), then the two-step password rotation. Nothing is lost, no two
/// masters, and the two extra pods really ran (`pods_seen`). About 130 s, and it once lost 20
/// acknowledged writes in CI that 15 replays did not show again (docs/explore.md, Results):
/// `make explore-replays` runs it with the kept replay files, out of `make test`.
#[test]
#[ignore = "about 130 s; `make explore-replays` runs it"]
fn scale_and_password_rotation_keep_every_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("schedule.json");
    let schedule = serde_json::json!({"seed": 0, "faults": [
        {"at": 3.0, "fault": "scale", "target": "all", "duration": 5.0},
        {"at": 8.0, "fault": "password-rotation", "target": "all", "duration": 0.0},
    ]});
    std::fs::write(&file, schedule.to_string()).expect("write the schedule");
    let file = file.to_str().expect("utf-8");
    let (report, code, stderr) = explore(&["--profile", "production", "--replay", file]);
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    let run = &report["schedules"][0];
    assert_eq!(run["passed"], true, "{run:#}");
    assert_eq!(run["writes_lost"], 0, "{run:#}");
    assert_eq!(run["split_brain_seconds"], 0.0, "{run:#}");
    assert_eq!(run["pods_seen"], 5, "{run:#}");
    assert!(stderr.contains("scale all (+2 pods for 5 s)"), "{stderr}");
}

/// A manifest file cannot be re-rendered: asking for `scale` with `--manifests` says so.
#[test]
fn scale_needs_a_profile() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifests = dir.path().join("production.yaml");
    std::fs::write(&manifests, rendered("production")).expect("write the manifests");
    let out = drill(&[
        "--manifests",
        manifests.to_str().expect("utf-8"),
        "--explore",
        "--faults",
        "scale",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot be: drill --profile"), "{stderr}");
}
