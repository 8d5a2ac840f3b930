//! `drill`: rehearse the failure scenarios on real Redis from the manifests.

use super::args::{DrillArgs, ReportFormat};
use super::pipe::Stdout;
use crate::drill::{self, DrillOptions, Target, explore, scenarios, spec};
use crate::error::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::manifest::Document;
use anyhow::{Context, bail};
use std::time::Duration;

pub fn drill(args: &DrillArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    if args.explore || args.replay.is_some() {
        return explore(args, out);
    }
    let scenarios = scenarios::select(&args.scenario)?;
    let (documents, label, wait_replicas) = input(args)?;
    let spec = spec::ha_spec(&documents, wait_replicas)?;
    let options = DrillOptions {
        scenarios,
        label,
        quiet: args.quiet,
        timeline: args.timeline.clone(),
        out: args.out.clone(),
        settings: drill::fidelity::Settings {
            pids_limit: args.pids_limit,
            dns: drill::dns::Timing {
                ttl: Duration::from_secs(args.dns_ttl),
                cache: Duration::from_secs(args.dns_cache),
                propagation: Duration::from_millis(args.dns_propagation_ms),
            },
            node_monitor_grace: Duration::from_secs(args.node_monitor_grace),
        },
        render: rerender(args),
    };
    let report = match args.target.as_str() {
        "local" => drill::run(&spec, &options, Target::Local)?,
        "kubectl" => drill::run(&spec, &options, Target::Kubectl)?,
        other => bail!(
            "unknown --target {other:?}{}: use `local` or `kubectl`",
            crate::profile::suggest::did_you_mean(other, ["local", "kubectl"])
        ),
    };
    match args.format {
        ReportFormat::Text => out.print(&report.to_text())?,
        ReportFormat::Json => out.print(&format!("{}\n", report.to_json()))?,
    }
    Ok(if report.summary.failed == 0 {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

/// `--explore` and `--replay`: schedules of faults judged by the invariants I1–I4.
fn explore(args: &DrillArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    if args.target != "local" {
        bail!("--explore and --replay run on the local target only (namespaces on this machine)");
    }
    let mut kinds = explore::catalogue::select(&args.faults)?;
    let scale = explore::catalogue::FaultKind::Scale;
    if args.manifests.is_some() && kinds.contains(&scale) {
        if args.faults.trim() != "all" {
            bail!(
                "the `scale` fault re-renders the profile with more pods, which a manifest \
                 file cannot be: drill --profile, or leave `scale` out of --faults"
            );
        }
        kinds.retain(|k| *k != scale);
    }
    // Faults this machine cannot inject: `all` leaves them out (the report names them),
    // naming one is an error.
    let mut not_available = Vec::new();
    let cut = explore::catalogue::FaultKind::PartitionMasterSentinels;
    if kinds.contains(&cut) && !drill::local::can_cut_sentinels_only() {
        if args.faults.trim() != "all" {
            bail!(
                "the `{}` fault needs a writable cgroup v2 hierarchy (/sys/fs/cgroup or \
                 /sys/fs/cgroup/unified), which this machine does not offer: leave it out \
                 of --faults",
                cut.name()
            );
        }
        kinds.retain(|k| *k != cut);
        not_available.push(cut.name().to_string());
    }
    let replay = args
        .replay
        .as_deref()
        .map(explore::replay::read)
        .transpose()?;
    let (documents, label, wait_replicas) = input(args)?;
    let spec = spec::ha_spec(&documents, wait_replicas)?;
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    let options = explore::ExploreOptions {
        seed,
        schedules: args.schedules,
        steps: args.steps,
        kinds,
        out: args.out.clone(),
        timeline: args.timeline.clone(),
        shrink_replays: args.shrink_replays,
        label,
        quiet: args.quiet,
        render: rerender(args),
        keep_logs: replay.is_some(),
        not_available,
    };
    let report = match replay {
        Some(schedule) => explore::replay(&spec, schedule, &options)?,
        None => {
            if !args.quiet {
                eprintln!(
                    "exploring {} with seed {seed}: {} schedules of {} faults",
                    options.label, options.schedules, options.steps
                );
            }
            explore::explore(&spec, &options)?
        }
    };
    match args.format {
        ReportFormat::Text => out.print(&report.to_text())?,
        ReportFormat::Json => out.print(&format!("{}\n", report.to_json()))?,
    }
    Ok(if report.violations > 0 {
        EXIT_FINDINGS
    } else if report.errors > 0 {
        EXIT_USAGE
    } else {
        EXIT_OK
    })
}

/// The profile rendered again with `redis.replicas` (and, for required anti-affinity, the
/// node count) set to the size asked: what a user re-renders before applying a scale; and
/// with a scenario's own `--set`s after the user's.
fn rerender(args: &DrillArgs) -> Option<drill::Render> {
    if args.manifests.is_some() {
        return None;
    }
    let args = args.clone();
    Some(Box::new(move |replicas: usize, sets: &[&str]| {
        let mut args = args.clone();
        args.sets.extend(sets.iter().map(|s| s.to_string()));
        args.sets.push(format!("redis.replicas={replicas}"));
        let resolved = resolve(&args)?;
        let nodes = resolved.profile.cluster.nodes as usize;
        if nodes < replicas {
            args.sets.push(format!("cluster.nodes={replicas}"));
        }
        let (documents, _, wait_replicas) = input(&args)?;
        spec::ha_spec(&documents, wait_replicas)
    }))
}

/// The documents to drill, a label for the report, and the `WAIT` replicas the profile asks
/// for (from the profile itself; a manifest file says it with an annotation).
fn input(args: &DrillArgs) -> anyhow::Result<(Vec<Document>, String, Option<u32>)> {
    if let Some(file) = &args.manifests {
        let text = if file == "-" {
            String::from_utf8(crate::bounded_read::stdin()?)
                .context("the manifests on stdin are not UTF-8 text")?
        } else {
            crate::bounded_read::text_file(std::path::Path::new(file), file)?
        };
        return Ok((spec::documents_from_text(file, &text)?, file.clone(), None));
    }
    let Some(profile) = &args.profile else {
        return Err(no_profile(args));
    };
    let resolved = resolve(args)?;
    let generated = crate::generate::generate(&resolved, crate::schema::KubeVersion::default())?;
    let errors = generated
        .findings
        .iter()
        .filter(|f| f.severity == crate::finding::Severity::Error)
        .count();
    if errors > 0 {
        // `render` would refuse these manifests; the drill still shows what they would do.
        let profile = crate::escape::printable(profile);
        eprintln!(
            "drill: warning: profile {profile} renders with {errors} error finding(s) \
             (`redis-ha-gen validate --profile {profile}`); drilling the manifests anyway"
        );
    }
    let wait = resolved.profile.redis.wait_replicas;
    Ok((generated.documents, resolved.source, Some(wait)))
}

fn resolve(args: &DrillArgs) -> anyhow::Result<crate::profile::ResolvedProfile> {
    let Some(profile) = &args.profile else {
        return Err(no_profile(args));
    };
    crate::profile::resolve(&crate::profile::ProfileRequest {
        profile: profile.clone(),
        values: args.values.clone(),
        sets: args.sets.clone(),
        namespace: args.namespace.clone(),
    })
}

/// Neither `--profile` nor `--manifests`. `-f FILE` alone is most likely the old spelling
/// (`-f` took the manifests before it meant a values file, as everywhere else): a manifest
/// given there is named as such, with the flag that takes it.
fn no_profile(args: &DrillArgs) -> anyhow::Error {
    for path in &args.values {
        let source = path.display().to_string();
        if source == "-" {
            return anyhow::anyhow!(
                "drill -f takes a values file (a partial profile, merged onto --profile) and \
                 `-` is not one: drill manifests from stdin with `--manifests -`"
            );
        }
        let text = match crate::bounded_read::text_file(path, &source) {
            Ok(text) => text,
            Err(err) => return err,
        };
        if let Err(err) = crate::profile::refuse_manifest(&source, &text) {
            return err;
        }
    }
    let values = match args.values.is_empty() {
        true => "",
        false => " (-f/--values files are merged onto the profile, so they need one too)",
    };
    anyhow::anyhow!(
        "say what to drill: --profile NAME (kind, ocp, production or a file), optionally with \
         -f VALUES, or --manifests FILE (`-` for stdin){values}"
    )
}
