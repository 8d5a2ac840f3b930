//! Image references the container runtime cannot parse (`redis:alpine:v0.3.6`): the kubelet
//! refuses them (`InvalidImageName`) and the pod never starts.

use super::rule::{Category, Rule};
use super::sources::K8S_IMAGES;
use crate::finding::Severity;
use crate::profile::grammar::{IMAGE_REPOSITORY, IMAGE_TAG};
use regex::Regex;
use std::sync::LazyLock;

static REPOSITORY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(IMAGE_REPOSITORY).expect("IMAGE_REPOSITORY is a valid regex"));
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(IMAGE_TAG).expect("IMAGE_TAG is a valid regex"));
/// A digest as the distribution reference grammar reads it: algorithm, `:`, ≥ 32 hex digits.
static DIGEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
        .expect("digest regex")
});

/// Why `image` is not a valid reference (`[registry/]path[:tag][@digest]`), if it is not.
/// An empty image is left to the schema.
pub fn invalid(image: &str) -> Option<String> {
    if image.is_empty() {
        return None;
    }
    let (name_tag, digest) = match image.split_once('@') {
        Some((name_tag, digest)) => (name_tag, Some(digest)),
        None => (image, None),
    };
    if let Some(digest) = digest.filter(|d| !DIGEST.is_match(d)) {
        return Some(format!("digest `{digest}` is not `ALGORITHM:HEX`"));
    }
    // A tag follows the last `:` after the last `/` (a `:` before it is a registry port).
    let slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[slash..].rfind(':') {
        Some(i) => (&name_tag[..slash + i], Some(&name_tag[slash + i + 1..])),
        None => (name_tag, None),
    };
    if let Some(tag) = tag.filter(|t| !TAG.is_match(t)) {
        return Some(format!("tag `{tag}` is not a valid tag"));
    }
    if !REPOSITORY.is_match(name) {
        return Some(if name[slash.min(name.len())..].contains(':') {
            format!("`{name}` holds a second `:` (a reference has at most one tag)")
        } else {
            format!("repository `{name}` is not a valid name (lowercase path components)")
        });
    }
    None
}

pub const IMAGE_REFERENCE_INVALID: Rule = Rule {
    id: "image-reference-invalid",
    category: Category::Input,
    severity: Severity::Error,
    summary: "an image reference the container runtime cannot parse: the pod never starts",
    rationale: "An image is `[registry[:port]/]path[:tag][@digest]`: lowercase path \
        components, at most one tag (letters, digits, `_`, `.`, `-`, up to 128, not starting \
        with `.` or `-`), a digest `ALGORITHM:HEX`. The kubelet parses the reference before \
        it pulls; one that does not parse (`redis:alpine:v0.3.6`, `Redis:7`, a tag with a \
        space) puts the container in `InvalidImageName` and the pod never starts. No other \
        image rule is judged on such a reference (its \"tag\" means nothing). \
        (Kubernetes docs, \"Images: image names\"; OCI distribution reference grammar.)",
    fix: "Write one valid reference: pick the tag (`redis:7.2.5-alpine`), or pin a digest \
        (`redis@sha256:…`).",
    references: &[K8S_IMAGES],
    check: |cx, sink| {
        for w in cx.model.set_workloads() {
            for c in &w.containers {
                let Some(image) = &c.image else { continue };
                if let Some(why) = invalid(image) {
                    sink.report(
                        &w.loc(format!("{}/image", c.pointer)),
                        format!(
                            "image `{image}` of container `{}` is not a valid image reference: {why}; the kubelet refuses it (InvalidImageName) and the pod never starts",
                            c.name
                        ),
                    );
                }
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use super::invalid;

    #[test]
    fn valid_references_pass_and_malformed_ones_say_why() {
        for ok in [
            "redis",
            "redis:7.2.5-alpine",
            "docker.io/library/redis:latest",
            "localhost:5000/team/redis_exporter:v1.67.0",
            "quay.io/opstree/redis:v7.0.15@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "",
        ] {
            assert_eq!(invalid(ok), None, "{ok}");
        }
        for (bad, says) in [
            (
                "gcr.io/google-samples/microservices-demo/redis:alpine:v0.3.6",
                "second `:`",
            ),
            ("Redis:7", "not a valid name"),
            ("redis:7 alpine", "tag `7 alpine`"),
            ("redis:-x", "tag `-x`"),
            ("redis@sha256:xyz", "digest"),
            ("{{ .Values.image }}", "not a valid"),
        ] {
            let why = invalid(bad).unwrap_or_else(|| panic!("{bad} is invalid"));
            assert!(why.contains(says), "{bad}: {why}");
        }
    }
}
