//! The pod template's containers as the drill runs them: which serves Redis, which
//! Sentinel, which exports metrics, and on what ports.

use super::super::exporter;
use super::super::tls::ConfTls;
use anyhow::Context;
use k8s_openapi::api::core::v1::{Container, PodSpec};

/// The Redis container serves 6379 (or is named `redis`); the Sentinel one 26379 (or is
/// named `sentinel`).
fn pick_containers(pod: &PodSpec) -> anyhow::Result<(String, Option<String>)> {
    let serves =
        |c: &Container, port: i32| c.ports.iter().flatten().any(|p| p.container_port == port);
    let servers = || pod.containers.iter().filter(|c| !is_exporter(c));
    let sentinel = servers()
        .find(|c| serves(c, 26379) || c.name.contains("sentinel"))
        .map(|c| c.name.clone());
    let redis = servers()
        .find(|c| {
            Some(&c.name) != sentinel.as_ref() && (serves(c, 6379) || c.name.contains("redis"))
        })
        .or_else(|| servers().find(|c| Some(&c.name) != sentinel.as_ref()))
        .map(|c| c.name.clone())
        .context("the pod template has no Redis container")?;
    Ok((redis, sentinel))
}

fn is_exporter(container: &Container) -> bool {
    container
        .image
        .as_deref()
        .is_some_and(exporter::is_exporter_image)
}

/// `redis_exporter` sidecars: container name and the port `/metrics` is served on (its
/// first, else the exporter's default 9121).
pub fn exporters(pod: &PodSpec) -> Vec<(String, u16)> {
    pod.containers
        .iter()
        .filter(|c| is_exporter(c))
        .map(|c| {
            let port = c.ports.iter().flatten().next().map(|p| p.container_port);
            let port = port.and_then(|p| u16::try_from(p).ok()).unwrap_or(9121);
            (c.name.clone(), port)
        })
        .collect()
}

/// The first port `container` declares, else `default`.
fn port_of(pod: &PodSpec, container: Option<&str>, default: u16) -> u16 {
    pod.containers
        .iter()
        .find(|c| Some(c.name.as_str()) == container)
        .and_then(|c| c.ports.as_ref()?.first().map(|p| p.container_port))
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(default)
}

/// The image `container` runs.
pub fn image(pod: &PodSpec, container: &str) -> String {
    pod.containers
        .iter()
        .find(|c| c.name == container)
        .and_then(|c| c.image.clone())
        .unwrap_or_default()
}

/// The containers serving Redis and Sentinel, and the ports the drill reaches them on: the
/// TLS port when the plain one is off, else the container's first port, else the default.
pub struct Servers {
    pub redis_container: String,
    pub sentinel_container: Option<String>,
    pub redis_port: u16,
    pub sentinel_port: u16,
}

impl Servers {
    pub fn of(
        pod: &PodSpec,
        redis_tls: &ConfTls,
        sentinel_tls: &ConfTls,
    ) -> anyhow::Result<Servers> {
        let (redis_container, sentinel_container) = pick_containers(pod)?;
        let redis_port = redis_tls
            .tls_only_port
            .unwrap_or_else(|| port_of(pod, Some(&redis_container), 6379));
        let sentinel_port = sentinel_tls
            .tls_only_port
            .unwrap_or_else(|| port_of(pod, sentinel_container.as_deref(), 26379));
        Ok(Servers {
            redis_container,
            sentinel_container,
            redis_port,
            sentinel_port,
        })
    }
}
