//! `redis-start.sh`'s `take_role` (docs/architecture.md §3) when the pod's own Redis answers
//! `role:master`: run under `dash` with the script's own decision functions and stubs for
//! what asks the network (the Sentinels, the peers, the local server).

use crate::script_functions::{dash_ok, function, script};

/// The functions of redis-start.sh that `take_role` decides with, verbatim (and common.sh's
/// `every_peer_up`, `listed` and `peer_answered`).
const DECIDING: &[&str] = &[
    "take_role",
    "hold_back_while_empty",
    "scan_self",
    "has_data",
    "first_boot",
    "may_follow",
    "fresh_set",
    "rightful_master",
    "down_for_a_quorum",
    "crash_hold",
    "follow",
    "promote",
    "peer_offset",
];

/// What `take_role` did, as its stubs saw it: `log:` lines, `request-failover`,
/// `REPLICAOF …` sent to the local server, and `looping` when it was still without a role
/// after three passes. `sentinels_name` is the master the Sentinels name, `local_role` the
/// local server's role, `best_peer_offset` the most stream a peer holds (this node: 1000),
/// `peers_up` how many of the two peers answer (in `take_role_with`, whose `prelude` runs
/// first: `PASSES_MAX=N` for more passes, `REFUSED=1` for Sentinels that are not asked,
/// `AGREE=N`, `LIVE=N` and `SEE_DOWN=N` for how many Sentinels name that master, hold a
/// live link to it and see it down, `PEER=HOST PEER_OFFSET=N` for a peer answering master,
/// `OUTGROWN=HOST`, `HERE=HOST` and `OFFSETS=" HOST=N"` for scan_peers' PEERS_OUTGROWN,
/// PEERS_HERE and PEER_OFFSETS, `EMPTY=N` for how many peers answering hold nothing,
/// `MY_OFFSET_AT=N` for this node's offset, and `PEER_ROLE=slave` for peers that do not
/// serve as master).
fn take_role(sentinels_name: &str, local_role: &str, best_peer_offset: u64) -> String {
    take_role_with(sentinels_name, local_role, best_peer_offset, 2, "")
}

fn take_role_with(
    sentinels_name: &str,
    local_role: &str,
    best_peer_offset: u64,
    peers_up: u32,
    prelude: &str,
) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let start = script("redis-start.sh");
    let mut functions: Vec<String> = DECIDING.iter().map(|f| function(start, f)).collect();
    for f in ["every_peer_up", "listed", "peer_answered"] {
        functions.push(function(script("common.sh"), f));
    }
    let stubs = format!(
        r#"SELF=redis-2.headless
LOCAL=127.0.0.1
REDIS_PORT=6379
REPLICAS=3
MAJORITY=2
CRASHED_MASTER=""
CRASH_HOLD_SECONDS=5
STARTED_AT=0
SERVING_PRIORITY=100
SAFE_MASTER_HOST=127.0.0.1
SAFE_MASTER_PORT=1
AOF_AT_START=1
DATA_DIR={dir}
ROLE_MARKER={dir}/role
PASSES=0
log() {{ echo "log: $*"; }}
sleep() {{ PASSES=$((PASSES + 1)); if [ "$PASSES" -ge "${{PASSES_MAX:-3}}" ]; then echo looping; exit 0; fi; }}
peers() {{ echo redis-0.headless redis-1.headless; }}
aof_from_rdb() {{ :; }}
match_masterauth() {{ :; }}
adopt_data_of() {{ echo "adopt $1"; exit 0; }}
request_failover_if() {{ echo "request-failover if $1"; [ -n "${{REFUSED:-}}" ] && return 1; exit 0; }}
redis_cmd() {{
    case $2 in
        PING) echo PONG ;;
        REPLICAOF) echo "REPLICAOF $3 $4"; echo OK ;;
        *) echo OK ;;
    esac
}}
info_field() {{
    [ "$3" = role ] || return 0
    if [ "$1" = "$LOCAL" ]; then echo {local_role}; else r=${{PEER_ROLE:-master}}; [ "$r" = away ] || echo "$r"; fi
}}
node_info() {{ NODE_ROLE={local_role}; NODE_OFFSET=${{MY_OFFSET_AT:-1000}}; NODE_KEYS=10; }}
ask_sentinels() {{
    SENTINEL_MASTER={sentinels_name}; SENTINELS_UP=3; SENTINELS_AGREE=${{AGREE:-3}}; KNOWN_REPLICAS=2
    FAILOVER_UNDER_WAY=0; SENTINELS_SEE_DOWN=${{SEE_DOWN:-0}}; SENTINEL_ODOWN=0
    SENTINELS_LIVE=${{LIVE:-3}}; TALLY_QUORUM=2
}}
scan_peers() {{
    PEER_MASTER=${{PEER:-}}; PEER_MASTER_OFFSET=${{PEER_OFFSET:-0}}; PEERS_OUTGROWN=${{OUTGROWN:-}}
    PEERS_HERE=${{HERE:-}}; PEER_OFFSETS=${{OFFSETS:-}}
    PEERS_UP={peers_up}; PEERS_EMPTY=${{EMPTY:-0}}
    BEST_PEER=redis-1.headless; BEST_PEER_OFFSET={best_peer_offset}
}}
"#,
        dir = dir.path().display(),
    );
    // The script's own setting, as it ships.
    let unasked = start
        .lines()
        .find(|l| l.starts_with("UNASKED_ROUNDS="))
        .expect("UNASKED_ROUNDS in redis-start.sh");
    let text = format!(
        "{prelude}\n{stubs}\n{unasked}\n{}\ntake_role\necho returned\n",
        functions.join("\n")
    );
    dash_ok::<&str>(&text, &[])
}

/// A Sentinel promoted this node while `take_role` was still deciding (kind
/// `restore-from-backup`, the failover the restarted empty master asked for). Its replicas,
/// read after its own offset, are a few writes ahead of it: that is the master's own stream
/// reaching them, not data it lacks. Asking a failover away from itself then demoted the
/// survivor the Sentinels had just chosen and left two masters for 10 s.
#[test]
fn a_master_the_sentinels_chose_keeps_its_role_however_far_its_replicas_read() {
    let out = take_role("redis-2.headless", "master", 1200);
    assert!(!out.contains("request-failover"), "{out}");
    assert!(!out.contains("REPLICAOF"), "{out}");
    assert!(out.contains("keeping the master role"), "{out}");
    assert!(out.ends_with("returned\n"), "{out}");
}

/// The same answers from a node that restarted as a replica of nothing: a peer holds data it
/// lacks, so it asks the Sentinels to promote that peer rather than serve less.
#[test]
fn a_restarted_node_behind_its_peers_still_asks_for_a_failover() {
    let out = take_role("redis-2.headless", "slave", 1200);
    assert!(out.contains("request-failover if promotes_best"), "{out}");
    assert!(!out.contains("keeping the master role"), "{out}");
}

/// The same node while one peer does not answer yet: that peer may hold more data than the
/// best one answering (drill `pvc-lost-peers-down`, the last writes on the peer back last),
/// so it waits for it rather than have the Sentinels promote less.
#[test]
fn a_restarted_node_behind_its_peers_waits_for_a_missing_peer_before_asking() {
    let out = take_role_with("redis-2.headless", "slave", 1200, 1, "");
    assert!(!out.contains("request-failover"), "{out}");
    assert!(out.contains("waiting for every peer to answer"), "{out}");
    assert!(out.ends_with("looping\n"), "{out}");
}

/// A node made master by a peer's script (`adopt_data_of`: the peer the Sentinels name copies
/// its data) while the Sentinels name that peer does not keep the role on its own say.
#[test]
fn a_master_the_sentinels_do_not_name_does_not_keep_the_role() {
    let out = take_role("redis-0.headless", "master", 1000);
    assert!(!out.contains("keeping the master role"), "{out}");
    assert!(out.contains("promoted this node meanwhile"), "{out}");
}

/// Every peer answers but no Sentinel would promote the best one (an AOF restores no
/// offset: a Sentinel may rank an empty replica first): the node takes over the best peer's
/// data within UNASKED_ROUNDS rounds, before the Sentinels' own rule promotes the replica
/// they rank first (production `restore-from-backup` with `appendonly yes` lost every key so
/// once).
#[test]
fn a_restarted_node_no_sentinel_would_serve_takes_over_the_best_peers_data_soon() {
    let out = take_role_with(
        "redis-2.headless",
        "slave",
        1200,
        2,
        "PASSES_MAX=20 REFUSED=1",
    );
    assert!(out.contains("request-failover if promotes_best"), "{out}");
    assert!(out.contains("adopt redis-1.headless"), "{out}");
    let asked = out.matches("request-failover").count();
    assert!(
        (8..=9).contains(&asked),
        "asked {asked} times before adopting:\n{out}"
    );
}

/// A restarted master the Sentinels name (case 5), every peer up and behind it: it takes
/// the role once enough Sentinels hold a live link to it that those without one cannot make
/// a quorum.
#[test]
fn a_rightful_master_takes_its_role_when_the_sentinels_reach_it() {
    let out = take_role("redis-2.headless", "slave", 900);
    let promoted = "taking the master role: the Sentinels name this pod";
    assert!(out.contains(promoted), "{out}");
    let out = take_role_with("redis-2.headless", "slave", 900, 2, "LIVE=2");
    assert!(out.contains(promoted), "{out}");
}

/// The same master while two of the three Sentinels answer but are not connected to it yet
/// (its name did not resolve for them since their start: `disconnected`, not `s_down` yet).
/// Only one sees it down, fewer than the quorum, yet both will mark it down at down-after
/// and fail it over: taking the role then lost 18 of 4,952 `WAIT 1` writes (explore seed
/// 26, schedule 16, production).
#[test]
fn a_rightful_master_waits_while_sentinels_without_a_link_to_it_make_a_quorum() {
    let out = take_role_with("redis-2.headless", "slave", 900, 2, "LIVE=1 SEE_DOWN=1");
    assert!(!out.contains("taking the master role"), "{out}");
    assert!(
        out.contains("only 1 of the 3 naming it hold a live link"),
        "{out}"
    );
    assert!(out.ends_with("looping\n"), "{out}");
    let out = take_role_with("redis-2.headless", "slave", 900, 2, "LIVE=0");
    assert!(!out.contains("taking the master role"), "{out}");
}

/// Case 5's majority path counts the pods holding data only. Two of three Sentinels name
/// this pod and one peer answers, but that peer holds nothing (a wiped volume: its Sentinel
/// names the ConfigMap's first guess), and the third pod, down, may hold writes from a
/// failover neither of them saw: the pod waits, holding data or not (drill
/// `forgotten-failover`; explore seed 37, `kind` schedule 17: 186 of 1,182 writes lost).
/// Controls: the same peer holding data (this pod too), or every peer answering, and it
/// takes the role.
#[test]
fn a_majority_holding_no_data_does_not_make_a_rightful_master() {
    let promoted = "taking the master role: the Sentinels name this pod";
    for prelude in ["AGREE=2 EMPTY=1", "AGREE=2 EMPTY=1 MY_OFFSET_AT=0"] {
        let out = take_role_with("redis-2.headless", "slave", 0, 1, prelude);
        assert!(!out.contains(promoted), "{prelude}: {out}");
        assert!(out.ends_with("looping\n"), "{prelude}: {out}");
    }
    let out = take_role_with("redis-2.headless", "slave", 0, 1, "AGREE=2");
    assert!(out.contains(promoted), "a peer holding data: {out}");
    let out = take_role_with("redis-2.headless", "slave", 0, 2, "AGREE=2 EMPTY=2");
    assert!(out.contains(promoted), "every peer answering: {out}");
}

/// The Sentinels' majority decides for a master they name only once it serves as one. A
/// majority names a peer still waiting for its role (a replica of nothing) that holds less
/// than this node: this node does not follow it (drill `forgotten-failover`: the node
/// holding the last writes followed a peer two Sentinels without its history named, that
/// peer followed it back, the Sentinels failed the loop over to an empty pod, 181 of 787
/// writes lost). Controls: the same peer serving as master, or holding more, is followed. A
/// node holding nothing follows no node answering as a replica, and one that does not answer
/// as before.
#[test]
fn a_majority_named_peer_not_serving_yet_is_judged_by_its_data() {
    let waiting = "PEER_ROLE=slave OFFSETS=' redis-0.headless=10'";
    let out = take_role_with("redis-0.headless", "slave", 10, 2, waiting);
    assert!(!out.contains("replicating redis-0.headless"), "{out}");
    assert!(out.ends_with("looping\n"), "{out}");
    let out = take_role_with(
        "redis-0.headless",
        "slave",
        10,
        2,
        "OFFSETS=' redis-0.headless=10'",
    );
    assert!(
        out.contains("log: replicating redis-0.headless"),
        "serving: {out}"
    );
    // Holding nothing, a node follows only a node serving as master: following one still
    // waiting for its role would end its own decision (explore seed 37, `kind` schedule 17).
    let empty = "MY_OFFSET_AT=0 AGREE=1 OFFSETS=' redis-0.headless=0'";
    let out = take_role_with(
        "redis-0.headless",
        "slave",
        0,
        2,
        &format!("{empty} PEER_ROLE=slave"),
    );
    assert!(
        !out.contains("replicating redis-0.headless"),
        "empty: {out}"
    );
    assert!(out.ends_with("looping\n"), "empty: {out}");
    let out = take_role_with("redis-0.headless", "slave", 0, 2, empty);
    assert!(
        out.contains("log: replicating redis-0.headless"),
        "empty, serving: {out}"
    );
    // A named master that does not answer is followed as before (drill
    // `handover-target-crash`: the stalled failover is asked once this node has its role).
    let out = take_role_with(
        "redis-0.headless",
        "slave",
        0,
        2,
        &format!("{empty} PEER_ROLE=away"),
    );
    assert!(
        out.contains("log: replicating redis-0.headless"),
        "empty, away: {out}"
    );
    let ahead = "PEER_ROLE=slave OFFSETS=' redis-0.headless=5000'";
    let out = take_role_with("redis-0.headless", "slave", 5000, 2, ahead);
    assert!(
        out.contains("log: replicating redis-0.headless"),
        "ahead: {out}"
    );
}

/// A Sentinel that names another master (its switch to this pod failed on a name that did
/// not resolve yet) cannot report this pod down until it follows the others, and then
/// counts down-after afresh: it counts for neither side. With one Sentinel seeing the pod
/// down and the third naming another master, the pod takes its role (explore seed 27,
/// schedule 5, `kind`: counting that Sentinel against it held the set without a master for
/// 30 s, and the first write came 55 s after the last heal).
#[test]
fn a_sentinel_naming_another_master_does_not_hold_a_rightful_master_back() {
    let out = take_role_with(
        "redis-2.headless",
        "slave",
        900,
        2,
        "AGREE=2 LIVE=1 SEE_DOWN=1",
    );
    assert!(
        out.contains("taking the master role: the Sentinels name this pod"),
        "{out}"
    );
}

/// A peer answers master (a deposed one, thawed) with more offset than this node, but its
/// history lacks what a peer still replicating this node holds (scan_peers' PEERS_OUTGROWN):
/// this node does not follow it, which would pass its data on to that replica (explore seed
/// 31, schedule 1: 551 `WAIT 1` writes lost), and asks the Sentinels for the best peer
/// instead. Control: the same peer, not outgrown, is followed.
#[test]
fn a_restarted_node_does_not_follow_a_master_its_replicas_outgrew() {
    let peer = "PEER=redis-0.headless PEER_OFFSET=5000";
    let out = take_role_with(
        "redis-2.headless",
        "slave",
        1200,
        2,
        &format!("{peer} OUTGROWN=redis-0.headless"),
    );
    assert!(!out.contains("replicating redis-0.headless"), "{out}");
    assert!(out.contains("request-failover if promotes_best"), "{out}");
    let out = take_role_with("redis-2.headless", "slave", 1200, 2, peer);
    assert!(out.contains("log: replicating redis-0.headless"), "{out}");
}

/// A minority of the Sentinels names a peer that replicates this node (explore seed 33,
/// schedule 5: one Sentinel cut off kept the old view): following it closed a replication
/// loop with no master, which no Sentinel undoes, and no write succeeded for 80 s. This node
/// waits instead. Control: the same peer, not replicating this node, is followed.
#[test]
fn a_restarted_node_never_follows_its_own_replica() {
    let minority = "AGREE=1 OFFSETS=' redis-0.headless=5000'";
    let out = take_role_with(
        "redis-0.headless",
        "slave",
        900,
        2,
        &format!("{minority} HERE=redis-0.headless"),
    );
    assert!(!out.contains("replicating redis-0.headless"), "{out}");
    assert!(out.ends_with("looping\n"), "{out}");
    let out = take_role_with("redis-0.headless", "slave", 900, 2, minority);
    assert!(out.contains("log: replicating redis-0.headless"), "{out}");
}
