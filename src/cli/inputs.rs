//! The files a `lint` run reads: paths as given, folders walked recursively in sorted order,
//! `-` for stdin. A path that cannot be read stops the run (exit 2): linting part of what
//! the user asked for would be a false "all clear". A file name that is not UTF-8 is read
//! as it is and shown lossily (`bad�.yaml`). A folder with a `kustomization.yaml` gives what
//! the kustomization lists instead (kustomize.rs), built when lint cannot apply all of it
//! (kustomize_build.rs).

use super::kustomize::{self, Follower, Listed};
use super::kustomize_build::{self, Build, NotBuilt};
use crate::bounded_read;
use crate::config::Config;
use crate::escape::printable;
use crate::finding::{Finding, Severity};
use anyhow::Context;
use std::collections::BTreeSet;
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

/// What a `lint` run reads: the files, the infos of the kustomizations followed, and the
/// builds that stand for some of the files' objects.
pub struct Collected {
    pub inputs: Vec<Input>,
    pub findings: Vec<Finding>,
    pub builds: Vec<Build>,
}

/// Read every input named by `paths`, skipping files the config ignores and any file named
/// twice; a kustomization with fields lint cannot apply is built when `build` is set.
pub fn collect(paths: &[String], config: &Config, build: bool) -> anyhow::Result<Collected> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = |path: &Path| display(path, &cwd);
    // Each file as shown (a name that is not UTF-8 lossily) and as it is opened (exactly).
    let mut follower = Follower::new(&shown);
    let mut kustomized = Kustomized {
        build,
        builds: Vec::new(),
    };
    for path in paths {
        let given = Path::new(path);
        if path == "-" {
            follower.files.push(Listed {
                shown: path.clone(),
                path: PathBuf::from(path),
                namespace: None,
            });
        } else if given.is_dir() {
            walk(given, &mut follower, &mut kustomized)?;
        } else if kustomize::is_kustomization(given) && given.is_file() {
            let dir = given.parent().unwrap_or(Path::new("."));
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            kustomized.follow(&mut follower, dir, given)?;
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
    Ok(Collected {
        inputs,
        findings,
        builds: kustomized.builds,
    })
}

/// Kustomizations given or found, followed and built when needed.
struct Kustomized {
    build: bool,
    builds: Vec<Build>,
}

impl Kustomized {
    /// Follow the kustomization `file` of `dir`. When lint announced fields it cannot apply,
    /// build it instead (unless told not to, or it lists a remote resource); a build that
    /// cannot be made leaves the unbuilt reading and says why at info.
    fn follow(&mut self, follower: &mut Follower, dir: &Path, file: &Path) -> anyhow::Result<()> {
        let (files_from, notes_from) = (follower.files.len(), follower.findings.len());
        follower.remote = false;
        follower.follow(dir, file, None)?;
        if !self.build || follower.findings.len() == notes_from {
            return Ok(());
        }
        let shown = (follower.display)(file);
        let why = if follower.remote {
            "it lists a remote resource, which the build would fetch (lint reads no network)"
                .to_string()
        } else {
            match kustomize_build::build(dir) {
                Ok((text, tool)) => {
                    follower.findings.truncate(notes_from);
                    follower
                        .findings
                        .push(kustomize_build::built_note(&shown, &tool));
                    let sources: BTreeSet<String> = follower.files[files_from..]
                        .iter()
                        .filter(|f| !kustomize::is_kustomization(&f.path))
                        .map(|f| f.shown.clone())
                        .collect();
                    self.builds.push(Build {
                        kustomization: shown,
                        sources,
                        text,
                    });
                    return Ok(());
                }
                Err(NotBuilt::NoTool) => {
                    "neither `kustomize` nor `kubectl` is on PATH to build it".to_string()
                }
                Err(NotBuilt::Failed(said)) => format!("its build failed: {said}"),
            }
        };
        let mut note = Finding::new(
            kustomize::KUSTOMIZATION_NOT_APPLIED,
            Severity::Info,
            format!("this kustomization was not built ({why}): its resources were read unbuilt"),
        );
        note.file = Some(shown);
        follower.findings.push(note);
        Ok(())
    }
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
fn walk(dir: &Path, follower: &mut Follower, kustomized: &mut Kustomized) -> anyhow::Result<()> {
    if let Some(file) = kustomize::file_in(dir) {
        return kustomized.follow(follower, dir, &file);
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
            walk(&path, follower, kustomized)?;
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
