//! Injecting one fault of a schedule into the running set, and healing it.

use super::catalogue::{DNS_LATE_SECONDS, FaultKind};
use super::schedule::{Fault, Start};
use crate::drill::cluster::Cluster;
use crate::drill::dns::Fault as DnsFault;
use crate::drill::network::Cut;
use crate::drill::probe::{self, Discovery};
use crate::drill::rehearsal::Rehearsal;
use crate::drill::rollout;
use crate::drill::scenarios::planned::{self, delete_all};
use crate::drill::scenarios::rotation;
use crate::drill::stalled;
use anyhow::{Context, bail};
use std::time::Duration;

/// What undoes an injected fault once its duration is over.
#[derive(Clone, Debug, PartialEq)]
pub enum Heal {
    StartContainer(usize, String),
    StartPod(usize),
    Thaw(usize),
    Reconnect(usize),
    Uncut(usize, Cut),
    /// Lift the cut between the two pods (the fault's target first).
    UncutPair(usize, usize),
    /// Lift the DNS fault (the fault's pod, if it targets one).
    Dns(usize),
    /// The lost node comes back, rebooted.
    RestoreNode(usize),
    /// The other pods' Sentinels reach this pod's Redis again.
    SentinelsReach(usize),
}

impl Heal {
    pub fn ordinal(&self) -> usize {
        match self {
            Heal::StartContainer(i, _)
            | Heal::StartPod(i)
            | Heal::Thaw(i)
            | Heal::Reconnect(i)
            | Heal::Uncut(i, _)
            | Heal::UncutPair(i, _)
            | Heal::Dns(i)
            | Heal::RestoreNode(i)
            | Heal::SentinelsReach(i) => *i,
        }
    }

    pub fn apply(&self, cluster: &dyn Cluster) -> anyhow::Result<()> {
        match self {
            Heal::StartContainer(i, container) => cluster.hold_container(*i, container, false),
            Heal::StartPod(i) => cluster.start_pod(*i),
            Heal::Thaw(i) => cluster.freeze_pod(*i, false),
            Heal::Reconnect(i) => cluster.partition_pod(*i, false),
            Heal::Uncut(i, cut) => cluster.cut_pod(*i, *cut, false),
            Heal::UncutPair(i, j) => cluster.cut_between(*i, *j, false),
            Heal::Dns(_) => cluster.dns_fault(None),
            Heal::RestoreNode(i) => cluster.restore_node(*i),
            Heal::SentinelsReach(i) => cluster.cut_from_sentinels(*i, false),
        }
    }
}

/// The ordinal of a pod named in a schedule.
pub fn ordinal_of(cluster: &dyn Cluster, pod: &str) -> anyhow::Result<usize> {
    (0..cluster.spec().replicas)
        .find(|&i| cluster.pod_name(i) == pod)
        .with_context(|| {
            format!(
                "the schedule names pod {pod:?}, which the set ({} pods) does not have",
                cluster.spec().replicas
            )
        })
}

fn container(cluster: &dyn Cluster, role: &str) -> anyhow::Result<String> {
    let spec = cluster.spec();
    match role {
        "redis" => Ok(spec.redis_container.clone()),
        "sentinel" => spec
            .sentinel_container
            .clone()
            .context("the pods have no Sentinel container"),
        other => bail!("unknown container role {other:?}: use `redis` or `sentinel`"),
    }
}

/// Inject `fault`. Whole-set faults run to their end here (`None`); the others return what
/// heals them after `fault.duration`. `down` is set to when the last pod the fault stops
/// was down (the end of a graceful stop: writes acknowledged until then may be lost without
/// `WAIT`). `Err(finding)` of `Ok(Err)`: the fault showed a
/// problem of the set (a rollout that stalls), not of the drill.
pub fn inject(
    r: &mut Rehearsal,
    fault: &Fault,
    down: &mut f64,
) -> anyhow::Result<Result<Option<Heal>, String>> {
    let cluster = r.cluster;
    let target = || ordinal_of(cluster, &fault.target);
    Ok(Ok(match fault.fault {
        FaultKind::KillRedis | FaultKind::KillSentinel => {
            let role = if fault.fault == FaultKind::KillRedis {
                "redis"
            } else {
                "sentinel"
            };
            let (i, name) = (target()?, container(cluster, role)?);
            cluster.kill_container(i, &name)?;
            Some(Heal::StartContainer(i, name))
        }
        FaultKind::KillPod => {
            let i = target()?;
            cluster.kill_pod(i)?;
            Some(Heal::StartPod(i))
        }
        FaultKind::FreezeShort | FaultKind::FreezeLong => {
            let i = target()?;
            cluster.freeze_pod(i, true)?;
            Some(Heal::Thaw(i))
        }
        FaultKind::Partition => {
            let i = target()?;
            cluster.partition_pod(i, true)?;
            Some(Heal::Reconnect(i))
        }
        FaultKind::NodeLoss => {
            let i = target()?;
            cluster.lose_node(i)?;
            Some(Heal::RestoreNode(i))
        }
        FaultKind::Isolate | FaultKind::OneWayCut => {
            let i = target()?;
            let cut = match (fault.fault, fault.direction.as_deref()) {
                (FaultKind::Isolate, _) => Cut::Both,
                (_, Some("from-pod")) => Cut::FromPod,
                (_, Some("to-pod")) => Cut::ToPod,
                (_, other) => {
                    bail!("one-way-cut needs `direction`: `from-pod` or `to-pod`, not {other:?}")
                }
            };
            cluster.cut_pod(i, cut, true)?;
            Some(Heal::Uncut(i, cut))
        }
        FaultKind::CutBetween => {
            let i = target()?;
            let peer = fault
                .peer
                .as_deref()
                .context("cut-between needs `peer`: the other pod of the cut")?;
            let j = ordinal_of(cluster, peer)?;
            if i == j {
                bail!("cut-between needs two different pods, not {peer} twice");
            }
            cluster.cut_between(i, j, true)?;
            Some(Heal::UncutPair(i, j))
        }
        FaultKind::PartitionMasterSentinels => {
            let Some(i) = probe::sentinel_master(cluster, Discovery::EveryPod) else {
                r.step("no Sentinel names a master: nothing to cut");
                return Ok(Ok(None));
            };
            r.step(format!("the Sentinels name {}", cluster.pod_name(i)));
            cluster.cut_from_sentinels(i, true)?;
            Some(Heal::SentinelsReach(i))
        }
        FaultKind::DnsNone => {
            cluster.dns_fault(Some(DnsFault::Down))?;
            Some(Heal::Dns(0))
        }
        FaultKind::DnsLate => {
            let late = Duration::from_secs_f64(DNS_LATE_SECONDS);
            cluster.dns_fault(Some(DnsFault::Slow(late)))?;
            Some(Heal::Dns(0))
        }
        FaultKind::DnsStale => {
            let i = target()?;
            cluster.dns_fault(Some(DnsFault::Stale))?;
            cluster.kill_pod(i)?;
            *down = r.now();
            cluster.start_pod(i)?;
            Some(Heal::Dns(i))
        }
        FaultKind::WipePvc => {
            let i = target()?;
            cluster.kill_pod(i)?;
            cluster.wipe_volumes(i)?;
            Some(Heal::StartPod(i))
        }
        FaultKind::DelayedStart => {
            let i = target()?;
            let name = container(cluster, fault.container.as_deref().unwrap_or("sentinel"))?;
            cluster.delete_pod(i)?;
            cluster.start_pod(i)?;
            cluster.hold_container(i, &name, true)?;
            Some(Heal::StartContainer(i, name))
        }
        FaultKind::RestartAll | FaultKind::RestartAllWipe | FaultKind::OneMissing => {
            delete_all(cluster)?;
            *down = r.now();
            if fault.fault == FaultKind::RestartAllWipe {
                cluster.wipe_volumes(target()?)?;
            }
            start_in_order(r, &fault.starts)?;
            None
        }
        FaultKind::StaggeredStopWipe => {
            stop_in_order(r, &fault.stops)?;
            *down = r.now();
            cluster.wipe_volumes(target()?)?;
            start_in_order(r, &fault.starts)?;
            None
        }
        FaultKind::RollingRestart => {
            for i in (0..cluster.spec().replicas).rev() {
                cluster.delete_pod(i)?;
                *down = r.now();
                cluster.start_pod(i)?;
                if r.wait_until(60.0, || cluster.is_ready(i).then_some(()))
                    .is_none()
                {
                    return Ok(Err(format!(
                        "{} was not Ready within 60 s: the rollout would stop there",
                        cluster.pod_name(i)
                    )));
                }
            }
            None
        }
        FaultKind::Scale => {
            let resized = stalls(rollout::apply(r))?;
            if resized.is_ok() {
                r.sleep(fault.duration);
            }
            // Back to the original size even after a stall, as a user would roll back.
            let back = stalls(rollout::apply(r))?;
            *down = r.now();
            if let Err(stalled) = resized.and(back) {
                return Ok(Err(stalled));
            }
            None
        }
        FaultKind::PasswordRotation => {
            let rotated = stalls(rotation::rotate(r).map(|_| ()))?;
            *down = r.now();
            if let Err(stalled) = rotated {
                return Ok(Err(stalled));
            }
            None
        }
    }))
}

/// A stalled rollout as a finding about the set (`Ok(Err)`); the drill's own errors as errors.
fn stalls(result: anyhow::Result<()>) -> anyhow::Result<Result<(), String>> {
    match result {
        Ok(()) => Ok(Ok(())),
        Err(err) => match stalled::finding(&err) {
            Some(finding) => Ok(Err(finding)),
            None => Err(err),
        },
    }
}

/// Delete every pod gracefully, each at its delay after now (in order of delay, each deletion
/// starting at its time whether the one before is over or not); back once all are gone.
fn stop_in_order(r: &mut Rehearsal, stops: &[Start]) -> anyhow::Result<()> {
    let cluster = r.cluster;
    // (delay, ordinal), each pod resolved once, in order of delay.
    let mut plan = stops
        .iter()
        .map(|s| Ok((s.after, ordinal_of(cluster, &s.pod)?)))
        .collect::<anyhow::Result<Vec<(f64, usize)>>>()?;
    plan.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut ordinals: Vec<usize> = plan.iter().map(|&(_, i)| i).collect();
    ordinals.sort_unstable();
    ordinals.dedup();
    if ordinals.len() != stops.len() || ordinals.len() != cluster.spec().replicas {
        bail!(
            "staggered-stop-wipe needs `stops` naming each of the set's {} pods once",
            cluster.spec().replicas
        );
    }
    let from = r.now();
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for (after, i) in plan {
            r.sleep(from + after - r.now());
            handles.push(scope.spawn(move || cluster.delete_pod(i)));
        }
        planned::join_deletions(handles)
    })
}

/// Start pods at their delays after now, in order of delay.
fn start_in_order(r: &mut Rehearsal, starts: &[Start]) -> anyhow::Result<()> {
    let from = r.now();
    let mut ordered: Vec<&Start> = starts.iter().collect();
    ordered.sort_by(|a, b| a.after.total_cmp(&b.after));
    for start in ordered {
        let i = ordinal_of(r.cluster, &start.pod)?;
        r.sleep(from + start.after - r.now());
        r.cluster.start_pod(i)?;
    }
    Ok(())
}
