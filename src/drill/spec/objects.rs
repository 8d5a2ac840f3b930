//! The manifests' objects the drill reads: the one StatefulSet, and the ConfigMaps, Secrets
//! and Services beside it.

use super::super::tls::SetNames;
use super::{SecretData, ServiceName};
use crate::manifest::Document;
use anyhow::{Context, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, PodSpec, Secret, Service};
use std::collections::BTreeMap;

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

/// The document of the only StatefulSet: the drill runs one Redis set at a time.
fn the_stateful_set(documents: &[Document]) -> anyhow::Result<&Document> {
    let sts_docs: Vec<&Document> = documents
        .iter()
        .filter(|d| d.kind() == "StatefulSet")
        .collect();
    match sts_docs.as_slice() {
        [one] => Ok(*one),
        [] => {
            bail!("no StatefulSet in the manifests: the drill runs the pods of a Redis StatefulSet")
        }
        many => bail!(
            "{} StatefulSets in the manifests ({}): drill one Redis set at a time",
            many.len(),
            many.iter().map(|d| d.name()).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The ConfigMaps' and Secrets' data by name, and every Service.
#[derive(Default)]
pub struct Objects {
    pub config_maps: BTreeMap<String, SecretData>,
    pub secrets: BTreeMap<String, SecretData>,
    pub services: Vec<ServiceName>,
}

impl Objects {
    /// Read from the documents; a Service is related to the pods by their labels and ports.
    pub fn of(
        documents: &[Document],
        pod_labels: &BTreeMap<String, String>,
        pod: &PodSpec,
    ) -> anyhow::Result<Objects> {
        let mut objects = Objects::default();
        for doc in documents {
            match doc.kind() {
                "ConfigMap" => {
                    let cm: ConfigMap = typed(doc)?;
                    objects
                        .config_maps
                        .insert(cm.metadata.name.clone().unwrap_or_default(), cm_data(cm));
                }
                "Secret" => {
                    let secret: Secret = typed(doc)?;
                    objects.secrets.insert(
                        secret.metadata.name.clone().unwrap_or_default(),
                        secret_data(secret),
                    );
                }
                "Service" => {
                    let svc: Service = typed(doc)?;
                    objects
                        .services
                        .push(ServiceName::of(&svc, pod_labels, pod));
                }
                _ => {}
            }
        }
        Ok(objects)
    }

    /// Every ConfigMap value as text: the configuration files and scripts the pods read.
    pub fn texts(&self) -> Vec<String> {
        self.config_maps
            .values()
            .flat_map(|data| data.values())
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect()
    }
}

/// `data` and `binaryData` (which wins on a key in both).
fn cm_data(cm: ConfigMap) -> SecretData {
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
    data
}

/// `data` and `stringData` (which wins on a key in both, as the API server merges them).
fn secret_data(secret: Secret) -> SecretData {
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
    data
}

/// The StatefulSet, and its pod template.
pub struct SetTemplate {
    pub sts: StatefulSet,
    pub name: String,
    pub namespace: String,
    pub pod: PodSpec,
    pub pod_labels: BTreeMap<String, String>,
}

impl SetTemplate {
    /// The only StatefulSet of the documents, which must have a name and a pod template.
    pub fn read(documents: &[Document]) -> anyhow::Result<SetTemplate> {
        let sts: StatefulSet = typed(the_stateful_set(documents)?)?;
        let name = sts.metadata.name.clone().unwrap_or_default();
        let namespace = sts
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        let pod = sts
            .spec
            .template
            .spec
            .clone()
            .with_context(|| format!("StatefulSet {name} has no pod template spec"))?;
        if name.is_empty() {
            bail!("the StatefulSet has no metadata.name");
        }
        let pod_labels = sts
            .spec
            .template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .unwrap_or_default();
        Ok(SetTemplate {
            sts,
            name,
            namespace,
            pod,
            pod_labels,
        })
    }

    /// The governing (headless) Service: `serviceName`, else the set's name.
    pub fn headless_service(&self) -> String {
        let spec = &self.sts.spec;
        spec.service_name
            .clone()
            .unwrap_or_else(|| self.name.clone())
    }

    pub fn replicas(&self) -> usize {
        usize::try_from(self.sts.spec.replicas.unwrap_or(1)).unwrap_or(0)
    }

    /// `OrderedReady`, unless `podManagementPolicy` is `Parallel`.
    pub fn ordered_ready(&self) -> bool {
        self.sts.spec.pod_management_policy.as_deref() != Some("Parallel")
    }

    pub fn claim_templates(&self) -> Vec<String> {
        self.sts
            .spec
            .volume_claim_templates
            .iter()
            .flatten()
            .filter_map(|c| c.metadata.name.clone())
            .collect()
    }

    /// The names a certificate for the set must carry, when no `Certificate` lists them.
    pub fn names<'a>(
        &'a self,
        headless_service: &'a str,
        cluster_domain: &'a str,
        services: &'a [ServiceName],
    ) -> SetNames<'a> {
        SetNames {
            namespace: &self.namespace,
            cluster_domain,
            set: &self.name,
            replicas: self.replicas(),
            headless_service,
            services,
        }
    }

    /// The annotation's number of replicas the gateway waits for after each write.
    pub fn annotated_wait_replicas(&self) -> Option<u32> {
        self.sts
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(super::WAIT_REPLICAS_ANNOTATION))
            .and_then(|v| v.parse().ok())
    }
}
