//! Manifests: YAML/JSON documents with source positions, read from any input.
//!
//! `parse` never panics and never fails as a whole: every part that cannot be read becomes a
//! `yaml-syntax` finding and the rest of the input is still read. Plain scalars are typed
//! as Kubernetes (go-yaml, YAML 1.1) types them, so `enabled: yes` is the boolean `true`.

mod block_style;
#[cfg(test)]
mod block_style_equivalence;
mod emit;
mod literal;
mod load;
mod outcome;
mod pointer;
mod positions;
mod quoted;
mod scalar;
mod split;

pub use emit::{to_json, to_yaml};
pub use pointer::JsonPointer;

use crate::finding::{Finding, Severity};
use outcome::Outcome;
use positions::PosNode;
use serde_json::Value;

/// Rule id of every finding about input that cannot be read.
pub const YAML_SYNTAX: &str = "yaml-syntax";

/// A document larger than this is not parsed: Kubernetes itself refuses objects over
/// 1.5 MiB (etcd's request limit), and the parser would spend seconds on it.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// A 1-based source position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One parsed Kubernetes object (a document, or an item of a `List`).
#[derive(Clone, Debug)]
pub struct Document {
    /// Display path of the file it came from (`-` for stdin).
    pub file: String,
    /// Index of the object in its file (0-based; the items of a `List` count one by one).
    pub index: usize,
    /// The object as JSON data.
    pub value: serde_json::Value,
    /// Where each node of `value` is written; `None` for documents built in code.
    positions: Option<PosNode>,
}

impl Document {
    /// A document made in code (no source positions).
    pub fn from_value(file: impl Into<String>, index: usize, value: serde_json::Value) -> Self {
        Document {
            file: file.into(),
            index,
            value,
            positions: None,
        }
    }

    /// Position of the node at `pointer` (RFC 6901), falling back to its nearest ancestor.
    /// For a mapping entry that is the position of its key.
    pub fn position(&self, pointer: &str) -> Option<Position> {
        let root = self.positions.as_ref()?;
        Some(positions::find(root, &self.value, pointer).0.at)
    }

    /// Position of line `line_in_text` (0-based) inside the string scalar at `pointer`
    /// (e.g. a directive inside `sentinel.conf` in a ConfigMap block scalar). Exact for `|`
    /// blocks, best effort for folded and multi-line flow scalars; the node's own position
    /// when `pointer` is not a string.
    pub fn position_in_text(&self, pointer: &str, line_in_text: usize) -> Option<Position> {
        let root = self.positions.as_ref()?;
        let (node, exact) = positions::find(root, &self.value, pointer);
        match self.value.at(pointer).and_then(Value::as_str) {
            Some(text) if exact => Some(positions::line_in_text(node, text, line_in_text)),
            _ => Some(node.at),
        }
    }

    pub fn kind(&self) -> &str {
        self.value
            .at("/kind")
            .and_then(|v| v.as_str())
            .unwrap_or("")
    }

    /// `apiVersion`, `group/version` or `version` (the core group); empty if absent.
    pub fn api_version(&self) -> &str {
        self.value
            .at("/apiVersion")
            .and_then(|v| v.as_str())
            .unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.value
            .at("/metadata/name")
            .and_then(|v| v.as_str())
            .unwrap_or("")
    }

    pub fn namespace(&self) -> Option<&str> {
        self.value
            .at("/metadata/namespace")
            .and_then(|v| v.as_str())
    }

    /// `Kind/namespace/name` (or `Kind/name` without a namespace).
    pub fn object_id(&self) -> String {
        match self.namespace() {
            Some(ns) => format!("{}/{}/{}", self.kind(), ns, self.name()),
            None => format!("{}/{}", self.kind(), self.name()),
        }
    }
}

/// The documents of one input, and a `yaml-syntax` finding for each part that did not parse.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub documents: Vec<Document>,
    pub findings: Vec<Finding>,
}

impl Parsed {
    fn syntax(&mut self, file: &str, at: Position, message: String, object: Option<String>) {
        let mut finding = Finding::new(YAML_SYNTAX, Severity::Error, message);
        finding.file = Some(file.to_owned());
        finding.line = Some(at.line);
        finding.column = Some(at.column);
        finding.object = object;
        self.findings.push(finding);
    }

    /// Add one parsed root: skip empty documents, unwrap `List`s, refuse non-objects.
    fn add_root(&mut self, file: &str, value: Value, positions: PosNode) {
        let list_items = value
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && value.get("items").is_some_and(Value::is_array);
        match value {
            Value::Null => {}
            Value::Object(mut map) if list_items => {
                let mut positions = positions;
                let items_at = map.keys().position(|k| k == "items");
                let item_positions = items_at
                    .and_then(|i| positions.children.get_mut(i))
                    .map(|items| std::mem::take(&mut items.children))
                    .unwrap_or_default();
                let Some(Value::Array(items)) = map.remove("items") else {
                    return;
                };
                let mut item_positions = item_positions.into_iter();
                for item in items {
                    let pos = item_positions
                        .next()
                        .unwrap_or_else(|| PosNode::leaf(positions.at));
                    self.add_root(file, item, pos);
                }
            }
            Value::Object(_) => {
                let index = self.documents.len();
                self.documents.push(Document {
                    file: file.to_owned(),
                    index,
                    value,
                    positions: Some(positions),
                });
            }
            other => {
                let what = match other {
                    Value::Array(_) => "a sequence",
                    Value::String(_) => "a string",
                    _ => "a scalar",
                };
                let message = format!(
                    "the document is {what}, not a Kubernetes object (a mapping with apiVersion and kind)"
                );
                self.syntax(file, positions.at, message, None);
            }
        }
    }
}

/// Parse a multi-document YAML (or JSON) text. Never panics; bad parts become findings.
pub fn parse(file: &str, text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = split::lines(text);
    for part in split::parts(text, &lines) {
        if part.text.len() > MAX_DOCUMENT_BYTES {
            let at = Position {
                line: part.lines_before + 1,
                column: 1,
            };
            let message = format!(
                "document of {} MiB not read: larger than the {} MiB limit (Kubernetes accepts objects up to 1.5 MiB)",
                part.text.len() / (1024 * 1024),
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            );
            parsed.syntax(file, at, message, None);
            continue;
        }
        for outcome in load::load(part) {
            match outcome {
                Outcome::Broken { at, message } => parsed.syntax(file, at, message, None),
                Outcome::Document {
                    value,
                    positions,
                    problems,
                } => {
                    let first = parsed.documents.len();
                    parsed.add_root(file, value, positions);
                    let object = match problems.is_empty() {
                        true => None,
                        false => parsed.documents.get(first).map(Document::object_id),
                    };
                    for (at, message) in problems {
                        parsed.syntax(file, at, message, object.clone());
                    }
                }
            }
        }
    }
    parsed
}

/// Parse raw bytes (a file or stdin): text that is not UTF-8 is one `yaml-syntax` finding
/// at the first invalid byte.
pub fn parse_bytes(file: &str, bytes: &[u8]) -> Parsed {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(file, text),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let at = Position {
                line: valid.iter().filter(|&&b| b == b'\n').count() + 1,
                column: String::from_utf8_lossy(&valid[line_start..])
                    .chars()
                    .count()
                    + 1,
            };
            let byte = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
            let message = format!(
                "not UTF-8 text (byte 0x{byte:02X}); manifests must be UTF-8 YAML or JSON — is this a binary file?"
            );
            let mut parsed = Parsed::default();
            parsed.syntax(file, at, message, None);
            parsed
        }
    }
}
