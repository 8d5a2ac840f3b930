//! What a rule is: its public id, family, default severity, why and how to fix, and the
//! check that reports through a [`Sink`]. Rule files depend on this; `registry.rs` lists
//! the rules of every rule file.

use super::sink::{Context, Sink};
use crate::finding::Severity;

/// The family a rule belongs to (docs/contracts.md, "Rules").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Input,
    Topology,
    Timings,
    Memory,
    Durability,
    Wiring,
    Security,
    Tls,
    Scheduling,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Input => "input",
            Category::Topology => "topology",
            Category::Timings => "timings",
            Category::Memory => "memory",
            Category::Durability => "durability",
            Category::Wiring => "wiring",
            Category::Security => "security",
            Category::Tls => "tls",
            Category::Scheduling => "scheduling",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule: its public id, what it is about, why, how to fix it, and its check.
pub struct Rule {
    pub id: &'static str,
    pub category: Category,
    /// Default severity (a config file may change it).
    pub severity: Severity,
    /// One line: what fires it.
    pub summary: &'static str,
    /// Why it matters, with its source.
    pub rationale: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// URLs of the sources.
    pub references: &'static [&'static str],
    pub check: fn(&Context, &mut Sink),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).finish()
    }
}
