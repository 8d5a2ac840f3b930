//! Redis Cluster (`cluster-enabled yes`): the node state file, its addresses and enough
//! replicas. These rules fit only sets classified `cluster` (fitting.rs).

use super::facts::{confs, launch_loc, number, strings};
use super::rule::{Category, Rule};
use super::sources::{CLUSTER_SPEC, CLUSTER_TUTORIAL, K8S_PDB, NODES_CONF_ISSUE, REDIS_CONF};
use crate::finding::Severity;
use crate::manifest::Document;
use crate::model::shell::commands;
use crate::model::{Container, HaSet, Loc, Model, Role, Setting, Storage, Workload};

/// Where a finding on the node state file points: its `cluster-config-file` line, else the
/// server's launch.
fn file_loc(setting: Option<&Setting>, w: &Workload, c: &Container) -> Loc {
    setting
        .map(|s| s.loc.clone())
        .unwrap_or_else(|| launch_loc(w, c))
}

/// The path of the node state file: `cluster-config-file` (default `nodes.conf`), relative
/// to `dir` (Redis changes into it; `/data` when unset, as the official image and
/// `persistence-off-with-restart` assume).
fn nodes_conf_path(file: &str, dir: &str) -> String {
    if file.starts_with('/') {
        file.to_string()
    } else {
        format!(
            "{}/{}",
            dir.trim_end_matches('/'),
            file.trim_start_matches("./")
        )
    }
}

pub const CLUSTER_CONFIG_NOT_PERSISTED: Rule = Rule {
    id: "cluster-config-not-persisted",
    category: Category::Durability,
    severity: Severity::Error,
    summary: "a Redis Cluster node's nodes.conf is not on a PersistentVolumeClaim",
    rationale: "A Redis Cluster node keeps its identity in `cluster-config-file` (`nodes.conf` \
        in `dir`): its node ID, the current epoch, the slots it serves and every other node. \
        On an emptyDir or the container filesystem a recreated pod starts as a new, empty \
        node with a new ID: the others still wait for the old ID (marked failed), its slots \
        stay with a master that no longer exists or with no replica, and the node must be \
        re-added by hand. On a ConfigMap/Secret mount Redis cannot write the file and exits \
        at start. (Redis Cluster specification, \"Nodes\"; redis.conf, \
        \"cluster-config-file\".)",
    fix: "Put `cluster-config-file` under the data directory on the StatefulSet's \
        PersistentVolumeClaim (e.g. `dir /data` mounted from a `volumeClaimTemplates` entry, \
        `cluster-config-file /data/nodes.conf`).",
    references: &[CLUSTER_SPEC, REDIS_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                let file_setting = conf.last("cluster-config-file");
                let file = file_setting.and_then(|s| s.arg(0)).unwrap_or("nodes.conf");
                let dir = conf.last("dir").and_then(|s| s.arg(0)).unwrap_or("/data");
                let path = nodes_conf_path(file, dir);
                let on = match w.storage(c.index, &path) {
                    Storage::EmptyDir => {
                        "an emptyDir: a recreated pod forgets its node ID, slots and peers"
                    }
                    Storage::Container => {
                        "the container filesystem: a recreated pod forgets its node ID, slots and peers"
                    }
                    Storage::ReadOnly => {
                        "a read-only ConfigMap/Secret mount: Redis cannot write it and exits"
                    }
                    Storage::Claim | Storage::Other => continue,
                };
                sink.report_for(
                    &file_loc(file_setting, w, c),
                    Some(w.doc),
                    format!(
                        "cluster node state file {path} of container `{}` is on {on}",
                        c.name
                    ),
                );
            }
        }
    },
};

/// The smallest `--cluster-replicas N` of a `redis-cli --cluster create` in the input.
fn create_replicas(docs: &[Document]) -> Option<u64> {
    docs.iter()
        .flat_map(|d| strings(&d.value))
        .flat_map(|s| {
            let words: Vec<&str> = s.split_whitespace().collect();
            let counts: Vec<u64> = words
                .windows(2)
                .filter(|pair| pair[0] == "--cluster-replicas")
                .filter_map(|pair| pair[1].trim_matches(['"', '\'']).parse().ok())
                .collect();
            counts
        })
        .min()
}

/// What losing every copy of a shard's hash slots stops, by `cluster-require-full-coverage`:
/// by default (`yes`) every node refuses queries while a slot is unserved; with `no` the
/// other shards keep answering (redis.conf, "cluster-require-full-coverage").
fn shard_loss_effect(model: &Model, set: &HaSet) -> &'static str {
    let partial = confs(model, set, Role::Redis).any(|(_, _, conf)| {
        conf.last("cluster-require-full-coverage")
            .and_then(|s| s.arg(0))
            .is_some_and(|v| v.eq_ignore_ascii_case("no"))
    });
    if partial {
        "its slots go unserved (the other shards keep answering: cluster-require-full-coverage no)"
    } else {
        "the whole cluster refuses queries until its slots are served again (cluster-require-full-coverage yes, the default)"
    }
}

/// Masters a Redis Cluster needs to form (`redis-cli --cluster create` refuses fewer).
const MIN_MASTERS: u32 = 3;

pub const CLUSTER_REPLICAS_TOO_FEW: Rule = Rule {
    id: "cluster-replicas-too-few",
    category: Category::Topology,
    severity: Severity::Warning,
    summary: "a Redis Cluster with fewer than 6 nodes, or created with --cluster-replicas 0",
    rationale: "Redis Cluster needs at least three masters, and each master needs a replica to \
        fail over to: when a master without a replica is lost, its hash slots are served by \
        nobody and (with the default `cluster-require-full-coverage yes`) the whole cluster \
        stops accepting queries (with `no`, only that master's keys fail: the message says which \
        the input chose). The Redis Cluster tutorial recommends six nodes: three \
        masters and three replicas, created with `redis-cli --cluster create … \
        --cluster-replicas 1`. (Redis Cluster tutorial, \"Create a Redis Cluster\"; Redis \
        Cluster specification, \"Replica migration\".)",
    fix: "Run at least 6 nodes (`replicas: 6`) and create the cluster with `--cluster-replicas \
        1` (or more); keep `cluster-migration-barrier` at its default so an orphaned master \
        gets a spare replica.",
    references: &[CLUSTER_TUTORIAL, CLUSTER_SPEC],
    check: |cx, sink| {
        let replicas = create_replicas(cx.docs);
        for set in &cx.model.sets {
            let nodes = cx.model.count(set, Role::Redis);
            let Some(w) = cx.model.workloads_of(set).next() else {
                continue;
            };
            if nodes < 2 * MIN_MASTERS {
                sink.report(
                    &w.replicas_loc,
                    format!("{} `{}` runs {nodes} Redis Cluster node(s): 3 masters with one replica each need 6", w.kind, w.name),
                );
            } else if replicas == Some(0) {
                sink.report(
                    &w.replicas_loc,
                    format!("the cluster is created with `--cluster-replicas 0`: none of the {nodes} nodes of {} `{}` is a replica; when a master is lost, {}", w.kind, w.name, shard_loss_effect(cx.model, set)),
                );
            }
        }
    },
};

/// Replicas each master gets: the smallest `--cluster-replicas` in the input, bitnami's
/// `REDIS_CLUSTER_REPLICAS`, or 1 (the tutorial's and the charts' default).
fn replicas_per_master(docs: &[Document], set_env: impl Iterator<Item = u32>) -> u32 {
    create_replicas(docs)
        .map(|n| n as u32)
        .or(set_env.min())
        .unwrap_or(1)
}

pub const CLUSTER_PDB_ALLOWS_SHARD_LOSS: Rule = Rule {
    id: "cluster-pdb-allows-shard-loss",
    category: Category::Scheduling,
    severity: Severity::Error,
    summary: "a Redis Cluster's PDB lets a master and all its replicas be evicted together",
    rationale: "Redis Cluster places masters and replicas on pods as `redis-cli --cluster \
        create` and later failovers decide: any pod may hold a master, and its replica may be \
        any other pod. A PodDisruptionBudget that lets more pods go at once than each master \
        has replicas lets a drain evict a master together with every copy of its hash \
        slots: nothing is left to promote, the slots are unserved, and with the default \
        `cluster-require-full-coverage yes` the whole cluster refuses queries until the pods \
        return (with `no`, only the lost slots' keys fail; the message says which the input \
        chose). (Redis Cluster specification, \"Replica election and promotion\" and \
        \"Availability\"; Kubernetes PDB docs.)",
    fix: "Allow at most as many pods to go as each master has replicas: `maxUnavailable: 1` \
        for `--cluster-replicas 1`.",
    references: &[CLUSTER_SPEC, K8S_PDB],
    check: |cx, sink| {
        for set in &cx.model.sets {
            let env = cx.model.servers(set, Role::Redis).filter_map(|(_, c, _)| {
                c.env
                    .iter()
                    .find(|(k, _)| k == "REDIS_CLUSTER_REPLICAS")
                    .and_then(|(_, v)| v.parse().ok())
            });
            let per_master = replicas_per_master(cx.docs, env);
            for w in cx.model.workloads_of(set) {
                for pdb in cx
                    .model
                    .pdbs_in(&w.namespace)
                    .filter(|p| p.selector.matches(&w.labels))
                {
                    let Some((pods, field)) = pdb.evictable(w.replicas) else {
                        continue;
                    };
                    if pods > per_master {
                        sink.report(
                            &crate::model::Loc::new(pdb.doc, field),
                            format!("this PodDisruptionBudget lets {pods} of the {} pods of {} `{}` go at once, but each master has {per_master} replica(s): a drain can evict a master with all its replicas, and then {}", w.replicas, w.kind, w.name, shard_loss_effect(cx.model, set)),
                        );
                    }
                }
            }
        }
    },
};

/// Redis's default `cluster-node-timeout`, and the range outside which the rule warns
/// (the same bounds as Sentinel's `down-after-milliseconds`, timings.rs).
const NODE_TIMEOUT_DEFAULT: i64 = 15_000;
const NODE_TIMEOUT_RANGE: std::ops::RangeInclusive<i64> = 1_000..=30_000;

pub const CLUSTER_NODE_TIMEOUT_OUT_OF_RANGE: Rule = Rule {
    id: "cluster-node-timeout-out-of-range",
    category: Category::Timings,
    severity: Severity::Warning,
    summary: "cluster-node-timeout < 1000 or > 30000",
    rationale: "`cluster-node-timeout` is how long a node must be unreachable before it is \
        flagged failing and its replica is promoted. Below a second, a fork for RDB/AOF \
        rewrite, a GC pause of the node or a short network hiccup triggers a failover and a \
        slot owner change; far above the default (15000 ms), a lost master's slots stay \
        unavailable for minutes (a failover takes about twice the timeout). (Redis Cluster \
        specification, \"Failure detection\"; redis.conf, \"cluster-node-timeout\".)",
    fix: "Use a value between 1000 and 30000 ms (the default 15000, or about 5000 for faster \
        failover on a quiet network).",
    references: &[CLUSTER_SPEC, REDIS_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                let (ms, at) = number(conf, &["cluster-node-timeout"], NODE_TIMEOUT_DEFAULT);
                if let Some(at) = at
                    && !NODE_TIMEOUT_RANGE.contains(&ms)
                {
                    sink.report_for(
                        &at.loc,
                        Some(w.doc),
                        format!(
                            "cluster-node-timeout {ms} of container `{}` is outside 1000–30000 ms",
                            c.name
                        ),
                    );
                }
            }
        }
    },
};

/// Whether some script of the input edits the node state file `name` at start: it runs
/// `sed`/`awk` and names the file (directly or in a variable, as the fix-ip scripts of
/// redis/redis#4645 do: `sed -i -e "/myself/ s/…/${POD_IP}/" ${CLUSTER_CONFIG}`).
fn node_file_edited(docs: &[Document], name: &str) -> bool {
    docs.iter()
        .flat_map(|d| strings(&d.value))
        .filter(|s| s.contains(name))
        .any(|s| {
            commands(s).iter().any(|c| {
                let verb = c.words.first().map(|w| w.rsplit('/').next().unwrap_or(w));
                matches!(verb, Some("sed" | "awk"))
            })
        })
}

/// Whether container `c` runs bitnami's redis-cluster image with its address refresh on
/// (`REDIS_CLUSTER_DYNAMIC_IPS`, default `yes`: `run.sh` rewrites every node's IP in
/// `nodes.conf` from `REDIS_NODES` before the server starts).
fn refreshed_by_image(c: &Container) -> bool {
    c.image
        .as_deref()
        .is_some_and(crate::model::is_cluster_image)
        && !c
            .env
            .iter()
            .any(|(k, v)| k == "REDIS_CLUSTER_DYNAMIC_IPS" && v.eq_ignore_ascii_case("no"))
}

pub const CLUSTER_NODE_ADDRESSES_NOT_REFRESHED: Rule = Rule {
    id: "cluster-node-addresses-not-refreshed",
    category: Category::Topology,
    severity: Severity::Warning,
    summary: "a Redis Cluster keeps nodes.conf across restarts but nothing updates the pod IPs in it",
    rationale: "A Redis Cluster node finds its peers at the addresses saved in \
        `cluster-config-file` (`nodes.conf`), and the cluster bus connects by IP only \
        (`cluster-announce-hostname` names nodes to clients, not to each other). A pod comes \
        back with a new IP, and Redis does not rewrite the old one (redis/redis#4645): one \
        restarted pod is found again when it pings its peers, but when every pod restarts \
        at once (a node pool upgrade, a namespace scaled to zero and back) each node knows \
        only old IPs — gone, or now another node's, which it then marks `noaddr` — and the \
        cluster stays down until someone runs `CLUSTER MEET` by hand. Charts fix the file \
        before the server starts: bitnami's image rewrites every node's IP from DNS \
        (`REDIS_CLUSTER_DYNAMIC_IPS`, on by default); hand-written sets run a `sed` on \
        `nodes.conf`, or announce a stable address (`cluster-announce-ip` of a per-pod \
        Service). (Redis Cluster specification, \"Heartbeat and gossip messages\" and \
        \"Node handshake\"; redis/redis#4645.)",
    fix: "Before `redis-server` starts, rewrite the node's own and its peers' IPs in \
        `nodes.conf` from their stable DNS names (`<set>-N.<headless service>`), as bitnami's \
        `REDIS_CLUSTER_DYNAMIC_IPS` does, or give each pod a stable `cluster-announce-ip` \
        (one Service per pod).",
    references: &[CLUSTER_SPEC, NODES_CONF_ISSUE],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                if refreshed_by_image(c) || conf.last("cluster-announce-ip").is_some() {
                    continue;
                }
                let file_setting = conf.last("cluster-config-file");
                let file = file_setting.and_then(|s| s.arg(0)).unwrap_or("nodes.conf");
                let dir = conf.last("dir").and_then(|s| s.arg(0)).unwrap_or("/data");
                let path = nodes_conf_path(file, dir);
                // Not kept, the file holds no old address (cluster-config-not-persisted).
                if !matches!(w.storage(c.index, &path), Storage::Claim) {
                    continue;
                }
                let name = path.rsplit('/').next().unwrap_or(&path);
                if node_file_edited(cx.docs, name) {
                    continue;
                }
                sink.report_for(
                    &file_loc(file_setting, w, c),
                    Some(w.doc),
                    format!(
                        "{path} of container `{}` is kept on its claim but nothing rewrites the pod IPs in it: after every pod restarts with a new IP the nodes cannot find each other",
                        c.name
                    ),
                );
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use super::nodes_conf_path;

    #[test]
    fn node_state_file_path() {
        assert_eq!(nodes_conf_path("nodes.conf", "/data"), "/data/nodes.conf");
        assert_eq!(
            nodes_conf_path("./nodes.conf", "/data/"),
            "/data/nodes.conf"
        );
        assert_eq!(
            nodes_conf_path("/conf/nodes.conf", "/data"),
            "/conf/nodes.conf"
        );
    }
}
