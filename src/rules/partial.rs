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
    model.set_workloads().flat_map(move |w| {
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
                Some((w, v, *kind, name.as_str()))
            }
            _ => None,
        })
    })
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
        `client-service-selects-replicas`, …) have nothing to judge. With `--complete` \
        each missing object is an error instead (`volume-source-missing`, \
        `headless-service-missing`). (Redis configuration docs; Kubernetes ConfigMap docs.)",
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
            sink.report(
                &at,
                format!(
                    "{} `{}` uses {}, which the input does not hold: {} not checked",
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
