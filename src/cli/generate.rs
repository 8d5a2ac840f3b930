//! `render`, `validate`, `profiles`, `show-profile`, `schema`.

use super::args::{RenderArgs, SchemaArgs, ShowProfileArgs, ValidateArgs};

pub fn render(args: &RenderArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("render is not implemented yet")
}

pub fn validate(args: &ValidateArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("validate is not implemented yet")
}

pub fn profiles() -> anyhow::Result<u8> {
    anyhow::bail!("profiles is not implemented yet")
}

pub fn show_profile(args: &ShowProfileArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("show-profile is not implemented yet")
}

pub fn schema(args: &SchemaArgs) -> anyhow::Result<u8> {
    let _ = args;
    anyhow::bail!("schema is not implemented yet")
}
