//! Typed parse-back: a document that passed the strict schema must also deserialize into
//! its k8s-openapi type. That catches what a JSON Schema leaves to `format` annotations,
//! such as a Secret's `data` that is not base64.

use crate::manifest::Document;
use k8s_openapi::api::{apps, batch, core, networking, policy, rbac};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why the document does not deserialize into its type; `None` if it does or the kind has
/// no typed form here.
pub(super) fn parse_back(document: &Document) -> Option<String> {
    let api_version = document.value.get("apiVersion").and_then(Value::as_str)?;
    let value = &document.value;
    let result = match (api_version, document.kind()) {
        ("v1", "ConfigMap") => typed::<core::v1::ConfigMap>(value),
        ("v1", "Secret") => typed::<core::v1::Secret>(value),
        ("v1", "Service") => typed::<core::v1::Service>(value),
        ("v1", "ServiceAccount") => typed::<core::v1::ServiceAccount>(value),
        ("v1", "Pod") => typed::<core::v1::Pod>(value),
        ("v1", "PersistentVolumeClaim") => typed::<core::v1::PersistentVolumeClaim>(value),
        ("apps/v1", "StatefulSet") => typed::<apps::v1::StatefulSet>(value),
        ("apps/v1", "Deployment") => typed::<apps::v1::Deployment>(value),
        ("apps/v1", "DaemonSet") => typed::<apps::v1::DaemonSet>(value),
        ("batch/v1", "Job") => typed::<batch::v1::Job>(value),
        ("batch/v1", "CronJob") => typed::<batch::v1::CronJob>(value),
        ("policy/v1", "PodDisruptionBudget") => typed::<policy::v1::PodDisruptionBudget>(value),
        ("networking.k8s.io/v1", "NetworkPolicy") => typed::<networking::v1::NetworkPolicy>(value),
        ("rbac.authorization.k8s.io/v1", "Role") => typed::<rbac::v1::Role>(value),
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => typed::<rbac::v1::RoleBinding>(value),
        _ => Ok(()),
    };
    result.err()
}

/// Deserialize from the borrowed value: no copy of the document.
fn typed<T: DeserializeOwned>(value: &Value) -> Result<(), String> {
    T::deserialize(value).map(drop).map_err(|e| e.to_string())
}
