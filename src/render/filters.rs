//! Filters that keep template output YAML-safe.

use minijinja::{Error, ErrorKind, Value};

/// Any value as JSON, which is also valid YAML flow syntax: strings come out double-quoted,
/// so `yes`, `on`, `0755` or `1.10` can never be retyped by a YAML 1.1 reader.
pub fn tojson(value: &Value) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|err| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("value cannot be written as JSON: {err}"),
        )
    })
}
