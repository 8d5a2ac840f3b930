//! `drill`.

use super::args::DrillArgs;

pub fn drill(args: &DrillArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("drill is not implemented yet")
}
