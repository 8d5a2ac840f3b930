//! The `kubectl` target's signal script run for real on this machine (root), in PID
//! namespaces laid out as a pod's: with a shared namespace (a pause as PID 1, the container's
//! process an ordinary member found by its cgroup) and without one (the container's process
//! PID 1 of its own namespace, signalled from inside it as `kubectl exec` or an ephemeral
//! `kubectl debug --target` container would).

use redis_ha_gen::drill::kubectl::signal::{SCRIPT, Signal, verify};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn require_root() {
    // SAFETY: geteuid(2) has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(
        uid, 0,
        "PID namespaces and cgroups need root (CI runs as root)"
    );
}

/// A PID namespace with its own /proc, and a pids cgroup named like a container ID.
pub struct Namespace {
    init: Child,
    pub cgroup: PathBuf,
    pub id: String,
    /// BusyBox's applets, first on the script's PATH.
    applets: tempfile::TempDir,
}

impl Namespace {
    /// `shared`: PID 1 is a shell that reaps (the pause) and the "container" is its child
    /// `sleep`; otherwise the `sleep` is PID 1 itself. Either way the `sleep` is in the cgroup.
    pub fn start(name: &str, shared: bool) -> Namespace {
        let id = format!("kube13-{}-{name}", std::process::id());
        let cgroup = PathBuf::from("/sys/fs/cgroup/pids").join(&id);
        std::fs::create_dir_all(&cgroup).expect("a pids cgroup (cgroup v1, root)");
        let procs = cgroup.join("cgroup.procs");
        let join = format!("echo $$ > {}; exec sleep 600", procs.display());
        let script = if shared {
            // The pause: reaps, and outlives the container's process.
            format!("sh -c '{join}' & while :; do wait; sleep 0.2; done")
        } else {
            join
        };
        let init = Command::new("unshare")
            .args(["--pid", "--fork", "--mount-proc", "sh", "-c", &script])
            .stdin(Stdio::null())
            // unshare complains when its child is killed at the end.
            .stderr(Stdio::null())
            .spawn()
            .expect("unshare");
        let namespace = Namespace {
            init,
            cgroup,
            id,
            applets: busybox_applets(),
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::fs::read_to_string(&procs)
            .unwrap_or_default()
            .trim()
            .is_empty()
        {
            assert!(
                Instant::now() < deadline,
                "the sleep never joined {procs:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(100));
        namespace
    }

    /// The host PID of the namespace's PID 1 (unshare's forked child).
    fn host_init(&self) -> Option<String> {
        let children = format!("/proc/{0}/task/{0}/children", self.init.id());
        std::fs::read_to_string(children)
            .ok()?
            .split_whitespace()
            .next()
            .map(str::to_string)
    }

    /// Run the drill's signal script inside the namespace (with its /proc), as a sibling
    /// container of the pod would; what it printed.
    pub fn signal(&self, signal: Signal) -> String {
        let out = Command::new("nsenter")
            .args([
                "-t",
                &self.host_init().expect("the namespace's PID 1"),
                "-p",
                "-m",
                "--",
                "busybox",
                "sh",
                "-c",
            ])
            .arg(SCRIPT)
            .args(["drill-signal", signal.name(), &self.id])
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.applets.path().display()),
            )
            .output()
            .expect("nsenter");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        // From the host (an ancestor namespace) SIGKILL reaches PID 1.
        if let Some(init) = self.host_init() {
            let _ = Command::new("kill").args(["-KILL", &init]).status();
        }
        let _ = self.init.wait();
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::fs::remove_dir(&self.cgroup).is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A directory of BusyBox applets, first on the script's PATH: it runs with the userland of
/// an Alpine image (`sh`, `cat`, `sed`, `kill`, `sleep`).
fn busybox_applets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for applet in ["sh", "cat", "sed", "kill", "sleep"] {
        std::os::unix::fs::symlink("/usr/bin/busybox", dir.path().join(applet))
            .expect("a BusyBox applet link");
    }
    dir
}

/// Check what the script printed as the drill does.
pub fn took(signal: Signal, output: &str) -> anyhow::Result<usize> {
    verify("to the test container", signal, output)
}
