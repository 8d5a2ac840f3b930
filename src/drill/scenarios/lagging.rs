//! `lagging-replica-promoted`: the Sentinels promote the replica that lags. Found by `drill
//! --explore` (seed 30, schedule 2, both profiles: 2 `WAIT 1`-acknowledged writes lost): at
//! a master's freeze one replica stood 31 KB behind the other, and the leader selected it from
//! replication offsets it had cached from `INFO` up to 10 s earlier (Sentinel's period for
//! replicas while the master is up); the other replica full-resynced from it and lost what
//! only it had acknowledged. Redis documents that choice as best effort (commands/wait,
//! "Consistency and WAIT").
//!
//! Staged deterministically: the drill cannot make a Sentinel's offset cache stale on cue, so
//! it gives the replica that will lag the best `replica-priority` (what a stale cache does
//! by chance) and waits until every Sentinel has read it; then cuts the path between the
//! master and that replica only (the master streams on to the other one, whose `WAIT 1`
//! acknowledgements keep the writes flowing), and freezes the master's pod. The Sentinels
//! promote the replica cut off from it. docs/architecture.md §22, "A lagging replica catches
//! up from a sibling".

use super::failover::FAILOVER_GRACE;
use super::handover::make_first_choice;
use super::{expect_replica_of, wait_failover};
use crate::drill::rehearsal::Rehearsal;
use anyhow::bail;

/// How long the replica is cut off from the master before the master freezes: writes the
/// other replica acknowledges and this one does not get.
const LAG: f64 = 3.0;
/// How long the master stays frozen once a Sentinel names the new master.
const HELD_AFTER_FAILOVER: f64 = 1.0;

pub fn lagging_replica_promoted(r: &mut Rehearsal) -> anyhow::Result<()> {
    let master = r.master;
    let laggard = r.a_replica();
    if laggard == master {
        bail!("the scenario needs a replica");
    }
    let name = r.cluster.pod_name(master);
    let laggard_name = r.cluster.pod_name(laggard);
    make_first_choice(r, laggard)?;
    r.step(format!(
        "cutting the path between master {name} and replica {laggard_name} (both ways; each \
         still reaches the other pods)"
    ));
    r.cluster.cut_between(master, laggard, true)?;
    r.sleep(LAG);
    r.step(format!("freezing master {name} (SIGSTOP, every container)"));
    r.cluster.freeze_pod(master, true)?;
    r.mark_fault(master);
    let new = wait_failover(r, master, r.down_after() + FAILOVER_GRACE);
    if let Some(new) = new {
        r.check(
            "the Sentinels promoted the replica that was cut off from the master",
            new == laggard,
            r.cluster.pod_name(new),
            laggard_name.clone(),
        );
    }
    r.sleep(HELD_AFTER_FAILOVER);
    r.step(format!("thawing {name}; lifting the cut"));
    r.cluster.freeze_pod(master, false)?;
    r.cluster.cut_between(master, laggard, false)?;
    if let Some(new) = new {
        expect_replica_of(
            r,
            "the thawed master rejoins as a replica",
            master,
            new,
            30.0,
        );
    }
    r.settle("the set is whole again", 30.0);
    Ok(())
}
