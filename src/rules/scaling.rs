//! The pod count a set runs with against the pod count its scripts and Sentinel config
//! assume: what `kubectl scale` without re-rendering leaves behind.

use super::facts::confs;
use super::rule::{Category, Rule};
use super::sources::{K8S_STATEFULSET, SENTINEL};
use crate::finding::Severity;
use crate::model::Role;

/// Env names start scripts read the set's size from (ours: `REPLICAS`).
const SIZE_ENV: &[&str] = &["REPLICAS", "REDIS_REPLICAS", "REPLICA_COUNT", "REDIS_NODES"];

/// The ordinal of `host` when it names a pod `<set>-<N>` (short name or FQDN).
fn ordinal(set: &str, host: &str) -> Option<u32> {
    let rest = host.strip_prefix(set)?.strip_prefix('-')?;
    let digits = rest.split('.').next()?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

pub const REPLICAS_OUT_OF_SYNC: Rule = Rule {
    id: "replicas-out-of-sync",
    category: Category::Topology,
    severity: Severity::Error,
    summary: "the StatefulSet's replicas differ from the pod count its env or Sentinel config assume",
    rationale: "A Sentinel counts every Sentinel it ever met in the majority a failover leader \
        needs, and persists them (`known-sentinel`, `known-replica`) across restarts. After \
        `kubectl scale` from 5 to 3 pods the 3 survivors still count 5 Sentinels: a failover \
        needs 3 votes of the 2 left once the master's pod dies, and aborts \
        (`-failover-abort-not-elected`). The Redis Sentinel documentation (\"Adding or removing \
        Sentinels\") says departed Sentinels are never forgotten on their own: `SENTINEL RESET` \
        each remaining Sentinel, one at a time. Start scripts that read the set's size from \
        the environment (`REPLICAS`) also compute peers and majorities from a number the \
        StatefulSet no longer has, and a Sentinel config listing `known-sentinel`/`known-replica` \
        pods beyond the last ordinal brings the ghosts back at every start.",
    fix: "Change the pod count where the manifests come from (`--set redis.replicas=N`, then \
        render and apply): the env, the quorum and the pods change together and the restarted \
        Sentinels forget the departed pods. Do not `kubectl scale` a Sentinel set; if it was \
        scaled down, `SENTINEL RESET <master>` on each remaining Sentinel, one at a time, \
        waiting until each knows the others again. Drop static `known-sentinel`/`known-replica` \
        lines from a shipped sentinel.conf.",
    references: &[SENTINEL, K8S_STATEFULSET],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for w in cx.model.workloads_of(set) {
                if w.kind != "StatefulSet" {
                    continue;
                }
                let assumed = w.containers.iter().flat_map(|c| {
                    c.env
                        .iter()
                        .filter(|(name, _)| SIZE_ENV.contains(&name.as_str()))
                        .filter_map(|(name, value)| Some((name, value.trim().parse::<u32>().ok()?)))
                });
                if let Some((name, n)) = assumed.into_iter().find(|&(_, n)| n != w.replicas) {
                    sink.report_for(
                        &w.replicas_loc,
                        Some(w.doc),
                        format!(
                            "StatefulSet {} runs {} pod(s) but its env says {name}={n} (scaled without re-rendering?): majorities and peers are counted from {n}",
                            w.name, w.replicas
                        ),
                    );
                }
            }
            for (w, _, conf) in confs(cx.model, set, Role::Sentinel) {
                if w.kind != "StatefulSet" {
                    continue;
                }
                let known = ["known-sentinel", "known-replica", "known-slave"]
                    .into_iter()
                    .flat_map(|sub| conf.sentinel(sub));
                for s in known {
                    let host = s.arg(2).unwrap_or("");
                    if let Some(n) = ordinal(&w.name, host).filter(|&n| n >= w.replicas) {
                        sink.report_for(
                            &s.loc,
                            Some(w.doc),
                            format!(
                                "the Sentinel config knows {host} (ordinal {n}) but StatefulSet {} has {} pod(s): a ghost every Sentinel counts in its majority",
                                w.name, w.replicas
                            ),
                        );
                    }
                }
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use super::ordinal;

    #[test]
    fn ordinals_of_pod_names_only() {
        assert_eq!(ordinal("redis", "redis-4.redis-headless.ns.svc"), Some(4));
        assert_eq!(ordinal("redis", "redis-12"), Some(12));
        assert_eq!(ordinal("redis", "redis-x.redis-headless"), None);
        assert_eq!(ordinal("redis", "redis-.h"), None);
        assert_eq!(ordinal("redis", "other-4.h"), None);
        assert_eq!(ordinal("redis", "10.0.0.4"), None);
    }
}
