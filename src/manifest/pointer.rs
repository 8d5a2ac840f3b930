//! JSON pointer lookups without allocating: `serde_json::Value::pointer` copies every
//! reference token to unescape it, and the model and rules look up thousands of pointers.

use serde_json::Value;

/// RFC 6901 lookups on a JSON value.
pub trait JsonPointer {
    /// The node at `pointer`, like `serde_json::Value::pointer`.
    fn at(&self, pointer: &str) -> Option<&Value>;
}

impl JsonPointer for Value {
    fn at(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut node = self;
        for token in rest.split('/') {
            node = if token.contains('~') {
                child(node, &token.replace("~1", "/").replace("~0", "~"))
            } else {
                child(node, token)
            }?;
        }
        Some(node)
    }
}

/// Up to this many entries a mapping is searched key by key: hashing the token (SipHash, as
/// serde_json's maps do) costs more than comparing a few short keys.
const SCAN_ENTRIES: usize = 8;

fn child<'v>(node: &'v Value, token: &str) -> Option<&'v Value> {
    match node {
        Value::Object(map) if map.len() <= SCAN_ENTRIES => {
            map.iter().find(|(key, _)| *key == token).map(|(_, v)| v)
        }
        Value::Object(map) => map.get(token),
        Value::Array(items) => {
            // As serde_json: decimal digits only, no leading zero, no sign.
            if token.is_empty()
                || (token.len() > 1 && token.starts_with('0'))
                || !token.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            items.get(token.parse::<usize>().ok()?)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_serde_json() {
        let wide: serde_json::Map<String, Value> =
            (0..20).map(|i| (format!("k{i}"), Value::from(i))).collect();
        let v = serde_json::json!({"a": {"b/c": [1, {"d~e": 2}], "": 3}, "0": [4], "wide": wide});
        for p in [
            "",
            "/",
            "/a",
            "/a/b~1c",
            "/a/b~1c/0",
            "/a/b~1c/1/d~0e",
            "/a/b~1c/01",
            "/a/b~1c/+1",
            "/a/b~1c/2",
            "/a/",
            "/0/0",
            "/x",
            "a",
            "/a/b~1c/1/d~0e/z",
            "/wide/k0",
            "/wide/k19",
            "/wide/k20",
        ] {
            assert_eq!(v.at(p), v.pointer(p), "{p}");
        }
    }
}
