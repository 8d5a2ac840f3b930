//! Scenarios where the master fails and the Sentinels must replace it.

use super::{expect_replica_of, planned, wait_failover};
use crate::drill::network::Cut;
use crate::drill::rehearsal::Rehearsal;

/// How long past `down-after` the drill waits for a failover before calling it missing.
pub(super) const FAILOVER_GRACE: f64 = 10.0;
/// How long the drill waits for a Sentinel's answer.
const ASK: std::time::Duration = std::time::Duration::from_secs(2);
/// How long the isolated master stays cut off once the Sentinels replaced it: longer than
/// the default `min-replicas-max-lag` of earlier releases (10 s) after the isolation.
const ISOLATED_AFTER_FAILOVER: f64 = 6.0;
/// `handover-beside-returned-master`: how far into the new master's preStop the old one is
/// joined again (the hook has refused writes and asked its replicas to catch up by then).
const REJOIN_AFTER: f64 = 0.3;

/// A pod other than `old` whose Sentinel's `SENTINEL MASTER` flags show any of `flags`
/// (`o_down`: it agreed with a quorum that the master is down; `failover_in_progress`: it
/// won the election and is failing the master over).
pub(super) fn sentinel_flagging(r: &Rehearsal, old: usize, flags: &[&str]) -> Option<usize> {
    let master_name = &r.cluster.spec().master_name;
    (0..r.replicas()).filter(|&i| i != old).find(|&i| {
        r.cluster
            .call(i, true, &["SENTINEL", "MASTER", master_name], ASK)
            .ok()
            .and_then(|reply| reply.field("flags").map(str::to_string))
            .is_some_and(|shown| shown.split(',').any(|f| flags.contains(&f)))
    })
}

pub(super) fn kill_master(r: &mut Rehearsal) -> anyhow::Result<usize> {
    let master = r.master;
    r.sleep(1.5);
    r.step(format!("SIGKILL master {}", r.cluster.pod_name(master)));
    // Marked as the kill starts: on a cluster the call returns once the kill is seen to
    // have taken (the kubelet's restart), which must not shorten the failover measured.
    r.mark_fault(master);
    r.cluster.kill_pod(master)?;
    Ok(master)
}

pub fn master_down(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = kill_master(r)?;
    wait_failover(r, old, r.down_after() + FAILOVER_GRACE);
    r.sleep(2.0);
    r.step(format!("restarting {}", r.cluster.pod_name(old)));
    r.cluster.start_pod(old)?;
    r.settle("the set is whole again", 30.0);
    Ok(())
}

pub fn master_returns(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = kill_master(r)?;
    let new = wait_failover(r, old, r.down_after() + FAILOVER_GRACE);
    old_master_rejoins(r, old, new)
}

/// The killed master `old` is started again with its volume: it must join `new` (the master
/// the Sentinels named, if any) as a replica, and the set be whole again.
pub(super) fn old_master_rejoins(
    r: &mut Rehearsal,
    old: usize,
    new: Option<usize>,
) -> anyhow::Result<()> {
    r.step(format!(
        "restarting {} with its volume",
        r.cluster.pod_name(old)
    ));
    r.cluster.start_pod(old)?;
    if let Some(new) = new {
        expect_replica_of(
            r,
            "the old master joins as a replica of the new one",
            old,
            new,
            30.0,
        );
    }
    r.settle("the set is whole again", 30.0);
    Ok(())
}

pub fn master_returns_empty(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = kill_master(r)?;
    r.step(format!(
        "wiping the volume of {} and restarting it at once",
        r.cluster.pod_name(old)
    ));
    r.cluster.wipe_volumes(old)?;
    r.cluster.start_pod(old)?;
    r.sleep(r.down_after() + 2.0);
    r.settle("the set is whole again", 45.0);
    Ok(())
}

pub fn master_freeze(r: &mut Rehearsal) -> anyhow::Result<()> {
    let name = r.cluster.pod_name(r.master);
    fault_until_replaced(
        r,
        Fault {
            start: format!("SIGSTOP every process of {name}"),
            heal: format!("SIGCONT {name}"),
            apply: |r, old, on| r.cluster.freeze_pod(old, on),
            held_after_failover: 1.0,
            rejoins: "the woken master rejoins as a replica",
        },
    )
}

/// The master is cut off from its peers (their Sentinels fail over) while clients still
/// reach it: what it accepts after the new master is promoted is split brain, and lost when
/// it rejoins. `min-replicas-max-lag` must stop it first.
pub fn isolated_master(r: &mut Rehearsal) -> anyhow::Result<()> {
    cut_master(r, Cut::Both)
}

/// What the master sends its peers is dropped (a one-way firewall rule, a broken route
/// back): they still reach it, clients too. Its peers' Sentinels hear nothing from it and
/// fail over; the replicas' acknowledgements still reach it, so `min-replicas-to-write` sees
/// fresh replicas that in truth receive nothing: only `WAIT` keeps what it accepts from being
/// acknowledged.
pub fn master_mute(r: &mut Rehearsal) -> anyhow::Result<()> {
    cut_master(r, Cut::FromPod)
}

/// What the peers send the master is dropped: it still reaches them (its Sentinel's hellos
/// and its replication stream leave it) but hears none of them; clients still reach it.
pub fn master_deaf(r: &mut Rehearsal) -> anyhow::Result<()> {
    cut_master(r, Cut::ToPod)
}

/// An isolated master comes back still claiming the master role (the Sentinels convert it
/// only after it reported that role for 8 s: Sentinel's `SENTINEL_PUBLISH_PERIOD` × 4), and
/// in those seconds the new master's pod is rolled. Its `preStop` hands over to a peer that
/// answers `ROLE master`: if it took the returned old master for its successor, it would
/// replicate it, and every write acknowledged since the failover (by the new master and its
/// replica) would be replaced by the old master's older data. Found by `drill --explore`
/// (seed 11, schedule 7: a partition, then a rolling restart; docs/explore.md).
pub fn handover_beside_returned_master(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    let name = r.cluster.pod_name(old);
    r.sleep(1.5);
    r.step(format!(
        "cutting master {name} off its peers (clients still reach it)"
    ));
    r.cluster.cut_pod(old, Cut::Both, true)?;
    r.mark_fault(old);
    let Some(new) = wait_failover(r, old, r.down_after() + FAILOVER_GRACE) else {
        r.cluster.cut_pod(old, Cut::Both, false)?;
        return Ok(());
    };
    // Writes the new master accepts and its replica acknowledges: what a wrong hand-over
    // would lose.
    r.sleep(3.0);
    r.step(format!(
        "deleting the new master {}'s pod (its preStop hands over) and, {REJOIN_AFTER} s into \
         its hook, joining {name} to its peers again (it still answers ROLE master)",
        r.cluster.pod_name(new)
    ));
    // The Sentinels convert a returned master only once it has been up for 8 s, so the hook
    // sees it answering ROLE master from its first look on.
    let cluster = r.cluster;
    std::thread::scope(|scope| {
        let rejoin = scope.spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs_f64(REJOIN_AFTER));
            cluster.cut_pod(old, Cut::Both, false)
        });
        let rolled = planned::recreate_pod(r, new);
        rejoin
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("rejoining the old master panicked")))?;
        rolled
    })?;
    r.settle("the set is whole again", 30.0);
    Ok(())
}

/// The master is cut off from its peers, and the cut heals the moment their Sentinels agree
/// it is down (`o_down`: the failover starts), before the promoted replica is announced and
/// the other replica moved over. Without the isolated-master fence (docs/architecture.md
/// §18) the old master, which the Sentinels still name, takes writes again as soon as the
/// replica still attached to it acknowledges them (`WAIT 1` answers 1), and that replica
/// discards them when it resyncs from the new master. Found by `drill --explore` (seed 11,
/// schedule 22; docs/explore.md).
pub fn partition_heals_mid_failover(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    let name = r.cluster.pod_name(old);
    r.sleep(1.5);
    r.step(format!(
        "cutting master {name} off its peers (clients still reach it) until their Sentinels \
         agree it is down"
    ));
    r.cluster.cut_pod(old, Cut::Both, true)?;
    r.mark_fault(old);
    let agreed = r.wait_until(r.down_after() + FAILOVER_GRACE, || {
        sentinel_flagging(r, old, &["o_down", "failover_in_progress"])
    });
    r.step(match agreed {
        Some((_, i)) => format!(
            "the Sentinel of {} marks {name} objectively down: joining {name} to its peers again",
            r.cluster.pod_name(i)
        ),
        None => format!("no Sentinel marks {name} down: joining it to its peers again"),
    });
    r.cluster.cut_pod(old, Cut::Both, false)?;
    if let Some(new) = wait_failover(r, old, FAILOVER_GRACE) {
        expect_replica_of(
            r,
            "the isolated master rejoins as a replica",
            old,
            new,
            30.0,
        );
    }
    r.settle("the set is whole again", 30.0);
    Ok(())
}

/// Cut the master off its peers in the `cut` direction(s) until the Sentinels replaced it.
fn cut_master(r: &mut Rehearsal, cut: Cut) -> anyhow::Result<()> {
    let name = r.cluster.pod_name(r.master);
    let (start, heal, rejoins) = match cut {
        Cut::Both => (
            format!("cutting master {name} off its peers (clients still reach it)"),
            format!("joining {name} to its peers again"),
            "the isolated master rejoins as a replica",
        ),
        Cut::FromPod => (
            format!("dropping what master {name} sends its peers (they still reach it)"),
            format!("letting {name}'s frames through again"),
            "the muted master rejoins as a replica",
        ),
        Cut::ToPod => (
            format!("dropping what master {name}'s peers send it (it still reaches them)"),
            format!("letting frames to {name} through again"),
            "the deaf master rejoins as a replica",
        ),
    };
    let old = r.master;
    r.sleep(1.5);
    r.step(start);
    r.cluster.cut_pod(old, cut, true)?;
    r.mark_fault(old);
    let new = wait_failover(r, old, r.down_after() + FAILOVER_GRACE);
    r.sleep(ISOLATED_AFTER_FAILOVER);
    r.step(heal);
    r.cluster.cut_pod(old, cut, false)?;
    if let Some(new) = new {
        expect_replica_of(r, rejoins, old, new, 30.0);
    }
    r.settle("the set is whole again", 30.0);
    Ok(())
}

/// A fault on the master that it survives (a freeze, an isolation): applied, held until the
/// Sentinels replaced the master and `held_after_failover` seconds more, then healed.
struct Fault {
    start: String,
    heal: String,
    apply: fn(&Rehearsal, usize, bool) -> anyhow::Result<()>,
    held_after_failover: f64,
    rejoins: &'static str,
}

fn fault_until_replaced(r: &mut Rehearsal, fault: Fault) -> anyhow::Result<()> {
    let old = r.master;
    r.sleep(1.5);
    r.step(fault.start);
    (fault.apply)(r, old, true)?;
    r.mark_fault(old);
    let new = wait_failover(r, old, r.down_after() + FAILOVER_GRACE);
    r.sleep(fault.held_after_failover);
    r.step(fault.heal);
    (fault.apply)(r, old, false)?;
    if let Some(new) = new {
        expect_replica_of(r, fault.rejoins, old, new, 30.0);
    }
    r.settle("the set is whole again", 30.0);
    Ok(())
}
