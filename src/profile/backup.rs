//! `backup`: a CronJob that copies an RDB snapshot from a replica (found through Sentinel,
//! never the master) onto a PersistentVolumeClaim, verifies it with `redis-check-rdb` and
//! keeps the newest `retention` of them; and `backup.restore`, which brings a set whose
//! every claim was lost back to the newest snapshot (docs/runbook.md, "Restoring from a
//! backup"). An S3-compatible target is not built.

use super::checks::is_quantity;
use super::checks_scheduling::Found;
use super::cron;
use super::grammar::{self, *};
use super::{CpuMemory, Profile, Resources};
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
    /// claim; `redis-check-rdb` reads it once).
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

/// Values a backup cannot be rendered with: (key, value, what is wanted).
pub fn check(profile: &Profile, out: &mut Vec<Found>) {
    let backup = &profile.backup;
    let mut bad = |key: &str, value: &str, wanted: &str| {
        out.push((key.to_string(), value.to_string(), wanted.to_string()));
    };
    if !cron::is_schedule(&backup.schedule) {
        bad("backup.schedule", &backup.schedule, cron::CRON_RULE);
    }
    if backup.retention == 0 {
        bad("backup.retention", "0", "at least 1 snapshot kept");
    }
    if !is_quantity(&backup.pvc.size) {
        bad(
            "backup.pvc.size",
            &backup.pvc.size,
            "a Kubernetes quantity such as `4Gi`",
        );
    }
    if !grammar::matches(DNS_SUBDOMAIN_OR_EMPTY, &backup.pvc.storage_class_name) {
        bad(
            "backup.pvc.storageClassName",
            &backup.pvc.storage_class_name,
            "a DNS-1123 subdomain, or empty for the cluster's default class",
        );
    }
    let resources = &backup.resources;
    for (key, value) in [
        ("backup.resources.requests.cpu", &resources.requests.cpu),
        (
            "backup.resources.requests.memory",
            &resources.requests.memory,
        ),
        ("backup.resources.limits.cpu", &resources.limits.cpu),
        ("backup.resources.limits.memory", &resources.limits.memory),
    ] {
        if !is_quantity(value) {
            bad(
                key,
                value,
                "a Kubernetes quantity such as `500m` or `128Mi`",
            );
        }
    }
    if backup.restore && !backup.enabled {
        bad(
            "backup.restore",
            "true",
            "`backup.enabled: true` as well (restore reads the backup claim)",
        );
    }
    if backup.restore
        && backup.pvc.access_mode == AccessMode::ReadWriteOnce
        && profile.cluster.nodes > 1
    {
        bad(
            "backup.restore",
            "true",
            "`backup.pvc.accessMode: ReadWriteMany`: in restore mode every Redis pod mounts \
             the backup claim, and a ReadWriteOnce claim attaches to one node only \
             (`cluster.nodes` > 1); see docs/runbook.md, \"Restoring from a backup\"",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(edit: impl FnOnce(&mut Profile)) -> Vec<String> {
        let mut profile = Profile::default();
        profile.backup.enabled = true;
        edit(&mut profile);
        let mut out = Vec::new();
        check(&profile, &mut out);
        out.into_iter().map(|(key, _, _)| key).collect()
    }

    #[test]
    fn the_defaults_pass() {
        assert!(problems(|_| {}).is_empty());
    }

    /// A profile field and an edit that breaks it.
    type Case = (&'static str, fn(&mut Profile));

    #[test]
    fn each_bad_value_is_named() {
        let cases: [Case; 6] = [
            ("backup.schedule", |p| {
                p.backup.schedule = "every hour".into()
            }),
            ("backup.retention", |p| p.backup.retention = 0),
            ("backup.pvc.size", |p| p.backup.pvc.size = "lots".into()),
            ("backup.pvc.storageClassName", |p| {
                p.backup.pvc.storage_class_name = "Fast SSD".into()
            }),
            ("backup.resources.limits.memory", |p| {
                p.backup.resources.limits.memory = "1 GB".into()
            }),
            ("backup.restore", |p| {
                p.backup.restore = true;
                p.cluster.nodes = 3;
            }),
        ];
        for (key, edit) in cases {
            assert_eq!(problems(edit), [key], "{key}");
        }
        let no_backup = problems(|p| {
            p.backup.enabled = false;
            p.backup.restore = true;
            p.cluster.nodes = 1;
        });
        assert_eq!(no_backup, ["backup.restore"]);
        let shared = problems(|p| {
            p.backup.restore = true;
            p.backup.pvc.access_mode = AccessMode::ReadWriteMany;
        });
        assert!(shared.is_empty());
    }
}
