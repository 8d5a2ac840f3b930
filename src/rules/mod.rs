//! The rule registry. Each rule is a self-contained unit in the file of its category.

use crate::finding::Finding;
use crate::manifest::Document;

/// Facts only `render`/`validate` know (from the profile); `None` when linting.
#[derive(Clone, Debug, Default)]
pub struct RenderFacts {
    pub failover_target_seconds: u32,
    pub nodes: u32,
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
    let _ = (documents, options);
    Vec::new()
}
