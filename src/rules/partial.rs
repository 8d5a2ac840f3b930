//! Partial input (pre-commit passes only the staged files): the rules judge what the input
//! holds; what needs objects the input lacks is said once at info, not skipped in silence.

use super::rule::{Category, Rule};
use super::sink::Context;
use super::sources::{CONFIG, K8S_CONFIGMAP};
use crate::finding::Severity;
use crate::model::workload::Volume;
use crate::model::{Model, SourceKind, VolumeSource, Workload};

/// Non-optional ConfigMap/Secret volumes of the Redis workloads that the input does not define.
pub fn missing_sources(
    model: &Model,
) -> impl Iterator<Item = (&Workload, &Volume, SourceKind, &str)> + '_ {
    model
        .set_workloads()
        .flat_map(move |w| missing_of(model, w).map(move |(v, kind, name)| (w, v, kind, name)))
}

/// Non-optional ConfigMap/Secret volumes of one workload that the input does not define.
fn missing_of<'a>(
    model: &'a Model,
    w: &'a Workload,
) -> impl Iterator<Item = (&'a Volume, SourceKind, &'a str)> + 'a {
    w.volumes.iter().filter_map(move |v| match &v.source {
        VolumeSource::Object {
            kind,
            name,
            optional: false,
            ..
        } if !model
            .sources
            .contains_key(&(w.namespace.clone(), *kind, name.clone())) =>
        {
            Some((v, *kind, name.as_str()))
        }
        _ => None,
    })
}

/// The input shows it is partial for this workload (what `input-partial` reports): a mounted
/// ConfigMap or, for a StatefulSet, every Service of its namespace is missing.
fn evidently_partial(cx: &Context, w: &Workload) -> bool {
    !cx.options.complete
        && (missing_of(cx.model, w).any(|(_, kind, _)| kind == SourceKind::ConfigMap)
            || service_absent_from_partial_input(cx, w))
}

/// On an evidently partial input with no NetworkPolicy in the workload's namespace, whether
/// one selects its pods is not judged: `input-partial` says so once, at info, and
/// `network-policy-missing` stays silent.
pub fn policy_unjudged(cx: &Context, w: &Workload) -> bool {
    evidently_partial(cx, w) && cx.model.policies_in(&w.namespace).next().is_none()
}

/// Likewise for PodDisruptionBudgets and `pdb-missing` (which only judges several pods).
pub fn pdb_unjudged(cx: &Context, w: &Workload) -> bool {
    w.replicas > 1 && evidently_partial(cx, w) && cx.model.pdbs_in(&w.namespace).next().is_none()
}

/// The StatefulSet's `serviceName` Service is missing and the input holds no Service at all
/// in its namespace, without `--complete`: the Services were left out of a partial input,
/// not forgotten (`headless-service-missing` leaves it to `input-partial`).
pub fn service_absent_from_partial_input(cx: &Context, w: &Workload) -> bool {
    !cx.options.complete
        && w.kind == "StatefulSet"
        && w.service_name.is_some()
        && cx.model.services_in(&w.namespace).next().is_none()
}

pub const INPUT_PARTIAL: Rule = Rule {
    id: "input-partial",
    category: Category::Input,
    severity: Severity::Info,
    summary: "a Redis workload uses a ConfigMap or its headless Service and the input does not hold it: not checked",
    rationale: "Redis and Sentinel read their configuration (`redis.conf`, `sentinel.conf`) \
        and often their start scripts from ConfigMaps. When the input holds the workload but \
        not the ConfigMap — a pre-commit hook passes only the staged files, a chart keeps \
        configs in another file — every rule on those settings (persistence, maxmemory, \
        Sentinel quorum and timings, auth) has nothing to read. The rules that can be judged \
        from the workload still run; this says, once per workload, what could not be, so an \
        empty report does not read as \"checked\". The same holds for a StatefulSet whose \
        headless Service is missing when the input has no Service at all in its namespace: \
        the Services were left out, and the rules on them (`headless-service-missing`, \
        `client-service-selects-replicas`, …) have nothing to judge. When such a partial \
        input also holds no NetworkPolicy or PodDisruptionBudget in the namespace, they may \
        be in the files left out: this info says their absence was not judged, and \
        `network-policy-missing`/`pdb-missing` do not warn. With `--complete` \
        each missing object is an error instead (`volume-source-missing`, \
        `headless-service-missing`) and the policy and budget rules warn as usual. (Redis configuration docs; Kubernetes ConfigMap docs.)",
    fix: "Lint the whole set (the folder, or the rendered chart), or pass `--complete` when the \
        input is meant to hold everything.",
    references: &[CONFIG, K8S_CONFIGMAP],
    check: |cx, sink| {
        if cx.options.complete {
            return;
        }
        let missing: Vec<_> = missing_sources(cx.model)
            .filter(|(_, _, kind, _)| *kind == SourceKind::ConfigMap)
            .collect();
        for w in cx.model.set_workloads() {
            let mut names: Vec<String> = missing
                .iter()
                .filter(|(x, _, _, _)| x.doc == w.doc)
                .map(|(_, _, _, name)| format!("ConfigMap `{name}`"))
                .collect();
            names.dedup();
            let mut at = missing
                .iter()
                .find(|(x, _, _, _)| x.doc == w.doc)
                .map(|(_, v, _, _)| w.loc(v.pointer.clone()));
            if service_absent_from_partial_input(cx, w) {
                let service = w.service_name.as_deref().unwrap_or_default();
                names.push(format!("Service `{service}`"));
                at.get_or_insert_with(|| w.loc("/spec/serviceName"));
            }
            let Some(at) = at else { continue };
            let unjudged: Vec<&str> = [
                (policy_unjudged(cx, w), "a NetworkPolicy"),
                (pdb_unjudged(cx, w), "a PodDisruptionBudget"),
            ]
            .into_iter()
            .filter_map(|(unjudged, what)| unjudged.then_some(what))
            .collect();
            let also = if unjudged.is_empty() {
                String::new()
            } else {
                format!(
                    "; nor whether {} selects its pods (the input holds none in its namespace)",
                    unjudged.join(" or ")
                )
            };
            sink.report(
                &at,
                format!(
                    "{} `{}` uses {}, which the input does not hold: {} not checked{also}",
                    w.kind,
                    w.name,
                    names.join(", "),
                    if names.len() == 1 {
                        "what it configures and wires was"
                    } else {
                        "what they configure and wire was"
                    }
                ),
            );
        }
    },
};
