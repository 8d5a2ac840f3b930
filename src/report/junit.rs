//! JUnit XML, the test-report format GitLab (`artifacts:reports:junit`), Jenkins (`junit`
//! step) and most CI servers show. One `<testsuite>` per file, one `<testcase>` per finding
//! (named by its rule and object); a finding that fails the run — an error, or a warning with
//! `--strict` — is a `<failure>`, any other a `<skipped>` carrying its message, so the
//! report's red count agrees with the exit code. A run without findings is one passing
//! test case: Jenkins' `junit` step fails a build whose reports hold no test at all.
//!
//! XML 1.0 cannot carry most control characters even as references, and the report may be
//! printed into a CI log: every string from the input is shown through
//! [`crate::escape::printable`] first (no line break, no escape sequence), then
//! XML-escaped.

use super::{Report, summary_line};
use crate::escape::{printable, xml};
use crate::finding::{Finding, Severity};
use std::io::{self, Write};

/// The name of the one suite that holds findings without a file (profile-wide ones).
const NO_FILE: &str = "redis-ha-gen";

pub fn write(report: &Report, strict: bool, out: &mut dyn Write) -> io::Result<()> {
    let fails =
        |f: &Finding| f.severity == Severity::Error || (strict && f.severity == Severity::Warning);
    let suites = by_file(report.findings);
    let total = report.findings.len().max(1);
    let failures = report.findings.iter().filter(|f| fails(f)).count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="redis-ha-gen lint" tests="{total}" failures="{failures}" errors="0">"#
    )?;
    if report.findings.is_empty() {
        writeln!(
            out,
            r#"  <testsuite name="{NO_FILE}" tests="1" failures="0" errors="0" skipped="0">"#
        )?;
        writeln!(
            out,
            r#"    <testcase classname="{NO_FILE}" name="{}"/>"#,
            xml(&summary_line(report.summary))
        )?;
        writeln!(out, "  </testsuite>")?;
    }
    for (file, findings) in suites {
        let failed = findings.iter().filter(|f| fails(f)).count();
        let suite = xml(file.unwrap_or(NO_FILE));
        writeln!(
            out,
            r#"  <testsuite name="{suite}" tests="{}" failures="{failed}" errors="0" skipped="{}">"#,
            findings.len(),
            findings.len() - failed,
        )?;
        for f in findings {
            write_case(f, &suite, fails(f), out)?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Findings grouped by file, in the report's (sorted) order.
fn by_file(findings: &[Finding]) -> Vec<(Option<&str>, Vec<&Finding>)> {
    let mut suites: Vec<(Option<&str>, Vec<&Finding>)> = Vec::new();
    for f in findings {
        let file = f.file.as_deref();
        match suites.last_mut() {
            Some((last, group)) if *last == file => group.push(f),
            _ => suites.push((file, vec![f])),
        }
    }
    suites
}

fn write_case(f: &Finding, suite: &str, fails: bool, out: &mut dyn Write) -> io::Result<()> {
    let name = match &f.object {
        Some(object) => format!("{} {object}", f.rule),
        None => f.rule.clone(),
    };
    let mut attributes = format!(r#"classname="{suite}" name="{}""#, xml(&name));
    if let Some(file) = f.file.as_deref().filter(|file| super::is_file_name(file)) {
        attributes.push_str(&format!(r#" file="{}""#, xml(file)));
        if let Some(line) = f.line {
            attributes.push_str(&format!(r#" line="{line}""#));
        }
    }
    let element = if fails { "failure" } else { "skipped" };
    writeln!(out, "    <testcase {attributes}>")?;
    writeln!(
        out,
        r#"      <{element} type="{}" message="{}">{}</{element}>"#,
        f.severity,
        xml(&f.message),
        xml(&details(f))
    )?;
    writeln!(out, "    </testcase>")
}

/// The body of a failure: where, which rule, the message, the field. One line each.
fn details(f: &Finding) -> String {
    let mut at = f.file.clone().unwrap_or_else(|| NO_FILE.to_owned());
    for n in [f.line, f.column].into_iter().flatten() {
        at.push_str(&format!(":{n}"));
    }
    let mut lines = vec![
        format!("{at}: {}[{}]", f.severity, f.rule),
        f.message.clone(),
    ];
    lines.extend(f.object.as_ref().map(|o| format!("object: {o}")));
    lines.extend(f.pointer.as_ref().map(|p| format!("field: {p}")));
    lines.push(format!("redis-ha-gen explain {}", f.rule));
    let lines: Vec<String> = lines.iter().map(|l| printable(l).into_owned()).collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_line_of_the_details_starts_a_workflow_command() {
        let mut f = Finding::new("pdb-missing", Severity::Error, "m\n::error::INJECTED");
        f.object = Some("StatefulSet/ns/a\n::add-mask::x".into());
        let body = details(&f);
        assert!(
            body.lines().all(|l| !l.trim_start().starts_with("::")),
            "{body}"
        );
    }
}
