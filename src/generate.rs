//! render/validate pipeline: profile → template text → documents → schema + rules.

use crate::finding::Finding;
use crate::manifest::Document;
use crate::profile::ResolvedProfile;
use crate::schema::KubeVersion;

/// The rendered documents and every finding about them.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    pub documents: Vec<Document>,
    pub findings: Vec<Finding>,
}

/// Render and validate a resolved profile.
pub fn generate(profile: &ResolvedProfile, kube_version: KubeVersion) -> anyhow::Result<Generated> {
    let _ = (profile, kube_version);
    anyhow::bail!("generation is not implemented yet")
}
