//! `drill --target kubectl` against a stand-in `kubectl` on PATH that records its calls and
//! answers as a healthy set would: the command sequence of a scenario is the contract here
//! (no cluster is reachable from the tests).

mod common;
#[path = "drill/support.rs"]
mod support;

use std::path::Path;

/// Run `drill --target kubectl --format json ARGS` against the stand-in, with `env` for it:
/// the report and the calls it made.
fn drill(args: &[&str], env: &[(&str, &str)]) -> (serde_json::Value, String, std::process::Output) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let stand_in = root.join("tests/drill/kubectl");
    let log = tempfile::NamedTempFile::new().expect("temp file");
    let path = format!(
        "{}:{}",
        stand_in.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = common::binary()
        .current_dir(root)
        .args(["drill", "--target", "kubectl", "--format", "json"])
        .args(args)
        .env("PATH", path)
        .env("KUBECTL_LOG", log.path())
        .envs(env.iter().copied())
        .output()
        .expect("run redis-ha-gen");
    let report = support::json(&out);
    assert_eq!(report["target"], "kubectl");
    assert_eq!(report["redis_version"], "7.0.15");
    let calls = std::fs::read_to_string(log.path()).expect("kubectl log");
    (report, calls, out)
}

/// `drill --target kubectl --scenario replica-down --manifests FIXTURE` against the stand-in.
fn replica_down(fixture: &str) -> (serde_json::Value, String, std::process::Output) {
    drill(&["--scenario", "replica-down", "--manifests", fixture], &[])
}

#[test]
fn replica_down_sigkills_the_replica_and_waits_for_it() {
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
    // A SIGKILL of every container from one of them (not a forced delete), seen to take by
    // the restart counts.
    let state = position(&format!("{ns} get pod redis-2 -o json"), asked);
    let killed = position(
        &format!(
            "{ns} exec redis-2 -c redis -- sh -c <signal-script> drill-signal KILL \
             cid-redis-2-redis-0 cid-redis-2-sentinel-0"
        ),
        state,
    );
    position(&format!("{ns} get pod redis-2 -o json"), killed);
    assert!(!calls.contains("delete pod"), "{calls}");
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

/// The acknowledged keys are read back with `MGET`, whose missing keys `redis-cli` prints as
/// empty lines: one the final master lacks is a lost write (it read as kept before).
#[test]
fn a_key_the_final_master_lacks_is_a_lost_write() {
    let (report, calls, _) = drill(
        &[
            "--scenario",
            "replica-down",
            "--manifests",
            "tests/drill/seed/redis-ha.yaml",
        ],
        &[("KUBECTL_MGET_MISSING", "1")],
    );
    assert!(calls.contains(" MGET drill:replica-down:"), "{calls}");
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["writes_lost"], 1, "{scenario:#}");
    assert_eq!(scenario["passed"], false, "{scenario:#}");
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

#[path = "drill/pid_namespace.rs"]
mod pid_namespace;

use redis_ha_gen::drill::kubectl::signal::Signal;

/// The signal script, run for real in a PID namespace shaped like a pod that shares its
/// process namespace: SIGSTOP, SIGCONT and SIGKILL reach the container's process and are
/// seen to take.
#[test]
fn a_sibling_stops_continues_and_kills_a_container_in_a_shared_pid_namespace() {
    pid_namespace::require_root();
    let pod = pid_namespace::Namespace::start("shared", true);
    let stopped = pod.signal(Signal::Stop);
    assert_eq!(stopped, "2 T\n");
    assert_eq!(pid_namespace::took(Signal::Stop, &stopped).unwrap(), 1);
    let continued = pod.signal(Signal::Cont);
    assert_eq!(
        pid_namespace::took(Signal::Cont, &continued).unwrap(),
        1,
        "{continued}"
    );
    let killed = pod.signal(Signal::Kill);
    assert!(matches!(killed.as_str(), "2 gone\n" | "2 Z\n"), "{killed}");
    assert!(pid_namespace::took(Signal::Kill, &killed).is_ok());
}

/// Without a shared namespace the container's process is PID 1 of its own: the kernel drops
/// SIGSTOP and SIGKILL sent from inside (pid_namespaces(7)), and the drill says so instead
/// of reporting a fault that did nothing.
#[test]
fn a_pid_1_signalled_from_inside_its_namespace_is_seen_not_to_stop() {
    pid_namespace::require_root();
    let pod = pid_namespace::Namespace::start("alone", false);
    let stopped = pod.signal(Signal::Stop);
    assert_eq!(stopped, "1 S\n");
    let err = pid_namespace::took(Signal::Stop, &stopped).unwrap_err();
    assert!(err.to_string().contains("1 in state S"), "{err}");
    let killed = pod.signal(Signal::Kill);
    assert_eq!(killed, "1 S\n");
    assert!(pid_namespace::took(Signal::Kill, &killed).is_err());
}

/// `restore-from-backup` runs on a cluster: the backup CronJob runs as a Job (created from
/// it, watched, its log read, deleted), and each wipe deletes the claim, then the pod, and
/// waits for the new claim.
#[test]
fn restore_from_backup_runs_the_cronjob_as_a_job_and_wipes_claim_then_pod() {
    let (report, calls, out) = drill(
        &[
            "--profile",
            "production",
            "--set",
            "backup.enabled=true",
            "--set",
            "backup.restore=true",
            "--set",
            "backup.pvc.accessMode=ReadWriteMany",
            "--scenario",
            "restore-from-backup",
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["name"], "restore-from-backup");
    let ns = "--namespace kubernaut-system";
    let lines: Vec<&str> = calls.lines().collect();
    let created = lines
        .iter()
        .position(|l| {
            l.starts_with(&format!(
                "{ns} create job --from=cronjob/redis-backup redis-backup-drill-"
            ))
        })
        .unwrap_or_else(|| panic!("no Job created from the CronJob:\n{calls}"));
    let job = lines[created].rsplit(' ').next().unwrap();
    let after: Vec<&str> = lines[created..]
        .iter()
        .copied()
        .filter(|l| l.contains(job))
        .collect();
    assert_eq!(
        after.last().copied(),
        Some(format!("{ns} delete job {job} --ignore-not-found --wait=false").as_str()),
        "{after:#?}"
    );
    assert!(
        after.iter().any(|l| l.contains(&format!("logs job/{job}"))),
        "{after:#?}"
    );
    let wipe = [
        format!("{ns} delete pvc data-redis-0 --ignore-not-found --wait=false"),
        format!("{ns} delete pod redis-0 --ignore-not-found --grace-period=1 --wait=true"),
        format!("{ns} get pvc data-redis-0 --ignore-not-found -o jsonpath={{.metadata.uid}}"),
    ];
    // In this order (the probe's calls run in between).
    let mut from = 0;
    for call in &wipe {
        from += lines[from..]
            .iter()
            .position(|l| l == call)
            .unwrap_or_else(|| panic!("no `{call}` after line {from}:\n{calls}"));
    }
    assert_eq!(scenario["passed"], true, "{scenario:#}\nstderr: {stderr}");
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
}

/// A pod that does not share its process namespace: the freeze is refused with the reason,
/// the scenario fails, and no signal was sent.
#[test]
fn a_freeze_on_a_pod_without_a_shared_pid_namespace_fails_the_scenario_with_the_reason() {
    let (report, calls, out) = drill(
        &[
            "--scenario",
            "master-pause",
            "--manifests",
            "tests/drill/seed/redis-ha.yaml",
        ],
        &[("KUBECTL_SHARE_PID", "false")],
    );
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["passed"], false, "{scenario:#}");
    let text = scenario.to_string();
    assert!(text.contains("shareProcessNamespace"), "{scenario:#}");
    assert!(!calls.contains("drill-signal"), "{calls}");
    assert_eq!(out.status.code(), Some(1));
}
