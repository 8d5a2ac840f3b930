//! The drill's report: a table for people, JSON for machines (field names are the contract
//! of docs/scenarios.md), and the log lines that explain a failure.

use super::fidelity::Fidelity;
use super::versions::VersionSkew;
use crate::escape::printable;
use crate::profile::Engine;
use serde::Serialize;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub measured: String,
    pub expected: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioReport {
    pub name: String,
    pub passed: bool,
    pub failover_seconds: Option<f64>,
    pub write_unavailable_seconds: f64,
    pub max_masters: usize,
    pub split_brain_seconds: f64,
    pub writes_acknowledged: usize,
    pub writes_lost: usize,
    pub writes_failed: usize,
    /// Why writes failed: each distinct reason (first 60 characters) with its count.
    pub write_errors: std::collections::BTreeMap<String, usize>,
    /// The runs of failed writes, `[from, to]` in seconds since the scenario started.
    pub unavailable_windows: Vec<(f64, f64)>,
    /// The client models' unavailability as their callers saw it (local target).
    pub clients: Vec<super::clients::ClientReport>,
    pub duration_seconds: f64,
    /// Zombie processes left in the containers at the scenario's end (`None`: not seen,
    /// as through `kubectl`).
    pub zombies: Option<usize>,
    pub checks: Vec<Check>,
    /// On failure: the last Redis/Sentinel log lines of the pods, `pod/container: line`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub profile: String,
    pub target: String,
    /// The engine rehearsed: `redis` or `valkey` (profile field `engine`).
    pub engine: Engine,
    /// `redis-server --version` or `valkey-server --version` of the binaries rehearsed with.
    pub server_version: String,
    /// The same as `server_version`, under its name from before Valkey (kept for existing
    /// consumers of the JSON).
    pub redis_version: String,
    pub image: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Each component's version here against the manifests' image (local target).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub version_skews: Vec<VersionSkew>,
    /// What the local target emulated of a real cluster, and what not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fidelity: Option<Fidelity>,
    pub scenarios: Vec<ScenarioReport>,
    pub summary: Summary,
}

impl RunReport {
    pub fn new(
        profile: String,
        target: String,
        engine: Engine,
        server_version: String,
        image: String,
        scenarios: Vec<ScenarioReport>,
    ) -> RunReport {
        let passed = scenarios.iter().filter(|s| s.passed).count();
        let mut warnings = Vec::new();
        if let Some(warning) = version_warning(engine, &server_version, &image) {
            warnings.push(warning);
        }
        RunReport {
            profile,
            target,
            engine,
            redis_version: server_version.clone(),
            server_version,
            image,
            warnings,
            version_skews: Vec::new(),
            fidelity: None,
            summary: Summary {
                passed,
                failed: scenarios.len() - passed,
            },
            scenarios,
        }
    }

    /// Record the version skews, and warn about each component other than Redis (whose
    /// major.minor the warnings already compare) that differs.
    pub fn set_version_skews(&mut self, skews: Vec<VersionSkew>) {
        for skew in skews
            .iter()
            .filter(|s| !s.same && s.component != self.engine.server())
        {
            self.warnings.push(skew.warning());
        }
        self.version_skews = skews;
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn to_text(&self) -> String {
        // The profile's path, the server's version and the pods' logs come from outside:
        // shown with control characters escaped.
        let mut out = format!(
            "drill of {} ({} target) with {} {}\n",
            printable(&self.profile),
            self.target,
            self.engine.display(),
            printable(&self.server_version)
        );
        for warning in &self.warnings {
            out += &format!("warning: {}\n", printable(warning));
        }
        out += &format!(
            "\n{:<24} {:<6} {:>10} {:>12} {:>12} {:>8} {:>6}\n",
            "scenario", "result", "failover s", "unavailable s", "split brain s", "acked", "lost"
        );
        for s in &self.scenarios {
            out += &format!(
                "{:<24} {:<6} {:>10} {:>13.2} {:>13.2} {:>8} {:>6}\n",
                s.name,
                if s.passed { "pass" } else { "FAIL" },
                s.failover_seconds.map_or("-".into(), |f| format!("{f:.2}")),
                s.write_unavailable_seconds,
                s.split_brain_seconds,
                s.writes_acknowledged,
                s.writes_lost
            );
        }
        if self.scenarios.iter().any(|s| !s.clients.is_empty()) {
            out += &format!(
                "\n{:<24} {:<22} {:>13} {:>14}\n",
                "scenario", "client (config)", "unavailable s", "failed writes"
            );
            for s in &self.scenarios {
                for c in &s.clients {
                    out += &format!(
                        "{:<24} {:<22} {:>13.2} {:>14}\n",
                        s.name,
                        format!("{} ({})", c.client, c.config),
                        c.unavailable_seconds,
                        c.failed_writes
                    );
                }
            }
        }
        for s in self.scenarios.iter().filter(|s| !s.passed) {
            out += &format!("\n{} failed:\n", s.name);
            for check in s.checks.iter().filter(|c| !c.passed) {
                out += &format!(
                    "  ✗ {}: {} (expected {})\n",
                    check.name, check.measured, check.expected
                );
            }
            if !s.logs.is_empty() {
                out += "  logs:\n";
                for line in &s.logs {
                    out += &format!("    {}\n", printable(line));
                }
            }
        }
        out += &format!(
            "\n{} passed, {} failed\n",
            self.summary.passed, self.summary.failed
        );
        out
    }
}

/// `x.y` of a version string (`7.0.15` → `7.0`).
fn major_minor(version: &str) -> Option<String> {
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty());
    Some(format!("{}.{}", parts.next()?, parts.next()?))
}

/// Warn when the image's server is another major.minor than the binaries rehearsed with.
pub fn version_warning(engine: Engine, server_version: &str, image: &str) -> Option<String> {
    let name = engine.display();
    let rehearsed = major_minor(server_version)?;
    let without_digest = image.split('@').next().unwrap_or(image);
    let tag = without_digest
        .rsplit_once(':')
        .map(|(_, t)| t)
        .filter(|t| !t.contains('/'));
    let Some(tag_version) = tag.and_then(major_minor) else {
        return Some(format!(
            "the manifests' image {image:?} names no {name} version; this rehearsal proves the behaviour of {name} {rehearsed} only"
        ));
    };
    (tag_version != rehearsed).then(|| {
        format!(
            "the manifests run {name} {tag_version} ({image}) but this rehearsal ran {name} {rehearsed}: \
             it is no proof about {tag_version}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_on_another_major_minor() {
        assert_eq!(
            version_warning(
                Engine::Redis,
                "7.0.15",
                "docker.io/library/redis:7.0.15-alpine"
            ),
            None
        );
        assert!(
            version_warning(Engine::Redis, "7.0.15", "redis:8.2.1")
                .unwrap()
                .contains("8.2")
        );
        assert!(
            version_warning(Engine::Redis, "7.0.15", "redis@sha256:abc")
                .unwrap()
                .contains("no Redis version")
        );
        assert_eq!(
            version_warning(Engine::Redis, "7.0.15", "redis:7.0.15@sha256:9f8e7d"),
            None
        );
        assert_eq!(
            version_warning(Engine::Redis, "7.0.15", "registry:5000/redis:7.0"),
            None
        );
    }
}
