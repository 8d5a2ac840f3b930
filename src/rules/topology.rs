//! Sentinel topology and quorum.

use super::facts::{confs, monitors, sentinel_number, set_name};
use super::rule::{Category, Rule};
use super::sources::{REPLICATION, SENTINEL, SENTINEL_CONF};
use crate::finding::Severity;
use crate::model::Role;
use std::collections::BTreeMap;

fn majority(n: u32) -> u32 {
    n / 2 + 1
}

pub const SENTINEL_COUNT_TOO_LOW: Rule = Rule {
    id: "sentinel-count-too-low",
    category: Category::Topology,
    severity: Severity::Error,
    summary: "fewer than 3 Sentinels",
    rationale: "Sentinel fails over only when a majority of all Sentinels can talk to each other. \
        With one Sentinel its own failure stops all failovers; with two, losing either leaves no \
        majority. The Redis Sentinel documentation: \"You need at least three Sentinel instances \
        for a robust deployment\", placed in failure-independent places.",
    fix: "Run at least 3 Sentinels (e.g. one co-located in each of 3 Redis pods: `replicas: 3` on \
        the StatefulSet that runs the Sentinel container).",
    references: &[SENTINEL],
    check: |cx, sink| {
        for set in &cx.model.sets {
            let sentinels = cx.model.count(set, Role::Sentinel);
            let redis = cx.model.count(set, Role::Redis);
            if sentinels >= 3 || (sentinels == 0 && redis <= 1) {
                continue;
            }
            let w = cx
                .model
                .servers(set, Role::Sentinel)
                .map(|(w, _, _)| w)
                .next()
                .or_else(|| cx.model.workloads_of(set).next());
            if let Some(w) = w {
                sink.report_for(
                    &w.replicas_loc,
                    Some(w.doc),
                    format!(
                        "{} runs {sentinels} Sentinel(s) for {redis} Redis server(s); at least 3 are needed so a majority survives one failure",
                        set_name(cx.model, set)
                    ),
                );
            }
        }
    },
};

pub const SENTINEL_QUORUM_OUT_OF_RANGE: Rule = Rule {
    id: "sentinel-quorum-out-of-range",
    category: Category::Topology,
    severity: Severity::Error,
    summary: "quorum < 1 or quorum > number of Sentinels: failure can never be agreed",
    rationale: "The quorum is the number of Sentinels that must agree the master is unreachable \
        before a failover starts. A quorum larger than the number of Sentinels can never be \
        reached, so the master is never marked objectively down and no failover ever happens; \
        a quorum below 1 is rejected. (Redis Sentinel docs, \"Configuring Sentinel\"; sentinel.conf.)",
    fix: "Set the last field of `sentinel monitor <name> <host> <port> <quorum>` between 1 and the \
        number of Sentinels — usually the majority, 2 of 3 (`sentinel.quorum` in a profile).",
    references: &[SENTINEL, SENTINEL_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            let n = cx.model.count(set, Role::Sentinel);
            for (w, _, conf) in confs(cx.model, set, Role::Sentinel) {
                for m in monitors(conf) {
                    match m.quorum {
                        Some(q) if q >= 1 && q <= n as i64 => {}
                        Some(q) => sink.report_for(
                            &m.setting.loc,
                            Some(w.doc),
                            format!("quorum {q} for master `{}` with {n} Sentinel(s): it must be between 1 and {n}", m.master),
                        ),
                        None => sink.report_for(
                            &m.setting.loc,
                            Some(w.doc),
                            format!("`sentinel monitor {}` has no valid quorum (a positive integer)", m.master),
                        ),
                    }
                }
            }
        }
    },
};

pub const SENTINEL_QUORUM_ABOVE_MAJORITY: Rule = Rule {
    id: "sentinel-quorum-above-majority",
    category: Category::Topology,
    severity: Severity::Warning,
    summary: "quorum > majority: fewer Sentinel losses are survivable than necessary",
    rationale: "A failover needs both the quorum (to mark the master down) and a majority of \
        Sentinels (to authorise it). A quorum above the majority adds nothing but makes failure \
        detection need more live Sentinels: with 3 Sentinels and quorum 3, losing any Sentinel \
        prevents every failover. (Redis Sentinel docs, \"Quorum\".)",
    fix: "Set the quorum to the majority of Sentinels: ⌊N/2⌋+1 (2 for 3 Sentinels, 3 for 5).",
    references: &[SENTINEL],
    check: |cx, sink| {
        for set in &cx.model.sets {
            let n = cx.model.count(set, Role::Sentinel);
            for (w, _, conf) in confs(cx.model, set, Role::Sentinel) {
                for m in monitors(conf) {
                    if let Some(q) = m
                        .quorum
                        .filter(|&q| q > majority(n) as i64 && q <= n as i64)
                    {
                        sink.report_for(
                            &m.setting.loc,
                            Some(w.doc),
                            format!(
                                "quorum {q} for master `{}` is above the majority ({}) of {n} Sentinels: losing {} Sentinel(s) already stops failover",
                                m.master,
                                majority(n),
                                n as i64 - q + 1
                            ),
                        );
                    }
                }
            }
        }
    },
};

pub const REPLICA_COUNT_TOO_LOW: Rule = Rule {
    id: "replica-count-too-low",
    category: Category::Topology,
    severity: Severity::Error,
    summary: "fewer than 2 Redis instances: nothing to fail over to",
    rationale: "Sentinel promotes a replica when the master fails. With a single Redis instance \
        there is no replica, so Sentinel adds detection but no availability: every master failure \
        is an outage until the pod comes back. (Redis replication and Sentinel docs.)",
    fix: "Run at least 2 Redis instances (3 is the usual minimum: one master, two replicas), \
        e.g. `replicas: 3` on the Redis StatefulSet (`redis.replicas`).",
    references: &[SENTINEL, REPLICATION],
    check: |cx, sink| {
        for set in &cx.model.sets {
            let redis = cx.model.count(set, Role::Redis);
            if redis >= 2 || cx.model.count(set, Role::Sentinel) == 0 {
                continue;
            }
            let w = cx.model.servers(set, Role::Redis).map(|(w, _, _)| w).next();
            if let Some(w) = w.or_else(|| cx.model.workloads_of(set).next()) {
                sink.report_for(
                    &w.replicas_loc,
                    Some(w.doc),
                    format!(
                        "{} runs {redis} Redis server(s): Sentinel has no replica to promote",
                        set_name(cx.model, set)
                    ),
                );
            }
        }
    },
};

pub const REPLICATION_WITHOUT_FAILOVER: Rule = Rule {
    id: "replication-without-failover",
    category: Category::Topology,
    severity: Severity::Warning,
    summary: "a master with replicas and no Sentinel in the input: nothing fails over",
    rationale: "Replication copies the data; it does not move the master. Redis replicas do \
        not promote themselves: when the master fails, they keep trying to reconnect to it \
        and writes fail until that pod is back, which for a StatefulSet pod on a lost node \
        can be until someone deletes the node. Automatic failover is what Redis Sentinel \
        (or Redis Cluster) adds: \"Redis Sentinel provides high availability for Redis when \
        not using Redis Cluster\" by promoting a replica and telling clients the new master. \
        A warning, not an error: a set that only scales reads, or accepts a write outage \
        until the master restarts, may mean it — then say so with an ignore annotation. \
        (Redis replication docs; Redis Sentinel docs, \"Sentinel as a distributed \
        system\".)",
    fix: "Add Sentinels that monitor the master (at least 3, e.g. bitnami's \
        `sentinel.enabled: true`, or a Sentinel StatefulSet with `sentinel monitor`), or \
        run Redis Cluster; if a write outage until the master restarts is accepted, record \
        it with `ignore-check.redis-ha-gen.io/replication-without-failover: \"<reason>\"`.",
    references: &[REPLICATION, SENTINEL],
    check: |cx, sink| {
        for set in &cx.model.sets {
            let redis = cx.model.count(set, Role::Redis);
            if redis < 2 || cx.model.count(set, Role::Sentinel) > 0 {
                continue;
            }
            let Some(w) = cx.model.workloads_of(set).next() else {
                continue;
            };
            sink.report_for(
                &w.replicas_loc,
                Some(w.doc),
                format!(
                    "{} replicates between {redis} Redis servers but the input runs no Sentinel: when the master fails nothing promotes a replica, and writes fail until that pod is back",
                    set_name(cx.model, set)
                ),
            );
        }
    },
};

/// What every Sentinel of one set must agree on.
#[derive(PartialEq)]
struct Agreement {
    master: String,
    quorum: Option<i64>,
    down_after: i64,
    failover_timeout: i64,
    auth: bool,
}

pub const SENTINEL_CONFIG_INCONSISTENT: Rule = Rule {
    id: "sentinel-config-inconsistent",
    category: Category::Topology,
    severity: Severity::Warning,
    summary: "Sentinels of one set disagree on quorum, timings, master name or auth",
    rationale: "Sentinels of one deployment must monitor the same master set name with the same \
        quorum, timings and credentials. Otherwise some never join the others' majority (different \
        master name), detect failures at different times, or cannot authenticate to the new master \
        after a failover. One Sentinel may monitor several masters: each master is compared \
        across the Sentinels, never one master with another. (Redis Sentinel docs.)",
    fix: "Generate every Sentinel's configuration from one source (one ConfigMap) so they are \
        identical.",
    references: &[SENTINEL],
    check: |cx, sink| {
        for set in &cx.model.sets {
            // The first Sentinel's view of each master it monitors; one Sentinel may monitor
            // several masters, so monitors are compared per master across Sentinels, never
            // with each other.
            let mut reference: Option<BTreeMap<String, Agreement>> = None;
            for (w, _, conf) in confs(cx.model, set, Role::Sentinel) {
                let these = monitors(conf).map(|m| {
                    let this = Agreement {
                        master: m.master.to_string(),
                        quorum: m.quorum,
                        down_after: sentinel_number(
                            conf,
                            "down-after-milliseconds",
                            m.master,
                            30000,
                        )
                        .0,
                        failover_timeout: sentinel_number(
                            conf,
                            "failover-timeout",
                            m.master,
                            180000,
                        )
                        .0,
                        auth: conf.sentinel_value("auth-pass", m.master).is_some(),
                    };
                    (this, m)
                });
                if reference.is_none() {
                    reference = Some(these.map(|(a, _)| (a.master.clone(), a)).collect());
                    continue;
                }
                let Some(reference) = &reference else {
                    continue;
                };
                for (this, m) in these {
                    let f = match reference.get(&this.master) {
                        Some(f) if *f == this => continue,
                        Some(f) => f,
                        None => match reference.values().next() {
                            Some(f) => f,
                            None => continue,
                        },
                    };
                    sink.report_for(
                        &m.setting.loc,
                        Some(w.doc),
                        format!(
                            "this Sentinel monitors `{}` (quorum {:?}, down-after {} ms, failover-timeout {} ms, auth {}) but another Sentinel of {} monitors `{}` (quorum {:?}, down-after {} ms, failover-timeout {} ms, auth {})",
                            this.master, this.quorum, this.down_after, this.failover_timeout, this.auth,
                            set_name(cx.model, set),
                            f.master, f.quorum, f.down_after, f.failover_timeout, f.auth
                        ),
                    );
                }
            }
        }
    },
};
