//! Values every container the set runs writes the same way (Redis, Sentinel, the exporter,
//! the backup Job): its image reference and its resources block.

use crate::profile::{Image, Resources};
use serde_json::{Value, json};

/// `repo@digest` when pinned (the tag is then only a label for humans), else `repo:tag`.
pub(super) fn image_reference(image: &Image) -> String {
    match &image.digest {
        Some(digest) if !digest.is_empty() => {
            format!("{}:{}@{}", image.repository, image.tag, digest)
        }
        _ => format!("{}:{}", image.repository, image.tag),
    }
}

/// `resources` as Kubernetes reads it: requests and limits of cpu and memory.
pub(super) fn resources(resources: &Resources) -> Value {
    json!({
        "requests": {"cpu": resources.requests.cpu, "memory": resources.requests.memory},
        "limits": {"cpu": resources.limits.cpu, "memory": resources.limits.memory},
    })
}
