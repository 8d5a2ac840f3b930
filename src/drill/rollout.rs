//! `kubectl apply` of re-rendered manifests, and what the StatefulSet controller does about
//! it (Kubernetes `stateful_set_control.go`): the objects are replaced at once; then
//! condemned pods (ordinals ≥ the new `replicas`) are deleted highest first — one at a time,
//! each terminated before the next, under `OrderedReady`; all at once under `Parallel` —
//! new ordinals are created in order (each Ready before the next under `OrderedReady`), and a
//! changed pod template rolls the pods that remain, highest ordinal first, each deleted
//! (preStop, grace period) and recreated Ready before the next. Under `Parallel` the rollout
//! starts while the condemned pods are still terminating, as the controller does.

use super::rehearsal::Rehearsal;
use super::scenarios::planned::recreate_pod;
use super::stalled::Stalled;

/// Apply the re-rendered set the cluster holds and play the controller until it is done.
pub fn apply(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.cluster.spec().clone();
    r.cluster.apply_update()?;
    let new = r.cluster.spec().clone();
    let rolls = old.pod != new.pod;
    r.step(format!(
        "kubectl apply: replicas {} → {}, {}",
        old.replicas,
        new.replicas,
        if rolls {
            "pod template changed (RollingUpdate)"
        } else {
            "pod template unchanged"
        }
    ));
    let condemned: Vec<usize> = (new.replicas..old.replicas).rev().collect();
    let remaining = old.replicas.min(new.replicas);
    if new.ordered_ready {
        for &i in &condemned {
            r.step(format!("scale down: deleting {}", r.cluster.pod_name(i)));
            r.cluster.delete_pod(i)?;
        }
    } else if !condemned.is_empty() {
        let names: Vec<String> = condemned.iter().map(|&i| r.cluster.pod_name(i)).collect();
        r.step(format!("scale down: deleting {} at once", names.join(", ")));
        let cluster = r.cluster;
        return std::thread::scope(|scope| {
            let deletions: Vec<_> = condemned
                .iter()
                .map(|&i| scope.spawn(move || cluster.delete_pod(i)))
                .collect();
            let rolled = if rolls { roll(r, remaining) } else { Ok(()) };
            for deletion in deletions {
                deletion
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("pod deletion panicked")))?;
            }
            rolled
        });
    }
    scale_up(r, old.replicas, new.replicas, new.ordered_ready)?;
    if rolls { roll(r, remaining) } else { Ok(()) }
}

/// Create ordinals `from..to`: in order, each Ready before the next, or all at once; the
/// controller's rollout waits for every pod to be Ready either way.
fn scale_up(r: &mut Rehearsal, from: usize, to: usize, ordered: bool) -> anyhow::Result<()> {
    for i in from..to {
        r.step(format!("scale up: creating {}", r.cluster.pod_name(i)));
        r.cluster.start_pod(i)?;
        if ordered {
            wait_ready(r, i)?;
        }
    }
    (from..to).try_for_each(|i| wait_ready(r, i))
}

fn wait_ready(r: &Rehearsal, ordinal: usize) -> anyhow::Result<()> {
    if r.wait_until(60.0, || r.cluster.is_ready(ordinal).then_some(()))
        .is_none()
    {
        return Err(Stalled(format!(
            "{} was not Ready within 60 s: the StatefulSet controller would stop here",
            r.cluster.pod_name(ordinal)
        ))
        .into());
    }
    Ok(())
}

/// The RollingUpdate of ordinals `0..remaining`, highest first.
fn roll(r: &mut Rehearsal, remaining: usize) -> anyhow::Result<()> {
    for i in (0..remaining).rev() {
        r.step(format!(
            "rolling update: {} deleted (preStop) and recreated",
            r.cluster.pod_name(i)
        ));
        recreate_pod(r, i)?;
    }
    Ok(())
}
