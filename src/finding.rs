//! A finding: one thing a rule (or the schema, or the YAML parser) says about the input.
//! The JSON shape of `Finding` and `Summary` is a public contract (docs/contracts.md).

use serde::{Deserialize, Serialize};

/// The annotation that suppresses one rule on one object, `<prefix><rule id>: "<reason>"`
/// (docs/contracts.md): `lint` reads it, `render` writes it for a reason the profile gives.
pub const IGNORE_CHECK_PREFIX: &str = "ignore-check.redis-ha-gen.io/";

/// The annotation key that suppresses `rule`.
pub fn ignore_check_annotation(rule: &str) -> String {
    format!("{IGNORE_CHECK_PREFIX}{rule}")
}

/// How serious a finding is. Ordered so that `Error` is the greatest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding. Field names and order are the `--format json` contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Rule id, e.g. `sentinel-config-read-only`.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// The file the finding is about (manifest file, or the profile for render/validate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line of the YAML node (or config directive) the finding is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// `Kind/namespace/name` of the object, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// JSON pointer into the object, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

impl Finding {
    pub fn new(rule: impl Into<String>, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            rule: rule.into(),
            severity,
            message: message.into(),
            file: None,
            line: None,
            column: None,
            object: None,
            pointer: None,
        }
    }
}

/// Totals printed with every report (`summary` in JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub files: usize,
    pub objects: usize,
}

impl Summary {
    pub fn count(findings: &[Finding], files: usize, objects: usize) -> Self {
        let of = |s| findings.iter().filter(|f| f.severity == s).count();
        Summary {
            errors: of(Severity::Error),
            warnings: of(Severity::Warning),
            infos: of(Severity::Info),
            files,
            objects,
        }
    }
}
