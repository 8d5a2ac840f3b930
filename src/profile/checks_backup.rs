//! Checks of `backup`: values a backup cannot be rendered with, and a restore that could
//! not mount its claim.

use super::Profile;
use super::backup::AccessMode;
use super::checks_scheduling::Found;
use super::cron;
use super::grammar::{self, *};

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
