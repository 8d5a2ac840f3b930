//! The failover drill: runs the pods of a rendered (or any) manifest set as Linux namespaces
//! with the machine's real `redis-server`, `redis-sentinel`, `redis-cli` and `sh`, plays the
//! failure scenarios of `ha-behaviour.md` while a probe plays the gateway, and reports the
//! measured numbers. See `docs/architecture.md` ("drill") for how a pod is run.

pub mod cleanup;
pub mod cluster;
mod dns;
mod env;
pub mod local;
mod measure;
mod network;
mod pods;
pub mod probe;
mod process;
pub mod rehearsal;
pub mod report;
pub mod resp;
mod sampler;
mod sandbox;
pub mod scenarios;
pub mod spec;
mod volumes;

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
}

/// `redis-server --version`'s `v=` number.
pub fn redis_version() -> anyhow::Result<String> {
    let out = std::process::Command::new("redis-server")
        .arg("--version")
        .output()
        .context("cannot run `redis-server --version`: install redis-server")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|w| w.strip_prefix("v="))
        .map(str::to_string)
        .context("`redis-server --version` printed no version")
}

/// Rehearse every scenario on this machine, each on a fresh set.
pub fn run_local(spec: &HaSpec, options: &DrillOptions) -> anyhow::Result<RunReport> {
    local::check_host()?;
    let version = redis_version()?;
    let _guard = cleanup::Guard::install();
    if !options.quiet {
        for name in &spec.invented_secrets {
            eprintln!(
                "drill: Secret {name:?} is not in the manifests: using a throwaway one for the rehearsal"
            );
        }
    }
    let mut reports = Vec::new();
    for scenario in &options.scenarios {
        let set = local::LocalSet::create(spec)?;
        let rehearsed = scenarios::rehearse(&set, scenario, options.quiet);
        drop(set);
        if !options.quiet {
            let verdict = if rehearsed.report.passed {
                "passed"
            } else {
                "FAILED"
            };
            eprintln!(
                "drill: {:<22} {verdict} in {:.1} s",
                scenario.name, rehearsed.end
            );
        }
        reports.push(rehearsed.report);
    }
    Ok(RunReport::new(
        options.label.clone(),
        "local".into(),
        version,
        spec.image.clone(),
        reports,
    ))
}
