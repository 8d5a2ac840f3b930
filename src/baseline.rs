//! The baseline file of `lint --baseline FILE` / `--write-baseline FILE`: the findings a
//! team has accepted for now, so that `lint` in CI fails only on new ones (docs/contracts.md,
//! "Baseline file").
//!
//! A finding is known by its rule, its object (`Kind/namespace/name`) and its key (the JSON
//! pointer of the field), never by its line: editing a file above a finding must not
//! revive it. A finding with no object (a YAML syntax error) is known by its file instead.
//! One entry may stand for several findings of the same identity (`count`); the file lists
//! entries sorted, one per line, so that rewriting it is a reviewable diff.

use crate::finding::Finding;
use crate::profile::suggest::did_you_mean;
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The format version this program writes and reads.
const VERSION: u32 = 1;

/// What a baseline entry matches.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Identity {
    rule: String,
    object: Option<String>,
    key: String,
    /// Only for findings without an object.
    file: Option<String>,
}

impl Identity {
    fn of(f: &Finding) -> Self {
        Identity {
            rule: f.rule.clone(),
            object: f.object.clone(),
            key: f.pointer.clone().unwrap_or_default(),
            file: if f.object.is_none() {
                f.file.clone()
            } else {
                None
            },
        }
    }
}

/// One line of the file: an identity and how many findings of it are accepted.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    count: usize,
}

impl Entry {
    fn new(identity: &Identity, count: usize) -> Self {
        let Identity {
            rule,
            object,
            key,
            file,
        } = identity.clone();
        Entry {
            rule,
            object,
            key,
            file,
            count,
        }
    }

    fn identity(self) -> (Identity, usize) {
        let Entry {
            rule,
            object,
            key,
            file,
            count,
        } = self;
        let identity = Identity {
            rule,
            object,
            key,
            file,
        };
        (identity, count)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

/// A loaded baseline: how many findings of each identity it accepts.
#[derive(Debug, Default)]
pub struct Baseline {
    accepted: BTreeMap<Identity, usize>,
}

/// What applying a baseline did.
#[derive(Debug, PartialEq, Eq)]
pub struct Applied {
    /// The findings the baseline does not cover: the ones to report.
    pub findings: Vec<Finding>,
    /// How many findings it suppressed.
    pub suppressed: usize,
    /// How many of its accepted findings no longer occur (fixed, or gone).
    pub stale: usize,
}

impl Baseline {
    /// Read `path`; `known_rules` are the registry's ids (any other is an error, with the
    /// closest id as a hint).
    pub fn load(path: &Path, known_rules: &[&str]) -> anyhow::Result<Baseline> {
        let shown = format!("baseline {}", path.display());
        let text = crate::bounded_read::text_file(path, &shown)?;
        Baseline::parse(&shown, &text, known_rules)
    }

    /// Parse the text of a baseline file; `shown` names it in errors.
    pub fn parse(shown: &str, text: &str, known_rules: &[&str]) -> anyhow::Result<Baseline> {
        let file: File = serde_json::from_str(text).map_err(|err| {
            anyhow::anyhow!(
                "{shown} is not a redis-ha-gen baseline (write one with --write-baseline): {}",
                crate::plain_errors::json(&err)
            )
        })?;
        if file.version != VERSION {
            bail!(
                "{shown}: version {} is not supported (this redis-ha-gen reads version {VERSION}); rewrite it with --write-baseline",
                file.version
            );
        }
        let mut accepted = BTreeMap::new();
        for entry in file.findings {
            let (identity, count) = entry.identity();
            let rule = &identity.rule;
            if !known_rules.contains(&rule.as_str()) {
                let hint = did_you_mean(rule, known_rules.iter().copied());
                bail!("{shown}: unknown rule `{rule}`{hint} (`redis-ha-gen rules` lists them)");
            }
            *accepted.entry(identity).or_insert(0) += count;
        }
        Ok(Baseline { accepted })
    }

    /// The baseline that accepts exactly `findings`.
    pub fn of(findings: &[Finding]) -> Baseline {
        let mut accepted = BTreeMap::new();
        for f in findings {
            *accepted.entry(Identity::of(f)).or_insert(0) += 1;
        }
        Baseline { accepted }
    }

    /// How many findings the baseline accepts.
    pub fn len(&self) -> usize {
        self.accepted.values().sum()
    }

    /// Whether it accepts nothing.
    pub fn is_empty(&self) -> bool {
        self.accepted.is_empty()
    }

    /// Drop the findings the baseline accepts, at most `count` of each identity (the first
    /// ones in `findings`' order, which is the reports' sorted order).
    pub fn apply(&self, findings: Vec<Finding>) -> Applied {
        let mut left = self.accepted.clone();
        let mut kept = Vec::new();
        for f in findings {
            match left.get_mut(&Identity::of(&f)) {
                Some(n) if *n > 0 => *n -= 1,
                _ => kept.push(f),
            }
        }
        let stale = left.values().sum();
        Applied {
            suppressed: self.len() - stale,
            findings: kept,
            stale,
        }
    }

    /// The file's text: stable for the same findings whatever order they came in, one entry
    /// a line, sorted.
    pub fn to_text(&self) -> String {
        let lines: Vec<String> = self
            .accepted
            .iter()
            .map(|(identity, &count)| {
                let line = serde_json::to_string(&Entry::new(identity, count))
                    .unwrap_or_else(|e| panic!("bug: a baseline entry is always JSON: {e}"));
                format!("    {line}")
            })
            .collect();
        let findings = if lines.is_empty() {
            "[]".to_owned()
        } else {
            format!("[\n{}\n  ]", lines.join(",\n"))
        };
        format!("{{\n  \"version\": {VERSION},\n  \"findings\": {findings}\n}}\n")
    }

    /// Write the file all at once: a temporary file beside `path`, renamed over it, so a
    /// failed run leaves the old baseline (or none), never half of one.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let shown = crate::escape::printable(&path.display().to_string()).into_owned();
        let name = path
            .file_name()
            .with_context(|| format!("--write-baseline {shown}: not a file name"))?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".redis-ha-gen-{}", std::process::id()));
        let temp = path.with_file_name(temp_name);
        let written =
            std::fs::write(&temp, self.to_text()).and_then(|()| std::fs::rename(&temp, path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written.with_context(|| format!("cannot write baseline {shown}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    const KNOWN: &[&str] = &["pdb-missing", "yaml-syntax", "schema-violation"];

    fn finding(rule: &str, object: Option<&str>, pointer: &str, line: usize) -> Finding {
        let mut f = Finding::new(rule, Severity::Error, format!("line {line}"));
        f.file = Some("deploy/a.yaml".into());
        f.line = Some(line);
        f.object = object.map(str::to_owned);
        f.pointer = (!pointer.is_empty()).then(|| pointer.to_owned());
        f
    }

    #[test]
    fn findings_are_matched_by_rule_object_and_key_not_by_line() {
        let old = vec![
            finding("pdb-missing", Some("StatefulSet/ns/redis"), "", 3),
            finding("schema-violation", Some("ConfigMap/ns/c"), "/data/x", 9),
            finding("schema-violation", Some("ConfigMap/ns/c"), "/data/x", 10),
        ];
        let baseline = Baseline::of(&old);
        // The file was edited: every line moved; one new violation on another field.
        let new = vec![
            finding("pdb-missing", Some("StatefulSet/ns/redis"), "", 30),
            finding("schema-violation", Some("ConfigMap/ns/c"), "/data/x", 90),
            finding("schema-violation", Some("ConfigMap/ns/c"), "/data/y", 91),
        ];
        let applied = baseline.apply(new);
        assert_eq!(applied.suppressed, 2);
        assert_eq!(applied.stale, 1, "one of the two /data/x findings is gone");
        assert_eq!(applied.findings.len(), 1);
        assert_eq!(applied.findings[0].pointer.as_deref(), Some("/data/y"));
    }

    #[test]
    fn text_is_sorted_and_reads_back() {
        let a = finding("schema-violation", Some("ConfigMap/ns/c"), "/data/x", 9);
        let b = finding("pdb-missing", Some("StatefulSet/ns/redis"), "", 3);
        let c = finding("yaml-syntax", None, "", 1);
        let one = Baseline::of(&[a.clone(), b.clone(), c.clone(), a.clone()]).to_text();
        let other = Baseline::of(&[c, a.clone(), a, b]).to_text();
        assert_eq!(one, other, "order of the findings does not matter");
        assert_eq!(
            one,
            "{\n  \"version\": 1,\n  \"findings\": [\n    \
             {\"rule\":\"pdb-missing\",\"object\":\"StatefulSet/ns/redis\",\"count\":1},\n    \
             {\"rule\":\"schema-violation\",\"object\":\"ConfigMap/ns/c\",\"key\":\"/data/x\",\"count\":2},\n    \
             {\"rule\":\"yaml-syntax\",\"file\":\"deploy/a.yaml\",\"count\":1}\n  ]\n}\n"
        );
        let back = Baseline::parse("b", &one, KNOWN).expect("reads back");
        assert_eq!(back.to_text(), one);
        assert_eq!(back.len(), 4);
        assert_eq!(
            Baseline::default().to_text(),
            "{\n  \"version\": 1,\n  \"findings\": []\n}\n"
        );
    }

    #[test]
    fn bad_files_are_errors_naming_the_file() {
        let err = Baseline::parse("baseline b.json", "rules: []", KNOWN).expect_err("not JSON");
        assert!(format!("{err:#}").starts_with("baseline b.json is not a redis-ha-gen baseline"));
        let err =
            Baseline::parse("b", r#"{"version": 2, "findings": []}"#, KNOWN).expect_err("version");
        assert!(
            err.to_string().contains("version 2 is not supported"),
            "{err}"
        );
        let text = r#"{"version": 1, "findings": [{"rule": "pdb-misisng", "count": 1}]}"#;
        let err = Baseline::parse("b", text, KNOWN).expect_err("unknown rule");
        assert_eq!(
            err.to_string(),
            "b: unknown rule `pdb-misisng`; did you mean `pdb-missing`? (`redis-ha-gen rules` lists them)"
        );
        let text =
            r#"{"version": 1, "findings": [{"rule": "pdb-missing", "line": 3, "count": 1}]}"#;
        assert!(Baseline::parse("b", text, KNOWN).is_err(), "unknown field");
    }
}
