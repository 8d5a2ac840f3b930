//! Sending a signal to one process or to one process group, and never to more.
//!
//! kill(2) reads a pid of 0 as "every process of the caller's own group" and -1 as "every
//! process the caller may signal": a 0 that reaches it by accident SIGKILLs the drill and
//! whatever shares its process group — `make`, `cargo test`, a CI run's shell. The drill
//! reads pids from files (a stopped container's `cgroup.procs`, whose pids the kernel
//! prints as seen from the reader, 0 for a task it no longer numbers), and a CI run and an
//! exploration each died of one SIGKILL to their own process group; a 0 from that file is
//! the one path in the code that does this (the 0 itself was not reproduced; CHANGELOG,
//! Fixed). So every signal the drill sends goes through here, which refuses any target but
//! one positive pid or one process group led by pid > 1.

/// Signal process `pid`; a `pid` below 1 is refused (false), never passed to kill(2).
pub fn process(pid: i32, sig: i32) -> bool {
    if pid < 1 {
        return false;
    }
    // SAFETY: kill(2) only sends a signal; no memory is shared.
    unsafe { libc::kill(pid, sig) == 0 }
}

/// Signal every member of process group `pgid`; a `pgid` below 2 is refused (false): 0 and
/// 1 would become kill(2)'s "own group" and "everyone" once negated.
pub fn group(pgid: i32, sig: i32) -> bool {
    if pgid < 2 {
        return false;
    }
    // SAFETY: kill(2) with a negative pid signals that one process group; no memory is shared.
    unsafe { libc::kill(-pgid, sig) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callers_group_and_everyone_are_never_targets() {
        // Signal 0 checks the target without sending anything, so a refusal is visible
        // as false while a real target answers true.
        for pid in [0, -1, -2, i32::MIN] {
            assert!(!process(pid, 0), "pid {pid} reached kill(2)");
        }
        for pgid in [0, 1, -1, i32::MIN] {
            assert!(!group(pgid, 0), "pgid {pgid} reached kill(2)");
        }
        let me = i32::try_from(std::process::id()).expect("pid");
        assert!(process(me, 0));
        // SAFETY: getpgrp(2) only reads the caller's process group.
        let own_group = unsafe { libc::getpgrp() };
        assert!(own_group < 2 || group(own_group, 0));
    }
}
