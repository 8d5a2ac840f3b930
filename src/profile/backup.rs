//! `backup`: a CronJob that copies an RDB snapshot from a replica (found through Sentinel,
//! never the master) onto a PersistentVolumeClaim, verifies it with the engine's RDB checker
//! (`redis-check-rdb` or `valkey-check-rdb`, `Engine::check_rdb`) and keeps the newest
//! `retention` of them; and `backup.restore`, which brings a set whose
//! every claim was lost back to the newest snapshot (docs/runbook.md, "Restoring from a
//! backup"). An S3-compatible target is not built.

use super::grammar::*;
use super::resources::{CpuMemory, Resources};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Scheduled RDB snapshots onto a PersistentVolumeClaim, and restore from them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Backup {
    /// Render the backup CronJob `<name>-backup` and its claim `<name>-backup`. Off by
    /// default: the claim's size and storage class are the cluster's decision.
    pub enabled: bool,
    /// When the CronJob runs: a Kubernetes CronJob schedule (`0 */6 * * *`, `@hourly`), in
    /// the controller manager's time zone (UTC on most clusters).
    pub schedule: String,
    /// How many verified snapshots are kept (the newest); older ones are deleted after each
    /// new one is written. At least 1.
    #[schemars(range(min = 1))]
    pub retention: u32,
    /// Restore mode: every Redis pod mounts the backup claim read-only, and pod 0, when its
    /// volume is empty and every peer answers with no data and no Sentinel knows a master
    /// with data (a set whose every claim was lost), loads the newest snapshot before Redis
    /// starts. A pod that holds data is never overwritten. Needs a claim every pod can mount
    /// (`pvc.accessMode: ReadWriteMany`) unless the set runs on one node.
    pub restore: bool,
    /// The claim the snapshots are written to.
    pub pvc: BackupPvc,
    /// Resources of the backup container (`redis-cli --rdb` streams the snapshot to the
    /// claim; the engine's RDB checker reads it once).
    pub resources: Resources,
}

impl Default for Backup {
    fn default() -> Self {
        Backup {
            enabled: false,
            schedule: "0 */6 * * *".into(),
            retention: 8,
            restore: false,
            pvc: BackupPvc::default(),
            resources: Resources {
                requests: CpuMemory {
                    cpu: "50m".into(),
                    memory: "32Mi".into(),
                },
                limits: CpuMemory {
                    cpu: "500m".into(),
                    memory: "128Mi".into(),
                },
            },
        }
    }
}

/// The backup claim's access mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AccessMode {
    /// One node at a time: the backup Job's.
    ReadWriteOnce,
    /// Every node: what `backup.restore` needs when the Redis pods run on several nodes.
    ReadWriteMany,
}

/// The PersistentVolumeClaim `<name>-backup`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BackupPvc {
    /// Requested size: room for `retention` + 1 snapshots (one is written before the oldest
    /// is deleted), each at most about `redis.maxmemory`.
    pub size: String,
    /// StorageClass; empty: the cluster's default class.
    #[schemars(regex(pattern = DNS_SUBDOMAIN_OR_EMPTY), length(max = 253))]
    pub storage_class_name: String,
    /// `ReadWriteOnce` (default) or `ReadWriteMany`.
    pub access_mode: AccessMode,
}

impl Default for BackupPvc {
    fn default() -> Self {
        BackupPvc {
            size: "4Gi".into(),
            storage_class_name: String::new(),
            access_mode: AccessMode::ReadWriteOnce,
        }
    }
}
