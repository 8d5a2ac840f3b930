//! `completions`, `man`.

use super::args::CompletionsArgs;

pub fn completions(args: &CompletionsArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("completions is not implemented yet")
}

pub fn man() -> anyhow::Result<u8> {
    anyhow::bail!("man is not implemented yet")
}
