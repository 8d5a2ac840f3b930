//! A profile source as an untyped tree that remembers where every key came from.
//!
//! Sources (built-ins, profile files, `-f` files, `--set`) are merged on this tree, and only
//! the merged result is deserialized into `Profile`. Scalars keep their source text and
//! whether they were plain, so typing happens once, against the field's Rust type (`7.10`
//! stays `"7.10"` for a string field, `4` from `--set` becomes a `u32`).

use anyhow::{Context, bail};
use saphyr::{MarkedYaml, ScalarStyle, YamlData, YamlLoader};
use std::collections::HashMap;
use std::fmt;

/// Where a key or value was written: a file (with 1-based line and column) or a flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// File path, built-in profile (`<built-in profile kind>`) or the flag (`--set a.b=c`).
    pub source: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Origin {
    pub fn flag(source: impl Into<String>) -> Self {
        Origin {
            source: source.into(),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A file name or a `--set` flag: either may carry control characters.
        let source = crate::escape::printable(&self.source);
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{source}:{line}:{column}"),
            (Some(line), None) => write!(f, "{source}:{line}"),
            _ => f.write_str(&source),
        }
    }
}

/// One node of a profile source.
#[derive(Clone, Debug, PartialEq)]
pub enum ProfileValue {
    Map(Vec<Entry>),
    Seq(Vec<Item>),
    Scalar(Scalar),
}

/// A mapping entry; `origin` is the position of its key.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub origin: Origin,
    pub value: ProfileValue,
}

/// A sequence item and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub origin: Origin,
    pub value: ProfileValue,
}

/// A scalar as written. `plain` scalars are typed by the field they land in; quoted ones are
/// always strings.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    pub text: String,
    pub plain: bool,
}

impl Scalar {
    /// A `--set` value: plain (typed by its field) when it reads back as the same plain
    /// scalar, otherwise a quoted string.
    pub fn from_flag(text: &str) -> Self {
        Scalar {
            text: text.to_string(),
            plain: is_plain_safe(text),
        }
    }

    /// `null`, `~` or nothing: in an overlay it removes the key (back to the default).
    pub fn is_null(&self) -> bool {
        self.plain && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }
}

impl ProfileValue {
    pub fn is_null(&self) -> bool {
        matches!(self, ProfileValue::Scalar(s) if s.is_null())
    }

    fn describe(&self) -> &'static str {
        match self {
            ProfileValue::Map(_) => "a mapping",
            ProfileValue::Seq(_) => "a list",
            ProfileValue::Scalar(_) => "a scalar",
        }
    }

    /// Remove and return the entry `key` of a mapping.
    pub fn take(&mut self, key: &str) -> Option<Entry> {
        let ProfileValue::Map(entries) = self else {
            return None;
        };
        let at = entries.iter().position(|e| e.key == key)?;
        Some(entries.remove(at))
    }

    /// Deep merge: mappings merge key by key, anything else is replaced by `overlay`;
    /// a null in the overlay removes the key. Keys are found through an index, so merging
    /// a mapping of n keys costs O(n), not O(n²) (80,000 labels took 14 s).
    pub fn merge(&mut self, overlay: ProfileValue) {
        match (self, overlay) {
            (ProfileValue::Map(base), ProfileValue::Map(over)) => {
                let mut index: HashMap<String, usize> = base
                    .iter()
                    .enumerate()
                    .map(|(at, e)| (e.key.clone(), at))
                    .collect();
                // Removed entries are dropped at the end, so indices stay valid meanwhile.
                let mut removed = vec![false; base.len()];
                for entry in over {
                    match index.get(&entry.key).copied() {
                        Some(at) if entry.value.is_null() => {
                            removed[at] = true;
                            index.remove(&entry.key);
                        }
                        None if entry.value.is_null() => {}
                        Some(at) if matches!(base[at].value, ProfileValue::Map(_)) => {
                            if matches!(entry.value, ProfileValue::Map(_)) {
                                base[at].value.merge(entry.value);
                            } else {
                                base[at] = entry;
                            }
                        }
                        Some(at) => base[at] = entry,
                        None => {
                            index.insert(entry.key.clone(), base.len());
                            removed.push(false);
                            base.push(entry);
                        }
                    }
                }
                let mut flags = removed.into_iter();
                base.retain(|_| !flags.next().unwrap_or(false));
            }
            (base, over) => *base = over,
        }
    }

    /// Drop null entries at any depth: over the defaults, a null means "keep the default".
    pub fn remove_nulls(&mut self) {
        if let ProfileValue::Map(entries) = self {
            entries.retain(|e| !e.value.is_null());
            entries.iter_mut().for_each(|e| e.value.remove_nulls());
        }
    }

    /// Attribute this node and everything in it to `origin` (values from one flag).
    pub fn set_origin(&mut self, origin: &Origin) {
        match self {
            ProfileValue::Map(entries) => entries.iter_mut().for_each(|e| {
                e.origin = origin.clone();
                e.value.set_origin(origin);
            }),
            ProfileValue::Seq(items) => items.iter_mut().for_each(|i| {
                i.origin = origin.clone();
                i.value.set_origin(origin);
            }),
            ProfileValue::Scalar(_) => {}
        }
    }

    /// Every key path (`sentinel.quorum`) with the origin of its key, parents before children.
    pub fn key_origins(&self) -> Vec<(String, Origin)> {
        let mut out = Vec::new();
        collect_origins(self, "", &mut out);
        out
    }
}

fn collect_origins(node: &ProfileValue, prefix: &str, out: &mut Vec<(String, Origin)>) {
    if let ProfileValue::Map(entries) = node {
        for entry in entries {
            let path = join(prefix, &entry.key);
            out.push((path.clone(), entry.origin.clone()));
            collect_origins(&entry.value, &path, out);
        }
    }
}

pub fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Parse one YAML source into a tree. `Ok(None)`: the source holds no document (empty or
/// only comments). The root must be a mapping.
pub fn load(source: &str, text: &str) -> anyhow::Result<Option<ProfileValue>> {
    check_depth(source, text)?;
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut loader: YamlLoader<MarkedYaml> = YamlLoader::default();
    loader.early_parse(false);
    // The parser reports scanner errors, the loader the errors it found in the event stream.
    if let Some(err) = parser
        .load(&mut loader, true)
        .err()
        .or_else(|| loader.error().cloned())
    {
        let at = err.marker();
        bail!(
            "{source}:{}:{}: not valid YAML: {}",
            at.line(),
            at.col() + 1,
            err.info()
        );
    }
    let mut documents = loader.into_documents();
    if documents.len() > 1 {
        bail!(
            "{source} holds {} YAML documents; a profile is one mapping (remove the `---` separators)",
            documents.len()
        );
    }
    let Some(document) = documents.pop() else {
        return Ok(None);
    };
    let node = convert(source, &document)?;
    match node {
        n if n.is_null() => Ok(None),
        ProfileValue::Map(_) => Ok(Some(node)),
        other => bail!(
            "{}: the top level of a profile must be a mapping of fields (e.g. `sentinel:`), not {}",
            origin(source, &document),
            other.describe()
        ),
    }
}

/// No profile field is nested deeper than this.
pub const MAX_DEPTH: usize = 32;

/// saphyr's loader recurses once per nesting level: walk the (flat) event stream first so
/// that hostile nesting is an error, not a stack overflow.
fn check_depth(source: &str, text: &str) -> anyhow::Result<()> {
    let mut depth = 0usize;
    for event in saphyr_parser::Parser::new_from_str(text) {
        let Ok((event, span)) = event else {
            return Ok(()); // the loader reports syntax errors with their position
        };
        match event {
            saphyr_parser::Event::MappingStart(..) | saphyr_parser::Event::SequenceStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    bail!(
                        "{source}:{}:{}: nested deeper than {MAX_DEPTH} levels; no profile field is",
                        span.start.line(),
                        span.start.col() + 1
                    );
                }
            }
            saphyr_parser::Event::MappingEnd | saphyr_parser::Event::SequenceEnd => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    Ok(())
}

/// Load a UTF-8 YAML file given as raw bytes (a binary file is an error, not a panic).
pub fn decode(source: &str, bytes: Vec<u8>) -> anyhow::Result<String> {
    String::from_utf8(bytes)
        .ok()
        .with_context(|| format!("{source} is not UTF-8 text (is it a binary file?)"))
}

fn origin(source: &str, node: &MarkedYaml) -> Origin {
    Origin {
        source: source.to_string(),
        line: Some(node.span.start.line()),
        column: Some(node.span.start.col() + 1),
    }
}

fn convert(source: &str, node: &MarkedYaml) -> anyhow::Result<ProfileValue> {
    Ok(match &node.data {
        YamlData::Representation(text, style, tag) => ProfileValue::Scalar(Scalar {
            text: text.to_string(),
            plain: *style == ScalarStyle::Plain && tag.as_ref().is_none_or(|t| t.suffix != "str"),
        }),
        YamlData::Tagged(tag, inner) => match convert(source, inner)? {
            ProfileValue::Scalar(s) if tag.suffix == "str" => ProfileValue::Scalar(Scalar {
                text: s.text,
                plain: false,
            }),
            other => other,
        },
        YamlData::Sequence(items) => ProfileValue::Seq(
            items
                .iter()
                .map(|item| {
                    Ok(Item {
                        origin: origin(source, item),
                        value: convert(source, item)?,
                    })
                })
                .collect::<anyhow::Result<_>>()?,
        ),
        YamlData::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (key, value) in map {
                let YamlData::Representation(name, _, _) = &key.data else {
                    bail!(
                        "{}: a profile key must be a plain name, not a collection",
                        origin(source, key)
                    );
                };
                entries.push(Entry {
                    key: name.to_string(),
                    origin: origin(source, key),
                    value: convert(source, value)?,
                });
            }
            ProfileValue::Map(entries)
        }
        YamlData::Value(_) | YamlData::Alias(_) | YamlData::BadValue => {
            bail!("{}: unsupported YAML node", origin(source, node))
        }
    })
}

/// The merged tree as YAML text, and for each emitted line the key path and origin it
/// carries, so that a deserialization error in the text maps back to the user's source.
pub struct Emitted {
    pub text: String,
    pub lines: Vec<(String, Origin)>,
}

impl Emitted {
    /// Path and origin of a 1-based line of `text`.
    pub fn at_line(&self, line: usize) -> Option<&(String, Origin)> {
        line.checked_sub(1).and_then(|i| self.lines.get(i))
    }
}

pub fn emit(root: &ProfileValue) -> Emitted {
    let mut out = Emitted {
        text: String::new(),
        lines: Vec::new(),
    };
    if let ProfileValue::Map(entries) = root {
        emit_map(entries, 0, "", &mut out);
    }
    if out.text.is_empty() {
        out.text.push_str("{}\n");
        out.lines.push((String::new(), Origin::flag("")));
    }
    out
}

fn emit_map(entries: &[Entry], indent: usize, prefix: &str, out: &mut Emitted) {
    for entry in entries {
        let path = join(prefix, &entry.key);
        let head = format!("{:indent$}{}:", "", key_text(&entry.key));
        emit_value(head, &entry.value, indent, &path, &entry.origin, out);
    }
}

fn emit_value(
    head: String,
    value: &ProfileValue,
    indent: usize,
    path: &str,
    origin: &Origin,
    out: &mut Emitted,
) {
    let line = match value {
        ProfileValue::Scalar(s) => format!("{head} {}", scalar_text(s)),
        ProfileValue::Map(e) if e.is_empty() => format!("{head} {{}}"),
        ProfileValue::Seq(i) if i.is_empty() => format!("{head} []"),
        _ => head,
    };
    push_line(out, line.trim_end(), path, origin);
    match value {
        ProfileValue::Map(entries) => emit_map(entries, indent + 2, path, out),
        ProfileValue::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let head = format!("{:width$}-", "", width = indent + 2);
                let item_path = format!("{path}[{i}]");
                emit_value(head, &item.value, indent + 4, &item_path, &item.origin, out);
            }
        }
        ProfileValue::Scalar(_) => {}
    }
}

fn push_line(out: &mut Emitted, line: &str, path: &str, origin: &Origin) {
    out.text.push_str(line);
    out.text.push('\n');
    out.lines.push((path.to_string(), origin.clone()));
}

fn key_text(key: &str) -> String {
    if is_plain_safe(key) {
        key.to_string()
    } else {
        quoted(key)
    }
}

fn scalar_text(s: &Scalar) -> String {
    if s.plain {
        s.text.clone()
    } else {
        quoted(&s.text)
    }
}

/// A JSON string is a valid YAML double-quoted scalar.
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// Whether `text` reads back as the same plain scalar in a block mapping value.
fn is_plain_safe(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let second = chars.next();
    let indicator = match first {
        ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%'
        | '@' | '`' => true,
        // `-`, `?` and `:` start a plain scalar only when a non-space follows (`-1`).
        '-' | '?' | ':' => matches!(second, None | Some(' ' | '\t')),
        _ => false,
    };
    !indicator
        && text.trim() == text
        && !text.ends_with(':')
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> ProfileValue {
        load("t.yaml", text).unwrap().unwrap()
    }

    #[test]
    fn keys_remember_line_and_column() {
        let t = tree("sentinel:\n  quorum: 2\n");
        let origins = t.key_origins();
        assert_eq!(origins[1].0, "sentinel.quorum");
        assert_eq!(origins[1].1.to_string(), "t.yaml:2:3");
    }

    #[test]
    fn merge_is_deep_and_null_removes() {
        let mut base = tree("a:\n  b: 1\n  c: 2\nd: [1, 2]\n");
        base.merge(tree("a:\n  c: 3\n  b: null\nd: [9]\n"));
        assert_eq!(emit(&base).text, "a:\n  c: 3\nd:\n  - 9\n");
    }

    #[test]
    fn a_key_removed_then_set_again_comes_last() {
        let mut base = tree("a: 1\nb: 2\nc: 3\n");
        base.merge(tree("a: null\nd: 4\nb: 5\n"));
        base.merge(tree("a: 6\n"));
        assert_eq!(emit(&base).text, "b: 5\nc: 3\nd: 4\na: 6\n");
    }

    #[test]
    fn merging_many_keys_is_linear() {
        let labels: String = (0..80_000).map(|i| format!("  k{i}: v\n")).collect();
        let overlay = tree(&format!("labels:\n{labels}"));
        let started = std::time::Instant::now();
        let mut base = tree("labels: {}\n");
        base.merge(overlay.clone());
        base.merge(overlay);
        // Quadratic merging took 14.5 s for this in a release build; linear is milliseconds
        // (the bound is generous for debug builds on a loaded machine).
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
        let ProfileValue::Map(root) = &base else {
            panic!()
        };
        let ProfileValue::Map(labels) = &root[0].value else {
            panic!()
        };
        assert_eq!(labels.len(), 80_000);
    }

    #[test]
    fn scalars_keep_their_text_and_quoting() {
        let t = tree("tag: 7.10\nname: \"yes\"\nx: !!str 3\n");
        assert_eq!(emit(&t).text, "tag: 7.10\nname: \"yes\"\nx: \"3\"\n");
    }

    #[test]
    fn emitted_lines_map_back_to_origins() {
        let t = tree("redis:\n  save:\n    - 900 1\n");
        let e = emit(&t);
        assert_eq!(e.at_line(3).unwrap().0, "redis.save[0]");
        assert_eq!(e.at_line(3).unwrap().1.line, Some(3));
    }

    #[test]
    fn flag_values_that_would_change_meaning_are_quoted() {
        assert!(Scalar::from_flag("4").plain);
        assert!(Scalar::from_flag("-1").plain);
        assert!(Scalar::from_flag("app.kubernetes.io/name").plain);
        for risky in ["", "a: b", "[1]", "#x", "- a", " x", "x #y", "*a", "{}"] {
            assert!(!Scalar::from_flag(risky).plain, "{risky:?}");
        }
    }

    #[test]
    fn bad_sources_are_errors_not_panics() {
        assert!(load("t", "").unwrap().is_none());
        assert!(load("t", "# only a comment\n").unwrap().is_none());
        assert!(load("t", "~\n").unwrap().is_none());
        let err = load("t", "- a\n").unwrap_err().to_string();
        assert!(err.contains("must be a mapping"), "{err}");
        assert!(load("t", "a: [\n").is_err());
        assert!(load("t", "a: 1\n---\nb: 2\n").is_err());
        assert!(load("t", "? [a]\n: 1\n").is_err());
        assert!(decode("t", vec![0xff, 0xfe, 0]).is_err());
        let deep: String = (0..5000).map(|i| format!("{:w$}k:\n", "", w = i)).collect();
        assert!(
            load("t", &deep)
                .unwrap_err()
                .to_string()
                .contains("deeper than")
        );
    }
}
