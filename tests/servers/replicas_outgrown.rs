//! `redis-start.sh`'s rule "Never through a node its replicas outgrew" (docs/architecture.md
//! §3): a node restarted from an older snapshot does not follow a peer answering `ROLE
//! master` whose history lacks what a peer still replicating this node holds, and that peer
//! is not the best one however large its offset. On three real `redis-server` processes,
//! under `dash`, with common.sh's `scan_peers` and redis-start.sh's `may_follow` as shipped.
//! Hosts are loopback ports here; this node's own name (`SELF`) is `localhost`, the name the
//! replica of this node is configured with.

use crate::local_servers::{
    Processes, all_answer, free_port, quiet_conf, replication_field as field, start,
};
use crate::replication_steps::{attach, promote, replicate, write};
use crate::script_functions::{ASK_ALL_BY_PORT, dash_ok, function, script};

/// What the restarted node (holding nothing) decides of its peers `a` and `b`:
/// "outgrown=… best=… master=… follow=yes|no own_replica=yes|no", the last whether it would
/// follow peer `b` (which replicates it) when one Sentinel names `b`.
fn decided(a: u16, b: u16) -> String {
    let start_sh = script("redis-start.sh");
    let common = script("common.sh");
    let functions = [
        function(common, "node_info_of"),
        function(common, "node_holds_stream"),
        function(common, "on_own_history"),
        function(common, "scan_peers"),
        function(common, "listed"),
        function(common, "peer_answered"),
        function(common, "info_field"),
        function(common, "reply_field"),
        function(start_sh, "peer_offset"),
        function(start_sh, "may_follow"),
    ]
    .join("\n");
    let text = format!(
        r#"SELF=localhost
REDIS_PORT=0
MY_OFFSET=0
MY_MASTER_REPLID=""
SENTINEL_MASTER=localhost
SENTINELS_AGREE=3
MAJORITY=2
peers() {{ echo {a} {b}; }}
redis_cmd() {{ port=$1; shift; redis-cli -p "$port" "$@"; }}
{ASK_ALL_BY_PORT}
{functions}
scan_peers
if may_follow "$PEER_MASTER" "$PEER_MASTER_OFFSET"; then follow=yes; else follow=no; fi
# The peer replicating this node, named by one Sentinel only: a loop if followed.
SENTINEL_MASTER={b}
SENTINELS_AGREE=1
if may_follow {b} ""; then own=yes; else own=no; fi
echo "outgrown=${{PEERS_OUTGROWN# }} best=$BEST_PEER master=$PEER_MASTER follow=$follow own_replica=$own"
"#
    );
    dash_ok::<&str>(&text, &[]).trim_end().to_string()
}

/// Explore production seed 31, schedule 1 (551 of 1,419 `WAIT 1` writes lost), as servers:
/// the master froze and a replica was promoted; the promoted one took writes its replica
/// acknowledged, then restarted empty while the deposed master answered `ROLE master`, its
/// offset grown past the replica's on its own history. Following it made the replica resync
/// through the restarted node to the deposed master's data. A peer master that holds the
/// replica's whole stream (promoted from it) is followed.
#[test]
fn a_restarted_node_follows_no_master_its_replicas_outgrew() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (deposed, replica, restarted) = (free_port(), free_port(), free_port());
    let conf = |name: &str, port: u16, extra: &str| quiet_conf(dir.path(), name, port, extra);
    let _servers = Processes(vec![
        start(&conf("deposed.conf", deposed, ""), false),
        start(&conf("replica.conf", replica, ""), false),
        // As every start: a replica of nothing, holding nothing.
        start(
            &conf("restarted.conf", restarted, "replicaof 127.0.0.1 1\n"),
            false,
        ),
    ]);
    assert!(all_answer(&[deposed, replica, restarted]));

    // The master's writes reach the replica; the replica is promoted (the restarted node's
    // time as master, as its replica saw it) and takes writes of its own.
    write(deposed, 0, 50);
    attach(replica, deposed);
    promote(replica);
    write(replica, 50, 80);
    // It follows the restarted node again (Sentinel's order): no link, so it keeps its data.
    replicate(replica, "localhost", restarted);
    // The deposed master's offset grows past the replica's on its own history.
    write(deposed, 80, 300);
    let (deposed_offset, replica_offset) = (
        field(deposed, "master_repl_offset").parse::<u64>().unwrap(),
        field(replica, "master_repl_offset").parse::<u64>().unwrap(),
    );
    assert!(
        deposed_offset > replica_offset,
        "control: offsets alone favour the deposed master"
    );
    assert_eq!(
        decided(deposed, replica),
        format!("outgrown={deposed} best={replica} master={deposed} follow=no own_replica=no")
    );

    // Control: the same servers once the peer master holds the replica's whole stream (it
    // replicated it, then was promoted): followed, and the best peer.
    promote(replica);
    attach(deposed, replica);
    promote(deposed);
    replicate(replica, "localhost", restarted);
    write(deposed, 300, 320);
    assert_eq!(
        decided(deposed, replica),
        format!("outgrown= best={deposed} master={deposed} follow=yes own_replica=no")
    );
}
