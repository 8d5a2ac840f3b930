//! `--output-dir`: write every file or none.

use anyhow::{Context, bail};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `files` (plain file names and their contents) into `dir`, all or none.
///
/// Every file is first written and synced into a staging directory; nothing under `dir` is
/// touched until all of them are complete. A new `dir` appears in one rename. An existing
/// `dir` keeps its other files and receives ours by one rename each (same file system, since
/// the staging directory is inside it). On any error the staging directory is removed.
pub fn write_dir(dir: &Path, files: &[(String, String)]) -> anyhow::Result<()> {
    check_names(files)?;
    let exists = match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => true,
        Ok(_) => bail!(
            "--output-dir {}: exists and is not a directory",
            dir.display()
        ),
        Err(_) => false,
    };
    let staging_parent = if exists {
        dir.to_path_buf()
    } else {
        match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let staging = create_staging(&staging_parent, dir)?;
    let result = stage(&staging, files).and_then(|()| publish(&staging, dir, files, exists));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn check_names(files: &[(String, String)]) -> anyhow::Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for (name, _) in files {
        let plain =
            !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0']);
        if !plain {
            bail!("output file name `{name}` must be a plain file name");
        }
        if !seen.insert(name) {
            bail!("output file name `{name}` is used twice");
        }
    }
    Ok(())
}

fn create_staging(parent: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    let base = dir
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    for attempt in 0..100 {
        let staging = parent.join(format!(".{base}.staging-{}-{attempt}", std::process::id()));
        match fs::create_dir(&staging) {
            Ok(()) => return Ok(staging),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "--output-dir {}: cannot create {}",
                        dir.display(),
                        staging.display()
                    )
                });
            }
        }
    }
    bail!(
        "--output-dir {}: no free staging directory name",
        dir.display()
    )
}

fn stage(staging: &Path, files: &[(String, String)]) -> anyhow::Result<()> {
    for (name, contents) in files {
        let path = staging.join(name);
        let mut file =
            fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        file.write_all(contents.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn publish(
    staging: &Path,
    dir: &Path,
    files: &[(String, String)],
    exists: bool,
) -> anyhow::Result<()> {
    if !exists {
        return fs::rename(staging, dir)
            .with_context(|| format!("cannot move {} to {}", staging.display(), dir.display()));
    }
    for (name, _) in files {
        let (from, to) = (staging.join(name), dir.join(name));
        fs::rename(&from, &to).with_context(|| format!("cannot replace {}", to.display()))?;
    }
    fs::remove_dir(staging).with_context(|| format!("cannot remove {}", staging.display()))
}
