//! Every version the local rehearsal runs that differs from what the manifests' images run:
//! the machine's `redis-server` or `valkey-server` for the image's, Debian's `redis_exporter` for the
//! exporter image's, Debian's BusyBox and glibc for an Alpine image's BusyBox and musl. The
//! report lists each (`version_skews`) and warns about those that differ, so a pass is read
//! as a proof about the versions that actually ran.

use super::spec::HaSpec;
use super::userland::is_alpine_image;
use super::which::which;
use crate::profile::Engine;
use serde::Serialize;
use std::process::Command;

/// One component: what ran here, and what the manifests' image runs.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct VersionSkew {
    pub component: String,
    pub rehearsed: String,
    pub manifests: String,
    /// The two are the same version (as far as the image's tag tells).
    pub same: bool,
}

impl VersionSkew {
    pub fn warning(&self) -> String {
        format!(
            "{} differs: this rehearsal ran {}, the manifests run {}",
            self.component, self.rehearsed, self.manifests
        )
    }
}

/// The version a tag names (`7.0.15-alpine` → `7.0.15`, `v1.67.0` → `1.67.0`), if any.
fn tag_version(image: &str) -> Option<String> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    let (_, tag) = last.split_once(':')?;
    let version: String = tag
        .trim_start_matches('v')
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let version = version.trim_end_matches('.');
    (!version.is_empty()).then(|| version.to_string())
}

/// The first `x.y.z` in a program's version text.
fn first_version(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|w| {
            w.matches('.').count() >= 1 && w.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
        .map(|w| w.trim_end_matches('.').to_string())
}

fn skew(component: &str, rehearsed: String, image: &str) -> VersionSkew {
    let tagged = tag_version(image);
    VersionSkew {
        component: component.to_string(),
        same: tagged.as_deref() == Some(rehearsed.as_str()),
        manifests: match tagged {
            Some(v) => format!("{v} ({image})"),
            None => format!("the version of {image} (its tag names none)"),
        },
        rehearsed,
    }
}

/// The skews of `spec` given the versions of the machine's programs (`None`: not run).
pub fn skews(
    spec: &HaSpec,
    engine: Engine,
    server: &str,
    exporter: Option<&str>,
    busybox: Option<&str>,
) -> Vec<VersionSkew> {
    let mut out = vec![skew(engine.server(), server.to_string(), &spec.image)];
    for (name, _) in &spec.exporters {
        let image = spec.container(name).and_then(|c| c.image.clone());
        if let (Some(version), Some(image)) = (exporter, image) {
            out.push(skew(
                &format!("redis_exporter (container {name})"),
                version.to_string(),
                &image,
            ));
        }
    }
    if is_alpine_image(&spec.image) {
        if let Some(version) = busybox {
            out.push(VersionSkew {
                component: "busybox".into(),
                rehearsed: format!("{version} (Debian's busybox)"),
                manifests: format!(
                    "Alpine's BusyBox of {} (the tag names no version)",
                    spec.image
                ),
                same: false,
            });
        }
        out.push(VersionSkew {
            component: "libc".into(),
            rehearsed: format!(
                "glibc ({} and {} built for glibc; its resolver reads resolv.conf)",
                engine.server(),
                engine.cli()
            ),
            manifests: format!("musl ({})", spec.image),
            same: false,
        });
    }
    out
}

/// `program args…`'s version, from its stdout or stderr.
fn version_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(which(program)?).args(args).output().ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let after = text
        .split_once(" Exporter ")
        .map_or(&*text, |(_, rest)| rest);
    first_version(after)
}

/// The skews of the local target: this machine's exporter and BusyBox against `spec`.
pub fn local_skews(spec: &HaSpec, engine: Engine, server: &str) -> Vec<VersionSkew> {
    let exporter = ["redis_exporter", "prometheus-redis-exporter"]
        .iter()
        .find_map(|p| version_of(p, &["--version"]));
    let busybox = version_of("busybox", &["--help"]);
    skews(
        spec,
        engine,
        server,
        exporter.as_deref(),
        busybox.as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_from_tags_and_program_output() {
        assert_eq!(
            tag_version("redis:7.0.15-alpine").as_deref(),
            Some("7.0.15")
        );
        assert_eq!(
            tag_version("docker.io/oliver006/redis_exporter:v1.67.0@sha256:ab").as_deref(),
            Some("1.67.0")
        );
        assert_eq!(tag_version("registry:5000/redis"), None);
        assert_eq!(tag_version("redis:latest"), None);
        let exporter =
            "level=info msg=\"Redis Metrics Exporter 1.45.0-2+b4    build date: 20230409\"";
        let after = exporter.split_once(" Exporter ").map(|(_, r)| r).unwrap();
        assert_eq!(first_version(after).as_deref(), Some("1.45.0"));
        let busybox = "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.";
        assert_eq!(first_version(busybox).as_deref(), Some("1.35.0"));
    }

    #[test]
    fn every_component_is_listed_and_compared() {
        let text = include_str!("../../tests/drill/tls/redis-ha.yaml");
        let documents = super::super::spec::documents_from_text("t.yaml", text).expect("parse");
        let mut spec = super::super::spec::ha_spec(&documents, None).expect("spec");
        spec.image = "redis:7.0.15-alpine".into();
        let skews = skews(
            &spec,
            Engine::Redis,
            "7.0.15",
            Some("1.45.0"),
            Some("1.35.0"),
        );
        let redis = &skews[0];
        assert!(redis.same, "{redis:?}");
        assert!(skews.iter().any(|s| s.component == "busybox" && !s.same));
        assert!(
            skews
                .iter()
                .any(|s| s.component == "libc" && s.manifests.contains("musl"))
        );
        let exporter = skew(
            "redis_exporter",
            "1.45.0".into(),
            "oliver006/redis_exporter:v1.67.0",
        );
        assert!(!exporter.same);
        assert_eq!(
            exporter.manifests,
            "1.67.0 (oliver006/redis_exporter:v1.67.0)"
        );
        spec.image = "redis:7.2.4".into();
        let skews = super::skews(&spec, Engine::Redis, "7.0.15", None, None);
        assert_eq!(skews.len(), 1);
        assert!(!skews[0].same);
        assert!(
            skews[0].warning().contains("7.2.4 (redis:7.2.4)"),
            "{}",
            skews[0].warning()
        );
    }
}
