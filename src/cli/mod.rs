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
mod kustomize_build;
mod lint;
mod man;
mod meta;
mod output_dir;
mod output_record;
mod pipe;
mod profile_completion;
mod rule_selection;
mod status;

pub use args::*;

use crate::error::{EXIT_OK, EXIT_USAGE};
use clap::FromArgMatches;
pub use pipe::Stdout;

/// Parse arguments, run the command, return the exit code.
pub fn main() -> u8 {
    let cli = match help::command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            };
        }
    };
    // The one stdout of the run: it handles a reader that goes away (pipe.rs).
    let mut out = Stdout::stdout();
    match run(cli, &mut out) {
        Ok(code) => code,
        Err(err) => {
            // Errors quote paths and values the user (or an attacker) chose.
            let text = format!("{err:#}");
            eprintln!("error: {}", crate::escape::message(&text));
            EXIT_USAGE
        }
    }
}

/// Run a parsed command line; results go to `out`.
pub fn run(cli: Cli, out: &mut Stdout) -> anyhow::Result<u8> {
    crate::bounded_read::set_limit(cli.max_input_bytes);
    match cli.command {
        None => generate::render(&cli.render, out),
        Some(Command::Render(args)) => generate::render(&args, out),
        Some(Command::Validate(args)) => generate::validate(&args, out),
        Some(Command::Profiles) => generate::profiles(out),
        Some(Command::ShowProfile(args)) => generate::show_profile(&args, out),
        Some(Command::Schema(args)) => generate::schema(&args, out),
        Some(Command::Lint(args)) => lint::lint(&args, out),
        Some(Command::Rules(args)) => lint::rules(&args, out),
        Some(Command::Explain(args)) => lint::explain(&args, out),
        Some(Command::Drill(args)) => drill::drill(&args, out),
        Some(Command::Status(args)) => status::status(&args, out),
        Some(Command::Completions(args)) => meta::completions(&args, out),
        Some(Command::Man(args)) => meta::man(&args, out),
    }
}
