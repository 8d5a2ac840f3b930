//! `lint`, `rules`, `explain`.

use super::args::{ExplainArgs, LintArgs, RulesArgs};

pub fn lint(args: &LintArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("lint is not implemented yet")
}

pub fn rules(args: &RulesArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("rules is not implemented yet")
}

pub fn explain(args: &ExplainArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("explain is not implemented yet")
}
