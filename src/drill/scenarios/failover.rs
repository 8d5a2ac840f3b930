//! Scenarios where the master fails and the Sentinels must replace it.

use super::{expect_replica_of, wait_failover};
use crate::drill::rehearsal::Rehearsal;

/// How long past `down-after` the drill waits for a failover before calling it missing.
const FAILOVER_GRACE: f64 = 10.0;

fn kill_master(r: &mut Rehearsal) -> anyhow::Result<usize> {
    let master = r.master;
    r.sleep(1.5);
    r.step(format!("SIGKILL master {}", r.cluster.pod_name(master)));
    r.cluster.kill_pod(master)?;
    r.mark_fault(master);
    Ok(master)
}

pub fn master_down(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = kill_master(r)?;
    wait_failover(r, old, r.down_after() + FAILOVER_GRACE);
    r.sleep(2.0);
    r.step(format!("restarting {}", r.cluster.pod_name(old)));
    r.cluster.start_pod(old)?;
    r.settle("the set is whole again", 30.0);
    Ok(())
}

pub fn master_returns(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = kill_master(r)?;
    let new = wait_failover(r, old, r.down_after() + FAILOVER_GRACE);
    r.step(format!(
        "restarting {} with its volume",
        r.cluster.pod_name(old)
    ));
    r.cluster.start_pod(old)?;
    if let Some(new) = new {
        expect_replica_of(
            r,
            "the old master joins as a replica of the new one",
            old,
            new,
            30.0,
        );
    }
    r.settle("the set is whole again", 30.0);
    Ok(())
}

pub fn master_returns_empty(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = kill_master(r)?;
    r.step(format!(
        "wiping the volume of {} and restarting it at once",
        r.cluster.pod_name(old)
    ));
    r.cluster.wipe_volumes(old)?;
    r.cluster.start_pod(old)?;
    r.sleep(r.down_after() + 2.0);
    r.settle("the set is whole again", 45.0);
    Ok(())
}

pub fn master_freeze(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    r.sleep(1.5);
    r.step(format!(
        "SIGSTOP every process of {}",
        r.cluster.pod_name(old)
    ));
    r.cluster.freeze_pod(old, true)?;
    r.mark_fault(old);
    let new = wait_failover(r, old, r.down_after() + FAILOVER_GRACE);
    r.sleep(1.0);
    r.step(format!("SIGCONT {}", r.cluster.pod_name(old)));
    r.cluster.freeze_pod(old, false)?;
    if let Some(new) = new {
        expect_replica_of(r, "the woken master rejoins as a replica", old, new, 30.0);
    }
    r.settle("the set is whole again", 30.0);
    Ok(())
}
