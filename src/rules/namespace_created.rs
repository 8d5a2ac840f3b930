//! Objects in a namespace that nothing in the input creates: `kubectl apply` of the set
//! alone fails with `namespaces "…" not found` unless the namespace is made elsewhere.

use super::rule::{Category, Rule};
use super::sources::K8S_NAMESPACES;
use crate::finding::Severity;
use crate::model::Loc;
use std::collections::{BTreeMap, BTreeSet};

/// Namespaces every cluster has: objects in them need no `Namespace` of the input.
const BUILT_IN: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

pub const NAMESPACE_NOT_CREATED: Rule = Rule {
    id: "namespace-not-created",
    category: Category::Input,
    severity: Severity::Info,
    summary: "objects are in a namespace that nothing in the input creates",
    rationale: "A namespaced object names its namespace in `metadata.namespace`; the API \
        server refuses it (`namespaces \"shop\" not found`) until a `Namespace` of that name \
        exists. Many sets rely on it being made elsewhere — `kubectl create namespace`, Argo \
        CD's `CreateNamespace=true`, `helm install --create-namespace`, a platform repository \
        — so this is said once per namespace at info, not as a defect: it names the \
        assumption a fresh cluster trips on. It is not said for `default` and the \
        `kube-*` namespaces every cluster has, nor when the input holds the `Namespace` \
        object. On a partial input (pre-commit passes only the staged files) the \
        `Namespace` may sit in a file that was not passed; the finding then only repeats \
        what the full run says. (Kubernetes docs, \"Namespaces\".)",
    fix: "Add the `Namespace` object to the set (kustomize: a `namespace.yaml` resource), or \
        document where it is created; `ignore-check.redis-ha-gen.io/namespace-not-created` \
        on the first object in it says so in the manifest.",
    references: &[K8S_NAMESPACES],
    check: |cx, sink| {
        // Rendered output is applied into a namespace the operator chose.
        if cx.options.render.is_some() {
            return;
        }
        let created: BTreeSet<&str> = cx
            .docs
            .iter()
            .filter(|d| d.kind() == "Namespace")
            .map(|d| d.name())
            .collect();
        // Each namespace with its object count and first object, in one pass.
        let mut namespaces: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (i, doc) in cx.docs.iter().enumerate() {
            let Some(ns) = doc.namespace() else { continue };
            if ns.is_empty() || BUILT_IN.contains(&ns) || created.contains(ns) {
                continue;
            }
            namespaces.entry(ns).or_insert((i, 0)).1 += 1;
        }
        for (ns, (first, count)) in namespaces {
            sink.report(
                &Loc::new(first, "/metadata/namespace"),
                format!(
                    "nothing in the input creates namespace `{ns}` ({count} object{} in it): applied to a cluster without it, they are refused until it is created elsewhere",
                    if count == 1 { " is" } else { "s are" }
                ),
            );
        }
    },
};
