//! Everything the drill creates on the host (process groups, cgroups, network namespaces,
//! links, tmpfs mounts, run directories, blackhole routes) is registered here the moment it
//! exists, so one call removes it all: at the end of a scenario, when one fails or panics (a
//! Drop guard), and on Ctrl-C or SIGTERM (a signal handler).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, Once};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resource {
    /// A process group (a container and everything it started).
    ProcessGroup(i32),
    NetworkNamespace(String),
    /// A link on the host (veth host side, bridge).
    Link(String),
    /// An nftables table of the `bridge` family (the pods' partitions).
    BridgeTable(String),
    Directory(PathBuf),
    /// A tmpfs mounted on the host (a memory-backed emptyDir).
    Mount(PathBuf),
    /// A cgroup directory (and the cgroups below it).
    Cgroup(PathBuf),
    /// A host route of type `blackhole` (`prefix`, `metric`): the last thing removed.
    Blackhole {
        prefix: String,
        metric: u32,
    },
}

static CREATED: Mutex<Vec<Resource>> = Mutex::new(Vec::new());

fn created() -> std::sync::MutexGuard<'static, Vec<Resource>> {
    CREATED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn register(resource: Resource) {
    created().push(resource);
}

/// Forget a resource that its owner removed itself.
pub fn forget(resource: &Resource) {
    created().retain(|r| r != resource);
}

/// Remove every registered resource, newest first, processes before namespaces before links
/// before directories.
pub fn remove_all() {
    let mut resources = std::mem::take(&mut *created());
    resources.reverse();
    resources.sort_by_key(|r| match r {
        Resource::ProcessGroup(_) => 0,
        Resource::Cgroup(_) => 1,
        Resource::NetworkNamespace(_) => 2,
        Resource::BridgeTable(_) => 2,
        Resource::Link(_) => 3,
        Resource::Mount(_) => 4,
        Resource::Directory(_) => 5,
        Resource::Blackhole { .. } => 6,
    });
    for resource in resources {
        remove(&resource);
    }
}

pub fn remove(resource: &Resource) {
    match resource {
        Resource::ProcessGroup(pgid) => {
            super::signal::group(*pgid, libc::SIGCONT);
            super::signal::group(*pgid, libc::SIGKILL);
        }
        Resource::NetworkNamespace(name) => quiet(&["ip", "netns", "delete", name]),
        Resource::Link(name) => quiet(&["ip", "link", "delete", name]),
        Resource::BridgeTable(name) => quiet(&["nft", "delete", "table", "bridge", name]),
        Resource::Directory(path) => {
            let _ = std::fs::remove_dir_all(path);
        }
        Resource::Cgroup(path) => super::cgroup_tree::remove_tree(path),
        Resource::Mount(path) => {
            if let Some(path) = path.to_str() {
                quiet(&["umount", "--lazy", path]);
            }
        }
        Resource::Blackhole { prefix, metric } => quiet(&[
            "ip",
            "route",
            "delete",
            "blackhole",
            prefix,
            "metric",
            &metric.to_string(),
        ]),
    }
}

fn quiet(argv: &[&str]) {
    let _ = Command::new(argv[0])
        .args(&argv[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Removes everything when dropped: hold one for the whole drill.
pub struct Guard;

impl Guard {
    /// Also installs the Ctrl-C/SIGTERM handler (once per process).
    pub fn install() -> Guard {
        static HANDLER: Once = Once::new();
        HANDLER.call_once(|| {
            let _ = ctrlc::set_handler(|| {
                eprintln!("drill: interrupted, removing pods, namespaces and links");
                remove_all();
                std::process::exit(crate::error::EXIT_INTERRUPTED);
            });
        });
        Guard
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        remove_all();
    }
}
