//! Redis run by an operator: a known operator's custom resource is not a pod spec the
//! rules can read. It is announced at info, so an input of custom resources does not come
//! back silent as if it had been checked.

use super::rule::{Category, Rule};
use super::sources::{K8S_OPERATOR, SENTINEL};
use crate::finding::Severity;
use crate::model::Loc;

/// (API group, kinds, operator) of the Redis operators whose custom resources are known.
const OPERATORS: &[(&str, &[&str], &str)] = &[
    (
        "redis.redis.opstreelabs.in",
        &["Redis", "RedisReplication", "RedisSentinel", "RedisCluster"],
        "the OT-CONTAINER-KIT redis-operator",
    ),
    (
        "databases.spotahome.com",
        &["RedisFailover"],
        "the Spotahome redis-operator",
    ),
    (
        "app.redislabs.com",
        &[
            "RedisEnterpriseCluster",
            "RedisEnterpriseDatabase",
            "RedisEnterpriseActiveActiveDatabase",
            "RedisEnterpriseRemoteCluster",
        ],
        "the Redis Enterprise operator",
    ),
    (
        "kubedb.com",
        &["Redis", "RedisSentinel"],
        "the KubeDB operator",
    ),
];

/// The operator owning a document of `apiVersion` and `kind`, if it is a known Redis CR.
pub fn operator_of(api_version: &str, kind: &str) -> Option<&'static str> {
    let group = api_version.split_once('/').map(|(g, _)| g)?;
    OPERATORS
        .iter()
        .find(|(g, kinds, _)| *g == group && kinds.contains(&kind))
        .map(|(_, _, operator)| *operator)
}

pub const OPERATOR_MANAGED: Rule = Rule {
    id: "operator-managed",
    category: Category::Input,
    severity: Severity::Info,
    summary: "a Redis operator's custom resource: the operator builds the pods, the rules do not see them",
    rationale: "A custom resource of a Redis operator (OT-CONTAINER-KIT RedisReplication, \
        RedisSentinel, RedisCluster and Redis; Spotahome RedisFailover; Redis Enterprise \
        RedisEnterpriseCluster/Database; KubeDB Redis) is not a pod spec: the operator \
        creates the StatefulSets, Services, configuration and failover logic from it at run \
        time, and decides itself how a master is elected and how Sentinel or the cluster is \
        wired. None of that is in the input, so the Sentinel, replication and Redis Cluster \
        rules cannot judge it; saying so keeps a report of custom resources from reading as \
        \"checked, no problems\". The operator then answers for what the Sentinel docs ask \
        of a deployment (at least three Sentinels in independent failure domains, replicas \
        to promote). (Redis Sentinel docs, \"Fundamental things to know about Sentinel \
        before deploying\"; Kubernetes docs, \"Operator pattern\".)",
    fix: "Nothing is wrong with the manifest because of this. To have the running pods \
        checked, lint what the operator created (`kubectl get statefulset,service,configmap \
        -o yaml`), and read the operator's documentation for its failover behaviour.",
    references: &[SENTINEL, K8S_OPERATOR],
    check: |cx, sink| {
        for (i, doc) in cx.docs.iter().enumerate() {
            let api_version = doc.api_version();
            let Some(operator) = operator_of(api_version, doc.kind()) else {
                continue;
            };
            sink.report(
                &Loc::new(i, "/kind"),
                format!(
                    "{} `{}` is managed by {operator}: the pods, configuration and failover it creates are not in the input and were not checked",
                    doc.kind(),
                    doc.name()
                ),
            );
        }
    },
};

#[cfg(test)]
mod tests {
    use super::operator_of;

    #[test]
    fn known_custom_resources_by_group_and_kind() {
        assert!(operator_of("redis.redis.opstreelabs.in/v1beta2", "RedisSentinel").is_some());
        assert!(operator_of("databases.spotahome.com/v1", "RedisFailover").is_some());
        assert!(operator_of("app.redislabs.com/v1alpha1", "RedisEnterpriseDatabase").is_some());
        // Same kind, other group: not an operator's resource we know.
        assert!(operator_of("example.com/v1", "RedisCluster").is_none());
        assert!(operator_of("apps/v1", "StatefulSet").is_none());
        assert!(operator_of("v1", "Redis").is_none());
    }
}
