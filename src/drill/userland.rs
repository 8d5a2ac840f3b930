//! The image's userland. The drill runs the machine's Redis binaries, but a script's shell
//! and tools are the image's: an Alpine image has BusyBox (`ash`, BusyBox `timeout`, `sed`,
//! `grep`, …), which behave unlike Debian's dash and coreutils (BusyBox `timeout`
//! daemonizes a watcher that the container's PID 1 must reap). For containers of Alpine
//! images the drill puts a directory of BusyBox applets (symlinks to the machine's
//! `busybox`, Debian package `busybox`) first on PATH.

use super::which::which;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the applet directory is mounted in a container.
pub const DRILL_BUSYBOX: &str = "/opt/redis-ha-gen-drill/busybox";

/// Whether `image` (`registry/path/name:tag@digest`) is built on Alpine (its tag says so,
/// as the official images' `-alpine` tags do).
pub fn is_alpine_image(image: &str) -> bool {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split_once(':')
        .is_some_and(|(_, tag)| tag.contains("alpine"))
}

/// A directory under `run_dir` with one symlink to `busybox` per applet it offers.
pub fn busybox_dir(run_dir: &Path) -> anyhow::Result<PathBuf> {
    let Some(busybox) = which("busybox") else {
        bail!(
            "the pods run an Alpine image, whose shell and tools are BusyBox's: install \
             `busybox` (Debian: apt-get install busybox) so the drill runs them as the image does"
        );
    };
    let out = Command::new(&busybox)
        .arg("--list")
        .output()
        .context("cannot run `busybox --list`")?;
    if !out.status.success() {
        bail!(
            "`busybox --list` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let dir = run_dir.join("busybox");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for applet in String::from_utf8_lossy(&out.stdout).split_whitespace() {
        if applet.contains('/') || applet.starts_with('.') {
            continue;
        }
        let link = dir.join(applet);
        if !link.exists() {
            std::os::unix::fs::symlink(&busybox, &link)
                .with_context(|| format!("cannot create {}", link.display()))?;
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::is_alpine_image;

    #[test]
    fn tells_alpine_images_by_their_tag() {
        assert!(is_alpine_image("docker.io/library/redis:7.0.15-alpine"));
        assert!(is_alpine_image("redis:7-alpine3.19@sha256:ab"));
        assert!(!is_alpine_image("redis:7.0.15"));
        assert!(!is_alpine_image("registry.local/alpine/redis:7.0"));
        assert!(!is_alpine_image("redis"));
    }
}
