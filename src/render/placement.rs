//! The pod-spec fields a profile passes through from Kubernetes' own types: tolerations,
//! node affinity, priority class and image pull secrets. Each is `None` when the profile
//! leaves it unset, so the template writes nothing (and unchanged profiles render the same
//! bytes as before).

use crate::profile::Profile;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// `tolerations`, in the profile's order (the order is the user's; Kubernetes ignores it).
pub fn tolerations(profile: &Profile) -> Option<Value> {
    let tolerations = &profile.scheduling.tolerations;
    (!tolerations.is_empty()).then(|| json!(tolerations))
}

/// `affinity.nodeAffinity`, when the profile sets one.
pub fn node_affinity(profile: &Profile) -> Option<Value> {
    profile
        .scheduling
        .node_affinity
        .as_ref()
        .map(|affinity| json!(affinity))
}

/// `priorityClassName`, when set.
pub fn priority_class_name(profile: &Profile) -> Option<String> {
    let class = &profile.scheduling.priority_class_name;
    (!class.is_empty()).then(|| class.clone())
}

/// `imagePullSecrets`: the images' pull secrets (the exporter's only with metrics on),
/// sorted and without repeats.
pub fn image_pull_secrets(profile: &Profile) -> Option<Value> {
    let mut names: BTreeSet<&str> = profile
        .image
        .pull_secrets
        .iter()
        .map(String::as_str)
        .collect();
    if profile.metrics.enabled {
        names.extend(
            profile
                .metrics
                .image
                .pull_secrets
                .iter()
                .map(String::as_str),
        );
    }
    (!names.is_empty()).then(|| {
        Value::Array(
            names
                .into_iter()
                .map(|name| json!({"name": name}))
                .collect(),
        )
    })
}
