//! A planned handover (the master's `preStop`) while one Sentinel has a stale view
//! (docs/scenarios.md, `prestop-stale-sentinel`).

use crate::drill::rehearsal::Rehearsal;
use crate::resp::Reply;
use anyhow::{Context, bail};
use std::time::Duration;

const ASK: Duration = Duration::from_secs(2);

/// The settings a Sentinel keeps per master that a `SENTINEL MONITOR` does not carry.
const KEPT: &[&str] = &[
    "down-after-milliseconds",
    "failover-timeout",
    "parallel-syncs",
];

/// One Sentinel is made to name a replica as the master (as a Sentinel that missed a
/// failover, or whose lookup failed, does); then the master's pod is deleted and recreated,
/// as a rollout does. Its `preStop` must hand the role only to a pod that holds it.
pub fn prestop_stale_sentinel(r: &mut Rehearsal) -> anyhow::Result<()> {
    let master = r.master;
    let replicas: Vec<usize> = (0..r.replicas()).filter(|&i| i != master).collect();
    let (Some(&stale), Some(&wrong)) = (replicas.first(), replicas.get(1)) else {
        bail!("the scenario needs two replicas");
    };
    r.sleep(1.0);
    r.step(format!(
        "the Sentinel of {} now names the replica {} as master",
        r.cluster.pod_name(stale),
        r.cluster.pod_name(wrong)
    ));
    let kept = point_sentinel(r, stale, wrong, None)?;
    r.sleep(1.0);
    let from = r.now();
    r.step(format!(
        "deleting master {} (preStop), recreating it",
        r.cluster.pod_name(master)
    ));
    super::planned::recreate_pod(r, master)?;
    r.sleep(1.0);
    r.planned_window = Some((from, r.now()));
    let current = (0..r.replicas())
        .filter(|&i| i != stale)
        .find_map(|i| r.sentinel_names(i))
        .context("no Sentinel names a master after the handover")?;
    r.step(format!(
        "the Sentinel of {} follows {} again",
        r.cluster.pod_name(stale),
        r.cluster.pod_name(current)
    ));
    point_sentinel(r, stale, current, Some(&kept))?;
    r.settle("the set is whole again", 45.0);
    Ok(())
}

/// Make pod `ordinal`'s Sentinel monitor pod `target` as the master (`SENTINEL REMOVE`, then
/// `MONITOR` with the same quorum), restoring `kept` settings or the ones it had. Returns
/// the settings it had, as `SENTINEL SET` arguments.
fn point_sentinel(
    r: &Rehearsal,
    ordinal: usize,
    target: usize,
    kept: Option<&[(String, String)]>,
) -> anyhow::Result<Vec<(String, String)>> {
    let spec = r.cluster.spec();
    let name = spec.master_name.as_str();
    let call = |args: &[&str]| -> anyhow::Result<Reply> {
        match r.cluster.call(ordinal, true, args, ASK)? {
            Reply::Error(e) => bail!("Sentinel of {}: {args:?}: {e}", spec.pod_name(ordinal)),
            reply => Ok(reply),
        }
    };
    let before = call(&["SENTINEL", "MASTER", name])?;
    let quorum = before.field("quorum").unwrap_or("2").to_string();
    let had: Vec<(String, String)> = KEPT
        .iter()
        .filter_map(|k| Some((k.to_string(), before.field(k)?.to_string())))
        .collect();
    call(&["SENTINEL", "REMOVE", name])?;
    let host = spec.fqdn(target);
    let port = spec.redis_port.to_string();
    call(&["SENTINEL", "MONITOR", name, &host, &port, &quorum])?;
    for (key, value) in kept.unwrap_or(&had) {
        call(&["SENTINEL", "SET", name, key, value])?;
    }
    if let Some(password) = spec.passwords.first() {
        call(&["SENTINEL", "SET", name, "auth-pass", password])?;
    }
    Ok(had)
}
