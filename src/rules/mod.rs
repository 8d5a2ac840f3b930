//! The rule registry. Each rule is a self-contained unit — id, category, default severity,
//! rationale with its source, how to fix, and a check function — in the file of its
//! category, and listed once in [`REGISTRY`].

mod cluster;
mod custom_resources;
mod durability;
mod facts;
mod fitting;
mod input;
mod lifecycle;
mod memory;
mod namespace_created;
mod namespaces;
mod operators;
mod partial;
mod placement;
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

/// Run every rule over the documents; annotations suppress findings on their objects.
pub fn check(documents: &[Document], options: &CheckOptions) -> Vec<Finding> {
    let mut model = Model::build(documents);
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
