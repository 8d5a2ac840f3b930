//! What the drill needs from a manifest set: the StatefulSet's pod template, the ConfigMaps,
//! Secrets and Services it references, and the few Redis/Sentinel settings the probe and the
//! checks depend on (master name, ports, `min-replicas-to-write`, `down-after-milliseconds`,
//! TLS).

pub use super::mounts::SecretData;
use super::mounts::{mounted_volume, projected_key};
pub use super::service_name::ServiceName;
use super::tls::{self, IssuedSecret, SetNames, TlsSettings};
use crate::kube_names;
use crate::manifest::Document;
use anyhow::{Context, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Container, PodSpec, Secret, Service};
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
    pub min_replicas_to_write: u32,
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

fn typed<T: serde::de::DeserializeOwned>(doc: &Document) -> anyhow::Result<T> {
    serde_json::from_value(doc.value.clone()).with_context(|| {
        format!(
            "{} (document {}): {} is not a valid Kubernetes object",
            doc.file,
            doc.index + 1,
            doc.object_id()
        )
    })
}

/// Find the Redis StatefulSet and everything its pods need.
pub fn ha_spec(documents: &[Document], wait_replicas: Option<u32>) -> anyhow::Result<HaSpec> {
    let sts_docs: Vec<&Document> = documents
        .iter()
        .filter(|d| d.kind() == "StatefulSet")
        .collect();
    let sts_doc = match sts_docs.as_slice() {
        [one] => *one,
        [] => {
            bail!("no StatefulSet in the manifests: the drill runs the pods of a Redis StatefulSet")
        }
        many => bail!(
            "{} StatefulSets in the manifests ({}): drill one Redis set at a time",
            many.len(),
            many.iter().map(|d| d.name()).collect::<Vec<_>>().join(", ")
        ),
    };
    let sts: StatefulSet = typed(sts_doc)?;
    let name = sts.metadata.name.clone().unwrap_or_default();
    let namespace = sts
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into());
    let spec = sts.spec.clone();
    let pod = spec
        .template
        .spec
        .clone()
        .with_context(|| format!("StatefulSet {name} has no pod template spec"))?;
    if name.is_empty() {
        bail!("the StatefulSet has no metadata.name");
    }

    let pod_labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let mut config_maps = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    let mut services = Vec::new();
    for doc in documents {
        match doc.kind() {
            "ConfigMap" => {
                let cm: ConfigMap = typed(doc)?;
                let mut data: SecretData = cm
                    .data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.into_bytes()))
                    .collect();
                data.extend(
                    cm.binary_data
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, v)| (k, v.0)),
                );
                config_maps.insert(cm.metadata.name.unwrap_or_default(), data);
            }
            "Secret" => {
                let secret: Secret = typed(doc)?;
                let mut data: SecretData = secret
                    .data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.0))
                    .collect();
                data.extend(
                    secret
                        .string_data
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, v)| (k, v.into_bytes())),
                );
                secrets.insert(secret.metadata.name.unwrap_or_default(), data);
            }
            "Service" => {
                let svc: Service = typed(doc)?;
                services.push(ServiceName::of(&svc, &pod_labels, &pod));
            }
            _ => {}
        }
    }
    let texts: Vec<String> = config_maps
        .values()
        .flat_map(|data| data.values())
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    let (redis_tls, sentinel_tls) = conf_tls(&texts);
    let headless_service = spec.service_name.clone().unwrap_or_else(|| name.clone());
    let replicas = usize::try_from(spec.replicas.unwrap_or(1)).unwrap_or(0);
    let tls_files = [redis_tls.files.clone(), sentinel_tls.files.clone()].concat();
    let cluster_domain = cluster_domain(&pod, &texts, &headless_service, &namespace);
    let set_names = SetNames {
        namespace: &namespace,
        cluster_domain: &cluster_domain,
        set: &name,
        replicas,
        headless_service: &headless_service,
        services: &services,
    };
    let issued_secrets =
        tls::issue_missing_secrets(documents, &pod, &tls_files, &set_names, &mut secrets)?;
    let invented_secrets = invent_missing_secrets(&pod, &mut secrets);

    let (redis_container, sentinel_container) = pick_containers(&pod)?;
    let exporters = pod
        .containers
        .iter()
        .filter(|c| is_exporter(c))
        .map(|c| {
            let port = c.ports.iter().flatten().next().map(|p| p.container_port);
            let port = port.and_then(|p| u16::try_from(p).ok()).unwrap_or(9121);
            (c.name.clone(), port)
        })
        .collect();
    let port_of = |container: Option<&str>, default: u16| {
        pod.containers
            .iter()
            .find(|c| Some(c.name.as_str()) == container)
            .and_then(|c| c.ports.as_ref()?.first().map(|p| p.container_port))
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(default)
    };
    let redis_port = redis_tls
        .tls_only_port
        .unwrap_or_else(|| port_of(Some(&redis_container), 6379));
    let sentinel_port = sentinel_tls
        .tls_only_port
        .unwrap_or_else(|| port_of(sentinel_container.as_deref(), 26379));
    let image = pod
        .containers
        .iter()
        .find(|c| c.name == redis_container)
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    let tls = tls::settings(
        &redis_tls,
        &sentinel_tls,
        &pod,
        &redis_container,
        &config_maps,
        &secrets,
    )?;
    let directive = |words: &[&str]| -> Option<String> {
        texts.iter().flat_map(|t| t.lines()).find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.len() > words.len() && fields[..words.len()] == *words)
                .then(|| fields[words.len()..].join(" "))
        })
    };
    let master_name = directive(&["sentinel", "monitor"])
        .and_then(|rest| rest.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "mymaster".into());
    let down_after_ms = directive(&["sentinel", "down-after-milliseconds", &master_name])
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000);
    let min_replicas_to_write = directive(&["min-replicas-to-write"])
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let annotated = sts
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(WAIT_REPLICAS_ANNOTATION))
        .and_then(|v| v.parse().ok());

    let mut passwords: Vec<String> = Vec::new();
    for (name, key) in pod
        .containers
        .iter()
        .flat_map(|c| password_sources(&pod, c))
    {
        if let Some(value) = secrets.get(&name).and_then(|data| data.get(&key)) {
            let value = String::from_utf8_lossy(value).into_owned();
            if !passwords.contains(&value) {
                passwords.push(value);
            }
        }
    }

    let policies = super::policy::of(documents, &namespace, &pod_labels, &pod);
    Ok(HaSpec {
        policies,
        pod_labels,
        namespace,
        replicas,
        headless_service,
        cluster_domain,
        services,
        ordered_ready: spec.pod_management_policy.as_deref() != Some("Parallel"),
        claim_templates: spec
            .volume_claim_templates
            .iter()
            .flatten()
            .filter_map(|c| c.metadata.name.clone())
            .collect(),
        name,
        pod,
        config_maps,
        secrets,
        invented_secrets,
        issued_secrets,
        tls,
        redis_container,
        sentinel_container,
        redis_port,
        sentinel_port,
        master_name,
        down_after_ms,
        min_replicas_to_write,
        wait_replicas: wait_replicas.or(annotated).unwrap_or(0),
        image,
        passwords,
        exporters,
        jobs: super::jobs::templates(documents)?,
    })
}

/// The cluster domain the manifests use: a container's `CLUSTER_DOMAIN` env value (the
/// generated manifests' scripts build names with it), else the suffix after
/// `.<headless>.<namespace>.svc.` in a configuration text, else Kubernetes' default.
fn cluster_domain(pod: &PodSpec, texts: &[String], headless: &str, namespace: &str) -> String {
    let from_env = pod
        .containers
        .iter()
        .chain(pod.init_containers.iter().flatten())
        .flat_map(|c| c.env.iter().flatten())
        .find(|e| e.name == "CLUSTER_DOMAIN")
        .and_then(|e| e.value.clone());
    let marker = format!(".{headless}.{namespace}.svc.");
    let from_text = || {
        texts.iter().find_map(|text| {
            let (_, rest) = text.split_once(&marker)?;
            let domain: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                .collect();
            let domain = domain.trim_end_matches('.');
            (!domain.is_empty()).then(|| domain.to_string())
        })
    };
    from_env
        .filter(|d| !d.is_empty())
        .or_else(from_text)
        .unwrap_or_else(|| "cluster.local".to_string())
}

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

/// What the Sentinel configuration (the text with `sentinel monitor`) and the Redis one (any
/// other text setting a port) say about TLS.
fn conf_tls(texts: &[String]) -> (tls::ConfTls, tls::ConfTls) {
    let is_sentinel = |text: &str| {
        text.lines()
            .any(|l| l.split_whitespace().take(2).eq(["sentinel", "monitor"]))
    };
    let sets_port = |text: &str| {
        text.lines()
            .any(|l| matches!(l.split_whitespace().next(), Some("port" | "tls-port")))
    };
    let first = |sentinel: bool| {
        texts
            .iter()
            .filter(|t| is_sentinel(t) == sentinel && sets_port(t))
            .map(|t| tls::conf_tls(t))
            .find(|c| c.tls_only_port.is_some())
            .unwrap_or_default()
    };
    (first(false), first(true))
}

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
        .is_some_and(super::exporter::is_exporter_image)
}

/// A Secret the pods reference but the manifests do not contain (production's "existing
/// Secret") gets a throwaway value, as an operator would have created it.
fn invent_missing_secrets(
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

#[cfg(test)]
mod tests;
