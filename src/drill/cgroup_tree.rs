//! Emptying and removing a cgroup tree: what `cleanup` does with a registered cgroup, and
//! what a stopped container leaves behind.

use super::signal;
use std::path::{Path, PathBuf};

/// The pids `cgroup.procs` lists, as printed: a 0 among them (a task the kernel no longer
/// numbers) is refused by `signal`, as kill(2) would take it for the drill's own group.
fn processes_of(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// SIGKILL every process in the cgroup `dir` (not below it).
pub fn kill_all_in(dir: &Path) {
    for pid in processes_of(dir) {
        signal::process(pid, libc::SIGKILL);
    }
}

/// Kill what is left in `dir` and below, then remove the cgroups, deepest first.
pub fn remove_tree(dir: &Path) {
    let mut dirs = Vec::new();
    collect_dirs(dir, &mut dirs);
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for dir in &dirs {
        kill_all_in(dir);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::{CommandExt, ExitStatusExt};

    const DIR_VARIABLE: &str = "REDIS_HA_GEN_TEST_KILL_ALL_IN";

    /// The child's half of the test below: empty the cgroup named by the variable, then
    /// return normally (the test binary exits 0).
    #[test]
    fn empties_the_cgroup_named_by_the_environment() {
        if let Some(dir) = std::env::var_os(DIR_VARIABLE) {
            kill_all_in(Path::new(&dir));
        }
    }

    /// A `cgroup.procs` that lists an exiting process as 0 must not make the drill SIGKILL
    /// its own process group (kill(2)'s reading of pid 0): that once killed a whole CI run,
    /// `make` and `cargo test` with it. The test binary runs `kill_all_in` on such a file in
    /// a child of its own process group, which must end by itself, not by SIGKILL.
    #[test]
    fn a_zero_in_cgroup_procs_kills_nobody() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("cgroup.procs"), "0\n").expect("write");
        let status = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "drill::cgroup_tree::tests::empties_the_cgroup_named_by_the_environment",
                "--quiet",
            ])
            .env(DIR_VARIABLE, dir.path())
            .stdout(std::process::Stdio::null())
            .process_group(0)
            .status()
            .expect("run the test binary");
        assert_eq!(
            status.signal(),
            None,
            "the child killed its own group: {status}"
        );
        assert!(status.success(), "{status}");
    }
}
