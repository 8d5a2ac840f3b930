//! The `kubectl` target's command sequences against the stand-in `kubectl` of
//! tests/drill/kubectl, which records its calls and answers as a healthy cluster would.

use super::*;
use std::path::Path;

/// The production profile's set, as the drill reads it from the rendered manifests.
fn production() -> HaSpec {
    let request = crate::profile::ProfileRequest {
        profile: "production".into(),
        values: Vec::new(),
        sets: Vec::new(),
        namespace: None,
    };
    let resolved = crate::profile::resolve(&request).unwrap();
    let generated =
        crate::generate::generate(&resolved, crate::schema::KubeVersion::default()).unwrap();
    crate::drill::spec::ha_spec(&generated.documents, None).unwrap()
}

/// A `KubectlSet` on the stand-in, with `env` for it; the log of its calls.
struct StandIn {
    set: KubectlSet,
    log: tempfile::NamedTempFile,
}

impl StandIn {
    fn new(env: &[(&str, &str)]) -> StandIn {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut set = KubectlSet::new(&production());
        set.program = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/drill/kubectl/kubectl")
            .into();
        set.env = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .chain([("KUBECTL_LOG".into(), log.path().into())])
            .collect();
        set.restart_timeout = Duration::from_secs(1);
        StandIn { set, log }
    }

    /// Every call, without the namespace every one starts with.
    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.log.path())
            .unwrap()
            .lines()
            .map(|l| {
                l.strip_prefix("--namespace kubernaut-system ")
                    .unwrap_or(l)
                    .to_string()
            })
            .collect()
    }
}

const SIGNAL: &str = "-- sh -c <signal-script> drill-signal";

#[test]
fn an_exec_that_does_not_answer_fails_after_its_timeout() {
    let mut stand_in = StandIn::new(&[("KUBECTL_EXEC_HANG", "1")]);
    stand_in.set.exec_overhead = Duration::from_millis(200);
    let started = Instant::now();
    let mut session = stand_in.set.session(0, false, true);
    let err = session
        .call(&["PING"], Duration::from_millis(300))
        .unwrap_err()
        .to_string();
    assert!(err.contains("redis-0: no reply within 0.5 s"), "{err}");
    // The stand-in sleeps 300 s: only the deadline ended the call.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let answering = StandIn::new(&[]);
    let mut session = answering.set.session(0, false, true);
    let reply = session.call(&["ROLE"], Duration::from_millis(300));
    assert!(reply.is_ok(), "{reply:?}");
}

#[test]
fn freeze_signals_every_container_of_the_pod_and_sees_them_stopped() {
    let stand_in = StandIn::new(&[]);
    stand_in.set.freeze_pod(1, true).unwrap();
    stand_in.set.freeze_pod(1, false).unwrap();
    assert_eq!(
        stand_in.calls(),
        [
            "get pod redis-1 -o json".to_string(),
            format!(
                "exec redis-1 -c redis {SIGNAL} STOP cid-redis-1-redis-0 cid-redis-1-sentinel-0"
            ),
            "get pod redis-1 -o json".to_string(),
            format!(
                "exec redis-1 -c redis {SIGNAL} CONT cid-redis-1-redis-0 cid-redis-1-sentinel-0"
            ),
        ]
    );
}

#[test]
fn a_container_is_stopped_from_its_sibling() {
    let stand_in = StandIn::new(&[]);
    stand_in.set.freeze_container(0, "redis", true).unwrap();
    stand_in.set.hold_container(0, "sentinel", true).unwrap();
    let calls = stand_in.calls();
    assert_eq!(
        calls[1],
        format!("exec redis-0 -c sentinel {SIGNAL} STOP cid-redis-0-redis-0")
    );
    assert_eq!(
        calls[3],
        format!("exec redis-0 -c redis {SIGNAL} STOP cid-redis-0-sentinel-0")
    );
}

#[test]
fn a_signal_that_does_not_take_fails_the_fault() {
    // As the kernel does to a PID 1 signalled from inside its namespace: nothing stops.
    let stand_in = StandIn::new(&[("KUBECTL_SIGNAL_DROPPED", "1")]);
    let err = stand_in
        .set
        .freeze_container(0, "redis", true)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("SIGSTOP to redis of pod redis-0 did not take"),
        "{err}"
    );
    assert!(err.contains("101 in state S"), "{err}");
    let err = stand_in.set.crash_container(0, "redis").unwrap_err();
    assert!(err.to_string().contains("SIGKILL"), "{err}");
}

#[test]
fn a_pod_without_a_shared_process_namespace_is_refused_before_any_signal() {
    let stand_in = StandIn::new(&[("KUBECTL_SHARE_PID", "false")]);
    for err in [
        stand_in.set.freeze_pod(0, true).unwrap_err(),
        stand_in
            .set
            .hold_container(0, "sentinel", true)
            .unwrap_err(),
        stand_in.set.crash_container(0, "redis").unwrap_err(),
        stand_in.set.kill_pod(0).unwrap_err(),
    ] {
        let err = err.to_string();
        assert!(err.contains("shareProcessNamespace"), "{err}");
        assert!(err.contains("would do nothing"), "{err}");
    }
    assert!(
        stand_in
            .calls()
            .iter()
            .all(|c| c == "get pod redis-0 -o json"),
        "{:#?}",
        stand_in.calls()
    );
}

#[test]
fn a_crash_is_a_sigkill_from_a_sibling_seen_restarted() {
    let stand_in = StandIn::new(&[]);
    stand_in.set.crash_container(2, "sentinel").unwrap();
    assert_eq!(
        stand_in.calls(),
        [
            "get pod redis-2 -o json".to_string(),
            format!("exec redis-2 -c redis {SIGNAL} KILL cid-redis-2-sentinel-0"),
            "get pod redis-2 -o json".to_string(),
        ]
    );
    // The kubelet restarts nothing: the crash did not take.
    let stand_in = StandIn::new(&[("KUBECTL_NO_RESTART", "1")]);
    let err = stand_in
        .set
        .crash_container(2, "sentinel")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("did not restart sentinel (restart count 0 → 0) within 1 s"),
        "{err}"
    );
}

#[test]
fn a_killed_pod_is_sigkilled_not_force_deleted() {
    let stand_in = StandIn::new(&[]);
    stand_in.set.kill_pod(0).unwrap();
    let calls = stand_in.calls();
    assert_eq!(
        calls,
        [
            "get pod redis-0 -o json".to_string(),
            format!(
                "exec redis-0 -c redis {SIGNAL} KILL cid-redis-0-redis-0 cid-redis-0-sentinel-0"
            ),
            "get pod redis-0 -o json".to_string(),
        ]
    );
    assert!(!calls.iter().any(|c| c.starts_with("delete")), "{calls:#?}");
}

#[test]
fn a_killed_container_is_sigkilled_then_its_restart_held_stopped() {
    let stand_in = StandIn::new(&[]);
    stand_in.set.kill_container(1, "sentinel").unwrap();
    stand_in.set.hold_container(1, "sentinel", false).unwrap();
    let calls = stand_in.calls();
    assert_eq!(
        calls[1],
        format!("exec redis-1 -c redis {SIGNAL} KILL cid-redis-1-sentinel-0")
    );
    assert_eq!(
        calls[4],
        format!("exec redis-1 -c redis {SIGNAL} STOP cid-redis-1-sentinel-1")
    );
    assert_eq!(
        calls[6],
        format!("exec redis-1 -c redis {SIGNAL} CONT cid-redis-1-sentinel-1")
    );
}

#[test]
fn a_wipe_deletes_the_claim_then_the_pod_and_waits_for_the_new_claim() {
    let stand_in = StandIn::new(&[]);
    stand_in.set.wipe_volumes(1).unwrap();
    assert_eq!(
        stand_in.calls(),
        [
            "get pvc data-redis-1 --ignore-not-found -o jsonpath={.metadata.uid}",
            "delete pvc data-redis-1 --ignore-not-found --wait=false",
            "delete pod redis-1 --ignore-not-found --grace-period=1 --wait=true",
            "get pvc data-redis-1 --ignore-not-found -o jsonpath={.metadata.uid}",
        ]
    );
}

/// The Job's name in the calls, and the calls with it replaced by `JOB`.
fn job_calls(stand_in: &StandIn) -> (String, Vec<String>) {
    let calls = stand_in.calls();
    let name = calls[0].rsplit(' ').next().unwrap().to_string();
    assert!(name.starts_with("redis-backup-drill-"), "{name}");
    let calls = calls.iter().map(|c| c.replace(&name, "JOB")).collect();
    (name, calls)
}

#[test]
fn a_cronjob_runs_as_a_job_whose_log_and_exit_are_collected_then_deleted() {
    let stand_in = StandIn::new(&[]);
    let run = stand_in
        .set
        .run_job("redis-backup", Duration::from_secs(5))
        .unwrap();
    assert!(run.succeeded);
    assert_eq!(run.exit, Some(0));
    assert_eq!(run.log.last().unwrap(), "backup: verified dump.rdb");
    let (_, calls) = job_calls(&stand_in);
    assert_eq!(
        calls,
        [
            "create job --from=cronjob/redis-backup JOB",
            "get job JOB -o jsonpath={.status.conditions[?(@.status==\"True\")].type}",
            "logs job/JOB --tail=40",
            "get pods -l job-name=JOB -o jsonpath={.items[*].status.containerStatuses[0].state.terminated.exitCode}",
            "delete job JOB --ignore-not-found --wait=false",
        ]
    );
}

#[test]
fn a_failed_or_late_job_is_reported_and_still_deleted() {
    let stand_in = StandIn::new(&[("KUBECTL_JOB_CONDITION", "Failed")]);
    let run = stand_in
        .set
        .run_job("redis-backup", Duration::from_secs(5))
        .unwrap();
    assert!(!run.succeeded);
    assert_eq!(run.exit, Some(1));
    let (_, calls) = job_calls(&stand_in);
    assert_eq!(
        calls.last().unwrap(),
        "delete job JOB --ignore-not-found --wait=false"
    );

    let stand_in = StandIn::new(&[("KUBECTL_JOB_CONDITION", "none")]);
    let run = stand_in
        .set
        .run_job("redis-backup", Duration::from_secs(1))
        .unwrap();
    assert!(!run.succeeded);
    assert!(
        run.log
            .last()
            .unwrap()
            .ends_with("did not finish within 1 s"),
        "{:?}",
        run.log
    );
    let (_, calls) = job_calls(&stand_in);
    assert!(calls.iter().filter(|c| c.starts_with("get job")).count() >= 2);
    assert_eq!(
        calls.last().unwrap(),
        "delete job JOB --ignore-not-found --wait=false"
    );
}

/// How the target reads a command's output (crate::kubectl_exec).
fn parse_cli_output(command: &str, text: &str) -> Reply {
    crate::kubectl_exec::read_plain(text, Shape::of_command(command))
}

#[test]
fn reads_redis_cli_output() {
    assert_eq!(parse_cli_output("SET", "OK\n"), Reply::Status("OK".into()));
    assert_eq!(parse_cli_output("WAIT", "1\n"), Reply::Int(1));
    assert!(matches!(
        parse_cli_output("SET", "NOREPLICAS Not enough good replicas\n"),
        Reply::Error(_)
    ));
    let role = parse_cli_output("ROLE", "master\n3021\nredis-1.x\n6379\n3021\n");
    assert_eq!(role.items()[0].text(), Some("master"));
}

#[test]
fn the_generated_manifests_password_is_read_from_the_secret_file() {
    let spec = production();
    // The drill invents the missing existing Secret, and finds the password through the
    // file REDIS_PASSWORD_FILE names.
    assert_eq!(
        spec.password_source(),
        Some(("redis-auth".to_string(), "password".to_string()))
    );
    assert_eq!(spec.passwords.len(), 1, "{:?}", spec.passwords);
    let argv = redis_cli_argv(&spec, 0, "redis", false, true, &["ROLE"]).unwrap();
    let shell = argv.windows(2).position(|w| w == ["sh", "-c"]).unwrap();
    assert_eq!(
        argv[shell + 2],
        r#"REDISCLI_AUTH=$(cat '/auth/password'); export REDISCLI_AUTH; exec "$0" "$@""#
    );
}

#[test]
fn the_password_never_reaches_the_hosts_command_line() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/drill/tls/redis-ha.yaml"
    ))
    .unwrap();
    let documents = crate::drill::spec::documents_from_text("redis-ha.yaml", &text).unwrap();
    let spec = crate::drill::spec::ha_spec(&documents, None).unwrap();
    let password = spec
        .passwords
        .first()
        .expect("the fixture reads a password");
    assert!(!password.is_empty());
    let argv = redis_cli_argv(&spec, 0, "redis", false, true, &["ROLE"]).unwrap();
    assert!(
        argv.iter().all(|a| !a.contains(password.as_str())),
        "{argv:?}"
    );
    assert!(!argv.iter().any(|a| a == "-a" || a == "--pass"), "{argv:?}");
    let shell = argv.windows(2).position(|w| w == ["sh", "-c"]).unwrap();
    let script = &argv[shell + 2];
    assert_eq!(
        script,
        r#"REDISCLI_AUTH=$(printenv 'REDIS_PASSWORD'); export REDISCLI_AUTH; exec "$0" "$@""#
    );
    let tail = [
        "redis-cli",
        "-p",
        "6379",
        "--tls",
        "--cacert",
        "/tls/ca.crt",
        "ROLE",
    ];
    assert_eq!(argv[argv.len() - tail.len()..], tail);
    // Sentinel requires the same password: the same wrapper; a connection meant to send
    // no password (`connect_anonymous`) calls redis-cli directly.
    let argv = redis_cli_argv(&spec, 1, "sentinel", true, true, &["PING"]).unwrap();
    assert_eq!(argv[5..7], ["sh", "-c"]);
    let argv = redis_cli_argv(&spec, 1, "sentinel", true, false, &["PING"]).unwrap();
    assert_eq!(
        argv[..6],
        ["exec", "redis-1", "-c", "sentinel", "--", "redis-cli"]
    );
}
