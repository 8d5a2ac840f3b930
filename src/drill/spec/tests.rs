//! What `ha_spec` reads from the built-in profiles' manifests, as a snapshot: every setting
//! the drill takes from the configuration texts, the containers and the objects.

use super::{HaSpec, ha_spec};
use std::fmt::Write;

/// The profiles (and the `--set`s) the drill's tests run.
const VARIANTS: &[(&str, &[&str])] = &[
    ("kind", &[]),
    ("ocp", &[]),
    ("production", &[]),
    ("production", &["tls.enabled=true"]),
    ("production", &["engine=valkey"]),
    ("production", &["auth.enabled=false"]),
    ("production", &["metrics.enabled=true"]),
];

fn spec_of(profile: &str, sets: &[&str]) -> HaSpec {
    let request = crate::profile::ProfileRequest {
        profile: profile.into(),
        values: Vec::new(),
        sets: sets.iter().map(|s| (*s).to_string()).collect(),
        namespace: None,
    };
    let resolved = crate::profile::resolve(&request).unwrap();
    let generated =
        crate::generate::generate(&resolved, crate::schema::KubeVersion::default()).unwrap();
    ha_spec(&generated.documents, None).unwrap()
}

/// The fields of a spec that do not hold generated keys or the process id.
fn summary(spec: &HaSpec) -> String {
    let mut out = String::new();
    let keys = |objects: &std::collections::BTreeMap<String, super::SecretData>| {
        objects
            .iter()
            .map(|(name, data)| {
                let keys: Vec<&str> = data.keys().map(String::as_str).collect();
                format!("{name}[{}]", keys.join(","))
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = writeln!(
        out,
        "set: {}/{} x{}",
        spec.namespace, spec.name, spec.replicas
    );
    let _ = writeln!(
        out,
        "headless: {}.{}",
        spec.headless_service, spec.cluster_domain
    );
    let _ = writeln!(out, "ordered_ready: {}", spec.ordered_ready);
    let _ = writeln!(out, "claims: {:?}", spec.claim_templates);
    let _ = writeln!(
        out,
        "containers: redis {} :{}, sentinel {:?} :{}",
        spec.redis_container, spec.redis_port, spec.sentinel_container, spec.sentinel_port
    );
    let _ = writeln!(out, "image: {}", spec.image);
    let _ = writeln!(out, "exporters: {:?}", spec.exporters);
    let _ = writeln!(
        out,
        "sentinel: {} down-after {} ms",
        spec.master_name, spec.down_after_ms
    );
    let _ = writeln!(
        out,
        "writes: min-replicas {} max-lag {} s, wait {}",
        spec.min_replicas_to_write, spec.min_replicas_max_lag, spec.wait_replicas
    );
    let tls = spec.tls.as_ref().map(|t| {
        format!(
            "redis {} sentinel {} ca {} (pem: {})",
            t.redis,
            t.sentinel,
            t.ca_file,
            t.ca_pem.is_some()
        )
    });
    let _ = writeln!(out, "tls: {tls:?}");
    let _ = writeln!(out, "config maps: {}", keys(&spec.config_maps));
    let _ = writeln!(out, "secrets: {}", keys(&spec.secrets));
    let _ = writeln!(out, "invented: {:?}", spec.invented_secrets);
    for issued in &spec.issued_secrets {
        let _ = writeln!(out, "issued: {issued:?}");
    }
    let _ = writeln!(out, "passwords: {}", spec.passwords.len());
    for service in &spec.services {
        let _ = writeln!(out, "service: {service:?}");
    }
    let _ = writeln!(out, "pod labels: {:?}", spec.pod_labels);
    let _ = writeln!(out, "jobs: {}", spec.jobs.len());
    out
}

#[test]
fn the_built_in_profiles_read_as_before() {
    let mut all = String::new();
    for (profile, sets) in VARIANTS {
        let spec = spec_of(profile, sets);
        let _ = writeln!(all, "## {profile} {}", sets.join(" "));
        all.push_str(&summary(&spec));
        all.push('\n');
    }
    insta::assert_snapshot!(all);
}
