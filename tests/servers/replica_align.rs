//! crash-watch.sh's "A lagging replica catches up from a sibling" (replica-align.sh,
//! docs/architecture.md §22): a replica whose master is silent, behind a sibling replica of
//! the same master on the same replication history, follows that sibling and catches up —
//! after two checks, never on one — and follows no sibling on another history, whatever its
//! offset, nor one whose own master link is down (it could not serve the sync). On real
//! `redis-server` processes, under `dash`, with replica-align.sh's functions
//! as shipped and common.sh's `node_info_of` and `replicaof_if_following`. Hosts are loopback
//! ports here, the local Redis `127.0.0.1`; the `redis-cli` the scripts run sends a
//! `REPLICAOF <host> <REDIS_PORT>` as `REPLICAOF 127.0.0.1 <host>` (script_functions.rs).

use crate::local_servers::{
    Processes, all_answer, cli, free_port, quiet_conf, replication_field as field, start, until,
};
use crate::replication_steps::{attach, replicate, write};
use crate::script_functions::{
    ASK_ALL_BY_PORT, dash_ok, function, redis_cli_hosts_are_ports, script,
};
use std::process::Command;
use std::time::Duration;

/// replica-align.sh's checks run `checks` times, one second apart, on the replica at `port`
/// with `siblings` for its peers (never a frozen master: the test's `ask_all` has no timeout;
/// the script leaves out the master it follows); what it logged.
fn align(port: u16, siblings: &[u16], checks: usize) -> String {
    let align = script("replica-align.sh");
    let common = script("common.sh");
    let functions = [
        function(common, "node_info_of"),
        function(align, "read_local_replication"),
        function(align, "best_sibling"),
        function(align, "align_replica"),
        function(align, "replicaof_sibling"),
        function(common, "replicaof_if_following"),
    ]
    .join("\n");
    let peers = siblings
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let cli = redis_cli_hosts_are_ports();
    let text = format!(
        r#"LOCAL=127.0.0.1
REDIS_PORT={port}
PEER_HOSTS="{peers}"
PASSWORD=""
CR=$(printf '\r')
ALIGN_SILENT_SECONDS=1
ALIGN_OFFSET=""
log() {{ echo "$*"; }}
redis_cmd() {{
    local host=$1 port
    shift
    port=$host
    [ "$host" != "$LOCAL" ] || port=$REDIS_PORT
    redis-cli -p "$port" "$@"
}}
{cli}
{ASK_ALL_BY_PORT}
{functions}
i=0
while [ "$i" -lt {checks} ]; do
    [ "$i" = 0 ] || sleep 1
    align_replica
    i=$((i + 1))
done
"#
    );
    dash_ok::<&str>(&text, &[]).trim_end().to_string()
}

/// What became of the master once `lagging` missed its last writes.
#[derive(Clone, Copy)]
enum Master {
    /// Frozen (SIGSTOP): its connections stay open, `ahead`'s link stays up.
    Frozen,
    /// Killed: `ahead`'s link is down too.
    Gone,
}

/// The state of explore seed 30, schedule 2 as servers: `lagging` and `ahead` replicate
/// `master` on one history; `lagging` missed the last writes, which `ahead` holds; the master
/// falls silent (`fate`) and `lagging` names it again, as the Sentinels configured it.
/// Returns the ports (master, lagging, ahead) and every process.
fn lagging_beside_sibling(dir: &std::path::Path, fate: Master) -> (u16, u16, u16, Processes) {
    let (master, lagging, ahead) = (free_port(), free_port(), free_port());
    let conf = |name: &str, port: u16| quiet_conf(dir, name, port, "");
    let mut processes = Processes(vec![
        start(&conf("master.conf", master), false),
        start(&conf("lagging.conf", lagging), false),
        start(&conf("ahead.conf", ahead), false),
    ]);
    assert!(all_answer(&[master, lagging, ahead]));
    write(master, 0, 50);
    attach(lagging, master);
    attach(ahead, master);
    // `lagging` stops receiving (a server on no port keeps its data and history), `ahead`
    // gets 50 more writes.
    replicate(lagging, "127.0.0.1", free_port());
    write(master, 50, 100);
    assert!(until(Duration::from_secs(10), || {
        field(ahead, "master_repl_offset") == field(master, "master_repl_offset")
    }));
    match fate {
        Master::Frozen => {
            let pid = processes.0[0].id().to_string();
            let stopped = Command::new("kill").args(["-STOP", &pid]).status();
            assert!(stopped.is_ok_and(|s| s.success()), "SIGSTOP the master");
        }
        Master::Gone => {
            let mut killed = processes.0.remove(0);
            let _ = killed.kill();
            let _ = killed.wait();
        }
    }
    replicate(lagging, "127.0.0.1", master);
    assert_eq!(
        field(lagging, "master_replid"),
        field(ahead, "master_replid"),
        "control: one history"
    );
    assert!(offset(lagging) < offset(ahead), "control: it lags");
    let ahead_link = match fate {
        Master::Frozen => "up",
        Master::Gone => "down",
    };
    assert!(until(Duration::from_secs(10), || field(
        ahead,
        "master_link_status"
    ) == ahead_link));
    (master, lagging, ahead, processes)
}

fn offset(port: u16) -> u64 {
    field(port, "master_repl_offset")
        .parse()
        .expect("an offset")
}

#[test]
fn a_lagging_replica_follows_the_sibling_holding_more_once_the_master_is_silent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (master, lagging, ahead, _servers) = lagging_beside_sibling(dir.path(), Master::Frozen);
    std::thread::sleep(Duration::from_millis(1100));

    // One check alone never acts: the offset must stand still for one more.
    assert_eq!(align(lagging, &[ahead], 1), "");
    assert_eq!(field(lagging, "master_port"), master.to_string());

    let logged = align(lagging, &[ahead], 2);
    assert!(
        logged.contains(&format!("{ahead}, its replica too, holds more")) && logged.ends_with("OK"),
        "{logged}"
    );
    assert_eq!(field(lagging, "master_port"), ahead.to_string());
    assert!(
        until(Duration::from_secs(10), || {
            field(lagging, "master_link_status") == "up" && offset(lagging) == offset(ahead)
        }),
        "it caught up from its sibling"
    );
    assert_eq!(cli(lagging, &["DBSIZE"]).trim(), "100");
}

/// A sibling that now replicates another history (a server of its own, more writes): its
/// link is up and its offset larger, but its stream is not this replica's.
#[test]
fn a_lagging_replica_follows_no_sibling_on_another_history() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (master, lagging, ahead, _servers) = lagging_beside_sibling(dir.path(), Master::Frozen);
    let other = free_port();
    let _other = Processes(vec![start(
        &quiet_conf(dir.path(), "other.conf", other, ""),
        false,
    )]);
    assert!(all_answer(&[other]));
    attach(ahead, other);
    write(other, 0, 300);
    assert!(until(Duration::from_secs(10), || offset(ahead) == offset(other)));
    assert!(
        offset(lagging) < offset(ahead),
        "control: its offset is larger"
    );
    std::thread::sleep(Duration::from_millis(1100));

    assert_eq!(align(lagging, &[ahead], 3), "");
    assert_eq!(field(lagging, "master_port"), master.to_string());
}

/// The master's process gone: the sibling's own link is down, and a replica in that state
/// refuses to serve a sync (`-NOMASTERLINK`), so nobody moves.
#[test]
fn a_lagging_replica_follows_no_sibling_whose_own_link_is_down() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (master, lagging, ahead, _servers) = lagging_beside_sibling(dir.path(), Master::Gone);
    std::thread::sleep(Duration::from_millis(1100));

    assert_eq!(align(lagging, &[master, ahead], 3), "");
    assert_eq!(field(lagging, "master_port"), master.to_string());
}
