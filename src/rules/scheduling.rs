//! Scheduling and disruption: spreading pods, disruption budgets, resources.

use super::partial::pdb_unjudged;
use super::rule::{Category, Rule};
use super::sources::{K8S_AFFINITY, K8S_DISRUPTIONS, K8S_PDB, K8S_RESOURCES, K8S_SPREAD, SENTINEL};
use crate::finding::Severity;
use crate::manifest::JsonPointer;
use crate::model::units::quantity;
use crate::model::{Role, Topology, Workload};
use serde_json::Value;

const HOSTNAME: &str = "kubernetes.io/hostname";

fn labels_pointer(w: &Workload) -> String {
    format!(
        "{}/metadata/labels",
        w.pod.strip_suffix("/spec").unwrap_or("")
    )
}

fn majority(n: u32) -> u32 {
    n / 2 + 1
}

/// Pointers of the pod's required anti-affinity terms on the hostname.
fn required_hostname_terms(spec: &Value, pod: &str) -> Vec<String> {
    let field = "affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution";
    spec.at(&format!("/{field}"))
        .and_then(Value::as_array)
        .map(|terms| {
            terms
                .iter()
                .enumerate()
                .filter(|(_, t)| t.get("topologyKey").and_then(Value::as_str) == Some(HOSTNAME))
                .map(|(i, _)| format!("{pod}/{field}/{i}"))
                .collect()
        })
        .unwrap_or_default()
}

fn spreads_on_hostname(spec: &Value, pod: &str) -> bool {
    let preferred = spec
        .at("/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution")
        .and_then(Value::as_array)
        .is_some_and(|terms| {
            terms.iter().any(|t| {
                t.at("/podAffinityTerm/topologyKey").and_then(Value::as_str) == Some(HOSTNAME)
            })
        });
    let spread = spec
        .get("topologySpreadConstraints")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.get("topologyKey").and_then(Value::as_str) == Some(HOSTNAME))
        });
    preferred || spread || !required_hostname_terms(spec, pod).is_empty()
}

pub const ANTI_AFFINITY_MISSING: Rule = Rule {
    id: "anti-affinity-missing",
    category: Category::Scheduling,
    severity: Severity::Warning,
    summary: "Redis/Sentinel pods have neither pod anti-affinity nor topology spread on hostname",
    rationale: "Without anti-affinity the scheduler may put two or all Redis pods — and their \
        Sentinels — on one node; losing that node loses the master and the Sentinel majority \
        at once, and no failover can happen (in a Redis Cluster: a master and its replica, so \
        their hash slots). (Redis Sentinel docs, \"failure-independent places\"; Redis Cluster \
        tutorial; Kubernetes inter-pod anti-affinity.)",
    fix: "Add `podAntiAffinity` on `kubernetes.io/hostname` (required in production, preferred \
        on one-node dev clusters) or a `topologySpreadConstraints` entry on that key.",
    references: &[SENTINEL, K8S_AFFINITY, K8S_SPREAD],
    check: |cx, sink| {
        for set in &cx.model.sets {
            // What one node takes down, in the set's own terms.
            let lost = match set.topology {
                Topology::SentinelHa => "the master and the Sentinel majority",
                Topology::Replication => "the master and its replicas",
                Topology::Cluster => "a master and its replica, and their hash slots",
                Topology::Standalone => "every instance",
            };
            for w in cx.model.workloads_of(set) {
                let Some(spec) = cx.docs.get(w.doc).and_then(|d| d.value.at(&w.pod)) else {
                    continue;
                };
                if w.replicas > 1 && !spreads_on_hostname(spec, &w.pod) {
                    sink.report(&w.loc(w.pod.clone()), format!("{} `{}` runs {} pods with no anti-affinity or spread on {HOSTNAME}: one node can take down {lost}", w.kind, w.name, w.replicas));
                }
            }
        }
    },
};

pub const ANTI_AFFINITY_UNSATISFIABLE: Rule = Rule {
    id: "anti-affinity-unsatisfiable",
    category: Category::Scheduling,
    severity: Severity::Error,
    summary: "render only: required anti-affinity with more pods than the profile's nodes",
    rationale: "Required (hard) anti-affinity on the hostname allows one pod per node; with more \
        replicas than nodes the extra pods stay Pending forever — on a one-node `kind` cluster \
        only redis-0 ever starts. (Kubernetes inter-pod anti-affinity.)",
    fix: "Use preferred anti-affinity for clusters with fewer nodes than pods \
        (`scheduling.antiAffinity: preferred`), or set `cluster.nodes` to the real node count.",
    references: &[K8S_AFFINITY],
    check: |cx, sink| {
        let Some(render) = &cx.options.render else {
            return;
        };
        for w in cx.model.set_workloads() {
            let Some(spec) = cx.docs.get(w.doc).and_then(|d| d.value.at(&w.pod)) else {
                continue;
            };
            if w.replicas <= render.nodes {
                continue;
            }
            if let Some(term) = required_hostname_terms(spec, &w.pod).first() {
                sink.report(&w.loc(term.clone()), format!("required anti-affinity places one pod per node, but {} `{}` has {} pods for {} node(s)", w.kind, w.name, w.replicas, render.nodes));
            }
        }
    },
};

pub const PDB_MISSING: Rule = Rule {
    id: "pdb-missing",
    category: Category::Scheduling,
    severity: Severity::Warning,
    summary: "no PodDisruptionBudget selects the pods",
    rationale: "Without a PodDisruptionBudget a node drain or cluster upgrade may evict several \
        Redis pods at once, taking the master and the Sentinel majority down together. \
        On a partial input (a mounted ConfigMap missing, or a StatefulSet's Services) that \
        holds no PodDisruptionBudget in the namespace, the budget may be in a file that was \
        not passed: `input-partial` says so once, at info, instead of this warning. \
        (Kubernetes disruptions docs.)",
    fix: "Add a PodDisruptionBudget selecting the pods with `maxUnavailable: 1` \
        (`podDisruptionBudget.enabled`).",
    references: &[K8S_DISRUPTIONS, K8S_PDB],
    check: |cx, sink| {
        for w in cx.model.set_workloads() {
            let covered = cx
                .model
                .pdbs_in(&w.namespace)
                .any(|p| p.selector.matches(&w.labels));
            if w.replicas > 1 && !covered && !pdb_unjudged(cx, w) {
                sink.report(
                    &w.loc(labels_pointer(w)),
                    format!(
                        "no PodDisruptionBudget selects the pods of {} `{}`",
                        w.kind, w.name
                    ),
                );
            }
        }
    },
};

pub const PDB_BREAKS_QUORUM: Rule = Rule {
    id: "pdb-breaks-quorum",
    category: Category::Scheduling,
    severity: Severity::Error,
    summary: "the PDB lets more pods go than N − majority",
    rationale: "Sentinel authorises a failover only with a majority of all Sentinels. A \
        PodDisruptionBudget that lets a drain evict more Sentinel pods than N − majority (1 of 3, \
        2 of 5) can take the majority down voluntarily; a master failure during the drain is \
        then never failed over. (Redis Sentinel docs; Kubernetes PDB docs.)",
    fix: "Use `maxUnavailable: 1` for 3 Sentinels (in general at most N − (⌊N/2⌋+1)), or the \
        equivalent `minAvailable`.",
    references: &[SENTINEL, K8S_PDB],
    check: |cx, sink| {
        for set in &cx.model.sets {
            let n = cx.model.count(set, Role::Sentinel);
            if n == 0 {
                continue;
            }
            let tolerable = n - majority(n);
            let mut seen = Vec::new();
            for (w, _, _) in cx.model.servers(set, Role::Sentinel) {
                let per_pod = cx
                    .model
                    .servers(set, Role::Sentinel)
                    .filter(|(x, _, _)| x.doc == w.doc)
                    .count() as u32;
                for pdb in cx
                    .model
                    .pdbs_in(&w.namespace)
                    .filter(|p| p.selector.matches(&w.labels))
                {
                    if seen.contains(&(pdb.doc, w.doc)) {
                        continue;
                    }
                    seen.push((pdb.doc, w.doc));
                    let Some((pods, field)) = pdb.evictable(w.replicas) else {
                        continue;
                    };
                    if pods * per_pod > tolerable {
                        sink.report(
                            &crate::model::Loc::new(pdb.doc, field),
                            format!("this PodDisruptionBudget lets {pods} pod(s) of `{}` go at once, {} Sentinel(s), but only {tolerable} of {n} may be lost while keeping the majority", w.name, pods * per_pod),
                        );
                    }
                }
            }
        }
    },
};

pub const RESOURCES_MISSING: Rule = Rule {
    id: "resources-missing",
    category: Category::Scheduling,
    severity: Severity::Error,
    summary: "a Redis or Sentinel container lacks CPU/memory requests or a memory limit",
    rationale: "Without requests the scheduler may pack Redis onto an overcommitted node where it \
        is throttled or evicted first (BestEffort); without a memory limit Redis's `maxmemory` \
        has no boundary to be checked against and a leak takes the node's memory. \
        (Kubernetes resource management docs.)",
    fix: "Set `resources.requests.cpu`, `resources.requests.memory` and \
        `resources.limits.memory` on the Redis and Sentinel containers.",
    references: &[K8S_RESOURCES],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for role in [Role::Redis, Role::Sentinel] {
                for (w, c, _) in cx.model.servers(set, role) {
                    let Some(doc) = cx.docs.get(w.doc) else {
                        continue;
                    };
                    let missing: Vec<&str> = ["requests/cpu", "requests/memory", "limits/memory"]
                        .into_iter()
                        .filter(|p| {
                            doc.value
                                .at(&format!("{}/resources/{p}", c.pointer))
                                .is_none()
                        })
                        .collect();
                    if !missing.is_empty() {
                        let at = if doc.value.at(&format!("{}/resources", c.pointer)).is_some() {
                            format!("{}/resources", c.pointer)
                        } else {
                            c.pointer.clone()
                        };
                        sink.report(
                            &w.loc(at),
                            format!(
                                "container `{}` has no {}",
                                c.name,
                                missing.join(", ").replace('/', ".")
                            ),
                        );
                    }
                }
            }
        }
    },
};

pub const REQUESTS_EXCEED_LIMITS: Rule = Rule {
    id: "requests-exceed-limits",
    category: Category::Scheduling,
    severity: Severity::Error,
    summary: "a request is larger than its limit",
    rationale: "The API server rejects a container whose request exceeds its limit \
        (\"must be less than or equal to … limit\"): the StatefulSet never creates its pods. \
        (Kubernetes resource management docs.)",
    fix: "Make every request at most its limit.",
    references: &[K8S_RESOURCES],
    check: |cx, sink| {
        for w in cx.model.set_workloads() {
            let Some(doc) = cx.docs.get(w.doc) else {
                continue;
            };
            for c in &w.containers {
                let Some(resources) = doc.value.at(&c.pointer).and_then(|c| c.get("resources"))
                else {
                    continue;
                };
                for res in ["cpu", "memory"] {
                    let read = |kind: &str| {
                        let v = resources.get(kind)?.get(res)?;
                        let text = v
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string());
                        Some((quantity(&text)?, text))
                    };
                    if let (Some((req, rt)), Some((lim, lt))) = (read("requests"), read("limits"))
                        && req > lim
                    {
                        sink.report(
                            &w.loc(format!("{}/resources/requests/{res}", c.pointer)),
                            format!(
                                "container `{}` requests {res} {rt}, more than its limit {lt}",
                                c.name
                            ),
                        );
                    }
                }
            }
        }
    },
};
