//! What a container sees at a path: the volume mounted over it, and the key of the
//! ConfigMap or Secret a projected volume shows there.

use k8s_openapi::api::core::v1::{Container, KeyToPath, PodSpec, Volume};
use std::collections::BTreeMap;

/// The keys of a ConfigMap or Secret and their contents.
pub type SecretData = BTreeMap<String, Vec<u8>>;

/// The volume mounted over `path` in `container`, and `path` relative to its mount point.
pub fn mounted_volume<'a>(
    pod: &'a PodSpec,
    container: &Container,
    path: &'a str,
) -> Option<(&'a Volume, &'a str)> {
    container.volume_mounts.iter().flatten().find_map(|mount| {
        let relative = path
            .strip_prefix(mount.mount_path.trim_end_matches('/'))?
            .strip_prefix('/')?;
        let volume = pod
            .volumes
            .iter()
            .flatten()
            .find(|v| v.name == mount.name)?;
        Some((volume, relative))
    })
}

/// The key a projected volume (`items`, or every key under its own name) shows at `relative`.
pub fn projected_key<'a>(items: Option<&'a [KeyToPath]>, relative: &'a str) -> Option<&'a str> {
    match items {
        Some(items) => items
            .iter()
            .find(|i| i.path == relative)
            .map(|i| i.key.as_str()),
        None => Some(relative),
    }
}
