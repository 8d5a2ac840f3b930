//! Writes findings in the format a reader or a CI system wants. One file per format, each
//! with the same entry point `write(report, out)`; `write` here picks one.

mod github;
mod input_texts;
mod json;
mod junit;
mod sarif;
mod text;

pub use input_texts::InputTexts;

use crate::finding::{Finding, Severity, Summary};
use std::io::{self, Write};

/// An output format for findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Compiler-style lines with a source excerpt; ANSI colour when `color` is set.
    Text { color: bool },
    /// `{"findings": [...], "summary": {...}}` (docs/contracts.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`), shown inline in pull requests.
    Github,
    /// JUnit XML, for CI test reports (GitLab, Jenkins); `strict` makes warnings failures
    /// too, as `--strict` makes them fail the run.
    Junit { strict: bool },
}

/// Everything a format may show: the findings, their totals and the text they point into.
#[derive(Clone, Copy, Debug)]
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub summary: &'a Summary,
    pub texts: &'a InputTexts,
    /// What each rule is about, for formats that carry rule metadata (SARIF).
    pub rules: &'a [RuleDoc<'a>],
}

/// The documentation of one rule, as a report shows it.
#[derive(Clone, Copy, Debug)]
pub struct RuleDoc<'a> {
    pub id: &'a str,
    pub severity: Severity,
    pub category: &'a str,
    pub summary: &'a str,
    pub rationale: &'a str,
    pub fix: &'a str,
    pub help_uri: Option<&'a str>,
}

/// Write `report` to `out` in `format`.
pub fn write(format: Format, report: &Report, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text { color } => text::write(report, color, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
        Format::Junit { strict } => junit::write(report, strict, out),
    }
}

/// One line of totals, the last line of the human-readable formats.
fn summary_line(s: &Summary) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let scope = format!(
        "{}, {}",
        plural(s.files, "file", "files"),
        plural(s.objects, "object", "objects")
    );
    if s.errors + s.warnings + s.infos == 0 {
        return format!("{scope}: no findings");
    }
    format!(
        "{scope}: {}, {}, {}",
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
        plural(s.infos, "info", "infos")
    )
}

/// The file a finding is in, if it is one a CI system can annotate.
fn file_on_disk(f: &Finding) -> Option<&str> {
    f.file.as_deref().filter(|file| is_file_name(file))
}

/// Whether a finding's `file` names a file the user has: not stdin (`-`), not a built-in
/// profile (`<built-in profile kind>`) or the defaults (`<defaults>`), not a flag
/// (`--set sentinel.quorum=4`). Only such a name becomes a SARIF location or an annotation.
fn is_file_name(file: &str) -> bool {
    file != "-" && !file.starts_with('<') && !file.starts_with("--")
}

/// The order every format lists findings in: by file, position, then rule, so reruns are
/// byte-identical whatever order the rules ran in.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            &a.file, a.line, a.column, &a.rule, &a.message, &a.object, &a.pointer,
        )
            .cmp(&(
                &b.file, b.line, b.column, &b.rule, &b.message, &b.object, &b.pointer,
            ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_pluralises_and_says_when_nothing_was_found() {
        let clean = Summary {
            files: 1,
            objects: 4,
            ..Summary::default()
        };
        assert_eq!(summary_line(&clean), "1 file, 4 objects: no findings");
        let found = Summary {
            errors: 1,
            warnings: 2,
            infos: 0,
            files: 2,
            objects: 1,
        };
        assert_eq!(
            summary_line(&found),
            "2 files, 1 object: 1 error, 2 warnings, 0 infos"
        );
    }
}
