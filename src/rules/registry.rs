//! The one table of every rule. Ids are public contract: never rename one.

use super::rule::Rule;
use super::{
    cluster, custom_resources, durability, image_reference, input, lifecycle, memory,
    namespace_created, namespaces, operators, partial, placement, probes, recognition, scaling,
    scheduling, secrets, security, timings, tls, topology, wiring,
};

static REGISTRY: &[Rule] = &[
    input::YAML_SYNTAX,
    input::SCHEMA_VIOLATION,
    input::IGNORE_WITHOUT_REASON,
    input::IGNORE_UNKNOWN_RULE,
    input::REDIS_CONFIG_SYNTAX,
    input::DUPLICATE_OBJECT,
    input::KUSTOMIZATION_NOT_APPLIED_RULE,
    input::KUSTOMIZATION_BUILT_RULE,
    namespace_created::NAMESPACE_NOT_CREATED,
    recognition::REDIS_CONTAINER_NOT_UNDERSTOOD,
    operators::OPERATOR_MANAGED,
    custom_resources::CUSTOM_RESOURCE_NOT_ANALYSED,
    partial::INPUT_PARTIAL,
    topology::SENTINEL_COUNT_TOO_LOW,
    topology::SENTINEL_QUORUM_OUT_OF_RANGE,
    topology::SENTINEL_QUORUM_ABOVE_MAJORITY,
    topology::REPLICA_COUNT_TOO_LOW,
    topology::REPLICATION_WITHOUT_FAILOVER,
    topology::SENTINEL_CONFIG_INCONSISTENT,
    scaling::REPLICAS_OUT_OF_SYNC,
    timings::SENTINEL_DOWN_AFTER_OUT_OF_RANGE,
    timings::SENTINEL_FAILOVER_TIMEOUT_TOO_LOW,
    timings::MIN_REPLICAS_MAX_LAG_EXCEEDS_DOWN_AFTER,
    timings::FAILOVER_TARGET_UNREACHABLE,
    probes::LIVENESS_PROBE_KILLS_LOADING,
    probes::STARTUP_PROBE_KILLS_LOADING,
    timings::TERMINATION_GRACE_TOO_SHORT,
    timings::REPL_DISKLESS_SYNC_DELAY_HIGH,
    memory::MAXMEMORY_UNSET,
    memory::MAXMEMORY_EXCEEDS_LIMIT,
    memory::MAXMEMORY_HEADROOM_LOW,
    memory::FULL_SYNC_MEMORY_EXCEEDS_LIMIT,
    memory::MAXMEMORY_POLICY_INVALID,
    memory::MAXMEMORY_POLICY_EVICTS_STATE,
    durability::PERSISTENCE_OFF_WITH_RESTART,
    durability::MIN_REPLICAS_TO_WRITE_UNSET,
    durability::REPLICA_WRITABLE,
    wiring::SENTINEL_CONFIG_READ_ONLY,
    wiring::SENTINEL_CONFIG_NOT_PERSISTED,
    wiring::SENTINEL_HOSTNAMES_UNRESOLVED,
    wiring::SENTINEL_ANNOUNCE_HOSTNAMES_OFF,
    wiring::SENTINEL_MONITORS_SERVICE,
    wiring::STATIC_MASTER_BOOTSTRAP,
    wiring::HEADLESS_SERVICE_MISSING,
    wiring::HEADLESS_SERVICE_NOT_READY_ADDRESSES,
    wiring::CLIENT_SERVICE_SELECTS_REPLICAS,
    wiring::SENTINEL_SERVICE_FOLLOWS_REDIS_READINESS,
    wiring::SERVICE_SELECTS_NOTHING,
    wiring::VOLUME_SOURCE_MISSING,
    namespaces::ADDRESS_IN_OTHER_NAMESPACE,
    security::REDIS_AUTH_DISABLED,
    security::SENTINEL_AUTH_MISSING,
    secrets::SECRET_IN_CONFIGMAP,
    secrets::SECRET_IN_POD_SPEC,
    secrets::SECRET_COMMITTED,
    security::NETWORK_POLICY_MISSING,
    image_reference::IMAGE_REFERENCE_INVALID,
    security::IMAGE_TAG_FLOATING,
    lifecycle::ENGINE_VERSION_END_OF_LIFE,
    security::CONTAINER_SECURITY_CONTEXT_WEAK,
    tls::TLS_REPLICATION_DISABLED,
    tls::SENTINEL_TLS_MISMATCH,
    tls::PROBE_WITHOUT_TLS,
    tls::TLS_PLAIN_PORT_OPEN,
    tls::TLS_CERT_NOT_MOUNTED,
    scheduling::ANTI_AFFINITY_MISSING,
    scheduling::ANTI_AFFINITY_UNSATISFIABLE,
    scheduling::PDB_MISSING,
    scheduling::PDB_BREAKS_QUORUM,
    scheduling::RESOURCES_MISSING,
    scheduling::REQUESTS_EXCEED_LIMITS,
    placement::TOLERATION_WITHOUT_NODE_AFFINITY,
    cluster::CLUSTER_CONFIG_NOT_PERSISTED,
    cluster::CLUSTER_REPLICAS_TOO_FEW,
    cluster::CLUSTER_NODE_TIMEOUT_OUT_OF_RANGE,
    cluster::CLUSTER_PDB_ALLOWS_SHARD_LOSS,
    cluster::CLUSTER_NODE_ADDRESSES_NOT_REFRESHED,
];

/// Every rule, in catalogue order.
pub fn registry() -> &'static [Rule] {
    REGISTRY
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    REGISTRY.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut ids: Vec<&str> = REGISTRY.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), REGISTRY.len());
        for r in REGISTRY {
            assert!(
                r.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                r.id
            );
            assert!(
                !r.summary.is_empty() && !r.rationale.is_empty() && !r.fix.is_empty(),
                "{}",
                r.id
            );
            assert!(
                r.references.iter().all(|u| u.starts_with("https://")),
                "{}",
                r.id
            );
            assert!(!r.references.is_empty(), "{}", r.id);
        }
    }
}
