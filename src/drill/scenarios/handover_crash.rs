//! `handover-target-crash`: a planned hand-over whose new master's `redis-server` crashes the
//! moment the old master's hook followed it, before the leader's `INFO` confirms the
//! promotion, while the old master's pod stays away (a scale-down removes it for good; a drained node keeps it
//! Pending). Found by `drill --explore` (production seed 28, schedule 11): the leader waits
//! `failover-timeout` for the promotion, and Sentinel retries only 2 × `failover-timeout`
//! after its attempt, so the set had no master for ~21 s; the restarted target now asks the
//! stalled failover again (docs/architecture.md §3, "A stalled failover is asked again").

use crate::drill::cluster::Cluster;
use crate::drill::rehearsal::{Rehearsal, Role};
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
/// How long the drill waits for the old master to follow the promoted replica.
const HAND_OVER_WAIT: f64 = 3.0;

pub fn handover_target_crash(r: &mut Rehearsal) -> anyhow::Result<()> {
    let master = r.master;
    let container = r.cluster.spec().redis_container.clone();
    let replicas: Vec<usize> = (0..r.replicas()).filter(|&i| i != master).collect();
    r.sleep(1.5);
    r.step(format!(
        "deleting master {} (preStop hands over; the pod stays away {AWAY} s); the first \
         replica to answer ROLE master has its redis-server SIGKILLed once the hook follows it",
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
                    // Once the hook handed over (the old master replicates the target): the
                    // explorer's crash came 0.2 s after the promotion, the hook gone. Killed
                    // sooner, the hook still waits and asks again itself.
                    let handed = followed(r, master, i);
                    let at = r.now();
                    let killed = match handed {
                        true => cluster.crash_container(i, &container),
                        false => Err(anyhow::anyhow!(
                            "{} did not follow {} within {HAND_OVER_WAIT} s",
                            cluster.pod_name(master),
                            cluster.pod_name(i)
                        )),
                    };
                    crashed = Some((i, at, killed));
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
        "{} answered ROLE master and the hook followed it: its redis-server SIGKILLed \
         {:.2} s after the deletion started (the kubelet restarts it in place)",
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

/// Whether the old master follows `target` within HAND_OVER_WAIT, asked every 10 ms.
fn followed(r: &Rehearsal, master: usize, target: usize) -> bool {
    let until = r.now() + HAND_OVER_WAIT;
    while r.now() < until {
        if matches!(r.role(master), Some(Role::Replica(Some(m), _)) if m == target) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}
