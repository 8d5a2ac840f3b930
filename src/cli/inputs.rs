//! The files a `lint` run reads: paths as given, folders walked recursively in sorted order,
//! `-` for stdin. A path that cannot be read stops the run (exit 2): linting part of what
//! the user asked for would be a false "all clear". A file name that is not UTF-8 is read
//! as it is and shown lossily (`bad�.yaml`). A folder with a `kustomization.yaml` gives what
//! the kustomization lists instead (kustomize.rs).

use super::kustomize::{self, Follower, Listed};
use crate::bounded_read;
use crate::config::Config;
use crate::escape::printable;
use crate::finding::Finding;
use anyhow::Context;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// File extensions a folder walk picks up.
const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// One input: its display path (`-` for stdin), its raw bytes, and the namespace a
/// kustomization sets on its objects.
#[derive(Debug)]
pub struct Input {
    pub file: String,
    pub bytes: Vec<u8>,
    pub namespace: Option<String>,
}

/// Read every input named by `paths`, skipping files the config ignores and any file named
/// twice; with the `kustomization-not-applied` infos of the kustomizations followed.
pub fn collect(paths: &[String], config: &Config) -> anyhow::Result<(Vec<Input>, Vec<Finding>)> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = |path: &Path| display(path, &cwd);
    // Each file as shown (a name that is not UTF-8 lossily) and as it is opened (exactly).
    let mut follower = Follower::new(&shown);
    for path in paths {
        let given = Path::new(path);
        if path == "-" {
            follower.files.push(Listed {
                shown: path.clone(),
                path: PathBuf::from(path),
                namespace: None,
            });
        } else if given.is_dir() {
            walk(given, &mut follower)?;
        } else if kustomize::is_kustomization(given) && given.is_file() {
            let dir = given.parent().unwrap_or(Path::new("."));
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            follower.follow(dir, given, None)?;
        } else {
            follower.files.push(Listed {
                shown: shown(given),
                path: PathBuf::from(path),
                namespace: None,
            });
        }
    }
    let Follower {
        mut files,
        findings,
        ..
    } = follower;
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| f.shown == "-" || !config.is_ignored(&f.shown));
    // Named twice (`a.yaml ./a.yaml`): the same shown name; names that are not UTF-8 may
    // share a lossy one, so those are told apart by the path itself.
    files.retain(|f| {
        seen.insert((
            f.shown.clone(),
            f.path.to_str().is_none().then(|| f.path.clone()),
        ))
    });
    let inputs = files
        .into_iter()
        .map(|f| read(f.shown, &f.path, f.namespace))
        .collect::<anyhow::Result<Vec<Input>>>()?;
    Ok((inputs, findings))
}

fn read(file: String, path: &Path, namespace: Option<String>) -> anyhow::Result<Input> {
    let bytes = if file == "-" {
        if std::io::stdin().is_terminal() {
            eprintln!("reading manifests from stdin (end with Ctrl-D; give paths to lint files)");
        }
        bounded_read::stdin()?
    } else {
        bounded_read::file(path, &file)?
    };
    Ok(Input {
        file,
        bytes,
        namespace,
    })
}

/// Manifests under `dir`, depth first in name order. Hidden entries (`.git`, `.github`) are
/// skipped, and symlinked folders are not followed so a link cycle cannot loop. A folder
/// with a kustomization gives what the kustomization lists.
fn walk(dir: &Path, follower: &mut Follower) -> anyhow::Result<()> {
    if let Some(file) = kustomize::file_in(dir) {
        return follower.follow(dir, &file, None);
    }
    let shown = || printable(&dir.display().to_string()).into_owned();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read folder {}", shown()))?;
    let mut entries = entries
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("cannot read folder {}", shown()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry
            .file_type()
            .with_context(|| format!("cannot stat {}", printable(&path.display().to_string())))?;
        if file_type.is_dir() {
            walk(&path, follower)?;
        } else if is_manifest(&path) && (file_type.is_file() || path.is_file()) {
            follower.files.push(Listed {
                shown: (follower.display)(&path),
                path,
                namespace: None,
            });
        }
    }
    Ok(())
}

fn is_manifest(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The path as findings show it: `/`-separated, without a leading `./`, and relative to the
/// working directory when it lies below it — what `ignore-paths` globs and SARIF URIs expect.
fn display(path: &Path, cwd: &Path) -> String {
    let relative = path
        .strip_prefix(cwd)
        .ok()
        .filter(|rest| !rest.as_os_str().is_empty())
        .unwrap_or(path);
    let shown = relative.to_string_lossy().replace('\\', "/");
    match shown.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => shown,
    }
}
