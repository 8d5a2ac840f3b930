//! Values the shell completions offer for an argument that accepts more than them: rule ids
//! for `explain`, scenario names for `drill --scenario`, built-in profile names for
//! `--profile` (beside files: `profile_completion.rs`). Any string still parses, so the
//! command's own error (with its "did you mean") answers a wrong one, and `--help` does not
//! list them all (`hide_possible_values`).

use clap::builder::{PossibleValue, StringValueParser, TypedValueParser};

#[derive(Clone)]
pub struct Candidates(pub fn() -> Vec<&'static str>);

impl TypedValueParser for Candidates {
    type Value = String;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        StringValueParser::new().parse_ref(command, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new((self.0)().into_iter().map(PossibleValue::new)))
    }
}

/// Every rule id, in registry order.
pub fn rule_ids() -> Vec<&'static str> {
    crate::rules::registry()
        .iter()
        .map(|rule| rule.id)
        .collect()
}

/// Every built-in profile name, in registry order.
pub fn profile_names() -> Vec<&'static str> {
    crate::profile::BUILTINS.iter().map(|b| b.name).collect()
}

/// Every drill scenario name, and `all`.
pub fn scenario_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = crate::drill::scenarios::SCENARIOS
        .iter()
        .map(|scenario| scenario.name)
        .collect();
    names.push("all");
    names
}
