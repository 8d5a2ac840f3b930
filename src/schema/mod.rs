//! Strict Kubernetes schema validation (schemas derived from k8s-openapi, made strict).
//!
//! Each document of a known kind is checked against the strict JSON Schema of the chosen
//! Kubernetes version (unknown fields, wrong types, missing required fields, int-or-string
//! given anything else), then deserialized into its k8s-openapi type. The custom resources
//! redis-ha-gen renders (ServiceMonitor, PrometheusRule, Certificate) are checked the same way
//! against their upstream CRD schemas (also enums and patterns); other custom resources pass
//! unchecked. Every problem is a `schema-violation` finding pointing at the offending node.

mod embedded;
mod nulls;
mod quick;
mod typed;

use crate::finding::{Finding, Severity};
use crate::manifest::Document;
use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

/// Rule id of every schema finding.
pub const SCHEMA_VIOLATION: &str = "schema-violation";

/// Longest message text taken from the validator (it quotes offending values in full).
const MAX_DETAIL_CHARS: usize = 200;

/// A supported Kubernetes minor version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum KubeVersion {
    V1_31,
    V1_32,
    V1_33,
    V1_34,
    V1_35,
    V1_36,
    #[default]
    V1_37,
}

/// Validate one document against the strict schema of its kind; unknown kinds pass.
pub fn validate(document: &Document, version: KubeVersion) -> Vec<Finding> {
    let kind = document.kind();
    if kind.is_empty() {
        return Vec::new();
    }
    let api_version = document
        .value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(schema) = embedded::kind(version, api_version, kind) else {
        return wrong_api_version(document, version, api_version, kind)
            .into_iter()
            .collect();
    };
    // Explicit nulls are unset fields (nulls.rs); dropping object fields moves no other
    // node, so every pointer still names the document's own node.
    let stripped = nulls::without_nulls(&document.value);
    let value = stripped.as_ref().unwrap_or(&document.value);
    // Most documents are valid: the yes/no walk needs no compiled validator at all; the
    // compiled one is built (and writes the messages) only when the walk says no or cannot tell.
    if !schema.quick_is_valid(value) && !schema.validator().is_valid(value) {
        let validator = schema.validator();
        return validator
            .iter_errors(value)
            .flat_map(|error| violations(document, &error))
            .collect();
    }
    match typed::parse_back(document) {
        Some(error) => {
            let message = format!("does not read as a Kubernetes {kind}: {error}");
            vec![violation(document, "", message)]
        }
        None => Vec::new(),
    }
}

/// A kind we know, sent to an API group of Kubernetes itself that does not serve it
/// (`extensions/v1beta1` Deployment, a missing `apiVersion`). Kinds of other groups
/// (custom resources that share a name, such as Knative's `Service`) are not ours to judge.
fn wrong_api_version(
    document: &Document,
    version: KubeVersion,
    api_version: &str,
    kind: &str,
) -> Option<Finding> {
    // The custom resources we know are not Kubernetes' to serve: a ServiceMonitor of another
    // version passes unchecked, like any custom resource.
    let mut served = embedded::api_versions_of(version, kind);
    served.retain(|served| is_builtin(served));
    if !is_builtin(api_version) || served.is_empty() {
        return None;
    }
    let expected = served.join("` or `");
    let message = if api_version.is_empty() {
        format!("`apiVersion` is missing; Kubernetes {version} serves {kind} as `{expected}`")
    } else {
        format!("Kubernetes {version} does not serve {kind} as `{api_version}`; use `{expected}`")
    };
    let pointer = if api_version.is_empty() {
        ""
    } else {
        "/apiVersion"
    };
    Some(violation(document, pointer, message))
}

/// Whether `api_version` belongs to an API group of Kubernetes itself (`v1`, `apps/v1`,
/// `networking.k8s.io/v1`), not to a custom resource's (`monitoring.coreos.com/v1`).
fn is_builtin(api_version: &str) -> bool {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    !group.contains('.') || group.ends_with(".k8s.io")
}

/// Findings for one validator error; an unknown-fields error names and points at each field.
fn violations(document: &Document, error: &ValidationError<'_>) -> Vec<Finding> {
    let path = error.instance_path().as_str();
    if let ValidationErrorKind::AdditionalProperties { unexpected } = error.kind() {
        return unexpected
            .iter()
            .map(|field| {
                let pointer = format!("{path}/{}", field.replace('~', "~0").replace('/', "~1"));
                let message = format!("{}: unknown field `{field}`", shown(path));
                violation(document, &pointer, message)
            })
            .collect();
    }
    let mut detail = error.to_string();
    if detail.chars().count() > MAX_DETAIL_CHARS {
        detail = detail.chars().take(MAX_DETAIL_CHARS).collect::<String>() + "…";
    }
    vec![violation(
        document,
        path,
        format!("{}: {detail}", shown(path)),
    )]
}

fn shown(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

fn violation(document: &Document, pointer: &str, message: String) -> Finding {
    let mut finding = Finding::new(SCHEMA_VIOLATION, Severity::Error, message);
    let position = document.position(pointer);
    finding.file = Some(document.file.clone());
    finding.line = position.map(|p| p.line);
    finding.column = position.map(|p| p.column);
    finding.object = Some(document.object_id());
    finding.pointer = Some(pointer.to_owned());
    finding
}

impl KubeVersion {
    pub const ALL: [KubeVersion; 7] = [
        KubeVersion::V1_31,
        KubeVersion::V1_32,
        KubeVersion::V1_33,
        KubeVersion::V1_34,
        KubeVersion::V1_35,
        KubeVersion::V1_36,
        KubeVersion::V1_37,
    ];

    /// `MAJOR.MINOR`, as `--kube-version` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            KubeVersion::V1_31 => "1.31",
            KubeVersion::V1_32 => "1.32",
            KubeVersion::V1_33 => "1.33",
            KubeVersion::V1_34 => "1.34",
            KubeVersion::V1_35 => "1.35",
            KubeVersion::V1_36 => "1.36",
            KubeVersion::V1_37 => "1.37",
        }
    }
}

impl std::fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for KubeVersion {
    type Err = anyhow::Error;

    /// `1.33` (a leading `v` is accepted, as in `kubectl version`).
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let wanted = s.trim().trim_start_matches('v');
        KubeVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == wanted)
            .ok_or_else(|| {
                let supported: Vec<&str> = KubeVersion::ALL.iter().map(|v| v.as_str()).collect();
                anyhow::anyhow!(
                    "unsupported Kubernetes version `{s}`; supported: {}",
                    supported.join(", ")
                )
            })
    }
}
