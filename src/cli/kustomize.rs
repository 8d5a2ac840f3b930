//! A folder with a `kustomization.yaml` is linted as `kustomize build` would assemble it: only
//! the `resources` it lists (files, and folders with their own kustomization, recursively),
//! and its `namespace:` set on every namespaced object (kustomize overrides a namespace that
//! is already set, and an outer kustomization's wins over an inner one's). Every field lint
//! does not apply (patches, generators, name prefixes, images, components, …) and every
//! remote resource is one `kustomization-not-applied` info at the field; when the
//! kustomization is then built (kustomize_build.rs), those infos are dropped.
//!
//! A listed resource that does not exist stops the run, as a path given on the command line
//! does (`kustomize build` fails on it too).

use crate::finding::{Finding, Severity};
use crate::manifest;
use anyhow::{Context, bail};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use crate::rules::KUSTOMIZATION_NOT_APPLIED;

/// The file names kustomize accepts for a kustomization, in the order it looks for them.
const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Fields lint reads: the rest of a kustomization is announced as not applied.
const READ: [&str; 5] = ["apiVersion", "kind", "metadata", "resources", "namespace"];

/// Kinds that live in no namespace: kustomize's `namespace:` leaves them alone.
const CLUSTER_SCOPED: [&str; 14] = [
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "CSIDriver",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
];

/// One file to read: as shown, as opened, and the namespace a kustomization sets on its
/// objects.
pub struct Listed {
    pub shown: String,
    pub path: PathBuf,
    pub namespace: Option<String>,
}

/// The kustomization file of `dir`, if it has one.
pub fn file_in(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// Whether `path` names a kustomization file (`lint overlay/kustomization.yaml`).
pub fn is_kustomization(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| FILE_NAMES.contains(&n))
}

/// Follows kustomizations: what they list, in their order.
pub struct Follower<'a> {
    /// Shows a path as findings do.
    pub display: &'a dyn Fn(&Path) -> String,
    pub files: Vec<Listed>,
    pub findings: Vec<Finding>,
    /// Whether a kustomization followed lists a remote resource (building it would fetch).
    pub remote: bool,
    /// Folders already followed: a cycle, or a base two overlays share, is read once.
    visited: BTreeSet<PathBuf>,
}

impl<'a> Follower<'a> {
    pub fn new(display: &'a dyn Fn(&Path) -> String) -> Self {
        Follower {
            display,
            files: Vec::new(),
            findings: Vec::new(),
            remote: false,
            visited: BTreeSet::new(),
        }
    }

    /// Follow the kustomization `file` of folder `dir`; `outer` is the namespace an
    /// including kustomization sets (it wins).
    pub fn follow(&mut self, dir: &Path, file: &Path, outer: Option<&str>) -> anyhow::Result<()> {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if !self.visited.insert(key) {
            return Ok(());
        }
        let shown = (self.display)(file);
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {shown}"))?;
        let parsed = manifest::parse(&shown, &text);
        // The kustomization itself is read too: a YAML error in it is reported as usual.
        self.files.push(Listed {
            shown: shown.clone(),
            path: file.to_path_buf(),
            namespace: None,
        });
        let Some(doc) = parsed.documents.first() else {
            return Ok(());
        };
        let own = doc.value.get("namespace").and_then(Value::as_str);
        let namespace = outer.or(own).filter(|ns| !ns.is_empty());
        let note = |pointer: &str, message: String| {
            let mut f = Finding::new(KUSTOMIZATION_NOT_APPLIED, Severity::Info, message);
            let at = doc.position(pointer);
            f.file = Some(shown.clone());
            f.line = at.map(|p| p.line);
            f.column = at.map(|p| p.column);
            f.pointer = Some(pointer.to_string());
            f
        };
        if let Some(fields) = doc.value.as_object() {
            for (field, _) in fields.iter().filter(|(f, _)| !READ.contains(&f.as_str())) {
                self.findings.push(note(
                    &format!("/{}", crate::model::token(field)),
                    format!(
                        "`{field}` of this kustomization is not applied: lint reads only `resources` and `namespace`, so what `kustomize build` changes with it was not checked"
                    ),
                ));
            }
        }
        let resources = doc.value.get("resources").and_then(Value::as_array);
        for (i, entry) in resources.into_iter().flatten().enumerate() {
            let Some(entry) = entry.as_str() else {
                continue;
            };
            if is_remote(entry) {
                self.remote = true;
                self.findings.push(note(
                    &format!("/resources/{i}"),
                    format!(
                        "remote resource `{entry}` is not fetched (lint reads no network): its objects were not checked"
                    ),
                ));
                continue;
            }
            let path = lexically_normal(&dir.join(entry));
            if path.is_dir() {
                let Some(inner) = file_in(&path) else {
                    bail!(
                        "{shown} lists the folder `{entry}`, which holds no kustomization.yaml (`kustomize build` fails on it too)"
                    );
                };
                self.follow(&path, &inner, namespace)?;
            } else if path.is_file() {
                self.files.push(Listed {
                    shown: (self.display)(&path),
                    path,
                    namespace: namespace.map(str::to_string),
                });
            } else {
                bail!(
                    "{shown} lists `{entry}`, which does not exist (`kustomize build` fails on it too)"
                );
            }
        }
        Ok(())
    }
}

/// `path` without `.` and with each `name/..` removed (`prod/../base` is `base`), so a base
/// is shown by its own path. Lexical, as kustomize resolves resource paths.
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// A resource kustomize would fetch: a URL or a git reference.
fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.contains("?ref=")
}

/// Set `namespace` on every namespaced object of `documents`, as kustomize's `namespace:`
/// does (it replaces a namespace already set).
pub fn apply_namespace(documents: &mut [manifest::Document], namespace: &str) {
    for doc in documents {
        if CLUSTER_SCOPED.contains(&doc.kind()) || doc.kind().is_empty() {
            continue;
        }
        if let Some(metadata) = doc.value.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.insert("namespace".into(), Value::String(namespace.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_paths_are_shown_without_dot_segments() {
        assert_eq!(
            lexically_normal(Path::new("prod/../base")),
            Path::new("base")
        );
        assert_eq!(lexically_normal(Path::new("./a/./b")), Path::new("a/b"));
        assert_eq!(lexically_normal(Path::new("../x/../y")), Path::new("../y"));
        assert_eq!(lexically_normal(Path::new("a/..")), Path::new("."));
    }

    #[test]
    fn remote_resources_are_urls_and_git_references() {
        for remote in [
            "https://github.com/kubernetes-sigs/kueue/config/default?ref=v0.8.3",
            "github.com/org/repo/deploy?ref=main",
            "git@github.com:org/repo.git//deploy",
        ] {
            assert!(is_remote(remote), "{remote}");
        }
        for local in ["redis.yaml", "../base", "overlays/prod"] {
            assert!(!is_remote(local), "{local}");
        }
    }

    #[test]
    fn the_namespace_goes_on_namespaced_objects_only() {
        let mut docs = manifest::parse(
            "k.yaml",
            "kind: Namespace\nmetadata: {name: a}\n---\nkind: Service\nmetadata: {name: s, namespace: old}\n---\nkind: ConfigMap\nmetadata: {name: c}\n",
        )
        .documents;
        apply_namespace(&mut docs, "shop");
        let namespaces: Vec<Option<&str>> = docs.iter().map(|d| d.namespace()).collect();
        assert_eq!(namespaces, vec![None, Some("shop"), Some("shop")]);
    }
}
