//! "Replicas let go of a silent master" (replica-detach.sh, docs/architecture.md §18): a
//! replica whose master has been silent to the local Sentinel for more than a third of
//! down-after detaches (`REPLICAOF <that master> 2`), keeping its data and history — never on
//! less silence, another master, a failover its own Sentinel runs, or once a Sentinel
//! promoted it — and a detached replica follows its master again once the Sentinels agree on
//! it (none sees it down or fails it over); a replica behind a sibling on that master's
//! stream follows the sibling first, detached or not yet. On real `redis-server` processes,
//! under `dash`, with replica-detach.sh's functions and replica-align.sh as shipped, and
//! common.sh's tally and `replicaof_if_following`. Hosts are loopback ports here, the local
//! Redis `127.0.0.1`; the `redis-cli` the scripts run sends a `REPLICAOF <host> <REDIS_PORT>`
//! as `REPLICAOF 127.0.0.1 <host>` (script_functions.rs), and each Sentinel's
//! `SENTINEL MASTER` is a stubbed reply.

use crate::local_servers::{
    Processes, all_answer, cli, free_port, quiet_conf, replication_field as field, start, until,
};
use crate::replication_steps::{attach, replicate, write};
use crate::script_functions::{dash_ok, function, redis_cli_hosts_are_ports, script};
use std::time::Duration;

/// The shipped functions and stubs every case runs with; `replica` is the local Redis.
pub fn prelude(replica: u16) -> String {
    let common = script("common.sh");
    let detach = script("replica-detach.sh");
    let functions = [
        function(common, "node_info_of"),
        function(common, "start_sentinel_tally"),
        function(common, "tally_sentinel_reply"),
        function(common, "sentinel_view"),
        function(common, "end_sentinel_tally"),
        function(common, "listed"),
        function(common, "info_field"),
        function(common, "reply_field"),
        function(common, "match_masterauth"),
        function(common, "replicaof_if_following"),
        function(detach, "read_local_sentinel"),
        function(detach, "read_local_role"),
        function(detach, "locally_detached"),
        function(detach, "sentinels_agree"),
        function(detach, "detach_replica"),
        function(detach, "reattach_replica"),
        function(detach, "refuse_promotion"),
        function(detach, "allow_promotion"),
        function(detach, "guard_promotion"),
    ]
    .join("\n");
    let align = script("replica-align.sh");
    let cli = redis_cli_hosts_are_ports();
    format!(
        r#"LOCAL=127.0.0.1
REDIS_PORT={replica}
SENTINEL_PORT=sentinel
SELF=localhost
MAJORITY=2
LIVE_LINK_MS=2000
PASSWORD=""
DETACHED_PORT=2
SERVING_PRIORITY=100
GUARD_RECORD=/nonexistent/guard-record
PEER_HOSTS=""
SIBLING_ASKED=0
CR=$(printf '\r')
log() {{ echo "$*"; }}
all_pods() {{ echo a b c; }}
redis_cmd() {{
    local host=$1 port
    shift
    port=$host
    [ "$host" != "$LOCAL" ] || port=$REDIS_PORT
    redis-cli -p "$port" "$@"
}}
{cli}
# Every Sentinel names $MASTER; Sentinel a, b, c shows the flags $FLAGS_a, $FLAGS_b, $FLAGS_c.
ask_all() {{
    local dir=$1 port=$2 n=100 hosts="" host flags
    shift 2
    while [ "$1" != -- ]; do hosts="$hosts $1"; shift; done
    shift
    for host in $hosts; do
        n=$((n + 1))
        if [ "$port" = sentinel ]; then
            eval "flags=\$FLAGS_$host"
            printf '%s\n' ip "$MASTER" config-epoch 0 flags "$flags" num-slaves 1 quorum 2 \
                last-ok-ping-reply 100 >"$dir/$n"
        else
            redis-cli -p "$host" "$@" >"$dir/$n"
        fi
    done
}}
{align}
{functions}
"#
    )
}

/// detach_replica once on `replica`, its local Sentinel naming `named` with `flags` and its
/// PING unanswered for `pending` ms (down-after 5000); with `promoted`, a Sentinel promotes
/// the replica while the local one is asked. What it logged and "detached" or "kept".
fn detach(replica: u16, named: &str, pending: u32, flags: &str, promoted: bool) -> String {
    let promote = if promoted {
        format!("redis-cli -p {replica} REPLICAOF NO ONE >/dev/null")
    } else {
        String::new()
    };
    let text = format!(
        r#"{prelude}
sentinel_cmd() {{
    {promote}
    printf '%s\n' name mymaster ip {named} port 0 flags {flags} last-ping-sent {pending} \
        last-ok-ping-reply {pending} down-after-milliseconds 5000
}}
if detach_replica; then echo detached; else echo kept; fi
"#,
        prelude = prelude(replica)
    );
    dash_ok::<&str>(&text, &[]).trim_end().to_string()
}

/// reattach_replica once on the detached `replica`, every Sentinel naming `master` with
/// `flags` (one per Sentinel); `then`, shell run between its two questions to the Sentinels
/// (in place of `match_masterauth`, which comes between them).
fn reattach(replica: u16, master: u16, flags: [&str; 3], then: &str) -> String {
    let text = format!(
        r#"{prelude}
# The promotion guard between the siblings' check and the Sentinels' is promotion_guard.rs's.
guard_promotion() {{ :; }}
match_masterauth() {{ {then} :; }}
MASTER={master}
FLAGS_a={a}
FLAGS_b={b}
FLAGS_c={c}
if reattach_replica; then echo followed; else echo detached; fi
"#,
        prelude = prelude(replica),
        a = flags[0],
        b = flags[1],
        c = flags[2],
    );
    dash_ok::<&str>(&text, &[]).trim_end().to_string()
}

/// Full syncs start at once (Redis 7's default waits 5 s for more replicas, which made a
/// first sync miss `attach`'s 10 s on a loaded CI run), as the rendered profiles set it.
pub const SYNC_AT_ONCE: &str = "repl-diskless-sync-delay 0\n";

/// One field of `INFO stats` of the server at `port`.
fn stat(port: u16, name: &str) -> String {
    cli(port, &["INFO", "stats"])
        .lines()
        .find_map(|l| {
            l.trim_end()
                .strip_prefix(&format!("{name}:"))
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// A master, its replica detached (`REPLICAOF <master> 2`) after its 100 keys, and a sibling
/// still following it that holds 50 writes more: (master, replica, sibling, servers).
pub fn replica_detached_behind_a_sibling(dir: &std::path::Path) -> (u16, u16, u16, Processes) {
    let (master, replica, mut servers) = master_and_replica(dir);
    let sibling = free_port();
    servers.0.push(start(
        &quiet_conf(dir, "sibling.conf", sibling, SYNC_AT_ONCE),
        false,
    ));
    assert!(all_answer(&[sibling]));
    attach(sibling, master);
    replicate(replica, "127.0.0.1", 2);
    write(master, 100, 150);
    assert!(until(Duration::from_secs(10), || {
        field(sibling, "master_repl_offset") == field(master, "master_repl_offset")
    }));
    (master, replica, sibling, servers)
}

/// A master and its replica holding its 100 keys.
pub fn master_and_replica(dir: &std::path::Path) -> (u16, u16, Processes) {
    let (master, replica) = (free_port(), free_port());
    let conf = |name: &str, port: u16| quiet_conf(dir, name, port, SYNC_AT_ONCE);
    let servers = Processes(vec![
        start(&conf("master.conf", master), false),
        start(&conf("replica.conf", replica), false),
    ]);
    assert!(all_answer(&[master, replica]));
    write(master, 0, 100);
    attach(replica, master);
    (master, replica, servers)
}

#[test]
fn a_replica_lets_go_of_a_master_silent_past_a_third_of_down_after() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (master, replica, _servers) = master_and_replica(dir.path());
    let history = field(replica, "master_replid");

    // Controls: a third of down-after or less, another master named, the local Sentinel
    // failing it over itself, a Sentinel promoting this replica meanwhile.
    assert_eq!(detach(replica, "127.0.0.1", 1666, "master", false), "kept");
    assert_eq!(detach(replica, "10.0.0.9", 4000, "master", false), "kept");
    assert_eq!(
        detach(
            replica,
            "127.0.0.1",
            4000,
            "master,failover_in_progress",
            false
        ),
        "kept"
    );
    assert_eq!(field(replica, "master_port"), master.to_string());

    let logged = detach(replica, "127.0.0.1", 1700, "master,s_down", false);
    assert!(
        logged.contains("silent to the local Sentinel for 1700ms") && logged.ends_with("detached"),
        "{logged}"
    );
    assert_eq!(field(replica, "master_host"), "127.0.0.1");
    assert_eq!(field(replica, "master_port"), "2");
    assert_eq!(field(replica, "master_replid"), history, "its history kept");
    assert_eq!(cli(replica, &["DBSIZE"]).trim(), "100", "its data kept");
    // What the old master writes now reaches nobody: WAIT 1 answers 0.
    write(master, 100, 101);
    assert_eq!(cli(master, &["WAIT", "1", "300"]).trim(), "0");
}

#[test]
fn a_replica_a_sentinel_promoted_is_never_detached() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_master, replica, _servers) = master_and_replica(dir.path());
    assert_eq!(detach(replica, "127.0.0.1", 4000, "master", true), "kept");
    assert_eq!(field(replica, "role"), "master");
}

#[test]
fn a_detached_replica_follows_its_master_again_once_the_sentinels_agree() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (master, replica, _servers) = master_and_replica(dir.path());
    replicate(replica, "127.0.0.1", 2);
    write(master, 100, 150);

    // Controls: one Sentinel failing it over, one marking it down.
    let failing = ["master", "master,failover_in_progress", "master"];
    assert_eq!(reattach(replica, master, failing, ""), "detached");
    let down = ["master,s_down", "master", "master"];
    assert_eq!(reattach(replica, master, down, ""), "detached");
    assert_eq!(field(replica, "master_port"), "2");

    // A failover that starts between its two questions (the second comes a second later).
    let starts = "FLAGS_c=master,failover_in_progress;";
    assert_eq!(reattach(replica, master, ["master"; 3], starts), "detached");
    assert_eq!(field(replica, "master_port"), "2");

    let logged = reattach(replica, master, ["master"; 3], "");
    assert!(
        logged.contains(&format!("3 Sentinels name {master} master"))
            && logged.ends_with("(REPLICAOF -> OK)\nfollowed"),
        "{logged}"
    );
    assert!(
        until(Duration::from_secs(10), || {
            field(replica, "master_link_status") == "up"
                && field(replica, "master_repl_offset") == field(master, "master_repl_offset")
        }),
        "it caught up"
    );
    assert_eq!(cli(replica, &["DBSIZE"]).trim(), "150");
    assert_eq!(
        stat(master, "sync_full"),
        "1",
        "no full resync: the first sync only"
    );
    assert_eq!(stat(master, "sync_partial_ok"), "1", "a partial resync");
}

/// Detached behind a sibling that still follows the master it let go of (on the same
/// history, its link up): it follows that sibling first, whatever the Sentinels say (it reads
/// the master's host it keeps); and a replica behind such a sibling when the master falls
/// silent follows it past a sixth of down-after, before either lets go (once both let go,
/// neither could serve the sync).
#[test]
fn a_replica_behind_its_sibling_follows_the_sibling_before_letting_go() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (master, replica, sibling, servers) = replica_detached_behind_a_sibling(dir.path());

    let run = |script: &str| {
        let text = format!(
            r#"{prelude}
PEER_HOSTS="{sibling}"
MASTER={master}
FLAGS_a=master,failover_in_progress
FLAGS_b=master
FLAGS_c=master
sentinel_cmd() {{
    printf '%s\n' name mymaster ip 127.0.0.1 port 0 flags master last-ping-sent 1200 \
        last-ok-ping-reply 1200 down-after-milliseconds 5000
}}
{script}
"#,
            prelude = prelude(replica)
        );
        dash_ok::<&str>(&text, &[]).trim_end().to_string()
    };
    let followed_sibling = |logged: &str, ends: &str| {
        assert!(
            logged.contains(&format!("{sibling}, its replica too, holds more"))
                && logged.ends_with(ends),
            "{logged}"
        );
        assert_eq!(field(replica, "master_port"), sibling.to_string());
    };
    followed_sibling(&run("reattach_replica"), "OK");
    assert!(
        until(Duration::from_secs(10), || {
            field(replica, "master_repl_offset") == field(sibling, "master_repl_offset")
        }),
        "it caught up from its sibling"
    );
    assert_eq!(cli(replica, &["DBSIZE"]).trim(), "150");

    // Back on the master, behind the sibling again: past a sixth of down-after it follows
    // the sibling, before either lets go.
    replicate(replica, "127.0.0.1", free_port());
    write(master, 150, 200);
    assert!(until(Duration::from_secs(10), || {
        field(sibling, "master_repl_offset") == field(master, "master_repl_offset")
    }));
    // The master frozen first (a replica pointed at it then cannot catch up).
    let pid = servers.0[0].id().to_string();
    let stopped = std::process::Command::new("kill")
        .args(["-STOP", &pid])
        .status();
    assert!(stopped.is_ok_and(|s| s.success()), "SIGSTOP the master");
    replicate(replica, "127.0.0.1", master);
    followed_sibling(
        &run("if detach_replica; then echo detached; else echo kept; fi"),
        "kept",
    );
    let _ = std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status();
}
