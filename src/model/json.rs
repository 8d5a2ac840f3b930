//! Small, panic-free accessors over `serde_json::Value` and JSON pointers.

use crate::manifest::JsonPointer;
use serde_json::Value;
use std::collections::BTreeMap;

pub fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.at(pointer)?.as_str()
}

pub fn array_at<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.at(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A map of strings (labels, `matchLabels`, selectors); non-string values are skipped.
pub fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// An integer, also when written as a string (`"3"`), which some hand-written YAML does.
pub fn int_of(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str()?.trim().parse().ok())
}

/// One reference token of a JSON pointer (RFC 6901 escaping).
pub fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
