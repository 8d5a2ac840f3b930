//! Per-container cgroups, as a container runtime makes them: every process of a container,
//! its `exec`s (probes, hooks) included, joins the container's cgroup of the v1 `pids`
//! controller, whose `pids.max` is the cluster's pid limit. Zombies keep their pid (and
//! count against the limit) until reaped, as on a node.

use super::cleanup::{self, Resource};
use anyhow::Context;
use std::ffi::CString;
use std::path::{Path, PathBuf};

/// Where the v1 `pids` controller is mounted.
pub const PIDS_ROOT: &str = "/sys/fs/cgroup/pids";

/// Whether this machine offers a writable v1 `pids` controller (cgroupfs shows its
/// directories as r-x; root may still create cgroups there: access(2) says so).
pub fn pids_available() -> bool {
    let root = Path::new(PIDS_ROOT);
    let Ok(path) = CString::new(PIDS_ROOT) else {
        return false;
    };
    // SAFETY: access(2) reads a NUL-terminated path and nothing else.
    root.join("cgroup.procs").exists() && unsafe { libc::access(path.as_ptr(), libc::W_OK) } == 0
}

/// The cgroup directory of every pod of one set: `<PIDS_ROOT>/redis-ha-gen-drill-<id>`,
/// registered for cleanup at once.
pub fn set_root(id: &str) -> anyhow::Result<PathBuf> {
    let dir = Path::new(PIDS_ROOT).join(format!("redis-ha-gen-drill-{id}"));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    cleanup::register(Resource::Cgroup(dir.clone()));
    Ok(dir)
}

/// One container's cgroup.
#[derive(Clone, Debug)]
pub struct Cgroup {
    dir: PathBuf,
}

impl Cgroup {
    /// `<set root>/<pod>/<container>` with `pids.max` = `pids_max`.
    pub fn create(
        set_root: &Path,
        pod: &str,
        container: &str,
        pids_max: u32,
    ) -> anyhow::Result<Cgroup> {
        let dir = set_root.join(pod).join(container);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let max = dir.join("pids.max");
        std::fs::write(&max, pids_max.to_string())
            .with_context(|| format!("cannot write {}", max.display()))?;
        Ok(Cgroup { dir })
    }

    /// `cgroup.procs`, as a C string: a forked child writes `0` there before it execs.
    pub fn procs_file(&self) -> anyhow::Result<CString> {
        CString::new(self.dir.join("cgroup.procs").as_os_str().as_encoded_bytes())
            .context("cgroup path holds a NUL byte")
    }

    fn read_number(&self, file: &str) -> Option<u64> {
        std::fs::read_to_string(self.dir.join(file))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Tasks charged to the cgroup (threads and unreaped zombies included).
    pub fn pids_current(&self) -> Option<u64> {
        self.read_number("pids.current")
    }

    /// The live processes of the cgroup.
    pub fn processes(&self) -> Vec<i32> {
        std::fs::read_to_string(self.dir.join("cgroup.procs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }

    /// SIGKILL every live process of the cgroup (a container stopped by its runtime leaves
    /// nothing behind, not even a helper that left its process group).
    pub fn kill_all(&self) {
        for pid in self.processes() {
            // SAFETY: kill(2) only sends a signal; no memory is shared.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

/// Kill what is left in `dir` and below, then remove the cgroups, deepest first.
pub fn remove_tree(dir: &Path) {
    let mut dirs = Vec::new();
    collect_dirs(dir, &mut dirs);
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for dir in &dirs {
        Cgroup { dir: dir.clone() }.kill_all();
    }
    for dir in &dirs {
        // A killed process leaves its cgroup when it is reaped: retry for up to a second.
        for _ in 0..50 {
            if std::fs::remove_dir(dir).is_ok() || !dir.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

fn collect_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    if !dir.is_dir() {
        return;
    }
    out.push(dir.to_path_buf());
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            collect_dirs(&entry.path(), out);
        }
    }
}
