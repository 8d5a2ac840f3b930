//! Loading an nft script (one transaction) on the host or inside a network namespace.
//! `nsenter --net`, not `ip netns exec`: the latter mounts a fresh sysfs for the namespace,
//! without /sys/fs/cgroup, where nft resolves a `socket cgroupv2` path.

use anyhow::{Context, bail};
use std::io::Write;
use std::process::{Command, Stdio};

/// Load `script` into nft, in network namespace `netns` (`None`: the host's).
pub fn load(netns: Option<&str>, script: &str) -> anyhow::Result<()> {
    let mut command = match netns {
        Some(ns) => {
            let mut c = Command::new("nsenter");
            c.arg(format!("--net=/run/netns/{ns}"))
                .args(["nft", "-f", "-"]);
            c
        }
        None => {
            let mut c = Command::new("nft");
            c.args(["-f", "-"]);
            c
        }
    };
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run `nft` (install Debian's nftables package)")?;
    child
        .stdin
        .take()
        .context("nft's stdin")?
        .write_all(script.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "nft{} refused the rules: {}",
            netns.map(|n| format!(" in {n}")).unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}
