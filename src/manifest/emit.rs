//! Write documents back out: multi-document YAML that every YAML reader types the same way,
//! and JSON.
//!
//! A small emitter over `serde_json::Value` rather than a serde YAML serializer: quoting
//! (YAML 1.1 booleans, octal-looking strings) and block scalars for scripts must be exactly
//! under our control, and key order must be the document's own.

use super::Document;
use super::scalar::retyped_by_some_reader;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;

/// Readers may refuse implicit keys longer than this (YAML spec: 1024 characters).
const MAX_KEY_CHARS: usize = 1000;

/// Emit documents as multi-document YAML (`---` before each), deterministic: the same
/// documents always give the same bytes. Strings a YAML 1.1 reader would retype (`yes`,
/// `on`, `0755`, `1.10`…) are quoted; multi-line strings become literal block scalars.
pub fn to_yaml(documents: &[Document]) -> anyhow::Result<String> {
    let mut out = String::new();
    for document in documents {
        out.push_str("---\n");
        write_root(&mut out, &document.value)?;
    }
    Ok(out)
}

/// Emit documents as one JSON `v1` `List` (pretty, newline-terminated): the form
/// `kubectl apply -f` accepts for many objects in one JSON text, also for a single one.
pub fn to_json(documents: &[Document]) -> anyhow::Result<String> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct List<'a> {
        api_version: &'static str,
        kind: &'static str,
        items: Vec<&'a Value>,
    }
    let list = List {
        api_version: "v1",
        kind: "List",
        items: documents.iter().map(|d| &d.value).collect(),
    };
    let mut text = serde_json::to_string_pretty(&list)?;
    text.push('\n');
    Ok(text)
}

fn write_root(out: &mut String, value: &Value) -> anyhow::Result<()> {
    if is_nonempty_collection(value) {
        write_block(out, value, 0, false)
    } else {
        write_scalar(out, value, 2)
    }
}

fn is_nonempty_collection(value: &Value) -> bool {
    match value {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    }
}

/// A non-empty mapping or sequence at `indent`; with `inline_first` its first line follows
/// a `- ` already written.
fn write_block(
    out: &mut String,
    value: &Value,
    indent: usize,
    inline_first: bool,
) -> anyhow::Result<()> {
    let mut first = true;
    let mut pad = |out: &mut String| {
        if !(first && inline_first) {
            out.extend(std::iter::repeat_n(' ', indent));
        }
        first = false;
    };
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                pad(out);
                write_key(out, key)?;
                out.push(':');
                if is_nonempty_collection(item) {
                    out.push('\n');
                    write_block(out, item, indent + 2, false)?;
                } else {
                    out.push(' ');
                    write_scalar(out, item, indent + 2)?;
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                pad(out);
                out.push_str("- ");
                if is_nonempty_collection(item) {
                    write_block(out, item, indent + 2, true)?;
                } else {
                    write_scalar(out, item, indent + 2)?;
                }
            }
        }
        scalar => write_scalar(out, scalar, indent)?,
    }
    Ok(())
}

fn write_key(out: &mut String, key: &str) -> anyhow::Result<()> {
    if key.chars().count() > MAX_KEY_CHARS {
        anyhow::bail!(
            "a mapping key of {} characters cannot be written as YAML (limit {MAX_KEY_CHARS}): `{}…`",
            key.chars().count(),
            key.chars().take(40).collect::<String>()
        );
    }
    if plain_safe(key) {
        out.push_str(key);
    } else {
        write_double_quoted(out, key);
    }
    Ok(())
}

/// A scalar (or empty collection) and its line end; block scalar content goes at `indent`.
fn write_scalar(out: &mut String, value: &Value, indent: usize) -> anyhow::Result<()> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write!(out, "{n}")?,
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::String(s) if plain_safe(s) => out.push_str(s),
        Value::String(s) if literal_safe(s) => {
            write_literal(out, s, indent);
            return Ok(());
        }
        Value::String(s) => write_double_quoted(out, s),
    }
    out.push('\n');
    Ok(())
}

/// `|` block: scripts and config files stay readable, line for line.
fn write_literal(out: &mut String, text: &str, indent: usize) {
    let body = text.strip_suffix('\n');
    let chomp = match body {
        None => "-",
        Some(rest) if rest.ends_with('\n') => "+",
        Some(_) => "",
    };
    out.push('|');
    out.push_str(chomp);
    out.push('\n');
    for line in body.unwrap_or(text).split('\n') {
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// Multi-line text a literal block reproduces exactly: printable, no carriage returns, and
/// a first content line that does not start with a space (its indentation would be lost).
fn literal_safe(text: &str) -> bool {
    text.contains('\n')
        && text.chars().all(|c| c == '\n' || c == '\t' || printable(c))
        && text
            .split('\n')
            .find(|l| !l.is_empty())
            .is_some_and(|l| !l.starts_with(' ') && !l.trim().is_empty())
}

/// A string that can be written without quotes and read back as the same string.
fn plain_safe(text: &str) -> bool {
    const LEADING_INDICATORS: &str = "-?:,[]{}#&*!|>'\"%@` ";
    !text.is_empty()
        && !text.starts_with(|c| LEADING_INDICATORS.contains(c))
        // At column 0 these are document markers.
        && !text.starts_with("...")
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
        && text.chars().all(printable)
        && !retyped_by_some_reader(text)
}

/// YAML's printable characters, minus tabs and the line breaks YAML 1.1 knows
/// (U+0085, U+2028, U+2029) and the byte-order mark.
fn printable(c: char) -> bool {
    !c.is_control()
        && !matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

fn write_double_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if printable(c) => out.push(c),
            c if u32::from(c) < 0x100 => {
                let _ = write!(out, "\\x{:02X}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
        }
    }
    out.push('"');
}
