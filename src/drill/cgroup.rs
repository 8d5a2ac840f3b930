//! Per-container cgroups, as a container runtime makes them: every process of a container,
//! its `exec`s (probes, hooks) included, joins the container's cgroup of each v1 controller
//! the machine offers: `pids` (`pids.max`, the cluster's pid limit), `memory`
//! (`memory.limit_in_bytes` = `resources.limits.memory`; past it the kernel's OOM killer
//! SIGKILLs, exit 137, and the kubelet restarts the container in place) and `cpu`
//! (`cpu.cfs_quota_us` from `resources.limits.cpu`, `cpu.shares` from its request). Zombies
//! keep their pid (and count against the limit) until reaped, as on a node. Where the
//! machine mounts the v2 hierarchy (`/sys/fs/cgroup/unified` in systemd's hybrid layout,
//! `/sys/fs/cgroup` on a v2-only machine), each container also joins a controller-less v2
//! cgroup, `<set>/<container>/<pod>`: a socket carries its creator's v2 cgroup, which nftables
//! matches (`socket cgroupv2`), so a rule can drop what every pod's Sentinel sends and keep
//! what its Redis sends from the same address (`partition-master-sentinels`).

use super::cgroup_tree::kill_all_in;
use super::cleanup::{self, Resource};
use anyhow::Context;
use std::ffi::CString;
use std::path::{Path, PathBuf};

/// Where the v1 `pids` controller is mounted.
pub const PIDS_ROOT: &str = "/sys/fs/cgroup/pids";
const MEMORY_ROOT: &str = "/sys/fs/cgroup/memory";
const CPU_ROOT: &str = "/sys/fs/cgroup/cpu";
/// The mount directory nftables resolves a `socket cgroupv2` path under (fixed in nft).
const CGROUP_FS: &str = "/sys/fs/cgroup";
/// Where the v2 hierarchy is mounted: /sys/fs/cgroup itself on a v2-only machine, else
/// where systemd's hybrid layout puts it.
fn unified_root() -> &'static str {
    if Path::new(CGROUP_FS).join("cgroup.controllers").exists() {
        CGROUP_FS
    } else {
        "/sys/fs/cgroup/unified"
    }
}
/// The CFS period the kubelet uses (100 ms).
const CFS_PERIOD_US: u64 = 100_000;

/// Whether `dir` is a writable v1 controller directory (cgroupfs shows its directories as
/// r-x; root may still create cgroups there: access(2) says so).
fn writable(dir: &Path) -> bool {
    let Ok(path) = CString::new(dir.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    // SAFETY: access(2) reads a NUL-terminated path and nothing else.
    dir.join("cgroup.procs").exists() && unsafe { libc::access(path.as_ptr(), libc::W_OK) } == 0
}

/// Whether this machine offers a writable v1 `pids` controller.
pub fn pids_available() -> bool {
    writable(Path::new(PIDS_ROOT))
}

/// Whether this machine offers a writable v2 hierarchy (where the drill runs), whose
/// groups nftables can match a socket by (`socket cgroupv2`).
pub fn unified_available() -> bool {
    writable(&own_dir(unified_root(), ""))
}

/// Whether this machine offers writable v1 `memory` and `cpu` controllers (where the
/// drill runs).
pub fn memory_and_cpu_available() -> (bool, bool) {
    (
        writable(&own_dir(MEMORY_ROOT, "memory")),
        writable(&own_dir(CPU_ROOT, "cpu")),
    )
}

/// This process's own cgroup in the controller mounted at `root` (from /proc/self/cgroup),
/// so the drill's cgroups nest under whatever limits the drill itself runs with. The v2
/// hierarchy is the line with hierarchy id 0 and no controller (`controller` "").
fn own_dir(root: &str, controller: &str) -> PathBuf {
    let text = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let own = text.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (id, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let matches = if controller.is_empty() {
            id == "0" && controllers.is_empty()
        } else {
            controllers.split(',').any(|c| c == controller)
        };
        matches.then(|| path.trim_start_matches('/').to_string())
    });
    Path::new(root).join(own.unwrap_or_default())
}

/// The set's directory in each controller this machine offers.
#[derive(Clone, Debug, Default)]
pub struct Roots {
    pub pids: Option<PathBuf>,
    pub memory: Option<PathBuf>,
    pub cpu: Option<PathBuf>,
    /// The set's directory in the v2 hierarchy, where one is mounted (beside the v1
    /// controllers or alone).
    pub unified: Option<PathBuf>,
}

/// The v2 cgroup every pod's `container` joins, as an nftables `socket cgroupv2` match
/// names it: its path below /sys/fs/cgroup and its depth in the v2 hierarchy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketCgroup {
    pub path: String,
    pub level: usize,
}

impl Roots {
    /// `<controller>/<own cgroup>/redis-ha-gen-drill-<id>` for each writable controller,
    /// registered for cleanup at once.
    pub fn create(id: &str) -> anyhow::Result<Roots> {
        let name = format!("redis-ha-gen-drill-{id}");
        let make = |root: &str, controller: &str| -> anyhow::Result<Option<PathBuf>> {
            let parent = own_dir(root, controller);
            if !writable(&parent) {
                return Ok(None);
            }
            let dir = parent.join(&name);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            cleanup::register(Resource::Cgroup(dir.clone()));
            Ok(Some(dir))
        };
        Ok(Roots {
            pids: make(PIDS_ROOT, "pids")?,
            memory: make(MEMORY_ROOT, "memory")?,
            cpu: make(CPU_ROOT, "cpu")?,
            unified: make(unified_root(), "")?,
        })
    }

    pub fn all(&self) -> impl Iterator<Item = &PathBuf> {
        self.pids
            .iter()
            .chain(&self.memory)
            .chain(&self.cpu)
            .chain(&self.unified)
    }

    /// The v2 cgroup of every pod's `container` (`None` without a v2 hierarchy), created
    /// here so that a rule can name it before any such container started.
    pub fn socket_cgroup(&self, container: &str) -> anyhow::Result<Option<SocketCgroup>> {
        let Some(root) = &self.unified else {
            return Ok(None);
        };
        let dir = root.join(container);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let below = |base: &str| dir.strip_prefix(base).ok().map(Path::to_path_buf);
        let (Some(path), Some(depth)) = (below(CGROUP_FS), below(unified_root())) else {
            return Ok(None);
        };
        Ok(Some(SocketCgroup {
            path: path.to_string_lossy().into_owned(),
            level: depth.components().count(),
        }))
    }
}

/// What one container's cgroups enforce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub pids_max: u32,
    /// `resources.limits.memory`, bytes.
    pub memory_bytes: Option<u64>,
    /// `resources.limits.cpu`, millicores.
    pub cpu_limit_millis: Option<u64>,
    /// `resources.requests.cpu` (else the limit), millicores.
    pub cpu_request_millis: Option<u64>,
}

/// One container's cgroups.
#[derive(Clone, Debug)]
pub struct Cgroup {
    pids: Option<PathBuf>,
    memory: Option<PathBuf>,
    dirs: Vec<PathBuf>,
}

fn write(dir: &Path, file: &str, value: &str) -> anyhow::Result<()> {
    let path = dir.join(file);
    std::fs::write(&path, value)
        .with_context(|| format!("cannot write {value} to {}", path.display()))
}

impl Cgroup {
    /// `<root>/<pod>/<container>` in each controller, with `limits`.
    pub fn create(
        roots: &Roots,
        pod: &str,
        container: &str,
        limits: &Limits,
    ) -> anyhow::Result<Cgroup> {
        let make = |root: &Option<PathBuf>| -> anyhow::Result<Option<PathBuf>> {
            let Some(root) = root else { return Ok(None) };
            let dir = root.join(pod).join(container);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            Ok(Some(dir))
        };
        let pids = make(&roots.pids)?;
        let memory = make(&roots.memory)?;
        let cpu = make(&roots.cpu)?;
        // Container first: one directory holds every pod's container of that name.
        let unified = match &roots.unified {
            Some(root) => {
                let dir = root.join(container).join(pod);
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                Some(dir)
            }
            None => None,
        };
        if let Some(dir) = &pids {
            write(dir, "pids.max", &limits.pids_max.to_string())?;
        }
        if let (Some(dir), Some(bytes)) = (&memory, limits.memory_bytes) {
            write(dir, "memory.limit_in_bytes", &bytes.to_string())?;
            // No swap, as on a node the kubelet runs (where the file exists).
            if dir.join("memory.memsw.limit_in_bytes").exists() {
                write(dir, "memory.memsw.limit_in_bytes", &bytes.to_string())?;
            }
        }
        if let Some(dir) = &cpu {
            if let Some(millis) = limits.cpu_limit_millis {
                write(dir, "cpu.cfs_period_us", &CFS_PERIOD_US.to_string())?;
                let quota = (millis * CFS_PERIOD_US / 1000).max(1000);
                write(dir, "cpu.cfs_quota_us", &quota.to_string())?;
            }
            if let Some(millis) = limits.cpu_request_millis.or(limits.cpu_limit_millis) {
                write(
                    dir,
                    "cpu.shares",
                    &(millis * 1024 / 1000).max(2).to_string(),
                )?;
            }
        }
        let dirs = pids
            .iter()
            .chain(&memory)
            .chain(&cpu)
            .chain(&unified)
            .cloned()
            .collect();
        Ok(Cgroup { pids, memory, dirs })
    }

    /// Each controller's `cgroup.procs`, as C strings: a forked child writes `0` to each
    /// before it execs.
    pub fn procs_files(&self) -> anyhow::Result<Vec<CString>> {
        self.dirs
            .iter()
            .map(|dir| {
                CString::new(dir.join("cgroup.procs").as_os_str().as_encoded_bytes())
                    .context("cgroup path holds a NUL byte")
            })
            .collect()
    }

    fn read_number(dir: &Option<PathBuf>, file: &str) -> Option<u64> {
        std::fs::read_to_string(dir.as_ref()?.join(file))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Tasks charged to the cgroup (threads and unreaped zombies included).
    pub fn pids_current(&self) -> Option<u64> {
        Cgroup::read_number(&self.pids, "pids.current")
    }

    /// How many times the kernel's OOM killer killed a process of the container
    /// (`oom_kill` of `memory.oom_control`).
    pub fn oom_kills(&self) -> u64 {
        let text = self
            .memory
            .as_ref()
            .and_then(|dir| std::fs::read_to_string(dir.join("memory.oom_control")).ok())
            .unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix("oom_kill ")?.trim().parse().ok())
            .unwrap_or(0)
    }

    /// SIGKILL every live process of the cgroup (a container stopped by its runtime leaves
    /// nothing behind, not even a helper that left its process group).
    pub fn kill_all(&self) {
        for dir in &self.dirs {
            kill_all_in(dir);
        }
    }
}
