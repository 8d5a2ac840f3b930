//! The scenarios of docs/scenarios.md (their names are the contract), and how one is
//! rehearsed: a fresh set, bootstrapped; the probe and the role sampler running throughout;
//! the scenario's steps; then the measured numbers and the checks.

mod ask;
mod auth;
mod backup;
mod crash;
mod cut_master;
mod cut_sentinels;
mod deposed;
mod dns;
mod exporters;
mod failover;
mod handover;
mod handover_crash;
mod lagging;
mod load;
mod node;
mod orphan;
mod outage;
mod own_replica;
pub mod planned;
mod processes;
mod quiet;
pub mod rotation;
mod scale;
mod sentinels;
mod stale_sentinel;
mod thaw;

use super::clients::{self, ClientLog};
use super::cluster::Cluster;
use super::measure;
use super::probe::{self, Discovery, ProbeLog};
use super::rehearsal::Rehearsal;
use super::report::ScenarioReport;
use super::sampler::{self, Sample};
use anyhow::bail;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a scenario must, or must not, make the Sentinels fail over.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Failover {
    /// Within `down-after-milliseconds` + 2 s of the fault.
    Required,
    /// Within `down-after-milliseconds` + this many seconds of the fault.
    RequiredWithin(f64),
    /// Within this many seconds of the fault, whatever down-after is (the crash fast path).
    Within(f64),
    /// Must happen during the scenario, but its speed is not the property (a setup step).
    Happens,
    Forbidden,
    NotJudged,
}

pub struct Scenario {
    pub name: &'static str,
    pub play: fn(&mut Rehearsal) -> anyhow::Result<()>,
    pub failover: Failover,
    /// Not one write may fail.
    pub every_write_succeeds: bool,
    /// A planned operation: write unavailability summed over it must stay within this.
    pub planned_unavailable_max: Option<f64>,
    /// How the probe finds the Sentinels: through the client Service, as the gateway does,
    /// unless the scenario says otherwise (and whether the Service must never be left
    /// without a Sentinel endpoint).
    pub discovery: Discovery,
    /// Bootstrapped with `redis.replicas` = `.0`, then re-rendered with `.1` and applied
    /// (`rollout`): the drill renders both from the profile.
    pub resize: Option<(usize, usize)>,
    /// `--set`s the profile is rendered with for this scenario (after the user's): what it
    /// rehearses must be in the manifests. A manifest file is drilled as it is.
    pub sets: &'static [&'static str],
}

/// What a scenario has unless it says otherwise.
const SCENARIO: Scenario = Scenario {
    name: "",
    play: quiet::bootstrap,
    failover: Failover::NotJudged,
    every_write_succeeds: false,
    planned_unavailable_max: None,
    discovery: Discovery::SentinelService {
        watch_endpoints: false,
    },
    resize: None,
    sets: &[],
};

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "bootstrap",
        play: quiet::bootstrap,
        failover: Failover::Forbidden,
        every_write_succeeds: true,
        ..SCENARIO
    },
    Scenario {
        name: "replica-down",
        play: quiet::replica_down,
        failover: Failover::Forbidden,
        every_write_succeeds: true,
        ..SCENARIO
    },
    Scenario {
        name: "master-down",
        play: failover::master_down,
        failover: Failover::Required,
        ..SCENARIO
    },
    Scenario {
        name: "master-crash",
        play: crash::master_crash,
        failover: Failover::Within(crash::CRASH_FAILOVER_MAX),
        ..SCENARIO
    },
    Scenario {
        name: "master-returns",
        play: failover::master_returns,
        failover: Failover::Required,
        ..SCENARIO
    },
    Scenario {
        name: "master-returns-empty",
        play: failover::master_returns_empty,
        ..SCENARIO
    },
    Scenario {
        name: "all-down",
        play: outage::all_down,
        ..SCENARIO
    },
    Scenario {
        name: "restore-from-backup",
        play: backup::restore_from_backup,
        sets: backup::SETS,
        ..SCENARIO
    },
    Scenario {
        name: "sentinel-down",
        play: sentinels::sentinel_down,
        failover: Failover::Required,
        ..SCENARIO
    },
    Scenario {
        name: "sentinel-majority-down",
        play: sentinels::sentinel_majority_down,
        ..SCENARIO
    },
    Scenario {
        name: "master-freeze",
        play: failover::master_freeze,
        failover: Failover::Happens,
        ..SCENARIO
    },
    Scenario {
        name: "master-pause",
        play: crash::master_pause,
        failover: Failover::Forbidden,
        ..SCENARIO
    },
    Scenario {
        name: "master-sentinel-restart",
        play: crash::master_sentinel_restart,
        failover: Failover::Forbidden,
        every_write_succeeds: true,
        ..SCENARIO
    },
    Scenario {
        name: "sentinel-restart",
        play: sentinels::sentinel_restart,
        failover: Failover::Happens,
        ..SCENARIO
    },
    Scenario {
        name: "rolling-restart",
        play: planned::rolling_restart,
        planned_unavailable_max: Some(2.0),
        ..SCENARIO
    },
    Scenario {
        name: "pvc-lost-peers-down",
        play: outage::pvc_lost_peers_down,
        ..SCENARIO
    },
    Scenario {
        name: "all-down-one-missing",
        play: outage::all_down_one_missing,
        ..SCENARIO
    },
    Scenario {
        name: "prestop-stale-sentinel",
        play: handover::prestop_stale_sentinel,
        planned_unavailable_max: Some(2.0),
        ..SCENARIO
    },
    Scenario {
        name: "prestop-one-failover",
        play: handover::prestop_one_failover,
        ..SCENARIO
    },
    Scenario {
        name: "isolated-master",
        play: failover::isolated_master,
        failover: Failover::Happens,
        ..SCENARIO
    },
    Scenario {
        name: "handover-beside-returned-master",
        play: failover::handover_beside_returned_master,
        failover: Failover::Happens,
        ..SCENARIO
    },
    Scenario {
        name: "handover-beside-lost-promotion",
        play: handover::handover_beside_lost_promotion,
        // What it rehearses is the choice of the successor; the hand-over itself may be
        // unaligned (the Sentinels convert the promoted peer during the hook's wait):
        // 1.10 and 1.78 s measured, a rolling restart's 2 s bar left no margin.
        planned_unavailable_max: Some(3.0),
        ..SCENARIO
    },
    Scenario {
        name: "handover-target-crash",
        play: handover_crash::handover_target_crash,
        ..SCENARIO
    },
    Scenario {
        name: "restart-beside-deposed-master",
        play: deposed::restart_beside_deposed_master,
        failover: Failover::Happens,
        // Write safety is what it rehearses (as `partition-heals-mid-failover`).
        sets: &["redis.minReplicasToWrite=1", "redis.waitReplicas=1"],
        ..SCENARIO
    },
    Scenario {
        name: "deposed-master-returns-with-replica",
        play: deposed::deposed_master_returns_with_replica,
        failover: Failover::Happens,
        // Write safety is what it rehearses (as `restart-beside-deposed-master`).
        sets: &["redis.minReplicasToWrite=1", "redis.waitReplicas=1"],
        ..SCENARIO
    },
    Scenario {
        name: "restart-beside-stale-sentinel",
        play: stale_sentinel::restart_beside_stale_sentinel,
        failover: Failover::Happens,
        // Write safety is what it rehearses (as `restart-beside-deposed-master`).
        sets: &["redis.minReplicasToWrite=1", "redis.waitReplicas=1"],
        ..SCENARIO
    },
    Scenario {
        name: "partition-heals-mid-failover",
        play: failover::partition_heals_mid_failover,
        failover: Failover::Happens,
        // What it rehearses is write safety: a profile without it (kind) would lose the
        // isolated master's writes by design.
        sets: &["redis.minReplicasToWrite=1", "redis.waitReplicas=1"],
        ..SCENARIO
    },
    Scenario {
        name: "orphan-promotion",
        play: orphan::orphan_promotion,
        failover: Failover::Happens,
        // As `partition-heals-mid-failover`: write safety is what it rehearses.
        sets: &["redis.minReplicasToWrite=1", "redis.waitReplicas=1"],
        ..SCENARIO
    },
    Scenario {
        name: "master-mute",
        play: failover::master_mute,
        failover: Failover::Happens,
        ..SCENARIO
    },
    Scenario {
        name: "master-deaf",
        play: failover::master_deaf,
        failover: Failover::Happens,
        ..SCENARIO
    },
    Scenario {
        name: "failover-through-service",
        play: failover::master_down,
        failover: Failover::Required,
        discovery: Discovery::SentinelService {
            watch_endpoints: true,
        },
        ..SCENARIO
    },
    Scenario {
        name: "password-rotation",
        play: rotation::password_rotation,
        planned_unavailable_max: Some(2.0),
        ..SCENARIO
    },
    Scenario {
        name: "sentinel-auth",
        play: auth::sentinel_auth,
        failover: Failover::Forbidden,
        every_write_succeeds: true,
        ..SCENARIO
    },
    Scenario {
        name: "scale-down",
        play: scale::resize_then_master_down,
        failover: Failover::RequiredWithin(scale::FAILOVER_SLACK),
        resize: Some((5, 3)),
        ..SCENARIO
    },
    Scenario {
        name: "scale-up",
        play: scale::resize_then_master_down,
        failover: Failover::RequiredWithin(scale::FAILOVER_SLACK),
        resize: Some((3, 5)),
        ..SCENARIO
    },
    Scenario {
        name: "master-recreated-stale-dns",
        play: dns::master_recreated_stale_dns,
        failover: Failover::Happens,
        ..SCENARIO
    },
    Scenario {
        name: "slow-dns-then-master-down",
        play: dns::slow_dns_then_master_down,
        failover: Failover::RequiredWithin(10.0),
        ..SCENARIO
    },
    Scenario {
        name: "sentinel-missed-switch",
        play: dns::sentinel_missed_switch,
        failover: Failover::Required,
        ..SCENARIO
    },
    Scenario {
        name: "full-sync-under-load",
        play: load::full_sync_under_load,
        failover: Failover::Forbidden,
        every_write_succeeds: true,
        ..SCENARIO
    },
    // Last: appended, it keeps the other scenarios' places in `make test`'s two production
    // halves (every other scenario), which were balanced before it came.
    Scenario {
        name: "master-crash-loop",
        play: crash::master_crash_loop,
        failover: Failover::Within(crash::CRASH_FAILOVER_MAX),
        ..SCENARIO
    },
    Scenario {
        name: "node-loss",
        play: node::node_loss,
        failover: Failover::RequiredWithin(node::FAILOVER_SLACK),
        ..SCENARIO
    },
    Scenario {
        name: "lagging-replica-promoted",
        play: lagging::lagging_replica_promoted,
        failover: Failover::Happens,
        // Write safety is what it rehearses (as `restart-beside-deposed-master`).
        sets: &["redis.minReplicasToWrite=1", "redis.waitReplicas=1"],
        ..SCENARIO
    },
    Scenario {
        name: "forgotten-failover",
        play: outage::forgotten_failover,
        failover: Failover::Happens,
        ..SCENARIO
    },
    Scenario {
        name: "thaw-mid-failover",
        play: thaw::thaw_mid_failover,
        failover: Failover::Happens,
        // Write safety is what it rehearses (as `deposed-master-returns-with-replica`).
        sets: &["redis.minReplicasToWrite=1", "redis.waitReplicas=1"],
        ..SCENARIO
    },
    Scenario {
        name: "stale-master-joins-cut-master",
        play: cut_master::stale_master_joins_cut_master,
        failover: Failover::Happens,
        // Write safety is what it rehearses (as `thaw-mid-failover`); down-after 10 s makes
        // the window it places a Sentinel's conversion in seconds wide (cut_master.rs).
        sets: &[
            "redis.minReplicasToWrite=1",
            "redis.waitReplicas=1",
            "sentinel.downAfterMilliseconds=10000",
            "sentinel.failoverTimeout=30000",
            "failoverTargetSeconds=12",
        ],
        ..SCENARIO
    },
    Scenario {
        name: "stale-replica-own-sentinel",
        play: own_replica::stale_replica_own_sentinel,
        failover: Failover::NotJudged,
        // Write safety is what it rehearses (as `thaw-mid-failover`).
        sets: &["redis.minReplicasToWrite=1", "redis.waitReplicas=1"],
        ..SCENARIO
    },
    Scenario {
        name: "master-cut-from-sentinels",
        play: cut_sentinels::master_cut_from_sentinels,
        failover: Failover::Happens,
        // Write safety is what it rehearses (as `thaw-mid-failover`).
        sets: &["redis.minReplicasToWrite=1", "redis.waitReplicas=1"],
        ..SCENARIO
    },
];

/// `all`, or one scenario by name.
pub fn select(names: &str) -> anyhow::Result<Vec<&'static Scenario>> {
    if names == "all" {
        return Ok(SCENARIOS.iter().collect());
    }
    let mut selected = Vec::new();
    for name in names.split(',').map(str::trim) {
        match SCENARIOS.iter().find(|s| s.name == name) {
            Some(s) if !selected.iter().any(|t: &&Scenario| t.name == s.name) => selected.push(s),
            Some(_) => {}
            None => bail!(
                "unknown scenario {name:?}{}: use `all`, or one or more (comma-separated) of {}",
                crate::profile::suggest::did_you_mean(name, SCENARIOS.iter().map(|s| s.name)),
                SCENARIOS
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    // The catalogue's order, whatever order they were asked in: reports compare run to run.
    selected.sort_by_key(|s| SCENARIOS.iter().position(|t| t.name == s.name));
    Ok(selected)
}

/// Everything a rehearsal recorded, for the report and the timeline.
pub struct Rehearsed {
    pub report: ScenarioReport,
    pub samples: Vec<Sample>,
    pub probe: ProbeLog,
    pub events: Vec<(f64, String)>,
    pub end: f64,
    /// Every line of every container's log, for a scenario that failed or when asked
    /// (`drill --out DIR` writes it as `<scenario>.log`; the report keeps only the notable
    /// last lines).
    pub full_logs: Option<String>,
}

/// Start every pod as the StatefulSet controller would: one by one, each Ready before the
/// next (`OrderedReady`), or all at once (`Parallel`).
pub fn start_all(r: &mut Rehearsal, seconds: f64) -> anyhow::Result<()> {
    let n = r.replicas();
    if !r.cluster.spec().ordered_ready {
        r.step(format!(
            "starting {n} pods at once (podManagementPolicy Parallel)"
        ));
        return (0..n).try_for_each(|i| r.cluster.start_pod(i));
    }
    let deadline = r.now() + seconds;
    for i in 0..n {
        r.step(format!("starting {} (OrderedReady)", r.cluster.pod_name(i)));
        r.cluster.start_pod(i)?;
        if r.wait_until(deadline - r.now(), || r.cluster.is_ready(i).then_some(()))
            .is_none()
        {
            bail!(
                "{} was not Ready within {seconds} s, so the StatefulSet would start no further pod",
                r.cluster.pod_name(i)
            );
        }
    }
    Ok(())
}

/// Within 30 s: one master (ordinal 0), the others its replicas, every Sentinel agreeing.
fn bring_up(r: &mut Rehearsal) -> bool {
    if let Err(err) = start_all(r, 30.0) {
        r.check(
            "bootstrap: one master, replicas and Sentinels agree within 30 s",
            false,
            format!("{err:#}"),
            "≤ 30 s",
        );
        return false;
    }
    let name = "bootstrap: one master, replicas and Sentinels agree within 30 s";
    match r.settle_since(name, 30.0, 0.0) {
        Some(master) => {
            r.master = master;
            r.check(
                "bootstrap: the master is ordinal 0",
                master == 0,
                r.cluster.pod_name(master),
                r.cluster.pod_name(0),
            );
            true
        }
        None => false,
    }
}

/// Rehearse one scenario on a fresh set.
/// `keep_logs`: the whole logs in `Rehearsed::full_logs` whether it passed or not (else only
/// when it failed).
pub fn rehearse(
    cluster: &dyn Cluster,
    scenario: &Scenario,
    quiet: bool,
    keep_logs: bool,
) -> Rehearsed {
    let recorded = record(
        cluster,
        scenario.name,
        scenario.discovery,
        quiet,
        true,
        &mut |r| {
            if let Err(err) = (scenario.play)(r) {
                r.check(
                    "the scenario ran to its end",
                    false,
                    format!("{err:#}"),
                    "no error",
                );
            }
            exporters::check(r);
            processes::check(r);
        },
    );
    judge(
        recorded.rehearsal,
        scenario,
        recorded.samples,
        recorded.probe,
        &recorded.clients,
        recorded.booted,
        keep_logs,
    )
}

/// What `record` saw: the rehearsal (its checks and events), the sampler's samples, the
/// probe's writes, and whether the set bootstrapped (`play` ran only then).
pub struct Recorded<'a> {
    pub rehearsal: Rehearsal<'a>,
    pub samples: Vec<Sample>,
    pub probe: ProbeLog,
    /// What the client models' callers saw (none when not asked for, or where the target
    /// has no live connections).
    pub clients: Vec<ClientLog>,
    pub booted: bool,
}

/// Bootstrap the set with the role sampler running, then run `play` with the probe (and,
/// with `with_clients`, the client models) writing throughout; stop them and hand back what
/// they recorded.
pub fn record<'a>(
    cluster: &'a dyn Cluster,
    name: &'static str,
    discovery: probe::Discovery,
    quiet: bool,
    with_clients: bool,
    play: &mut dyn FnMut(&mut Rehearsal<'a>),
) -> Recorded<'a> {
    let mut r = Rehearsal::new(cluster, name, quiet);
    let stop_sampling = AtomicBool::new(false);
    let stop_probe = AtomicBool::new(false);
    let samples = Mutex::new(Vec::new());
    let prefix = format!("drill:{name}:{}", std::process::id());
    let (probe, clients, booted) = std::thread::scope(|scope| {
        for ordinal in 0..cluster.ordinals() {
            let (stop, out, t0) = (&stop_sampling, &samples, r.t0);
            scope.spawn(move || sampler::run(cluster, ordinal, t0, stop, out));
        }
        let booted = bring_up(&mut r);
        let mut log = ProbeLog::default();
        let mut clients = Vec::new();
        if booted {
            let (stop, t0, prefix) = (&stop_probe, r.t0, prefix.as_str());
            let writer = scope.spawn(move || probe::run(cluster, t0, prefix, discovery, stop));
            let models = (with_clients && cluster.live_connections())
                .then(|| scope.spawn(move || clients::run_all(cluster, t0, prefix, stop)));
            play(&mut r);
            stop_probe.store(true, Ordering::SeqCst);
            log = writer.join().unwrap_or_default();
            clients = models.and_then(|m| m.join().ok()).unwrap_or_default();
        }
        stop_sampling.store(true, Ordering::SeqCst);
        (log, clients, booted)
    });
    Recorded {
        rehearsal: r,
        samples: samples.into_inner().unwrap_or_else(|p| p.into_inner()),
        probe,
        clients,
        booted,
    }
}

/// What the samples and the probe's writes measure, for the checks and the report.
struct Measured {
    end: f64,
    split_brain_seconds: f64,
    max_masters: usize,
    failover_seconds: Option<f64>,
    write_unavailable_seconds: f64,
    writes_failed: usize,
    writes_lost: usize,
}

fn take_measures(r: &Rehearsal, samples: &[Sample], probe: &ProbeLog, booted: bool) -> Measured {
    let end = r.now();
    let steps = measure::role_steps(samples, r.cluster.ordinals(), end);
    let write_unavailable_seconds = match r.planned_window {
        Some((from, to)) => measure::total_unavailable(&probe.attempts, from, to),
        None => measure::longest_unavailable(&probe.attempts),
    };
    let writes_lost = if booted {
        let present = probe::count_present(r.cluster, &probe.acknowledged);
        probe.acknowledged.len() - present.unwrap_or(0).min(probe.acknowledged.len())
    } else {
        0
    };
    Measured {
        end,
        split_brain_seconds: measure::split_brain_seconds(&steps),
        max_masters: measure::max_masters(&steps),
        failover_seconds: r
            .fault
            .and_then(|(at, old)| measure::failover_seconds(samples, at, old)),
        write_unavailable_seconds,
        writes_failed: probe.attempts.iter().filter(|a| !a.ok()).count(),
        writes_lost,
    }
}

fn judge(
    mut r: Rehearsal,
    scenario: &Scenario,
    samples: Vec<Sample>,
    probe: ProbeLog,
    clients: &[ClientLog],
    booted: bool,
    keep_logs: bool,
) -> Rehearsed {
    let m = take_measures(&r, &samples, &probe, booted);
    if booted {
        check_outcome(&mut r, scenario, &samples, &probe, &m);
    }
    let passed = r.checks.iter().all(|c| c.passed);
    let logs = if passed { Vec::new() } else { failure_logs(&r) };
    let full_logs = (!passed || keep_logs).then(|| crate::drill::logs::text(&r));
    let report = ScenarioReport {
        name: scenario.name.into(),
        passed,
        failover_seconds: m.failover_seconds,
        write_unavailable_seconds: m.write_unavailable_seconds,
        max_masters: m.max_masters,
        split_brain_seconds: m.split_brain_seconds,
        writes_acknowledged: probe.acknowledged.len(),
        writes_lost: m.writes_lost,
        writes_failed: m.writes_failed,
        write_errors: write_errors(&probe),
        unavailable_windows: measure::unavailable_windows(&probe.attempts)
            .into_iter()
            .map(|(a, b)| (measure::round(a), measure::round(b)))
            .collect(),
        clients: clients
            .iter()
            .map(|c| clients::summarize(c, r.planned_window))
            .collect(),
        duration_seconds: measure::round(m.end),
        zombies: r.zombies,
        checks: r.checks.clone(),
        logs,
    };
    Rehearsed {
        report,
        samples,
        probe,
        events: r.events,
        end: m.end,
        full_logs,
    }
}

/// The checks of a set that bootstrapped, in the order the report lists them.
fn check_outcome(
    r: &mut Rehearsal,
    scenario: &Scenario,
    samples: &[Sample],
    probe: &ProbeLog,
    m: &Measured,
) {
    check_failover(r, scenario.failover, samples, m.failover_seconds);
    check_failed_writes(r, scenario, probe, m);
    check_writes_back(r, probe);
    check_steady_window(r, probe, samples);
    if let Discovery::SentinelService {
        watch_endpoints: true,
    } = scenario.discovery
    {
        check_sentinel_endpoints(r, probe);
    }
    check_recovery(r, probe, m.failover_seconds);
    r.check(
        "split brain",
        m.split_brain_seconds == 0.0,
        format!(
            "{:.1} s (max {} masters)",
            m.split_brain_seconds, m.max_masters
        ),
        "0 s",
    );
    check_acknowledged_kept(r, probe, m.writes_lost);
}

/// Whether the Sentinels failed over as the scenario requires (or forbids).
fn check_failover(
    r: &mut Rehearsal,
    failover: Failover,
    samples: &[Sample],
    failover_seconds: Option<f64>,
) {
    let measured = || failover_seconds.map_or("no failover".into(), |f| format!("{f:.2} s"));
    match failover {
        Failover::Required | Failover::RequiredWithin(_) => {
            let slack = match failover {
                Failover::RequiredWithin(slack) => slack,
                _ => 2.0,
            };
            let down_after = r.down_after();
            r.check(
                &format!("failover within down-after + {slack} s"),
                failover_seconds.is_some_and(|f| f <= down_after + slack),
                measured(),
                format!("≤ {:.1} s", down_after + slack),
            )
        }
        Failover::Within(max) => r.check(
            &format!("failover within {max} s of the fault"),
            failover_seconds.is_some_and(|f| f <= max),
            measured(),
            format!("≤ {max:.1} s"),
        ),
        Failover::Happens => r.check(
            "the Sentinels fail over",
            failover_seconds.is_some(),
            measured(),
            "a new master",
        ),
        Failover::Forbidden => {
            let moved = another_master_named(r, samples, r.master, |_| true);
            r.check(
                "no failover",
                moved.is_none(),
                moved.unwrap_or_else(|| "none".into()),
                "the master stays",
            );
        }
        Failover::NotJudged => {}
    }
}

/// Writes that must not fail: none at all, or none beyond the planned operation's bound on
/// write unavailability (per master hand-over for each further planned restart).
fn check_failed_writes(r: &mut Rehearsal, scenario: &Scenario, probe: &ProbeLog, m: &Measured) {
    if scenario.every_write_succeeds {
        r.check(
            "no failed write",
            m.writes_failed == 0,
            format!("{} failed", m.writes_failed),
            "0",
        );
    }
    let Some(max) = scenario.planned_unavailable_max else {
        return;
    };
    r.check(
        "write unavailability of the planned restart",
        m.write_unavailable_seconds <= max,
        format!("{:.2} s", m.write_unavailable_seconds),
        format!("≤ {max} s"),
    );
    for (n, &((from, to), handovers)) in r.planned_more.clone().iter().enumerate() {
        let unavailable = measure::total_unavailable(&probe.attempts, from, to);
        let bound = max * handovers.max(1) as f64;
        r.check(
            &format!("write unavailability of planned restart {}", n + 2),
            unavailable <= bound,
            format!("{unavailable:.2} s ({handovers} master hand-overs)"),
            format!("≤ {max} s per hand-over"),
        );
    }
}

/// After a fault, a write through Sentinel discovery succeeds once the Sentinels named the
/// new master.
fn check_recovery(r: &mut Rehearsal, probe: &ProbeLog, failover_seconds: Option<f64>) {
    if r.fault.is_none() {
        return;
    }
    let recovered = failover_seconds.is_none_or(|f| {
        let named = r.fault.map_or(0.0, |(at, _)| at) + f;
        probe.attempts.iter().any(|a| a.ok() && a.start >= named)
    });
    r.check(
        "writes through Sentinel discovery succeed after the failover",
        recovered,
        if recovered {
            "yes"
        } else {
            "no write succeeded"
        },
        "yes",
    );
}

/// Acknowledged writes lost: none, or no more than asynchronous replication may lose
/// ([`allowed_loss`]).
fn check_acknowledged_kept(r: &mut Rehearsal, probe: &ProbeLog, writes_lost: usize) {
    let allowed = allowed_loss(r, probe);
    r.check(
        "acknowledged writes kept",
        writes_lost <= allowed,
        format!("{writes_lost} of {} lost", probe.acknowledged.len()),
        if allowed == 0 {
            "0 lost".to_string()
        } else if r.snapshot_window.is_some() {
            format!(
                "≤ {allowed} lost (acked from 1 s before the snapshot until every volume was lost)"
            )
        } else {
            format!(
                "≤ {allowed} lost (acked from 1 s before the fault to down-after after it, without WAIT)"
            )
        },
    );
}

/// After a whole-set restart: the first write that succeeds, counted from the restart.
fn check_writes_back(r: &mut Rehearsal, probe: &ProbeLog) {
    let Some((from, bound)) = r.writes_back else {
        return;
    };
    let back = probe
        .attempts
        .iter()
        .find(|a| a.ok() && a.start >= from)
        .map(|a| a.end - from);
    let slack = bound - r.down_after();
    r.check(
        &format!("writes succeed again within down-after + {slack:.0} s of the restart"),
        back.is_some_and(|b| b <= bound),
        back.map_or("no write succeeded".into(), |b| format!("{b:.2} s")),
        format!("≤ {bound:.1} s"),
    );
}

/// In the scenario's steady window every write succeeds and the Sentinels keep their master.
fn check_steady_window(r: &mut Rehearsal, probe: &ProbeLog, samples: &[Sample]) {
    let Some((from, to, master)) = r.steady_window else {
        return;
    };
    let within = |t: f64| (from..=to).contains(&t);
    let failed = probe
        .attempts
        .iter()
        .filter(|a| within(a.start) && !a.ok())
        .count();
    let tried = probe.attempts.iter().filter(|a| within(a.start)).count();
    r.check(
        &format!("no failed write from {from:.1} s to {to:.1} s"),
        tried > 0 && failed == 0,
        format!("{failed} of {tried} failed"),
        "0",
    );
    let moved = another_master_named(r, samples, master, within);
    r.check(
        &format!("no failover from {from:.1} s to {to:.1} s"),
        moved.is_none(),
        moved.unwrap_or_else(|| "none".into()),
        format!("{} stays master", r.cluster.pod_name(master)),
    );
}

/// The first sample taken `when` in which a Sentinel named a master other than `master`, in
/// words (`None`: none did).
fn another_master_named(
    r: &Rehearsal,
    samples: &[Sample],
    master: usize,
    when: impl Fn(f64) -> bool,
) -> Option<String> {
    let s = samples
        .iter()
        .find(|s| when(s.t) && s.sentinel_master.is_some_and(|m| m != master))?;
    Some(format!(
        "at {:.1} s a Sentinel named {}",
        s.t,
        r.cluster.pod_name(s.sentinel_master.unwrap_or(0))
    ))
}

/// Clients that know only the Sentinel Service must always find a Sentinel behind it.
fn check_sentinel_endpoints(r: &mut Rehearsal, probe: &ProbeLog) {
    let fewest = probe.endpoints.iter().min_by_key(|&&(_, n)| n);
    let measured = match (r.cluster.spec().sentinel_service(), fewest) {
        (None, _) => "no Service serves the Sentinel port".to_string(),
        (Some(_), None) => "never sampled".to_string(),
        (Some(_), Some(&(t, n))) => format!("fewest {n} (at {t:.1} s)"),
    };
    r.check(
        "Sentinel endpoints behind the client Service",
        fewest.is_some_and(|&(_, n)| n > 0),
        measured,
        "never 0",
    );
}

fn write_errors(probe: &ProbeLog) -> std::collections::BTreeMap<String, usize> {
    let mut errors = std::collections::BTreeMap::new();
    for error in probe.attempts.iter().filter_map(|a| a.error.as_deref()) {
        let reason: String = error.chars().take(60).collect();
        *errors.entry(reason).or_insert(0) += 1;
    }
    errors
}

/// Without `WAIT`, replication is asynchronous: writes acknowledged in the last second
/// before a master failure, or by the failed master until the Sentinels could detect it
/// (down-after; an isolated master that clients still reach), may be gone with it. With
/// `WAIT`, none may.
fn allowed_loss(r: &Rehearsal, probe: &ProbeLog) -> usize {
    let acked_within = |from: f64, to: f64| {
        probe
            .attempts
            .iter()
            .filter(|a| a.ok() && a.end >= from && a.end <= to)
            .count()
    };
    if let Some((snapshot, lost)) = r.snapshot_window {
        return acked_within(snapshot - 1.0, lost);
    }
    match r.fault {
        Some((at, _)) if r.cluster.spec().wait_replicas == 0 => {
            acked_within(at - 1.0, at + r.down_after())
        }
        _ => 0,
    }
}

/// The notable lines of every container's log, Redis's and Sentinel's own words: warnings
/// (`#`), fatal errors, script output and the drill's notes; repeats dropped, the last few kept.
pub fn failure_logs(r: &Rehearsal) -> Vec<String> {
    let spec = r.cluster.spec();
    let mut lines = Vec::new();
    for ordinal in 0..r.cluster.ordinals() {
        for container in spec.container_names() {
            let mut seen: Vec<String> = Vec::new();
            for line in r.cluster.logs(ordinal, &container, 400) {
                let message = redis_log_message(&line);
                if message.is_none_or(|(level, _)| level == '#')
                    && !line.trim().is_empty()
                    && !line.contains("overcommit")
                {
                    let text = message.map_or(line.clone(), |(_, m)| m.to_string());
                    seen.retain(|l| *l != text);
                    seen.push(text);
                }
            }
            for line in &seen[seen.len().saturating_sub(8)..] {
                lines.push(format!("{}/{container}: {line}", spec.pod_name(ordinal)));
            }
        }
    }
    lines
}

/// `pid:R dd Mon yyyy hh:mm:ss.mmm L message` → (level, message), for Redis's own lines.
fn redis_log_message(line: &str) -> Option<(char, &str)> {
    let (head, _) = line.split_once(' ')?;
    let (pid, role) = head.split_once(':')?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) || role.len() != 1 {
        return None;
    }
    let rest = line.splitn(6, ' ').nth(5)?;
    let mut chars = rest.chars();
    let level = chars.next()?;
    Some((level, chars.as_str().trim_start()))
}

/// Poll until a Sentinel names a master other than `old`; the new master's ordinal. When
/// none has by then and the Sentinels split an election meanwhile (Sentinel's own race,
/// docs/architecture.md §16), wait for its retry too: 2 × `failover-timeout` and
/// `SPLIT_RETRY_SLACK` more, so that the scenario goes on and `make test` reads the race
/// from its logs (a late failover, not one that never came).
pub fn wait_failover(r: &mut Rehearsal, old: usize, seconds: f64) -> Option<usize> {
    r.step(format!(
        "waiting for the Sentinels to replace {}",
        r.cluster.pod_name(old)
    ));
    let split_before = split_epochs_so_far(r);
    let replaced = |r: &Rehearsal, seconds: f64| {
        r.wait_until(seconds, || {
            (0..r.replicas()).find_map(|i| r.sentinel_names(i).filter(|&m| m != old))
        })
        .map(|(_, m)| m)
    };
    let mut found = replaced(r, seconds);
    let mut waited = seconds;
    if found.is_none() {
        let split: Vec<String> = split_epochs_so_far(r)
            .difference(&split_before)
            .cloned()
            .collect();
        if !split.is_empty() {
            let retry = 2.0 * r.failover_timeout() + SPLIT_RETRY_SLACK;
            r.step(format!(
                "no failover within {seconds} s: the Sentinels split their election in epoch {} \
                 (Sentinel's own race, docs/architecture.md §16); waiting {retry} s more for \
                 its retry",
                split.join(", ")
            ));
            found = replaced(r, retry);
            waited += retry;
        }
    }
    match found {
        Some(m) => r.step(format!("Sentinel names {}", r.cluster.pod_name(m))),
        None => r.step(format!("no failover within {waited} s")),
    }
    found
}

/// Sentinel adds up to 1 s to a retried election (`SENTINEL_MAX_DESYNC`), and the promotion
/// and the next `INFO` that shows it take about 1.5 s more.
const SPLIT_RETRY_SLACK: f64 = 3.0;

/// The epochs of the set's whole logs so far in which the Sentinels split their votes.
fn split_epochs_so_far(r: &Rehearsal) -> std::collections::BTreeSet<String> {
    crate::drill::split_vote::split_epochs(&crate::drill::logs::text(r))
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// Wait until pod `ordinal` is a connected replica of `master`; records a check `name`.
pub fn expect_replica_of(
    r: &mut Rehearsal,
    name: &str,
    ordinal: usize,
    master: usize,
    seconds: f64,
) {
    use super::rehearsal::Role;
    let mut last = None;
    let took = r.wait_until(seconds, || {
        last = r.role(ordinal);
        (last == Some(Role::Replica(Some(master), true))).then_some(())
    });
    let expected = format!(
        "replica of {} within {seconds} s",
        r.cluster.pod_name(master)
    );
    match took {
        Some((t, ())) => r.check(name, true, format!("after {t:.1} s"), expected),
        None => r.check(name, false, format!("ROLE {last:?}"), expected),
    }
}

#[cfg(test)]
mod tests {
    use super::{SCENARIOS, select};

    #[test]
    fn selects_one_several_or_all_scenarios_in_catalogue_order() {
        let names =
            |s: &str| -> Vec<&str> { select(s).expect("known").iter().map(|s| s.name).collect() };
        assert_eq!(names("all").len(), SCENARIOS.len());
        assert!(names("all").contains(&"sentinel-auth"));
        assert_eq!(names("master-down"), ["master-down"]);
        assert_eq!(
            names("rolling-restart, bootstrap,master-down,bootstrap"),
            ["bootstrap", "master-down", "rolling-restart"]
        );
        for bad in ["", "bootstrap,", "master-explodes", "bootstrap,all"] {
            let err = select(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("comma-separated"), "{bad:?}: {err}");
        }
    }
}
