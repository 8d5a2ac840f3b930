//! Literal block scalars read without the YAML scanner.
//!
//! saphyr-parser scans a block scalar one character at a time, and the `|` blocks of a
//! ConfigMap (start scripts, redis.conf, sentinel.conf) are most of a manifest's bytes. Each
//! simple `key: |` block is cut out line by line: its lines become empty lines (so every
//! other node keeps its line and column), its indicator a one-character plain scalar, and
//! its text, computed by YAML 1.2's literal-block rules (§8.1), is put back at that node.
//! Anything this reader does not handle exactly the way saphyr does — an indentation
//! indicator, a tab or a whitespace-only line near the indentation, an empty block, `\r`,
//! no final line break — leaves the part to saphyr unchanged.

/// Stands in for a lifted block scalar's `|`, `|-` or `|+`.
pub(crate) const PLACEHOLDER: &str = "x";

/// One block scalar lifted out of the text. Lines are 1-based and columns 0-based within the
/// part, as saphyr's markers count them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Lifted {
    /// Where the placeholder (the original indicator) is.
    pub line: usize,
    pub col: usize,
    /// The block's text.
    pub text: String,
    /// Where saphyr's span of the block starts: the first content line, at its indentation.
    pub start_line: usize,
    pub start_col: usize,
    /// Where saphyr's span ends: the line after the block and its trailing empty lines.
    pub end_line: usize,
}

/// A part with its simple literal blocks lifted out.
pub(crate) struct Light {
    pub text: String,
    pub blocks: Vec<Lifted>,
    /// Byte offset of each line of `text`.
    pub line_starts: Vec<usize>,
}

impl Light {
    /// The character at a 1-based line and 0-based (character) column.
    pub fn char_at(&self, line: usize, col: usize) -> Option<char> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        self.text.get(start..)?.chars().nth(col)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomping {
    Clip,
    Strip,
    Keep,
}

/// Lift the simple literal blocks out of `text`; `None` when there is none, or when one
/// looks unusual (saphyr then reads the text as it is).
pub(crate) fn lighten(text: &str) -> Option<Light> {
    if !text.ends_with('\n') || text.contains('\r') {
        return None;
    }
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    let mut light = Light {
        text: String::with_capacity(text.len()),
        blocks: Vec::new(),
        line_starts: Vec::with_capacity(lines.len()),
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        light.line_starts.push(light.text.len());
        let Some((key_col, indicator_col, chomping)) = header(line) else {
            light.text.push_str(line);
            light.text.push('\n');
            i += 1;
            continue;
        };
        let (block, next) = literal(&lines, i, key_col, indicator_col, chomping)?;
        light.text.push_str(&line[..indicator_col]);
        light.text.push_str(PLACEHOLDER);
        light.text.push('\n');
        for _ in i + 1..next {
            light.line_starts.push(light.text.len());
            light.text.push('\n');
        }
        light.blocks.push(block);
        i = next;
    }
    (!light.blocks.is_empty()).then_some(light)
}

/// `key: |`, `key: |-` or `key: |+`, after spaces and `- ` sequence entries, with a plain
/// key of name characters: the key's column, the indicator's column and the chomping.
fn header(line: &str) -> Option<(usize, usize, Chomping)> {
    let (body, chomping) = if let Some(body) = line.strip_suffix(": |") {
        (body, Chomping::Clip)
    } else if let Some(body) = line.strip_suffix(": |-") {
        (body, Chomping::Strip)
    } else if let Some(body) = line.strip_suffix(": |+") {
        (body, Chomping::Keep)
    } else {
        return None;
    };
    let mut key_col = body.len() - body.trim_start_matches(' ').len();
    while let Some(rest) = body[key_col..].strip_prefix("- ") {
        key_col = body.len() - rest.trim_start_matches(' ').len();
    }
    let key = &body[key_col..];
    let mut chars = key.chars();
    let simple = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'));
    simple.then_some((key_col, body.len() + 2, chomping))
}

/// Read the block whose header is line `header` (0-based); its lifted form and the index of
/// the first line after it.
fn literal(
    lines: &[&str],
    header: usize,
    key_col: usize,
    indicator_col: usize,
    chomping: Chomping,
) -> Option<(Lifted, usize)> {
    let mut i = header + 1;
    let mut leading = 0;
    while lines.get(i).is_some_and(|l| l.is_empty()) {
        leading += 1;
        i += 1;
    }
    let first = lines.get(i)?;
    let indent = first.len() - first.trim_start_matches(' ').len();
    // An empty block, or content starting with a tab or of spaces only: left to saphyr.
    if indent <= key_col || indent == first.len() || first[indent..].starts_with('\t') {
        return None;
    }
    let start_line = i + 1;
    let mut text = "\n".repeat(leading);
    let mut empties = 0;
    let mut content_lines = 0;
    while let Some(line) = lines.get(i) {
        if line.is_empty() {
            empties += 1;
        } else {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            if spaces == line.len() || line[spaces..].starts_with('\t') && spaces < indent {
                return None;
            }
            if spaces < indent {
                // The next node: it must not be indented inside the block's parent.
                if spaces > key_col {
                    return None;
                }
                break;
            }
            if content_lines > 0 {
                text.push('\n');
                for _ in 0..empties {
                    text.push('\n');
                }
            }
            text.push_str(&line[indent..]);
            content_lines += 1;
            empties = 0;
        }
        i += 1;
    }
    match chomping {
        Chomping::Strip => {}
        Chomping::Clip => text.push('\n'),
        Chomping::Keep => {
            for _ in 0..=empties {
                text.push('\n');
            }
        }
    }
    let block = Lifted {
        line: header + 1,
        col: indicator_col,
        text,
        start_line,
        start_col: indent,
        end_line: i + 1,
    };
    Some((block, i))
}
