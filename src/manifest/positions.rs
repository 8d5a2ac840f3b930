//! Source positions of a document's nodes, as a tree mirroring its JSON value.
//!
//! A tree in the value's own key order (not a map from pointer strings) keeps parsing cheap:
//! one small allocation per mapping or sequence, none per scalar. Lookups walk the pointer.

use super::Position;
use serde_json::Value;

/// How a scalar was written; decides how lines inside a string map to source lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// A mapping, a sequence, or a node copied from an alias.
    Other,
    /// Plain or quoted: its text may fold across source lines.
    Flow,
    /// `|` or `>`: one source line per line of text (exact for `|`).
    Block,
}

/// One node: where it is written, and its children in the value's order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PosNode {
    /// The node as a finding should point at it: the key of a mapping entry, the item of a
    /// sequence, the root node of a document.
    pub at: Position,
    /// Where the value itself starts; for a block scalar, where its text's line 0 is.
    pub value: Position,
    /// Last source line of the value.
    pub end_line: usize,
    pub style: Style,
    pub children: Vec<PosNode>,
}

impl PosNode {
    pub fn leaf(at: Position) -> Self {
        PosNode {
            at,
            value: at,
            end_line: at.line,
            style: Style::Other,
            children: Vec::new(),
        }
    }
}

/// Split an RFC 6901 pointer into unescaped segments. `""` is the root.
fn segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
}

/// The deepest node on `pointer`'s path, and whether it is the node itself.
pub(crate) fn find<'a>(root: &'a PosNode, value: &Value, pointer: &str) -> (&'a PosNode, bool) {
    let (mut node, mut value) = (root, value);
    for segment in segments(pointer) {
        let child = match value {
            Value::Object(map) => map
                .iter()
                .enumerate()
                .find(|(_, (key, _))| **key == segment)
                .and_then(|(i, (_, v))| Some((node.children.get(i)?, v))),
            Value::Array(items) => segment
                .parse::<usize>()
                .ok()
                .and_then(|i| Some((node.children.get(i)?, items.get(i)?))),
            _ => None,
        };
        match child {
            Some((n, v)) => (node, value) = (n, v),
            None => return (node, false),
        }
    }
    (node, true)
}

/// Position of line `n` (0-based) of the string `text` held by `node`.
pub(crate) fn line_in_text(node: &PosNode, text: &str, n: usize) -> Position {
    let indent_in_text = text.split('\n').nth(n).map_or(0, |line| {
        line.len() - line.trim_start_matches([' ', '\t']).len()
    });
    match node.style {
        Style::Block => Position {
            line: node.value.line + n,
            column: node.value.column + indent_in_text,
        },
        // Folded flow scalars: best effort, one text line per source line.
        Style::Flow if n > 0 && node.end_line > node.value.line => Position {
            line: (node.value.line + n).min(node.end_line),
            column: node.value.column,
        },
        _ => node.value,
    }
}
