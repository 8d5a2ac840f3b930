//! `lint --skip RULE[,RULE]` and `--only RULE[,RULE]`: which rules' findings a run reports.
//! Every id must be a rule of the registry: a misspelt one would silently select nothing.

use crate::finding::Finding;
use crate::profile::suggest::did_you_mean;
use anyhow::bail;

/// The rules given to `--skip` and `--only` (each possibly empty: no restriction).
#[derive(Debug, Default)]
pub struct RuleSelection<'a> {
    skip: &'a [String],
    only: &'a [String],
}

impl<'a> RuleSelection<'a> {
    /// Check every id against `known` (the registry's ids): an unknown one is an error
    /// naming it, the flag and the closest id.
    pub fn new(skip: &'a [String], only: &'a [String], known: &[&str]) -> anyhow::Result<Self> {
        for (flag, ids) in [("--skip", skip), ("--only", only)] {
            for id in ids {
                if !known.contains(&id.as_str()) {
                    let hint = did_you_mean(id, known.iter().copied());
                    bail!("{flag}: unknown rule `{id}`{hint} (`redis-ha-gen rules` lists them)");
                }
            }
        }
        Ok(RuleSelection { skip, only })
    }

    /// The findings of the selected rules: those in `--only` (all when it is empty), less
    /// those in `--skip`.
    pub fn apply(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| self.only.is_empty() || self.only.contains(&f.rule))
            .filter(|f| !self.skip.contains(&f.rule))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    const KNOWN: &[&str] = &["pdb-missing", "image-tag-floating", "yaml-syntax"];

    #[test]
    fn only_then_skip() {
        let findings: Vec<Finding> = KNOWN
            .iter()
            .map(|id| Finding::new(*id, Severity::Error, "m"))
            .collect();
        let only = vec!["pdb-missing".to_owned(), "yaml-syntax".to_owned()];
        let skip = vec!["yaml-syntax".to_owned()];
        let selection = RuleSelection::new(&skip, &only, KNOWN).expect("known ids");
        let kept: Vec<String> = selection
            .apply(findings)
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(kept, ["pdb-missing"]);
    }

    #[test]
    fn unknown_ids_name_the_flag_and_the_closest_rule() {
        let skip = vec!["pdb-misisng".to_owned()];
        let err = RuleSelection::new(&skip, &[], KNOWN).expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "--skip: unknown rule `pdb-misisng`; did you mean `pdb-missing`? (`redis-ha-gen rules` lists them)"
        );
        let only = vec!["zzz".to_owned()];
        let err = RuleSelection::new(&[], &only, KNOWN).expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "--only: unknown rule `zzz` (`redis-ha-gen rules` lists them)"
        );
    }
}
