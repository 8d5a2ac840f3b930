//! `thaw-mid-failover`: the master's pod frozen (SIGSTOP, every container: its Redis, its
//! Sentinel and its watchers) until a Sentinel has won the election and is failing it over
//! (`failover_in_progress`), then thawed at once, before the promotion is announced. A client
//! holding a connection to it writes on (`SET` + `WAIT 1` every 20 ms). The thawed master
//! still answers as master, the Sentinels still name it, and its fence cannot have seen the
//! failover (its watcher was frozen with it): a replica still following it acknowledges its
//! writes until the leader moves that replica to the promoted one, and the full resync that
//! follows discards them. Found by `drill --explore` (seed 38, production schedule 7: 62 of
//! 551 acknowledged writes lost; its shrink, the one freeze of 6.3 s, 1 to 13 on replay).
//! docs/architecture.md §18, "Replicas let go of a silent master".

use super::deposed::{hold_a_connection, write_on};
use super::failover::{FAILOVER_GRACE, sentinel_flagging};
use super::wait_failover;
use crate::drill::probe;
use crate::drill::rehearsal::Rehearsal;
use std::time::{Duration, Instant};

/// How long the held client writes on after the thaw: the writes lost before were those
/// acknowledged until the leader moved the replica it did not promote, within about a second
/// of the promotion, which follows the thaw within another (0.2–1 s measured).
const WRITING: Duration = Duration::from_secs(4);

pub fn thaw_mid_failover(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    let name = r.cluster.pod_name(old);
    let cluster = r.cluster;
    let mut held = hold_a_connection(r)?;
    r.step(format!(
        "freezing master {name} (SIGSTOP, every container) until a Sentinel fails it over"
    ));
    cluster.freeze_pod(old, true)?;
    r.mark_fault(old);
    let started = r.wait_until(r.down_after() + FAILOVER_GRACE, || {
        sentinel_flagging(r, old, &["failover_in_progress"])
    });
    r.step(match started {
        Some((_, i)) => format!(
            "the Sentinel of {} is failing {name} over: thawing {name}; the client writes on",
            cluster.pod_name(i)
        ),
        None => format!("no Sentinel fails {name} over: thawing it"),
    });
    cluster.freeze_pod(old, false)?;
    let thawed = Instant::now();
    let acknowledged = write_on(held.as_mut(), thawed, WRITING);
    drop(held);
    if started.is_none() || wait_failover(r, old, FAILOVER_GRACE).is_none() {
        return Ok(());
    }
    let count = acknowledged.len();
    let keys: Vec<String> = acknowledged.into_iter().map(|(key, _)| key).collect();
    r.settle("the set is whole again", 60.0);
    let kept = probe::count_present(r.cluster, &keys);
    r.check(
        "every write the thawed master had acknowledged is kept",
        kept == Some(count),
        format!(
            "{count} acknowledged (WAIT 1) after the thaw, {} of them kept",
            kept.map_or("?".to_string(), |k| k.to_string())
        ),
        "every one kept".to_string(),
    );
    Ok(())
}
