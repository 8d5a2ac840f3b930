//! Objects in a namespace that nothing in the input creates, when the input evidently is a
//! whole deployment: `kubectl apply` of it on a fresh cluster is refused with
//! `namespaces "…" not found`. Said where that is likely an omission, not where the
//! namespace is made elsewhere by design (docs/lint.md, "Namespaces").

use super::rule::{Category, Rule};
use super::sink::{Context, ignore_reason};
use super::sources::{ARGO_CD_SYNC_OPTIONS, K8S_NAMESPACES};
use crate::finding::Severity;
use crate::manifest::{Document, JsonPointer};
use crate::model::Loc;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Namespaces every cluster has: objects in them need no `Namespace` of the input.
const BUILT_IN: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// Rendered by a tool that is told the namespace and leaves creating it to the install
/// (`helm install --create-namespace`, `kubectl create namespace` before `redis-ha-gen
/// render`): a chart's output never holds its release namespace.
fn rendered_into_a_given_namespace(doc: &Document) -> bool {
    let Some(labels) = doc.value.at("/metadata/labels").and_then(Value::as_object) else {
        return false;
    };
    let label = |key: &str| labels.get(key).and_then(Value::as_str);
    labels.contains_key("helm.sh/chart")
        || label("heritage") == Some("Helm")
        || matches!(
            label("app.kubernetes.io/managed-by"),
            Some("Helm" | "redis-ha-gen")
        )
}

/// The namespace an Argo CD `Application` (or each `Application` of an `ApplicationSet`'s
/// template) creates with the sync option `CreateNamespace=true`: its destination
/// namespace. A templated destination (`{{.namespace}}`) names no namespace lint can know.
fn created_by_argo_cd(doc: &Document) -> Option<&str> {
    if !doc.api_version().starts_with("argoproj.io/") {
        return None;
    }
    let spec = match doc.kind() {
        "Application" => "/spec",
        "ApplicationSet" => "/spec/template/spec",
        _ => return None,
    };
    let creates = doc
        .value
        .at(&format!("{spec}/syncPolicy/syncOptions"))
        .and_then(Value::as_array)
        .is_some_and(|options| {
            options.iter().any(|o| {
                o.as_str()
                    .is_some_and(|o| o.trim() == "CreateNamespace=true")
            })
        });
    let namespace = doc
        .value
        .at(&format!("{spec}/destination/namespace"))
        .and_then(Value::as_str)?;
    (creates && !namespace.is_empty() && !namespace.contains("{{")).then_some(namespace)
}

/// Why the input is taken for a whole deployment, or `None` when it is not evidently one (a
/// single file, one app's objects, staged files): then the namespace is most likely made
/// elsewhere and nothing is said.
fn whole_deployment(cx: &Context, created: &BTreeSet<&str>) -> Option<String> {
    if let Some(first) = created.first() {
        return Some(format!("the input creates namespace `{first}`"));
    }
    cx.options
        .complete
        .then(|| "the input is declared complete (`--complete`)".to_owned())
}

/// The objects of one namespace: the distinct objects, and the first of them in (file,
/// position) order, whatever order the files came in.
#[derive(Default)]
struct InNamespace<'a> {
    objects: BTreeSet<String>,
    first: Option<(&'a str, usize, usize)>,
    suppressed: bool,
}

const ID: &str = "namespace-not-created";

pub const NAMESPACE_NOT_CREATED: Rule = Rule {
    id: ID,
    category: Category::Input,
    severity: Severity::Info,
    summary: "objects are in a namespace that nothing in an evidently whole input creates",
    rationale: "A namespaced object names its namespace in `metadata.namespace`; the API \
        server refuses it (`namespaces \"shop\" not found`) until a `Namespace` of that name \
        exists. Most sets rely on it being made elsewhere — `kubectl create namespace`, Argo \
        CD's `CreateNamespace=true`, `helm install --create-namespace`, a platform \
        repository — so this is said only when the input evidently is a whole deployment: \
        it creates namespaces itself (a `Namespace` object of another name), so the missing \
        one is likely an omission, a typo or an overlay that renamed the objects and not the \
        `Namespace`; or it is declared complete with `--complete`. It is not said on a \
        single file, staged files or one app's objects without a `Namespace` (the namespace \
        is then made elsewhere by design); for objects a tool renders into the namespace it \
        is given (labelled by Helm — `helm.sh/chart`, `heritage: Helm`, \
        `app.kubernetes.io/managed-by: Helm` — or by redis-ha-gen): a chart's output never \
        holds its release namespace; for `default` and the `kube-*` namespaces every \
        cluster has; nor by `render`/`validate`, where the operator picks the namespace. A \
        Kustomize `namespace:` field creates nothing: it only sets `metadata.namespace`. An \
        Argo CD `Application` (or an `ApplicationSet`'s template) in the input with the sync \
        option `CreateNamespace=true` creates its destination namespace. \
        Said once per namespace, at its first object in file and position order, and only \
        at info. (Kubernetes docs, \"Namespaces\".)",
    fix: "Add the `Namespace` object to the set (kustomize: a `namespace.yaml` resource), or \
        correct the objects' namespace to the one the set creates; when it is made \
        elsewhere on purpose, say so with `ignore-check.redis-ha-gen.io/namespace-not-created` \
        on any object in it.",
    references: &[K8S_NAMESPACES, ARGO_CD_SYNC_OPTIONS],
    check: |cx, sink| {
        if cx.options.render.is_some() {
            return;
        }
        let created: BTreeSet<&str> = cx
            .docs
            .iter()
            .filter(|d| d.kind() == "Namespace")
            .map(|d| d.name())
            .collect();
        let Some(evidence) = whole_deployment(cx, &created) else {
            return;
        };
        // Argo CD creates an Application's destination namespace with `CreateNamespace=true`:
        // such a namespace is made, though the input holds no `Namespace` for it.
        let created: BTreeSet<&str> = created
            .into_iter()
            .chain(cx.docs.iter().filter_map(created_by_argo_cd))
            .collect();
        let mut namespaces: BTreeMap<&str, InNamespace> = BTreeMap::new();
        for (i, doc) in cx.docs.iter().enumerate() {
            let Some(ns) = doc.namespace() else { continue };
            if ns.is_empty()
                || BUILT_IN.contains(&ns)
                || created.contains(ns)
                || rendered_into_a_given_namespace(doc)
            {
                continue;
            }
            let entry = namespaces.entry(ns).or_default();
            entry.objects.insert(doc.object_id());
            let here = (doc.file.as_str(), doc.index, i);
            if entry
                .first
                .is_none_or(|(f, n, _)| (here.0, here.1) < (f, n))
            {
                entry.first = Some(here);
            }
            entry.suppressed |=
                ignore_reason(cx.docs, i, ID).is_some_and(|reason| !reason.trim().is_empty());
        }
        for (ns, objects) in namespaces {
            let Some((_, _, first)) = objects.first else {
                continue;
            };
            if objects.suppressed {
                continue;
            }
            let count = objects.objects.len();
            sink.report(
                &Loc::new(first, "/metadata/namespace"),
                format!(
                    "nothing in the input creates namespace `{ns}` ({count} object{} in it), though {evidence}: applied to a cluster without it, they are refused until it is created elsewhere",
                    if count == 1 { " is" } else { "s are" }
                ),
            );
        }
    },
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn application(options: Value, namespace: &str) -> Document {
        Document::from_value(
            "a.yaml",
            0,
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                   "metadata": {"name": "a"},
                   "spec": {"destination": {"namespace": namespace},
                            "syncPolicy": {"syncOptions": options}}}),
        )
    }

    #[test]
    fn argo_cd_creates_the_destination_only_with_create_namespace() {
        let creates = application(json!(["CreateNamespace=true"]), "queue");
        assert_eq!(created_by_argo_cd(&creates), Some("queue"));
        let without = application(json!(["ServerSideApply=true"]), "queue");
        assert_eq!(created_by_argo_cd(&without), None);
        let off = application(json!(["CreateNamespace=false"]), "queue");
        assert_eq!(created_by_argo_cd(&off), None);
        let templated = application(json!(["CreateNamespace=true"]), "{{.ns}}");
        assert_eq!(created_by_argo_cd(&templated), None);
    }
}
