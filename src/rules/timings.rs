//! Timings: failure detection, failover, probes and shutdown.

use super::facts::{aof_on, confs, flag, launch_loc, monitors, number, rdb_on, sentinel_number};
use super::rule::{Category, Rule};
use super::sources::{ADMIN, K8S_TERMINATION, REDIS_CONF, REPLICATION, SENTINEL, SENTINEL_CONF};
use crate::finding::Severity;
use crate::manifest::JsonPointer;
use crate::model::Role;

const DOWN_AFTER_DEFAULT: i64 = 30_000;
const FAILOVER_TIMEOUT_DEFAULT: i64 = 180_000;

pub const SENTINEL_DOWN_AFTER_OUT_OF_RANGE: Rule = Rule {
    id: "sentinel-down-after-out-of-range",
    category: Category::Timings,
    severity: Severity::Warning,
    summary: "down-after-milliseconds < 1000 or > 30000",
    rationale: "`down-after-milliseconds` is how long a master must be unreachable before a \
        Sentinel considers it down. Below one second, fork stalls (RDB/AOF rewrite), GC pauses of \
        the node and short network blips trigger needless failovers, each of which loses the \
        writes not yet replicated. Above 30 s, failover takes longer than clients wait (Bitnami's \
        60000 ms default is the cautionary tale: a minute of 503s). (Redis Sentinel docs; sentinel.conf.)",
    fix: "Use a value between 1000 and 30000 ms; 5000 ms gives a failover in about 6 s \
        (`sentinel.downAfterMilliseconds`).",
    references: &[SENTINEL, SENTINEL_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, _, conf) in confs(cx.model, set, Role::Sentinel) {
                for m in monitors(conf) {
                    let (ms, at) = sentinel_number(
                        conf,
                        "down-after-milliseconds",
                        m.master,
                        DOWN_AFTER_DEFAULT,
                    );
                    if !(1000..=30_000).contains(&ms) {
                        let at = at.unwrap_or(m.setting);
                        sink.report_for(
                            &at.loc,
                            Some(w.doc),
                            format!(
                                "down-after-milliseconds {ms} for `{}` is outside 1000–30000 ms",
                                m.master
                            ),
                        );
                    }
                }
            }
        }
    },
};

pub const SENTINEL_FAILOVER_TIMEOUT_TOO_LOW: Rule = Rule {
    id: "sentinel-failover-timeout-too-low",
    category: Category::Timings,
    severity: Severity::Error,
    summary: "failover-timeout ≤ down-after-milliseconds",
    rationale: "`failover-timeout` bounds a failover attempt and is also the minimum time before \
        the same master is failed over again. At or below `down-after-milliseconds`, a failover \
        is abandoned before the replicas have reconfigured, and Sentinels retry in a loop. \
        (Redis Sentinel docs; sentinel.conf.)",
    fix: "Make `sentinel failover-timeout` clearly larger than `down-after-milliseconds` \
        (e.g. 10000 with down-after 5000; `sentinel.failoverTimeout`).",
    references: &[SENTINEL, SENTINEL_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, _, conf) in confs(cx.model, set, Role::Sentinel) {
                for m in monitors(conf) {
                    let (down, _) = sentinel_number(
                        conf,
                        "down-after-milliseconds",
                        m.master,
                        DOWN_AFTER_DEFAULT,
                    );
                    let (timeout, at) = sentinel_number(
                        conf,
                        "failover-timeout",
                        m.master,
                        FAILOVER_TIMEOUT_DEFAULT,
                    );
                    if timeout <= down {
                        sink.report_for(
                            &at.unwrap_or(m.setting).loc,
                            Some(w.doc),
                            format!("failover-timeout {timeout} ms for `{}` is not above down-after-milliseconds {down} ms", m.master),
                        );
                    }
                }
            }
        }
    },
};

pub const MIN_REPLICAS_MAX_LAG_EXCEEDS_DOWN_AFTER: Rule = Rule {
    id: "min-replicas-max-lag-exceeds-down-after",
    category: Category::Timings,
    severity: Severity::Warning,
    summary: "min-replicas-max-lag ≥ down-after-milliseconds: an isolated master outlives its failover",
    rationale: "A master cut off from its replicas and Sentinels but still reached by clients \
        accepts writes until its replicas' last acknowledgement is older than \
        `min-replicas-max-lag` seconds (they acknowledge every second). The Sentinels promote \
        another after `down-after-milliseconds` and about a second more. When the lag is not \
        below down-after, both accept writes for a while, and what the old one accepted is \
        discarded when it rejoins. Measured with `redis-ha-gen drill --scenario \
        isolated-master`: lag 10 s with down-after 5 s gave 5.3 s of split brain, lag 3 s \
        none. (Redis replication docs, \"Allow writes only with N attached replicas\"; \
        Sentinel docs, \"Example 2\".)",
    fix: "Make `min-replicas-max-lag` (seconds) smaller than `down-after-milliseconds` by at \
        least a second or two (`redis.minReplicasMaxLag`; 3 with down-after 5000).",
    references: &[REPLICATION, SENTINEL],
    check: |cx, sink| {
        for set in &cx.model.sets {
            let down_after = confs(cx.model, set, Role::Sentinel)
                .flat_map(|(_, _, conf)| {
                    monitors(conf).map(move |m| {
                        sentinel_number(
                            conf,
                            "down-after-milliseconds",
                            m.master,
                            DOWN_AFTER_DEFAULT,
                        )
                        .0
                    })
                })
                .min();
            let Some(down_after) = down_after else {
                continue;
            };
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                let (n, _) = number(conf, &["min-replicas-to-write", "min-slaves-to-write"], 0);
                let (lag, at) = number(conf, &["min-replicas-max-lag", "min-slaves-max-lag"], 10);
                if n >= 1 && lag.saturating_mul(1000) >= down_after {
                    let loc = at
                        .map(|s| s.loc.clone())
                        .unwrap_or_else(|| launch_loc(w, c));
                    sink.report_for(&loc, Some(w.doc), format!("min-replicas-max-lag {lag} s is not below down-after-milliseconds {down_after} ms: an isolated master keeps accepting writes after the Sentinels promote another"));
                }
            }
        }
    },
};

pub const FAILOVER_TARGET_UNREACHABLE: Rule = Rule {
    id: "failover-target-unreachable",
    category: Category::Timings,
    severity: Severity::Error,
    summary: "render only: the profile's failover target (seconds) < down-after + 2 s",
    rationale: "A Sentinel names a new master about one second after `down-after-milliseconds` \
        expires (measured on Redis 7.0: 6.03 s with down-after 5000). A profile whose failover \
        target is below down-after + 2 s promises a failover the configuration cannot deliver. \
        (Redis Sentinel docs; docs/architecture.md measurements.)",
    fix: "Lower `sentinel.downAfterMilliseconds` or raise `failoverTargetSeconds` so that the \
        target is at least down-after + 2 s.",
    references: &[SENTINEL],
    check: |cx, sink| {
        let Some(render) = &cx.options.render else {
            return;
        };
        for set in &cx.model.sets {
            for (w, _, conf) in confs(cx.model, set, Role::Sentinel) {
                for m in monitors(conf) {
                    let (down, at) = sentinel_number(
                        conf,
                        "down-after-milliseconds",
                        m.master,
                        DOWN_AFTER_DEFAULT,
                    );
                    let floor_ms = down + 2000;
                    if (render.failover_target_seconds as i64) * 1000 < floor_ms {
                        sink.report_for(
                            &at.unwrap_or(m.setting).loc,
                            Some(w.doc),
                            format!(
                                "failover target {} s is below down-after-milliseconds {down} ms + 2 s: failover takes at least {:.1} s",
                                render.failover_target_seconds,
                                floor_ms as f64 / 1000.0
                            ),
                        );
                    }
                }
            }
        }
    },
};

pub const TERMINATION_GRACE_TOO_SHORT: Rule = Rule {
    id: "termination-grace-too-short",
    category: Category::Timings,
    severity: Severity::Warning,
    summary: "terminationGracePeriodSeconds shorter than Redis's shutdown save + shutdown-timeout",
    rationale: "On SIGTERM Redis waits up to `shutdown-timeout` (default 10 s) for replicas to \
        catch up, then saves an RDB snapshot when save points are configured, and only then \
        exits. If the pod's grace period ends first the kubelet sends SIGKILL: the final save is \
        lost and the restart does a full resync. (Redis admin docs; redis.conf `shutdown-timeout`; \
        Kubernetes pod termination.)",
    fix: "Set `terminationGracePeriodSeconds` to at least `shutdown-timeout` + the time of a \
        save (10 s more when RDB/AOF is on), e.g. 30.",
    references: &[ADMIN, REDIS_CONF, K8S_TERMINATION],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, _, conf) in confs(cx.model, set, Role::Redis) {
                let pointer = format!("{}/terminationGracePeriodSeconds", w.pod);
                let grace = cx
                    .docs
                    .get(w.doc)
                    .and_then(|d| d.value.at(&pointer))
                    .and_then(|v| v.as_i64())
                    .unwrap_or(30);
                let (timeout, _) = number(conf, &["shutdown-timeout"], 10);
                let persists = rdb_on(conf).0 || aof_on(conf).0;
                let needed = timeout + if persists { 10 } else { 0 };
                if grace < needed {
                    sink.report(
                        &w.loc(pointer),
                        format!("terminationGracePeriodSeconds {grace} is shorter than the {needed} s Redis may need to stop (shutdown-timeout {timeout} s{})", if persists { " + final save" } else { "" }),
                    );
                }
            }
        }
    },
};

pub const REPL_DISKLESS_SYNC_DELAY_HIGH: Rule = Rule {
    id: "repl-diskless-sync-delay-high",
    category: Category::Timings,
    severity: Severity::Warning,
    summary: "diskless sync waits repl-diskless-sync-delay > 0 while min-replicas-to-write needs a replica",
    rationale: "With diskless replication (the default since Redis 7.0) a full sync waits \
        `repl-diskless-sync-delay` seconds (default 5) for more replicas to join. After a \
        failover the new master has no synced replica until then, and with \
        `min-replicas-to-write 1` every write fails with NOREPLICAS for those seconds (measured: \
        3–4 s of failed writes after a planned failover; 0.1–0.2 s with delay 0). \
        (Redis replication docs; redis.conf.)",
    fix: "Set `repl-diskless-sync-delay 0` (`redis.replDisklessSyncDelay: 0`).",
    references: &[REPLICATION, REDIS_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                let (diskless, _) = flag(conf, &["repl-diskless-sync"], true);
                let (delay, at) = number(conf, &["repl-diskless-sync-delay"], 5);
                let (min_replicas, _) =
                    number(conf, &["min-replicas-to-write", "min-slaves-to-write"], 0);
                if diskless && delay > 0 && min_replicas >= 1 {
                    let loc = at
                        .map(|s| s.loc.clone())
                        .unwrap_or_else(|| launch_loc(w, c));
                    sink.report_for(
                        &loc,
                        Some(w.doc),
                        format!("repl-diskless-sync-delay is {delay} s{}: after a failover writes fail with NOREPLICAS until a replica has synced", if at.is_none() { " (Redis's default)" } else { "" }),
                    );
                }
            }
        }
    },
};
