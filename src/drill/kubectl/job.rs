//! One run of a CronJob on a live cluster: `kubectl create job --from=cronjob/<name>
//! <name>-drill-<unique>`, its conditions polled until `Complete` or `Failed` (at most the
//! timeout), its log and its pod's exit code collected, and the Job deleted whatever came of
//! it (its pods go with it).

use super::KubectlSet;
use crate::drill::jobs::JobRun;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How often the Job's conditions are read.
const POLL: Duration = Duration::from_millis(500);
/// Lines of the Job's log kept.
const LOG_LINES: usize = 40;
/// A Job's name becomes its pods' `job-name` label: at most 63 characters.
const NAME_MAX: usize = 63;

/// A name for one run of CronJob `cron`, unique per run: `<cron>-drill-<seconds><pid>` (the
/// CronJob's part shortened to fit 63 characters).
pub fn job_name(cron: &str, seconds: u64, pid: u32) -> String {
    let suffix = format!("-drill-{seconds}{pid}");
    let keep = NAME_MAX.saturating_sub(suffix.len()).min(cron.len());
    let base = cron[..keep].trim_end_matches('-');
    format!("{base}{suffix}")
}

/// What a Job's `status.conditions` (types of those `True`, space-separated) says: `Some(true)`
/// complete, `Some(false)` failed, `None` still running.
pub fn finished(conditions: &str) -> Option<bool> {
    let types: Vec<&str> = conditions.split_whitespace().collect();
    if types.contains(&"Complete") {
        Some(true)
    } else if types.contains(&"Failed") {
        Some(false)
    } else {
        None
    }
}

pub fn run(set: &KubectlSet, cron: &str, timeout: Duration) -> anyhow::Result<JobRun> {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let name = job_name(cron, seconds, std::process::id());
    set.kubectl(&["create", "job", &format!("--from=cronjob/{cron}"), &name])?;
    let result = watch(set, &name, timeout);
    // Deleted on success, failure and timeout alike; its pods go with it.
    let deleted = set.kubectl(&["delete", "job", &name, "--ignore-not-found", "--wait=false"]);
    let run = result?;
    deleted?;
    Ok(run)
}

fn watch(set: &KubectlSet, name: &str, timeout: Duration) -> anyhow::Result<JobRun> {
    let deadline = Instant::now() + timeout;
    let outcome = loop {
        let conditions = set.kubectl(&[
            "get",
            "job",
            name,
            "-o",
            "jsonpath={.status.conditions[?(@.status==\"True\")].type}",
        ])?;
        if let Some(outcome) = finished(&conditions) {
            break Some(outcome);
        }
        if Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(POLL);
    };
    let mut log: Vec<String> = set
        .kubectl(&[
            "logs",
            &format!("job/{name}"),
            &format!("--tail={LOG_LINES}"),
        ])
        .map(|text| text.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let exit = set
        .kubectl(&[
            "get",
            "pods",
            "-l",
            &format!("job-name={name}"),
            "-o",
            "jsonpath={.items[*].status.containerStatuses[0].state.terminated.exitCode}",
        ])
        .ok()
        .and_then(|codes| codes.split_whitespace().last()?.parse().ok());
    if outcome.is_none() {
        log.push(format!(
            "job {name} did not finish within {} s",
            timeout.as_secs()
        ));
    }
    Ok(JobRun {
        succeeded: outcome == Some(true),
        log,
        exit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_a_label_and_differ_per_run() {
        assert_eq!(
            job_name("redis-backup", 1764790000, 42),
            "redis-backup-drill-176479000042"
        );
        let long = job_name(&"x".repeat(80), 1764790000, 4_000_000);
        assert_eq!(long.len(), NAME_MAX, "{long}");
        assert!(long.ends_with("-drill-17647900004000000"));
    }

    #[test]
    fn reads_the_jobs_conditions() {
        assert_eq!(finished("Complete"), Some(true));
        assert_eq!(finished("SuccessCriteriaMet Complete"), Some(true));
        assert_eq!(finished("FailureTarget Failed"), Some(false));
        assert_eq!(finished(""), None);
        assert_eq!(finished("Suspended"), None);
    }
}
