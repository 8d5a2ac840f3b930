//! Planned operations: every pod stopped and started, and a rolling restart.

use super::start_all;
use crate::drill::rehearsal::Rehearsal;

pub fn all_down(r: &mut Rehearsal) -> anyhow::Result<()> {
    r.sleep(1.5);
    let n = r.replicas();
    r.step(format!("deleting all {n} pods gracefully (scale to 0)"));
    r.mark_fault(r.master);
    let cluster = r.cluster;
    let results: Vec<anyhow::Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|i| scope.spawn(move || cluster.delete_pod(i)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("pod deletion panicked")))
            })
            .collect()
    });
    results.into_iter().collect::<anyhow::Result<()>>()?;
    r.sleep(1.0);
    start_all(r, 60.0)?;
    r.settle("exactly one master within 60 s, Sentinels agree", 60.0);
    Ok(())
}

pub fn rolling_restart(r: &mut Rehearsal) -> anyhow::Result<()> {
    r.sleep(1.0);
    let from = r.now();
    for i in (0..r.replicas()).rev() {
        r.step(format!(
            "rolling {}: delete (preStop), recreate",
            r.cluster.pod_name(i)
        ));
        r.cluster.delete_pod(i)?;
        r.cluster.start_pod(i)?;
        if r.wait_until(60.0, || r.cluster.is_ready(i).then_some(()))
            .is_none()
        {
            anyhow::bail!(
                "{} was not Ready within 60 s: the rollout would stop here",
                r.cluster.pod_name(i)
            );
        }
    }
    r.settle("the set is whole after the rollout", 30.0);
    r.sleep(1.0);
    r.planned_window = Some((from, r.now()));
    Ok(())
}
