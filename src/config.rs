//! `.redis-ha-gen.yaml`: rule severities, ignored paths, Kubernetes version. Found in the
//! working directory, or given with `--config FILE`. Applied to findings after the rules ran.

use crate::finding::{Finding, Severity};
use crate::profile::suggest::did_you_mean;
use anyhow::{Context, bail};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::Path;

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = ".redis-ha-gen.yaml";

/// What the config file says about one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSetting {
    Off,
    Error,
    Warning,
    Info,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    #[serde(default)]
    rules: BTreeMap<String, Spanned<RuleSetting>>,
    #[serde(default)]
    ignore_paths: Vec<Spanned<String>>,
    kube_version: Option<String>,
}

/// A loaded, checked config. The default config changes nothing.
#[derive(Debug, Default)]
pub struct Config {
    rules: BTreeMap<String, RuleSetting>,
    ignore_paths: Option<GlobSet>,
    /// `kube-version`, as written; the command line's `--kube-version` wins over it.
    pub kube_version: Option<String>,
}

impl Config {
    /// Load `explicit`, or else `.redis-ha-gen.yaml` in the working directory if there is
    /// one. `known_rules` are the registry's ids: any other id in the file is an error.
    pub fn load(explicit: Option<&Path>, known_rules: &[&str]) -> anyhow::Result<Config> {
        let path = match explicit {
            Some(path) => path,
            None if Path::new(DEFAULT_FILE).is_file() => Path::new(DEFAULT_FILE),
            None => return Ok(Config::default()),
        };
        let shown = format!("config file {}", path.display());
        let text = crate::bounded_read::text_file(path, &shown)?;
        Config::parse(&path.display().to_string(), &text, known_rules)
    }

    /// Parse the text of a config file; `file` names it in errors.
    pub fn parse(file: &str, text: &str, known_rules: &[&str]) -> anyhow::Result<Config> {
        let parsed: ConfigFile = serde_saphyr::from_str(text).map_err(|e| yaml_error(file, &e))?;
        for (id, setting) in &parsed.rules {
            if !known_rules.contains(&id.as_str()) {
                let line = setting.referenced.line();
                bail!(
                    "{file}:{line}: unknown rule `{id}`{} (`redis-ha-gen rules` lists them)",
                    did_you_mean(id, known_rules.iter().copied())
                );
            }
        }
        let ignore_paths = if parsed.ignore_paths.is_empty() {
            None
        } else {
            let mut set = GlobSetBuilder::new();
            for glob in &parsed.ignore_paths {
                let line = glob.referenced.line();
                let compiled = GlobBuilder::new(&glob.value)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| anyhow::anyhow!("{file}:{line}: ignore-paths: {e}"))?;
                set.add(compiled);
            }
            Some(
                set.build()
                    .with_context(|| format!("{file}: ignore-paths"))?,
            )
        };
        Ok(Config {
            rules: parsed
                .rules
                .into_iter()
                .map(|(id, s)| (id, s.value))
                .collect(),
            ignore_paths,
            kube_version: parsed.kube_version,
        })
    }

    /// Whether `path` (relative to the working directory, as the user wrote it) is ignored.
    pub fn is_ignored(&self, path: &str) -> bool {
        let path = path.strip_prefix("./").unwrap_or(path);
        self.ignore_paths
            .as_ref()
            .is_some_and(|set| set.is_match(path))
    }

    /// Change severities, drop the findings of rules turned off and of ignored files.
    pub fn apply(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| !f.file.as_deref().is_some_and(|file| self.is_ignored(file)))
            .filter_map(|mut f| {
                f.severity = match self.rules.get(&f.rule) {
                    None => f.severity,
                    Some(RuleSetting::Off) => return None,
                    Some(RuleSetting::Error) => Severity::Error,
                    Some(RuleSetting::Warning) => Severity::Warning,
                    Some(RuleSetting::Info) => Severity::Info,
                };
                Some(f)
            })
            .collect()
    }
}

/// `file:line:column: message` from a serde-saphyr error, whose own text reads
/// `error: line L column C: message` followed by a snippet of an unnamed `<input>`.
fn yaml_error(file: &str, e: &serde_saphyr::Error) -> anyhow::Error {
    let text = e.to_string();
    let text = text.lines().next().unwrap_or_default();
    let text = text.strip_prefix("error: ").unwrap_or(text);
    match e.location().filter(|l| l.line() > 0) {
        Some(l) => {
            let prefix = format!("line {} column {}: ", l.line(), l.column());
            let message = text.strip_prefix(&prefix).unwrap_or(text);
            let message = crate::plain_errors::plain(message);
            anyhow::anyhow!("{file}:{}:{}: {message}", l.line(), l.column())
        }
        None => anyhow::anyhow!("{file}: {}", crate::plain_errors::plain(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &[
        "pdb-missing",
        "static-master-bootstrap",
        "image-tag-floating",
    ];

    fn finding(rule: &str, file: &str) -> Finding {
        let mut f = Finding::new(rule, Severity::Warning, "m");
        f.file = Some(file.into());
        f
    }

    #[test]
    fn rules_change_severity_or_turn_off() {
        let text = "rules:\n  static-master-bootstrap: off\n  pdb-missing: error\n  image-tag-floating: info\n";
        let config = Config::parse("c.yaml", text, KNOWN).expect("valid config");
        let out = config.apply(vec![
            finding("static-master-bootstrap", "a.yaml"),
            finding("pdb-missing", "a.yaml"),
            finding("image-tag-floating", "a.yaml"),
            finding("yaml-syntax", "a.yaml"),
        ]);
        let got: Vec<(&str, Severity)> =
            out.iter().map(|f| (f.rule.as_str(), f.severity)).collect();
        assert_eq!(
            got,
            [
                ("pdb-missing", Severity::Error),
                ("image-tag-floating", Severity::Info),
                ("yaml-syntax", Severity::Warning)
            ]
        );
    }

    #[test]
    fn unknown_rule_names_file_line_and_nearest_id() {
        let text = "kube-version: \"1.33\"\nrules:\n  pdb-misisng: error\n";
        let err = Config::parse("c.yaml", text, KNOWN).expect_err("unknown rule");
        assert_eq!(
            err.to_string(),
            "c.yaml:3: unknown rule `pdb-misisng`; did you mean `pdb-missing`? (`redis-ha-gen rules` lists them)"
        );
    }

    #[test]
    fn unknown_field_and_bad_severity_are_errors_naming_the_file() {
        let err = Config::parse("c.yaml", "ignore_paths: []\n", KNOWN).expect_err("unknown field");
        assert!(
            err.to_string().starts_with(
                "c.yaml:1:1: unknown field `ignore_paths`; did you mean `ignore-paths`?"
            ),
            "{err}"
        );
        assert!(err.to_string().contains("ignore_paths"), "{err}");
        let err = Config::parse("c.yaml", "rules:\n  pdb-missing: fatal\n", KNOWN)
            .expect_err("bad setting");
        assert!(
            err.to_string().starts_with(
                "c.yaml:2:16: unknown value `fatal` (expected one of off, error, warning, info)"
            ),
            "{err}"
        );
    }

    #[test]
    fn ignore_paths_match_relative_paths_with_globs() {
        let text = "ignore-paths: [\"charts/*/tests/**\", \"*.json\"]\n";
        let config = Config::parse("c.yaml", text, KNOWN).expect("valid config");
        assert!(config.is_ignored("charts/redis/tests/a/b.yaml"));
        assert!(config.is_ignored("./charts/redis/tests/b.yaml"));
        assert!(config.is_ignored("x.json"));
        assert!(
            !config.is_ignored("deploy/x.json"),
            "`*` does not cross `/`"
        );
        assert!(!config.is_ignored("charts/redis/templates/b.yaml"));
        let out = config.apply(vec![
            finding("pdb-missing", "charts/r/tests/t.yaml"),
            finding("pdb-missing", "d.yaml"),
        ]);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn kube_version_is_kept_as_written() {
        let config =
            Config::parse("c.yaml", "kube-version: \"1.33\"\n", KNOWN).expect("valid config");
        assert_eq!(config.kube_version.as_deref(), Some("1.33"));
        assert_eq!(
            Config::parse("c.yaml", "", KNOWN)
                .expect("empty config")
                .kube_version,
            None
        );
    }
}
