//! `restart-beside-deposed-master`: the master freezes and is failed over; the promoted
//! replica's pod is then killed and restarts from its older snapshot (its `dump.rdb` of the
//! first sync: a master saves nothing before `save 900 1`), while the deposed master's Redis,
//! thawed, answers `ROLE master` again (the Sentinels convert it only once its new master
//! looks sane, and that master is down). The other replica still follows the restarted pod,
//! and holds every write acknowledged since the failover. Found by `drill --explore`
//! (production seed 31, schedule 1: 551 of 1,419 acknowledged writes lost): the restarted pod,
//! holding nothing, followed the deposed master, and its replica full-resynced through it to
//! the deposed master's older data (docs/architecture.md §3, "Never through a node its
//! replicas outgrew").

use super::failover::FAILOVER_GRACE;
use super::wait_failover;
use crate::drill::rehearsal::Rehearsal;

/// Writes the promoted master takes, which its replica acknowledges (`WAIT 1`), before its
/// pod is killed: what following the deposed master would lose.
const WRITES_BEFORE_KILL: f64 = 2.0;
/// How long the killed pod stays away, as in the explorer's run (9.1 s): long enough for the
/// cluster DNS to drop its record (a replica that looked up the old address while the new
/// pod came up would hang connecting to it for `repl-timeout`, and never reach the restarted
/// pod), inside the 2 × `failover-timeout` the Sentinels that voted in the first failover
/// wait before another.
const AWAY: f64 = 8.0;
/// How long after the restart the deposed master's Sentinel stays stopped. In the explorer's
/// run it was frozen a second time and took no part until the other replica had resynced
/// through the restarted pod; kept stopped here, no Sentinel fails the restarted pod over on
/// its own before its start script chose whom to follow and its replica reconnected (the
/// cluster DNS serves the new address within its 5 s TTL).
const SENTINEL_LATE: f64 = 8.0;
/// Writes must succeed again within down-after + this of the restart (the last fault healed):
/// `drill --explore`'s I3 bound.
const WRITES_BACK_SLACK: f64 = 10.0;

pub fn restart_beside_deposed_master(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    let name = r.cluster.pod_name(old);
    let redis = r.cluster.spec().redis_container.clone();
    r.sleep(1.5);
    r.step(format!("freezing master {name} (SIGSTOP, every container)"));
    r.cluster.freeze_pod(old, true)?;
    r.mark_fault(old);
    let Some(new) = wait_failover(r, old, r.down_after() + FAILOVER_GRACE) else {
        r.cluster.freeze_pod(old, false)?;
        return Ok(());
    };
    r.sleep(WRITES_BEFORE_KILL);
    let promoted = r.cluster.pod_name(new);
    r.step(format!(
        "SIGKILL of the promoted master {promoted}'s pod; thawing {name}'s Redis (it answers \
         ROLE master again), its Sentinel stays stopped"
    ));
    r.cluster.kill_pod(new)?;
    r.cluster.freeze_container(old, &redis, false)?;
    r.sleep(AWAY);
    r.step(format!(
        "restarting {promoted} (its snapshot predates its time as master)"
    ));
    r.cluster.start_pod(new)?;
    r.expect_writes_back(WRITES_BACK_SLACK);
    r.sleep(SENTINEL_LATE);
    r.step(format!("thawing {name}'s Sentinel"));
    r.cluster.freeze_pod(old, false)?;
    r.settle("the set is whole again", 60.0);
    Ok(())
}
