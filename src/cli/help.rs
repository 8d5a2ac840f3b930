//! The command definition users see in `--help`, the man page and the completions: clap's
//! derive plus what it cannot say statically — each subcommand's exit status, and the
//! drill's scenarios and fault catalogue taken from the drill's own lists, so help never
//! drifts from what runs (docs/contracts.md "Exit codes").

use super::args::Cli;
use crate::drill::explore::catalogue;
use crate::drill::scenarios::SCENARIOS;
use clap::CommandFactory;

const FINDINGS: &str = "Exit status: 0 no error-level finding (warnings allowed), 1 findings at \
error level (warnings too with --strict), 2 could not run (bad flag, unreadable or ill-typed \
input). Nothing is written when it is not 0.";
const LINT: &str = "Exit status: 0 no error-level finding (warnings allowed), 1 findings at \
error level (warnings too with --strict), 2 could not run (bad flag, unreadable input, bad \
config file).";
const SIMPLE: &str = "Exit status: 0 done, 2 could not run (bad flag or argument).";

/// `Cli::command()` with the help texts above.
pub fn command() -> clap::Command {
    let mut command = Cli::command().after_help(FINDINGS);
    for (name, text) in [
        ("render", FINDINGS.to_string()),
        ("validate", FINDINGS.to_string()),
        ("lint", LINT.to_string()),
        ("rules", SIMPLE.to_string()),
        ("explain", SIMPLE.to_string()),
        ("profiles", SIMPLE.to_string()),
        ("show-profile", SIMPLE.to_string()),
        ("schema", SIMPLE.to_string()),
        ("completions", SIMPLE.to_string()),
        ("man", SIMPLE.to_string()),
        ("drill", drill_help()),
    ] {
        command = command.mut_subcommand(name, |sub| sub.after_help(text));
    }
    command
}

fn drill_help() -> String {
    let scenarios: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    let faults: Vec<&str> = catalogue::ALL.iter().map(|f| f.name()).collect();
    format!(
        "Scenarios (--scenario; docs/scenarios.md): {}. Each starts from a fresh set and takes \
         30-90 s; all of them take 15-25 min on 2 cores.\n\
         Faults of --explore (--faults; docs/explore.md): {}.\n\
         Exit status: 0 every scenario passed (with --explore: no invariant violated), 1 a \
         scenario failed (a violation), 2 could not run (not root, a missing binary, bad input).",
        scenarios.join(", "),
        faults.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subcommand_states_its_exit_status() {
        let command = command();
        for sub in command.get_subcommands() {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.contains("Exit status") || help.contains("Exit codes"),
                "{} --help says no exit status",
                sub.get_name()
            );
        }
        let drill = command.find_subcommand("drill").expect("drill");
        let help = drill.get_after_help().expect("help").to_string();
        assert!(
            help.contains("master-down") && help.contains("wipe-pvc"),
            "{help}"
        );
    }
}
