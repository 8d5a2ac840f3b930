//! `--output-dir DIR`: one file per concern, written all or nothing.
//!
//! A `kustomization.yaml` lists the files, so `kubectl apply -k DIR` works and overlays can
//! use DIR as a base. Every file is written into a fresh directory beside DIR, which then takes DIR's place
//! with one rename; on any error the fresh directory is removed and DIR is untouched.
//! Missing parents of DIR are created (as `helm template --output-dir` does). A record of
//! what was written (`output_record`) lets a later run replace exactly those files: a file
//! someone added to DIR, or an edit to a written file, stops the run instead of vanishing.

use super::args::Encoding;
use super::encode::encode;
use super::output_record::{self, Entry, RECORD};
use crate::manifest::Document;
use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file a document belongs in (seed names for the StatefulSet and Sentinel ConfigMap).
pub fn concern(document: &Document) -> String {
    let kind = document.kind();
    match kind {
        "StatefulSet" => "redis-statefulset".into(),
        "ConfigMap" if document.name().contains("sentinel") => "redis-sentinel-configmap".into(),
        "ConfigMap" => "redis-configmap".into(),
        "Service" => "redis-services".into(),
        "PodDisruptionBudget" => "redis-pdb".into(),
        "NetworkPolicy" => "redis-networkpolicy".into(),
        "ServiceAccount" => "redis-serviceaccount".into(),
        other => format!("redis-{}", other.to_lowercase()),
    }
}

const KUSTOMIZATION: &str = "kustomization.yaml";

/// A Kustomization whose resources are every generated file.
fn kustomization<'a>(files: impl Iterator<Item = &'a String>) -> String {
    let mut text =
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n".to_owned();
    for name in files {
        text.push_str("  - ");
        text.push_str(name);
        text.push('\n');
    }
    text
}

/// Files and their contents, in a stable order.
fn files(documents: &[Document], encoding: Encoding) -> anyhow::Result<BTreeMap<String, String>> {
    let extension = match encoding {
        Encoding::Yaml => "yaml",
        Encoding::Json => "json",
    };
    let mut groups: BTreeMap<String, Vec<Document>> = BTreeMap::new();
    for document in documents {
        groups
            .entry(format!("{}.{extension}", concern(document)))
            .or_default()
            .push(document.clone());
    }
    let mut files = groups
        .into_iter()
        .map(|(name, docs)| Ok((name, encode(&docs, encoding)?)))
        .collect::<anyhow::Result<BTreeMap<_, _>>>()?;
    files.insert(KUSTOMIZATION.into(), kustomization(files.keys()));
    Ok(files)
}

pub fn write(dir: &Path, documents: &[Document], encoding: Encoding) -> anyhow::Result<()> {
    let mut files = files(documents, encoding)?;
    files.insert(RECORD.into(), output_record::render(&files));
    let shown = dir.display();
    let existing = existing_files(dir)?;
    let name = dir
        .file_name()
        .with_context(|| format!("--output-dir {shown}: not a directory name"))?
        .to_string_lossy()
        .into_owned();
    refuse_what_is_not_ours(dir, &name, &existing)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).with_context(|| {
        format!(
            "--output-dir {shown}: cannot create its parent directory {} (nothing was written)",
            parent.display()
        )
    })?;
    // Unique per run (process and clock), so no leftover of an interrupted run is in the way.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let staging = parent.join(format!(
        ".{name}.redis-ha-gen-{}-{nanos}",
        std::process::id()
    ));
    let result = stage(&staging, &files).and_then(|()| swap(&staging, dir, !existing.is_empty()));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result.with_context(|| format!("--output-dir {shown}: nothing was written"))
}

/// Stop before anything is written when DIR holds a file an earlier run did not write, or
/// one it wrote that was edited since: replacing DIR would delete it.
fn refuse_what_is_not_ours(dir: &Path, name: &str, existing: &[String]) -> anyhow::Result<()> {
    let shown = dir.display();
    let record = match std::fs::read_to_string(dir.join(RECORD)) {
        Ok(text) => output_record::parse(&text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Default::default(),
        Err(err) => {
            return Err(err).with_context(|| format!("--output-dir {shown}: cannot read {RECORD}"));
        }
    };
    for entry in existing.iter().filter(|entry| *entry != RECORD) {
        let path = dir.join(entry);
        let text = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => Some(
                std::fs::read(&path)
                    .with_context(|| format!("--output-dir {shown}: cannot read {entry}"))?,
            ),
            _ => None,
        };
        match output_record::judge(&record, entry, text.as_deref()) {
            Entry::Ours => {}
            Entry::Edited => bail!(
                "--output-dir {shown}: `{entry}` was changed since redis-ha-gen wrote it, and a \
                 new run would replace it; keep changes in an overlay instead (a directory whose \
                 kustomization.yaml has `resources: [../{name}]` and your patches), then remove \
                 or restore the file (nothing was written)"
            ),
            Entry::Foreign => bail!(
                "--output-dir {shown}: the directory holds `{entry}`, which redis-ha-gen did not \
                 write (it is not in {RECORD}), and a new run would delete it; move it elsewhere \
                 or choose an empty or new directory (nothing was written)"
            ),
        }
    }
    Ok(())
}

/// Names of the entries in `dir` (none when it does not exist).
fn existing_files(dir: &Path) -> anyhow::Result<Vec<String>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
            .collect(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", dir.display())),
    }
}

/// Errors name the file, not the staging directory the user never sees.
fn stage(staging: &Path, files: &BTreeMap<String, String>) -> anyhow::Result<()> {
    std::fs::create_dir(staging).context("cannot create a directory beside it")?;
    for (name, text) in files {
        std::fs::write(staging.join(name), text).with_context(|| format!("cannot write {name}"))?;
    }
    Ok(())
}

/// Put `staging` in `dir`'s place. A previous run's output is moved aside first and
/// restored if the rename fails.
fn swap(staging: &Path, dir: &Path, replace: bool) -> anyhow::Result<()> {
    if !replace {
        // rename(2) replaces an empty directory, so an empty DIR needs no set-aside.
        return std::fs::rename(staging, dir)
            .with_context(|| format!("cannot move the files into {}", dir.display()));
    }
    // DIR keeps its mode (a 0750 deploy folder stays 0750).
    let mode = std::fs::metadata(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .permissions();
    std::fs::set_permissions(staging, mode)
        .with_context(|| format!("cannot give the new files the mode of {}", dir.display()))?;
    let mut aside = staging.as_os_str().to_owned();
    aside.push(".old");
    let aside = PathBuf::from(aside);
    std::fs::rename(dir, &aside).with_context(|| format!("cannot replace {}", dir.display()))?;
    if let Err(err) = std::fs::rename(staging, dir) {
        let _ = std::fs::rename(&aside, dir);
        return Err(err).with_context(|| format!("cannot move the files into {}", dir.display()));
    }
    // The new files are in place: a previous file that cannot be removed is worth a
    // warning, not a failure (the run did write).
    if let Err(err) = std::fs::remove_dir_all(&aside) {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "warning: --output-dir {}: the previous files could not be removed from {}: {err}",
            dir.display(),
            aside.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(kind: &str, name: &str) -> Document {
        Document::from_value(
            "-",
            0,
            serde_json::json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name}}),
        )
    }

    #[test]
    fn a_leftover_of_an_earlier_run_is_not_in_the_way_and_the_mode_is_kept() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("out");
        let docs = [document("StatefulSet", "redis")];
        write(&dir, &docs, Encoding::Yaml).expect("first run");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o750)).unwrap();
        // What an interrupted run of the previous naming left behind.
        let leftover = tmp.path().join(".out.old");
        std::fs::create_dir(&leftover).unwrap();
        std::fs::write(leftover.join("x"), "x").unwrap();
        write(&dir, &docs, Encoding::Yaml).expect("second run");
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o750);
        let names: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "staging left behind: {names:?}");
    }

    #[test]
    fn kustomization_lists_every_file_written() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("out");
        let documents = [
            document("StatefulSet", "redis"),
            document("ConfigMap", "redis-sentinel"),
            document("Service", "redis"),
            document("Service", "redis-headless"),
        ];
        write(&dir, &documents, Encoding::Yaml).expect("written");
        let text = std::fs::read_to_string(dir.join(KUSTOMIZATION)).expect("kustomization");
        let mut written: Vec<String> = existing_files(&dir).expect("listed");
        written.retain(|n| n != KUSTOMIZATION && n != RECORD);
        written.sort();
        let listed: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("  - "))
            .collect();
        assert_eq!(listed, written);
        assert!(
            text.starts_with("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")
        );
        // A second run replaces the first, kustomization.yaml included.
        write(&dir, &documents[..1], Encoding::Yaml).expect("rewritten");
        let text = std::fs::read_to_string(dir.join(KUSTOMIZATION)).expect("kustomization");
        assert_eq!(text.lines().filter(|l| l.starts_with("  - ")).count(), 1);
    }
}
