//! Which rules fit which topology (docs/contracts.md, "Recognition and topology"). A rule judges only
//! the sets it fits: Sentinel rules need Sentinels, failover rules need something that
//! fails over, replication rules need replicas. Rules not listed here fit every set.

use crate::model::Topology;

/// Rules about Sentinel failover: quorum, timings, bootstrap through Sentinel, and the
/// settings that only matter because a failover discards or reorders writes.
const SENTINEL_ONLY: &[&str] = &[
    "sentinel-count-too-low",
    "sentinel-quorum-out-of-range",
    "sentinel-quorum-above-majority",
    "replica-count-too-low",
    "sentinel-config-inconsistent",
    "sentinel-down-after-out-of-range",
    "sentinel-failover-timeout-too-low",
    "failover-target-unreachable",
    "min-replicas-max-lag-exceeds-down-after",
    "min-replicas-to-write-unset",
    "static-master-bootstrap",
    "pdb-breaks-quorum",
    "headless-service-not-ready-addresses",
];

/// Rules about a master and its replicas (with or without Sentinel): an empty master
/// wiping replicas, full syncs, writable replicas, a Service mixing master and replicas.
const REPLICATION_ONLY: &[&str] = &[
    "persistence-off-with-restart",
    "repl-diskless-sync-delay-high",
    "replica-writable",
    "full-sync-memory-exceeds-limit",
    "client-service-selects-replicas",
];

/// Rules about a master and replicas that nothing fails over.
const REPLICATION_WITHOUT_SENTINEL: &[&str] = &["replication-without-failover"];

/// Rules that do not fit a standalone cache: evicting any key is what a cache is for.
const NOT_STANDALONE: &[&str] = &["maxmemory-policy-evicts-state"];

/// Redis Cluster rules (cluster.rs).
const CLUSTER_ONLY: &[&str] = &[
    "cluster-config-not-persisted",
    "cluster-replicas-too-few",
    "cluster-node-timeout-out-of-range",
    "cluster-pdb-allows-shard-loss",
    "cluster-node-addresses-not-refreshed",
];

/// Whether rule `id` judges a set of `topology`.
pub fn fits(id: &str, topology: Topology) -> bool {
    if CLUSTER_ONLY.contains(&id) {
        return topology == Topology::Cluster;
    }
    if REPLICATION_WITHOUT_SENTINEL.contains(&id) {
        return topology == Topology::Replication;
    }
    if SENTINEL_ONLY.contains(&id) {
        return topology == Topology::SentinelHa;
    }
    if REPLICATION_ONLY.contains(&id) {
        return matches!(topology, Topology::SentinelHa | Topology::Replication);
    }
    if NOT_STANDALONE.contains(&id) {
        return topology != Topology::Standalone;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_id_is_a_rule() {
        let ids: Vec<&str> = crate::rules::registry().iter().map(|r| r.id).collect();
        for id in SENTINEL_ONLY
            .iter()
            .chain(REPLICATION_ONLY)
            .chain(REPLICATION_WITHOUT_SENTINEL)
            .chain(NOT_STANDALONE)
            .chain(CLUSTER_ONLY)
        {
            assert!(ids.contains(id), "{id} is not in the registry");
        }
    }

    #[test]
    fn sentinel_rules_skip_a_cluster_and_a_cache() {
        assert!(fits("sentinel-count-too-low", Topology::SentinelHa));
        assert!(!fits("sentinel-count-too-low", Topology::Cluster));
        assert!(!fits("persistence-off-with-restart", Topology::Standalone));
        assert!(fits("persistence-off-with-restart", Topology::Replication));
        assert!(!fits("maxmemory-policy-evicts-state", Topology::Standalone));
        assert!(fits("maxmemory-unset", Topology::Standalone));
        assert!(fits("cluster-replicas-too-few", Topology::Cluster));
        assert!(!fits("cluster-replicas-too-few", Topology::SentinelHa));
        assert!(!fits("cluster-config-not-persisted", Topology::Standalone));
        assert!(fits("replication-without-failover", Topology::Replication));
        assert!(!fits("replication-without-failover", Topology::SentinelHa));
        assert!(!fits("replication-without-failover", Topology::Cluster));
    }
}
