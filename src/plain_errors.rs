//! Parser errors in the user's words. serde's messages name Rust types and parser events
//! (`invalid type: integer `2`, expected a sequence`, `expected u32`, `unknown variant`,
//! `expected mapping start`); the files a user writes by hand (config file, baseline,
//! drill replay) get what was found, what was wanted in the file's terms, and for a
//! misspelt field or value the nearest name.

use crate::profile::suggest::did_you_mean;

/// A serde_json error as `line L column C: message` (the position when there is one).
pub fn json(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    match err.line() {
        0 => plain(message),
        line => format!("line {line} column {}: {}", err.column(), plain(message)),
    }
}

/// One of serde's (or serde-saphyr's) messages, in plain words.
pub fn plain(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return unknown("field", rest);
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return unknown("value", rest);
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some((found, wanted)) = message
            .strip_prefix(prefix)
            .and_then(|r| r.rsplit_once(", expected "))
        {
            return format!(
                "found {} where {} is expected",
                found_as(found),
                wanted_as(wanted)
            );
        }
    }
    if let Some((length, wanted)) = message
        .strip_prefix("invalid length ")
        .and_then(|r| r.split_once(", expected "))
    {
        return format!("{length} items where {} is expected", wanted_as(wanted));
    }
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("the field {field} is missing");
    }
    if let Some(field) = message.strip_prefix("duplicate field ") {
        return format!("the field {field} is given twice");
    }
    // serde-saphyr's own: `expected mapping start`, `invalid u32`, …
    if let Some(event) = message.strip_prefix("expected ") {
        return format!("expected {}", wanted_as(event));
    }
    if let Some(kind) = message.strip_prefix("invalid ") {
        return format!("expected {}", wanted_as(kind));
    }
    message.to_string()
}

/// `` `name`, expected one of `a`, `b` `` (serde) or `` `name`, expected one of a, b ``
/// (serde-saphyr): the name, the nearest candidate, the candidates.
fn unknown(what: &str, rest: &str) -> String {
    let rest = rest.strip_suffix(", there are no fields").unwrap_or(rest);
    let (name, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
    let expected = expected
        .strip_prefix("one of ")
        .unwrap_or(expected)
        .replace(" or ", ", ");
    let candidates: Vec<&str> = expected
        .split(", ")
        .map(|c| c.trim().trim_matches('`'))
        .filter(|c| !c.is_empty() && *c != "there are no fields")
        .collect();
    let bare = name.trim_matches('`');
    let hint = did_you_mean(bare, candidates.iter().copied());
    match candidates.is_empty() {
        true => format!("unknown {what} {name}{hint}"),
        false => format!(
            "unknown {what} {name}{hint} (expected one of {})",
            candidates.join(", ")
        ),
    }
}

/// What serde says it found (`integer `2``, `string "x"`, `map`), as a user would say it.
fn found_as(found: &str) -> String {
    let word = |prefix: &str| found.strip_prefix(prefix).map(|v| v.trim_matches('`'));
    if let Some(n) = word("integer ").or_else(|| word("floating point ")) {
        return format!("the number {n}");
    }
    if let Some(b) = word("boolean ") {
        return format!("`{b}`");
    }
    if let Some(s) = found.strip_prefix("string ") {
        return format!("the text {s}");
    }
    match found {
        "map" => "a mapping".into(),
        "sequence" => "a list".into(),
        "unit value" | "null" => "nothing (null)".into(),
        other => other.into(),
    }
}

/// What serde says it expected, as a user would say it: no Rust type or parser event.
fn wanted_as(wanted: &str) -> String {
    let wanted = wanted.trim_end_matches(" start");
    let plain = match wanted {
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        "u64" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "bool" | "boolean" | "a boolean" => "true or false",
        "a sequence" | "sequence" => "a list",
        "a map" | "map" | "mapping" => "a mapping of fields (`key: value`)",
        "a string" | "string scalar" | "scalar" => "a single value (text)",
        "a borrowed string" | "char" | "a character" => "a single value (text)",
        other if other.starts_with("struct ") => "a mapping of fields (`key: value`)",
        other if other.starts_with("enum ") => "one of the listed values",
        other => other,
    };
    plain.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words of serde, serde_json and serde-saphyr that must not reach a user.
    const JARGON: [&str; 9] = [
        "invalid type",
        "invalid value",
        "unknown variant",
        "mapping start",
        "sequence start",
        "expected u32",
        "expected u64",
        "invalid u32",
        "struct ",
    ];

    #[test]
    fn serdes_messages_become_plain_words() {
        for (serde, want) in [
            (
                "invalid type: integer `2`, expected a sequence",
                "found the number 2 where a list is expected",
            ),
            (
                "invalid value: integer `99999999999`, expected u32",
                "found the number 99999999999 where a whole number from 0 to 4294967295 is expected",
            ),
            (
                "invalid type: map, expected struct Fault",
                "found a mapping where a mapping of fields (`key: value`) is expected",
            ),
            (
                "unknown field `entries`, expected `version` or `findings`",
                "unknown field `entries` (expected one of version, findings)",
            ),
            (
                "unknown variant `offf`, expected one of off, error, warning, info",
                "unknown value `offf`; did you mean `off`? (expected one of off, error, warning, info)",
            ),
            (
                "unknown field `kubeVersion`, expected one of rules, ignore-paths, kube-version",
                "unknown field `kubeVersion`; did you mean `kube-version`? (expected one of rules, ignore-paths, kube-version)",
            ),
            (
                "expected mapping start",
                "expected a mapping of fields (`key: value`)",
            ),
            ("expected sequence start", "expected a list"),
            ("missing field `faults`", "the field `faults` is missing"),
        ] {
            let plain = plain(serde);
            assert_eq!(plain, want);
            for word in JARGON {
                assert!(!plain.contains(word), "{plain}");
            }
        }
    }

    #[test]
    fn json_errors_keep_their_position() {
        let err = serde_json::from_str::<Vec<u32>>("[1, -2]").unwrap_err();
        assert_eq!(
            json(&err),
            "line 1 column 6: found the number -2 where a whole number from 0 to 4294967295 is expected"
        );
    }
}
