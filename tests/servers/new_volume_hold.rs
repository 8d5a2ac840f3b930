//! `sentinel-start.sh`'s `hold_while_master_away` (docs/architecture.md §21): on a volume that
//! never held a role, Sentinel waits while the master the Sentinels name does not answer.
//! Run under `dash` with the script's own function and common.sh's `peer_answered` and
//! `every_peer_up`, beside stubs for what asks the network and for the clock.

use crate::script_functions::{dash_ok, function, script};

/// What the set looks like to the hold, for every round alike unless `back_at` is set.
struct Seen {
    /// A `new-volume` marker on the pod (the init container found no role marker).
    new_volume: bool,
    /// The master the answering Sentinels name (`""` when none answers).
    named: &'static str,
    /// Whether any other Sentinel answers (when none does, the pod's own stored config
    /// names the master: `own_conf`).
    sentinels_answer: bool,
    /// The master this pod's own `sentinel.conf` monitors.
    own_conf: &'static str,
    /// The peers that answer `INFO`, as `host=offset` (blank-separated).
    answering: &'static str,
    /// A peer answering `role:master` ("" when none).
    serving: &'static str,
    /// Replicas the answering Sentinels know.
    known_replicas: u32,
    /// This pod's Redis's replication offset.
    local_offset: u64,
    /// From this round on, the master `redis-0` answers (0: never).
    back_at: u32,
}

const AWAY: Seen = Seen {
    new_volume: true,
    named: "redis-0.headless",
    sentinels_answer: true,
    own_conf: "redis-0.headless",
    answering: "redis-2.headless=21781",
    serving: "",
    known_replicas: 2,
    local_offset: 0,
    back_at: 0,
};

/// The hold's log lines and `started after N rounds` once it returned (each round is 1 s of
/// the stubbed clock, the hold's own `sleep 1`).
fn hold(seen: &Seen) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let marker = dir.path().join("new-volume");
    if seen.new_volume {
        std::fs::write(&marker, "").expect("marker");
    }
    std::fs::write(
        dir.path().join("sentinel.conf"),
        format!(
            "port 26379\nsentinel monitor mymaster {} 6379 2\n",
            seen.own_conf
        ),
    )
    .expect("sentinel.conf");
    let common = script("common.sh");
    let start = script("sentinel-start.sh");
    let limit = start
        .lines()
        .find(|l| l.starts_with("LOST_COPY_HOLD_SECONDS="))
        .expect("LOST_COPY_HOLD_SECONDS in sentinel-start.sh");
    let text = format!(
        r#"SELF=redis-1.headless
LOCAL=127.0.0.1
REPLICAS=3
NEW_VOLUME_MARKER={marker}
CONF_DIR={dir}
MASTER_NAME=mymaster
ROUND=0
log() {{ echo "log: $*"; }}
date() {{ echo "$ROUND"; }}
sleep() {{ ROUND=$((ROUND + 1)); [ "$ROUND" -le 200 ] || {{ echo stuck; exit 0; }}; }}
ask_sentinels() {{ SENTINEL_MASTER={named}; SENTINELS_UP={up}; KNOWN_REPLICAS={known}; }}
scan_peers() {{
    PEER_MASTER={serving}
    PEER_OFFSETS="{answering}"
    if [ {back_at} != 0 ] && [ "$ROUND" -ge {back_at} ]; then
        PEER_OFFSETS="$PEER_OFFSETS redis-0.headless=30000"
    fi
    PEERS_UP=0 BEST_PEER_OFFSET=0
    for entry in $PEER_OFFSETS; do
        PEERS_UP=$((PEERS_UP + 1))
        [ "${{entry##*=}}" -le "$BEST_PEER_OFFSET" ] || BEST_PEER_OFFSET=${{entry##*=}}
    done
}}
node_info() {{ NODE_OFFSET={local}; }}
{limit}
{own}
{answered}
{every}
{hold}
hold_while_master_away
echo "started after $ROUND rounds"
"#,
        marker = marker.display(),
        dir = dir.path().display(),
        up = u32::from(seen.sentinels_answer),
        own = function(start, "own_monitored_master"),
        named = seen.named,
        known = seen.known_replicas,
        serving = seen.serving,
        answering = seen.answering,
        back_at = seen.back_at,
        local = seen.local_offset,
        answered = function(common, "peer_answered"),
        every = function(common, "every_peer_up"),
        hold = function(start, "hold_while_master_away"),
    );
    dash_ok::<&str>(&text, &[])
}

/// The explorer's hole (seed 21, schedule 10): this pod's volume was emptied, the other
/// replica holds data, and the master the Sentinels name does not answer. Sentinel waits,
/// says why once, and starts the round after the master answers again.
#[test]
fn waits_while_the_named_master_is_away_and_starts_once_it_answers() {
    let out = hold(&Seen {
        back_at: 20,
        ..AWAY
    });
    assert_eq!(out.matches("Sentinel waits for it").count(), 1, "{out}");
    assert!(out.contains("redis-0.headless answers after 20 s"), "{out}");
    assert!(out.ends_with("started after 20 rounds\n"), "{out}");
}

/// A master that never returns (its node is gone): the set must fail over in the end, and
/// the startup probe (120 s) must not kill the container first.
#[test]
fn starts_after_the_hold_limit_when_the_master_never_returns() {
    let out = hold(&AWAY);
    assert!(
        out.contains("no master for 60 s: starting Sentinel"),
        "{out}"
    );
    assert!(out.ends_with("started after 60 rounds\n"), "{out}");
}

/// Nothing to protect, or nothing to wait for: Sentinel starts at once.
#[test]
fn does_not_wait_when_the_volume_held_a_role_or_a_master_is_there() {
    let cases = [
        (
            "a volume that held a role",
            Seen {
                new_volume: false,
                ..AWAY
            },
        ),
        (
            "a master serving (a scale-up)",
            Seen {
                serving: "redis-2.headless",
                ..AWAY
            },
        ),
        (
            "the named master answering (back, in any role)",
            Seen {
                answering: "redis-0.headless=30000 redis-2.headless=21781",
                ..AWAY
            },
        ),
        (
            "the Sentinels naming this pod",
            Seen {
                named: "redis-1.headless",
                ..AWAY
            },
        ),
        (
            "this pod's Redis holding data",
            Seen {
                local_offset: 5000,
                ..AWAY
            },
        ),
        (
            "a fresh set: every peer empty, no replica known, no master named",
            Seen {
                named: "\"\"",
                answering: "redis-0.headless=0 redis-2.headless=0",
                known_replicas: 0,
                ..AWAY
            },
        ),
    ];
    for (what, seen) in cases {
        let out = hold(&seen);
        assert_eq!(out, "started after 0 rounds\n", "{what}");
    }
}

/// A fresh set whose peers have not all answered yet (or a restored set whose snapshot
/// holder is not up yet): nothing known, so it keeps waiting, without a note naming nobody.
#[test]
fn waits_quietly_while_no_sentinel_names_a_master() {
    let out = hold(&Seen {
        named: "\"\"",
        answering: "redis-2.headless=0",
        known_replicas: 0,
        ..AWAY
    });
    assert!(!out.contains("Sentinel waits for it"), "{out}");
    assert!(out.ends_with("started after 60 rounds\n"), "{out}");
}

/// No other Sentinel answers yet: the pod's own stored config names the master. Started
/// alone on a fresh set (the first guess names this pod, ordinal 0), Sentinel starts at
/// once; on the emptied replica of the hole, whose config names the away master, it waits.
#[test]
fn with_no_other_sentinel_its_own_config_names_the_master() {
    let lone_first_pod = Seen {
        named: "\"\"",
        sentinels_answer: false,
        own_conf: "redis-1.headless",
        answering: "",
        known_replicas: 0,
        ..AWAY
    };
    assert_eq!(hold(&lone_first_pod), "started after 0 rounds\n");
    let emptied_replica = Seen {
        named: "\"\"",
        sentinels_answer: false,
        back_at: 20,
        ..AWAY
    };
    let out = hold(&emptied_replica);
    assert_eq!(out.matches("Sentinel waits for it").count(), 1, "{out}");
    assert!(out.ends_with("started after 20 rounds\n"), "{out}");
}
