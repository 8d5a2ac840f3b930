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
}

/// Split at each `---` line that follows some content. Comments, blank lines, directives
/// and markers alone never make a part of their own, so a `%YAML` directive stays with the
/// document it introduces.
pub(crate) fn parts(text: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let (mut start, mut start_line, mut has_content) = (0, 0, false);
    let mut offset = 0;
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        if is_document_start(line) {
            if has_content {
                parts.push(Part {
                    text: &text[start..offset],
                    lines_before: start_line,
                });
                (start, start_line) = (offset, line_no);
            }
            // `--- |` or `--- {…}`: the document's node starts on the marker line.
            has_content = !is_noise(&line[3..]);
        } else if !has_content && !is_noise(line) {
            has_content = true;
        }
        offset += line.len();
    }
    if has_content {
        parts.push(Part {
            text: &text[start..],
            lines_before: start_line,
        });
    }
    parts
}

fn is_document_start(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
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
        let parts = parts(text);
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
        assert!(parts("").is_empty());
        assert!(parts("---\n# nothing\n...\n").is_empty());
    }
}
