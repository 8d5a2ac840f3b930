//! One container's processes: a process group led by the sandbox (`bwrap`), whose child is
//! the container's command. Signals that must let the command shut down cleanly (SIGTERM) go
//! to every member but the leader: `bwrap` itself would die at once and orphan the command.
//! A container's process may own its cgroup: when it ends, whatever is left in the cgroup
//! (a helper that left the process group) is killed with it.

use super::cgroup::Cgroup;
use super::cleanup::{self, Resource};
use super::procfs;
use super::signal;
use anyhow::Context;
use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct Process {
    child: Child,
    pgid: i32,
    /// The container's cgroup, emptied when the process ends.
    owned: Option<Cgroup>,
}

/// Where a new process is put before it runs its program.
#[derive(Default)]
pub struct Placement<'a> {
    /// Joins this cgroup (its `cgroup.procs`).
    pub cgroup: Option<&'a Cgroup>,
    /// Its children join the PID namespace of this host pid (the pod's pause).
    pub pid_namespace_of: Option<i32>,
}

/// Members of process group `pgid`, from /proc.
fn group_members(pgid: i32) -> Vec<i32> {
    procfs::table()
        .into_iter()
        .filter(|p| p.pgid == pgid)
        .map(|p| p.pid)
        .collect()
}

/// The host pid of the command a sandbox led by `leader` runs (the container's PID 1, or
/// its main process in a pod's shared PID namespace), waiting up to a second for it.
pub fn main_pid_of(leader: i32) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        if let Some(pid) = procfs::children(&procfs::table(), leader).first() {
            return Some(*pid);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Process {
    /// Start `command` as a new process group, output appended to `log`.
    pub fn spawn(command: Command, log: &Path) -> anyhow::Result<Process> {
        Process::spawn_in(command, log, &Placement::default())
    }

    /// `spawn`, the new process first joining the cgroup and PID namespace of `placement`
    /// (between fork and exec, so nothing of it runs outside them).
    pub fn spawn_in(
        mut command: Command,
        log: &Path,
        placement: &Placement,
    ) -> anyhow::Result<Process> {
        let procs = placement
            .cgroup
            .map(Cgroup::procs_files)
            .transpose()?
            .unwrap_or_default();
        let pid_ns = placement
            .pid_namespace_of
            .map(|pid| {
                let path = format!("/proc/{pid}/ns/pid");
                File::open(&path).with_context(|| format!("cannot open {path}"))
            })
            .transpose()?;
        if !procs.is_empty() || pid_ns.is_some() {
            let ns_fd = pid_ns.as_ref().map(AsRawFd::as_raw_fd);
            // SAFETY: between fork and exec only async-signal-safe calls (open, write, close,
            // setns) on memory prepared before the fork.
            unsafe {
                command.pre_exec(move || {
                    for procs in &procs {
                        let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                        if fd < 0 || libc::write(fd, b"0".as_ptr().cast(), 1) != 1 {
                            return Err(std::io::Error::last_os_error());
                        }
                        libc::close(fd);
                    }
                    if let Some(fd) = ns_fd
                        && libc::setns(fd, libc::CLONE_NEWPID) != 0
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let process = Process::start(command, log);
        drop(pid_ns);
        process
    }

    fn start(mut command: Command, log: &Path) -> anyhow::Result<Process> {
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("cannot open {}", log.display()))?;
        command
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .process_group(0);
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {:?}", command.get_program()))?;
        let pgid = i32::try_from(child.id()).context("pid out of range")?;
        cleanup::register(Resource::ProcessGroup(pgid));
        Ok(Process {
            child,
            pgid,
            owned: None,
        })
    }

    /// The container's own process: its cgroup is emptied when it ends.
    pub fn owning(mut self, cgroup: Option<Cgroup>) -> Process {
        self.owned = cgroup;
        self
    }

    /// The host pid of the sandbox (`bwrap`), which leads the process group.
    pub fn leader(&self) -> i32 {
        self.pgid
    }

    /// The exit status, once the container's command has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        let status = self.child.try_wait().ok().flatten()?;
        // Whatever the command left behind goes with it, as with a container's cgroup.
        self.reap();
        Some(status)
    }

    fn reap(&mut self) {
        signal::group(self.pgid, libc::SIGKILL);
        if let Some(cgroup) = &self.owned {
            cgroup.kill_all();
        }
        let resource = Resource::ProcessGroup(self.pgid);
        cleanup::forget(&resource);
    }

    /// SIGKILL everything, no grace.
    pub fn kill(&mut self) {
        signal::group(self.pgid, libc::SIGCONT);
        signal::group(self.pgid, libc::SIGKILL);
        let _ = self.child.wait();
        self.reap();
    }

    /// SIGTERM to the container's command (as a runtime sends it to the container's main
    /// process: a PID 1 without a handler ignores it), up to `grace` to exit, then SIGKILL.
    pub fn terminate(&mut self, grace: Duration) {
        match procfs::children(&procfs::table(), self.pgid).first() {
            Some(&main) => {
                signal::process(main, libc::SIGTERM);
            }
            // Not started yet: the whole group but the sandbox.
            None => {
                for pid in group_members(self.pgid) {
                    if pid != self.pgid {
                        signal::process(pid, libc::SIGTERM);
                    }
                }
            }
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
    }

    pub fn freeze(&self, frozen: bool) {
        signal::group(
            self.pgid,
            if frozen { libc::SIGSTOP } else { libc::SIGCONT },
        );
    }

    /// Wait up to `timeout`; a command still running then is killed (`None`).
    pub fn wait_for(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                self.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.kill();
        } else {
            self.reap();
        }
    }
}
