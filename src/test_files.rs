//! The repository's own test inputs, for unit tests that hold two readings of the same files
//! to one answer (the block-style reader and saphyr, the quick schema walk and the validator).

use std::path::{Path, PathBuf};

/// Every file under `tests/` whose extension is one of `extensions`, in sorted order.
pub(crate) fn under_tests(extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    collect(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"),
        extensions,
        &mut found,
    );
    found.sort();
    found
}

fn collect(dir: &Path, extensions: &[&str], found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, extensions, found);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            found.push(path);
        }
    }
}
