//! Which replica a Sentinel would promote (common.sh `sentinel_choice_of`), and whether the
//! restarted empty master asks it (redis-start.sh `promotes_best`, docs/architecture.md §3,
//! case 3): on a real Sentinel's `SENTINEL REPLICAS` reply, and on replies varied field by
//! field in the same format, under `dash`.

use crate::local_servers::{Processes, free_port, start, until};
use crate::script_functions::{dash_ok, function, script};
use std::fs;
use std::process::Command;
use std::time::Duration;

/// `sentinel_choice_of` on `reply`: (CHOICE without its leading blank, CHOICE_SURE).
fn choice(reply: &str) -> (String, String) {
    let text = format!(
        "{}\nsentinel_choice_of \"$1\"\necho \"${{CHOICE# }}|$CHOICE_SURE\"\n",
        function(script("common.sh"), "sentinel_choice_of")
    );
    let out = dash_ok(&text, &["test", reply]);
    let (hosts, sure) = out.trim_end().split_once('|').expect("two fields");
    (hosts.to_string(), sure.to_string())
}

/// One replica as Redis 7.0.15's Sentinel lists it in `SENTINEL REPLICAS` (every field, in
/// its order), with what the choice reads set.
fn replica(ip: &str, flags: &str, priority: u32, offset: u64, info_refresh: u64) -> String {
    format!(
        "name\n{ip}:6379\nip\n{ip}\nport\n6379\nrunid\n7050ee35cbf433ed69be1883dd9420b494fb33e5\n\
         flags\n{flags}\nlink-pending-commands\n0\nlink-refcount\n1\nlast-ping-sent\n0\n\
         last-ok-ping-reply\n566\nlast-ping-reply\n566\ndown-after-milliseconds\n5000\n\
         info-refresh\n{info_refresh}\nrole-reported\nslave\nrole-reported-time\n12009\n\
         master-link-down-time\n0\nmaster-link-status\nerr\nmaster-host\nredis-0\n\
         master-port\n6379\nslave-priority\n{priority}\nslave-repl-offset\n{offset}\n\
         replica-announced\n1\n"
    )
}

#[test]
fn the_lowest_priority_then_the_largest_offset_is_chosen() {
    let a = replica("redis-1", "slave", 100, 4000, 300);
    let b = replica("redis-2", "slave", 100, 5000, 300);
    assert_eq!(choice(&(a.clone() + &b)), ("redis-2".into(), "1".into()));
    let first = replica("redis-1", "slave", 50, 4000, 300);
    assert_eq!(choice(&(first + &b)), ("redis-1".into(), "1".into()));
    // Equal rank: Sentinel takes the smaller run ID; both are named.
    let twin = replica("redis-2", "slave", 100, 4000, 300);
    assert_eq!(choice(&(a + &twin)), ("redis-1 redis-2".into(), "1".into()));
}

#[test]
fn replicas_sentinel_would_skip_are_not_chosen() {
    let best = |flags: &str, priority| replica("redis-2", flags, priority, 9000, 300);
    let other = replica("redis-1", "slave", 100, 4000, 300);
    for skipped in [
        best("s_down,slave", 100),
        best("slave,disconnected", 100),
        best("slave", 0),
    ] {
        assert_eq!(choice(&(skipped + &other)).0, "redis-1");
    }
}

#[test]
fn a_choice_sentinel_may_drop_at_the_last_moment_is_not_sure() {
    // Its INFO is 6 s old: valid while the master is up (30 s), not once it is down (5 s).
    let stale = replica("redis-2", "slave", 100, 9000, 6000);
    assert_eq!(choice(&stale), ("redis-2".into(), "0".into()));
    // A replica Sentinel has never read (info-refresh: the epoch's age).
    let never = replica("redis-2", "slave", 100, 0, 1_796_425_980_000);
    assert_eq!(choice(&never).1, "0");
}

#[test]
fn no_replica_or_an_error_is_no_choice() {
    assert_eq!(choice("").0, "");
    assert_eq!(choice("ERR No such master with that name").0, "");
}

/// `promotes_best` asking a Sentinel whose reply is `reply`, with the peers' offsets as
/// scan_peers read them: whether it would ask, and what it logged.
fn promotes_best(reply: &str, peer_offsets: &str, best: (&str, u64)) -> (bool, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("reply");
    fs::write(&file, reply).expect("write");
    let start = script("redis-start.sh");
    let text = format!(
        "MASTER_NAME=mymaster\nPEER_OFFSETS=\"{peer_offsets}\"\nBEST_PEER={}\n\
         BEST_PEER_OFFSET={}\nlog() {{ echo \"log: $*\"; }}\n\
         sentinel_cmd() {{ cat {}; }}\n{}\n{}\n{}\n{}\n\
         if promotes_best sentinel-0; then echo ask; else echo wait; fi\n",
        best.0,
        best.1,
        file.display(),
        function(script("common.sh"), "sentinel_choice_of"),
        function(start, "peer_offset"),
        function(start, "promotes_best"),
        function(start, "note_choice"),
    );
    let out = dash_ok::<&str>(&text, &[]);
    (out.ends_with("ask\n"), out)
}

/// The restarted empty master's question (drill `pvc-lost-peers-down`): a Sentinel that does
/// not reach the peer holding the most data yet would promote the other, whose data that
/// peer then replaces its own with.
#[test]
fn the_empty_master_asks_only_a_sentinel_that_would_promote_the_most_data() {
    let offsets = "redis-1=4000 redis-2=9000";
    let behind = replica("redis-1", "slave", 100, 4000, 300);
    let ahead = replica("redis-2", "slave", 100, 9000, 300);
    let (asks, log) = promotes_best(&behind, offsets, ("redis-2", 9000));
    assert!(!asks, "{log}");
    assert!(log.contains("would promote redis-1, not redis-2"), "{log}");
    let (asks, log) = promotes_best(&(behind.clone() + &ahead), offsets, ("redis-2", 9000));
    assert!(asks, "{log}");
    // A Sentinel still reading an old offset of the best peer ranks both alike: not sure
    // which it takes.
    let old = replica("redis-2", "slave", 100, 4000, 300);
    assert!(!promotes_best(&(behind.clone() + &old), offsets, ("redis-2", 9000)).0);
    // Peers holding the same data: either will do.
    let same = "redis-1=9000 redis-2=9000";
    let both = replica("redis-1", "slave", 100, 9000, 300) + &ahead;
    assert!(promotes_best(&both, same, ("redis-2", 9000)).0);
    let (asks, log) = promotes_best("", offsets, ("redis-2", 9000));
    assert!(!asks && log.contains("knows no replica"), "{log}");
}

/// The parser on a live Sentinel 7.0: a master on 127.0.0.1, replicas announcing 127.0.0.2
/// (replica-priority 50) and 127.0.0.3 (default 100). Sentinel chooses by priority first.
#[test]
fn a_real_sentinels_reply_names_the_replica_it_would_promote() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (master, sentinel) = (free_port(), free_port());
    let mut children = Vec::new();
    let conf = |name: &str, body: String| {
        let path = dir.path().join(name);
        fs::write(&path, body).expect("write conf");
        path
    };
    children.push(start(
        &conf(
            "master.conf",
            format!("port {master}\nbind 127.0.0.1\nsave \"\"\n"),
        ),
        false,
    ));
    for (address, priority) in [("127.0.0.2", 50), ("127.0.0.3", 100)] {
        let port = free_port();
        children.push(start(
            &conf(
                &format!("{address}.conf"),
                format!(
                    "port {port}\nbind {address}\nsave \"\"\nreplicaof 127.0.0.1 {master}\n\
                     replica-priority {priority}\nreplica-announce-ip {address}\n"
                ),
            ),
            false,
        ));
    }
    children.push(start(
        &conf(
            "sentinel.conf",
            format!(
                "port {sentinel}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {master} 1\n\
                 sentinel down-after-milliseconds mymaster 5000\n"
            ),
        ),
        true,
    ));
    let _processes = Processes(children);
    let reply = || {
        let out = Command::new("redis-cli")
            .args([
                "-p",
                &sentinel.to_string(),
                "SENTINEL",
                "REPLICAS",
                "mymaster",
            ])
            .output()
            .expect("redis-cli is installed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut last = (String::new(), String::new());
    let chosen = until(Duration::from_secs(20), || {
        last = choice(&reply());
        last == ("127.0.0.2".to_string(), "1".to_string())
    });
    assert!(chosen, "last choice {last:?} from:\n{}", reply());
}
