//! `restart-beside-stale-sentinel`: a master's pod restarts while the only Sentinel that
//! answers holds an older view, one that names this pod's own replica as the master. Two
//! failovers make that view: the master freezes and is failed over to a replica; then, while
//! a third pod's Sentinel is stopped (its config on disk keeps the first failover's view), the
//! Sentinels fail back to the first pod. The first pod's pod is then killed, the other live
//! Sentinels are stopped and its own Sentinel is held at its restart: the stopped one, started
//! again from its disk, is the one that answers. Found by `drill --explore` (production seed
//! 33, schedule 5: a scale-up and down, a freeze, two node losses): the restarted pod followed
//! its own replica, the two replicated each other, a loop with no master that no Sentinel
//! undoes, and no write succeeded after the last heal (docs/architecture.md §3, "Never a
//! replica of itself").

use super::deposed::freeze_master_until_failover;
use super::failover::FAILOVER_GRACE;
use super::sentinels::sentinel_container;
use super::{expect_replica_of, wait_failover};
use crate::drill::rehearsal::Rehearsal;

/// Writes the failed-back master takes, acknowledged by its replica (`WAIT 1`), before its
/// pod is killed: what the loop would leave unreachable.
const WRITES_BEFORE_KILL: f64 = 2.0;
/// How long the restarted pod sees the one stale Sentinel only: several of its start script's
/// rounds (~1 s each), long enough for a script that follows the named replica to do so.
const STALE_ONLY: f64 = 8.0;
/// Writes must succeed again within down-after + this of the heal (the last fault healed):
/// `drill --explore`'s I3 bound.
const WRITES_BACK_SLACK: f64 = 10.0;

pub fn restart_beside_stale_sentinel(r: &mut Rehearsal) -> anyhow::Result<()> {
    let sentinel = sentinel_container(r)?;
    let redis = r.cluster.spec().redis_container.clone();
    let first = r.master;
    let name = r.cluster.pod_name(first);

    // The first failover: every Sentinel names the promoted replica.
    let Some(replica) = freeze_master_until_failover(r)? else {
        return Ok(());
    };
    r.cluster.freeze_pod(first, false)?;
    r.settle("the set is whole after the first failover", 60.0);

    // The failback, missed by one Sentinel: stopped, its disk keeps the view naming `replica`.
    // The other pods' Redis have replica-priority 0 meanwhile (Sentinel never promotes such a
    // replica), so the Sentinels can promote `first` only. Not frozen: a replica frozen with
    // the master it follows returns with it, and the two acknowledge writes until the
    // Sentinels convert that master (another hole, `deposed-master-returns-with-replica`).
    let stale = (0..r.replicas())
        .find(|&i| i != first && i != replica)
        .ok_or_else(|| anyhow::anyhow!("the scenario needs 3 pods or more"))?;
    let others: Vec<usize> = (0..r.replicas())
        .filter(|&i| i != first && i != replica)
        .collect();
    r.step(format!(
        "SIGKILL of {}'s Sentinel (kept stopped); replica-priority 0 on the pods but {name}",
        r.cluster.pod_name(stale)
    ));
    r.cluster.kill_container(stale, &sentinel)?;
    let mut priorities = Vec::new();
    for &i in &others {
        priorities.push((i, set_priority(r, i, "0")?));
    }
    r.step(format!(
        "freezing {}'s Redis (the master now)",
        r.cluster.pod_name(replica)
    ));
    r.cluster.freeze_container(replica, &redis, true)?;
    r.mark_fault(replica);
    let back = wait_failover(r, replica, r.down_after() + FAILOVER_GRACE);
    if back != Some(first) {
        r.cluster.freeze_container(replica, &redis, false)?;
        anyhow::bail!("the Sentinels did not fail back to {name}: {back:?}");
    }
    // Thawed once the other replicas follow `first`: one still following the deposed master
    // would acknowledge the writes it takes until the Sentinels convert it.
    for &i in &others {
        expect_replica_of(
            r,
            "the other replicas follow the failed-back master",
            i,
            first,
            30.0,
        );
    }
    r.cluster.freeze_container(replica, &redis, false)?;
    for (i, priority) in priorities {
        set_priority(r, i, &priority)?;
    }
    expect_replica_of(
        r,
        "the deposed master follows the failed-back one",
        replica,
        first,
        30.0,
    );
    r.sleep(WRITES_BEFORE_KILL);

    // Only the stale Sentinel answers when `first` restarts.
    r.step(format!(
        "SIGKILL of the Sentinels but {}'s (kept stopped: a frozen one would be in TILT for \
         a while once thawed) and of {name}'s pod; starting {}'s Sentinel (its view names {})",
        r.cluster.pod_name(stale),
        r.cluster.pod_name(stale),
        r.cluster.pod_name(replica)
    ));
    let live: Vec<usize> = (0..r.replicas())
        .filter(|&i| i != first && i != stale)
        .collect();
    for &i in &live {
        r.cluster.kill_container(i, &sentinel)?;
    }
    r.cluster.kill_pod(first)?;
    r.cluster.hold_container(stale, &sentinel, false)?;
    let named = r.wait_until(30.0, || r.sentinel_names(stale));
    if named.map(|(_, m)| m) != Some(replica) {
        anyhow::bail!(
            "{}'s restarted Sentinel does not name {}: {named:?}",
            r.cluster.pod_name(stale),
            r.cluster.pod_name(replica)
        );
    }
    r.step(format!(
        "restarting {name} with its Sentinel held (only {}'s answers)",
        r.cluster.pod_name(stale)
    ));
    r.cluster.start_pod(first)?;
    r.cluster.hold_container(first, &sentinel, true)?;
    r.sleep(STALE_ONLY);

    r.step(format!(
        "starting every Sentinel again: the view naming {name} is back"
    ));
    for &i in &live {
        r.cluster.hold_container(i, &sentinel, false)?;
    }
    r.cluster.hold_container(first, &sentinel, false)?;
    r.expect_writes_back(WRITES_BACK_SLACK);
    r.settle("the set is whole again", 60.0);
    Ok(())
}

/// `CONFIG SET replica-priority VALUE` on pod `ordinal`'s Redis; the value it had.
fn set_priority(r: &Rehearsal, ordinal: usize, value: &str) -> anyhow::Result<String> {
    let timeout = std::time::Duration::from_secs(2);
    let reply = r.cluster.call(
        ordinal,
        false,
        &["CONFIG", "GET", "replica-priority"],
        timeout,
    )?;
    let old = reply
        .items()
        .get(1)
        .and_then(|v| v.text())
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("CONFIG GET replica-priority: {reply:?}"))?;
    r.cluster.call(
        ordinal,
        false,
        &["CONFIG", "SET", "replica-priority", value],
        timeout,
    )?;
    Ok(old)
}
