//! The failover drill: runs the pods of a rendered (or any) manifest set as Linux namespaces
//! with the machine's real `redis-server`, `redis-sentinel`, `redis-cli` and `sh`, plays the
//! failure scenarios of docs/scenarios.md while a probe plays the gateway, and reports the
//! measured numbers. See `docs/architecture.md` ("drill") for how a pod is run.

mod backoff;
pub mod certificates;
mod cgroup;
mod cgroup_tree;
pub mod cleanup;
pub mod clients;
pub mod cluster;
pub mod dns;
mod engine;
mod env;
pub mod explore;
mod exporter;
pub mod fidelity;
pub mod jobs;
pub mod kubectl;
pub mod local;
mod logs;
mod measure;
mod mounts;
mod netns;
mod network;
mod nft;
mod pods;
pub mod policy;
pub mod probe;
mod prober;
mod process;
mod procfs;
pub mod rehearsal;
pub mod report;
mod rollout;
mod sampler;
mod sandbox;
pub mod scenarios;
pub mod security;
mod sentinel_cut;
mod service_name;
pub mod services;
mod signal;
pub mod spec;
pub mod split_vote;
mod stalled;
mod timeline;
pub mod tls;
mod userland;
mod versions;
mod volumes;
mod which;

use anyhow::Context;
use report::RunReport;
use scenarios::Scenario;
use spec::HaSpec;

/// What to rehearse and how to tell about it.
pub struct DrillOptions {
    pub scenarios: Vec<&'static Scenario>,
    /// Shown in the report (`kind`, a profile path, or the manifest file).
    pub label: String,
    /// No progress lines on stderr.
    pub quiet: bool,
    /// Write `<scenario>.svg` timelines into this directory.
    pub timeline: Option<std::path::PathBuf>,
    /// Write the whole logs of each scenario into this directory (`<scenario>.log`).
    pub out: Option<std::path::PathBuf>,
    /// What the local target enforces (pid limit).
    pub settings: fidelity::Settings,
    /// The set re-rendered with another `redis.replicas`, for the scenarios that resize it;
    /// `None` when the input cannot be re-rendered (a manifest file).
    pub render: Option<Render>,
}

/// Renders the drilled input again with `redis.replicas` set to the first argument and the
/// `--set`s of the second.
pub type Render = Box<dyn Fn(usize, &[&str]) -> anyhow::Result<HaSpec>>;

/// Where the pods run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Namespaces on this machine, a fresh set per scenario.
    Local,
    /// The set already deployed in a live cluster, through `kubectl`.
    Kubectl,
}

/// Rehearse every scenario.
pub fn run(spec: &HaSpec, options: &DrillOptions, target: Target) -> anyhow::Result<RunReport> {
    let mut reports = Vec::new();
    let engine = engine::of(spec);
    // What a pod's server said it is (`INFO server`), once one answered.
    let mut ran = None;
    for dir in options.timeline.iter().chain(&options.out) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let total = options.scenarios.len();
    let mut done = 0;
    let mut progress = |rehearsed: scenarios::Rehearsed| {
        done += 1;
        if let Some(dir) = &options.timeline {
            let path = dir.join(format!("{}.svg", rehearsed.report.name));
            // A resized set draws every ordinal it had.
            let pods = rehearsed.samples.iter().map(|s| s.ordinal + 1).max();
            let pods = pods.unwrap_or(0).max(spec.replicas);
            let picture = timeline::svg(&rehearsed, pods, |i| spec.pod_name(i));
            if let Err(err) = std::fs::write(&path, picture) {
                let shown = path.display().to_string();
                let shown = crate::escape::printable(&shown);
                eprintln!("drill: cannot write {shown}: {err}");
            }
        }
        if let (Some(dir), Some(logs)) = (&options.out, &rehearsed.full_logs) {
            let path = dir.join(format!("{}.log", rehearsed.report.name));
            if let Err(err) = std::fs::write(&path, logs) {
                let shown = path.display().to_string();
                let shown = crate::escape::printable(&shown);
                eprintln!("drill: cannot write {shown}: {err}");
            }
        }
        if !options.quiet {
            let verdict = if rehearsed.report.passed {
                "passed"
            } else {
                "FAILED"
            };
            eprintln!(
                "drill: [{done}/{total}] {:<22} {verdict} in {:.1} s",
                rehearsed.report.name, rehearsed.end
            );
        }
        reports.push(rehearsed.report);
    };
    let version = match target {
        Target::Local => {
            local::check_host(spec)?;
            let version = engine::server_version(engine)?;
            let _guard = cleanup::Guard::install();
            if !options.quiet {
                for name in &spec.invented_secrets {
                    eprintln!(
                        "drill: Secret {name:?} is not in the manifests: using a throwaway one for the rehearsal"
                    );
                }
                for issued in &spec.issued_secrets {
                    eprintln!("drill: {}", crate::escape::printable(&issued.describe()));
                }
            }
            for scenario in &options.scenarios {
                let set = match (scenario.resize, &options.render) {
                    (Some((from, to)), Some(render)) => local::LocalSet::create_with_update(
                        &render(from, scenario.sets)?,
                        &options.settings,
                        Some(render(to, scenario.sets)?),
                    )?,
                    (None, Some(render)) if !scenario.sets.is_empty() => {
                        local::LocalSet::create_with(
                            &render(spec.replicas, scenario.sets)?,
                            &options.settings,
                        )?
                    }
                    _ => local::LocalSet::create_with(spec, &options.settings)?,
                };
                let rehearsed =
                    scenarios::rehearse(&set, scenario, options.quiet, options.out.is_some());
                ran = ran.or_else(|| engine::ran_in_pods(&set));
                progress(rehearsed);
            }
            version
        }
        Target::Kubectl => {
            let set = kubectl::KubectlSet::new(spec);
            let version = cluster::Cluster::call(
                &set,
                0,
                false,
                &["INFO", "server"],
                std::time::Duration::from_secs(10),
            )
            .ok()
            .and_then(|info| engine::version_from_info(info.text()?));
            ran = version.clone();
            let version = version.map_or_else(|| "unknown".into(), |(_, version)| version);
            for scenario in &options.scenarios {
                progress(scenarios::rehearse(
                    &set,
                    scenario,
                    options.quiet,
                    options.out.is_some(),
                ));
            }
            version
        }
    };
    let target_name = if target == Target::Local {
        "local"
    } else {
        "kubectl"
    };
    let mut report = RunReport::new(
        options.label.clone(),
        target_name.into(),
        engine,
        version,
        spec.image.clone(),
        reports,
    );
    if let Some(warning) = engine::mismatch(engine, &report.server_version, ran) {
        report.warnings.push(warning);
    }
    if target == Target::Local {
        report.fidelity = Some(local::fidelity(spec, &options.settings));
        let skews = versions::local_skews(spec, engine, &report.server_version);
        report.set_version_skews(skews);
    }
    Ok(report)
}
