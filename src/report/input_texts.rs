//! The text of each input, kept so that the text format can quote the line a finding is on.

use std::cell::OnceCell;
use std::collections::BTreeMap;

/// Input texts by display path. Line starts are indexed lazily: only the text format
/// needs them, and only for files that have findings.
#[derive(Debug, Default)]
pub struct InputTexts {
    texts: BTreeMap<String, InputText>,
}

#[derive(Debug)]
struct InputText {
    text: String,
    line_starts: OnceCell<Vec<usize>>,
}

impl InputTexts {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, file: impl Into<String>, text: impl Into<String>) {
        let source = InputText {
            text: text.into(),
            line_starts: OnceCell::new(),
        };
        self.texts.insert(file.into(), source);
    }

    /// Line `line` (1-based) of `file`, without its line break.
    pub fn line(&self, file: &str, line: usize) -> Option<&str> {
        let source = self.texts.get(file)?;
        let starts = source.line_starts.get_or_init(|| {
            let breaks = source.text.match_indices('\n').map(|(i, _)| i + 1);
            std::iter::once(0).chain(breaks).collect()
        });
        let start = *starts.get(line.checked_sub(1)?)?;
        let rest = &source.text[start..];
        let end = rest.find('\n').unwrap_or(rest.len());
        Some(rest[..end].strip_suffix('\r').unwrap_or(&rest[..end]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based_and_lose_their_line_breaks() {
        let mut texts = InputTexts::new();
        texts.insert("a.yaml", "kind: Service\r\nmetadata:\n  name: redis");
        assert_eq!(texts.line("a.yaml", 1), Some("kind: Service"));
        assert_eq!(texts.line("a.yaml", 3), Some("  name: redis"));
        assert_eq!(texts.line("a.yaml", 0), None);
        assert_eq!(texts.line("a.yaml", 4), None);
        assert_eq!(texts.line("b.yaml", 1), None);
    }
}
