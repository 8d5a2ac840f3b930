//! `orphan-promotion` (docs/scenarios.md): the Sentinel that leads a failover promotes the
//! replica in its own pod, and that pod is cut off its peers before the leader tells anyone.
//! Found by `drill --explore` (seed 12, schedule 4; docs/explore.md), whose replay takes
//! this path only sometimes; this plays it every time.

use super::ask::{redis, sentinel};
use super::expect_replica_of;
use crate::drill::network::Cut;
use crate::drill::rehearsal::{Rehearsal, Role};
use crate::resp::Reply;
use anyhow::{Context, bail};
use std::time::Duration;

/// How often the replica the leader will promote is asked `ROLE`. The leader confirms the
/// promotion, and announces it in hellos at once, only at its next `INFO` of that replica:
/// Sentinel sends a replica `INFO` every second once the master is objectively down, and
/// the last one went out as the failover started, a few hundred ms before the promotion.
/// The cut must come before the next.
const POLL: Duration = Duration::from_millis(50);
/// How much longer than their own the voters' Sentinels wait before judging the master down
/// themselves: longer than the cut lasts, so they never start an election of their own.
const VOTER_EXTRA_MS: u64 = 30_000;
/// How long the promoted pod stays cut off after the old master's cut healed: without the
/// fence's election check (before 5b5a57c) the old master took writes again 2.5–3.8 s
/// after the heal (10 runs), and its replica acknowledged them until the newer config won.
const ORPHAN_HOLD: f64 = 4.0;
/// How long past `down-after` the drill waits for the promotion.
const PROMOTION_GRACE: f64 = 10.0;

/// Sentinel leaves two things to chance that the path needs (the explorer's replay takes it
/// only sometimes); the drill steers both, and puts them back once the cuts heal:
/// - **who leads the election:** the first Sentinel to see the master objectively down asks
///   the others for their vote, and each votes for the first that asks in an epoch
///   (docs/architecture.md §16). The promoted pod's Sentinel gets `quorum 1` (it judges the
///   master objectively down on its own view) and every other replica's Sentinel a
///   `down-after-milliseconds` 30 s longer: it never judges the master down during the cut,
///   but votes for the first candidate that asks, as redis-1's did in the explorer's run;
/// - **which replica it promotes:** Sentinel chooses by `replica-priority` first (Sentinel
///   docs, "Replica selection and priority"): the promoted pod gets priority 1. Its
///   Sentinel reads it in time without a wait: it sends each replica `INFO` every 10 s,
///   but every second once the master is objectively down, so the `INFO` it chooses by
///   went out at most a second before that moment (the failover's start, down-after after
///   the cut) or at it, and both are after the priority was set.
///
/// Then: what the master's peers send it is dropped (a one-way cut, as `master-deaf`:
/// clients and the probe still reach it); the moment the steered replica answers `ROLE
/// master` its pod is cut off its peers (frames dropped both ways, as `isolated-master`):
/// its Sentinel still reaches its own Redis and confirms the promotion (its config for the
/// master now at the newer epoch), but tells no one. The old master's cut heals:
/// its own Sentinel and the voters', a majority, name it again at the old epoch, while the
/// voters' last vote is for the newer election. The probe keeps writing with `WAIT` for
/// `ORPHAN_HOLD` seconds; then the promoted pod joins its peers again, the newer config
/// wins, and the replica still attached to the old master resyncs from the promoted one:
/// every write the old master took meanwhile would be lost. Its fence must hold
/// (docs/architecture.md §18, "An election it did not hear the end of").
///
/// Not a partition (the pod's link down, the explorer's fault): that also cuts the pod off
/// the cluster DNS, and its Sentinel, which resolves names in its event loop, stalled
/// (`+tilt` about 4 s after the partition, before its next `INFO` of the promoted replica):
/// it never confirmed the promotion and aborted the failover when `failover-timeout` ran
/// out (`-failover-abort-slave-timeout`), so no newer config existed and no write was at
/// stake (2 runs, both so).
pub fn orphan_promotion(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    let promoted = r.a_replica();
    let voters: Vec<usize> = (0..r.replicas())
        .filter(|&i| i != old && i != promoted)
        .collect();
    if voters.is_empty() {
        bail!("the scenario needs two replicas");
    }
    let steered = steer(r, promoted, &voters)?;
    let played = play(r, old, promoted, &voters);
    let restored = steered.restore(r);
    played?;
    restored?;
    expect_replica_of(
        r,
        "the old master follows the promoted pod (the leader's newer config wins)",
        old,
        promoted,
        30.0,
    );
    r.settle("the set is whole again", 30.0);
    Ok(())
}

/// What `steer` changed, to put back.
struct Steered {
    promoted: usize,
    priority: String,
    quorum: String,
    down_after: Vec<(usize, String)>,
}

impl Steered {
    fn restore(&self, r: &mut Rehearsal) -> anyhow::Result<()> {
        r.step("putting back the quorum, down-after and replica-priority the drill steered");
        let name = r.cluster.spec().master_name.clone();
        sentinel(
            r,
            self.promoted,
            &["SENTINEL", "SET", &name, "quorum", &self.quorum],
        )?;
        for (voter, ms) in &self.down_after {
            sentinel(
                r,
                *voter,
                &["SENTINEL", "SET", &name, "down-after-milliseconds", ms],
            )?;
        }
        redis(
            r,
            self.promoted,
            &["CONFIG", "SET", "replica-priority", &self.priority],
        )?;
        Ok(())
    }
}

fn steer(r: &mut Rehearsal, promoted: usize, voters: &[usize]) -> anyhow::Result<Steered> {
    let spec = r.cluster.spec();
    let name = spec.master_name.clone();
    let promoted_name = spec.pod_name(promoted);
    r.step(format!(
        "steering the next failover: {promoted_name}'s Sentinel leads it (quorum 1; the \
         other replicas' Sentinels judge the master down {} s later than theirs) and \
         promotes {promoted_name} (replica-priority 1)",
        VOTER_EXTRA_MS / 1000
    ));
    let priority = redis(r, promoted, &["CONFIG", "GET", "replica-priority"])?
        .items()
        .get(1)
        .and_then(Reply::text)
        .context("CONFIG GET replica-priority: no value")?
        .to_string();
    let quorum = sentinel(r, promoted, &["SENTINEL", "MASTER", &name])?
        .field("quorum")
        .context("SENTINEL MASTER: no quorum")?
        .to_string();
    let mut steered = Steered {
        promoted,
        priority,
        quorum,
        down_after: Vec::new(),
    };
    for &voter in voters {
        let ms = sentinel(r, voter, &["SENTINEL", "MASTER", &name])?
            .field("down-after-milliseconds")
            .context("SENTINEL MASTER: no down-after-milliseconds")?
            .to_string();
        let longer = ms.parse::<u64>().context("down-after-milliseconds")? + VOTER_EXTRA_MS;
        sentinel(
            r,
            voter,
            &[
                "SENTINEL",
                "SET",
                &name,
                "down-after-milliseconds",
                &longer.to_string(),
            ],
        )?;
        steered.down_after.push((voter, ms));
    }
    sentinel(r, promoted, &["SENTINEL", "SET", &name, "quorum", "1"])?;
    redis(r, promoted, &["CONFIG", "SET", "replica-priority", "1"])?;
    Ok(steered)
}

fn play(r: &mut Rehearsal, old: usize, promoted: usize, voters: &[usize]) -> anyhow::Result<()> {
    let spec = r.cluster.spec();
    let name = spec.master_name.clone();
    let (old_name, promoted_name) = (spec.pod_name(old), spec.pod_name(promoted));
    let leader_id = sentinel(r, promoted, &["SENTINEL", "MYID"])?
        .text()
        .context("SENTINEL MYID: no id")?
        .to_string();
    // The master's address as the voters' Sentinels know it, to ask them for their vote.
    let master_host = sentinel(r, voters[0], &["SENTINEL", "MASTER", &name])?
        .field("ip")
        .context("SENTINEL MASTER: no ip")?
        .to_string();
    r.sleep(1.0);
    r.step(format!(
        "dropping what master {old_name}'s peers send it (it still reaches them, clients \
         reach it); cutting {promoted_name} off its peers the moment it answers ROLE master"
    ));
    r.cluster.cut_pod(old, Cut::ToPod, true)?;
    r.mark_fault(old);
    let deadline = r.now() + r.down_after() + PROMOTION_GRACE;
    while r.role(promoted) != Some(Role::Master) {
        if r.now() > deadline {
            r.cluster.cut_pod(old, Cut::ToPod, false)?;
            bail!(
                "{promoted_name} was not promoted within {:.0} s of the cut",
                r.down_after() + PROMOTION_GRACE
            );
        }
        std::thread::sleep(POLL);
    }
    r.cluster.cut_pod(promoted, Cut::Both, true)?;
    r.step(format!(
        "{promoted_name} answers ROLE master: cut off its peers (both ways; clients still reach it)"
    ));
    check_leader(r, voters, &master_host, &leader_id);
    r.step(format!("letting frames to {old_name} through again"));
    r.cluster.cut_pod(old, Cut::ToPod, false)?;
    r.sleep(ORPHAN_HOLD);
    let outside: Vec<usize> = (0..r.replicas()).filter(|&i| i != promoted).collect();
    let names: Vec<Option<usize>> = outside.iter().map(|&i| r.sentinel_names(i)).collect();
    r.check(
        "the promotion stayed behind the cut: every Sentinel outside it names the old master",
        names.iter().all(|&m| m == Some(old)),
        names
            .iter()
            .zip(&outside)
            .map(|(m, &i)| {
                format!(
                    "{}: {}",
                    r.cluster.pod_name(i),
                    m.map_or("no answer".into(), |m| r.cluster.pod_name(m))
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        format!("{old_name} everywhere"),
    );
    r.step(format!("joining {promoted_name} to its peers again"));
    r.cluster.cut_pod(promoted, Cut::Both, false)?;
    Ok(())
}

/// Each voter's last vote (`SENTINEL IS-MASTER-DOWN-BY-ADDR` with epoch 0 casts none) must
/// be for the promoted pod's Sentinel, in an election newer than the config it holds: else
/// the steering failed and the path was not played.
fn check_leader(r: &mut Rehearsal, voters: &[usize], master_host: &str, leader_id: &str) {
    let name = r.cluster.spec().master_name.clone();
    let port = r.cluster.spec().redis_port.to_string();
    let mut steered = true;
    let mut seen = Vec::new();
    for &v in voters {
        let vote = sentinel(
            r,
            v,
            &[
                "SENTINEL",
                "IS-MASTER-DOWN-BY-ADDR",
                master_host,
                &port,
                "0",
                "drill",
            ],
        )
        .ok();
        let item = |i: usize| vote.as_ref().and_then(|v| v.items().get(i).cloned());
        let leader = item(1).and_then(|l| l.text().map(str::to_string));
        let vote_epoch = match item(2) {
            Some(Reply::Int(e)) => u64::try_from(e).ok(),
            _ => None,
        };
        let config_epoch = sentinel(r, v, &["SENTINEL", "MASTER", &name])
            .ok()
            .and_then(|m| m.field("config-epoch").and_then(|e| e.parse::<u64>().ok()));
        steered &= leader.as_deref() == Some(leader_id)
            && vote_epoch.zip(config_epoch).is_some_and(|(v, c)| v > c);
        let show = |e: Option<u64>| e.map_or("?".to_string(), |e| e.to_string());
        seen.push(format!(
            "{}: last vote {} in epoch {}, config epoch {}",
            r.cluster.pod_name(v),
            match leader.as_deref() {
                Some(l) if l == leader_id => "for the leader",
                Some(l) => l,
                None => "unknown",
            },
            show(vote_epoch),
            show(config_epoch)
        ));
    }
    r.check(
        "the promoted pod's Sentinel led the failover (steered); the voters hold an older config",
        steered,
        seen.join("; "),
        "every voter's last vote for it, in an epoch beyond its config epoch",
    );
}
