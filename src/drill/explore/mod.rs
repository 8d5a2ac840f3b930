//! `drill --explore`: Jepsen-style exploration of the fault space on the local pod runner.
//! Seeded schedules of faults (`schedule`, from the `catalogue`), each run on a fresh set
//! (`runner`, `inject`) and judged by the invariants I1–I4 (`invariants`); a failing
//! schedule is written as a replay file (`replay`) and shrunk (`shrink`). See
//! `docs/explore.md`.

pub mod catalogue;
mod inject;
mod invariants;
pub mod replay;
pub mod report;
mod runner;
pub mod schedule;
mod shrink;

use super::spec::HaSpec;
use super::{cleanup, local, scenarios, timeline};
use anyhow::Context;
use catalogue::FaultKind;
use report::{ExploreReport, ScheduleReport, Shrunk};
use runner::Progress;
use schedule::{Schedule, Shape};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct ExploreOptions {
    pub seed: u64,
    pub schedules: usize,
    pub steps: usize,
    pub kinds: Vec<FaultKind>,
    /// Failing schedules (and their shrunk forms) are written here as replay files.
    pub out: Option<PathBuf>,
    /// One timeline SVG per schedule.
    pub timeline: Option<PathBuf>,
    /// Replays shrinking may spend on each failing schedule.
    pub shrink_replays: usize,
    /// Shown in the report (`kind`, a profile path, or the manifest file).
    pub label: String,
    pub quiet: bool,
    /// The input rendered again with another `redis.replicas`, for `scale`; `None` for a
    /// manifest file.
    pub render: Option<super::Render>,
    /// Write the whole logs (`--out`) of a schedule that passed too: a replay is run to be
    /// read, and a pass after a fix is worth reading as much as the failure before it.
    pub keep_logs: bool,
    /// Faults of the catalogue this machine cannot inject, left out of `all` (the report's
    /// `not_available`, after the catalogue's own `NOT_YET`).
    pub not_available: Vec<String>,
}

fn shape_pods(spec: &HaSpec) -> Vec<String> {
    (0..spec.replicas).map(|i| spec.pod_name(i)).collect()
}

/// The schedules an exploration runs, without running them.
pub fn plan(spec: &HaSpec, options: &ExploreOptions) -> Vec<Schedule> {
    let pods = shape_pods(spec);
    let shape = Shape {
        pods: &pods,
        down_after: spec.down_after_ms as f64 / 1000.0,
    };
    (0..options.schedules)
        .map(|k| {
            schedule::generate(
                schedule::schedule_seed(options.seed, k),
                options.steps,
                &options.kinds,
                &shape,
            )
        })
        .collect()
}

/// Run every schedule of the exploration.
pub fn explore(spec: &HaSpec, options: &ExploreOptions) -> anyhow::Result<ExploreReport> {
    run_all(spec, options, plan(spec, options), options.seed)
}

/// Run one schedule, exactly as written (`--replay`).
pub fn replay(
    spec: &HaSpec,
    schedule: Schedule,
    options: &ExploreOptions,
) -> anyhow::Result<ExploreReport> {
    let seed = schedule.seed;
    run_all(spec, options, vec![schedule], seed)
}

fn run_all(
    spec: &HaSpec,
    options: &ExploreOptions,
    schedules: Vec<Schedule>,
    seed: u64,
) -> anyhow::Result<ExploreReport> {
    local::check_host(spec)?;
    let engine = super::engine::of(spec);
    let version = super::engine::server_version(engine)?;
    let _guard = cleanup::Guard::install();
    for dir in options.out.iter().chain(&options.timeline) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let started = Instant::now();
    let total = schedules.len();
    let mut reports = Vec::new();
    for (k, schedule) in schedules.into_iter().enumerate() {
        let progress = Progress {
            label: format!("schedule {}/{total}", k + 1),
            quiet: options.quiet,
        };
        progress.line(&format!(
            "seed {}, {} faults",
            schedule.seed,
            schedule.faults.len()
        ));
        let svg = options
            .timeline
            .as_ref()
            .map(|d| d.join(format!("schedule-{}.svg", k + 1)));
        let name = format!("schedule-{}-seed-{}", k + 1, schedule.seed);
        let full_logs = options.out.as_ref().map(|d| d.join(format!("{name}.log")));
        let outputs = Outputs {
            svg: svg.as_deref(),
            logs: full_logs.as_deref(),
        };
        let mut report = run_one(spec, options, &schedule, &progress, outputs)?;
        progress.line(&verdict(&report));
        if !report.passed && report.error.is_none() {
            report.file = write_replay(options, &name, &schedule)?;
            if options.shrink_replays > 0 {
                report.shrunk = Some(shrink(spec, options, &report, &name)?);
            }
        }
        reports.push(report);
    }
    let violations = reports.iter().map(|r| r.violations.len()).sum();
    Ok(ExploreReport {
        seed,
        profile: options.label.clone(),
        engine,
        redis_version: version.clone(),
        server_version: version,
        faults_injected: reports.iter().map(|r| r.faults.len()).sum(),
        errors: reports.iter().filter(|r| r.error.is_some()).count(),
        schedules: reports,
        violations,
        seconds: super::measure::round(started.elapsed().as_secs_f64()),
        not_available: catalogue::NOT_YET
            .iter()
            .map(|(name, _)| name.to_string())
            .chain(options.not_available.iter().cloned())
            .collect(),
    })
}

fn verdict(report: &ScheduleReport) -> String {
    if let Some(error) = &report.error {
        return format!("could not run: {error}");
    }
    if report.passed {
        return format!("passed in {:.0} s", report.duration_seconds);
    }
    let found: Vec<String> = report
        .violations
        .iter()
        .map(|v| format!("{} at {:.1} s: {}", v.invariant, v.at, v.detail))
        .collect();
    format!("FAILED: {}", found.join("; "))
}

fn write_replay(
    options: &ExploreOptions,
    name: &str,
    schedule: &Schedule,
) -> anyhow::Result<Option<String>> {
    let Some(dir) = &options.out else {
        return Ok(None);
    };
    let path = dir.join(format!("{name}.json"));
    replay::write(&path, schedule)?;
    Ok(Some(path.display().to_string()))
}

fn shrink(
    spec: &HaSpec,
    options: &ExploreOptions,
    report: &ScheduleReport,
    name: &str,
) -> anyhow::Result<Shrunk> {
    let budget = options.shrink_replays;
    let mut attempt = 0;
    let found = shrink::shrink(
        &report.schedule(),
        &report.violations,
        budget,
        |candidate| {
            attempt += 1;
            let progress = Progress {
                label: format!("shrink {attempt}/{budget}"),
                quiet: options.quiet,
            };
            progress.line(&format!("{} faults", candidate.faults.len()));
            let replayed = run_one(spec, options, candidate, &progress, Outputs::default()).ok()?;
            progress.line(&verdict(&replayed));
            replayed.error.is_none().then_some(replayed.violations)
        },
    );
    if !options.quiet {
        eprintln!(
            "shrunk to {} fault(s) in {} replays: {}",
            found.schedule.faults.len(),
            found.replays,
            serde_json::to_string(&found.schedule.faults).unwrap_or_default()
        );
    }
    Ok(Shrunk {
        file: write_replay(options, &format!("{name}-shrunk"), &found.schedule)?,
        faults: found.schedule.faults,
        violations: found.violations,
        replays: found.replays,
    })
}

/// A fresh set for `schedule`: with room for two more pods, re-rendered, when it scales.
fn create_set(
    spec: &HaSpec,
    options: &ExploreOptions,
    schedule: &Schedule,
) -> anyhow::Result<local::LocalSet> {
    if !schedule.faults.iter().any(|f| f.fault == FaultKind::Scale) {
        return local::LocalSet::create(spec);
    }
    let Some(render) = &options.render else {
        anyhow::bail!(
            "the `scale` fault re-renders the profile with more pods, which a manifest file \
             cannot be: drill --profile, or leave `scale` out of --faults"
        );
    };
    let settings = super::fidelity::Settings::default();
    local::LocalSet::create_with_update(spec, &settings, Some(render(spec.replicas + 2, &[])?))
}

/// What a run writes besides its report: the timeline picture (`--timeline`), and the
/// whole logs of the set when the schedule fails (`--out`).
#[derive(Clone, Copy, Default)]
struct Outputs<'a> {
    svg: Option<&'a Path>,
    logs: Option<&'a Path>,
}

/// Run `schedule` on a fresh set and judge it.
fn run_one(
    spec: &HaSpec,
    options: &ExploreOptions,
    schedule: &Schedule,
    progress: &Progress,
    outputs: Outputs,
) -> anyhow::Result<ScheduleReport> {
    let svg = outputs.svg;
    let set = create_set(spec, options, schedule)?;
    let run = runner::run(&set, schedule, progress);
    let facts = invariants::Facts {
        down_after: spec.down_after_ms as f64 / 1000.0,
        wait_replicas: spec.wait_replicas,
        min_replicas_to_write: spec.min_replicas_to_write,
        min_replicas_max_lag: spec.min_replicas_max_lag,
        pods: shape_pods(spec),
        ordinals: crate::drill::cluster::Cluster::ordinals(&set),
    };
    let (violations, losses) = invariants::judge(&run, &facts);
    let rec = &run.recorded;
    let end = rec.rehearsal.now();
    let passed = violations.is_empty() && run.error.is_none();
    let steps = super::measure::role_steps(&rec.samples, facts.ordinals, end);
    let attempts = &rec.probe.attempts;
    let mut write_errors = std::collections::BTreeMap::new();
    for error in attempts.iter().filter_map(|a| a.error.as_deref()) {
        *write_errors
            .entry(error.chars().take(60).collect::<String>())
            .or_insert(0) += 1;
    }
    if let Some(path) = svg {
        let title = format!("seed {}", schedule.seed);
        let picture = timeline::Picture {
            title: &title,
            passed,
            samples: &rec.samples,
            attempts,
            events: &rec.rehearsal.events,
            end,
        };
        let drawn = timeline::draw(&picture, facts.ordinals, |i| spec.pod_name(i));
        if let Err(err) = std::fs::write(path, drawn) {
            eprintln!("drill: cannot write {}: {err}", path.display());
        }
    }
    if let (true, Some(path)) = (!passed || options.keep_logs, outputs.logs)
        && let Err(err) = crate::drill::logs::write(path, &rec.rehearsal)
    {
        eprintln!("drill: {err:#}");
    }
    Ok(ScheduleReport {
        seed: schedule.seed,
        faults: schedule.faults.clone(),
        passed,
        error: run.error.clone(),
        max_masters: super::measure::max_masters(&steps),
        pods_seen: rec
            .samples
            .iter()
            .filter(|s| s.role.is_some())
            .map(|s| s.ordinal + 1)
            .max()
            .unwrap_or(0),
        split_brain_seconds: super::measure::split_brain_seconds(&steps),
        write_unavailable_seconds: super::measure::longest_unavailable(attempts),
        writes_acknowledged: rec.probe.acknowledged.len(),
        writes_lost: losses.lost,
        writes_lost_allowed: losses.allowed,
        writes_failed: attempts.iter().filter(|a| !a.ok()).count(),
        write_errors,
        recovery_seconds: run
            .recovery
            .as_ref()
            .ok()
            .map(|t| super::measure::round(*t)),
        duration_seconds: super::measure::round(end),
        file: None,
        shrunk: None,
        logs: if passed {
            Vec::new()
        } else {
            scenarios::failure_logs(&rec.rehearsal)
        },
        violations,
    })
}
