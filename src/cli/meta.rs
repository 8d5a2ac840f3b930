//! `completions`, `man`: generated from the same clap definition the binary parses with, so
//! they can never drift from the real flags.

use super::args::{Cli, CompletionsArgs};
use crate::error::EXIT_OK;
use clap::CommandFactory;
use std::io::Write;

pub fn completions(args: &CompletionsArgs) -> anyhow::Result<u8> {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut command, name, &mut out);
    out.flush()?;
    Ok(EXIT_OK)
}

pub fn man() -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(EXIT_OK)
}
