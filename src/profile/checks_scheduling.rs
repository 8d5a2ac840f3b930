//! Checks of the Kubernetes objects a profile passes through (tolerations, node affinity,
//! annotations, pull secrets) and of `extraConfig`: each against the rules the API server
//! (or Redis) applies, so a profile that would be refused at `kubectl apply` is refused here.

use super::extra_config::{self, Target};
use super::grammar::{self, *};
use super::{NodeSelectorOperator, NodeSelectorTerm, Profile, TaintEffect, TolerationOperator};
use std::collections::BTreeMap;

/// Kubernetes' limit on the total size of one object's annotations (keys and values).
pub const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

/// The annotation maps of a profile: values are free text.
pub const ANNOTATION_MAPS: [&str; 3] = [
    "podAnnotations",
    "service.annotations",
    "serviceAccount.annotations",
];

const QUALIFIED_NAME_RULE: &str = "a qualified name: an optional DNS subdomain prefix and `/`, \
    then at most 63 letters, digits, `-`, `_` or `.`, starting and ending alphanumeric";
const LABEL_VALUE_RULE: &str = "a label value: empty or at most 63 letters, digits, `-`, `_` \
    or `.`, starting and ending alphanumeric";

/// A value that cannot be rendered: (key path, value, what is wanted).
pub type Found = (String, String, String);

fn found(out: &mut Vec<Found>, key: impl Into<String>, value: &str, wanted: impl Into<String>) {
    out.push((key.into(), value.to_string(), wanted.into()));
}

/// A label key, or an annotation key: the qualified-name grammar, prefix at most 253.
pub fn is_qualified_name(key: &str) -> bool {
    let prefix_ok = key
        .rsplit_once('/')
        .is_none_or(|(prefix, _)| prefix.len() <= 253);
    grammar::matches(LABEL_KEY, key) && prefix_ok
}

pub fn check(profile: &Profile, out: &mut Vec<Found>) {
    annotations(profile, out);
    names(profile, out);
    tolerations(profile, out);
    if let Some(affinity) = &profile.scheduling.node_affinity {
        node_affinity(affinity, out);
    }
    extra_configs(profile, out);
}

fn annotations(profile: &Profile, out: &mut Vec<Found>) {
    let maps = [
        &profile.pod_annotations,
        &profile.service.annotations,
        &profile.service_account.annotations,
    ];
    for (name, map) in ANNOTATION_MAPS.iter().zip(maps) {
        for key in map.keys() {
            if !is_qualified_name(key) {
                found(out, format!("{name}.{key}"), key, QUALIFIED_NAME_RULE);
            }
        }
        let size: usize = map.iter().map(|(k, v)| k.len() + v.len()).sum();
        if size > ANNOTATIONS_MAX_BYTES {
            found(
                out,
                *name,
                &format!("{size} bytes"),
                "annotations of at most 256 KiB in all (Kubernetes refuses larger ones)",
            );
        }
    }
}

fn names(profile: &Profile, out: &mut Vec<Found>) {
    let domain = &profile.cluster_domain;
    if !grammar::matches(DNS_SUBDOMAIN, domain) || domain.len() > 253 {
        found(
            out,
            "clusterDomain",
            domain,
            "a DNS name such as `cluster.local`: lower-case letters, digits, `-` and `.`, at \
             most 253 characters",
        );
    }
    let class = &profile.scheduling.priority_class_name;
    if !grammar::matches(DNS_SUBDOMAIN_OR_EMPTY, class) || class.len() > 253 {
        found(
            out,
            "scheduling.priorityClassName",
            class,
            "empty or the name of a PriorityClass: a DNS-1123 subdomain",
        );
    }
    for (prefix, image) in [
        ("image", &profile.image),
        ("metrics.image", &profile.metrics.image),
    ] {
        for (i, secret) in image.pull_secrets.iter().enumerate() {
            if !grammar::matches(DNS_SUBDOMAIN, secret) || secret.len() > 253 {
                found(
                    out,
                    format!("{prefix}.pullSecrets[{i}]"),
                    secret,
                    "the name of a Secret: a DNS-1123 subdomain such as `registry-creds`",
                );
            }
        }
    }
}

/// `ValidateTolerations` (pkg/apis/core/validation).
fn tolerations(profile: &Profile, out: &mut Vec<Found>) {
    for (i, t) in profile.scheduling.tolerations.iter().enumerate() {
        let at = |field: &str| format!("scheduling.tolerations[{i}].{field}");
        if !t.key.is_empty() && !is_qualified_name(&t.key) {
            found(out, at("key"), &t.key, QUALIFIED_NAME_RULE);
        }
        let exists = t.operator == Some(TolerationOperator::Exists);
        if t.key.is_empty() && !exists {
            found(
                out,
                at("operator"),
                "Equal",
                "`Exists` when `key` is empty (an empty key with `Exists` tolerates every taint)",
            );
        }
        if exists && !t.value.is_empty() {
            found(
                out,
                at("value"),
                &t.value,
                "no value with `operator: Exists`",
            );
        }
        if !grammar::matches(LABEL_VALUE, &t.value) {
            found(out, at("value"), &t.value, LABEL_VALUE_RULE);
        }
        if t.toleration_seconds.is_some() && t.effect != Some(TaintEffect::NoExecute) {
            found(
                out,
                at("tolerationSeconds"),
                &t.toleration_seconds.unwrap_or_default().to_string(),
                "`tolerationSeconds` only with `effect: NoExecute`",
            );
        }
    }
}

/// `ValidateNodeSelectorRequirement` and the weight range of preferred terms.
fn node_affinity(affinity: &super::NodeAffinity, out: &mut Vec<Found>) {
    const BASE: &str = "scheduling.nodeAffinity";
    if let Some(required) = &affinity.required_during_scheduling_ignored_during_execution {
        let at = format!("{BASE}.requiredDuringSchedulingIgnoredDuringExecution");
        if required.node_selector_terms.is_empty() {
            found(
                out,
                format!("{at}.nodeSelectorTerms"),
                "[]",
                "at least one term (no term matches no node: the pods would never schedule)",
            );
        }
        for (i, term) in required.node_selector_terms.iter().enumerate() {
            node_selector_term(term, &format!("{at}.nodeSelectorTerms[{i}]"), out);
        }
    }
    for (i, preferred) in affinity
        .preferred_during_scheduling_ignored_during_execution
        .iter()
        .enumerate()
    {
        let at = format!("{BASE}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
        if !(1..=100).contains(&preferred.weight) {
            found(
                out,
                format!("{at}.weight"),
                &preferred.weight.to_string(),
                "a weight from 1 to 100",
            );
        }
        node_selector_term(&preferred.preference, &format!("{at}.preference"), out);
    }
}

fn node_selector_term(term: &NodeSelectorTerm, at: &str, out: &mut Vec<Found>) {
    for (list, requirements) in [
        ("matchExpressions", &term.match_expressions),
        ("matchFields", &term.match_fields),
    ] {
        for (i, r) in requirements.iter().enumerate() {
            let at = format!("{at}.{list}[{i}]");
            let key_ok = if list == "matchFields" {
                r.key == "metadata.name"
            } else {
                is_qualified_name(&r.key)
            };
            if !key_ok {
                let wanted = if list == "matchFields" {
                    "`metadata.name` (the only node field Kubernetes selects on)"
                } else {
                    QUALIFIED_NAME_RULE
                };
                found(out, format!("{at}.key"), &r.key, wanted);
            }
            use NodeSelectorOperator::*;
            let wanted = match r.operator {
                In | NotIn if r.values.is_empty() => Some("one or more values with In/NotIn"),
                Exists | DoesNotExist if !r.values.is_empty() => {
                    Some("no values with Exists/DoesNotExist")
                }
                Gt | Lt if r.values.len() != 1 || r.values[0].parse::<i64>().is_err() => {
                    Some("exactly one integer value with Gt/Lt")
                }
                _ => None,
            };
            if let Some(wanted) = wanted {
                found(out, format!("{at}.values"), &r.values.join(","), wanted);
            }
            if list == "matchFields" && r.operator != In && r.operator != NotIn {
                found(
                    out,
                    format!("{at}.operator"),
                    &format!("{:?}", r.operator),
                    "In or NotIn (the only operators of a node field requirement)",
                );
            }
            for value in &r.values {
                if !grammar::matches(LABEL_VALUE, value) && list == "matchExpressions" {
                    found(out, format!("{at}.values"), value, LABEL_VALUE_RULE);
                }
                if list == "matchFields" && !grammar::matches(DNS_SUBDOMAIN, value) {
                    found(out, format!("{at}.values"), value, "a node name");
                }
            }
        }
    }
}

fn extra_configs(profile: &Profile, out: &mut Vec<Found>) {
    let maps: [(&str, Target, &BTreeMap<String, String>); 2] = [
        (
            "redis.extraConfig",
            Target::Redis,
            &profile.redis.extra_config,
        ),
        (
            "sentinel.extraConfig",
            Target::Sentinel,
            &profile.sentinel.extra_config,
        ),
    ];
    for (name, target, map) in maps {
        for (key, value) in map {
            if let Some(wanted) = extra_config::refusal(target, key, value) {
                found(
                    out,
                    format!("{name}.{key}"),
                    &format!("{key} {value}"),
                    wanted,
                );
            }
        }
    }
}
