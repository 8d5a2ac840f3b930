//! `backup.*` (issue 13, "Backup and restore"): the CronJob and its claim land in the output
//! with the pods' security context, pass the strict schema of every supported Kubernetes
//! version, restore mode mounts the claim in the Redis pods, nothing of it is rendered when
//! off, and bad values are refused (exit 2, naming the field).

use crate::common;

use redis_ha_gen::generate::generate;
use redis_ha_gen::manifest::Document;
use redis_ha_gen::profile::{ProfileRequest, ResolvedProfile, resolve};
use redis_ha_gen::schema::{self, KubeVersion};
use serde_json::{Value, json};

fn resolved(profile: &str, sets: &[&str]) -> ResolvedProfile {
    resolve(&ProfileRequest {
        profile: profile.into(),
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..ProfileRequest::default()
    })
    .expect("resolve")
}

fn find<'a>(documents: &'a [Document], kind: &str) -> Option<&'a Value> {
    documents
        .iter()
        .find(|d| d.kind() == kind)
        .map(|d| &d.value)
}

const ON: &[&str] = &[
    "backup.enabled=true",
    "backup.schedule=15 */4 * * *",
    "backup.retention=5",
    "backup.pvc.size=6Gi",
    "backup.pvc.storageClassName=standard-rwx",
    "backup.pvc.accessMode=ReadWriteMany",
    "backup.restore=true",
    "networkPolicy.enabled=true",
];

#[test]
fn the_cronjob_and_claim_land_and_pass_every_versions_schema() {
    let profile = resolved("production", ON);
    for version in KubeVersion::ALL {
        let generated = generate(&profile, version).expect("generate");
        let schema_findings =
            |f: &&redis_ha_gen::finding::Finding| f.rule == schema::SCHEMA_VIOLATION;
        let first = generated.findings.iter().find(schema_findings);
        assert_eq!(
            first, None,
            "{version}: the strict schema refuses an object"
        );
        let docs = &generated.documents;
        let cron = find(docs, "CronJob").expect("a CronJob");
        assert_eq!(cron["metadata"]["name"], "redis-backup");
        assert_eq!(cron["spec"]["schedule"], "15 */4 * * *");
        assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
        let pod = &cron["spec"]["jobTemplate"]["spec"]["template"];
        let sts = find(docs, "StatefulSet").expect("a StatefulSet");
        let sts_pod = &sts["spec"]["template"]["spec"];
        assert_eq!(pod["spec"]["securityContext"], sts_pod["securityContext"]);
        let container = &pod["spec"]["containers"][0];
        assert_eq!(
            container["securityContext"],
            sts_pod["containers"][0]["securityContext"]
        );
        assert_eq!(container["command"], json!(["sh", "/scripts/backup.sh"]));
        assert_eq!(container["resources"]["limits"]["memory"], "128Mi");
        let env = container["env"].as_array().unwrap();
        assert!(env.contains(&json!({"name": "BACKUP_RETENTION", "value": "5"})));
        // The Job's pods are not the Redis pods: no selector label.
        assert!(pod["metadata"]["labels"].get("app").is_none());
        let claim = find(docs, "PersistentVolumeClaim").expect("a claim");
        assert_eq!(claim["metadata"]["name"], "redis-backup");
        assert_eq!(claim["spec"]["accessModes"], json!(["ReadWriteMany"]));
        assert_eq!(claim["spec"]["storageClassName"], "standard-rwx");
        assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "6Gi");
        // Restore mode: the Redis container mounts the claim read-only and is told so.
        let redis = &sts_pod["containers"][0];
        assert!(
            redis["volumeMounts"]
                .as_array()
                .unwrap()
                .contains(&json!({"name": "backup", "mountPath": "/backup", "readOnly": true}))
        );
        assert!(
            redis["env"]
                .as_array()
                .unwrap()
                .contains(&json!({"name": "RESTORE_FROM_BACKUP", "value": "1"}))
        );
        // The NetworkPolicy admits the backup Job's pods.
        let policy = find(docs, "NetworkPolicy").expect("a NetworkPolicy");
        let from = policy["spec"]["ingress"][0]["from"].as_array().unwrap();
        assert!(from.iter().any(
            |peer| peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "backup"
        ));
    }
}

#[test]
fn off_by_default_and_nothing_rendered_then() {
    for builtin in ["kind", "ocp", "production"] {
        let profile = resolved(builtin, &[]);
        assert!(!profile.profile.backup.enabled, "{builtin}");
        let docs = generate(&profile, KubeVersion::default())
            .expect("generate")
            .documents;
        assert!(find(&docs, "CronJob").is_none(), "{builtin}");
        assert!(find(&docs, "PersistentVolumeClaim").is_none(), "{builtin}");
        let sts = find(&docs, "StatefulSet").unwrap().to_string();
        assert!(!sts.contains("RESTORE_FROM_BACKUP"), "{builtin}");
    }
    // Enabled without restore: the Redis pods do not mount the claim.
    let docs = generate(
        &resolved("kind", &["backup.enabled=true"]),
        KubeVersion::default(),
    )
    .expect("generate")
    .documents;
    assert!(find(&docs, "CronJob").is_some());
    let sts = find(&docs, "StatefulSet").unwrap().to_string();
    assert!(!sts.contains("RESTORE_FROM_BACKUP") && !sts.contains("redis-backup"));
}

fn refused(sets: &[&str], field: &str, wanted: &str) {
    let mut args = vec!["--profile", "production"];
    for set in sets {
        args.extend(["--set", set]);
    }
    let out = common::binary().args(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{sets:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{sets:?} rendered");
    assert!(stderr.contains(&format!("`{field}`")), "{sets:?}: {stderr}");
    assert!(stderr.contains(wanted), "{sets:?}: {stderr}");
}

#[test]
fn bad_values_are_refused_naming_the_field() {
    for schedule in [
        "61 * * * *",
        "* * * *",
        "@every 1h",
        "CRON_TZ=UTC 0 * * * *",
    ] {
        refused(
            &[
                "backup.enabled=true",
                &format!("backup.schedule={schedule}"),
            ],
            "backup.schedule",
            "a CronJob schedule",
        );
    }
    refused(&["backup.retention=0"], "backup.retention", "at least 1");
    refused(&["backup.pvc.size=big"], "backup.pvc.size", "quantity");
    refused(
        &["backup.enabled=true", "backup.restore=true"],
        "backup.restore",
        "ReadWriteMany",
    );
    refused(
        &["backup.restore=true", "backup.pvc.accessMode=ReadWriteMany"],
        "backup.restore",
        "backup.enabled",
    );
}

#[test]
fn the_profile_schema_and_show_profile_state_the_fields() {
    let out = common::binary()
        .args(["schema", "profile"])
        .output()
        .unwrap();
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    let backup = &schema["$defs"]["Backup"]["properties"];
    for field in [
        "enabled",
        "schedule",
        "retention",
        "restore",
        "pvc",
        "resources",
    ] {
        assert!(backup[field].is_object(), "{field}");
    }
    assert_eq!(backup["retention"]["minimum"], 1);
    let out = common::binary()
        .args(["show-profile", "production"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("backup:\n  enabled: false\n  schedule: 0 */6 * * *\n  retention: 8\n"),
        "{shown}"
    );
}
