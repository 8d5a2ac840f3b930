//! Renders a profile through the embedded minijinja templates into multi-document YAML text.
//! The text is never printed as is: `generate` parses it back, validates and re-emits it.

mod backup;
mod container;
mod context;
mod filters;
mod metrics;
mod ping;
mod placement;
mod tilt;
mod tls;

pub use context::{RenderContext, SCRIPTS};

use crate::profile::Profile;
use anyhow::Context as _;
use minijinja::{Environment, UndefinedBehavior};
use std::sync::OnceLock;

/// Every template, by name. The Kubernetes objects come first, in output order; the
/// configuration files after them are included by the ConfigMap templates.
const TEMPLATES: [(&str, &str); 19] = [
    (
        "serviceaccount.yaml",
        include_str!("../../templates/serviceaccount.yaml"),
    ),
    (
        "configmap-redis.yaml",
        include_str!("../../templates/configmap-redis.yaml"),
    ),
    (
        "configmap-sentinel.yaml",
        include_str!("../../templates/configmap-sentinel.yaml"),
    ),
    (
        "configmap-scripts.yaml",
        include_str!("../../templates/configmap-scripts.yaml"),
    ),
    (
        "service-headless.yaml",
        include_str!("../../templates/service-headless.yaml"),
    ),
    (
        "service-client.yaml",
        include_str!("../../templates/service-client.yaml"),
    ),
    (
        "poddisruptionbudget.yaml",
        include_str!("../../templates/poddisruptionbudget.yaml"),
    ),
    (
        "networkpolicy.yaml",
        include_str!("../../templates/networkpolicy.yaml"),
    ),
    (
        "certificate.yaml",
        include_str!("../../templates/certificate.yaml"),
    ),
    (
        "statefulset.yaml",
        include_str!("../../templates/statefulset.yaml"),
    ),
    (
        "persistentvolumeclaim-backup.yaml",
        include_str!("../../templates/persistentvolumeclaim-backup.yaml"),
    ),
    (
        "cronjob-backup.yaml",
        include_str!("../../templates/cronjob-backup.yaml"),
    ),
    (
        "service-metrics.yaml",
        include_str!("../../templates/service-metrics.yaml"),
    ),
    (
        "networkpolicy-metrics.yaml",
        include_str!("../../templates/networkpolicy-metrics.yaml"),
    ),
    (
        "servicemonitor.yaml",
        include_str!("../../templates/servicemonitor.yaml"),
    ),
    (
        "prometheusrule.yaml",
        include_str!("../../templates/prometheusrule.yaml"),
    ),
    ("redis.conf", include_str!("../../templates/redis.conf")),
    (
        "metrics-exporters.yaml.part",
        include_str!("../../templates/metrics-exporters.yaml.part"),
    ),
    (
        "sentinel.conf",
        include_str!("../../templates/sentinel.conf"),
    ),
];

/// Objects that exist only when the profile asks for them; every other object always does.
fn is_wanted(template: &str, context: &RenderContext) -> bool {
    match template {
        "poddisruptionbudget.yaml" => context.pdb_max_unavailable.is_some(),
        "networkpolicy.yaml" => context.network_policy_peers.is_some(),
        "service-metrics.yaml" | "servicemonitor.yaml" | "prometheusrule.yaml" => {
            context.metrics.is_some()
        }
        "persistentvolumeclaim-backup.yaml" | "cronjob-backup.yaml" => context.backup.is_some(),
        "networkpolicy-metrics.yaml" => context.metrics.as_ref().is_some_and(|m| m.network_policy),
        "certificate.yaml" => context
            .tls
            .as_ref()
            .is_some_and(|t| t.certificate.is_some()),
        _ => true,
    }
}

/// The environment is built once per process: compiling the templates is most of the cost
/// of a render.
fn environment() -> anyhow::Result<&'static Environment<'static>> {
    static ENVIRONMENT: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    let env = ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.add_filter("tojson", filters::tojson);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|err| format!("internal error: template {name}: {err:#}"))?;
        }
        Ok(env)
    });
    env.as_ref().map_err(|err| anyhow::anyhow!("{err}"))
}

/// Render every template for `profile`, in a fixed order, as one multi-document YAML string.
pub fn render(profile: &Profile) -> anyhow::Result<String> {
    let context = RenderContext::from_profile(profile);
    let env = environment()?;
    let mut documents = Vec::new();
    for (name, _) in TEMPLATES.iter().filter(|(name, _)| name.ends_with(".yaml")) {
        if !is_wanted(name, &context) {
            continue;
        }
        let template = env
            .get_template(name)
            .with_context(|| format!("internal error: template {name} is missing"))?;
        let text = template
            .render(&context)
            .with_context(|| format!("rendering template {name}"))?;
        documents.push(text);
    }
    Ok(documents
        .iter()
        .map(|doc| format!("---\n{}", doc.trim_start_matches("---\n")))
        .collect())
}
