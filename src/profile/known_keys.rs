//! Which keys a profile may hold, from the profile's own JSON Schema (the one `schema
//! profile` prints), for the two checks serde cannot make:
//!
//! - a key whose value is null means "the default" and is dropped before typing, so serde
//!   never sees it: an unknown key with a null value (a typo such as `sentinal:`) would pass
//!   silently;
//! - a file that is not a profile at all (`extends: /etc/shadow`, whose lines YAML reads as
//!   keys with null values) must be refused without echoing its content.

use super::Profile;
use super::suggest::nearest;
use super::tree::{Origin, ProfileValue};
use anyhow::bail;
use serde_json::Value;
use std::sync::LazyLock;

static SCHEMA: LazyLock<Value> =
    LazyLock::new(|| schemars::schema_for!(Profile).as_value().clone());

/// What the schema says about one key of a mapping.
enum Key<'a> {
    /// A declared field, with its schema.
    Field(&'a Value),
    /// A free-form map (labels, annotations): any key is valid.
    Free,
    Unknown,
}

/// Refuse a source none of whose top-level keys is a profile field: it is some other file,
/// and its keys (possibly secrets) are not repeated in the error.
pub fn ensure_profile(node: &ProfileValue, source: &str) -> anyhow::Result<()> {
    let ProfileValue::Map(entries) = node else {
        return Ok(());
    };
    // A key near a field is a typo in a profile: serde reports it with a "did you mean".
    let fields = top_level_fields();
    if entries.is_empty()
        || entries
            .iter()
            .any(|e| is_field(&SCHEMA, &e.key) || nearest(&e.key, fields.iter().copied()).is_some())
    {
        return Ok(());
    }
    bail!(
        "{}: not a redis-ha-gen profile: none of its {} top-level keys is a profile field \
         (`redis-ha-gen schema profile` lists them)",
        crate::escape::printable(source),
        entries.len()
    )
}

/// Refuse keys with a null value that the profile does not have.
pub fn check_null_keys(root: &ProfileValue) -> anyhow::Result<()> {
    let mut unknown = Vec::new();
    walk(root, &SCHEMA, &mut Vec::new(), &mut unknown);
    if let Some((path, origin)) = unknown.into_iter().next() {
        bail!(
            "unknown field `{}` ({origin}): it is not a profile field (`redis-ha-gen schema \
             profile` lists them)",
            crate::escape::printable(&path.join("."))
        );
    }
    Ok(())
}

fn walk(
    node: &ProfileValue,
    schema: &Value,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Origin)>,
) {
    let ProfileValue::Map(entries) = node else {
        return;
    };
    for entry in entries {
        path.push(entry.key.clone());
        match lookup(&SCHEMA, schema, &entry.key) {
            Key::Unknown if entry.value.is_null() => out.push((path.clone(), entry.origin.clone())),
            Key::Field(child) => walk(&entry.value, child, path, out),
            // Unknown keys with a value are serde's to report, with its own hints.
            Key::Unknown | Key::Free => {}
        }
        path.pop();
    }
}

fn top_level_fields() -> Vec<&'static str> {
    SCHEMA
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn is_field(schema: &Value, key: &str) -> bool {
    matches!(lookup(schema, schema, key), Key::Field(_))
}

fn lookup<'a>(root: &'a Value, schema: &'a Value, key: &str) -> Key<'a> {
    let schema = resolve(root, schema);
    if let Some(field) = schema.get("properties").and_then(|p| p.get(key)) {
        return Key::Field(field);
    }
    for branch in ["anyOf", "oneOf", "allOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
    {
        match lookup(root, branch, key) {
            Key::Unknown => {}
            found => return found,
        }
    }
    match schema.get("additionalProperties") {
        Some(Value::Bool(false)) | None => Key::Unknown,
        Some(_) => Key::Free,
    }
}

/// Follow a local `$ref` (`#/$defs/Name`).
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|name| root.get("$defs").and_then(|d| d.get(name)))
    {
        Some(target) => resolve(root, target),
        None => schema,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::tree;

    fn node(text: &str) -> ProfileValue {
        tree::load("t.yaml", text).unwrap().unwrap()
    }

    #[test]
    fn null_values_of_known_and_free_form_keys_pass() {
        let n = node("sentinel:\n  quorum: null\nlabels:\n  team: ~\nredis:\n  resources:\n");
        assert!(check_null_keys(&n).is_ok());
    }

    #[test]
    fn a_null_value_of_an_unknown_key_is_refused() {
        let err = check_null_keys(&node("sentinel:\n  quorm:\n")).unwrap_err();
        assert!(err.to_string().contains("`sentinel.quorm`"), "{err}");
        let err = check_null_keys(&node("sentinal:\n")).unwrap_err();
        assert!(err.to_string().contains("`sentinal`"), "{err}");
    }

    #[test]
    fn a_file_with_no_profile_key_is_refused_without_its_keys() {
        let shadow = node("root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n");
        let err = ensure_profile(&shadow, "/etc/shadow")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a redis-ha-gen profile"), "{err}");
        assert!(!err.contains("root") && !err.contains("daemon"), "{err}");
        let secrets = node("api_key: sk-live-123\ntoken: abc\n");
        let err = ensure_profile(&secrets, "s.yaml").unwrap_err().to_string();
        assert!(
            !err.contains("api_key") && !err.contains("sk-live"),
            "{err}"
        );
        assert!(ensure_profile(&node("extends: kind\n"), "p.yaml").is_ok());
        assert!(ensure_profile(&node("sentinel:\n  quorum: 2\nbogus: 1\n"), "p.yaml").is_ok());
        // A lone typo is left to serde, which names it and suggests the field.
        assert!(ensure_profile(&node("sentinal:\n  quorum: 2\n"), "p.yaml").is_ok());
    }
}
