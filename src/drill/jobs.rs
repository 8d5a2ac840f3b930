//! CronJobs' pods. The drill runs a CronJob's job template as `kubectl create job
//! --from=cronjob/<name>` would start it: one pod with the template's container, env,
//! volumes (its claims are the same directories the set's pods mount) and security
//! context, until its command exits. The drill has one pod network, the set's: a Job pod runs
//! in the network namespace (and with the `/etc/hosts`) of a running pod of the set, as a
//! client on that pod's node would; its downward-API name is that pod's.

use crate::manifest::Document;
use anyhow::Context;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::PodSpec;

/// The pod template of one CronJob of the manifests.
#[derive(Clone, Debug)]
pub struct JobTemplate {
    /// The CronJob's name.
    pub name: String,
    pub pod: PodSpec,
}

/// What one run of a Job pod did.
#[derive(Clone, Debug)]
pub struct JobRun {
    /// Its container exited 0 within the time given.
    pub succeeded: bool,
    /// The last lines of its log.
    pub log: Vec<String>,
    /// Its container's exit code, where it exited.
    pub exit: Option<i32>,
}

/// Every CronJob's pod template, in the manifests' order.
pub fn templates(documents: &[Document]) -> anyhow::Result<Vec<JobTemplate>> {
    documents
        .iter()
        .filter(|d| d.kind() == "CronJob")
        .map(|doc| {
            let cron: CronJob = serde_json::from_value(doc.value.clone()).with_context(|| {
                format!(
                    "{} (document {}): {} is not a valid CronJob",
                    doc.file,
                    doc.index + 1,
                    doc.object_id()
                )
            })?;
            let name = cron.metadata.name.unwrap_or_default();
            let pod = cron
                .spec
                .job_template
                .spec
                .and_then(|s| s.template.spec)
                .with_context(|| format!("CronJob {name} has no pod template"))?;
            if pod.containers.len() != 1 || pod.init_containers.is_some() {
                anyhow::bail!(
                    "CronJob {name}: the drill runs Job pods of exactly one container and no init containers"
                );
            }
            Ok(JobTemplate { name, pod })
        })
        .collect()
}
