//! Literal block scalars (`|`, `|-`, `|+`) read line by line, for the block-style reader.
//!
//! The `|` blocks of a ConfigMap (start scripts, redis.conf, sentinel.conf) are most of a
//! manifest's bytes, and saphyr scans them one character at a time. Here a block's text is
//! computed by YAML 1.2's literal-block rules (§8.1) a line at a time. Anything not read
//! exactly the way saphyr reads it — a tab or a whitespace-only line near the indentation,
//! an empty block, a next node indented inside the block's parent — gives `None`, and the
//! part goes to saphyr unchanged.

/// How a block's final line breaks are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Chomping {
    /// `|`: one final line break.
    Clip,
    /// `|-`: none.
    Strip,
    /// `|+`: all of them, trailing empty lines included.
    Keep,
}

impl Chomping {
    /// The chomping of a block header (the text from the `|` to the end of its line);
    /// `None` for any other header (indentation indicators, comments, trailing spaces).
    pub fn of_header(header: &str) -> Option<Chomping> {
        match header {
            "|" => Some(Chomping::Clip),
            "|-" => Some(Chomping::Strip),
            "|+" => Some(Chomping::Keep),
            _ => None,
        }
    }
}

/// One literal block read from its lines. Lines are 0-based indexes into the part's lines.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Literal {
    pub text: String,
    /// Where saphyr's span of the block starts: the first content line, at its indentation.
    pub start_line: usize,
    pub start_col: usize,
    /// The first line after the block and its trailing empty lines (where saphyr's span ends).
    pub next: usize,
}

/// The number of spaces a line starts with.
pub(crate) fn indentation(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

/// Read the block whose header is line `header` of `lines`; `parent_indent` is the
/// indentation of the collection holding it (the content must be indented more).
pub(crate) fn read(
    lines: &[&str],
    header: usize,
    parent_indent: usize,
    chomping: Chomping,
) -> Option<Literal> {
    let mut i = header + 1;
    let mut leading = 0;
    while lines.get(i).is_some_and(|l| l.is_empty()) {
        leading += 1;
        i += 1;
    }
    let first = lines.get(i)?;
    let indent = indentation(first);
    // An empty block, or content starting with a tab or of spaces only: left to saphyr.
    if indent <= parent_indent || indent == first.len() || first[indent..].starts_with('\t') {
        return None;
    }
    let start_line = i;
    // First where the block ends and how long its text is, then the text at its exact size.
    let mut size = leading;
    let mut last = i;
    let mut empties = 0;
    while let Some(line) = lines.get(i) {
        if line.is_empty() {
            empties += 1;
        } else {
            let spaces = indentation(line);
            if spaces == line.len() || line[spaces..].starts_with('\t') && spaces < indent {
                return None;
            }
            if spaces < indent {
                // The next node: it must not be indented inside the block's parent.
                if spaces > parent_indent {
                    return None;
                }
                break;
            }
            size += empties + line.len() - indent + 1;
            last = i;
            empties = 0;
        }
        i += 1;
    }
    let mut text = String::with_capacity(size + empties + 1);
    text.extend(std::iter::repeat_n('\n', leading));
    for (n, line) in lines[start_line..=last].iter().enumerate() {
        if n > 0 {
            text.push('\n');
        }
        text.push_str(line.get(indent..).unwrap_or_default());
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
    Some(Literal {
        text,
        start_line,
        start_col: indent,
        next: i,
    })
}
