//! Where a binary is on this machine's `PATH`.

use std::path::PathBuf;

/// The first file named `binary` in a directory of `PATH`.
pub fn which(binary: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(binary))
        .find(|path| path.is_file())
}
