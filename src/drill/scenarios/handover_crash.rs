//! `handover-target-crash`: a planned hand-over whose new master's `redis-server` crashes the
//! moment it takes the role, before the leader's `INFO` confirms the promotion, while the old
//! master's pod stays away (a scale-down removes it for good; a drained node keeps it
//! Pending). Found by `drill --explore` (production seed 28, schedule 11). **Open**
//! (docs/architecture.md "Known limits"): it fails on today's scripts, so `make test` leaves
//! it out (tests/drill.rs, `OPEN_HOLES`).

use crate::drill::cluster::Cluster;
use crate::drill::rehearsal::Rehearsal;
use std::time::Duration;

/// How long the old master's pod stays away after its deletion: longer than Sentinel's
/// abort (`failover-timeout`) and retry (2 × `failover-timeout` after the attempt) on the
/// shipped profiles, as for a pod that does not come back.
const AWAY: f64 = 30.0;
/// How long the drill watches the replicas for the promotion once the deletion started.
const WATCH: f64 = 25.0;
/// Writes must succeed again within down-after + this of the crash: `drill --explore`'s I3
/// bound.
const WRITES_BACK_SLACK: f64 = 10.0;
const ASK: Duration = Duration::from_millis(200);

pub fn handover_target_crash(r: &mut Rehearsal) -> anyhow::Result<()> {
    let master = r.master;
    let container = r.cluster.spec().redis_container.clone();
    let replicas: Vec<usize> = (0..r.replicas()).filter(|&i| i != master).collect();
    r.sleep(1.5);
    r.step(format!(
        "deleting master {} (preStop hands over; the pod stays away {AWAY} s); the first \
         replica to answer ROLE master has its redis-server SIGKILLed at once",
        r.cluster.pod_name(master)
    ));
    let cluster = r.cluster;
    let deleted_at = r.now();
    let (crashed, deleted) = std::thread::scope(|scope| {
        let deletion = scope.spawn(move || cluster.delete_pod(master));
        let mut crashed = None;
        while crashed.is_none() && r.now() - deleted_at < WATCH {
            match replicas
                .iter()
                .copied()
                .find(|&i| answers_master(cluster, i))
            {
                Some(i) => {
                    let at = r.now();
                    crashed = Some((i, at, cluster.crash_container(i, &container)));
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        let deleted = deletion
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the deletion panicked")));
        (crashed, deleted)
    });
    deleted?;
    let Some((target, at, killed)) = crashed else {
        anyhow::bail!("no replica answered ROLE master within {WATCH} s of the deletion");
    };
    killed?;
    r.step(format!(
        "{} answered ROLE master {:.2} s after the deletion started: its redis-server \
         SIGKILLed (the kubelet restarts it in place)",
        r.cluster.pod_name(target),
        at - deleted_at
    ));
    r.writes_back = Some((at, r.down_after() + WRITES_BACK_SLACK));
    r.sleep(AWAY - (r.now() - deleted_at));
    r.step(format!("recreating {}", r.cluster.pod_name(master)));
    r.cluster.start_pod(master)?;
    r.settle("the set is whole again", 45.0);
    Ok(())
}

/// Whether pod `ordinal`'s Redis answers `ROLE master`.
fn answers_master(cluster: &dyn Cluster, ordinal: usize) -> bool {
    cluster
        .call(ordinal, false, &["ROLE"], ASK)
        .is_ok_and(|reply| reply.items().first().and_then(|f| f.text()) == Some("master"))
}
