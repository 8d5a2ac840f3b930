//! `redis-prestop.sh`'s choice of the peer it steps down to (`promoted_peer`) and of the
//! replica it has the Sentinels promote (`replica_of_here`), docs/architecture.md §6, "Only
//! to a successor holding the whole stream": on two real `redis-server` processes, under
//! `dash`, with the script's own functions. Hosts are loopback ports here.

use crate::local_servers::{
    Processes, all_answer, cli, free_port, quiet_conf, replication_field as field, start,
};
use crate::replication_steps::{attach, write};
use crate::script_functions::{dash_ok, function, script};

/// What the hook's functions say of `peer` from `master`'s side: "PEER_OR_NONE REPLICA",
/// where REPLICA is `yes` when `replica_of_here` holds. `fence` is FENCE_OFFSET ("" before
/// the pause: the offset is read live); `named` is what `named_at_newest_epoch PEER` answers.
fn seen(master: u16, peer: u16, own_replid: &str, fence: &str, named: bool) -> String {
    let prestop = script("redis-prestop.sh");
    let functions = ["promoted_peer", "promoted_from_here", "replica_of_here"]
        .map(|f| function(prestop, f))
        .join("\n");
    let common = script("common.sh");
    let text = format!(
        r#"LOCAL={master}
SELF=127.0.0.1
OWN_REPLID={own_replid}
FENCE_OFFSET={fence}
redis_cmd() {{ port=$1; shift; redis-cli -p "$port" "$@"; }}
peers() {{ echo {peer}; }}
named_at_newest_epoch() {{ [ "$1" = {peer} ] && [ {named} = true ]; }}
{info_field}
{reply_field}
{functions}
found=$(promoted_peer) || found=none
if replica_of_here {peer}; then replica=yes; else replica=no; fi
echo "$found $replica"
"#,
        info_field = function(common, "info_field"),
        reply_field = function(common, "reply_field"),
    );
    dash_ok::<&str>(&text, &[]).trim_end().to_string()
}

/// A replica promoted while its master went on writing (a failover that lost its race:
/// explore seed 28, schedule 24, `kind`, 337 writes lost) holds the master's replication ID
/// as its second one, as a hand-over's successor does, but forked before the master's end:
/// the hook neither steps down to it nor takes it for a successor, unless the Sentinels name
/// it. A replica promoted once the master's writes stopped (the hand-over) is followed.
#[test]
fn the_hook_steps_down_only_to_a_peer_promoted_holding_its_whole_stream() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (free_port(), free_port());
    let conf = |name: &str, port: u16| quiet_conf(dir.path(), name, port, "");
    let _servers = Processes(vec![
        start(&conf("a.conf", a), false),
        start(&conf("b.conf", b), false),
    ]);
    assert!(all_answer(&[a, b]));
    write(a, 0, 50);
    attach(b, a);
    let replid = field(a, "master_replid");
    assert_eq!(
        seen(a, b, &replid, "", false),
        "none yes",
        "a replica: not promoted, a successor"
    );

    // The lost race: promoted, and the master writes on.
    assert_eq!(cli(b, &["REPLICAOF", "NO", "ONE"]).trim(), "OK");
    write(a, 50, 100);
    assert_eq!(field(b, "master_replid2"), replid, "control: same lineage");
    assert_eq!(seen(a, b, &replid, "", false), "none no");
    let fence = field(a, "master_repl_offset");
    assert_eq!(seen(a, b, &replid, &fence, false), "none no");
    // The Sentinels name it: this node is the deposed master, and follows.
    assert_eq!(seen(a, b, &replid, &fence, true), format!("{b} no"));

    // The hand-over: writes stop, the replica holds the whole stream, then it is promoted.
    attach(b, a);
    let fence = field(a, "master_repl_offset");
    assert_eq!(cli(b, &["REPLICAOF", "NO", "ONE"]).trim(), "OK");
    assert_eq!(seen(a, b, &replid, &fence, false), format!("{b} no"));
    assert_eq!(seen(a, b, &replid, "", false), format!("{b} no"));
}
