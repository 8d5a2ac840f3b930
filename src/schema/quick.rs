//! A yes/no answer to "is this document valid against its strict schema?" that needs no
//! compilation: it walks the schema and the document together.
//!
//! Compiling a jsonschema validator for a StatefulSet costs several milliseconds, more than a
//! whole render; most documents are valid, and for those this walk is the only schema work.
//! It understands exactly the keywords `tools/schema-gen` emits; on any other keyword it
//! answers `None` and the caller asks the compiled validator, which also writes the messages
//! for invalid documents. A test holds the two to the same verdict on every fixture and on
//! mutations of each (`tests` below).

use fancy_regex::Regex;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// `Some(valid)`, or `None` when the schema uses a keyword this walk does not know.
pub(super) fn is_valid(defs: &Value, schema: &Value, instance: &Value) -> Option<bool> {
    let schema = match schema {
        Value::Bool(accept) => return Some(*accept),
        Value::Object(schema) => schema,
        _ => return None,
    };
    let object = instance.as_object();
    for (keyword, value) in schema {
        let valid = match keyword.as_str() {
            "$ref" => {
                let name = value.as_str()?.strip_prefix("#/$defs/")?;
                is_valid(defs, defs.get(name)?, instance)?
            }
            "type" => match value {
                Value::String(name) => has_type(name, instance)?,
                Value::Array(names) => {
                    let mut any = false;
                    for name in names {
                        any |= has_type(name.as_str()?, instance)?;
                    }
                    any
                }
                _ => return None,
            },
            "properties" => match object {
                Some(object) => {
                    let properties = value.as_object()?;
                    let mut valid = true;
                    // Look up the smaller map in the larger: a pod spec's schema lists ~40
                    // fields, a document sets a handful.
                    if object.len() < properties.len() {
                        for (name, field) in object {
                            if let Some(sub) = properties.get(name) {
                                valid &= is_valid(defs, sub, field)?;
                            }
                        }
                    } else {
                        for (name, sub) in properties {
                            if let Some(field) = object.get(name) {
                                valid &= is_valid(defs, sub, field)?;
                            }
                        }
                    }
                    valid
                }
                None => true,
            },
            "additionalProperties" => match object {
                Some(object) => {
                    let known = schema.get("properties").and_then(Value::as_object);
                    let mut valid = true;
                    for (name, field) in object {
                        if !known.is_some_and(|known| known.contains_key(name)) {
                            valid &= is_valid(defs, value, field)?;
                        }
                    }
                    valid
                }
                None => true,
            },
            "required" => match object {
                Some(object) => {
                    let mut valid = true;
                    for name in value.as_array()? {
                        valid &= object.contains_key(name.as_str()?);
                    }
                    valid
                }
                None => true,
            },
            "items" => match instance.as_array() {
                Some(items) => {
                    let mut valid = true;
                    for item in items {
                        valid &= is_valid(defs, value, item)?;
                    }
                    valid
                }
                None => true,
            },
            // The value checks of the custom-resource schemas (`tools/crd-schema-gen`).
            "enum" => {
                let mut any = false;
                for allowed in value.as_array()? {
                    // Strings only: numbers would need the validator's `1 == 1.0`.
                    allowed.as_str()?;
                    any |= allowed == instance;
                }
                any
            }
            "minLength" => match instance.as_str() {
                // Counted in characters, as JSON Schema counts.
                Some(text) => text.chars().count() as u64 >= value.as_u64()?,
                None => true,
            },
            "pattern" => match instance.as_str() {
                Some(text) => matches(value.as_str()?, text)?,
                None => true,
            },
            // Annotations: draft 2020-12 does not assert `format` unless asked to.
            "format" | "description" | "title" | "default" | "$schema" | "$comment" => true,
            _ => return None,
        };
        if !valid {
            return Some(false);
        }
    }
    Some(true)
}

/// Whether `text` matches `pattern` (unanchored, as JSON Schema reads it), with the regex
/// engine the validator uses; each pattern is compiled once per process.
fn matches(pattern: &str, text: &str) -> Option<bool> {
    static COMPILED: LazyLock<Mutex<HashMap<String, Option<Regex>>>> =
        LazyLock::new(Mutex::default);
    let regex = {
        let mut compiled = COMPILED.lock().ok()?;
        compiled
            .entry(pattern.to_owned())
            .or_insert_with(|| Regex::new(pattern).ok())
            .clone()?
    };
    regex.is_match(text).ok()
}

fn has_type(name: &str, instance: &Value) -> Option<bool> {
    Some(match name {
        "object" => instance.is_object(),
        "array" => instance.is_array(),
        "string" => instance.is_string(),
        "boolean" => instance.is_boolean(),
        "null" => instance.is_null(),
        "number" => instance.is_number(),
        // 2020-12: an integer is any number with a zero fractional part (`1.0` included).
        "integer" => match instance {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{KubeVersion, embedded};
    use crate::manifest;
    use serde_json::{Value, json};
    use std::path::Path;

    /// Every document of every YAML fixture under `tests/`, and many mutations of each
    /// (unknown field, wrong-typed value, removed field, extra item), get the same verdict
    /// from the walk as from the compiled validator, on the oldest and the newest version.
    #[test]
    fn agrees_with_the_compiled_validator() {
        let mut files = Vec::new();
        collect_yaml(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"),
            &mut files,
        );
        files.sort();
        let (mut checked, mut invalid) = (0, 0);
        // Of those, the custom resources (`tests/schemas/custom-resources.yaml`): enums,
        // patterns and lengths are theirs only.
        let (mut custom_checked, mut custom_invalid) = (0, 0);
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            for document in manifest::parse(&file.display().to_string(), &text).documents {
                for variant in std::iter::once(document.value.clone())
                    .chain(mutations(&document.value).into_iter().take(60))
                {
                    for version in [KubeVersion::V1_33, KubeVersion::V1_37] {
                        let (Some(api), Some(kind)) = (
                            variant.get("apiVersion").and_then(Value::as_str),
                            variant.get("kind").and_then(Value::as_str),
                        ) else {
                            continue;
                        };
                        let Some(validator) = embedded::validator(version, api, kind) else {
                            continue;
                        };
                        let quick = embedded::quick_is_valid(version, api, kind, &variant);
                        let compiled = validator.is_valid(&variant);
                        assert_eq!(quick, Some(compiled), "{} {kind} {variant}", file.display());
                        checked += 1;
                        invalid += usize::from(!compiled);
                        if api.contains(".coreos.com/") || api.starts_with("cert-manager.io/") {
                            custom_checked += 1;
                            custom_invalid += usize::from(!compiled);
                        }
                    }
                }
            }
        }
        assert!(
            checked > 5_000 && invalid > 1_000,
            "{checked} checked, {invalid} invalid"
        );
        assert!(
            custom_checked > 400 && custom_invalid > 150,
            "custom resources: {custom_checked} checked, {custom_invalid} invalid"
        );
    }

    fn collect_yaml(dir: &Path, into: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect_yaml(&path, into);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                into.push(path);
            }
        }
    }

    /// One variant of `value` per node and mutation, in document order.
    fn mutations(value: &Value) -> Vec<Value> {
        let mut pointers = Vec::new();
        walk(value, String::new(), &mut pointers);
        let mut out = Vec::new();
        for pointer in pointers {
            let Some(node) = value.pointer(&pointer) else {
                continue;
            };
            let replacements: Vec<Value> = match node {
                Value::Object(_) => vec![json!(1), json!("x")],
                Value::Array(_) => vec![json!({}), json!(true)],
                _ => vec![
                    json!(true),
                    json!("x"),
                    json!(7),
                    json!(1.5),
                    json!(null),
                    json!({}),
                ],
            };
            for replacement in replacements {
                let mut variant = value.clone();
                if let Some(slot) = variant.pointer_mut(&pointer) {
                    *slot = replacement;
                    out.push(variant);
                }
            }
            let mut variant = value.clone();
            match variant.pointer_mut(&pointer) {
                Some(Value::Object(map)) => {
                    map.insert("zzUnknownField".into(), json!(1));
                    out.push(variant);
                }
                Some(Value::Array(items)) => {
                    items.push(json!("x"));
                    out.push(variant);
                }
                _ => {}
            }
            if let Some((parent, key)) = pointer.rsplit_once('/') {
                let mut variant = value.clone();
                if let Some(Value::Object(map)) = variant.pointer_mut(parent) {
                    map.remove(key);
                    out.push(variant);
                }
            }
        }
        // Spread the sample over the whole document, not only its first nodes.
        let step = (out.len() / 60).max(1);
        out.into_iter().step_by(step).collect()
    }

    fn walk(value: &Value, pointer: String, into: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    walk(child, format!("{pointer}/{escaped}"), into);
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    walk(child, format!("{pointer}/{index}"), into);
                }
            }
            _ => {}
        }
        into.push(pointer);
    }
}
