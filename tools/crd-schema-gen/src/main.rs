//! Print the strict JSON Schema of each served version of one upstream CustomResourceDefinition,
//! in the layout of `tools/schema-gen` so the runtime merges both the same way:
//! `{"source": {…}, "kinds": {"group/version/Kind": "<def name>"}, "$defs": {"<def name>": {…}}}`.
//!
//! Usage: `crd-schema-gen CRD.yaml REPOSITORY COMMIT PATH RELEASE` (the last four are recorded
//! as the provenance of the schema).
//!
//! The `openAPIV3Schema` is made strict as the API server reads it, plus unknown fields:
//! - an object without `additionalProperties` or `x-kubernetes-preserve-unknown-fields` gets
//!   `additionalProperties: false` (the API server would silently prune such fields; we report them);
//! - `x-kubernetes-int-or-string` becomes `type: [integer, string]`, `nullable` adds `null`;
//! - `metadata` is the Kubernetes ObjectMeta (`$ref` into the core schemas of the chosen version)
//!   and is required, as for the built-in kinds;
//! - descriptions, defaults and list/map merge hints are dropped; CEL rules
//!   (`x-kubernetes-validations`) are dropped and counted on stderr: no JSON Schema can say them.
//!
//! Any other keyword stops the tool: the runtime's quick walk (src/schema/quick.rs) knows
//! exactly the keywords written here, so a new one must be taught there first.

use serde_json::{Map, Value, json};
use std::process::ExitCode;

const OBJECT_META: &str = "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// Keywords kept as they are.
const KEPT: [&str; 9] = [
    "type",
    "properties",
    "additionalProperties",
    "required",
    "items",
    "enum",
    "pattern",
    "minLength",
    "format",
];
/// Keywords dropped: documentation, defaulting and server-side merge hints.
const DROPPED: [&str; 5] = [
    "description",
    "default",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, repository, commit, path, release] = args.as_slice() else {
        eprintln!("usage: crd-schema-gen CRD.yaml REPOSITORY COMMIT PATH RELEASE");
        return ExitCode::from(2);
    };
    match generate(file) {
        Ok((kinds, defs, dropped_rules)) => {
            if dropped_rules > 0 {
                eprintln!(
                    "{file}: {dropped_rules} CEL rule(s) (x-kubernetes-validations) not expressible, left out"
                );
            }
            let source = json!({"repository": repository, "commit": commit, "path": path, "release": release, "license": "Apache-2.0"});
            let out = json!({"source": source, "kinds": kinds, "$defs": defs});
            println!(
                "{}",
                serde_json::to_string(&out).expect("JSON values serialize")
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{file}: {message}");
            ExitCode::FAILURE
        }
    }
}

type Generated = (Map<String, Value>, Map<String, Value>, usize);

fn generate(file: &str) -> Result<Generated, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let crd: Value = serde_saphyr::from_str(&text).map_err(|e| e.to_string())?;
    let field = |pointer: &str| {
        crd.pointer(pointer)
            .ok_or_else(|| format!("not a CustomResourceDefinition: no `{pointer}`"))
    };
    let group = field("/spec/group")?
        .as_str()
        .ok_or("`spec.group` is not a string")?;
    let kind = field("/spec/names/kind")?
        .as_str()
        .ok_or("`spec.names.kind` is not a string")?;
    let versions = field("/spec/versions")?
        .as_array()
        .ok_or("`spec.versions` is not a list")?;
    let reversed: Vec<&str> = group.rsplit('.').collect();
    let (mut kinds, mut defs, mut dropped_rules) = (Map::new(), Map::new(), 0);
    for version in versions {
        if version.get("served") != Some(&Value::Bool(true)) {
            continue;
        }
        let name = version
            .get("name")
            .and_then(Value::as_str)
            .ok_or("a version without a name")?;
        let mut schema = version
            .pointer("/schema/openAPIV3Schema")
            .cloned()
            .ok_or_else(|| format!("{name}: no openAPIV3Schema"))?;
        dropped_rules += make_strict(&mut schema, &format!("{name}:"))?;
        let root = schema
            .as_object_mut()
            .ok_or("openAPIV3Schema is not an object")?;
        if let Some(Value::Object(properties)) = root.get_mut("properties") {
            properties.insert("metadata".into(), json!({"$ref": OBJECT_META}));
        }
        let required = root.entry("required").or_insert_with(|| json!([]));
        if let Value::Array(required) = required
            && !required.contains(&json!("metadata"))
        {
            required.push(json!("metadata"));
        }
        let def = format!("{}.{name}.{kind}", reversed.join("."));
        kinds.insert(format!("{group}/{name}/{kind}"), Value::from(def.clone()));
        defs.insert(def, schema);
    }
    if kinds.is_empty() {
        return Err("no served version".into());
    }
    Ok((kinds, defs, dropped_rules))
}

/// Make `schema` strict in place; returns how many CEL rules were dropped under it.
fn make_strict(schema: &mut Value, at: &str) -> Result<usize, String> {
    let Value::Object(map) = schema else {
        return Err(format!("{at} a schema that is not an object"));
    };
    let mut dropped_rules = 0;
    if let Some(Value::Array(rules)) = map.remove("x-kubernetes-validations") {
        dropped_rules += rules.len();
    }
    for keyword in DROPPED {
        map.remove(keyword);
    }
    if map.remove("x-kubernetes-int-or-string") == Some(Value::Bool(true)) {
        map.remove("anyOf");
        map.insert("type".into(), json!(["integer", "string"]));
    }
    let preserve = map.remove("x-kubernetes-preserve-unknown-fields") == Some(Value::Bool(true));
    if map.remove("nullable") == Some(Value::Bool(true))
        && let Some(Value::String(name)) = map.get("type").cloned()
    {
        map.insert("type".into(), json!([name, "null"]));
    }
    if let Some(unknown) = map.keys().find(|k| !KEPT.contains(&k.as_str())) {
        return Err(format!(
            "{at} keyword `{unknown}` is not supported (teach src/schema/quick.rs first)"
        ));
    }
    let is_object = map.get("type") == Some(&json!("object"));
    if is_object && !preserve && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            dropped_rules += make_strict(property, &format!("{at}.{name}"))?;
        }
    }
    for keyword in ["items", "additionalProperties"] {
        if let Some(sub @ Value::Object(_)) = map.get_mut(keyword) {
            dropped_rules += make_strict(sub, &format!("{at}[{keyword}]"))?;
        }
    }
    Ok(dropped_rules)
}
