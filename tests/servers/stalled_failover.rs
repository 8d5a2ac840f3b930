//! `redis-start.sh`'s stalled-failover ask (docs/architecture.md §3, "A stalled failover is
//! asked again"): a restarted pod following a master that does not answer asks a failover
//! once the Sentinels mark that master objectively down and none runs one, and asks only the
//! first Sentinel that answers. The script's own functions (and common.sh's
//! `sentinel_view`, `peer_answered`) under `dash`, beside stubs for the network.

use crate::script_functions::{dash_ok, function, script};

/// The set as the stubs answer: the master the Sentinels name, whether one marks it
/// objectively down, whether one runs a failover, whether the named master answers, and
/// each pod's Sentinel view as `flags` of `SENTINEL MASTER` naming redis-0 ("" for no
/// answer).
struct Set {
    odown: bool,
    under_way: bool,
    master_answers: bool,
    views: [&'static str; 3],
}

const STALLED: Set = Set {
    odown: true,
    under_way: false,
    master_answers: false,
    views: ["", "o_down,master", "o_down,master"],
};

/// "stalled" or "not stalled", then what `ask_stalled_failover` asked and logged.
fn run(set: &Set) -> String {
    let start = script("redis-start.sh");
    let common = script("common.sh");
    let functions = [
        function(start, "failover_stalled"),
        function(start, "ask_stalled_failover"),
        function(common, "sentinel_view"),
        function(common, "peer_answered"),
    ]
    .join("\n");
    let answering = if set.master_answers {
        "redis-0.headless=900 redis-1.headless=1000"
    } else {
        "redis-1.headless=1000"
    };
    let [v0, v1, v2] = set.views;
    let text = format!(
        r#"SELF=redis-2.headless
REPLICAS=3
MAJORITY=2
MASTER_NAME=mymaster
LIVE_LINK_MS=2000
log() {{ echo "log: $*"; }}
all_pods() {{ echo redis-0.headless redis-1.headless redis-2.headless; }}
ask_sentinels() {{
    SENTINEL_MASTER=redis-0.headless; SENTINELS_UP=2
    SENTINEL_ODOWN={odown}; FAILOVER_UNDER_WAY={under_way}
}}
scan_peers() {{ PEER_OFFSETS=" {answering}"; set -- $PEER_OFFSETS; PEERS_UP=$#; }}
promotes_best() {{ echo "promotes_best $1"; }}
view() {{
    [ -n "$1" ] || return 0
    printf 'name\nmymaster\nip\nredis-0.headless\nport\n6379\nflags\n%s\nconfig-epoch\n1\n' "$1"
}}
sentinel_cmd() {{
    case "$1 $3" in
        "redis-0.headless MASTER") view "{v0}" ;;
        "redis-1.headless MASTER") view "{v1}" ;;
        "redis-2.headless MASTER") view "{v2}" ;;
        *" FAILOVER") echo "FAILOVER at $1" >&2; echo OK ;;
    esac
}}
{functions}
if failover_stalled; then echo stalled; else echo "not stalled"; fi
ask_stalled_failover 2>&1 || echo "not asked"
"#,
        odown = u8::from(set.odown),
        under_way = u8::from(set.under_way),
    );
    dash_ok::<&str>(&text, &[])
}

/// The leader gave up waiting for a promoted replica that crashed (drill
/// `handover-target-crash`): the departed master is objectively down, no Sentinel runs a
/// failover. Asked once, of the first Sentinel that answers (redis-0's is gone with its pod).
#[test]
fn a_stalled_failover_is_asked_of_the_first_sentinel_that_answers() {
    let out = run(&STALLED);
    assert!(out.starts_with("stalled\n"), "{out}");
    assert!(out.contains("promotes_best redis-1.headless"), "{out}");
    assert!(out.contains("FAILOVER at redis-1.headless"), "{out}");
    assert!(!out.contains("FAILOVER at redis-2"), "{out}");
    assert!(
        out.contains("log: the failover of redis-0.headless stalled"),
        "{out}"
    );
}

/// Not stalled: a failover runs, or no Sentinel marks the master objectively down, or the
/// master answers (a whole-set restart: it is coming back).
#[test]
fn a_running_failover_an_answering_or_merely_subjectively_down_master_is_not_stalled() {
    for set in [
        Set {
            under_way: true,
            ..STALLED
        },
        Set {
            odown: false,
            ..STALLED
        },
        Set {
            master_answers: true,
            ..STALLED
        },
    ] {
        let out = run(&set);
        assert!(out.starts_with("not stalled\n"), "{out}");
    }
}

/// The first Sentinel that answers is busy failing over: no other is asked (a second
/// forced failover at another Sentinel would promote a second replica).
#[test]
fn a_busy_first_sentinel_means_no_request_at_all() {
    let out = run(&Set {
        views: ["", "o_down,master,failover_in_progress", "o_down,master"],
        ..STALLED
    });
    assert!(!out.contains("FAILOVER at"), "{out}");
    assert!(out.ends_with("not asked\n"), "{out}");
}
