//! The container sandbox: `ip netns exec <pod netns> bwrap …`. A fresh root with the host's
//! read-only `/usr` (so the machine's Redis binaries, and its `sh` unless the image's
//! userland is BusyBox: see `userland`), the pod's hostname, its own `/etc/hosts`, its
//! volumes bind-mounted at their `mountPath`, and a PID namespace whose PID 1 is the
//! container's command, as a container runtime runs it. `exec` (probes, hooks) enters the
//! namespaces of the running container with `nsenter`, as CRI's exec does. Both run as the
//! container's identity (`security`: `setpriv`); with `readOnlyRootFilesystem` the root is
//! remounted read-only and only volumes are writable.

use super::security::Identity;
use super::userland::DRILL_BUSYBOX;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One bind mount into the container.
#[derive(Clone, Debug)]
pub struct Mount {
    pub host: PathBuf,
    pub path: String,
    pub read_only: bool,
}

/// Everything that makes a command run "inside" one container of one pod.
#[derive(Clone, Debug)]
pub struct Sandbox {
    pub netns: String,
    pub hostname: String,
    /// The pod's hosts, resolv.conf and hostname, mounted at [`DRILL_ETC`].
    pub etc_dir: PathBuf,
    /// Extra binaries (`redis-sentinel`) put first on PATH.
    pub bin_dir: PathBuf,
    pub mounts: Vec<Mount>,
    pub env: Vec<(String, String)>,
    pub working_dir: Option<String>,
    pub pid: PidNamespace,
    /// BusyBox applets, mounted at [`DRILL_BUSYBOX`] (the env's PATH puts them first).
    pub busybox_dir: Option<PathBuf>,
    /// Who the command runs as (`None`: root with the sandbox's capabilities, the pause).
    pub identity: Option<Identity>,
}

/// Which PID namespace the command runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PidNamespace {
    /// A new one, the command its PID 1 (a container of a pod without
    /// `shareProcessNamespace`): nothing reaps what the command does not.
    Own,
    /// A new one whose PID 1 is bwrap's reaping init (the pod's pause container).
    OwnWithInit,
    /// The pod's, which the process joins before it starts (see `Process::spawn_in`).
    Pod,
}

/// Host files a dynamically linked `sh` and Redis need under the fresh /etc.
const HOST_ETC: &[&str] = &[
    "passwd",
    "group",
    "nsswitch.conf",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "alternatives",
    "ssl",
];

pub const DRILL_BIN: &str = "/opt/redis-ha-gen-drill/bin";
/// The pod's name files, as a directory: the drill replaces them by rename, so a reader
/// never sees a half-written `/etc/hosts` (a bind-mounted file would pin the old inode, and
/// rewriting it in place lets a lookup find it empty — Sentinel then drops a
/// `+switch-master` for good).
pub const DRILL_ETC: &str = "/opt/redis-ha-gen-drill/etc";

/// What `nsenter` enters for an exec: every namespace of the container.
const EXEC_NAMESPACES: &[&str] = &["--pid", "--mount", "--uts", "--ipc", "--net"];

impl Sandbox {
    pub fn command(&self, argv: &[String]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.netns, "bwrap"]);
        cmd.args([
            "--unshare-uts",
            "--unshare-ipc",
            "--hostname",
            &self.hostname,
        ]);
        match self.pid {
            PidNamespace::Own => {
                cmd.args(["--unshare-pid", "--as-pid-1"]);
            }
            PidNamespace::OwnWithInit => {
                cmd.arg("--unshare-pid");
            }
            PidNamespace::Pod => {}
        }
        cmd.args(["--ro-bind", "/usr", "/usr"]);
        for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            let path = Path::new(top);
            match std::fs::read_link(path) {
                Ok(target) => {
                    cmd.arg("--symlink").arg(target).arg(top);
                }
                Err(_) if path.is_dir() => {
                    cmd.args(["--ro-bind", top, top]);
                }
                Err(_) => {}
            }
        }
        cmd.args(["--proc", "/proc", "--dev", "/dev"]);
        let read_only_root = self.identity.as_ref().is_some_and(|i| i.read_only_root);
        for dir in ["/tmp", "/run", "/var", "/root"] {
            // The image's writable layer, or, with `readOnlyRootFilesystem`, nothing
            // writable but the volumes.
            cmd.args([if read_only_root { "--dir" } else { "--tmpfs" }, dir]);
        }
        cmd.args(["--dir", "/etc"]);
        for name in HOST_ETC {
            let host = Path::new("/etc").join(name);
            if host.exists() {
                cmd.arg("--ro-bind").arg(&host).arg(&host);
            }
        }
        // bwrap makes the missing parents of a mount point 0700; a runtime's are the image's
        // 0755 directories, which a non-root UID can traverse.
        let mut made = std::collections::BTreeSet::new();
        let mut parents = |cmd: &mut Command, dest: &str| {
            let mut path = Path::new(dest).parent();
            let mut missing = Vec::new();
            while let Some(dir) = path.filter(|d| *d != Path::new("/")) {
                missing.push(dir.to_path_buf());
                path = dir.parent();
            }
            for dir in missing.into_iter().rev() {
                if made.insert(dir.clone()) {
                    cmd.arg("--dir").arg(dir);
                }
            }
        };
        parents(&mut cmd, DRILL_ETC);
        cmd.arg("--ro-bind").arg(&self.etc_dir).arg(DRILL_ETC);
        for name in ["hosts", "resolv.conf", "hostname"] {
            cmd.args([
                "--symlink",
                &format!("{DRILL_ETC}/{name}"),
                &format!("/etc/{name}"),
            ]);
        }
        parents(&mut cmd, DRILL_BIN);
        cmd.arg("--ro-bind").arg(&self.bin_dir).arg(DRILL_BIN);
        if let Some(dir) = &self.busybox_dir {
            parents(&mut cmd, DRILL_BUSYBOX);
            cmd.arg("--ro-bind").arg(dir).arg(DRILL_BUSYBOX);
        }
        let mut mounts = self.mounts.clone();
        // Parents before children, so a file mounted inside a mounted directory stays visible.
        mounts.sort_by_key(|m| m.path.matches('/').count());
        for mount in &mounts {
            parents(&mut cmd, &mount.path);
            let flag = if mount.read_only {
                "--ro-bind"
            } else {
                "--bind"
            };
            cmd.arg(flag).arg(&mount.host).arg(&mount.path);
        }
        if read_only_root {
            // Only the root's own mount: volumes keep their mode.
            cmd.args(["--remount-ro", "/"]);
        }
        if let Some(dir) = &self.working_dir {
            cmd.args(["--chdir", dir]);
        }
        cmd.arg("--clearenv");
        for (key, value) in &self.env {
            cmd.args(["--setenv", key, value]);
        }
        cmd.arg("--");
        cmd.args(self.as_user(argv));
        cmd
    }

    /// `argv` with the container's identity (`setpriv`), as the runtime execs it.
    fn as_user(&self, argv: &[String]) -> Vec<String> {
        match &self.identity {
            Some(identity) => identity.wrap(argv),
            None => argv.to_vec(),
        }
    }

    /// `argv` inside the running container whose PID 1 (or main process) is host pid
    /// `target`: its namespaces, root and working directory, the container's environment.
    /// Orphans it leaves are reparented to the container's PID 1, as with `kubectl exec`.
    pub fn exec_command(&self, target: i32, argv: &[String]) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.arg("--target").arg(target.to_string());
        cmd.args(EXEC_NAMESPACES);
        cmd.args(["--root", "--wd", "--"]);
        cmd.args(self.as_user(argv));
        cmd.env_clear();
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }
}
