//! Grouping servers into HA sets: a workload running both Redis and Sentinel is a set; a
//! Sentinel-only workload joins the Redis workload its `sentinel monitor` address names.

use super::launch::Role;
use super::{Model, Workload};
use std::collections::HashMap;

/// One Redis HA deployment: the workloads that run its Redis servers and Sentinels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaSet {
    pub namespace: String,
    /// Indexes into `Model::workloads`, ascending.
    pub workloads: Vec<usize>,
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
                });
            }
        }
    }
    for set in &mut sets {
        set.workloads.sort_unstable();
        set.workloads.dedup();
    }
    sets
}
