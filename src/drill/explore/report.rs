//! What an exploration reports: per schedule its faults, the violations of I1–I4 and the
//! scenario metrics; in all, the count of violations. JSON for machines, a table for people.

use super::schedule::{Fault, Schedule};
use crate::profile::Engine;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    /// `I1` … `I4`.
    pub invariant: String,
    /// Seconds since the schedule's rehearsal started.
    pub at: f64,
    pub detail: String,
}

impl Violation {
    pub fn new(invariant: &str, at: f64, detail: impl Into<String>) -> Violation {
        Violation {
            invariant: invariant.into(),
            at: crate::drill::measure::round(at),
            detail: detail.into(),
        }
    }
}

/// The minimal schedule shrinking found that still fails.
#[derive(Clone, Debug, Serialize)]
pub struct Shrunk {
    pub faults: Vec<Fault>,
    pub violations: Vec<Violation>,
    /// Replays shrinking spent.
    pub replays: usize,
    /// The replay file, when `--out` was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScheduleReport {
    pub seed: u64,
    pub faults: Vec<Fault>,
    pub violations: Vec<Violation>,
    pub passed: bool,
    /// The drill could not run the schedule to its end (not a finding about the set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub max_masters: usize,
    /// How many pods answered at some time: more than the set's size after a `scale`.
    pub pods_seen: usize,
    pub split_brain_seconds: f64,
    pub write_unavailable_seconds: f64,
    pub writes_acknowledged: usize,
    pub writes_lost: usize,
    /// Lost writes the profile allows (no `WAIT`: acknowledged within down-after before a
    /// master failure).
    pub writes_lost_allowed: usize,
    pub writes_failed: usize,
    pub write_errors: BTreeMap<String, usize>,
    /// Seconds from the last heal until every pod held a role with its link up.
    pub recovery_seconds: Option<f64>,
    pub duration_seconds: f64,
    /// The replay file of a failing schedule, when `--out` was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shrunk: Option<Shrunk>,
    /// On failure: the notable log lines of the pods.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
}

impl ScheduleReport {
    pub fn schedule(&self) -> Schedule {
        Schedule {
            seed: self.seed,
            faults: self.faults.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ExploreReport {
    /// The exploration's seed (a replay: the schedule's).
    pub seed: u64,
    pub profile: String,
    /// The engine explored: `redis` or `valkey` (profile field `engine`), as in the
    /// scenarios' report.
    pub engine: Engine,
    /// `redis-server --version` or `valkey-server --version` of the binaries explored with.
    pub server_version: String,
    /// The same as `server_version`, under its name from before Valkey (kept for existing
    /// consumers of the JSON).
    pub redis_version: String,
    pub schedules: Vec<ScheduleReport>,
    /// Violations found, over every schedule (shrinking's replays not counted).
    pub violations: usize,
    pub faults_injected: usize,
    /// Schedules the drill could not run to their end.
    pub errors: usize,
    pub seconds: f64,
    /// Faults of the catalogue the drill cannot inject yet.
    pub not_available: Vec<String>,
}

impl ExploreReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn to_text(&self) -> String {
        let mut out = format!(
            "exploration of {} with {} {}, seed {}\n\n",
            self.profile,
            self.engine.display(),
            self.server_version,
            self.seed
        );
        out += &format!(
            "{:>3} {:>20} {:>6} {:<6} {:<11} {:>8} {:>6} {:>13} {:>10}\n",
            "#",
            "seed",
            "faults",
            "result",
            "invariants",
            "acked",
            "lost",
            "unavailable s",
            "recovery s"
        );
        for (k, s) in self.schedules.iter().enumerate() {
            let mut broken: Vec<&str> = s.violations.iter().map(|v| v.invariant.as_str()).collect();
            broken.dedup();
            out += &format!(
                "{:>3} {:>20} {:>6} {:<6} {:<11} {:>8} {:>6} {:>13.2} {:>10}\n",
                k + 1,
                s.seed,
                s.faults.len(),
                if s.error.is_some() {
                    "ERROR"
                } else if s.passed {
                    "pass"
                } else {
                    "FAIL"
                },
                if broken.is_empty() {
                    "-".to_string()
                } else {
                    broken.join(",")
                },
                s.writes_acknowledged,
                s.writes_lost,
                s.write_unavailable_seconds,
                s.recovery_seconds.map_or("-".into(), |t| format!("{t:.1}"))
            );
        }
        for (k, s) in self.schedules.iter().enumerate().filter(|(_, s)| !s.passed) {
            out += &format!("\nschedule {} (seed {}):\n", k + 1, s.seed);
            out += &fault_rows(&s.faults, "  ");
            if let Some(error) = &s.error {
                out += &format!("  drill error: {error}\n");
            }
            for v in &s.violations {
                out += &format!("  ✗ {} at {:.1} s: {}\n", v.invariant, v.at, v.detail);
            }
            if let Some(file) = &s.file {
                out += &format!("  replay: redis-ha-gen drill --replay {file} …\n");
            }
            if let Some(shrunk) = &s.shrunk {
                out += &format!(
                    "  shrunk in {} replays to {} fault(s):\n",
                    shrunk.replays,
                    shrunk.faults.len()
                );
                out += &fault_rows(&shrunk.faults, "    ");
                if let Some(file) = &shrunk.file {
                    out += &format!("    replay: redis-ha-gen drill --replay {file} …\n");
                }
            }
            if !s.logs.is_empty() {
                out += "  logs:\n";
                for line in &s.logs {
                    out += &format!("    {line}\n");
                }
            }
        }
        out += &format!(
            "\n{} schedules, {} faults injected, {} violations, {} errors, {:.0} s\n",
            self.schedules.len(),
            self.faults_injected,
            self.violations,
            self.errors,
            self.seconds
        );
        if !self.not_available.is_empty() {
            out += &format!(
                "not yet injectable (not explored): {}\n",
                self.not_available.join(", ")
            );
        }
        out
    }
}

/// One line per fault: time, kind, target, duration.
fn fault_rows(faults: &[Fault], indent: &str) -> String {
    faults
        .iter()
        .map(|f| {
            format!(
                "{indent}at {:>6.1} s  {:<16} {:<10} {:>5.1} s\n",
                f.at,
                f.fault.name(),
                f.target,
                f.duration
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_engine_and_version_explored() {
        let report = ExploreReport {
            seed: 1,
            profile: "production".into(),
            engine: Engine::Valkey,
            server_version: "8.1.8".into(),
            redis_version: "8.1.8".into(),
            schedules: Vec::new(),
            violations: 0,
            faults_injected: 0,
            errors: 0,
            seconds: 0.0,
            not_available: Vec::new(),
        };
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("JSON");
        assert_eq!(json["engine"], "valkey");
        assert_eq!(json["server_version"], "8.1.8");
        assert_eq!(json["redis_version"], "8.1.8");
        assert!(
            report
                .to_text()
                .starts_with("exploration of production with Valkey 8.1.8, seed 1"),
            "{}",
            report.to_text()
        );
    }
}
