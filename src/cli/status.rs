//! `status`: pick the backend from the flags, observe, print, exit with the verdict's code.

use super::args::{RulesFormat, StatusArgs};
use crate::status::{self, Backend, direct::Direct, kubectl::Kubectl};
use anyhow::bail;

const DEFAULT_NAMESPACE: &str = "kubernaut-system";

pub fn status(args: &StatusArgs) -> anyhow::Result<u8> {
    let mut backend: Box<dyn Backend> = match args.target.as_deref() {
        Some("kubectl") => {
            if !args.addresses.is_empty() {
                bail!("--target kubectl finds the pods itself: give no ADDRESSES");
            }
            Box::new(Kubectl {
                namespace: args
                    .namespace
                    .clone()
                    .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
                selector: args.selector.clone(),
            })
        }
        Some(other) => bail!("unknown --target {other:?}: use `kubectl`, or give ADDRESSES"),
        None if args.addresses.is_empty() => bail!(
            "nothing to check: give HOST:PORT addresses of the Redis and Sentinel instances, \
             or --target kubectl --namespace NS"
        ),
        None if args.namespace.is_some() => {
            bail!("--namespace needs --target kubectl; direct ADDRESSES have no namespace")
        }
        None => Box::new(Direct::new(
            &args.addresses,
            std::env::var("REDISCLI_AUTH").ok(),
        )?),
    };
    let status = status::observe(backend.as_mut(), &args.master_name)?;
    match args.format {
        RulesFormat::Text => print!("{}", status::text(&status)),
        RulesFormat::Json => print!("{}", status::json(&status)?),
    }
    Ok(status.verdict.exit_code())
}
