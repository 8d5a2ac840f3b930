//! render/validate pipeline: profile → template text → documents → schema + rules, and
//! findings re-pointed at the profile key that produced the value.

mod provenance;

use crate::finding::Finding;
use crate::manifest::{self, Document};
use crate::profile::{Profile, ResolvedProfile};
use crate::rules::{self, CheckOptions, RenderFacts};
use crate::schema::{self, KubeVersion};

/// The rendered documents and every finding about them.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    pub documents: Vec<Document>,
    pub findings: Vec<Finding>,
}

/// What the rendered text is called in a parse-back error (it never reaches the user as is).
const RENDERED: &str = "<rendered templates>";

/// Render and validate a resolved profile.
pub fn generate(profile: &ResolvedProfile, kube_version: KubeVersion) -> anyhow::Result<Generated> {
    let text = crate::render::render(&profile.profile)?;
    let parsed = manifest::parse(RENDERED, &text);
    if !parsed.findings.is_empty() {
        let problems: Vec<String> = parsed
            .findings
            .iter()
            .map(|f| format!("line {}: {}", f.line.unwrap_or(0), f.message))
            .collect();
        anyhow::bail!(
            "internal error: the built-in templates rendered YAML that does not parse back \
             (a bug in redis-ha-gen, please report it with the command line you ran): {}",
            problems.join("; ")
        );
    }
    let mut findings: Vec<Finding> = parsed
        .documents
        .iter()
        .flat_map(|d| schema::validate(d, kube_version))
        .collect();
    let options = CheckOptions {
        render: Some(RenderFacts {
            failover_target_seconds: profile.profile.failover_target_seconds,
            nodes: profile.profile.cluster.nodes,
            existing_secrets: existing_secrets(&profile.profile),
        }),
        complete: true,
    };
    findings.extend(rules::check(&parsed.documents, &options));
    for finding in &mut findings {
        provenance::attribute(finding, profile);
    }
    Ok(Generated {
        documents: parsed.documents,
        findings,
    })
}

/// The password Secret is always the user's (`auth.existingSecret`, mounted as a volume); the
/// TLS Secret is too, unless cert-manager writes it from the rendered Certificate.
fn existing_secrets(profile: &Profile) -> Vec<String> {
    let mut secrets = Vec::new();
    if profile.auth.enabled {
        secrets.push(profile.auth.existing_secret.clone());
    }
    let tls = &profile.tls;
    if tls.enabled && !tls.cert_manager.enabled {
        secrets.push(tls.existing_secret.clone());
    }
    secrets
}
