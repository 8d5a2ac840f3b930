//! Pod volumes as host directories, bind-mounted by the sandbox at their `mountPath`:
//! ConfigMap and Secret volumes are read-only files written fresh at each pod start (as the
//! kubelet projects them), emptyDirs are new at each pod start, and PersistentVolumeClaims
//! are directories that outlive pod restarts until a scenario wipes them.
//!
//! Ownership is the kubelet's (`SetVolumeOwnership`): projected files belong to root with
//! their `defaultMode`/`mode`; an emptyDir is mode 0777; a claim is a fresh filesystem's
//! root-owned 0755 directory. With an `fsGroup` every volume's files get that group and
//! group read (read-only volumes) or read-write, directories setgid — a claim's whole tree,
//! or only when its top directory does not match yet with `fsGroupChangePolicy:
//! OnRootMismatch`.

use super::cleanup::{self, Resource};
use super::security::PodSecurity;
use super::spec::{HaSpec, SecretData};
use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::{KeyToPath, PodSpec};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A volume of one pod start: where it is on the host, and whether it is read-only.
#[derive(Clone, Debug)]
pub struct HostVolume {
    pub path: PathBuf,
    pub read_only: bool,
}

/// Where the claim `claim` of pod `ordinal` keeps its data.
pub fn claim_dir(run_dir: &Path, spec: &HaSpec, claim: &str, ordinal: usize) -> PathBuf {
    run_dir
        .join("pvc")
        .join(format!("{claim}-{}", spec.pod_name(ordinal)))
}

/// Empty every claim of pod `ordinal` (a lost or replaced disk).
pub fn wipe_claims(run_dir: &Path, spec: &HaSpec, ordinal: usize) -> anyhow::Result<()> {
    for claim in &spec.claim_templates {
        let dir = claim_dir(run_dir, spec, claim, ordinal);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    Ok(())
}

/// Materialize every volume of pod `ordinal` for a new start, with the Secrets as they are
/// now (`secrets`).
pub fn prepare(
    run_dir: &Path,
    spec: &HaSpec,
    secrets: &BTreeMap<String, SecretData>,
    ordinal: usize,
    security: &PodSecurity,
) -> anyhow::Result<BTreeMap<String, HostVolume>> {
    let volumes = materialize(run_dir, spec, secrets, ordinal)?;
    own(run_dir, &volumes, security)?;
    Ok(volumes)
}

/// Materialize the volumes of one pod of CronJob `job` (`pod`, its job template) for a
/// run: its ConfigMaps, Secrets and emptyDirs new, its claims the set's directories.
pub fn prepare_job(
    run_dir: &Path,
    spec: &HaSpec,
    secrets: &BTreeMap<String, SecretData>,
    job: &str,
    pod: &PodSpec,
    security: &PodSecurity,
) -> anyhow::Result<BTreeMap<String, HostVolume>> {
    let pod_dir = run_dir.join("jobs").join(job).join("volumes");
    unmount_below(&pod_dir);
    let _ = std::fs::remove_dir_all(&pod_dir);
    let volumes = pod_volumes(run_dir, spec, secrets, pod, &pod_dir)?;
    own(run_dir, &volumes, security)?;
    Ok(volumes)
}

/// The kubelet's ownership of a pod's volumes (see the module's documentation).
fn own(
    run_dir: &Path,
    volumes: &BTreeMap<String, HostVolume>,
    security: &PodSecurity,
) -> anyhow::Result<()> {
    for (name, volume) in volumes {
        let claim = volume.path.starts_with(run_dir.join("pvc"));
        if !claim && !volume.read_only {
            // An emptyDir: world-writable, as the kubelet makes it.
            chmod(&volume.path, 0o777)?;
        }
        if let Some(group) = security.fs_group {
            if claim && security.on_root_mismatch && owned_by(&volume.path, group) {
                continue;
            }
            set_ownership(&volume.path, group, volume.read_only)
                .with_context(|| format!("fsGroup of volume {name:?}"))?;
        }
    }
    Ok(())
}

fn chmod(path: &Path, mode: u32) -> anyhow::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot chmod {}", path.display()))
}

/// The top directory already has the group, setgid and group rwx (OnRootMismatch's test).
fn owned_by(dir: &Path, group: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).is_ok_and(|m| m.gid() == group && m.mode() & 0o2070 == 0o2070)
}

/// The kubelet's `SetVolumeOwnership`: group `group`, group read (read-only) or read-write
/// on files, plus setgid and group execute on directories, the whole tree.
fn set_ownership(path: &Path, group: u32, read_only: bool) -> anyhow::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    std::os::unix::fs::lchown(path, None, Some(group))
        .with_context(|| format!("cannot chown {}", path.display()))?;
    let mut mask = if read_only { 0o440 } else { 0o660 };
    if meta.is_dir() {
        mask |= 0o2000 | 0o110;
    }
    chmod(path, (meta.permissions().mode() & 0o7777) | mask)?;
    if meta.is_dir() {
        for entry in std::fs::read_dir(path)? {
            set_ownership(&entry?.path(), group, read_only)?;
        }
    }
    Ok(())
}

fn materialize(
    run_dir: &Path,
    spec: &HaSpec,
    secrets: &BTreeMap<String, SecretData>,
    ordinal: usize,
) -> anyhow::Result<BTreeMap<String, HostVolume>> {
    let pod_dir = run_dir
        .join("pods")
        .join(spec.pod_name(ordinal))
        .join("volumes");
    unmount_below(&pod_dir);
    let _ = std::fs::remove_dir_all(&pod_dir);
    let mut volumes = BTreeMap::new();
    for claim in &spec.claim_templates {
        let path = claim_dir(run_dir, spec, claim, ordinal);
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        volumes.insert(
            claim.clone(),
            HostVolume {
                path,
                read_only: false,
            },
        );
    }
    volumes.extend(pod_volumes(run_dir, spec, secrets, &spec.pod, &pod_dir)?);
    Ok(volumes)
}

/// The `volumes` of `pod`, materialized under `pod_dir` (claims: under `run_dir`).
fn pod_volumes(
    run_dir: &Path,
    spec: &HaSpec,
    secrets: &BTreeMap<String, SecretData>,
    pod: &PodSpec,
    pod_dir: &Path,
) -> anyhow::Result<BTreeMap<String, HostVolume>> {
    let mut volumes = BTreeMap::new();
    for volume in pod.volumes.iter().flatten() {
        let path = pod_dir.join(&volume.name);
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let read_only = if let Some(cm) = &volume.config_map {
            let name = cm.name.as_str();
            let data = spec.config_maps.get(name);
            if data.is_none() && !cm.optional.unwrap_or(false) {
                bail!(
                    "volume {:?} mounts ConfigMap {name:?}, which is not in the manifests: add it to the input",
                    volume.name
                );
            }
            project(&path, data, cm.items.as_deref(), cm.default_mode)?;
            true
        } else if let Some(secret) = &volume.secret {
            let name = secret.secret_name.clone().unwrap_or_default();
            project(
                &path,
                secrets.get(&name),
                secret.items.as_deref(),
                secret.default_mode,
            )?;
            true
        } else if let Some(empty_dir) = &volume.empty_dir {
            if empty_dir.medium.as_deref() == Some("Memory") {
                mount_tmpfs(&path, empty_dir.size_limit.as_ref().map(|q| q.0.as_str()))?;
            }
            false
        } else if let Some(pvc) = &volume.persistent_volume_claim {
            let claim = run_dir.join("pvc").join(&pvc.claim_name);
            std::fs::create_dir_all(&claim)?;
            volumes.insert(
                volume.name.clone(),
                HostVolume {
                    path: claim,
                    read_only: false,
                },
            );
            continue;
        } else {
            bail!(
                "volume {:?}: only configMap, secret, emptyDir and persistentVolumeClaim volumes can be drilled",
                volume.name
            );
        };
        volumes.insert(volume.name.clone(), HostVolume { path, read_only });
    }
    Ok(volumes)
}

/// A memory-backed emptyDir: a tmpfs of `sizeLimit` bytes, as the kubelet mounts it (a
/// write past it fails with ENOSPC; its pages count against the writer's memory limit).
fn mount_tmpfs(path: &Path, size_limit: Option<&str>) -> anyhow::Result<()> {
    let mut options = "mode=0777".to_string();
    if let Some(text) = size_limit {
        let bytes = crate::model::units::quantity(text)
            .filter(|b| *b >= 1.0)
            .with_context(|| format!("emptyDir sizeLimit {text:?} is not a quantity"))?;
        options.push_str(&format!(",size={}", bytes as u64));
    }
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &options, "tmpfs"])
        .arg(path)
        .status()
        .context("cannot run mount")?;
    if !status.success() {
        bail!("cannot mount a tmpfs on {}: {status}", path.display());
    }
    cleanup::register(Resource::Mount(path.to_path_buf()));
    Ok(())
}

/// Unmount the tmpfs volumes below `dir` (a previous start of the pod, or the whole set).
pub fn unmount_below(dir: &Path) {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let mut points: Vec<PathBuf> = mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(PathBuf::from)
        .filter(|p| p.starts_with(dir))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for point in points {
        let resource = Resource::Mount(point);
        cleanup::remove(&resource);
        cleanup::forget(&resource);
    }
}

/// The kubelet's update of a running pod's volumes that project Secret `name` (never
/// `subPath` mounts, which the drill does not model): every file written again from `data`,
/// keys no longer in it removed, with the pod's fsGroup ownership.
pub fn refresh_secret(
    spec: &HaSpec,
    volumes: &BTreeMap<String, HostVolume>,
    name: &str,
    data: &SecretData,
    security: &PodSecurity,
) -> anyhow::Result<()> {
    for volume in spec.pod.volumes.iter().flatten() {
        let Some(secret) = &volume.secret else {
            continue;
        };
        if secret.secret_name.as_deref() != Some(name) {
            continue;
        }
        let Some(host) = volumes.get(&volume.name) else {
            continue;
        };
        for entry in std::fs::read_dir(&host.path)? {
            let path = entry?.path();
            if path.is_dir() {
                std::fs::remove_dir_all(&path)?;
            } else {
                std::fs::remove_file(&path)?;
            }
        }
        project(
            &host.path,
            Some(data),
            secret.items.as_deref(),
            secret.default_mode,
        )?;
        // The kubelet writes the new files with the volume's ownership again.
        if let Some(group) = security.fs_group {
            set_ownership(&host.path, group, host.read_only)?;
        }
    }
    Ok(())
}

/// Write the keys of a ConfigMap or Secret as files (all keys, or the listed items).
fn project(
    dir: &Path,
    data: Option<&BTreeMap<String, Vec<u8>>>,
    items: Option<&[KeyToPath]>,
    default_mode: Option<i32>,
) -> anyhow::Result<()> {
    let Some(data) = data else { return Ok(()) };
    let files: Vec<(&str, &str, Option<i32>)> = match items {
        Some(items) => items
            .iter()
            .map(|i| (i.key.as_str(), i.path.as_str(), i.mode.or(default_mode)))
            .collect(),
        None => data
            .keys()
            .map(|k| (k.as_str(), k.as_str(), default_mode))
            .collect(),
    };
    for (key, rel, mode) in files {
        let Some(content) = data.get(key) else {
            bail!("key {key:?} is not in the ConfigMap/Secret the volume projects")
        };
        if rel.split('/').any(|part| part == "..") {
            bail!("item path {rel:?} leaves the volume");
        }
        let file = dir.join(rel);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, content)
            .with_context(|| format!("cannot write {}", file.display()))?;
        let mode = u32::try_from(mode.unwrap_or(0o644)).unwrap_or(0o644);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}
