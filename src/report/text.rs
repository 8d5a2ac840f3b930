//! Compiler-style text: `file:line:col: severity[rule]: message`, the source line with a
//! caret under the column, then one summary line. ANSI colour only when asked for (the
//! caller decides: a terminal, and `NO_COLOR` unset).

use super::{InputTexts, Report, summary_line};
use crate::escape::printable;
use crate::finding::{Finding, Severity};
use std::io::{self, Write};

/// Widest excerpt shown; longer lines are cut to a window around the column so a
/// minified 50 MB document does not flood the terminal.
const EXCERPT_CHARS: usize = 120;

pub fn write(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint { color };
    for finding in report.findings {
        write_finding(finding, report.texts, paint, out)?;
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_line(report.summary))
}

fn write_finding(
    f: &Finding,
    texts: &InputTexts,
    paint: Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    let location = match (&f.file, f.line, f.column) {
        (Some(file), Some(line), Some(column)) => format!("{file}:{line}:{column}: "),
        (Some(file), Some(line), None) => format!("{file}:{line}: "),
        (Some(file), None, _) => format!("{file}: "),
        (None, _, _) => String::new(),
    };
    let level = paint.severity(f.severity, &format!("{}[{}]", f.severity, f.rule));
    writeln!(
        out,
        "{}{level}: {}",
        paint.bold(&printable(&location)),
        paint.bold(&printable(&f.message))
    )?;

    let excerpt = f.file.as_deref().zip(f.line).and_then(|(file, line)| {
        let text = texts.line(file, line)?;
        Some((line, excerpt(text, f.column.unwrap_or(1))))
    });
    let width = excerpt
        .as_ref()
        .map_or(1, |(line, _)| line.to_string().len());
    let gutter = |s: &str| paint.gutter(&format!("{s:>width$} |"));
    if let Some((line, (text, caret_at))) = &excerpt {
        writeln!(out, "{}", gutter(""))?;
        writeln!(out, "{} {text}", gutter(&line.to_string()))?;
        let caret = paint.severity(f.severity, "^");
        writeln!(out, "{} {caret_at}{caret}", gutter(""))?;
    }
    let context: Vec<&str> = [f.object.as_deref(), f.pointer.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !context.is_empty() {
        let pad = " ".repeat(width + 1);
        let context = printable(&context.join(" at ")).into_owned();
        writeln!(out, "{pad}{} {context}", paint.gutter("="))?;
    }
    Ok(())
}

/// The part of `line` to show and the indentation that puts a caret under `column`
/// (1-based, in characters). Tabs are kept in the indentation so the caret lines up.
fn excerpt(line: &str, column: usize) -> (String, String) {
    let chars: Vec<char> = line.chars().collect();
    let column = column.clamp(1, chars.len() + 1);
    let start = if chars.len() > EXCERPT_CHARS {
        (column - 1)
            .saturating_sub(EXCERPT_CHARS / 2)
            .min(chars.len() - EXCERPT_CHARS)
    } else {
        0
    };
    let end = (start + EXCERPT_CHARS).min(chars.len());
    let shown = printable(&chars[start..end].iter().collect::<String>()).into_owned();
    // Escaped control characters are wider than one column: measure what is shown.
    let before: String = chars[start..column - 1].iter().collect();
    let indent: String = printable(&before)
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < chars.len() { "…" } else { "" };
    let indent = if start > 0 {
        format!(" {indent}")
    } else {
        indent
    };
    (format!("{lead}{shown}{tail}"), indent)
}

/// ANSI styling that is a no-op without colour.
#[derive(Clone, Copy)]
struct Paint {
    color: bool,
}

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.color && !s.is_empty() {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }

    fn gutter(self, s: &str) -> String {
        self.wrap("1;34", s)
    }

    fn severity(self, severity: Severity, s: &str) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.wrap(code, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_indentation_keeps_tabs_and_counts_characters() {
        assert_eq!(
            excerpt("\tkey: é x", 8),
            ("\tkey: é x".into(), "\t      ".into())
        );
        assert_eq!(excerpt("ab", 99), ("ab".into(), "  ".into()));
        assert_eq!(excerpt("", 1), (String::new(), String::new()));
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        assert_eq!(excerpt("\x1b[2Jkey:\0", 1).0, "\\x1b[2Jkey:\\x00");
    }

    #[test]
    fn long_lines_are_cut_to_a_window_around_the_column() {
        let line = "x".repeat(1000);
        let (shown, indent) = excerpt(&line, 500);
        assert_eq!(shown.chars().count(), EXCERPT_CHARS + 2);
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(indent.chars().count(), 1 + EXCERPT_CHARS / 2);
    }

    #[test]
    fn colour_is_added_only_when_asked() {
        assert_eq!(Paint { color: false }.bold("x"), "x");
        assert_eq!(Paint { color: true }.bold("x"), "\x1b[1mx\x1b[0m");
    }
}
