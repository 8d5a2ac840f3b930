//! common.sh's `replicaof_if_following` (docs/architecture.md §18, "One connection for the
//! role and the order"): the scripts' `REPLICAOF` goes on the connection that read the local
//! Redis's `ROLE`, so a Sentinel's promotion landing between the two — its transaction ends
//! with `CLIENT KILL TYPE normal`, which closes that connection — is never undone, however
//! long the script paused. On real `redis-server` processes, under `dash`, with the function
//! as shipped; the promotion is the one Sentinel sends (Redis's sentinel.c,
//! sentinelSendSlaveOf: `MULTI`, `SLAVEOF NO ONE`, `CONFIG REWRITE`, `CLIENT KILL TYPE normal`,
//! `CLIENT KILL TYPE pubsub`, `EXEC`).

use crate::local_servers::{
    Processes, all_answer, cli, free_port, quiet_conf, replication_field as field, start,
};
use crate::replication_steps::attach;
use crate::script_functions::{dash_ok, function, redis_cli_hosts_are_ports, script};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long the script pauses between reading the role and sending `REPLICAOF` in the race
/// cases, and when in that pause the promotion lands.
/// Within the function's 2 s `timeout` with room to spare: the order must meet the closed
/// connection, not the timeout (its error is checked).
const PAUSE: &str = "1";
const PROMOTED_AFTER: Duration = Duration::from_millis(300);

/// `replicaof_if_following FROM_HOST FROM_PORT 127.0.0.1 TO` on the local Redis at `replica`
/// (hosts are ports but `127.0.0.1`), pausing `pause` seconds before the order; what it
/// printed, then "sent" or "refused" (its status), then redis-cli's errors, if any.
fn guarded(replica: u16, from_host: &str, from_port: &str, to: u16, pause: &str) -> String {
    let cli = redis_cli_hosts_are_ports();
    let function = function(script("common.sh"), "replicaof_if_following");
    let text = format!(
        r#"LOCAL=127.0.0.1
REDIS_PORT={replica}
PASSWORD=""
CR=$(printf '\r')
ORDER_DELAY={pause}
CLI_ERRORS=$(mktemp)
export ORDER_DELAY CLI_ERRORS
{cli}
{function}
if replicaof_if_following {from_host} "{from_port}" {to} 0; then echo sent; else echo refused; fi
cat "$CLI_ERRORS"
rm -f "$CLI_ERRORS"
"#
    );
    dash_ok::<&str>(&text, &[]).trim_end().to_string()
}

/// The two-connection form the scripts used before: `ROLE` read on one connection, then,
/// after `pause` seconds, `REPLICAOF` on another.
fn unguarded(replica: u16, to: u16, pause: &str) -> String {
    let text = format!(
        r#"if [ "$(redis-cli -p {replica} ROLE | head -n 1)" = slave ]; then
    sleep {pause}
    redis-cli -p {replica} REPLICAOF 127.0.0.1 {to} >/dev/null
    echo sent
else
    echo refused
fi
"#
    );
    dash_ok::<&str>(&text, &[]).trim_end().to_string()
}

/// What a Sentinel sends the replica it promotes, on its own connection.
fn promote_as_sentinel_does(port: u16) {
    let mut child = Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-cli is installed");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(
            b"MULTI\nSLAVEOF NO ONE\nCONFIG REWRITE\nCLIENT KILL TYPE normal\n\
              CLIENT KILL TYPE pubsub\nEXEC\n",
        )
        .expect("send the promotion");
    assert!(child.wait().is_ok_and(|s| s.success()), "the promotion ran");
}

/// A master, its replica and a third server (the sibling the script would follow).
fn three(dir: &std::path::Path) -> (u16, u16, u16, Processes) {
    let (master, replica, sibling) = (free_port(), free_port(), free_port());
    let conf = |name: &str, port: u16| quiet_conf(dir, name, port, "repl-diskless-sync-delay 0\n");
    let servers = Processes(vec![
        start(&conf("master.conf", master), false),
        start(&conf("replica.conf", replica), false),
        start(&conf("sibling.conf", sibling), false),
    ]);
    assert!(all_answer(&[master, replica, sibling]));
    attach(replica, master);
    (master, replica, sibling, servers)
}

/// Runs `script` (a guarded or unguarded order) in a thread while a Sentinel promotes
/// `replica` in its pause; what it printed.
fn race(replica: u16, script: impl FnOnce() -> String + Send + 'static) -> String {
    let order = std::thread::spawn(script);
    std::thread::sleep(PROMOTED_AFTER);
    promote_as_sentinel_does(replica);
    order.join().expect("the script ran")
}

#[test]
fn the_order_goes_only_while_the_role_read_on_its_connection_allows_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (master, replica, sibling, _servers) = three(dir.path());

    // Another master named, another port named: nothing sent.
    assert_eq!(guarded(replica, "10.0.0.9", "", sibling, "0"), "refused");
    assert_eq!(
        guarded(replica, "127.0.0.1", &sibling.to_string(), sibling, "0"),
        "refused"
    );
    assert_eq!(field(replica, "master_port"), master.to_string());

    // The master it follows, any port or its own: sent, and the reply printed.
    assert_eq!(
        guarded(replica, "127.0.0.1", &master.to_string(), sibling, "0"),
        "OK\nsent"
    );
    assert_eq!(field(replica, "master_port"), sibling.to_string());

    // A master is no replica of anything: nothing sent.
    assert_eq!(cli(sibling, &["ROLE"]).lines().next(), Some("master"));
    assert_eq!(guarded(sibling, "127.0.0.1", "", master, "0"), "refused");
    assert_eq!(cli(sibling, &["ROLE"]).lines().next(), Some("master"));
}

#[test]
fn a_sentinels_promotion_between_the_role_and_the_order_is_never_undone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (master, replica, sibling, _servers) = three(dir.path());

    // Control, the two-connection form: the promotion lands in the pause and the order that
    // follows undoes it (the failover would abort).
    let printed = race(replica, move || unguarded(replica, sibling, PAUSE));
    assert_eq!(printed, "sent");
    assert_eq!(
        field(replica, "master_port"),
        sibling.to_string(),
        "control: the promotion undone"
    );

    // The shipped form: the promotion closes the connection the role was read on, and the
    // order sent after it never runs.
    attach(replica, master);
    let printed = race(replica, move || {
        guarded(replica, "127.0.0.1", "", sibling, PAUSE)
    });
    assert_eq!(
        printed, "refused\nError: Server closed the connection",
        "the order met the closed connection"
    );
    assert_eq!(
        cli(replica, &["ROLE"]).lines().next(),
        Some("master"),
        "the promotion stands"
    );
}
