//! Planned operations: every pod stopped, and a rolling restart.

use crate::drill::cluster::Cluster;
use crate::drill::rehearsal::{Rehearsal, Role};
use crate::drill::stalled::Stalled;

/// Delete every pod gracefully and at once (a scale to 0): preStop, SIGTERM, grace period.
pub fn stop_all(r: &mut Rehearsal) -> anyhow::Result<()> {
    let n = r.replicas();
    r.step(format!("deleting all {n} pods gracefully (scale to 0)"));
    r.mark_fault(r.master);
    delete_all(r.cluster)
}

/// `stop_all` without the rehearsal's step and fault mark.
pub fn delete_all(cluster: &dyn Cluster) -> anyhow::Result<()> {
    let all: Vec<usize> = (0..cluster.spec().replicas).collect();
    delete_pods(cluster, &all)
}

/// Delete the pods `ordinals` gracefully, all at once, as scaling the set down does.
pub fn delete_pods(cluster: &dyn Cluster, ordinals: &[usize]) -> anyhow::Result<()> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = ordinals
            .iter()
            .map(|&i| scope.spawn(move || cluster.delete_pod(i)))
            .collect();
        join_deletions(handles)
    })
}

/// The first error of the pod deletions `handles` (threads of one scope), once every one of
/// them is over: the scope waits for all, whichever fails first.
pub fn join_deletions(
    handles: Vec<std::thread::ScopedJoinHandle<'_, anyhow::Result<()>>>,
) -> anyhow::Result<()> {
    handles.into_iter().try_for_each(|h| {
        h.join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("pod deletion panicked")))
    })
}

/// Delete a pod gracefully (preStop, SIGTERM) and create it again, as a rollout does; an
/// error when it is not Ready within 60 s (the rollout would stop there).
pub fn recreate_pod(r: &Rehearsal, ordinal: usize) -> anyhow::Result<()> {
    r.cluster.delete_pod(ordinal)?;
    r.cluster.start_pod(ordinal)?;
    if r.wait_until(60.0, || r.cluster.is_ready(ordinal).then_some(()))
        .is_none()
    {
        return Err(Stalled(format!(
            "{} was not Ready within 60 s: the rollout would stop here",
            r.cluster.pod_name(ordinal)
        ))
        .into());
    }
    Ok(())
}

/// What `kubectl rollout restart` of the StatefulSet does (RollingUpdate): every pod deleted
/// (preStop) and recreated, highest ordinal first, each Ready before the next. How many of
/// the pods rolled held the master role then (each is a hand-over).
pub fn roll(r: &mut Rehearsal) -> anyhow::Result<usize> {
    let mut handovers = 0;
    for i in (0..r.replicas()).rev() {
        let master = r.role(i) == Some(Role::Master);
        handovers += usize::from(master);
        r.step(format!(
            "rolling {}{}: delete (preStop), recreate",
            r.cluster.pod_name(i),
            if master { " (the master)" } else { "" }
        ));
        recreate_pod(r, i)?;
    }
    Ok(handovers)
}

pub fn rolling_restart(r: &mut Rehearsal) -> anyhow::Result<()> {
    r.sleep(1.0);
    let from = r.now();
    roll(r)?;
    r.settle("the set is whole after the rollout", 30.0);
    r.sleep(1.0);
    r.planned_window = Some((from, r.now()));
    Ok(())
}
