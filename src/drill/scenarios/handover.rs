//! Planned handovers (the master's `preStop`) beside a stale view: a Sentinel that names a
//! replica, a frozen replica the Sentinels prefer, a peer left master by a lost failover
//! race (docs/scenarios.md).

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
    roll_master(r, master)?;
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

/// The replica every Sentinel prefers is frozen (as on an overloaded node) and behind: the
/// master's `preStop` must not have it promoted without the writes it lacks (step 5 of
/// docs/architecture.md §6: it waits until the Sentinels skip it), and must ask for one
/// failover only, not a second Sentinel for another, which would promote a second replica
/// in a newer epoch ("One failover per hand-over"). The frozen replica is made the
/// Sentinels' first choice (`replica-priority 1`), frozen, and 64 KiB are written that it
/// does not get, before the master's pod is deleted; thawed 9 s later.
pub fn prestop_one_failover(r: &mut Rehearsal) -> anyhow::Result<()> {
    const THAW_AFTER: f64 = 9.0;
    let master = r.master;
    let Some(slow) = (0..r.replicas()).find(|&i| i != master) else {
        bail!("the scenario needs a replica");
    };
    let slow_name = r.cluster.pod_name(slow);
    make_first_choice(r, slow)?;
    let epoch = config_epoch(r).context("no Sentinel answered SENTINEL MASTER")?;
    r.step(format!("SIGSTOP {slow_name}'s Redis"));
    r.cluster.freeze_container(slow, "redis", true)?;
    // More stream than a replica reads from its master link in one turn of its event loop
    // (16 KiB): thawed with Sentinel's `REPLICAOF NO ONE` queued beside it, the frozen
    // replica would take the role before reading the rest, and the writes after it would be
    // lost (CI, stop 27: 105 of 773).
    r.step(format!(
        "64 KiB written to master {} that {slow_name} does not get",
        r.cluster.pod_name(master)
    ));
    let filler = "f".repeat(64 * 1024);
    r.cluster.call(
        master,
        false,
        &["SET", "prestop-one-failover:filler", &filler],
        ASK,
    )?;
    let from = r.now();
    r.step(format!(
        "deleting master {} (preStop); {slow_name} thawed after {THAW_AFTER} s",
        r.cluster.pod_name(master)
    ));
    let cluster = r.cluster;
    let deleted = std::thread::scope(|scope| {
        let deletion = scope.spawn(move || cluster.delete_pod(master));
        r.sleep(THAW_AFTER);
        let thawed = cluster.freeze_container(slow, "redis", false);
        let deleted = deletion
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the deletion panicked")));
        thawed.and(deleted)
    });
    deleted?;
    r.step(format!(
        "{slow_name} thawed; recreating {}",
        r.cluster.pod_name(master)
    ));
    r.cluster.start_pod(master)?;
    r.planned_window = Some((from, r.now()));
    r.settle("the set is whole again", 45.0);
    let after = config_epoch(r).context("no Sentinel answered SENTINEL MASTER")?;
    r.check(
        "one hand-over, one failover: the Sentinels' config epoch rose by 1",
        after == epoch + 1,
        format!("{epoch} → {after}"),
        format!("{epoch} → {}", epoch + 1),
    );
    Ok(())
}

/// The master's pod deleted (its `preStop` hands over) and recreated, as a rollout does; the
/// planned window runs from the deletion until 1 s after the pod is Ready again.
fn roll_master(r: &mut Rehearsal, master: usize) -> anyhow::Result<()> {
    let from = r.now();
    r.step(format!(
        "deleting master {} (preStop), recreating it",
        r.cluster.pod_name(master)
    ));
    super::planned::recreate_pod(r, master)?;
    r.sleep(1.0);
    r.planned_window = Some((from, r.now()));
    Ok(())
}

/// The newest `config-epoch` any Sentinel reports for the master.
fn config_epoch(r: &Rehearsal) -> Option<u64> {
    let name = r.cluster.spec().master_name.clone();
    (0..r.replicas())
        .filter_map(|i| {
            let reply = r
                .cluster
                .call(i, true, &["SENTINEL", "MASTER", &name], ASK)
                .ok()?;
            reply.field("config-epoch")?.parse().ok()
        })
        .max()
}

/// The replica `ordinal` gets `replica-priority 1`, every Sentinel's first choice; returns
/// once every Sentinel has read it (they ask a replica's `INFO` every 10 s), at most 15 s.
pub(super) fn make_first_choice(r: &mut Rehearsal, ordinal: usize) -> anyhow::Result<()> {
    let name = r.cluster.pod_name(ordinal);
    r.step(format!(
        "{name} gets replica-priority 1: every Sentinel's first choice"
    ));
    r.cluster.call(
        ordinal,
        false,
        &["CONFIG", "SET", "replica-priority", "1"],
        ASK,
    )?;
    let spec = r.cluster.spec();
    let address = format!("{}:{}", spec.fqdn(ordinal), spec.redis_port);
    let known = r.wait_until(15.0, || {
        (0..r.replicas())
            .all(|i| sentinel_priority(r, i, &address).as_deref() == Some("1"))
            .then_some(())
    });
    if known.is_none() {
        bail!("the Sentinels did not see {name}'s replica-priority 1 within 15 s");
    }
    Ok(())
}

/// The `slave-priority` Sentinel `ordinal` last read from the replica at `address`.
fn sentinel_priority(r: &Rehearsal, ordinal: usize, address: &str) -> Option<String> {
    let name = &r.cluster.spec().master_name;
    let reply = r
        .cluster
        .call(ordinal, true, &["SENTINEL", "REPLICAS", name], ASK)
        .ok()?;
    reply
        .items()
        .iter()
        .find(|replica| replica.field("name") == Some(address))
        .and_then(|replica| replica.field("slave-priority"))
        .map(str::to_string)
}

/// `handover-beside-lost-promotion`: how long the peer answers `ROLE master` before the
/// master's pod is deleted (writes flow meanwhile; the Sentinels convert it only once it
/// reported the role for 8 s, Sentinel's `SENTINEL_PUBLISH_PERIOD` × 4).
const LOST_PROMOTION_LEAD: f64 = 2.0;

/// A replica promoted by a failover that lost its race (its Sentinels followed a newer
/// master's hello before they confirmed it: explore seed 28, schedule 24, `kind`) answers
/// `ROLE master` with the master's replication ID as its second one, forked at the offset it
/// was promoted at, and no Sentinel names it. Staged as that server state: `REPLICAOF NO ONE`
/// on the replica the master's `preStop` would choose as its successor, writes acknowledged
/// by the other replica for LOST_PROMOTION_LEAD seconds, then the master's pod deleted
/// (preStop) and recreated. A hook that stepped down to that peer, or had the Sentinels
/// promote it, would replace every write since the fork (docs/architecture.md §6, "Only to
/// a successor holding the whole stream").
pub fn handover_beside_lost_promotion(r: &mut Rehearsal) -> anyhow::Result<()> {
    let master = r.master;
    // The replica the hook ranks first (redis-prestop.sh, choose_successor): the highest
    // ordinal above the master's, else the lowest.
    let replicas = (0..r.replicas()).filter(|&i| i != master);
    let Some(peer) = replicas
        .clone()
        .filter(|&i| i > master)
        .max()
        .or_else(|| replicas.min())
    else {
        bail!("the scenario needs a replica");
    };
    if r.replicas() < 3 {
        bail!("the scenario needs a second replica to acknowledge writes");
    }
    let peer_name = r.cluster.pod_name(peer);
    r.sleep(1.5);
    r.step(format!(
        "REPLICAOF NO ONE on replica {peer_name}: a promotion no Sentinel names"
    ));
    r.cluster
        .call(peer, false, &["REPLICAOF", "NO", "ONE"], ASK)?;
    r.sleep(LOST_PROMOTION_LEAD);
    roll_master(r, master)?;
    r.settle("the set is whole again", 45.0);
    Ok(())
}
