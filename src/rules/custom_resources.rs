//! Silence must mean "checked": a custom resource that looks Redis-related (its API group
//! or kind names Redis, Valkey, Sentinel, Dragonfly or KeyDB) but belongs to no operator
//! `operators.rs` knows is announced at info, with its kind and apiVersion, so an input of
//! such resources does not come back silent as if it had been analysed.

use super::operators::operator_of;
use super::rule::{Category, Rule};
use super::sources::{K8S_CUSTOM_RESOURCES, K8S_OPERATOR};
use crate::finding::Severity;
use crate::model::Loc;

/// Words that make a group or kind Redis-related (compared in lower case).
const WORDS: &[&str] = &["redis", "valkey", "sentinel", "dragonfly", "keydb"];

/// Whether a document of `api_version` and `kind` is a Redis-related custom resource that
/// neither the rules nor `operator-managed` account for.
pub fn unanalysed(api_version: &str, kind: &str) -> bool {
    // The core group (`v1`) and Kubernetes' own groups (`*.k8s.io`, e.g. the
    // CustomResourceDefinition that declares such a kind) hold no custom resources.
    let Some((group, _)) = api_version.split_once('/') else {
        return false;
    };
    let group = group.to_ascii_lowercase();
    if group.is_empty() || group == "k8s.io" || group.ends_with(".k8s.io") {
        return false;
    }
    if operator_of(api_version, kind).is_some() {
        return false;
    }
    let kind = kind.to_ascii_lowercase();
    WORDS.iter().any(|w| group.contains(w) || kind.contains(w))
}

pub const CUSTOM_RESOURCE_NOT_ANALYSED: Rule = Rule {
    id: "custom-resource-not-analysed",
    category: Category::Input,
    severity: Severity::Info,
    summary: "a Redis-related custom resource of an operator lint does not know: not analysed",
    rationale: "A custom resource is read by its operator, not by Kubernetes: what pods, \
        configuration and failover it produces is decided by the operator's code at run \
        time, none of which is in the input. Lint reads pod specs, Services and Redis and \
        Sentinel configuration; a resource whose API group or kind names Redis, Valkey, \
        Sentinel, Dragonfly or KeyDB (a Valkey operator's `Valkey`, DragonflyDB's \
        `Dragonfly`, a fork of a Redis operator under another group) describes a data store \
        it cannot see into, and saying so keeps a report of such resources from reading as \
        \"checked, no problems\". The operators whose resources lint knows are reported by \
        `operator-managed` instead, never by both. (Kubernetes docs, \"Custom Resources\" \
        and \"Operator pattern\".)",
    fix: "Nothing is wrong with the manifest because of this. To have the data store \
        checked, lint what the operator created (`kubectl get statefulset,service,configmap \
        -o yaml`), and read the operator's documentation for its failover behaviour. \
        `--skip custom-resource-not-analysed` or an ignore annotation silences it.",
    references: &[K8S_CUSTOM_RESOURCES, K8S_OPERATOR],
    check: |cx, sink| {
        for (i, doc) in cx.docs.iter().enumerate() {
            let api_version = doc.api_version();
            if !unanalysed(api_version, doc.kind()) {
                continue;
            }
            sink.report(
                &Loc::new(i, "/kind"),
                format!(
                    "{} `{}` (apiVersion {api_version}) is a custom resource of an operator lint does not know: the Redis it describes was not analysed",
                    doc.kind(),
                    doc.name()
                ),
            );
        }
    },
};

#[cfg(test)]
mod tests {
    use super::unanalysed;

    #[test]
    fn redis_like_groups_and_kinds_of_unknown_operators() {
        assert!(unanalysed("dragonflydb.io/v1alpha1", "Dragonfly"));
        assert!(unanalysed("hyperspike.io/v1", "Valkey"));
        assert!(unanalysed("cache.example.com/v1", "RedisFailover"));
        assert!(unanalysed("REDIS.example.com/v1", "Store"));
        assert!(unanalysed("catalog.kubedb.com/v1alpha1", "RedisVersion"));
        // Known operators: `operator-managed` reports them.
        assert!(!unanalysed("databases.spotahome.com/v1", "RedisFailover"));
        assert!(!unanalysed(
            "redis.redis.opstreelabs.in/v1beta2",
            "RedisReplication"
        ));
        // Not custom resources, or not Redis-related.
        assert!(!unanalysed("v1", "Redis"));
        assert!(!unanalysed(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition"
        ));
        assert!(!unanalysed("monitoring.coreos.com/v1", "ServiceMonitor"));
        assert!(!unanalysed("apps/v1", "StatefulSet"));
    }
}
