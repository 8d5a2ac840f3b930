//! What a reader makes of one part of the input, and the two steps both readers (saphyr's
//! events in `load.rs`, the block-style subset in `block_style.rs`) build it with, so they
//! cannot disagree on a duplicate key or on where a scalar is.

use super::Position;
use super::positions::{PosNode, Style};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// What a part of the input yields, in source order.
#[derive(Debug, PartialEq)]
pub(crate) enum Outcome {
    Document {
        value: Value,
        positions: PosNode,
        /// Problems that do not stop the document from being used (duplicate keys).
        problems: Vec<(Position, String)>,
    },
    /// The document (or the rest of the part) could not be read.
    Broken { at: Position, message: String },
}

/// A scalar's positions. For a block scalar (`block_text`) saphyr's span starts on the first
/// line that is not blank, at the content's indentation; the text's line 0 is that many
/// lines earlier.
pub(crate) fn scalar_position(at: Position, end_line: usize, block_text: Option<&str>) -> PosNode {
    let mut pos = PosNode::leaf(at);
    pos.end_line = end_line;
    pos.style = Style::Flow;
    if let Some(text) = block_text {
        let blank_lines_before = text.bytes().take_while(|&b| b == b'\n').count();
        pos.style = Style::Block;
        pos.value.line = at.line.saturating_sub(blank_lines_before);
    }
    pos
}

/// Insert an entry whose `pos.at` is its key's position, replacing a merged one silently;
/// a problem for a duplicate explicit key.
pub(crate) fn insert_entry(
    map: &mut Map<String, Value>,
    children: &mut Vec<PosNode>,
    merged: &mut Vec<String>,
    key: String,
    value: Value,
    pos: PosNode,
) -> Option<(Position, String)> {
    let key_at = pos.at;
    // One hash of the key for the common case, a new key.
    let key = match map.entry(key) {
        Entry::Vacant(slot) => {
            slot.insert(value);
            children.push(pos);
            return None;
        }
        Entry::Occupied(slot) => slot.key().clone(),
    };
    let index = map.keys().position(|k| *k == key)?;
    let was_merged = merged
        .iter()
        .position(|k| *k == key)
        .map(|i| merged.swap_remove(i));
    let first = children.get(index).map(|c| c.at);
    map.insert(key.clone(), value);
    if let Some(slot) = children.get_mut(index) {
        *slot = pos;
    }
    match (was_merged, first) {
        (None, Some(first)) => Some((
            key_at,
            format!(
                "duplicate key `{key}` (first at line {}); YAML readers disagree on which value wins",
                first.line
            ),
        )),
        _ => None,
    }
}
