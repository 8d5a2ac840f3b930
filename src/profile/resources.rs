//! A container's requests and limits, as the profile writes them (Redis, Sentinel, the
//! exporter, the backup Job).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// CPU and memory as Kubernetes quantities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CpuMemory {
    pub cpu: String,
    pub memory: String,
}

/// Requests and limits of one container.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    pub requests: CpuMemory,
    pub limits: CpuMemory,
}
