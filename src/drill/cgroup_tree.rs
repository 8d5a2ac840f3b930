//! Emptying and removing a cgroup tree: what `cleanup` does with a registered cgroup, and
//! what a stopped container leaves behind.

use std::path::{Path, PathBuf};

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
        // SAFETY: kill(2) only sends a signal; no memory is shared.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
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
