//! Where rules report, and how reports become located, suppressible, sorted findings.

use super::CheckOptions;
use crate::finding::{Finding, IGNORE_CHECK_PREFIX, Severity};
use crate::manifest::Document;
use crate::manifest::JsonPointer;
use crate::model::{Loc, Model};
use std::collections::HashMap;

/// What a rule's check sees.
pub struct Context<'a> {
    pub docs: &'a [Document],
    pub model: &'a Model,
    pub options: &'a CheckOptions,
    /// Whether a rule has this id (`ignore-unknown-rule`; the registry, which lists this
    /// rule too, is passed in rather than named here).
    pub known_rule: fn(&str) -> bool,
}

struct Report {
    rule: Running,
    at: Loc,
    /// Another object whose annotations may suppress it (the workload of a config file).
    owner: Option<usize>,
    message: String,
}

/// The rule whose check is running: what its findings carry.
#[derive(Clone, Copy)]
pub(super) struct Running {
    pub id: &'static str,
    pub severity: Severity,
}

/// Collects what rules report.
#[derive(Default)]
pub struct Sink {
    pub(super) rule: Option<Running>,
    reports: Vec<Report>,
}

impl Sink {
    /// Report a finding of the running rule about the node at `at`.
    pub fn report(&mut self, at: &Loc, message: impl Into<String>) {
        self.report_for(at, None, message);
    }

    /// Like `report`, where the annotations of `owner` (a workload document) also suppress it.
    pub fn report_for(&mut self, at: &Loc, owner: Option<usize>, message: impl Into<String>) {
        if let Some(rule) = self.rule {
            self.reports.push(Report {
                rule,
                at: at.clone(),
                owner,
                message: message.into(),
            });
        }
    }

    pub(super) fn into_findings(self, docs: &[Document]) -> Vec<Finding> {
        let reports: Vec<Report> = self
            .reports
            .into_iter()
            .filter(|r| !suppressed(docs, r))
            .collect();
        let mut findings: Vec<Finding> = capped(reports)
            .into_iter()
            .filter_map(|r| {
                let doc = docs.get(r.at.doc)?;
                let position = match r.at.line {
                    Some(line) => doc.position_in_text(&r.at.pointer, line),
                    None => doc.position(&r.at.pointer),
                };
                let mut f = Finding::new(r.rule.id, r.rule.severity, r.message);
                f.file = Some(doc.file.clone());
                f.line = position.map(|p| p.line);
                f.column = position.map(|p| p.column);
                f.object = Some(doc.object_id());
                f.pointer = Some(r.at.pointer.to_string());
                Some(f)
            })
            .collect();
        sort_and_dedup(&mut findings);
        findings
    }
}

/// Sort findings by place, rule and message, and drop repeats (the same finding reported
/// twice, or by two alternatives of an input).
pub(super) fn sort_and_dedup(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.rule, &a.pointer, &a.message)
            .cmp(&(&b.file, b.line, b.column, &b.rule, &b.pointer, &b.message))
    });
    findings.dedup();
}

/// Findings one rule reports on one object at most; past it one summary finding says how
/// many more there are. A hostile config (20,000 `sentinel monitor` lines) would otherwise
/// produce tens of thousands of findings, each located by scanning its text.
pub const PER_OBJECT: usize = 50;

/// The first `PER_OBJECT` reports of each (rule, object), in report order, and for a group
/// with more, a summary at its last kept location.
fn capped(reports: Vec<Report>) -> Vec<Report> {
    let mut counts: HashMap<(&'static str, usize), usize> = HashMap::new();
    for r in &reports {
        *counts.entry((r.rule.id, r.at.doc)).or_default() += 1;
    }
    let mut kept: HashMap<(&'static str, usize), usize> = HashMap::new();
    let mut out = Vec::new();
    for r in reports {
        let key = (r.rule.id, r.at.doc);
        let n = kept.entry(key).or_default();
        *n += 1;
        if *n > PER_OBJECT {
            continue;
        }
        let total = counts[&key];
        if *n == PER_OBJECT && total > PER_OBJECT {
            out.push(Report {
                rule: r.rule,
                at: r.at.clone(),
                owner: r.owner,
                message: format!(
                    "… and {} more `{}` findings on this object, not listed (at most {PER_OBJECT} are)",
                    total - PER_OBJECT,
                    r.rule.id
                ),
            });
        }
        out.push(r);
    }
    out
}

/// The reason given by an `ignore-check` annotation for `rule` on document `doc`.
pub fn ignore_reason<'a>(docs: &'a [Document], doc: usize, rule: &str) -> Option<&'a str> {
    docs.get(doc)?
        .value
        .at("/metadata/annotations")?
        .as_object()?
        .iter()
        .find(|(k, _)| k.strip_prefix(IGNORE_CHECK_PREFIX) == Some(rule))?
        .1
        .as_str()
}

/// Suppressed by an annotation with a reason (an empty reason suppresses nothing).
fn suppressed(docs: &[Document], r: &Report) -> bool {
    std::iter::once(r.at.doc)
        .chain(r.owner)
        .filter_map(|d| ignore_reason(docs, d, r.rule.id))
        .any(|reason| !reason.trim().is_empty())
}
