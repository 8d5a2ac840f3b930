//! Memory: maxmemory against the container limit, and the eviction policy.

use super::facts::{aof_on, confs, flag, launch_loc, memory_limit, rdb_on};
use super::rule::{Category, Rule};
use super::sink::Context;
use super::sources::{EVICTION, K8S_RESOURCES, PERSISTENCE, REDIS_CONF, REPLICATION};
use crate::finding::Severity;
use crate::memory_budget::{REDIS_DEFAULT_REPLICA_HARD_LIMIT, fork_estimate, full_sync_need};
use crate::model::conf::{Conf, Setting};
use crate::model::units::redis_bytes;
use crate::model::{Container, Role, Workload};

use crate::redis_conf::MAXMEMORY_POLICIES as POLICIES;

fn mib(bytes: f64) -> String {
    format!("{:.0}Mi", bytes / (1024.0 * 1024.0))
}

pub const MAXMEMORY_UNSET: Rule = Rule {
    id: "maxmemory-unset",
    category: Category::Memory,
    severity: Severity::Error,
    summary: "no maxmemory: Redis grows until the cgroup OOM-kills it, eviction never runs",
    rationale: "Without `maxmemory` (or with `maxmemory 0`) Redis never applies its eviction \
        policy: it allocates until the container's memory limit, where the kernel OOM-kills it \
        — a hard crash instead of a controlled `OOM command not allowed` or eviction. \
        (Redis eviction docs; redis.conf.)",
    fix: "Set `maxmemory` below the container's memory limit with room for fork copy-on-write \
        and replication buffers, e.g. `maxmemory 256mb` with a 512Mi limit (`redis.maxmemory`).",
    references: &[EVICTION, REDIS_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                let setting = conf.last("maxmemory");
                let bytes = setting.and_then(|s| redis_bytes(s.arg(0)?));
                if bytes.unwrap_or(0) == 0 {
                    let loc = setting
                        .map(|s| s.loc.clone())
                        .unwrap_or_else(|| launch_loc(w, c));
                    sink.report_for(&loc, Some(w.doc), format!("Redis in container `{}` has no maxmemory: eviction never runs and the kernel OOM-kills it at the memory limit", c.name));
                }
            }
        }
    },
};

pub const MAXMEMORY_EXCEEDS_LIMIT: Rule = Rule {
    id: "maxmemory-exceeds-limit",
    category: Category::Memory,
    severity: Severity::Error,
    summary: "maxmemory ≥ the Redis container's memory limit",
    rationale: "`maxmemory` counts only the data set; the process also needs memory for \
        connections, replication and AOF buffers and allocator overhead. At or above the \
        container limit the kernel OOM-kills Redis before eviction ever starts. \
        (Redis eviction docs; Kubernetes resource management.)",
    fix: "Lower `maxmemory` (or raise `resources.limits.memory`) so the limit is comfortably \
        above it — about twice `maxmemory` when RDB/AOF is on.",
    references: &[EVICTION, K8S_RESOURCES],
    check: |cx, sink| {
        for s in sized_servers(cx) {
            if s.bytes as f64 >= s.limit {
                sink.report_for(
                    &s.setting.loc,
                    Some(s.w.doc),
                    format!(
                        "maxmemory {} is not below the memory limit {} of container `{}`",
                        mib(s.bytes as f64),
                        mib(s.limit),
                        s.c.name
                    ),
                );
            }
        }
    },
};

pub const MAXMEMORY_HEADROOM_LOW: Rule = Rule {
    id: "maxmemory-headroom-low",
    category: Category::Memory,
    severity: Severity::Warning,
    summary: "RDB/AOF or disk replication is on and maxmemory > 50 % of the limit",
    rationale: "An RDB save, an AOF rewrite and a disk-based full sync fork Redis; copy-on-write \
        can double the resident memory of a busy instance, and replica output buffers are not \
        counted in `maxmemory`. Above half of the container limit a save or a resync during \
        write load risks an OOM kill. (Redis persistence docs, \"fork\"; replication docs.)",
    fix: "Keep `maxmemory` at or below half of the memory limit when persistence or disk-based \
        replication is on (256mb with a 512Mi limit).",
    references: &[PERSISTENCE, REPLICATION],
    check: |cx, sink| {
        for s in sized_servers(cx) {
            let forks = rdb_on(s.conf).0
                || aof_on(s.conf).0
                || !flag(s.conf, &["repl-diskless-sync"], true).0;
            if forks && (s.bytes as f64) > s.limit / 2.0 && (s.bytes as f64) < s.limit {
                sink.report_for(
                    &s.setting.loc,
                    Some(s.w.doc),
                    format!("maxmemory {} is over half the memory limit {} while Redis forks for persistence or replication", mib(s.bytes as f64), mib(s.limit)),
                );
            }
        }
    },
};

pub const FULL_SYNC_MEMORY_EXCEEDS_LIMIT: Rule = Rule {
    id: "full-sync-memory-exceeds-limit",
    category: Category::Memory,
    severity: Severity::Warning,
    summary: "maxmemory + replica output buffer + fork copy-on-write estimate > the memory limit",
    rationale: "During a full sync the master forks a child that sends the RDB to the replica \
        and buffers every write for that replica until the replica has loaded it. The pages the \
        parent rewrites while the child runs are copied (copy-on-write), and the replica's \
        output buffer grows up to `client-output-buffer-limit replica`'s hard limit (Redis's \
        default: 256mb); neither counts in `maxmemory`. A resync under write load then needs \
        maxmemory + that limit + the copy-on-write pages: with `maxmemory 256mb`, the default \
        buffer and half the data set rewritten, 640Mi in a 512Mi container, and the kernel \
        OOM-kills the master. The estimate counts half of `maxmemory` as copied \
        (`maxmemory-headroom-low` covers the worst case, every page). (Redis replication docs, \
        \"How Redis replication works\"; redis.conf, `client-output-buffer-limit`; persistence \
        docs, fork and copy-on-write.)",
    fix: "Set `client-output-buffer-limit replica <hard> <soft> <seconds>` so that maxmemory + \
        hard + maxmemory/2 stays within the memory limit (`64mb 16mb 60` for 256mb in 512Mi; \
        `redis.replicaOutputBuffer`, derived by default), or lower `maxmemory`, or raise \
        `resources.limits.memory`. A hard limit of 0 means no limit at all.",
    references: &[REPLICATION, REDIS_CONF, PERSISTENCE],
    check: |cx, sink| {
        for s in sized_servers(cx) {
            if s.bytes as f64 >= s.limit {
                continue; // maxmemory-exceeds-limit
            }
            let (hard, written) = replica_hard_limit(s.conf);
            let buffer = match written {
                Some(_) if hard == 0 => "no limit (0)".to_string(),
                Some(_) => mib(hard as f64),
                None => format!("{} (Redis's default)", mib(hard as f64)),
            };
            let over = full_sync_need(s.bytes, hard).is_none_or(|need| need as f64 > s.limit);
            if over {
                let need =
                    full_sync_need(s.bytes, hard).map_or("no bound".to_string(), |n| mib(n as f64));
                sink.report_for(
                    &written.unwrap_or(s.setting).loc,
                    Some(s.w.doc),
                    format!(
                        "a full sync can need maxmemory {} + replica output buffer {buffer} + \
                         fork copy-on-write ≈{} = {need}, over the memory limit {} of container \
                         `{}`",
                        mib(s.bytes as f64),
                        mib(fork_estimate(s.bytes) as f64),
                        mib(s.limit),
                        s.c.name
                    ),
                );
            }
        }
    },
};

/// The effective hard limit of the replica class of `client-output-buffer-limit` (`slave` is
/// its old name; one directive may set several classes, four words each) and the directive
/// that set it, or Redis's default and `None`.
fn replica_hard_limit(conf: &Conf) -> (u64, Option<&Setting>) {
    let mut found = (REDIS_DEFAULT_REPLICA_HARD_LIMIT, None);
    for setting in conf.all("client-output-buffer-limit") {
        for group in setting.directive.args.chunks(4) {
            let class = group[0].to_ascii_lowercase();
            if matches!(class.as_str(), "replica" | "slave")
                && let Some(hard) = group.get(1).and_then(|h| redis_bytes(h))
            {
                found = (hard, Some(setting));
            }
        }
    }
    found
}

pub const MAXMEMORY_POLICY_INVALID: Rule = Rule {
    id: "maxmemory-policy-invalid",
    category: Category::Memory,
    severity: Severity::Error,
    summary: "not one of Redis's eight eviction policies",
    rationale: "Redis refuses to start on an unknown `maxmemory-policy` (\"argument must be one of \
        the following\"): the pod crash-loops. (Redis eviction docs; redis.conf.)",
    fix: "Use one of: volatile-lru, allkeys-lru, volatile-lfu, allkeys-lfu, volatile-random, \
        allkeys-random, volatile-ttl, noeviction.",
    references: &[EVICTION, REDIS_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, _, conf) in confs(cx.model, set, Role::Redis) {
                let Some(setting) = conf.last("maxmemory-policy") else {
                    continue;
                };
                let policy = setting.arg(0).unwrap_or_default();
                if !POLICIES.contains(&policy.to_ascii_lowercase().as_str()) {
                    sink.report_for(
                        &setting.loc,
                        Some(w.doc),
                        format!("`{policy}` is not a maxmemory-policy; Redis will refuse to start"),
                    );
                }
            }
        }
    },
};

pub const MAXMEMORY_POLICY_EVICTS_STATE: Rule = Rule {
    id: crate::profile::MAXMEMORY_POLICY_EVICTS_STATE,
    category: Category::Memory,
    severity: Severity::Warning,
    summary: "an allkeys-* policy: under memory pressure Redis evicts deduplication keys",
    rationale: "`allkeys-*` policies evict any key when `maxmemory` is reached, including state \
        the application relies on, such as deduplication fingerprints: an evicted fingerprint \
        lets a duplicate through. `noeviction` fails writes instead (fail closed) and \
        `volatile-*` evicts only keys with a TTL. (Redis eviction docs.)",
    fix: "Use `noeviction` or a `volatile-*` policy (`redis.maxmemoryPolicy`), or keep the \
        trade-off deliberately with an `ignore-check.redis-ha-gen.io/maxmemory-policy-evicts-state` \
        annotation that states the reason.",
    references: &[EVICTION],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, _, conf) in confs(cx.model, set, Role::Redis) {
                let Some(setting) = conf.last("maxmemory-policy") else {
                    continue;
                };
                let policy = setting.arg(0).unwrap_or_default().to_ascii_lowercase();
                if policy.starts_with("allkeys-") {
                    sink.report_for(&setting.loc, Some(w.doc), format!("maxmemory-policy {policy} evicts keys without a TTL under memory pressure"));
                }
            }
        }
    },
};

/// A Redis server with a positive `maxmemory` and a known container memory limit.
struct Sized<'a> {
    w: &'a Workload,
    c: &'a Container,
    conf: &'a Conf,
    /// The effective `maxmemory` directive and its bytes.
    setting: &'a Setting,
    bytes: u64,
    /// The container's `resources.limits.memory`, in bytes.
    limit: f64,
}

/// Every Redis server of every set whose `maxmemory` and memory limit are both known.
fn sized_servers<'a>(cx: &'a Context) -> impl Iterator<Item = Sized<'a>> + 'a {
    cx.model.sets.iter().flat_map(move |set| {
        confs(cx.model, set, Role::Redis).filter_map(move |(w, c, conf)| {
            let setting = conf.last("maxmemory")?;
            let bytes = setting.arg(0).and_then(redis_bytes).filter(|&b| b > 0)?;
            let (limit, _) = memory_limit(cx.docs, w, c)?;
            Some(Sized {
                w,
                c,
                conf,
                setting,
                bytes,
                limit,
            })
        })
    })
}
