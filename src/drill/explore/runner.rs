//! Running one schedule on a fresh set: bootstrap, the probe and the sampler throughout,
//! each fault at its time and healed after its duration, then the recovery watch (I3).

use super::catalogue::FaultKind;
use super::inject::{Heal, inject, ordinal_of};
use super::report::Violation;
use super::schedule::{Fault, Schedule, Start};
use crate::drill::cluster::Cluster;
use crate::drill::probe::{self, Discovery};
use crate::drill::rehearsal::{Rehearsal, Role};
use crate::drill::scenarios::{Recorded, record};

/// How a run tells its progress: `schedule 3/10, fault 2/6: partition redis-1 for 7.5 s`.
pub struct Progress {
    pub label: String,
    pub quiet: bool,
}

impl Progress {
    pub fn line(&self, what: &str) {
        if !self.quiet {
            eprintln!("{}, {what}", self.label);
        }
    }
}

/// A fault as it was injected.
#[derive(Clone, Debug)]
pub struct Injected {
    /// Seconds since the rehearsal's start (the timeline's clock).
    pub at: f64,
    /// When what it stopped was down (after a graceful deletion's preStop and grace period).
    pub down: f64,
    /// The Sentinels named the target as master just before (whole-set faults always hit it).
    pub hit_master: bool,
    /// The fault cuts the target off from its peers while clients may still reach it
    /// (`partition`, `isolate`, `one-way-cut`, `node-loss`, `freeze-long`).
    pub cuts_off: bool,
    /// The fault cut the master off from the Sentinels only (`partition-master-sentinels`):
    /// it keeps its replicas and its clients until the Sentinels fail it over.
    pub sentinels_only: bool,
    /// When it healed (timeline clock); `None` for faults that end by themselves.
    pub healed: Option<f64>,
    /// The pod the Sentinels named as master just before (`None`: none answered).
    pub master: Option<usize>,
    /// The pods it cut apart while it lasted (`None`: it cut no pod off another).
    pub apart: Option<Apart>,
}

/// Pods a network fault cut apart, for I2's combined cuts (`invariants::cut_off_together`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Apart {
    /// The pod from every other pod (the faults `cuts_off` names).
    Off(usize),
    /// Two pods from each other (`cut-between`).
    Pair(usize, usize),
}

impl Apart {
    pub fn separates(self, a: usize, b: usize) -> bool {
        match self {
            Apart::Off(p) => a != b && (p == a || p == b),
            Apart::Pair(p, q) => (p, q) == (a, b) || (p, q) == (b, a),
        }
    }
}

/// What one run of a schedule recorded.
pub struct Run<'a> {
    pub recorded: Recorded<'a>,
    /// When the set had bootstrapped (timeline clock): the schedule's time 0.
    pub base: f64,
    pub injected: Vec<Injected>,
    /// When the last fault healed (timeline clock); `None` when the faults did not all run.
    pub healed: Option<f64>,
    /// Seconds from the last heal until every pod held a role with its link up, or what was
    /// still wrong after 60 s.
    pub recovery: Result<f64, String>,
    /// Problems a fault showed on its own (a rollout that stalls).
    pub findings: Vec<Violation>,
    /// The drill itself could not go on (not a finding about the set).
    pub error: Option<String>,
    /// Positions of acknowledged keys the final master lacks (`None`: no master answered).
    pub missing: Option<Vec<usize>>,
}

#[derive(Default)]
struct State {
    base: f64,
    injected: Vec<Injected>,
    healed: Option<f64>,
    recovery: Option<Result<f64, String>>,
    findings: Vec<Violation>,
    error: Option<String>,
}

pub fn run<'a>(cluster: &'a dyn Cluster, schedule: &Schedule, progress: &Progress) -> Run<'a> {
    let mut state = State::default();
    let recorded = record(
        cluster,
        "explore",
        Discovery::SentinelService {
            watch_endpoints: false,
        },
        true,
        false,
        &mut |r| {
            if let Err(err) = execute(r, schedule, progress, &mut state) {
                state.error = Some(format!("{err:#}"));
            }
        },
    );
    let missing = recorded
        .booted
        .then(|| probe::missing(cluster, &recorded.probe.acknowledged))
        .flatten();
    Run {
        recorded,
        base: state.base,
        injected: state.injected,
        healed: state.healed,
        recovery: state
            .recovery
            .unwrap_or_else(|| Err("the faults did not all run".into())),
        findings: state.findings,
        error: state.error,
        missing,
    }
}

fn describe(fault: &Fault) -> String {
    let mut text = format!("{} {}", fault.fault.name(), fault.target);
    if let Some(container) = &fault.container {
        text += &format!(" ({container} late)");
    }
    if let Some(direction) = &fault.direction {
        text += &format!(" ({direction})");
    }
    if let Some(peer) = &fault.peer {
        text += &format!(" and {peer}");
    }
    match fault.fault {
        FaultKind::RollingRestart | FaultKind::PasswordRotation => {}
        FaultKind::Scale => text += &format!(" (+2 pods for {} s)", fault.duration),
        FaultKind::RestartAll
        | FaultKind::RestartAllWipe
        | FaultKind::StaggeredStopWipe
        | FaultKind::OneMissing => {
            let order = |list: &[Start]| -> String {
                let at: Vec<String> = list
                    .iter()
                    .map(|s| format!("{}@{}s", s.pod, s.after))
                    .collect();
                at.join(" ")
            };
            if !fault.stops.is_empty() {
                text += &format!(", stops {}", order(&fault.stops));
            }
            text += &format!(", starts {}", order(&fault.starts));
        }
        _ => text += &format!(" for {} s", fault.duration),
    }
    text
}

fn execute(
    r: &mut Rehearsal,
    schedule: &Schedule,
    progress: &Progress,
    state: &mut State,
) -> anyhow::Result<()> {
    // Every pod a fault names is one of the set's, checked before any fault runs or a name is
    // printed.
    for fault in &schedule.faults {
        // `master` (replay::read checks it is the Sentinels' cut's, and only its) is resolved
        // when the fault starts.
        let target = (fault.target != "all" && fault.target != "master").then_some(&fault.target);
        let named = fault.starts.iter().chain(&fault.stops).map(|s| &s.pod);
        for pod in target.into_iter().chain(&fault.peer).chain(named) {
            ordinal_of(r.cluster, pod)?;
        }
    }
    let base = r.now();
    state.base = base;
    let total = schedule.faults.len();
    // (due, fault index, heal), healed in order of due.
    let mut pending: Vec<(f64, usize, Heal)> = Vec::new();
    for (k, fault) in schedule.faults.iter().enumerate() {
        let due = base + fault.at;
        let target = if fault.fault.exclusive() {
            None
        } else {
            Some(ordinal_of(r.cluster, &fault.target)?)
        };
        // Heal what is due by then, and whatever the fault would land on.
        heal(
            r,
            schedule,
            progress,
            &mut pending,
            &mut state.injected,
            |d, h| d <= due || target.is_none_or(|t| h.ordinal() == t),
        )?;
        r.sleep(due - r.now());
        let line = format!("fault {}/{total}: {}", k + 1, describe(fault));
        progress.line(&line);
        let master = probe::sentinel_master(r.cluster, Discovery::EveryPod);
        let hit_master = target.is_none_or(|t| master == Some(t));
        r.step(line);
        let at = r.now();
        let mut down = at;
        let injected = inject(r, fault, &mut down)?;
        if !fault.fault.whole_set() {
            down = r.now();
        }
        let apart = match (fault.fault, target, &fault.peer) {
            (FaultKind::CutBetween, Some(t), Some(peer)) => {
                Some(Apart::Pair(t, ordinal_of(r.cluster, peer)?))
            }
            (kind, Some(t), _) if kind.cuts_off() => Some(Apart::Off(t)),
            _ => None,
        };
        state.injected.push(Injected {
            at,
            down,
            hit_master,
            cuts_off: fault.fault.cuts_off(),
            sentinels_only: fault.fault == FaultKind::PartitionMasterSentinels,
            healed: None,
            master,
            apart,
        });
        match injected {
            Ok(Some(h)) => pending.push((r.now() + fault.duration, k, h)),
            Ok(None) => {}
            Err(finding) => {
                progress.line(&format!("fault {}/{total}: {finding}", k + 1));
                state.findings.push(Violation::new("I3", r.now(), finding));
            }
        }
    }
    heal(
        r,
        schedule,
        progress,
        &mut pending,
        &mut state.injected,
        |_, _| true,
    )?;
    let healed = r.now();
    state.healed = Some(healed);
    let mut last = String::new();
    let whole = r.wait_until(60.0, || match whole(r) {
        Ok(()) => Some(()),
        Err(e) => {
            last = e;
            None
        }
    });
    state.recovery = Some(match whole {
        Some((t, ())) => {
            progress.line(&format!("every fault healed; set whole after {t:.1} s"));
            Ok(t)
        }
        None => {
            progress.line(&format!("every fault healed; not whole after 60 s: {last}"));
            Err(last)
        }
    });
    // Leave the probe the whole write-recovery window (I3) after the last heal.
    r.sleep(healed + r.down_after() + 11.0 - r.now());
    Ok(())
}

/// Heal, in order of due time and each at its time, the pending faults `select` picks; each
/// one's time is noted in `injected`.
fn heal(
    r: &mut Rehearsal,
    schedule: &Schedule,
    progress: &Progress,
    pending: &mut Vec<(f64, usize, Heal)>,
    injected: &mut [Injected],
    select: impl Fn(f64, &Heal) -> bool,
) -> anyhow::Result<()> {
    pending.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (now, later): (Vec<_>, Vec<_>) = pending.drain(..).partition(|(d, _, h)| select(*d, h));
    *pending = later;
    for (due, k, h) in now {
        r.sleep(due - r.now());
        let fault = &schedule.faults[k];
        let line = format!(
            "fault {}/{} healed: {} {}",
            k + 1,
            schedule.faults.len(),
            fault.fault.name(),
            fault.target
        );
        progress.line(&line);
        r.step(line);
        h.apply(r.cluster)?;
        if let Some(fault) = injected.get_mut(k) {
            fault.healed = Some(r.now());
        }
    }
    Ok(())
}

/// Every pod holds a role with its link up: one master, every other pod its connected replica.
fn whole(r: &Rehearsal) -> Result<(), String> {
    let roles: Vec<Option<Role>> = (0..r.replicas()).map(|i| r.role(i)).collect();
    let masters: Vec<usize> = (0..roles.len())
        .filter(|&i| roles[i] == Some(Role::Master))
        .collect();
    let [master] = masters[..] else {
        return Err(format!("{} masters", masters.len()));
    };
    for (i, role) in roles.iter().enumerate() {
        match role {
            Some(Role::Master) => {}
            Some(Role::Replica(Some(of), true)) if *of == master => {}
            other => return Err(format!("{} answers ROLE {other:?}", r.cluster.pod_name(i))),
        }
    }
    Ok(())
}
