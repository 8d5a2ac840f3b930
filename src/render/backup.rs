//! The backup CronJob, its claim, and the restore mode's additions to the Redis pods
//! (`backup.*`; docs/runbook.md, "Backups" and "Restoring from a backup").

use super::container::resources;
use crate::profile::Profile;
use crate::profile::backup::AccessMode;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Where the backup claim is mounted: read-write in the backup Job, read-only in the Redis
/// pods in restore mode.
pub const BACKUP_DIR: &str = "/backup";

/// What the backup templates read (`backup.enabled`).
#[derive(Debug, Serialize)]
pub struct BackupContext {
    /// The CronJob's and the claim's name, `<name>-backup`.
    pub name: String,
    pub schedule: String,
    pub claim: String,
    pub dir: &'static str,
    pub size: String,
    pub storage_class_name: Option<String>,
    pub access_mode: &'static str,
    /// The Job pods' labels: the set's labels without its selector, so no Service, PDB or
    /// NetworkPolicy of the Redis pods selects them.
    pub pod_labels: BTreeMap<String, String>,
    /// The backup container's env: the pods' (so `common.sh` works unchanged) plus the
    /// claim's directory and the retention.
    pub env: Vec<Value>,
    pub resources: Value,
    /// Restore mode (`backup.restore`): the Redis pods mount the claim read-only.
    pub restore: bool,
}

/// The backup context, when `backup.enabled`.
pub fn context(
    profile: &Profile,
    name: &str,
    labels: &BTreeMap<String, String>,
    selector: &BTreeMap<String, String>,
    pod_env: &[Value],
) -> Option<BackupContext> {
    let backup = &profile.backup;
    if !backup.enabled {
        return None;
    }
    let mut pod_labels: BTreeMap<String, String> = labels
        .iter()
        .filter(|(key, _)| !selector.contains_key(*key))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    pod_labels.insert("app.kubernetes.io/component".into(), "backup".into());
    let mut env = pod_env.to_vec();
    env.push(json!({"name": "BACKUP_DIR", "value": BACKUP_DIR}));
    env.push(json!({"name": "BACKUP_RETENTION", "value": backup.retention.to_string()}));
    Some(BackupContext {
        name: format!("{name}-backup"),
        schedule: backup.schedule.trim().to_string(),
        claim: format!("{name}-backup"),
        dir: BACKUP_DIR,
        size: backup.pvc.size.clone(),
        storage_class_name: (!backup.pvc.storage_class_name.is_empty())
            .then(|| backup.pvc.storage_class_name.clone()),
        access_mode: match backup.pvc.access_mode {
            AccessMode::ReadWriteOnce => "ReadWriteOnce",
            AccessMode::ReadWriteMany => "ReadWriteMany",
        },
        pod_labels,
        env,
        resources: resources(&backup.resources),
        restore: backup.restore,
    })
}

/// The Redis pods' env in restore mode: where the snapshots are, and that pod 0 may load
/// the newest one into an empty set (`restore.sh`).
pub fn restore_env(profile: &Profile) -> Vec<Value> {
    if !(profile.backup.enabled && profile.backup.restore) {
        return Vec::new();
    }
    vec![
        json!({"name": "BACKUP_DIR", "value": BACKUP_DIR}),
        json!({"name": "RESTORE_FROM_BACKUP", "value": "1"}),
    ]
}
