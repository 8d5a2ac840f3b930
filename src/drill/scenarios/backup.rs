//! `restore-from-backup` (docs/scenarios.md): the backup CronJob's pod takes a snapshot
//! from a replica; every claim but one replica's is lost (that node's newer data must win:
//! no restore over it); then every claim is lost, and the set must come back with every key
//! of the snapshot (`backup.restore`, docs/runbook.md "Restoring from a backup").

use super::planned::stop_all;
use super::start_all;
use crate::drill::probe;
use crate::drill::rehearsal::Rehearsal;
use anyhow::{Context, bail};
use std::time::Duration;

/// What the profile is rendered with for this scenario: the backup CronJob and restore
/// mode, on a claim every pod may mount.
pub const SETS: &[&str] = &[
    "backup.enabled=true",
    "backup.restore=true",
    "backup.pvc.accessMode=ReadWriteMany",
];
/// What `restore.sh` logs when it loads a snapshot.
const RESTORED: &str = "every claim of the set was lost: loading";
/// Keys written before the snapshot, and after it.
const KEYS: usize = 200;
/// The backup Job's pod must finish within this.
const JOB_SECONDS: u64 = 120;
/// The set must be whole again within this after a whole-set start.
const SETTLE_SECONDS: f64 = 90.0;

/// `KEYS` keys named `prefix:<n>`, written on the master and acknowledged by every replica
/// (`WAIT`), so the snapshot of any replica holds them.
fn write_keys(r: &mut Rehearsal, prefix: &str) -> anyhow::Result<Vec<String>> {
    let timeout = Duration::from_secs(5);
    let keys: Vec<String> = (0..KEYS).map(|i| format!("{prefix}:{i}")).collect();
    let mut session = r.cluster.connect(r.master, false, timeout)?;
    for key in &keys {
        session.call(&["SET", key, key], timeout)?;
    }
    let replicas = (r.replicas() - 1).to_string();
    let acked = session.call(&["WAIT", &replicas, "5000"], Duration::from_secs(6))?;
    r.step(format!(
        "wrote {KEYS} keys {prefix}:* on {} ({} replicas acknowledged)",
        r.cluster.pod_name(r.master),
        match acked {
            crate::resp::Reply::Int(n) => n,
            _ => -1,
        }
    ));
    Ok(keys)
}

/// Records whether every one of `keys` is on the master now.
fn check_keys(r: &mut Rehearsal, name: &str, keys: &[String]) {
    let present = probe::count_present(r.cluster, keys);
    r.check(
        name,
        present == Some(keys.len()),
        present.map_or("no master answers".into(), |n| {
            format!("{n} of {}", keys.len())
        }),
        format!("all {}", keys.len()),
    );
}

/// Stop every pod, wipe the claims of `lost`, start them all, wait for the set to settle.
/// With `snapshot` (when it was taken), the writes acknowledged since are not expected back.
fn lose_claims(
    r: &mut Rehearsal,
    lost: &[usize],
    what: &str,
    snapshot: Option<f64>,
) -> anyhow::Result<()> {
    stop_all(r)?;
    if let Some(at) = snapshot {
        r.snapshot_window = Some((at, r.now()));
    }
    r.step(what.to_string());
    for &i in lost {
        r.cluster.wipe_volumes(i)?;
    }
    start_all(r, SETTLE_SECONDS)?;
    if let Some(master) = r.settle("the set is whole again", SETTLE_SECONDS) {
        r.master = master;
    }
    Ok(())
}

pub fn restore_from_backup(r: &mut Rehearsal) -> anyhow::Result<()> {
    let job = format!("{}-backup", r.cluster.spec().name);
    if !r.cluster.spec().jobs.iter().any(|j| j.name == job) {
        bail!(
            "the manifests hold no CronJob {job}: render them with {} (drill --profile does)",
            SETS.iter()
                .map(|s| format!("--set {s}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let old = write_keys(r, "backup:old")?;
    let snapshot = r.now();
    r.step(format!("running a pod of CronJob {job}"));
    let run = r
        .cluster
        .run_job(&job, Duration::from_secs(JOB_SECONDS))
        .context("the backup Job")?;
    for line in run.log.iter().rev().take(3).rev() {
        r.step(format!("{job}: {line}"));
    }
    r.check(
        "the backup Job's pod succeeds",
        run.succeeded,
        if run.succeeded {
            "exit 0".to_string()
        } else {
            run.log
                .last()
                .cloned()
                .unwrap_or_else(|| "no output".into())
        },
        format!("exit 0 within {JOB_SECONDS} s"),
    );
    let new = write_keys(r, "backup:new")?;
    let survivor = r.replicas() - 1;
    let others: Vec<usize> = (0..survivor).collect();
    lose_claims(
        r,
        &others,
        &format!(
            "wiping every volume but {}'s (it holds keys newer than the snapshot)",
            r.cluster.pod_name(survivor)
        ),
        None,
    )?;
    check_keys(
        r,
        "a surviving node's newer keys are kept (no restore over it)",
        &new,
    );
    check_keys(r, "the keys of the snapshot are kept too", &old);
    let container = r.cluster.spec().redis_container.clone();
    let loaded: Vec<String> = (0..r.replicas())
        .filter(|&i| {
            let log = r.cluster.logs(i, &container, 2000);
            log.iter().any(|line| line.contains(RESTORED))
        })
        .map(|i| r.cluster.pod_name(i))
        .collect();
    r.check(
        "no pod loaded a snapshot while another held data",
        loaded.is_empty(),
        if loaded.is_empty() {
            "none".to_string()
        } else {
            loaded.join(", ")
        },
        "none",
    );
    let all: Vec<usize> = (0..r.replicas()).collect();
    lose_claims(r, &all, "wiping every volume of the set", Some(snapshot))?;
    check_keys(
        r,
        "every key written before the snapshot is back after every volume was lost",
        &old,
    );
    Ok(())
}
