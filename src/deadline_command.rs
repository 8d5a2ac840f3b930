//! Running a child process under a deadline. Its output is read while it runs (a full pipe
//! cannot stall it), and when the deadline passes its whole process group is killed, so a
//! grandchild holding the pipes (a shell's `sleep`, a `kubectl exec` stream) cannot keep the
//! reader waiting either. The timed wait is the `wait-timeout` crate's: std has none.

use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::Instant;
use wait_timeout::ChildExt;

/// What a child printed, at most this much per stream (a reply larger than `status` accepts
/// is cut here, not held).
const MAX_STREAM_BYTES: u64 = 16 << 20;

pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Run `command` to its end, or until `deadline`: `Ok(None)` when the deadline passed first
/// (the child and its group are killed and reaped).
pub fn output_until(command: &mut Command, deadline: Instant) -> io::Result<Option<Finished>> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let remaining = deadline.saturating_duration_since(Instant::now());
    let status = match child.wait_timeout(remaining)? {
        Some(status) => status,
        None => {
            kill_group(&mut child);
            let _ = (stdout.join(), stderr.join());
            return Ok(None);
        }
    };
    Ok(Some(Finished {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }))
}

fn drain(stream: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(stream) = stream {
            let _ = stream.take(MAX_STREAM_BYTES).read_to_end(&mut bytes);
        }
        bytes
    })
}

fn kill_group(child: &mut Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: signals the process group this module created for the child (pgid = pid).
        unsafe { libc::killpg(pid, libc::SIGKILL) };
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_child_that_finishes_in_time_gives_its_output() {
        let done = output_until(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            Instant::now() + Duration::from_secs(10),
        )
        .unwrap()
        .expect("finished");
        assert_eq!(done.status.code(), Some(3));
        assert_eq!(done.stdout, b"out\n");
        assert_eq!(done.stderr, b"err\n");
    }

    #[test]
    fn a_child_past_the_deadline_is_killed_with_its_grandchildren() {
        let started = Instant::now();
        // The grandchild `sleep` holds stdout: only killing the group ends the readers.
        let outcome = output_until(
            Command::new("sh").args(["-c", "sleep 30; echo late"]),
            started + Duration::from_millis(300),
        )
        .unwrap();
        assert!(outcome.is_none());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}
