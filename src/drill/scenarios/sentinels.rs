//! Scenarios about the Sentinels themselves: too few of them, and one restarting.

use super::wait_failover;
use crate::drill::rehearsal::Rehearsal;

/// The Redis container of the master stops (SIGKILL) and stays stopped; its Sentinel runs on.
fn stop_master_redis(r: &mut Rehearsal) -> anyhow::Result<usize> {
    let master = r.master;
    let container = r.cluster.spec().redis_container.clone();
    r.step(format!(
        "SIGKILL the Redis container of master {}",
        r.cluster.pod_name(master)
    ));
    // Marked as the kill starts (see `failover::kill_master`).
    r.mark_fault(master);
    r.cluster.kill_container(master, &container)?;
    Ok(master)
}

pub(super) fn sentinel_container(r: &Rehearsal) -> anyhow::Result<String> {
    r.cluster
        .spec()
        .sentinel_container
        .clone()
        .ok_or_else(|| anyhow::anyhow!("the pods have no Sentinel container"))
}

/// SIGKILL the Sentinels of `ordinals` and keep them stopped, or start them again.
fn hold_sentinels(r: &mut Rehearsal, ordinals: &[usize], held: bool) -> anyhow::Result<()> {
    let container = sentinel_container(r)?;
    for &i in ordinals {
        if held {
            r.step(format!("SIGKILL the Sentinel of {}", r.cluster.pod_name(i)));
            r.cluster.kill_container(i, &container)?;
        } else {
            r.step(format!(
                "starting the Sentinel of {}",
                r.cluster.pod_name(i)
            ));
            r.cluster.hold_container(i, &container, false)?;
        }
    }
    Ok(())
}

pub fn sentinel_down(r: &mut Rehearsal) -> anyhow::Result<()> {
    let replica = r.a_replica();
    hold_sentinels(r, &[replica], true)?;
    r.sleep(1.0);
    let old = stop_master_redis(r)?;
    wait_failover(r, old, r.down_after() + 10.0);
    r.sleep(1.0);
    let redis = r.cluster.spec().redis_container.clone();
    r.cluster.hold_container(old, &redis, false)?;
    hold_sentinels(r, &[replica], false)?;
    r.settle("the set is whole again", 30.0);
    Ok(())
}

pub fn sentinel_majority_down(r: &mut Rehearsal) -> anyhow::Result<()> {
    let others: Vec<usize> = (0..r.replicas()).filter(|&i| i != r.master).collect();
    let majority = r.replicas() / 2 + 1;
    let down: Vec<usize> = others
        .iter()
        .copied()
        .take(majority.min(others.len()))
        .collect();
    hold_sentinels(r, &down, true)?;
    r.sleep(1.0);
    let old = stop_master_redis(r)?;
    let watch = r.down_after() + 4.0;
    r.step(format!("watching the remaining Sentinels for {watch:.0} s"));
    let live: Vec<usize> = (0..r.replicas()).filter(|i| !down.contains(i)).collect();
    let moved = r.wait_until(watch, || {
        live.iter()
            .find_map(|&i| r.sentinel_names(i).filter(|&m| m != old))
    });
    r.check(
        "no failover without a Sentinel majority",
        moved.is_none(),
        moved.map_or("none".into(), |(t, m)| {
            format!("{} named after {t:.1} s", r.cluster.pod_name(m))
        }),
        "the minority names the old master",
    );
    hold_sentinels(r, &down, false)?;
    wait_failover(r, old, r.down_after() + 20.0);
    let redis = r.cluster.spec().redis_container.clone();
    r.step(format!(
        "starting the Redis container of {}",
        r.cluster.pod_name(old)
    ));
    r.cluster.hold_container(old, &redis, false)?;
    r.settle("after they return, all agree on one master", 45.0);
    Ok(())
}

pub fn sentinel_restart(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    r.sleep(1.0);
    r.step(format!("SIGKILL master {}", r.cluster.pod_name(old)));
    r.cluster.kill_pod(old)?;
    r.mark_fault(old);
    wait_failover(r, old, r.down_after() + 10.0);
    r.cluster.start_pod(old)?;
    let Some(current) = r.settle("the set is whole after the failover", 30.0) else {
        return Ok(());
    };
    // What the restarted Sentinel must learn is a master other than the one its pod
    // bootstrapped with. Who moved it is the failover check's business, not this one's: the
    // survivors' election, or, when that election is late (a split vote waits for
    // `min(10 s, failover-timeout)`, docs/architecture.md §16), the old master's start
    // script, which finds a replica holding more than its volume and asks for the failover
    // itself (§3, case 3).
    let restarted = 0;
    hold_sentinels(r, &[restarted], true)?;
    r.sleep(0.5);
    hold_sentinels(r, &[restarted], false)?;
    let first = r
        .wait_until(15.0, || r.sentinel_names(restarted))
        .map(|(_, m)| m);
    r.check(
        "the restarted Sentinel monitors the current master",
        first == Some(current) && current != old,
        first.map_or("no answer".into(), |m| r.cluster.pod_name(m)),
        r.cluster.pod_name(current),
    );
    let after = r.settle("the set is whole again", 30.0);
    r.check(
        "no failover after the Sentinel restart",
        after.is_none_or(|m| m == current),
        after.map_or("no master".into(), |m| r.cluster.pod_name(m)),
        r.cluster.pod_name(current),
    );
    Ok(())
}
