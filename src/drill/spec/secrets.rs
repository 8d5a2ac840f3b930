//! The Secrets the pods read: where a container's password comes from, and values for the
//! Secrets the manifests reference but do not contain.

use super::super::mounts::{mounted_volume, projected_key};
use super::SecretData;
use k8s_openapi::api::core::v1::{Container, PodSpec};
use std::collections::BTreeMap;

/// The Secret keys (Secret name, key) `container` reads a password from: env from a
/// `secretKeyRef`, or a file of a mounted Secret that an env variable named `*PASSWORD_FILE`
/// points at (the generated manifests' `REDIS_PASSWORD_FILE`).
pub fn password_sources(pod: &PodSpec, container: &Container) -> Vec<(String, String)> {
    let mut sources = Vec::new();
    for env in container.env.iter().flatten() {
        if let Some(r) = env
            .value_from
            .as_ref()
            .and_then(|v| v.secret_key_ref.as_ref())
        {
            sources.push((r.name.clone(), r.key.clone()));
        } else if let Some(path) = env
            .value
            .as_deref()
            .filter(|_| env.name.ends_with("PASSWORD_FILE"))
            && let Some(source) = secret_file(pod, container, path)
        {
            sources.push(source);
        }
    }
    sources
}

/// The Secret and key a container sees at `path`, when a Secret volume is mounted over it.
pub fn secret_file(pod: &PodSpec, container: &Container, path: &str) -> Option<(String, String)> {
    let (volume, relative) = mounted_volume(pod, container, path)?;
    let secret = volume.secret.as_ref()?;
    let key = projected_key(secret.items.as_deref(), relative)?;
    Some((secret.secret_name.clone()?, key.to_string()))
}

/// The values of every password a container reads, each once, in container order.
pub fn passwords(pod: &PodSpec, secrets: &BTreeMap<String, SecretData>) -> Vec<String> {
    let mut passwords: Vec<String> = Vec::new();
    for (name, key) in pod.containers.iter().flat_map(|c| password_sources(pod, c)) {
        if let Some(value) = secrets.get(&name).and_then(|data| data.get(&key)) {
            let value = String::from_utf8_lossy(value).into_owned();
            if !passwords.contains(&value) {
                passwords.push(value);
            }
        }
    }
    passwords
}

/// A Secret the pods reference but the manifests do not contain (production's "existing
/// Secret") gets a throwaway value, as an operator would have created it.
pub fn invent_missing_secrets(
    pod: &PodSpec,
    secrets: &mut BTreeMap<String, SecretData>,
) -> Vec<String> {
    let mut invented = Vec::new();
    let mut reference = |name: &str, key: Option<&str>| {
        if !secrets.contains_key(name) || invented.iter().any(|n| n == name) {
            let entry = secrets.entry(name.to_string()).or_default();
            if let Some(key) = key {
                entry
                    .entry(key.to_string())
                    .or_insert_with(|| format!("drill-{}-{key}", std::process::id()).into_bytes());
            }
            if !invented.iter().any(|n| n == name) {
                invented.push(name.to_string());
            }
        }
    };
    let containers = pod
        .containers
        .iter()
        .chain(pod.init_containers.iter().flatten());
    for container in containers {
        for env in container.env.iter().flatten() {
            if let Some(r) = env
                .value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
            {
                reference(&r.name, Some(&r.key));
            }
        }
    }
    for volume in pod.volumes.iter().flatten() {
        if let Some(secret) = &volume.secret {
            let name = secret.secret_name.clone().unwrap_or_default();
            let keys: Vec<String> = secret
                .items
                .iter()
                .flatten()
                .map(|i| i.key.clone())
                .collect();
            if keys.is_empty() {
                reference(&name, Some("password"));
            }
            for key in keys {
                reference(&name, Some(&key));
            }
        }
    }
    invented
}
