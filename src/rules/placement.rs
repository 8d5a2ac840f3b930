//! Node placement: tolerations that let the pods onto a dedicated node pool without
//! anything that keeps them there.

use super::rule::{Category, Rule};
use super::sources::{K8S_NODE_AFFINITY, K8S_TAINTS, REDIS_LATENCY};
use crate::finding::Severity;
use crate::manifest::JsonPointer;
use serde_json::Value;

/// Taints Kubernetes itself puts on nodes (not-ready, unreachable, pressure, cloud
/// provider start-up): tolerating them is about eviction timing, not about a node pool.
const BUILT_IN_TAINT_PREFIXES: [&str; 2] =
    ["node.kubernetes.io/", "node.cloudprovider.kubernetes.io/"];

/// The first toleration of a node-pool taint (a key outside Kubernetes' own), with its
/// index and key; an empty key with `Exists` tolerates every taint, pools included.
fn pool_toleration(spec: &Value) -> Option<(usize, String)> {
    spec.get("tolerations")?
        .as_array()?
        .iter()
        .enumerate()
        .find_map(|(i, t)| {
            let key = t.get("key").and_then(Value::as_str).unwrap_or("");
            let built_in = BUILT_IN_TAINT_PREFIXES.iter().any(|p| key.starts_with(p));
            (!built_in).then(|| (i, key.to_string()))
        })
}

/// Whether anything restricts the nodes the pods may run on: a `nodeSelector` or a
/// required node affinity (a preferred one lets the scheduler go elsewhere).
fn pinned(spec: &Value) -> bool {
    let selector = spec
        .get("nodeSelector")
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty());
    let required = spec
        .at("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array)
        .is_some_and(|terms| !terms.is_empty());
    selector || required
}

pub const TOLERATION_WITHOUT_NODE_AFFINITY: Rule = Rule {
    id: "toleration-without-node-affinity",
    category: Category::Scheduling,
    severity: Severity::Warning,
    summary: "the pods tolerate a node pool's taint but no nodeSelector or required node \
        affinity keeps them on it",
    rationale: "A toleration only allows pods onto tainted nodes; it never attracts them there \
        (Kubernetes, \"Taints and Tolerations\": dedicated nodes need both the taint and a \
        node affinity or selector on the pool's label). Without one the scheduler places the \
        Redis pods on any untainted node, next to the workloads the dedicated pool was meant \
        to keep away: the CPU contention, swapping and slow forks the Redis latency guide \
        names as latency sources, and memory limits sized for the pool's nodes.",
    fix: "Add a `nodeSelector` on the pool's label (`scheduling.nodeSelector`) or a required \
        node affinity (`scheduling.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`); \
        or drop the toleration if the pods are not meant for that pool.",
    references: &[K8S_TAINTS, K8S_NODE_AFFINITY, REDIS_LATENCY],
    check: |cx, sink| {
        for w in cx.model.set_workloads() {
            let Some(spec) = cx.docs.get(w.doc).and_then(|d| d.value.at(&w.pod)) else {
                continue;
            };
            let Some((i, key)) = pool_toleration(spec) else {
                continue;
            };
            if pinned(spec) {
                continue;
            }
            let taint = if key.is_empty() {
                "every taint".to_string()
            } else {
                format!("the taint `{key}`")
            };
            sink.report(
                &w.loc(format!("{}/tolerations/{i}", w.pod)),
                format!(
                    "{} `{}` tolerates {taint} but has no nodeSelector or required node \
                     affinity: its pods may run on any node",
                    w.kind, w.name
                ),
            );
        }
    },
};
