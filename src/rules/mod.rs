//! The rule registry. Each rule is a self-contained unit — id, category, default severity,
//! rationale with its source, how to fix, and a check function — in the file of its
//! category, and listed once in [`REGISTRY`].

mod cluster;
mod custom_resources;
mod durability;
mod facts;
mod fitting;
mod image_reference;
mod input;
mod lifecycle;
mod memory;
mod namespace_created;
mod namespaces;
mod operators;
mod partial;
mod placement;
mod probes;
mod recognition;
mod registry;
mod rule;
mod scaling;
mod scheduling;
mod secrets;
mod security;
mod sink;
mod sources;
mod timings;
mod tls;
mod topology;
mod wiring;

pub use input::{KUSTOMIZATION_BUILT, KUSTOMIZATION_NOT_APPLIED};
pub use registry::{find, registry};
pub use rule::{Category, Rule};
use sink::Running;
pub use sink::{Context, PER_OBJECT, Sink};

use crate::finding::Finding;
use crate::manifest::Document;
use crate::model::Model;

/// Facts only `render`/`validate` know (from the profile); `None` when linting.
#[derive(Clone, Debug, Default)]
pub struct RenderFacts {
    pub failover_target_seconds: u32,
    pub nodes: u32,
    /// Secrets the profile says exist outside the manifests (`tls.existingSecret`): mounting
    /// them is not a missing volume source.
    pub existing_secrets: Vec<String>,
}

/// Options of one check run.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    pub render: Option<RenderFacts>,
    /// The input is the whole set: check cross references.
    pub complete: bool,
}

/// Run every rule over the documents; annotations suppress findings on their objects. An
/// input that defines an object several times (a folder of alternatives) is checked once per
/// alternative, so every definition is analysed; the findings are merged.
///
/// The rules read the documents in path order (file, then position in the file), so the
/// findings do not depend on the order the files were given in: a set whose workloads come
/// from two files is judged the same either way. Input in another order is sorted first (a
/// copy; `lint` sorts its documents so that none is needed).
pub fn check(documents: &[Document], options: &CheckOptions) -> Vec<Finding> {
    let in_path_order = documents
        .windows(2)
        .all(|w| (&w[0].file, w[0].index) <= (&w[1].file, w[1].index));
    if !in_path_order {
        let mut sorted = documents.to_vec();
        sort_in_path_order(&mut sorted);
        return check(&sorted, options);
    }
    let n = Model::alternatives(documents);
    if n == 1 {
        return check_model(documents, Model::build(documents), options);
    }
    let mut findings: Vec<Finding> = (0..n)
        .flat_map(|k| {
            let model = Model::build_alternative(documents, k, n);
            check_model(documents, model, options)
        })
        .collect();
    sink::sort_and_dedup(&mut findings);
    findings
}

/// Sort documents by file, then position in the file (stable).
pub fn sort_in_path_order(documents: &mut [Document]) {
    documents.sort_by(|a, b| (&a.file, a.index).cmp(&(&b.file, b.index)));
}

fn check_model(documents: &[Document], mut model: Model, options: &CheckOptions) -> Vec<Finding> {
    let all_sets = std::mem::take(&mut model.sets);
    let mut sink = Sink::default();
    for rule in registry() {
        // Each rule sees only the sets it fits (fitting.rs).
        model.sets = all_sets
            .iter()
            .filter(|set| fitting::fits(rule.id, set.topology))
            .cloned()
            .collect();
        let cx = Context {
            docs: documents,
            model: &model,
            options,
            known_rule: |id| find(id).is_some(),
        };
        sink.rule = Some(Running {
            id: rule.id,
            severity: rule.severity,
        });
        (rule.check)(&cx, &mut sink);
    }
    sink.into_findings(documents)
}
