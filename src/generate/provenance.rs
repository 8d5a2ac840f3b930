//! Which profile key produced the value a rule fired on, so that `render`/`validate`
//! findings point at the user's profile (file and line), not at YAML they never saw.

use crate::finding::Finding;
use crate::profile::ResolvedProfile;

/// Rule id → the profile keys whose values the rule judges, most specific first.
const RULE_KEYS: &[(&str, &[&str])] = &[
    ("sentinel-count-too-low", &["redis.replicas"]),
    (
        "sentinel-quorum-out-of-range",
        &["sentinel.quorum", "redis.replicas"],
    ),
    (
        "sentinel-quorum-above-majority",
        &["sentinel.quorum", "redis.replicas"],
    ),
    ("replica-count-too-low", &["redis.replicas"]),
    ("sentinel-config-inconsistent", &["sentinel"]),
    (
        "sentinel-down-after-out-of-range",
        &["sentinel.downAfterMilliseconds"],
    ),
    (
        "sentinel-failover-timeout-too-low",
        &["sentinel.failoverTimeout", "sentinel.downAfterMilliseconds"],
    ),
    (
        "failover-target-unreachable",
        &["failoverTargetSeconds", "sentinel.downAfterMilliseconds"],
    ),
    (
        "termination-grace-too-short",
        // `shutdown-timeout` may come from `redis.extraConfig`.
        &["redis.terminationGracePeriodSeconds", "redis.extraConfig"],
    ),
    ("maxmemory-unset", &["redis.maxmemory"]),
    (
        "maxmemory-exceeds-limit",
        &["redis.maxmemory", "redis.resources.limits.memory"],
    ),
    (
        "maxmemory-headroom-low",
        &["redis.maxmemory", "redis.resources.limits.memory"],
    ),
    ("maxmemory-policy-invalid", &["redis.maxmemoryPolicy"]),
    ("maxmemory-policy-evicts-state", &["redis.maxmemoryPolicy"]),
    (
        "persistence-off-with-restart",
        &["redis.save", "redis.appendonly"],
    ),
    (
        "min-replicas-to-write-unset",
        &["redis.minReplicasToWrite", "redis.minReplicasMaxLag"],
    ),
    ("redis-auth-disabled", &["auth.enabled"]),
    ("sentinel-auth-missing", &["auth.enabled"]),
    ("network-policy-missing", &["networkPolicy.enabled"]),
    ("image-tag-floating", &["image.tag"]),
    ("engine-version-end-of-life", &["image.tag", "engine"]),
    (
        "container-security-context-weak",
        &["security", "cluster.openshift"],
    ),
    ("anti-affinity-missing", &["scheduling.antiAffinity"]),
    (
        "anti-affinity-unsatisfiable",
        &["scheduling.antiAffinity", "cluster.nodes"],
    ),
    (
        "toleration-without-node-affinity",
        &["scheduling.tolerations"],
    ),
    ("pdb-missing", &["podDisruptionBudget.enabled"]),
    ("pdb-breaks-quorum", &["podDisruptionBudget.maxUnavailable"]),
    (
        "resources-missing",
        &["redis.resources", "sentinel.resources"],
    ),
    (
        "requests-exceed-limits",
        &["redis.resources", "sentinel.resources"],
    ),
];

/// The profile keys behind `rule`, if the rule judges profile values.
pub fn keys_of(rule: &str) -> &'static [&'static str] {
    RULE_KEYS
        .iter()
        .find(|(id, _)| *id == rule)
        .map_or(&[], |(_, keys)| keys)
}

/// Re-point a finding at the profile: `file`/`line`/`column` become where the key was set
/// (the first key some source set; the profile file when all are defaults), and the message
/// names the key. `object`/`pointer` still say where in the manifests it landed.
pub fn attribute(finding: &mut Finding, profile: &ResolvedProfile) {
    let keys = keys_of(&finding.rule);
    let set = keys
        .iter()
        .find_map(|key| profile.origin(key).map(|origin| (*key, origin)));
    finding.file = Some(profile.file.clone());
    finding.line = None;
    finding.column = None;
    match (set, keys.first()) {
        (Some((key, origin)), _) => {
            finding.file = Some(origin.source.clone());
            finding.line = origin.line;
            finding.column = origin.column;
            finding.message = format!("{} (profile key `{key}`)", finding.message);
        }
        (None, Some(key)) => {
            finding.message = format!("{} (profile key `{key}`, default value)", finding.message);
        }
        (None, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::profile::{ProfileRequest, resolve};

    fn finding(rule: &str) -> Finding {
        Finding::new(rule, Severity::Error, "bad")
    }

    #[test]
    fn set_keys_point_at_their_flag() {
        let profile = resolve(&ProfileRequest {
            profile: "kind".into(),
            sets: vec!["sentinel.quorum=4".into()],
            ..ProfileRequest::default()
        })
        .unwrap();
        let mut f = finding("sentinel-quorum-out-of-range");
        f.object = Some("ConfigMap/ns/redis-sentinel".into());
        attribute(&mut f, &profile);
        assert_eq!(f.file.as_deref(), Some("--set sentinel.quorum=4"));
        assert_eq!(f.line, None);
        assert_eq!(f.message, "bad (profile key `sentinel.quorum`)");
        assert_eq!(f.object.as_deref(), Some("ConfigMap/ns/redis-sentinel"));
    }

    #[test]
    fn builtin_keys_point_at_their_line_and_defaults_at_the_profile() {
        let profile = resolve(&ProfileRequest {
            profile: "kind".into(),
            ..ProfileRequest::default()
        })
        .unwrap();
        let mut f = finding("anti-affinity-missing");
        attribute(&mut f, &profile);
        assert_eq!(f.file.as_deref(), Some("<built-in profile kind>"));
        assert!(f.line.is_some());
        let mut f = finding("maxmemory-policy-evicts-state");
        attribute(&mut f, &profile);
        assert_eq!(f.file.as_deref(), Some("<built-in profile kind>"));
        assert_eq!(f.line, None);
        assert!(
            f.message
                .ends_with("(profile key `redis.maxmemoryPolicy`, default value)")
        );
        let mut f = finding("schema-violation");
        f.line = Some(40);
        attribute(&mut f, &profile);
        assert_eq!(
            (f.file.as_deref(), f.line),
            (Some("<built-in profile kind>"), None)
        );
        assert_eq!(f.message, "bad");
    }

    #[test]
    fn every_key_in_the_table_is_a_profile_field() {
        let schema = serde_json::to_value(crate::profile::Profile::default()).unwrap();
        for (rule, keys) in RULE_KEYS {
            for key in *keys {
                let pointer = format!("/{}", key.replace('.', "/"));
                assert!(schema.pointer(&pointer).is_some(), "{rule}: {key}");
            }
        }
    }
}
