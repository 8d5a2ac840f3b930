//! `sentinel-start.sh`'s `forget_master_as_replica`: a stored Sentinel config that lists the
//! monitored master among its replicas makes a real Sentinel 7.0 turn that master into a
//! replica of itself 10 s after it starts (explore seed 29, schedule 15: 29 s without a
//! master); the start script drops that line first. The function under `dash`, then real
//! `redis-server` and Sentinel processes on the config before and after it; and how the line
//! gets there: a Sentinel that resolves neither its master's name nor its replicas' saves
//! them as its master (Redis 7.0.15 and Valkey 8.1).

use crate::local_servers::{Processes, free_port, start, until};
use crate::script_functions::{dash_ok, function, script};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The config at DIR/sentinel.conf after the shipped function, and what it logged (on
/// stderr, as common.sh's `log`).
fn sanitized(dir: &Path) -> (String, String) {
    let text = format!(
        "CONF_DIR={}\nMASTER_NAME=mymaster\nlog() {{ echo \"log: $*\" >&2; }}\n{}\nforget_master_as_replica 2>\"$CONF_DIR/log\"\n",
        dir.display(),
        function(script("sentinel-start.sh"), "forget_master_as_replica")
    );
    dash_ok::<&str>(&text, &[]);
    let logged = std::fs::read_to_string(dir.join("log")).expect("the log");
    let conf = std::fs::read_to_string(dir.join("sentinel.conf")).expect("the config");
    (conf, logged)
}

fn role(port: u16) -> String {
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "ROLE"])
        .output()
        .expect("redis-cli is installed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_sentinel_never_starts_with_its_master_listed_as_a_replica() {
    let stored = |master: u16, sentinel: u16| {
        format!(
            "port {sentinel}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {master} 1\n\
             sentinel down-after-milliseconds mymaster 60000\n\
             sentinel known-replica mymaster 127.0.0.1 {master}\n\
             sentinel known-replica mymaster 127.0.0.1 1\n"
        )
    };
    let (kept, fixed) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let [master_kept, sentinel_kept, master_fixed, sentinel_fixed] =
        [free_port(), free_port(), free_port(), free_port()];
    std::fs::write(
        kept.path().join("sentinel.conf"),
        stored(master_kept, sentinel_kept),
    )
    .expect("write");
    std::fs::write(
        fixed.path().join("sentinel.conf"),
        stored(master_fixed, sentinel_fixed),
    )
    .expect("write");
    let (conf, logged) = sanitized(fixed.path());
    assert!(
        !conf.contains(&format!("known-replica mymaster 127.0.0.1 {master_fixed}")),
        "{conf}"
    );
    assert!(
        conf.contains("known-replica mymaster 127.0.0.1 1\n"),
        "{conf}"
    );
    assert!(conf.contains(&format!(
        "sentinel monitor mymaster 127.0.0.1 {master_fixed} 1"
    )));
    assert!(
        logged.contains("log: forgetting 127.0.0.1 as a replica"),
        "{logged}"
    );

    let server = |dir: &Path, port: u16| {
        let path = dir.join("redis.conf");
        std::fs::write(
            &path,
            format!(
                "port {port}\nbind 127.0.0.1\nsave \"\"\ndir {}\n",
                dir.display()
            ),
        )
        .expect("write");
        start(&path, false)
    };
    let _processes = Processes(vec![
        server(kept.path(), master_kept),
        server(fixed.path(), master_fixed),
        start(&kept.path().join("sentinel.conf"), true),
        start(&fixed.path().join("sentinel.conf"), true),
    ]);
    // Control: the stored config as it was turns its master into a replica (of itself).
    assert!(
        until(Duration::from_secs(15), || role(master_kept) == "slave"),
        "the unsanitized Sentinel never converted its master"
    );
    assert_eq!(role(master_fixed), "master");
}

/// The `known-replica` lines a Sentinel of `server` (`redis-server`, `valkey-server`) saves
/// in DIR/sentinel.conf when it monitors `master` with replicas `redis-1…` and `redis-2…` of a
/// domain that does not exist, run in a network namespace of its own (`unshare -rn`, loopback
/// only), where no name resolves but /etc/hosts' own; sorted (Sentinel writes them in its
/// table's order).
fn saved_replicas(server: &str, master: &str, dir: &Path) -> Vec<String> {
    let conf = dir.join("sentinel.conf");
    std::fs::write(
        &conf,
        format!(
            "port 26379\nbind 127.0.0.1\nsentinel resolve-hostnames yes\n\
             sentinel announce-hostnames yes\n\
             sentinel monitor mymaster {master} 6379 2\n\
             sentinel known-replica mymaster redis-1.not-running.invalid 6379\n\
             sentinel known-replica mymaster redis-2.not-running.invalid 6379\n"
        ),
    )
    .expect("write");
    let cli = server.replace("-server", "-cli");
    // Sentinel saves its config at start (it adds its `myid`); `SENTINEL SET` saves it again,
    // after it has tried to connect.
    let script = format!(
        "ip link set lo up && {server} {conf} --sentinel --daemonize yes --logfile {log} && \
         for i in 1 2 3 4 5 6 7 8 9 10; do \
         [ \"$({cli} -p 26379 PING)\" = PONG ] && break; sleep 0.2; done && \
         {cli} -p 26379 SENTINEL SET mymaster down-after-milliseconds 4000 && \
         {cli} -p 26379 SHUTDOWN NOSAVE; true",
        conf = conf.display(),
        log = dir.join("log").display(),
    );
    let out = Command::new("unshare")
        .args(["-rn", "sh", "-c", &script])
        .output()
        .expect("unshare (util-linux) is installed");
    assert!(out.status.success(), "{server}: {out:?}");
    let mut replicas: Vec<String> = std::fs::read_to_string(&conf)
        .expect("the saved config")
        .lines()
        .filter(|l| l.starts_with("sentinel known-replica "))
        .map(str::to_string)
        .collect();
    replicas.sort();
    replicas
}

/// How the line gets there (explore seed 29 schedule 15's cause): Sentinel's config rewrite
/// writes a replica whose address equals the master's as the master's address (meant for a
/// failover's promoted replica, `rewriteConfigSentinelOption`), and two names that do not
/// resolve are equal there (the address of each is "?", `createSentinelAddr`). So a Sentinel
/// started while its master's and its replicas' pods are not running (their names NXDOMAIN:
/// the headless Service publishes running pods only) saves every such replica as
/// `known-replica <the master>`, on Redis 7.0.15 and Valkey 8.1 alike; with a master that
/// resolves (control) the replicas are saved as they were.
#[test]
fn a_sentinel_resolving_neither_master_nor_replicas_saves_them_as_its_master() {
    let line = |host: &str| format!("sentinel known-replica mymaster {host} 6379");
    for server in ["redis-server", "valkey-server"] {
        // Control first: a master that resolves. The last directory (neither resolves) is
        // kept for the start script's part below.
        let mut last = None;
        for (master, saved) in [
            (
                "localhost",
                ["redis-1.not-running.invalid", "redis-2.not-running.invalid"],
            ),
            (
                "redis-0.not-running.invalid",
                ["redis-0.not-running.invalid"; 2],
            ),
        ] {
            let dir = tempfile::tempdir().expect("dir");
            assert_eq!(
                saved_replicas(server, master, dir.path()),
                saved.map(line),
                "{server}, master {master}"
            );
            last = Some(dir);
        }
        let dir = last.expect("two cases ran");
        // The start script then drops both: the Sentinel starts knowing no replica, and
        // finds the real ones in its master's `INFO` once that pod runs.
        let (conf, logged) = sanitized(dir.path());
        assert!(!conf.contains("known-replica"), "{server}: {conf}");
        assert!(
            logged.contains("log: forgetting redis-0.not-running.invalid as a replica"),
            "{server}: {logged}"
        );
    }
}
