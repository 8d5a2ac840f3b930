//! Build JSON values and their position trees from saphyr's span-marked event stream.
//!
//! An explicit stack instead of recursion, and hard caps on nesting depth and alias
//! expansion, so that hostile input ("billion laughs", 10,000 nested lists) costs bounded
//! time and memory and never overflows the stack.

use super::Position;
use super::block_style;
use super::outcome::{Outcome, insert_entry, scalar_position};
use super::positions::PosNode;
use super::scalar::resolve_plain;
use super::split::Part;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// Deeper than any Kubernetes object (CRD schemas included) and shallow enough that every
/// recursive consumer of the value (drop, serde, the emitter, schema validation) is safe.
pub(crate) const MAX_DEPTH: usize = 256;
/// Nodes that aliases may copy into one document; legitimate manifests use a handful.
pub(crate) const MAX_ALIAS_NODES: usize = 100_000;

/// Parse one part of the input into its documents: by the block-style reader when the part
/// is in the subset it reads, else by saphyr.
pub(crate) fn load(part: Part<'_>) -> Vec<Outcome> {
    match block_style::read(part) {
        Some(document) => vec![document],
        None => read(part),
    }
}

/// Read a part with saphyr: every YAML construct, every syntax error.
pub(crate) fn read(part: Part<'_>) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let mut builder = Builder::new(part);
    let mut skipping = false;
    for event in Parser::new_from_str(part.text) {
        let (event, span) = match event {
            Ok(ev) => ev,
            Err(e) => {
                outcomes.push(Outcome::Broken {
                    at: builder.position(*e.marker()),
                    message: e.info().to_owned(),
                });
                return outcomes;
            }
        };
        match event {
            Event::DocumentStart(_) => {
                builder = Builder::new(part);
                skipping = false;
            }
            Event::DocumentEnd => {
                if !skipping {
                    outcomes.push(builder.finish());
                }
                builder = Builder::new(part);
            }
            Event::StreamEnd => break,
            _ if skipping => {}
            event => {
                if let Err((at, message)) = builder.event(event, span) {
                    outcomes.push(Outcome::Broken { at, message });
                    skipping = true;
                }
            }
        }
    }
    outcomes
}

type Fatal = (Position, String);

struct Anchor {
    value: Value,
    nodes: usize,
    height: usize,
}

enum Collection {
    Map {
        map: Map<String, Value>,
        key: Option<Key>,
        /// Keys copied in by a `<<` merge: explicit keys override them silently.
        merged: Vec<String>,
    },
    Seq(Vec<Value>),
}

struct Key {
    text: String,
    at: Position,
    /// A plain `<<`: a YAML 1.1 merge key.
    merge: bool,
}

struct Frame {
    collection: Collection,
    children: Vec<PosNode>,
    start: Position,
    anchor: usize,
    nodes_at_start: usize,
    height: usize,
}

struct Builder<'a> {
    part: Part<'a>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    nodes: usize,
    alias_nodes: usize,
    root: Option<(Value, PosNode)>,
    problems: Vec<(Position, String)>,
}

/// A finished node on its way into its parent.
struct FinishedNode {
    value: Value,
    pos: PosNode,
    height: usize,
    /// The source text of a scalar, used when the node is a mapping key.
    raw: Option<String>,
    plain: bool,
}

impl<'a> Builder<'a> {
    fn new(part: Part<'a>) -> Self {
        Builder {
            part,
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            alias_nodes: 0,
            root: None,
            problems: Vec::new(),
        }
    }

    fn position(&self, marker: Marker) -> Position {
        Position {
            line: self.part.lines_before + marker.line(),
            column: marker.col() + 1,
        }
    }

    fn finish(&mut self) -> Outcome {
        let (value, positions) = self.root.take().unwrap_or_else(|| {
            let at = Position {
                line: self.part.lines_before + 1,
                column: 1,
            };
            (Value::Null, PosNode::leaf(at))
        });
        Outcome::Document {
            value,
            positions,
            problems: std::mem::take(&mut self.problems),
        }
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Fatal> {
        let at = self.position(span.start);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.nodes += 1;
                let plain = style == ScalarStyle::Plain;
                // The source text is kept only for a mapping key; a value's text moves
                // into its string (block scalars are most of a ConfigMap's bytes).
                let raw = self.awaits_key().then(|| text.to_string());
                let value = scalar_value(text, plain, tag.as_deref());
                let end_line = self.part.lines_before + span.end.line();
                let block_text = value
                    .as_str()
                    .filter(|_| matches!(style, ScalarStyle::Literal | ScalarStyle::Folded));
                let pos = scalar_position(at, end_line, block_text);
                if anchor != 0 {
                    let anchored = Anchor {
                        value: value.clone(),
                        nodes: 1,
                        height: 0,
                    };
                    self.anchors.insert(anchor, anchored);
                }
                self.complete(FinishedNode {
                    value,
                    pos,
                    height: 0,
                    raw,
                    plain,
                })
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err((at, format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                self.nodes += 1;
                let collection = match event {
                    Event::MappingStart(..) => Collection::Map {
                        map: Map::new(),
                        key: None,
                        merged: Vec::new(),
                    },
                    _ => Collection::Seq(Vec::new()),
                };
                self.stack.push(Frame {
                    collection,
                    children: Vec::new(),
                    start: at,
                    anchor,
                    nodes_at_start: self.nodes,
                    height: 0,
                });
                Ok(())
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let value = match frame.collection {
                    Collection::Map { map, .. } => Value::Object(map),
                    Collection::Seq(items) => Value::Array(items),
                };
                let height = frame.height + 1;
                if frame.anchor != 0 {
                    let nodes = self.nodes - frame.nodes_at_start + 1;
                    let anchored = Anchor {
                        value: value.clone(),
                        nodes,
                        height,
                    };
                    self.anchors.insert(frame.anchor, anchored);
                }
                let mut pos = PosNode::leaf(frame.start);
                pos.children = frame.children;
                self.complete(FinishedNode {
                    value,
                    pos,
                    height,
                    raw: None,
                    plain: false,
                })
            }
            Event::Alias(id) => {
                let Some(anchor) = self.anchors.get(&id) else {
                    return Err((at, "alias to an unknown anchor".to_owned()));
                };
                if self.stack.len() + anchor.height > MAX_DEPTH {
                    return Err((at, format!("alias nests deeper than {MAX_DEPTH} levels")));
                }
                self.alias_nodes += anchor.nodes;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err((
                        at,
                        format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes \
                             (an alias bomb?); refusing to expand"
                        ),
                    ));
                }
                let (value, height) = (anchor.value.clone(), anchor.height);
                self.nodes += anchor.nodes;
                let raw = value
                    .as_str()
                    .filter(|_| self.awaits_key())
                    .map(str::to_owned);
                let pos = PosNode::leaf(at);
                self.complete(FinishedNode {
                    value,
                    pos,
                    height,
                    raw,
                    plain: false,
                })
            }
            _ => Ok(()),
        }
    }

    /// The next node completed is a mapping key.
    fn awaits_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                collection: Collection::Map { key: None, .. },
                ..
            })
        )
    }

    fn complete(&mut self, node: FinishedNode) -> Result<(), Fatal> {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some((node.value, node.pos));
            return Ok(());
        };
        frame.height = frame.height.max(node.height);
        match &mut frame.collection {
            Collection::Seq(items) => {
                items.push(node.value);
                frame.children.push(node.pos);
            }
            Collection::Map {
                key: key @ None, ..
            } => {
                let text = match node.raw {
                    Some(raw) => raw,
                    // A mapping or sequence as a key: Kubernetes cannot use it, keep its text.
                    None => node.value.to_string(),
                };
                let merge = node.plain && text == "<<";
                *key = Some(Key {
                    text,
                    at: node.pos.at,
                    merge,
                });
            }
            Collection::Map {
                map,
                key: key @ Some(_),
                merged,
            } => {
                let Some(key) = key.take() else {
                    return Ok(());
                };
                let mut pos = node.pos;
                pos.at = key.at;
                if key.merge && merge_into(map, &mut frame.children, merged, &node.value, key.at) {
                    return Ok(());
                }
                if let Some(problem) =
                    insert_entry(map, &mut frame.children, merged, key.text, node.value, pos)
                {
                    self.problems.push(problem);
                }
            }
        }
        Ok(())
    }
}

/// Apply a `<<` merge of a mapping (or a list of mappings); false if `value` is neither.
fn merge_into(
    map: &mut Map<String, Value>,
    children: &mut Vec<PosNode>,
    merged: &mut Vec<String>,
    value: &Value,
    at: Position,
) -> bool {
    let sources: Vec<&Map<String, Value>> = match value {
        Value::Object(source) => vec![source],
        Value::Array(items) if items.iter().all(Value::is_object) => {
            items.iter().filter_map(Value::as_object).collect()
        }
        _ => return false,
    };
    for source in sources {
        for (k, v) in source {
            if !map.contains_key(k) {
                map.insert(k.clone(), v.clone());
                children.push(PosNode::leaf(at));
                merged.push(k.clone());
            }
        }
    }
    true
}

/// A scalar's value: quoted and block scalars are strings, plain ones are typed as
/// Kubernetes types them; a core-schema tag (`!!str`, `!!int`…) decides explicitly.
fn scalar_value(text: Cow<'_, str>, plain: bool, tag: Option<&Tag>) -> Value {
    match tag
        .filter(|t| t.is_yaml_core_schema())
        .map(|t| t.suffix.as_str())
    {
        Some("str" | "binary") => Value::String(text.into_owned()),
        Some("int" | "float" | "bool" | "null") => resolve_plain(&text),
        _ if plain => resolve_plain(&text),
        _ => Value::String(text.into_owned()),
    }
}
