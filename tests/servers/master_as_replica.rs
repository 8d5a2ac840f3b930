//! `sentinel-start.sh`'s `forget_master_as_replica`: a stored Sentinel config that lists the
//! monitored master among its replicas makes a real Sentinel 7.0 turn that master into a
//! replica of itself 10 s after it starts (explore seed 29, schedule 15: 29 s without a
//! master); the start script drops that line first. The function under `dash`, then real
//! `redis-server` and Sentinel processes on the config before and after it.

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
