//! `redis-start.sh`'s rule "Its own history decides" (docs/architecture.md §3): a node
//! restarted on the history it created as master (its replication ID, restored from its RDB,
//! is the one `MASTER_HISTORY_FILE` records) takes no peer on another history for a better
//! copy, however large that peer's offset — a deposed master's grows on its own — and still
//! takes a peer holding more of its own history for one. On three real `redis-server`
//! processes, the restarted one killed and started again from its RDB, under `dash`, with
//! common.sh's `scan_peers` and redis-start.sh's `scan_self` as shipped.
//! Hosts are loopback ports here; this node's own name (`SELF`) is `localhost`, the name its
//! replicas are configured with.

use crate::local_servers::{
    Processes, all_answer, cli, free_port, quiet_conf, replication_field as field, start,
};
use crate::replication_steps::{attach, promote, replicate, write};
use crate::script_functions::{ASK_ALL_BY_PORT, dash_ok, function, script};
use std::path::Path;

/// What the restarted node at `port` decides of its peers `deposed` and `replica` with
/// `recorded` in its history file: "own=… outgrown=… best=…".
fn decided(port: u16, deposed: u16, replica: u16, recorded: &str, dir: &Path) -> String {
    let file = dir.join("master-replid");
    std::fs::write(&file, format!("{recorded}\n")).expect("write the history file");
    let start_sh = script("redis-start.sh");
    let common = script("common.sh");
    let functions = [
        function(common, "node_info_of"),
        function(common, "node_holds_stream"),
        function(common, "on_own_history"),
        function(common, "scan_peers"),
        function(start_sh, "scan_self"),
    ]
    .join("\n");
    let text = format!(
        r#"SELF=localhost
LOCAL={port}
REDIS_PORT=0
MASTER_HISTORY_FILE={file}
MY_MASTER_REPLID=""
peers() {{ echo {deposed} {replica}; }}
node_info() {{ node_info_of "$(redis-cli -p "$1" INFO replication keyspace | tr -d '\r')"; }}
{ASK_ALL_BY_PORT}
{functions}
scan_self
scan_peers
echo "own=${{MY_MASTER_REPLID:-none}} outgrown=${{PEERS_OUTGROWN# }} best=$BEST_PEER"
"#,
        file = file.display(),
    );
    dash_ok::<&str>(&text, &[]).trim_end().to_string()
}

/// Explore production seed 34, schedule 6 (64 of 1,045 `WAIT 1` writes lost), as servers:
/// the master (`deposed`) was failed over to a replica (`restarted`), whose writes its own
/// replica (`replica`) acknowledged; the deposed master's offset grew past theirs on its own
/// history (its clients' WAITs), and it followed the new master, as the Sentinels said. The
/// new master restarted from its RDB. Offsets alone made the deposed master the best peer:
/// the new master had the Sentinels fail over to it, and every acknowledged write since the
/// failover was lost. On its own history, the restarted node's best peer is its replica,
/// which holds more of that history; the deposed master is not.
#[test]
fn a_restarted_master_takes_no_deposed_master_for_a_better_copy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (deposed, restarted, replica) = (free_port(), free_port(), free_port());
    let conf = |name: &str, port: u16, extra: &str| quiet_conf(dir.path(), name, port, extra);
    let _peers = Processes(vec![
        start(&conf("deposed.conf", deposed, ""), false),
        start(&conf("replica.conf", replica, ""), false),
    ]);
    let first = Processes(vec![start(&conf("restarted.conf", restarted, ""), false)]);
    assert!(all_answer(&[deposed, replica, restarted]));

    // The failover: `restarted` replicated the master and was promoted; it took writes.
    write(deposed, 0, 50);
    attach(restarted, deposed);
    promote(restarted);
    write(restarted, 50, 80);
    let own = field(restarted, "master_replid");
    let saved_offset = field(restarted, "master_repl_offset");
    assert_eq!(cli(restarted, &["SAVE"]).trim(), "OK");
    // Its replica holds more of its history than the snapshot.
    attach(replica, restarted);
    write(restarted, 80, 100);
    // Killed; the deposed master's offset grows past everyone's on its own history.
    drop(first);
    write(deposed, 100, 400);
    // Both follow the restarted node's name (the Sentinels'); nothing serves them a sync.
    replicate(deposed, "localhost", restarted);
    replicate(replica, "localhost", restarted);
    // As every start: a replica of nothing, from its RDB.
    let conf_again = conf("restarted.conf", restarted, "replicaof 127.0.0.1 1\n");
    let _again = Processes(vec![start(&conf_again, false)]);
    assert!(all_answer(&[restarted]));
    assert_eq!(
        (
            field(restarted, "master_replid"),
            field(restarted, "master_repl_offset")
        ),
        (own.clone(), saved_offset),
        "the RDB restores the history and offset"
    );
    let offset = |p: u16| field(p, "master_repl_offset").parse::<u64>().unwrap();
    assert!(
        offset(deposed) > offset(replica),
        "control: offsets alone favour the deposed master"
    );

    assert_eq!(
        decided(restarted, deposed, replica, &own, dir.path()),
        format!("own={own} outgrown={deposed} best={replica}")
    );
    // Control: without the record (a promotion not recorded yet, a snapshot from before it),
    // offsets decide, as before the rule.
    assert_eq!(
        decided(restarted, deposed, replica, "none", dir.path()),
        format!("own=none outgrown={replica} best={deposed}")
    );
}
