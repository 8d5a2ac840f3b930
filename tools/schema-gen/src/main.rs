//! Print the strict JSON Schema of every kind redis-ha-gen validates, for the Kubernetes
//! version selected by this build's cargo feature (k8s-openapi compiles one at a time).
//!
//! Output (compact JSON on stdout):
//! `{"kubernetes": "1.37", "kinds": {"apps/v1/StatefulSet": "<def name>", …}, "$defs": {…}}`
//!
//! k8s-openapi's schemas are made strict here, so the runtime only compiles them:
//! `additionalProperties: false` on every object with `properties` (unknown fields are
//! errors, as `kubectl apply --validate=strict` makes them), int-or-string fields accept only
//! integers and strings (quantities: numbers and strings), descriptions and `x-kubernetes-*`
//! annotations are dropped (size), `required` is kept.

// 1.31 and 1.32 come from k8s-openapi 0.27 (Cargo.toml), under the same name.
#[cfg(any(feature = "v1_31", feature = "v1_32", feature = "v1_33_from_0_27"))]
use k8s_openapi_0_27 as k8s_openapi;

use k8s_openapi::api::{apps, autoscaling, batch, core, networking, policy, rbac};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

#[cfg(feature = "v1_31")]
const VERSION: &str = "1.31";
#[cfg(feature = "v1_32")]
const VERSION: &str = "1.32";
#[cfg(any(feature = "v1_33", feature = "v1_33_from_0_27"))]
const VERSION: &str = "1.33";
#[cfg(feature = "v1_34")]
const VERSION: &str = "1.34";
#[cfg(feature = "v1_35")]
const VERSION: &str = "1.35";
#[cfg(feature = "v1_36")]
const VERSION: &str = "1.36";
#[cfg(feature = "v1_37")]
const VERSION: &str = "1.37";

const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/// `apiVersion/kind` and the definition name of its schema.
fn kind<T: JsonSchema>(generator: &mut SchemaGenerator, api_version: &str, kind: &str) -> (String, Value) {
    let schema = generator.subschema_for::<T>().to_value();
    let reference = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .expect("k8s-openapi kinds are named definitions");
    (format!("{api_version}/{kind}"), Value::from(reference))
}

fn main() {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let g = &mut generator;
    let kinds: Map<String, Value> = [
        kind::<core::v1::ConfigMap>(g, "v1", "ConfigMap"),
        kind::<core::v1::Secret>(g, "v1", "Secret"),
        kind::<core::v1::Service>(g, "v1", "Service"),
        kind::<core::v1::ServiceAccount>(g, "v1", "ServiceAccount"),
        kind::<core::v1::Pod>(g, "v1", "Pod"),
        kind::<core::v1::PersistentVolumeClaim>(g, "v1", "PersistentVolumeClaim"),
        kind::<core::v1::Namespace>(g, "v1", "Namespace"),
        kind::<apps::v1::StatefulSet>(g, "apps/v1", "StatefulSet"),
        kind::<apps::v1::Deployment>(g, "apps/v1", "Deployment"),
        kind::<apps::v1::DaemonSet>(g, "apps/v1", "DaemonSet"),
        kind::<apps::v1::ReplicaSet>(g, "apps/v1", "ReplicaSet"),
        kind::<batch::v1::Job>(g, "batch/v1", "Job"),
        kind::<batch::v1::CronJob>(g, "batch/v1", "CronJob"),
        kind::<policy::v1::PodDisruptionBudget>(g, "policy/v1", "PodDisruptionBudget"),
        kind::<networking::v1::NetworkPolicy>(g, "networking.k8s.io/v1", "NetworkPolicy"),
        kind::<networking::v1::Ingress>(g, "networking.k8s.io/v1", "Ingress"),
        kind::<rbac::v1::Role>(g, "rbac.authorization.k8s.io/v1", "Role"),
        kind::<rbac::v1::RoleBinding>(g, "rbac.authorization.k8s.io/v1", "RoleBinding"),
        kind::<rbac::v1::ClusterRole>(g, "rbac.authorization.k8s.io/v1", "ClusterRole"),
        kind::<rbac::v1::ClusterRoleBinding>(g, "rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        kind::<autoscaling::v2::HorizontalPodAutoscaler>(g, "autoscaling/v2", "HorizontalPodAutoscaler"),
    ]
    .into_iter()
    .collect();

    let mut defs: Vec<(String, Value)> = generator.take_definitions(true).into_iter().collect();
    defs.sort_by(|a, b| a.0.cmp(&b.0));
    let defs: Map<String, Value> = defs
        .into_iter()
        .map(|(name, mut schema)| {
            make_strict(&mut schema, name == QUANTITY);
            (name, schema)
        })
        .collect();
    let out = json!({"kubernetes": VERSION, "kinds": kinds, "$defs": defs});
    println!("{}", serde_json::to_string(&out).expect("JSON values serialize"));
}

fn make_strict(schema: &mut Value, quantity: bool) {
    match schema {
        Value::Object(map) => {
            map.remove("description");
            if map.remove("x-kubernetes-int-or-string") == Some(Value::Bool(true)) {
                let number = if quantity { "number" } else { "integer" };
                map.insert("type".into(), json!([number, "string"]));
            }
            map.retain(|key, _| !key.starts_with("x-kubernetes-"));
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                // Inside `properties` the keys are field names, never keywords.
                if key == "properties" {
                    if let Value::Object(fields) = child {
                        fields.values_mut().for_each(|f| make_strict(f, false));
                    }
                } else {
                    make_strict(child, false);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| make_strict(i, false)),
        _ => {}
    }
}
