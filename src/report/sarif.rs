//! SARIF 2.1.0 (OASIS), the format GitHub code scanning and most SARIF viewers read.
//! `tool.driver.rules` carries the metadata of each rule a result refers to, so a viewer
//! can show the rationale and the fix next to the finding.

use super::{Report, RuleDoc, file_on_disk};
use crate::finding::{Finding, Severity};
use serde_json::{Value, json};
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut rule_ids: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| rule(id, report.rules.iter().find(|r| r.id == *id)))
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, rule_ids.binary_search(&f.rule.as_str()).ok()))
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": env!("CARGO_PKG_NAME"),
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A `reportingDescriptor`. A finding whose rule is not in the registry still gets an entry
/// (with its id only) so that every `ruleIndex` resolves.
fn rule(id: &str, doc: Option<&RuleDoc>) -> Value {
    let Some(doc) = doc else {
        return json!({ "id": id });
    };
    let mut rule = json!({
        "id": doc.id,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": doc.rationale},
        "help": {"text": doc.fix},
        "defaultConfiguration": {"level": level(doc.severity)},
        "properties": {"tags": [doc.category]},
    });
    if let Some(uri) = doc.help_uri {
        rule["helpUri"] = json!(uri);
    }
    rule
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut result = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": f.message},
    });
    if let Some(index) = rule_index {
        result["ruleIndex"] = json!(index);
    }
    let mut location = serde_json::Map::new();
    if let Some(file) = file_on_disk(f) {
        let mut physical = json!({"artifactLocation": {"uri": uri(file)}});
        if let Some(line) = f.line {
            physical["region"] = json!({"startLine": line});
            if let Some(column) = f.column {
                physical["region"]["startColumn"] = json!(column);
            }
        }
        location.insert("physicalLocation".into(), physical);
    }
    if let Some(object) = &f.object {
        let logical = json!([{"fullyQualifiedName": object, "kind": "resource"}]);
        location.insert("logicalLocations".into(), logical);
    }
    if !location.is_empty() {
        result["locations"] = json!([location]);
    }
    if let Some(pointer) = &f.pointer {
        result["properties"] = json!({"pointer": pointer});
    }
    result
}

/// A relative URI reference for a display path: `/`-separated, everything outside RFC 3986's
/// unreserved set percent-encoded.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(byte as char)
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_percent_encoded() {
        assert_eq!(
            uri("deploy/redis ha/ä.yaml"),
            "deploy/redis%20ha/%C3%A4.yaml"
        );
        assert_eq!(uri("deploy\\a.yaml"), "deploy/a.yaml");
    }

    #[test]
    fn stdin_findings_have_no_physical_location() {
        let mut f = Finding::new("yaml-syntax", Severity::Error, "bad");
        f.file = Some("-".into());
        f.line = Some(1);
        assert!(result(&f, Some(0)).get("locations").is_none());
    }
}
