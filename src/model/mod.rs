//! The Redis HA topology extracted from manifests: each HA set, its pods, configs, Services,
//! PDBs and NetworkPolicies. Every fact keeps a [`Loc`] back to the document it came from.

mod bitnami_cluster_image;
mod bitnami_image;
mod bitnami_launch;
mod bootstrap;
mod cache;
pub mod conf;
mod duplicates;
mod files;
mod functions;
mod json;
pub mod launch;
pub mod objects;
mod options;
mod script;
pub mod selector;
mod server;
mod sets;
pub mod shell;
mod source_kind;
pub mod units;
pub mod vars;
pub mod workload;

pub use bitnami_cluster_image::is_cluster_image;
pub use conf::{Conf, Origin, Setting, Storage};
pub use json::token;
pub use objects::{IntOrString, NetworkPolicy, Pdb, Service};
pub use script::Script;
pub use server::{Role, Server};
pub use sets::{HaSet, Topology};
pub use source_kind::SourceKind;
pub use workload::{Container, VolumeSource, Workload};

use crate::manifest::Document;
use cache::TextCache;
use files::{Files, data_text, located};
use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

/// Where a fact was written: a document, a JSON pointer into it, and for text inside a
/// string (a config file in a ConfigMap, a start script) the 0-based line inside that text.
/// The pointer is shared: every directive of a configuration file is located in the same
/// string, and copying a `Loc` must not copy it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub doc: usize,
    pub pointer: Rc<str>,
    pub line: Option<usize>,
}

impl Loc {
    pub fn new(doc: usize, pointer: impl Into<Rc<str>>) -> Loc {
        Loc {
            doc,
            pointer: pointer.into(),
            line: None,
        }
    }
}

/// The objects volumes and env draw from (a [`SourceKind`]: ConfigMaps and Secrets), by
/// (namespace, kind, name): the index of the document that defines each.
pub type SourceObjects = HashMap<(String, SourceKind, String), usize>;

/// Configuration text found in a ConfigMap/Secret (directly, or in a script's here-document).
#[derive(Clone, Debug)]
pub struct StoredConf {
    pub kind: SourceKind,
    pub settings: Vec<Setting>,
}

/// What one namespace holds (indexes into the model's vectors), so relating objects by
/// selector never scans other namespaces.
#[derive(Clone, Debug, Default)]
pub struct Namespace {
    pub workloads: Vec<usize>,
    pub services: Vec<usize>,
    pub pdbs: Vec<usize>,
    pub policies: Vec<usize>,
}

static EMPTY_NAMESPACE: std::sync::LazyLock<Namespace> =
    std::sync::LazyLock::new(Namespace::default);

/// Everything the rules look at.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub namespaces: HashMap<String, Namespace>,
    pub workloads: Vec<Workload>,
    /// Start scripts of each workload (same index as `workloads`).
    pub scripts: Vec<Vec<Script>>,
    pub services: Vec<Service>,
    pub pdbs: Vec<Pdb>,
    pub policies: Vec<NetworkPolicy>,
    pub sources: SourceObjects,
    pub stored: Vec<StoredConf>,
    pub sets: Vec<HaSet>,
    /// Documents defining the same object, in path order; the model reads one of each group
    /// (the last, or the one of its alternative: [`Model::build_alternative`]).
    pub duplicates: Vec<Vec<usize>>,
}

impl Model {
    /// Extract the model from documents, reading the definition applied last of an object
    /// defined twice. Unknown kinds are skipped.
    pub fn build(docs: &[Document]) -> Model {
        Model::build_alternative(docs, 0, 1)
    }

    /// How many alternatives the documents hold: 1, or for an object defined several times
    /// (a folder of variants) how many definitions it has (at most
    /// [`duplicates::MAX_ALTERNATIVES`]).
    pub fn alternatives(docs: &[Document]) -> usize {
        duplicates::alternatives(&duplicates::duplicates(docs))
    }

    /// The model of alternative `k` of `n`: of each object defined several times it reads
    /// the `k`-th definition in path order (the last one in the last alternative).
    pub fn build_alternative(docs: &[Document], k: usize, n: usize) -> Model {
        let mut model = Model {
            duplicates: duplicates::duplicates(docs),
            ..Model::default()
        };
        let overridden = duplicates::overridden(&model.duplicates, k, n);
        // Scripts are parsed once, whether read for here-documents or run by containers.
        let cache = TextCache::default();
        for (i, doc) in docs.iter().enumerate() {
            if overridden.get(i).copied().unwrap_or(false) {
                continue;
            }
            match doc.kind() {
                "Service" => model.services.push(objects::service(i, doc)),
                "PodDisruptionBudget" => model.pdbs.push(objects::pdb(i, doc)),
                "NetworkPolicy" => model.policies.push(objects::network_policy(i, doc)),
                "ConfigMap" | "Secret" => {
                    let kind = if doc.kind() == "Secret" {
                        SourceKind::Secret
                    } else {
                        SourceKind::ConfigMap
                    };
                    let ns = doc.namespace().unwrap_or_default().to_string();
                    model.sources.insert((ns, kind, doc.name().to_string()), i);
                    model.stored.extend(stored_confs(i, doc, kind, &cache));
                }
                // cert-manager writes `spec.secretName`: for the pods that mount it, the
                // Certificate defines that Secret.
                "Certificate" if is_cert_manager(doc) => {
                    if let Some(secret) = doc
                        .value
                        .pointer("/spec/secretName")
                        .and_then(|s| s.as_str())
                    {
                        let ns = doc.namespace().unwrap_or_default().to_string();
                        model
                            .sources
                            .insert((ns, SourceKind::Secret, secret.to_string()), i);
                    }
                }
                _ => model.workloads.extend(workload::read(i, doc)),
            }
        }
        for w in &mut model.workloads {
            let discovery = Files::new(docs, &model.sources, w, &[], &cache);
            let scripts: Vec<Script> = (0..w.containers.len())
                .flat_map(|c| launch::scripts(&discovery, c))
                .collect();
            let files = Files::new(docs, &model.sources, w, &scripts, &cache);
            let servers: Vec<Option<Server>> = (0..w.containers.len())
                .map(|c| launch::server(&files, c))
                .collect();
            for (c, server) in w.containers.iter_mut().zip(servers) {
                c.server = server;
            }
            model.scripts.push(scripts);
        }
        model.index_namespaces();
        model.sets = sets::group(&model);
        model
    }

    fn index_namespaces(&mut self) {
        let mut index: HashMap<String, Namespace> = HashMap::new();
        for (i, w) in self.workloads.iter().enumerate() {
            index
                .entry(w.namespace.clone())
                .or_default()
                .workloads
                .push(i);
        }
        for (i, s) in self.services.iter().enumerate() {
            index
                .entry(s.namespace.clone())
                .or_default()
                .services
                .push(i);
        }
        for (i, p) in self.pdbs.iter().enumerate() {
            index.entry(p.namespace.clone()).or_default().pdbs.push(i);
        }
        for (i, p) in self.policies.iter().enumerate() {
            index
                .entry(p.namespace.clone())
                .or_default()
                .policies
                .push(i);
        }
        self.namespaces = index;
    }

    pub fn namespace(&self, ns: &str) -> &Namespace {
        self.namespaces.get(ns).unwrap_or(&EMPTY_NAMESPACE)
    }

    pub fn services_in<'a>(&'a self, ns: &str) -> impl Iterator<Item = &'a Service> + 'a {
        self.namespace(ns)
            .services
            .iter()
            .map(|&i| &self.services[i])
    }

    pub fn pdbs_in<'a>(&'a self, ns: &str) -> impl Iterator<Item = &'a Pdb> + 'a {
        self.namespace(ns).pdbs.iter().map(|&i| &self.pdbs[i])
    }

    pub fn policies_in<'a>(&'a self, ns: &str) -> impl Iterator<Item = &'a NetworkPolicy> + 'a {
        self.namespace(ns)
            .policies
            .iter()
            .map(|&i| &self.policies[i])
    }

    pub fn workloads_in<'a>(&'a self, ns: &str) -> impl Iterator<Item = &'a Workload> + 'a {
        self.namespace(ns)
            .workloads
            .iter()
            .map(|&i| &self.workloads[i])
    }

    /// The workloads of `set`.
    pub fn workloads_of<'a>(&'a self, set: &'a HaSet) -> impl Iterator<Item = &'a Workload> + 'a {
        set.workloads.iter().map(|&i| &self.workloads[i])
    }

    /// Every workload of every HA set, set by set.
    pub fn set_workloads(&self) -> impl Iterator<Item = &Workload> + '_ {
        self.sets.iter().flat_map(|set| self.workloads_of(set))
    }

    /// Every server of `set` with the workload it runs in.
    pub fn servers<'a>(
        &'a self,
        set: &'a HaSet,
        role: Role,
    ) -> impl Iterator<Item = (&'a Workload, &'a Container, &'a Server)> + 'a {
        self.workloads_of(set).flat_map(move |w| {
            w.containers.iter().filter_map(move |c| {
                let s = c.server.as_ref().filter(|s| s.role == role)?;
                Some((w, c, s))
            })
        })
    }

    /// How many processes of `role` the set runs (containers × replicas).
    pub fn count(&self, set: &HaSet, role: Role) -> u32 {
        self.servers(set, role).map(|(w, _, _)| w.replicas).sum()
    }

    /// The text of the file at `path` in container `c` of workload `w`, when a ConfigMap or
    /// Secret volume provides it (a script a probe runs, say).
    pub fn mounted_text(
        &self,
        docs: &[Document],
        w: usize,
        c: usize,
        path: &str,
    ) -> Option<String> {
        let cache = TextCache::default();
        let files = Files::new(docs, &self.sources, self.workloads.get(w)?, &[], &cache);
        files.mounted(c, path).map(|file| file.text.into_owned())
    }

    /// Services in the namespace of `w` whose selector picks its pods.
    pub fn services_of<'a>(&'a self, w: &'a Workload) -> impl Iterator<Item = &'a Service> + 'a {
        self.services_in(&w.namespace)
            .filter(move |s| !s.selector.is_empty() && s.selector.matches(&w.labels))
    }
}

fn is_cert_manager(doc: &Document) -> bool {
    doc.value
        .get("apiVersion")
        .and_then(|v| v.as_str())
        .is_some_and(|v| v.starts_with("cert-manager.io/"))
}

/// Whether `text` has a line only a Redis or Sentinel configuration has: a stock
/// `redis.conf` (hundreds of directives, many unknown to `looks_like_conf`) still sets its
/// password or master this way.
fn names_conf_lines(text: &str) -> bool {
    text.lines().any(|line| {
        let mut words = line.split_whitespace();
        match words.next().map(str::to_ascii_lowercase).as_deref() {
            Some("requirepass" | "masterauth" | "replicaof" | "slaveof") => true,
            Some("sentinel") => words
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("monitor")),
            _ => false,
        }
    })
}

/// Configuration text in a ConfigMap/Secret: a data value that reads as configuration, or
/// a here-document inside a script that does.
fn stored_confs<'d>(
    doc_index: usize,
    doc: &'d Document,
    kind: SourceKind,
    cache: &TextCache<'d>,
) -> Vec<StoredConf> {
    let mut out = Vec::new();
    let mut keys: Vec<&String> = Vec::new();
    for field in ["data", "stringData"] {
        if let Some(map) = doc.value.get(field).and_then(|m| m.as_object()) {
            keys.extend(map.keys());
        }
    }
    for key in keys {
        let Some((text, field)) = data_text(&doc.value, kind, key) else {
            continue;
        };
        let loc = Loc::new(doc_index, workload::data_pointer(field, key));
        // A script is never itself a configuration; only its here-documents may be.
        let script = text.starts_with("#!") || key.ends_with(".sh");
        if !script {
            let parsed = cache.conf(&loc, text.clone());
            if parsed.is_conf || key.ends_with(".conf") || names_conf_lines(&text) {
                out.push(StoredConf {
                    kind,
                    settings: located(&parsed, &loc, 0).0,
                });
                continue;
            }
        }
        if !text.contains("<<") {
            continue;
        }
        for c in &cache.script(&loc, text).commands {
            let Some((body, first)) = &c.heredoc else {
                continue;
            };
            let at = Loc {
                line: Some(*first),
                ..loc.clone()
            };
            let parsed = cache.conf(&at, Cow::Owned(body.clone()));
            if parsed.is_conf {
                out.push(StoredConf {
                    kind,
                    settings: located(&parsed, &loc, *first).0,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod recognition_tests;
