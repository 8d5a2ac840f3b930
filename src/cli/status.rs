//! `status`.

use super::args::StatusArgs;

pub fn status(args: &StatusArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("status is not implemented yet")
}
