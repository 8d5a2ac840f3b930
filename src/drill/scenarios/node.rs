//! A lost node (docs/scenarios.md `node-loss`): the master's node goes dark, as when it
//! loses power. Unlike a killed pod, nothing answers for it: no RST, no ICMP, so every
//! connection to it hangs until its own timeout, and with the kubelet gone nothing reports,
//! restarts or replaces the pod.

use super::failover::FAILOVER_GRACE;
use super::{expect_replica_of, wait_failover};
use crate::drill::rehearsal::Rehearsal;

/// The failover's bound past down-after. A second more than for a killed master: a Sentinel
/// counts down-after from the oldest PING left unanswered on a live link, and from the last
/// reply only once the link is closed (`sentinelCheckSubjectivelyDown` in Redis's
/// sentinel.c); a refused connection closes it at once, a silent drop never does, so the
/// down-after of a lost node starts up to one PING period (1 s) later. `isolated-master`,
/// silent too, measured 7.1–7.3 s on production.
pub const FAILOVER_SLACK: f64 = 3.0;
/// How long the node stays lost once the Sentinels replaced its master: the gateway writes
/// to the new master and finds Sentinel through a client Service that still holds the lost
/// pod (publishNotReadyAddresses).
const LOST_AFTER_FAILOVER: f64 = 8.0;
/// From the failover on, the probe's write to the lost master times out and it rediscovers:
/// every write after this much must succeed.
const REDISCOVERY: f64 = 2.0;

/// The master's node is lost; the Sentinels must fail over within down-after + 3 s (the
/// lost pod's Sentinel is gone with it), every write must succeed once the new master is
/// named while the node stays lost, and when the node comes back rebooted the pod rejoins as
/// a replica of the new master with its claim.
pub fn node_loss(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    let name = r.cluster.pod_name(old);
    r.sleep(1.5);
    r.step(format!(
        "losing the node of master {name}: every frame to or from it dropped without an \
         answer, its processes stopped, its kubelet gone (the pod stays Ready, nothing \
         replaces it)"
    ));
    r.mark_fault(old);
    r.cluster.lose_node(old)?;
    let Some(new) = wait_failover(r, old, r.down_after() + FAILOVER_GRACE) else {
        r.cluster.restore_node(old)?;
        r.settle("the set is whole again", 30.0);
        return Ok(());
    };
    let from = r.now() + REDISCOVERY;
    r.sleep(LOST_AFTER_FAILOVER);
    if let Some(behind) = r.cluster.sentinel_endpoints()
        && r.cluster
            .spec()
            .sentinel_service()
            .is_some_and(|s| s.publish_not_ready)
    {
        r.check(
            "the lost pod stays behind the client Service (publishNotReadyAddresses: its \
             pod is not deleted while its node is away)",
            behind.contains(&old),
            format!("{behind:?}"),
            format!("holds {old}"),
        );
    }
    r.steady_window = Some((from, r.now(), new));
    r.step(format!(
        "the node of {name} comes back rebooted: the pod starts again, in a new sandbox, with \
         its claim"
    ));
    r.cluster.restore_node(old)?;
    expect_replica_of(
        r,
        "the lost master rejoins as a replica of the new one",
        old,
        new,
        30.0,
    );
    r.settle("the set is whole again", 30.0);
    Ok(())
}
