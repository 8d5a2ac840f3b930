//! Partial input (pre-commit passes only the staged files): the rules judge what the input
//! holds; what needs objects the input lacks is said once at info, not skipped in silence.

use super::registry::{Category, Rule};
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

pub const INPUT_PARTIAL: Rule = Rule {
    id: "input-partial",
    category: Category::Input,
    severity: Severity::Info,
    summary: "a Redis workload mounts a ConfigMap the input does not hold: what it configures is not checked",
    rationale: "Redis and Sentinel read their configuration (`redis.conf`, `sentinel.conf`) \
        and often their start scripts from ConfigMaps. When the input holds the workload but \
        not the ConfigMap — a pre-commit hook passes only the staged files, a chart keeps \
        configs in another file — every rule on those settings (persistence, maxmemory, \
        Sentinel quorum and timings, auth) has nothing to read. The rules that can be judged \
        from the workload still run; this says, once per workload, what could not be, so an \
        empty report does not read as \"checked\". With `--complete` the missing object is an \
        error (`volume-source-missing`) instead. (Redis configuration docs; Kubernetes \
        ConfigMap docs.)",
    fix: "Lint the whole set (the folder, or the rendered chart), or pass `--complete` when the \
        input is meant to hold everything.",
    references: &[CONFIG, K8S_CONFIGMAP],
    check: |cx, sink| {
        if cx.options.complete {
            return;
        }
        let mut seen: Vec<usize> = Vec::new();
        let missing: Vec<_> = missing_sources(cx.model)
            .filter(|(_, _, kind, _)| *kind == SourceKind::ConfigMap)
            .collect();
        for (w, v, _, _) in &missing {
            if seen.contains(&w.doc) {
                continue;
            }
            seen.push(w.doc);
            let mut names: Vec<String> = missing
                .iter()
                .filter(|(x, _, _, _)| x.doc == w.doc)
                .map(|(_, _, _, name)| format!("`{name}`"))
                .collect();
            names.dedup();
            sink.report(
                &w.loc(v.pointer.clone()),
                format!(
                    "{} `{}` mounts ConfigMap {}, which the input does not hold: the configuration and scripts in it were not checked",
                    w.kind,
                    w.name,
                    names.join(", ")
                ),
            );
        }
    },
};
