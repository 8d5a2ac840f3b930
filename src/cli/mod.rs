//! Command line: argument parsing and dispatch. `main` stays thin: each command lives in its
//! own file and returns an exit code; any error it returns is printed and means exit 2.

mod args;
mod candidates;
mod catalogue;
mod drill;
mod encode;
mod generate;
mod help;
mod inputs;
mod kustomize;
mod lint;
mod man;
mod meta;
mod output_dir;
mod output_record;
mod profile_completion;
mod rule_selection;
mod status;
mod stdout;

pub use args::*;

use crate::error::EXIT_USAGE;
use clap::FromArgMatches;

/// Parse arguments, run the command, return the exit code.
pub fn main() -> u8 {
    let cli = match help::command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() { EXIT_USAGE } else { 0 };
        }
    };
    match run(cli) {
        Ok(code) => code,
        // The reader closed stdout (`| head -1`): its choice, not an error.
        Err(err) if stdout::is_broken_pipe(&err) => crate::error::EXIT_OK,
        Err(err) => {
            // Errors quote paths and values the user (or an attacker) chose.
            let text = format!("{err:#}");
            eprintln!("error: {}", crate::escape::message(&text));
            EXIT_USAGE
        }
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    crate::bounded_read::set_limit(cli.max_input_bytes);
    match cli.command {
        None => generate::render(&cli.render),
        Some(Command::Render(args)) => generate::render(&args),
        Some(Command::Validate(args)) => generate::validate(&args),
        Some(Command::Profiles) => generate::profiles(),
        Some(Command::ShowProfile(args)) => generate::show_profile(&args),
        Some(Command::Schema(args)) => generate::schema(&args),
        Some(Command::Lint(args)) => lint::lint(&args),
        Some(Command::Rules(args)) => lint::rules(&args),
        Some(Command::Explain(args)) => lint::explain(&args),
        Some(Command::Drill(args)) => drill::drill(&args),
        Some(Command::Status(args)) => status::status(&args),
        Some(Command::Completions(args)) => meta::completions(&args),
        Some(Command::Man(args)) => meta::man(&args),
    }
}
