//! Scenarios where nothing should move: the bootstrap itself, and a replica going away.

use super::expect_replica_of;
use crate::drill::rehearsal::Rehearsal;

/// The bring-up is the scenario; the probe then writes for a while.
pub fn bootstrap(r: &mut Rehearsal) -> anyhow::Result<()> {
    r.step("probing the bootstrapped set");
    r.sleep(2.0);
    Ok(())
}

pub fn replica_down(r: &mut Rehearsal) -> anyhow::Result<()> {
    let replica = r.a_replica();
    let master = r.master;
    r.sleep(1.0);
    r.step(format!("SIGKILL replica {}", r.cluster.pod_name(replica)));
    r.cluster.kill_pod(replica)?;
    r.sleep(r.down_after() + 2.0);
    r.step(format!("restarting {}", r.cluster.pod_name(replica)));
    r.cluster.start_pod(replica)?;
    expect_replica_of(r, "the replica resyncs as replica", replica, master, 30.0);
    r.sleep(1.0);
    Ok(())
}
