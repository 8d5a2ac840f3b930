//! `status`: pick the backend from the flags, observe, print, exit with the verdict's code.

use super::args::{ReportFormat, StatusArgs};
use super::pipe::Stdout;
use crate::profile::DEFAULT_NAMESPACE;
use crate::resp::TlsClient;
use crate::status::{self, Backend, direct::Direct, kubectl::Kubectl};
use anyhow::bail;
use std::path::Path;
use std::time::{Duration, Instant};

/// Where the generated manifests mount the TLS Secret's CA in every container.
const DEFAULT_POD_CA: &str = "/tls/ca.crt";

pub fn status(args: &StatusArgs, out: &mut Stdout) -> anyhow::Result<u8> {
    let started = Instant::now();
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        bail!(
            "--timeout {}: expected seconds, more than 0 and at most 3600",
            args.timeout
        );
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let mut backend: Box<dyn Backend> = match args.target.as_deref() {
        Some("kubectl") => {
            if !args.addresses.is_empty() {
                bail!("--target kubectl finds the pods itself: give no ADDRESSES");
            }
            if args.tls_server_name.is_some() {
                bail!(
                    "--tls-server-name is for ADDRESSES: with --target kubectl, redis-cli runs in the pods"
                );
            }
            Box::new(Kubectl::new(
                args.namespace
                    .clone()
                    .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
                args.selector.clone(),
                args.tls.then(|| {
                    args.cacert
                        .clone()
                        .unwrap_or_else(|| DEFAULT_POD_CA.to_owned())
                }),
                started + timeout,
            ))
        }
        Some(other) => bail!("unknown --target {other:?}: use `kubectl`, or give ADDRESSES"),
        None if args.addresses.is_empty() => bail!(
            "nothing to check: give HOST:PORT addresses of the Redis and Sentinel instances, \
             or --target kubectl --namespace NS"
        ),
        None if args.namespace.is_some() => {
            bail!("--namespace needs --target kubectl; direct ADDRESSES have no namespace")
        }
        None => {
            let password = std::env::var("REDISCLI_AUTH").ok();
            let previous = std::env::var("REDIS_PREVIOUS_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty());
            let direct = Direct::new(&args.addresses, password, started + timeout)?
                .with_previous_password(previous);
            Box::new(match (args.tls, &args.cacert) {
                (false, _) => direct,
                (true, None) => bail!(
                    "--tls needs --cacert FILE: the CA that signed the servers' certificates \
                     (a Secret's ca.crt)"
                ),
                (true, Some(file)) => direct.with_tls(
                    TlsClient::from_ca_file(Path::new(file))?,
                    args.tls_server_name.clone(),
                ),
            })
        }
    };
    let status = status::observe(backend.as_mut(), &args.master_name)?;
    if let Some(why) = backend.fatal() {
        bail!(
            "{why} (status gives every server {} s in all)",
            args.timeout
        );
    }
    match args.format {
        ReportFormat::Text => out.print(&status::text(&status))?,
        ReportFormat::Json => out.print(&status::json(&status)?)?,
    }
    Ok(status.verdict.exit_code())
}
