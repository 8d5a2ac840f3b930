//! Grouping servers into HA sets: a workload running both Redis and Sentinel is a set; a
//! Sentinel-only workload joins the Redis workload its `sentinel monitor` address names, a
//! replica-only workload the Redis workload its `replicaof` names. Each set is classified
//! (docs/contracts.md, "Recognition and topology") so that only the rules that fit it run.

use super::server::Role;
use super::{Model, Workload};
use std::collections::HashMap;

/// How a set of Redis servers is meant to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Topology {
    /// Redis servers watched by Sentinels, which fail over.
    SentinelHa,
    /// A master and replicas (`replicaof`, bitnami's `REDIS_REPLICATION_MODE=replica`), no
    /// Sentinel: nothing fails over.
    Replication,
    /// Servers with no replication and no Sentinel: a cache or a single store.
    Standalone,
    /// Redis Cluster (`cluster-enabled yes`): the nodes fail over among themselves.
    Cluster,
}

impl Topology {
    pub fn as_str(self) -> &'static str {
        match self {
            Topology::SentinelHa => "sentinel-ha",
            Topology::Replication => "replication",
            Topology::Standalone => "standalone",
            Topology::Cluster => "cluster",
        }
    }
}

/// One Redis deployment: the workloads that run its Redis servers and Sentinels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaSet {
    pub namespace: String,
    /// Indexes into `Model::workloads`, ascending.
    pub workloads: Vec<usize>,
    pub topology: Topology,
}

/// The hosts a workload's Redis servers replicate from (`replicaof`/`slaveof`).
fn master_hosts(w: &Workload) -> Vec<String> {
    w.containers
        .iter()
        .filter_map(|c| {
            c.server
                .as_ref()
                .filter(|s| s.role == Role::Redis)?
                .conf
                .as_ref()
        })
        .filter_map(|conf| {
            conf.value(&["replicaof", "slaveof"])
                .map(|(host, _)| host.to_string())
        })
        .collect()
}

/// What the evidence of `workloads` says they are.
fn classify(model: &Model, workloads: &[usize]) -> Topology {
    let ws = || workloads.iter().map(|&i| &model.workloads[i]);
    let servers = || {
        ws().flat_map(|w| w.containers.iter())
            .filter_map(|c| Some((c, c.server.as_ref()?)))
    };
    let cluster = servers().any(|(_, s)| {
        s.role == Role::Redis
            && s.conf.as_ref().is_some_and(|c| {
                c.value(&["cluster-enabled"])
                    .is_some_and(|(v, _)| v.eq_ignore_ascii_case("yes"))
            })
    });
    if cluster {
        return Topology::Cluster;
    }
    if servers().any(|(_, s)| s.role == Role::Sentinel) {
        return Topology::SentinelHa;
    }
    // bitnami's image starts a replica for `REDIS_REPLICATION_MODE=replica` (or `slave`);
    // `master` is what its chart sets in standalone mode too, so it is no evidence.
    let replicating = ws().any(|w| !master_hosts(w).is_empty())
        || servers().any(|(c, _)| {
            c.env.iter().any(|(k, v)| {
                k == "REDIS_REPLICATION_MODE"
                    && (v.eq_ignore_ascii_case("replica") || v.eq_ignore_ascii_case("slave"))
            })
        });
    if replicating {
        Topology::Replication
    } else {
        Topology::Standalone
    }
}

fn runs(w: &Workload, role: Role) -> bool {
    w.containers
        .iter()
        .any(|c| c.server.as_ref().is_some_and(|s| s.role == role))
}

/// The hosts a workload's Sentinels monitor.
fn monitored_hosts(w: &Workload) -> Vec<String> {
    w.containers
        .iter()
        .filter_map(|c| c.server.as_ref()?.conf.as_ref())
        .flat_map(|conf| {
            conf.sentinel("monitor")
                .filter_map(|s| s.arg(2).map(str::to_string))
        })
        .collect()
}

/// Whether `host` names a pod of `w` (`redis-0.redis-headless…`) or a Service selecting it.
fn names(model: &Model, w: &Workload, host: &str) -> bool {
    let label = host.split('.').next().unwrap_or(host);
    let pod = label
        .strip_prefix(w.name.as_str())
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    pod || w.service_name.as_deref() == Some(label) || model.services_of(w).any(|s| s.name == label)
}

pub fn group(model: &Model) -> Vec<HaSet> {
    let servers: Vec<usize> = (0..model.workloads.len())
        .filter(|&i| {
            model.workloads[i]
                .containers
                .iter()
                .any(|c| c.server.is_some())
        })
        .collect();
    let mut owner: Vec<usize> = (0..model.workloads.len()).collect();
    for &i in &servers {
        let w = &model.workloads[i];
        if runs(w, Role::Redis) || !runs(w, Role::Sentinel) {
            continue;
        }
        let redis: Vec<usize> = model
            .namespace(&w.namespace)
            .workloads
            .iter()
            .copied()
            .filter(|&j| runs(&model.workloads[j], Role::Redis))
            .collect();
        let hosts = monitored_hosts(w);
        let named = redis
            .iter()
            .copied()
            .find(|&j| hosts.iter().any(|h| names(model, &model.workloads[j], h)));
        let target = named.or((redis.len() == 1).then(|| redis[0]));
        if let Some(j) = target {
            owner[i] = j;
        }
    }
    // A workload of replicas joins the workload its `replicaof` names (bitnami's
    // `-replicas` StatefulSet and its `-master`).
    for &i in &servers {
        let w = &model.workloads[i];
        if runs(w, Role::Sentinel) || owner[i] != i {
            continue;
        }
        let hosts = master_hosts(w);
        let named = servers.iter().copied().find(|&j| {
            j != i
                && model.workloads[j].namespace == w.namespace
                && master_hosts(&model.workloads[j]).is_empty()
                && hosts.iter().any(|h| names(model, &model.workloads[j], h))
        });
        if let Some(j) = named {
            owner[i] = owner[j];
        }
    }
    // Workloads whose configuration is built into their image (custom images, launch.rs)
    // name neither a master nor a monitored host: in a namespace where such workloads run
    // Sentinel, they are one deployment, joined to the first that runs Sentinel.
    let image_configured = |i: usize| {
        owner[i] == i
            && model.workloads[i]
                .containers
                .iter()
                .filter_map(|c| c.server.as_ref())
                .all(|s| s.conf.is_none())
    };
    let opaque: Vec<usize> = servers
        .iter()
        .copied()
        .filter(|&i| image_configured(i))
        .collect();
    for &i in &opaque {
        let ns = &model.workloads[i].namespace;
        let root = opaque.iter().copied().find(|&j| {
            model.workloads[j].namespace == *ns && runs(&model.workloads[j], Role::Sentinel)
        });
        if let Some(root) = root {
            owner[i] = root;
        }
    }
    let mut sets: Vec<HaSet> = Vec::new();
    let mut set_of_root: HashMap<usize, usize> = HashMap::new();
    for &i in &servers {
        let root = owner[i];
        match set_of_root.get(&root) {
            Some(&s) => sets[s].workloads.push(i),
            None => {
                set_of_root.insert(root, sets.len());
                let mut workloads = vec![root];
                if root != i {
                    workloads.push(i);
                }
                sets.push(HaSet {
                    namespace: model.workloads[i].namespace.clone(),
                    workloads,
                    topology: Topology::Standalone,
                });
            }
        }
    }
    for set in &mut sets {
        set.workloads.sort_unstable();
        set.workloads.dedup();
        set.topology = classify(model, &set.workloads);
    }
    sets
}
