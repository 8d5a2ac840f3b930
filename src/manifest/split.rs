//! Cut a YAML stream into its documents before parsing them.
//!
//! A YAML parser cannot resume after a syntax error, but a `---` at column 0 always starts a
//! new document (the spec forbids document markers inside scalars). Parsing each part on its
//! own lets one broken document become a finding while the next ones are still read.

/// One part of the input: one or more documents, and where it starts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Part<'a> {
    pub text: &'a str,
    /// Number of lines of the input before `text`.
    pub lines_before: usize,
    /// The lines of `text`, without their line breaks.
    pub lines: &'a [&'a str],
}

/// Split at each `---` line that follows some content. Comments, blank lines, directives
/// and markers alone never make a part of their own, so a `%YAML` directive stays with the
/// document it introduces. `lines` are `text`'s (from `lines`).
pub(crate) fn parts<'a>(text: &'a str, lines: &'a [&'a str]) -> Vec<Part<'a>> {
    let mut parts = Vec::new();
    let (mut start, mut start_line, mut has_content) = (0, 0, false);
    let mut offset = 0;
    for (line_no, line) in lines.iter().enumerate() {
        if is_document_start(line) {
            if has_content {
                parts.push(Part {
                    text: &text[start..offset],
                    lines_before: start_line,
                    lines: &lines[start_line..line_no],
                });
                (start, start_line) = (offset, line_no);
            }
            // `--- |` or `--- {…}`: the document's node starts on the marker line.
            has_content = !is_noise(&line[3..]);
        } else if !has_content && !is_noise(line) {
            has_content = true;
        }
        offset += line.len() + 1;
    }
    if has_content {
        parts.push(Part {
            text: &text[start..],
            lines_before: start_line,
            lines: &lines[start_line..],
        });
    }
    parts
}

/// The lines of `text`, without their line breaks (`\n`; a `\r` before one stays). Eight
/// bytes at a time: `str::split` costs several times more on the short lines of a manifest.
pub(crate) fn lines(text: &str) -> Vec<&str> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const BREAKS: u64 = u64::from_le_bytes([b'\n'; 8]);
    let bytes = text.as_bytes();
    let mut lines = Vec::with_capacity(bytes.len() / 32);
    let mut start = 0;
    let words = bytes.chunks_exact(8);
    let tail = bytes.len() - words.remainder().len();
    for (n, word) in words.enumerate() {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            continue;
        };
        let x = u64::from_le_bytes(word) ^ BREAKS;
        // A high bit for each zero byte of `x` (a line break), and perhaps false ones after
        // a true one: each is checked.
        let mut found = x.wrapping_sub(ONES) & !x & HIGHS;
        while found != 0 {
            let i = n * 8 + found.trailing_zeros() as usize / 8;
            if bytes[i] == b'\n' {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            found &= found - 1;
        }
    }
    for i in tail..bytes.len() {
        if bytes[i] == b'\n' {
            lines.push(&text[start..i]);
            start = i + 1;
        }
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

fn is_document_start(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
}

fn is_noise(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.is_empty()
        || trimmed.starts_with('#')
        || line.starts_with('%')
        || trimmed == "..."
        || trimmed.starts_with("... ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_markers_after_content_only() {
        let text = "# Source: chart/a.yaml\n---\na: 1\n---\n---\n# c\nb: 2\n--- |\n  x\n--- [1]\n";
        let lines = lines(text);
        let parts = parts(text, &lines);
        let got: Vec<_> = parts.iter().map(|p| (p.lines_before, p.text)).collect();
        assert_eq!(
            got,
            vec![
                (0, "# Source: chart/a.yaml\n---\na: 1\n"),
                (3, "---\n---\n# c\nb: 2\n"),
                (7, "--- |\n  x\n"),
                (9, "--- [1]\n"),
            ]
        );
    }

    #[test]
    fn only_noise_gives_no_parts() {
        for text in ["", "---\n# nothing\n...\n"] {
            assert!(parts(text, &lines(text)).is_empty());
        }
    }

    #[test]
    fn lines_are_split_at_line_breaks_only() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nbc\r\n\n\nd",
            "0123456\n01234567\n012345678\n\n\n\n\n\n\n\n\n",
            "é\u{2028}x\n\u{a}\u{10a}\u{a0a}\n",
        ] {
            let expected: Vec<&str> = text.split_terminator('\n').collect();
            assert_eq!(lines(text), expected, "{text:?}");
        }
    }
}
