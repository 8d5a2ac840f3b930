//! Markdown helpers for the tests that check the documentation: GitHub's heading anchors and
//! the relative links of a page (shared by tests/generate/metrics.rs and
//! tests/repo/docs_catalogue.rs).
#![allow(dead_code)]

/// GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens.
pub fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Every heading of a Markdown text outside fenced code, in order: (level, GitHub anchor).
/// A repeated anchor gets GitHub's `-1`, `-2`… suffix, so a link lands on the first one.
pub fn headings(markdown: &str) -> Vec<(usize, String)> {
    let mut fenced = false;
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for line in markdown.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        let level = line.chars().take_while(|c| *c == '#').count();
        if fenced || level == 0 || !line[level..].starts_with(' ') {
            continue;
        }
        let base = anchor(&line[level..]);
        let repeats = seen.iter().filter(|a| **a == base).count();
        seen.push(base.clone());
        let slug = match repeats {
            0 => base,
            n => format!("{base}-{n}"),
        };
        out.push((level, slug));
    }
    out
}

/// Every link target of a Markdown text outside fenced code and inline code:
/// `[text](target)`, in order.
pub fn links(markdown: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in markdown.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if fenced || line.starts_with("    ") {
            continue;
        }
        // Inline code spans hold no links: keep the text between backtick pairs only.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = prose.as_str();
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].to_owned());
            rest = &after[end..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_github_rules() {
        let markdown = "# A\n## Split brain\n```\n# not a heading\n```\n### `status` — No master (503)\n## Split brain\n";
        assert_eq!(
            headings(markdown),
            [
                (1, "a".to_owned()),
                (2, "split-brain".to_owned()),
                (3, "status--no-master-503".to_owned()),
                (2, "split-brain-1".to_owned()),
            ]
        );
    }

    #[test]
    fn links_skip_code() {
        let markdown =
            "See [a](a.md#x) and `[b](b.md)`.\n```\n[c](c.md)\n```\n    [d](d.md)\n[e](e.md)\n";
        assert_eq!(links(markdown), ["a.md#x", "e.md"]);
    }
}
