//! What the drill needs from a manifest set: the StatefulSet's pod template, the ConfigMaps,
//! Secrets and Services it references, and the few Redis/Sentinel settings the probe and the
//! checks depend on (master name, ports, `min-replicas-to-write`, `down-after-milliseconds`,
//! TLS).

mod conf;
mod containers;
mod objects;
mod secrets;

pub use super::mounts::SecretData;
pub use super::service_name::ServiceName;
use super::tls::{self, IssuedSecret, TlsSettings};
use crate::kube_names;
use crate::manifest::Document;
use anyhow::bail;
use conf::ConfTexts;
use containers::Servers;
use k8s_openapi::api::core::v1::{Container, PodSpec};
use objects::{Objects, SetTemplate};
pub use secrets::{password_sources, secret_file};
use std::collections::BTreeMap;

/// StatefulSet annotation naming how many replicas the gateway waits for after each write.
pub const WAIT_REPLICAS_ANNOTATION: &str = "redis-ha-gen.io/wait-replicas";

/// A Redis + Sentinel StatefulSet, ready to be run as pods.
#[derive(Clone, Debug)]
pub struct HaSpec {
    pub namespace: String,
    pub name: String,
    pub replicas: usize,
    /// The governing (headless) Service of the StatefulSet.
    pub headless_service: String,
    /// The cluster's DNS domain the pods' addresses end with: the pods' `CLUSTER_DOMAIN`
    /// env (profile `clusterDomain`), else what the configuration texts name, else
    /// Kubernetes' default `cluster.local` (see `cluster_domain`).
    pub cluster_domain: String,
    /// Every Service of the manifests, with whether it publishes not-ready addresses and
    /// selects the pods.
    pub services: Vec<ServiceName>,
    /// The pod template's labels.
    pub pod_labels: BTreeMap<String, String>,
    /// The NetworkPolicies that select the pods, and the client labels they admit.
    pub policies: super::policy::Policies,
    /// Pods start one by one, each Ready before the next (`OrderedReady`), or all at once.
    pub ordered_ready: bool,
    pub pod: PodSpec,
    pub claim_templates: Vec<String>,
    pub config_maps: BTreeMap<String, SecretData>,
    pub secrets: BTreeMap<String, SecretData>,
    /// Secrets the manifests reference but do not contain: the drill made them up.
    pub invented_secrets: Vec<String>,
    /// TLS Secrets the manifests reference but do not contain: the drill issued them.
    pub issued_secrets: Vec<IssuedSecret>,
    /// Set when Redis or Sentinel serve only TLS.
    pub tls: Option<TlsSettings>,
    pub redis_container: String,
    pub sentinel_container: Option<String>,
    pub redis_port: u16,
    pub sentinel_port: u16,
    pub master_name: String,
    pub down_after_ms: u64,
    /// `sentinel failover-timeout`: a failed election is retried only after twice this.
    pub failover_timeout_ms: u64,
    pub min_replicas_to_write: u32,
    /// `min-replicas-max-lag`: how long a master cut off from its replicas still takes writes.
    pub min_replicas_max_lag: u32,
    pub wait_replicas: u32,
    /// The Redis image the manifests run (for the version warning).
    pub image: String,
    /// Passwords the probe may need (values of Secrets the Redis container reads).
    pub passwords: Vec<String>,
    /// `redis_exporter` sidecars: container name and the port `/metrics` is served on.
    pub exporters: Vec<(String, u16)>,
    /// The CronJobs' pod templates (the backup Job): `Cluster::run_job` runs one.
    pub jobs: Vec<super::jobs::JobTemplate>,
}

impl HaSpec {
    pub fn pod_name(&self, ordinal: usize) -> String {
        kube_names::pod_name(&self.name, ordinal)
    }

    pub fn fqdn(&self, ordinal: usize) -> String {
        kube_names::pod_fqdn(
            &self.pod_name(ordinal),
            &self.headless_service,
            &self.namespace,
            &self.cluster_domain,
        )
    }

    pub fn publish_not_ready(&self) -> bool {
        self.services
            .iter()
            .any(|s| s.name == self.headless_service && s.publish_not_ready)
    }

    /// The Service clients find Sentinel through: one with a cluster IP that serves the
    /// Sentinel port.
    pub fn sentinel_service(&self) -> Option<&ServiceName> {
        self.services
            .iter()
            .find(|s| !s.headless && s.ports.contains(&self.sentinel_port))
    }

    /// Every container of the template by name (init containers included).
    pub fn container(&self, name: &str) -> Option<&Container> {
        self.pod
            .containers
            .iter()
            .chain(self.pod.init_containers.iter().flatten())
            .find(|c| c.name == name)
    }
}

/// Parse a manifest text (multi-document YAML or JSON, `List`s expanded) into documents; a
/// part that does not parse is an error naming its line.
pub fn documents_from_text(file: &str, text: &str) -> anyhow::Result<Vec<Document>> {
    let parsed = crate::manifest::parse(file, text);
    if let Some(finding) = parsed.findings.first() {
        bail!(
            "{file}:{}: {} (fix the manifests, or check them with `redis-ha-gen lint {file}`)",
            finding.line.unwrap_or(0),
            finding.message
        );
    }
    Ok(parsed.documents)
}

/// Find the Redis StatefulSet and everything its pods need.
pub fn ha_spec(documents: &[Document], wait_replicas: Option<u32>) -> anyhow::Result<HaSpec> {
    let set = SetTemplate::read(documents)?;
    let (pod, namespace) = (&set.pod, &set.namespace);
    let objects = Objects::of(documents, &set.pod_labels, pod)?;
    let confs = ConfTexts::new(objects.texts());
    let Objects {
        config_maps,
        mut secrets,
        services,
    } = objects;
    let (redis_tls, sentinel_tls) = confs.tls();
    let headless_service = set.headless_service();
    let cluster_domain = confs.cluster_domain(pod, &headless_service, namespace);
    let set_names = set.names(&headless_service, &cluster_domain, &services);
    let tls_files = [redis_tls.files.clone(), sentinel_tls.files.clone()].concat();
    let issued_secrets =
        tls::issue_missing_secrets(documents, pod, &tls_files, &set_names, &mut secrets)?;
    let invented_secrets = secrets::invent_missing_secrets(pod, &mut secrets);
    let servers = Servers::of(pod, &redis_tls, &sentinel_tls)?;
    let redis_container = &servers.redis_container;
    let tls = tls::settings(
        &redis_tls,
        &sentinel_tls,
        pod,
        redis_container,
        &config_maps,
        &secrets,
    )?;
    let master_name = confs.master_name();
    Ok(HaSpec {
        policies: super::policy::of(documents, namespace, &set.pod_labels, pod),
        replicas: set.replicas(),
        ordered_ready: set.ordered_ready(),
        claim_templates: set.claim_templates(),
        wait_replicas: wait_replicas.or(set.annotated_wait_replicas()).unwrap_or(0),
        exporters: containers::exporters(pod),
        image: containers::image(pod, redis_container),
        passwords: secrets::passwords(pod, &secrets),
        down_after_ms: confs.down_after_ms(&master_name),
        failover_timeout_ms: confs.failover_timeout_ms(&master_name),
        min_replicas_to_write: confs.min_replicas_to_write(),
        min_replicas_max_lag: confs.min_replicas_max_lag(),
        jobs: super::jobs::templates(documents)?,
        headless_service,
        cluster_domain,
        services,
        config_maps,
        secrets,
        invented_secrets,
        issued_secrets,
        tls,
        master_name,
        redis_container: servers.redis_container,
        sentinel_container: servers.sentinel_container,
        redis_port: servers.redis_port,
        sentinel_port: servers.sentinel_port,
        namespace: set.namespace,
        name: set.name,
        pod_labels: set.pod_labels,
        pod: set.pod,
    })
}

impl HaSpec {
    /// The Secret and key the Redis container reads its password from, if any.
    pub fn password_source(&self) -> Option<(String, String)> {
        let redis = self
            .pod
            .containers
            .iter()
            .find(|c| c.name == self.redis_container)?;
        password_sources(&self.pod, redis).into_iter().next()
    }

    /// The names of every container of a pod, init containers first, in manifest order.
    pub fn container_names(&self) -> Vec<String> {
        self.pod
            .init_containers
            .iter()
            .flatten()
            .chain(self.pod.containers.iter())
            .map(|c| c.name.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests;
