//! `stale-master-joins-cut-master`: the master is partitioned and failed over; it comes back
//! deposed (it answers `ROLE master`, its fence refusing writes). Seconds later the new
//! master is cut off from the other pods' Sentinels (`partition-master-sentinels`: its
//! replicas still stream from it, the clients still write to it). Its replica lets go of it
//! (its own Sentinel finds it silent, docs/architecture.md §18) and it refuses writes
//! (`NOREPLICAS`). Then its own Sentinel, which still reaches it and still holds it master,
//! converts the stale old master into its replica, as Sentinel does with any old master that
//! answers again (8 s after it reported the role, at its next `INFO`): a replica again, and
//! `min-replicas-to-write` is met. Before the fix, the cut-off master took writes again and
//! that replica acknowledged them (`WAIT 1`) until its own watcher let go of a master its
//! Sentinel finds silent, while the other Sentinels were about to promote the replica that
//! never had them. Found by `drill --explore` (seed 42, production schedule 7: 2 of 2,785
//! acknowledged writes lost; its shrink, 6 to 46 on replay). docs/architecture.md §18,
//! "A master its replicas let go of".
//!
//! The scenario times the cut from what the new master's Sentinel reports of the old one
//! (`SENTINEL REPLICAS`: since when it reports the master role, since when its last `INFO`
//! came), so that the conversion lands between the replica letting go (a third of
//! down-after, later on a loaded machine) and the failover (down-after), every run; it
//! rehearses with down-after 10 s to make that window seconds wide.

use super::deposed::write_watching;
use super::failover::FAILOVER_GRACE;
use super::wait_failover;
use crate::drill::rehearsal::{Rehearsal, Role};
use crate::drill::{cluster::Session, probe};
use std::time::{Duration, Instant};

/// How long the drill waits for a Sentinel's or a Redis's answer.
const ASK: Duration = Duration::from_secs(2);
/// Sentinel converts an old master that answers as master again on the first `INFO` reply
/// more than SENTINEL_PUBLISH_PERIOD × 4 after it reported that role, and asks a replica
/// for `INFO` every SENTINEL_INFO_PERIOD (sentinel.c, Redis 7.0: `sentinelRefreshInstanceInfo`).
const CONVERT_AFTER_MS: i64 = 8_000;
const INFO_PERIOD_MS: i64 = 10_000;
/// Where in the cut the conversion is placed, as a share of down-after: past the third at
/// which the replica lets go (up to 2.3 s later on a loaded machine), before the other
/// Sentinels mark the master down at down-after and promote a replica.
const CONVERSION_INTO_CUT: f64 = 0.75;
/// The old master's role is read every ROLE_EVERY of the held client's writes (one every
/// 20 ms, deposed.rs).
const ROLE_EVERY: u32 = 5;

pub fn stale_master_joins_cut_master(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    let name = r.cluster.pod_name(old);
    r.sleep(1.5);
    r.step(format!(
        "partitioning master {name} from every pod until the Sentinels replace it"
    ));
    r.cluster.partition_pod(old, true)?;
    r.mark_fault(old);
    let new = wait_failover(r, old, r.down_after() + FAILOVER_GRACE);
    r.step(format!(
        "healing {name}'s partition: it answers as master again, deposed"
    ));
    r.cluster.partition_pod(old, false)?;
    let Some(new) = new else {
        return Ok(());
    };
    let new_name = r.cluster.pod_name(new);
    let Some((_, due)) = r.wait_until(r.down_after(), || conversion_due(r, new, old)) else {
        r.check(
            "the new master's Sentinel sees the old master answer as master",
            false,
            "SENTINEL REPLICAS never reported it with role master",
            format!("within {} s of the heal", r.down_after()),
        );
        return Ok(());
    };
    let lead = CONVERSION_INTO_CUT * r.down_after();
    let due = due - Instant::now();
    r.step(format!(
        "{new_name}'s Sentinel will convert {name} in {:.1} s: cutting {new_name} off the \
         other Sentinels {lead:.1} s before",
        due.as_secs_f64()
    ));
    r.sleep((due.as_secs_f64() - lead).max(0.0));
    let mut held = r.cluster.connect(new, false, ASK)?;
    r.cluster.cut_from_sentinels(new, true)?;
    let written = write_on(r, held.as_mut(), old, new, r.down_after() + FAILOVER_GRACE);
    drop(held);
    r.step(match written.converted {
        Some(at) => format!(
            "{name} became {new_name}'s replica {at:.1} s into the cut; {} writes \
             acknowledged",
            written.acknowledged.len()
        ),
        None => format!("{name} never became {new_name}'s replica during the cut"),
    });
    let failover = wait_failover(r, new, FAILOVER_GRACE);
    r.step(format!(
        "lifting the cut between {new_name} and the Sentinels"
    ));
    r.cluster.cut_from_sentinels(new, false)?;
    r.check(
        "the cut-off master's own Sentinel converts the returning old master before the \
         failover",
        written.converted.is_some() && failover.is_some(),
        match written.converted {
            Some(at) => format!("{name} its replica {at:.1} s into the cut"),
            None => format!("{name} not its replica while the cut held"),
        },
        "converted while the other Sentinels could not reach the master".to_string(),
    );
    let late: Vec<&(String, f64)> = match written.converted {
        Some(at) => written
            .acknowledged
            .iter()
            .filter(|(_, t)| *t >= at)
            .collect(),
        None => Vec::new(),
    };
    r.check(
        "a master its replicas let go of acknowledges nothing through the node its own \
         Sentinel gives it",
        late.is_empty(),
        match late.first() {
            None => "no write acknowledged from the conversion on".to_string(),
            Some((_, first)) => format!(
                "{} acknowledged (WAIT 1) from {first:.2} s into the cut on",
                late.len()
            ),
        },
        "none".to_string(),
    );
    settle_and_check_kept(r, written.acknowledged);
    Ok(())
}

/// Once the set is whole again: every write the cut-off master acknowledged (`WAIT 1`,
/// `write_watching`'s keys) is kept (also `master-cut-from-sentinels`).
pub(super) fn settle_and_check_kept(r: &mut Rehearsal, acknowledged: Vec<(String, f64)>) {
    r.settle("the set is whole again", 60.0);
    let keys: Vec<String> = acknowledged.into_iter().map(|(k, _)| k).collect();
    let kept = probe::count_present(r.cluster, &keys);
    r.check(
        "every write the cut-off master acknowledged is kept",
        kept == Some(keys.len()),
        format!(
            "{} acknowledged (WAIT 1) during the cut, {} of them kept",
            keys.len(),
            kept.map_or("?".to_string(), |k| k.to_string())
        ),
        "every one kept".to_string(),
    );
}

/// When the Sentinel of pod `sentinel` will convert pod `node`, which it lists as a replica
/// reporting the master role: at its first `INFO` to it past CONVERT_AFTER_MS of that role.
/// `None` while it does not list it so.
fn conversion_due(r: &Rehearsal, sentinel: usize, node: usize) -> Option<Instant> {
    let master_name = &r.cluster.spec().master_name;
    let reply = r
        .cluster
        .call(sentinel, true, &["SENTINEL", "REPLICAS", master_name], ASK)
        .ok()?;
    let asked = Instant::now();
    let entry = reply
        .items()
        .iter()
        .find(|e| e.field("ip").and_then(|ip| r.cluster.ordinal_of(ip)) == Some(node))?;
    if entry.field("role-reported")? != "master" {
        return None;
    }
    let since_info: i64 = entry.field("info-refresh")?.parse().ok()?;
    let since_role: i64 = entry.field("role-reported-time")?.parse().ok()?;
    let mut next = INFO_PERIOD_MS - since_info;
    while since_role + next <= CONVERT_AFTER_MS {
        next += INFO_PERIOD_MS;
    }
    Some(asked + Duration::from_millis(next.max(0) as u64))
}

/// What the held client saw during the cut: the keys the cut-off master acknowledged, each
/// with its seconds into the cut, and when (seconds into the cut) the old master was first
/// seen following it.
struct Written {
    acknowledged: Vec<(String, f64)>,
    converted: Option<f64>,
}

/// `SET` + `WAIT 1` on the held connection to `master` (deposed.rs, `write_watching`) until
/// it is refused for good (the failover's `READONLY`, a closed connection) or `seconds` are
/// over; the role of `old` read every ROLE_EVERY writes.
fn write_on(
    r: &Rehearsal,
    session: &mut dyn Session,
    old: usize,
    master: usize,
    seconds: f64,
) -> Written {
    let start = Instant::now();
    let mut converted = None;
    let acknowledged = write_watching(
        session,
        start,
        Duration::from_secs_f64(seconds),
        "drill-cut-master",
        |serial| {
            if converted.is_none()
                && serial.is_multiple_of(ROLE_EVERY)
                && matches!(r.role(old), Some(Role::Replica(Some(m), _)) if m == master)
            {
                converted = Some(start.elapsed().as_secs_f64());
            }
        },
    );
    Written {
        acknowledged,
        converted,
    }
}
