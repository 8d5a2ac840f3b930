//! One container's processes: a process group led by the sandbox (`bwrap`), whose child is
//! the container's command. Signals that must let the command shut down cleanly (SIGTERM) go
//! to every member but the leader: `bwrap` itself would die at once and orphan the command.

use super::cleanup::{self, Resource};
use anyhow::Context;
use std::fs::OpenOptions;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct Process {
    child: Child,
    pgid: i32,
}

/// Members of process group `pgid`, from /proc.
fn group_members(pgid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    // Fields after the command name (which may hold spaces) in parentheses.
                    let rest = &stat[stat.rfind(')')? + 2..];
                    rest.split(' ').nth(2)?.parse::<i32>().ok()
                })
                == Some(pgid)
        })
        .collect()
}

fn signal(pid: i32, sig: i32) {
    // SAFETY: kill(2) only sends a signal; no memory is shared.
    unsafe {
        libc::kill(pid, sig);
    }
}

impl Process {
    /// Start `command` as a new process group, output appended to `log`.
    pub fn spawn(mut command: Command, log: &Path) -> anyhow::Result<Process> {
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
        Ok(Process { child, pgid })
    }

    /// The exit status, once the container's command has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        let status = self.child.try_wait().ok().flatten()?;
        // Whatever the command left behind goes with it, as with a container's cgroup.
        self.reap();
        Some(status)
    }

    fn reap(&mut self) {
        signal(-self.pgid, libc::SIGKILL);
        let resource = Resource::ProcessGroup(self.pgid);
        cleanup::forget(&resource);
    }

    /// SIGKILL everything, no grace.
    pub fn kill(&mut self) {
        signal(-self.pgid, libc::SIGCONT);
        signal(-self.pgid, libc::SIGKILL);
        let _ = self.child.wait();
        self.reap();
    }

    /// SIGTERM, up to `grace` to exit, then SIGKILL.
    pub fn terminate(&mut self, grace: Duration) {
        for pid in group_members(self.pgid) {
            if pid != self.pgid {
                signal(pid, libc::SIGTERM);
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
        signal(
            -self.pgid,
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
