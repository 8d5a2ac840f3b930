//! An explicit YAML `null` on a field (`annotations:` left empty by a Helm template,
//! `nodePort: null`) means "unset" to the API server, kubectl and kubeconform: the field is
//! dropped before the strict schema sees the document, never reported as a wrong type.

use serde_json::Value;

/// `value` without its null object fields (at any depth), or `None` when it has none, so
/// the common document is validated as it is, without a copy.
pub fn without_nulls(value: &Value) -> Option<Value> {
    has_null_field(value).then(|| strip(value))
}

fn has_null_field(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.values().any(|v| v.is_null() || has_null_field(v)),
        Value::Array(items) => items.iter().any(has_null_field),
        _ => false,
    }
}

fn strip(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_fields_are_dropped_at_any_depth() {
        let v = json!({"metadata": {"annotations": null, "name": "a"},
                       "spec": {"ports": [{"port": 1, "nodePort": null}]}});
        assert_eq!(
            without_nulls(&v),
            Some(json!({"metadata": {"name": "a"}, "spec": {"ports": [{"port": 1}]}}))
        );
    }

    #[test]
    fn a_document_without_nulls_is_not_copied() {
        assert_eq!(without_nulls(&json!({"a": [1, {"b": "c"}]})), None);
    }
}
