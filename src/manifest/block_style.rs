//! A reader for the block style Kubernetes manifests are written in, a line at a time.
//!
//! saphyr-parser runs every character through a general YAML 1.2 state machine and hands
//! events to the builder in `load`; for `lint` that was most of the time spent. Our emitter,
//! `helm template` and `kubectl get -o yaml` write a small subset of YAML: block mappings and
//! sequences, single-line plain and quoted scalars, literal blocks, comments, `[]` and `{}`.
//! This reader handles exactly that subset and builds the same `Outcome` the saphyr path
//! builds — values, positions (lines 1-based, columns counted in characters, as saphyr's
//! markers are), duplicate-key problems — straight from the lines.
//!
//! On anything else — anchors, aliases, tags, other flow collections, multi-line plain or
//! quoted scalars, folded blocks, tabs, directives, a second document, `\r`, deep nesting,
//! any syntax error — it gives `None` and the part is read by saphyr unchanged, so unusual
//! and broken input keeps the values, messages and positions it always had. That exactness
//! is tested against saphyr (`block_style_equivalence`), not assumed.

use super::Position;
use super::literal::{self, Chomping, indentation};
use super::outcome::{Outcome, insert_entry, scalar_position};
use super::positions::PosNode;
use super::quoted;
use super::scalar::resolve_plain;
use super::split::Part;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Nesting followed before a part is left to saphyr: far deeper than any Kubernetes object,
/// far below saphyr's `MAX_DEPTH`, and a bound on this reader's recursion.
const MAX_NESTING: usize = 64;

/// saphyr reads an implicit key only within 1,024 characters of its `:`; bytes bound those.
const MAX_KEY_BYTES: usize = 1000;

/// Read a part holding one block-style document; `None` when the part has anything this
/// reader does not read exactly as saphyr does.
pub(crate) fn read(part: Part<'_>) -> Option<Outcome> {
    let (ascii, tabs) = match characters(part.text)? {
        Characters::Ascii { tabs } => (true, tabs),
        // Tabs not looked for: every line is checked for one.
        Characters::Unicode => (false, true),
    };
    if !part.text.ends_with('\n') {
        return None;
    }
    let mut reader = Reader {
        lines: part.lines,
        lines_before: part.lines_before,
        ascii,
        tabs,
        next: 0,
        peeked: None,
        entries: Vec::new(),
        items: Vec::new(),
        completed: 0,
        problems: Vec::new(),
    };
    reader.document()
}

enum Characters {
    Ascii { tabs: bool },
    Unicode,
}

/// Whether the text has only characters both readers treat alike: no `\r`, no control
/// characters, no byte order mark, none of YAML 1.1's extra line breaks (`\u{85}`,
/// `\u{2028}`, `\u{2029}`). Most manifests are ASCII: that is checked in blocks of 64 bytes
/// without a branch per byte, a small part of the reading's cost.
fn characters(text: &str) -> Option<Characters> {
    let (mut ascii, mut tabs) = (true, false);
    for block in text.as_bytes().chunks(64) {
        let (printable, tab) = block.iter().fold((true, false), |(ok, tab), &b| {
            (
                ok & ((b' '..=b'~').contains(&b) | (b == b'\n') | (b == b'\t')),
                tab | (b == b'\t'),
            )
        });
        tabs |= tab;
        ascii &= printable;
        if !ascii {
            break;
        }
    }
    if ascii {
        return Some(Characters::Ascii { tabs });
    }
    text.chars()
        .all(|c| match c {
            ' '..='~' | '\n' | '\t' => true,
            '\u{2028}' | '\u{2029}' | '\u{feff}' => false,
            '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'.. => true,
            _ => false,
        })
        .then_some(Characters::Unicode)
}

/// A node read, with its positions.
type PositionedValue = (Value, PosNode);

struct Reader<'a> {
    lines: &'a [&'a str],
    lines_before: usize,
    /// Whether the text is all ASCII: then a column is a byte offset.
    ascii: bool,
    /// Whether the text has a tab anywhere (mostly not: then no line needs looking at for one).
    tabs: bool,
    /// The first line not read yet.
    next: usize,
    /// The last line `peek` found, and its indentation.
    peeked: Option<(usize, usize)>,
    /// The entries of the mappings being read, innermost last, each with its number in the
    /// order entries were completed: a mapping is built at its end, at its exact size (a
    /// growing map rehashes), and duplicate-key problems are put back in the order saphyr's
    /// builder finds them (as each entry completes).
    entries: Vec<(Cow<'a, str>, PositionedValue, usize)>,
    /// The items of the sequences being read, innermost last.
    items: Vec<PositionedValue>,
    completed: usize,
    problems: Vec<(usize, Position, String)>,
}

impl<'a> Reader<'a> {
    fn document(&mut self) -> Option<Outcome> {
        // Leading comments and blank lines, and at most one `---` before the content.
        let mut marker = false;
        while let Some(line) = self.lines.get(self.next) {
            let content = line.trim_start_matches(' ');
            if content.is_empty() || content.starts_with('#') {
                self.next += 1;
            } else if let Some(rest) = line.strip_prefix("---")
                && !marker
                && ends_line(rest)
            {
                marker = true;
                self.next += 1;
            } else {
                break;
            }
        }
        let indent = self.peek()??;
        let (value, positions) = self.collection(self.next, indent, 0)?;
        if self.peek()?.is_some() {
            return None;
        }
        self.problems.sort_by_key(|(order, ..)| *order);
        let problems = self
            .problems
            .drain(..)
            .map(|(_, at, message)| (at, message));
        Some(Outcome::Document {
            value,
            positions,
            problems: problems.collect(),
        })
    }

    /// Skip blank and comment lines: the indentation of the next line with content, or
    /// `Some(None)` at the end. `None` for a line this reader leaves to saphyr (a tab, a
    /// document marker).
    fn peek(&mut self) -> Option<Option<usize>> {
        if let Some((line, indent)) = self.peeked
            && line == self.next
        {
            return Some(Some(indent));
        }
        while let Some(line) = self.lines.get(self.next) {
            let indent = indentation(line);
            if matches!(line.as_bytes().get(indent), None | Some(b'#')) {
                self.next += 1;
                continue;
            }
            if self.tabs && line.contains('\t')
                || line.starts_with("---")
                || line.starts_with("...")
            {
                return None;
            }
            self.peeked = Some((self.next, indent));
            return Some(Some(indent));
        }
        Some(None)
    }

    /// Where byte `col` of line `line` (0-based, within the part) is, as saphyr counts.
    fn position(&self, line: usize, col: usize) -> Position {
        let chars = if self.ascii {
            col
        } else {
            self.lines[line][..col].chars().count()
        };
        Position {
            line: self.lines_before + line + 1,
            column: chars + 1,
        }
    }

    /// The block mapping or sequence whose first entry starts at `col` of `line`.
    fn collection(&mut self, line: usize, col: usize, depth: usize) -> Option<PositionedValue> {
        if depth >= MAX_NESTING {
            return None;
        }
        if is_entry(&self.lines[line][col..]) {
            self.sequence(line, col, depth, false)
        } else {
            self.mapping(line, col, depth, None)
        }
    }

    /// The block mapping whose first key is at `col` of `line` (`first`: that key, already
    /// read, and the offset of its `:`).
    fn mapping(
        &mut self,
        mut line: usize,
        col: usize,
        depth: usize,
        mut first: Option<(Cow<'a, str>, usize)>,
    ) -> Option<PositionedValue> {
        let start = self.position(line, col);
        let base = self.entries.len();
        loop {
            let text: &'a str = self.lines[line];
            let (key, colon) = match first.take() {
                Some(read) => read,
                None => key(&text[col..])?,
            };
            let at = self.position(line, col);
            let (value, mut pos) = self.value(line, col + colon + 1, col, depth)?;
            pos.at = at;
            self.complete_entry(key, (value, pos));
            match self.peek()? {
                Some(indent) if indent == col => line = self.next,
                Some(indent) if indent > col => return None,
                _ => break,
            }
        }
        Some(self.build_mapping(base, start))
    }

    fn complete_entry(&mut self, key: Cow<'a, str>, node: PositionedValue) {
        self.entries.push((key, node, self.completed));
        self.completed += 1;
    }

    /// The mapping of the entries from `base` on, which starts at `start`.
    fn build_mapping(&mut self, base: usize, start: Position) -> PositionedValue {
        let size = self.entries.len() - base;
        let mut map = Map::with_capacity(size);
        let mut children = Vec::with_capacity(size);
        for (key, (value, pos), order) in self.entries.drain(base..) {
            let key = key.into_owned();
            let merged = &mut Vec::new();
            if let Some((at, message)) =
                insert_entry(&mut map, &mut children, merged, key, value, pos)
            {
                self.problems.push((order, at, message));
            }
        }
        let mut pos = PosNode::leaf(start);
        pos.children = children;
        (Value::Object(map), pos)
    }

    /// The sequence of the items from `base` on, which starts at `start`.
    fn build_sequence(&mut self, base: usize, start: Position) -> PositionedValue {
        let size = self.items.len() - base;
        let mut items = Vec::with_capacity(size);
        let mut children = Vec::with_capacity(size);
        for (value, pos) in self.items.drain(base..) {
            items.push(value);
            children.push(pos);
        }
        let mut pos = PosNode::leaf(start);
        pos.children = children;
        (Value::Array(items), pos)
    }

    /// The value of the mapping entry whose `:` ends before byte `from` of `line`, in a
    /// mapping indented `indent`.
    fn value(
        &mut self,
        line: usize,
        from: usize,
        indent: usize,
        depth: usize,
    ) -> Option<PositionedValue> {
        let rest = &self.lines[line][from..];
        let content = rest.trim_start_matches(' ');
        if !content.is_empty() && !content.starts_with('#') {
            return self.inline(line, from + rest.len() - content.len(), indent, depth);
        }
        self.next = line + 1;
        match self.peek()? {
            Some(next) if next > indent => self.collection(self.next, next, depth + 1),
            // A sequence may sit at its key's indentation.
            Some(next) if next == indent && is_entry(&self.lines[self.next][next..]) => {
                if depth + 1 >= MAX_NESTING {
                    return None;
                }
                self.sequence(self.next, next, depth + 1, true)
            }
            // Nothing: null, where saphyr puts an empty scalar, at the `:`.
            _ => Some(self.scalar(Value::Null, line, from - 1)),
        }
    }

    /// A block sequence whose first `-` is at `col` of `line`; `indentless` when it sits at
    /// its key's indentation (saphyr then starts it at its first item, not at the `-`).
    fn sequence(
        &mut self,
        mut line: usize,
        col: usize,
        depth: usize,
        indentless: bool,
    ) -> Option<PositionedValue> {
        let base = self.items.len();
        let mut start = None;
        loop {
            let after_dash = &self.lines[line][col + 1..];
            let content = after_dash.trim_start_matches(' ');
            if content.is_empty() || content.starts_with('#') {
                return None;
            }
            let item_col = col + 1 + after_dash.len() - content.len();
            if start.is_none() {
                start = Some(self.position(line, if indentless { item_col } else { col }));
            }
            let item = self.item(line, item_col, col, depth)?;
            self.items.push(item);
            match self.peek()? {
                Some(indent) if indent == col && is_entry(&self.lines[self.next][col..]) => {
                    line = self.next;
                }
                Some(indent) if indent > col => return None,
                _ => break,
            }
        }
        Some(self.build_sequence(base, start?))
    }

    /// The item of a sequence whose `-` is at `dash`, starting at `col` of `line`: a
    /// sequence or mapping begun on the `-` line, or a scalar.
    fn item(
        &mut self,
        line: usize,
        col: usize,
        dash: usize,
        depth: usize,
    ) -> Option<PositionedValue> {
        let text: &'a str = &self.lines[line][col..];
        if is_entry(text) {
            self.collection(line, col, depth + 1)
        } else if let Some(key) = key(text) {
            if depth + 1 >= MAX_NESTING {
                return None;
            }
            self.mapping(line, col, depth + 1, Some(key))
        } else {
            self.inline(line, col, dash, depth)
        }
    }

    /// The scalar or flow collection starting at `col` of `line`, the last node on its line;
    /// `parent` is the indentation of the collection holding it.
    fn inline(
        &mut self,
        line: usize,
        col: usize,
        parent: usize,
        depth: usize,
    ) -> Option<PositionedValue> {
        let text = &self.lines[line][col..];
        self.next = line + 1;
        let (value, len) = match text.as_bytes().first()? {
            b'|' => return self.literal(line, col, parent),
            b'\'' | b'"' => {
                let (value, len) = quoted::read(text)?;
                (Value::String(value), len)
            }
            b'[' | b'{' => {
                let (node, end) = self.flow(line, col, depth)?;
                return ends_line(&self.lines[line][end..]).then_some(node);
            }
            _ => {
                let len = plain_len(text)?;
                (resolve_plain(&text[..len]), len)
            }
        };
        if !ends_line(&text[len..]) {
            return None;
        }
        Some(self.scalar(value, line, col))
    }

    /// The flow sequence or mapping whose `[` or `{` is at `col` of `line`, if it closes on
    /// that line and holds only scalars and such collections: it, and the byte past its end.
    fn flow(&mut self, line: usize, col: usize, depth: usize) -> Option<(PositionedValue, usize)> {
        if depth >= MAX_NESTING {
            return None;
        }
        let text: &'a str = self.lines[line];
        let bytes = text.as_bytes();
        let sequence = bytes[col] == b'[';
        let close = if sequence { b']' } else { b'}' };
        let base = if sequence {
            self.items.len()
        } else {
            self.entries.len()
        };
        let mut i = skip_spaces(bytes, col + 1);
        if bytes.get(i) != Some(&close) {
            loop {
                if sequence {
                    let (item, end) = self.flow_node(line, i, depth)?;
                    self.items.push(item);
                    i = end;
                } else {
                    let (key, after_colon) = flow_key(text, i)?;
                    let at = self.position(line, i);
                    let start = skip_spaces(bytes, after_colon);
                    let ((value, mut pos), end) = self.flow_node(line, start, depth)?;
                    pos.at = at;
                    self.complete_entry(key, (value, pos));
                    i = end;
                }
                i = skip_spaces(bytes, i);
                match bytes.get(i)? {
                    b',' => {
                        i = skip_spaces(bytes, i + 1);
                        // A trailing comma: left to saphyr.
                        if matches!(bytes.get(i)?, b',' | b']' | b'}') {
                            return None;
                        }
                    }
                    &b if b == close => break,
                    _ => return None,
                }
            }
        }
        let start = self.position(line, col);
        let node = if sequence {
            self.build_sequence(base, start)
        } else {
            self.build_mapping(base, start)
        };
        Some((node, i + 1))
    }

    /// The node at byte `i` of `line` inside a flow collection, and the byte past it.
    fn flow_node(
        &mut self,
        line: usize,
        i: usize,
        depth: usize,
    ) -> Option<(PositionedValue, usize)> {
        let text = &self.lines[line][i..];
        let (value, len) = match text.as_bytes().first()? {
            b'[' | b'{' => return self.flow(line, i, depth + 1),
            b'\'' | b'"' => {
                let (value, len) = quoted::read(text)?;
                (Value::String(value), len)
            }
            _ => {
                let len = flow_plain_len(text)?;
                (resolve_plain(&text[..len]), len)
            }
        };
        Some((self.scalar(value, line, i), i + len))
    }

    /// A single-line scalar at `col` of `line`.
    fn scalar(&self, value: Value, line: usize, col: usize) -> PositionedValue {
        let at = self.position(line, col);
        (value, scalar_position(at, at.line, None))
    }

    /// The literal block whose `|` is at `col` of `line`.
    fn literal(&mut self, line: usize, col: usize, parent: usize) -> Option<PositionedValue> {
        let chomping = Chomping::of_header(&self.lines[line][col..])?;
        let block = literal::read(self.lines, line, parent, chomping)?;
        self.next = block.next;
        let at = self.position(block.start_line, block.start_col);
        let end_line = self.lines_before + block.next + 1;
        let pos = scalar_position(at, end_line, Some(&block.text));
        Some((Value::String(block.text), pos))
    }
}

/// A sequence entry: `-` followed by a space or the end of the line.
fn is_entry(text: &str) -> bool {
    text.strip_prefix('-')
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

/// Nothing but spaces and perhaps a comment (after at least one space) up to the line's end.
fn ends_line(rest: &str) -> bool {
    let content = rest.trim_start_matches(' ');
    content.is_empty() || content.starts_with('#') && content.len() < rest.len()
}

/// Whether a plain scalar may start with these bytes: not with an indicator, nor with `-`,
/// `?` or `:` followed by a space.
fn starts_plain(bytes: &[u8]) -> bool {
    match bytes.first() {
        None => false,
        Some(b'-' | b'?' | b':') => bytes.get(1).is_some_and(|&b| b != b' '),
        Some(
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`',
        ) => false,
        Some(_) => true,
    }
}

/// Whether `bytes[i]` is a `:` that ends an implicit key (followed by a space or the end).
fn is_key_colon(bytes: &[u8], i: usize) -> bool {
    bytes[i] == b':' && bytes.get(i + 1).is_none_or(|&b| b == b' ')
}

/// Whether `bytes[i]` is a `#` that starts a comment (after a space).
fn is_comment(bytes: &[u8], i: usize) -> bool {
    bytes[i] == b'#' && i > 0 && bytes[i - 1] == b' '
}

/// Length of the single-line plain scalar starting `text`, without trailing spaces and a
/// comment; `None` for an indicator, or a `: ` (a mapping where a scalar must be).
fn plain_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if !starts_plain(bytes) {
        return None;
    }
    let mut end = bytes.len();
    for i in 0..bytes.len() {
        if is_key_colon(bytes, i) {
            return None;
        }
        if is_comment(bytes, i) {
            end = i;
            break;
        }
    }
    Some(text[..end].trim_end_matches(' ').len())
}

fn skip_spaces(bytes: &[u8], from: usize) -> usize {
    from + bytes[from.min(bytes.len())..]
        .iter()
        .take_while(|&&b| b == b' ')
        .count()
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

/// Length of the plain scalar starting `text` inside a flow collection, without trailing
/// spaces: it ends at a flow indicator, a `: ` or a comment.
fn flow_plain_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let first_ok = match bytes.first()? {
        b'?' | b':' => false,
        b'-' => bytes
            .get(1)
            .is_some_and(|&b| b != b' ' && !is_flow_indicator(b)),
        _ => starts_plain(bytes),
    };
    if !first_ok {
        return None;
    }
    let end = (0..bytes.len())
        .find(|&i| {
            is_flow_indicator(bytes[i])
                || is_comment(bytes, i)
                || bytes[i] == b':'
                    && bytes
                        .get(i + 1)
                        .is_none_or(|&b| b == b' ' || is_flow_indicator(b))
        })
        .unwrap_or(bytes.len());
    let len = text[..end].trim_end_matches(' ').len();
    (len > 0).then_some(len)
}

/// The key of the flow mapping entry at byte `i` of `line`: its text, and the byte past its
/// `:` (which may touch a quoted key, as in JSON; after a plain key a space must follow).
fn flow_key(line: &str, i: usize) -> Option<(Cow<'_, str>, usize)> {
    let text = &line[i..];
    let bytes = text.as_bytes();
    let (key, colon) = if matches!(bytes.first()?, b'\'' | b'"') {
        let (key, len) = quoted::read(text)?;
        (Cow::Owned(key), skip_spaces(bytes, len))
    } else {
        let len = flow_plain_len(text)?;
        let colon = skip_spaces(bytes, len);
        if bytes.get(colon) != Some(&b':') || !is_key_colon(bytes, colon) || &text[..len] == "<<" {
            return None;
        }
        (Cow::Borrowed(&text[..len]), colon)
    };
    (bytes.get(colon) == Some(&b':') && colon <= MAX_KEY_BYTES).then_some((key, i + colon + 1))
}

/// The key of the mapping entry starting `text`: its text and the byte offset of its `:`.
/// `None` when `text` is not an entry this reader reads (a merge key `<<` among them).
fn key(text: &str) -> Option<(Cow<'_, str>, usize)> {
    let bytes = text.as_bytes();
    let (key, colon) = if matches!(bytes.first(), Some(b'\'' | b'"')) {
        let (key, len) = quoted::read(text)?;
        let colon = skip_spaces(bytes, len);
        (bytes.get(colon) == Some(&b':') && is_key_colon(bytes, colon))
            .then_some((Cow::Owned(key), colon))?
    } else {
        if !starts_plain(bytes) {
            return None;
        }
        let mut colon = None;
        let mut after_space = false;
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b':' if matches!(bytes.get(i + 1), None | Some(b' ')) => {
                    colon = Some(i);
                    break;
                }
                b'#' if after_space => return None,
                _ => after_space = b == b' ',
            }
        }
        let colon = colon?;
        let key = text[..colon].trim_end_matches(' ');
        if key == "<<" {
            return None;
        }
        (Cow::Borrowed(key), colon)
    };
    (colon <= MAX_KEY_BYTES).then_some((key, colon))
}
