//! Probes that restart Redis while it loads its data set. Redis answers every command but a
//! few (`INFO`, …) with `-LOADING` while it loads an RDB/AOF at start, and a replica does the
//! same while it loads the RDB of a full sync from its master — after a failover, a lost link
//! or an exceeded backlog, at any time, not only at start. Measured on Redis 7.0.15 (this
//! machine, 2 cores under load): a 857 MB data set of 3 M small keys loaded in 16.7 s
//! (51 MB/s), 992 MB of 4 KB values in 8.3 s (120 MB/s); a replica answered PING with
//! `LOADING` for the 9.1 s it loaded a 992 MB full sync. A probe that restarts the container
//! (liveness, startup) and fails on `LOADING` restarts it mid-load, and the load — or the
//! full sync — starts over. Readiness gates traffic and never restarts: that a not-ready
//! Redis is hidden from Sentinel's or the replicas' Service is judged by
//! `headless-service-not-ready-addresses` and `sentinel-service-follows-redis-readiness`.

use super::facts::{confs, memory_limit};
use super::rule::{Category, Rule};
use super::sources::{ADMIN, K8S_PROBES, PERSISTENCE, REPLICATION};
use crate::finding::Severity;
use crate::manifest::JsonPointer;
use crate::model::units::redis_bytes;
use crate::model::{Role, Topology};
use serde_json::Value;

/// What a probe does while Redis loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DuringLoad {
    /// It fails: it runs `PING` and expects `PONG` (`… ping | grep PONG`).
    Fails,
    /// It passes: a TCP probe (Redis listens while it loads), or a `PING` that accepts
    /// `LOADING`.
    Passes,
    /// Something else (an HTTP probe, a script lint does not read).
    Unknown,
}

fn during_load(probe: &Value) -> DuringLoad {
    if probe.get("tcpSocket").is_some() {
        return DuringLoad::Passes;
    }
    let Some(command) = probe.at("/exec/command").and_then(Value::as_array) else {
        return DuringLoad::Unknown;
    };
    let text = command
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    if !text.contains("ping") {
        DuringLoad::Unknown
    } else if text.contains("loading") {
        DuringLoad::Passes
    } else if text.contains("pong") {
        DuringLoad::Fails
    } else {
        DuringLoad::Unknown
    }
}

/// The seconds a startup probe waits before the kubelet gives up and restarts the container:
/// `initialDelaySeconds + failureThreshold × periodSeconds` (Kubernetes' defaults 0, 3, 10).
fn startup_budget(probe: &Value) -> i64 {
    let field =
        |name: &str, default: i64| probe.get(name).and_then(Value::as_i64).unwrap_or(default);
    field("initialDelaySeconds", 0) + field("failureThreshold", 3) * field("periodSeconds", 10)
}

/// A load rate faster than any measured (51–120 MB/s on Redis 7.0.15, module docs): a
/// startup budget shorter than the data set's load at this rate restarts even a fast load.
const LOAD_BYTES_PER_SECOND: f64 = 250.0 * 1024.0 * 1024.0;

pub const LIVENESS_PROBE_KILLS_LOADING: Rule = Rule {
    id: "liveness-probe-kills-loading",
    category: Category::Timings,
    severity: Severity::Warning,
    summary: "the Redis liveness probe fails on LOADING: a load at start or a replica's full sync is restarted",
    rationale: "While Redis loads its RDB/AOF at start it answers every command, PING included, \
        with `-LOADING`; a replica does the same while it loads the RDB of a full sync from \
        its master, which happens at any time (a failover, a lost link, an exceeded backlog), \
        not only at start (measured on Redis 7.0.15: a replica answered PING with LOADING for \
        the 9 s it loaded a 1 GB sync). A liveness probe that expects `PONG` fails during a \
        long load, the kubelet restarts the container, and the load or the full sync starts \
        over: a restart loop exactly when the data set is large. A startupProbe holds the \
        liveness probe off only until its first success, and only if it fails during the \
        load itself: a TCP startupProbe (Redis listens while it loads) or one that accepts \
        LOADING passes at once, and no startupProbe covers a replica's later full sync. \
        (Kubernetes probe docs; Redis persistence and replication docs.)",
    fix: "Accept `LOADING` as alive in the liveness probe (e.g. `redis-cli ping | grep -E \
        'PONG|LOADING'`); for a Redis without replicas, a startupProbe that expects PONG with \
        failureThreshold × periodSeconds covering the longest load also works.",
    references: &[K8S_PROBES, ADMIN, PERSISTENCE, REPLICATION],
    check: |cx, sink| {
        for set in &cx.model.sets {
            // Replicas (of a master, or of a Redis Cluster shard) load full syncs.
            let syncs = matches!(
                set.topology,
                Topology::SentinelHa | Topology::Replication | Topology::Cluster
            );
            for (w, c, _) in cx.model.servers(set, Role::Redis) {
                let Some(doc) = cx.docs.get(w.doc) else {
                    continue;
                };
                let probe = format!("{}/livenessProbe", c.pointer);
                if doc.value.at(&probe).map(during_load) != Some(DuringLoad::Fails) {
                    continue;
                }
                let startup = doc
                    .value
                    .at(&format!("{}/startupProbe", c.pointer))
                    .map(during_load);
                let why = if syncs {
                    "; a replica answers LOADING while it loads a full sync from its master, at any time, which no startupProbe covers"
                } else {
                    match startup {
                        None => "",
                        Some(DuringLoad::Passes) => {
                            "; the startupProbe passes while Redis loads (a TCP probe, or one that accepts LOADING), so it does not hold the liveness probe off"
                        }
                        Some(_) => continue,
                    }
                };
                sink.report(
                    &w.loc(format!("{probe}/exec/command")),
                    format!(
                        "the liveness probe of container `{}` expects PONG; during a data load Redis answers LOADING and the kubelet restarts it{why}",
                        c.name
                    ),
                );
            }
        }
    },
};

pub const STARTUP_PROBE_KILLS_LOADING: Rule = Rule {
    id: "startup-probe-kills-loading",
    category: Category::Timings,
    severity: Severity::Warning,
    summary: "the Redis startupProbe fails on LOADING and gives up before the data set could load",
    rationale: "A startupProbe that runs PING and expects `PONG` fails for as long as Redis \
        loads its RDB/AOF, and after `initialDelaySeconds + failureThreshold × periodSeconds` \
        (Kubernetes' defaults: 0 + 3 × 10 = 30 s) the kubelet restarts the container: the \
        load starts over and never finishes. The data set is at most `maxmemory` (or the \
        container's memory limit when maxmemory is unset); the rule fires when the budget is \
        shorter than loading that much at 250 MB/s, faster than any load measured (Redis \
        7.0.15: 51 MB/s for 3 M small keys, 120 MB/s for 4 KB values), so it only reports \
        budgets no real load fits in. (Kubernetes probe docs; Redis persistence docs.)",
    fix: "Raise the startupProbe's `failureThreshold` (or `periodSeconds`) so that the budget \
        covers the longest load (about 10 s per GB at 100 MB/s, more for an AOF), or accept \
        `LOADING` in the startupProbe and the liveness probe.",
    references: &[K8S_PROBES, PERSISTENCE],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                let Some(doc) = cx.docs.get(w.doc) else {
                    continue;
                };
                let pointer = format!("{}/startupProbe", c.pointer);
                let Some(probe) = doc.value.at(&pointer) else {
                    continue;
                };
                if during_load(probe) != DuringLoad::Fails {
                    continue;
                }
                let maxmemory = conf
                    .last("maxmemory")
                    .and_then(|s| s.arg(0))
                    .and_then(redis_bytes)
                    .filter(|&b| b > 0)
                    .map(|b| (b as f64, "maxmemory"));
                let Some((bytes, bound)) = maxmemory.or_else(|| {
                    memory_limit(cx.docs, w, c).map(|(limit, _)| (limit, "the memory limit"))
                }) else {
                    continue;
                };
                let budget = startup_budget(probe);
                let load = bytes / LOAD_BYTES_PER_SECOND;
                if (budget as f64) < load {
                    sink.report(
                        &w.loc(pointer),
                        format!(
                            "the startupProbe of container `{}` expects PONG and gives up after {budget} s, but a data set of {bound} ({:.0} MiB) takes over {:.0} s to load even at 250 MB/s: the kubelet restarts Redis mid-load and the load starts over",
                            c.name,
                            bytes / 1024.0 / 1024.0,
                            load.floor()
                        ),
                    );
                }
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_probe_fails_during_a_load_when_it_expects_pong_only() {
        let exec = |cmd: &str| json!({"exec": {"command": ["sh", "-c", cmd]}});
        assert_eq!(
            during_load(&exec("redis-cli ping | grep PONG")),
            DuringLoad::Fails
        );
        assert_eq!(
            during_load(&exec("redis-cli ping | grep -E 'PONG|LOADING'")),
            DuringLoad::Passes
        );
        assert_eq!(
            during_load(&json!({"tcpSocket": {"port": 6379}})),
            DuringLoad::Passes
        );
        assert_eq!(during_load(&exec("/health/ping.sh")), DuringLoad::Unknown);
        assert_eq!(
            during_load(&json!({"httpGet": {"port": 9121}})),
            DuringLoad::Unknown
        );
    }

    #[test]
    fn the_budget_uses_kubernetes_defaults() {
        assert_eq!(startup_budget(&json!({})), 30);
        assert_eq!(
            startup_budget(
                &json!({"initialDelaySeconds": 5, "failureThreshold": 6, "periodSeconds": 2})
            ),
            17
        );
    }
}
