//! Durability: persistence, write acknowledgement and replica safety.

use super::facts::{aof_on, confs, launch_loc, number, rdb_on};
use super::rule::{Category, Rule};
use super::sources::{PERSISTENCE, REDIS_CONF, REPLICATION};
use crate::finding::Severity;
use crate::model::{Role, Storage};

pub const PERSISTENCE_OFF_WITH_RESTART: Rule = Rule {
    id: "persistence-off-with-restart",
    category: Category::Durability,
    severity: Severity::Error,
    summary: "no RDB/AOF (or data on an emptyDir) while pods restart automatically",
    rationale: "A master without persistence that is restarted automatically comes back empty; \
        if it returns before Sentinel fails it over, its replicas resynchronise from it and \
        delete their copy of the data — total data loss. The Redis replication docs, \"Safety \
        of replication when master has persistence turned off\", warn exactly about automatic \
        restarts. An emptyDir or the container filesystem is gone after the pod is recreated, \
        which has the same effect.",
    fix: "Enable RDB save points (`save 900 1`) or `appendonly yes`, with `dir` on a \
        PersistentVolumeClaim (a `volumeClaimTemplates` entry mounted at the data directory).",
    references: &[REPLICATION, PERSISTENCE],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                if !w.restarts {
                    continue;
                }
                let (rdb, save) = rdb_on(conf);
                let (aof, appendonly) = aof_on(conf);
                if !rdb && !aof {
                    let at = save
                        .or(appendonly)
                        .map(|s| s.loc.clone())
                        .unwrap_or_else(|| launch_loc(w, c));
                    sink.report_for(&at, Some(w.doc), "no RDB save points and no AOF: a restarted empty master can wipe its replicas");
                    continue;
                }
                let dir_setting = conf.last("dir");
                let dir = dir_setting.and_then(|s| s.arg(0)).unwrap_or("/data");
                let storage = w.storage(c.index, dir);
                if matches!(storage, Storage::EmptyDir | Storage::Container) {
                    let at = dir_setting
                        .map(|s| s.loc.clone())
                        .unwrap_or_else(|| launch_loc(w, c));
                    let on = if storage == Storage::EmptyDir {
                        "an emptyDir"
                    } else {
                        "the container filesystem"
                    };
                    sink.report_for(&at, Some(w.doc), format!("the data directory {dir} is on {on}: a recreated pod starts empty and can wipe its replicas"));
                }
            }
        }
    },
};

pub const MIN_REPLICAS_TO_WRITE_UNSET: Rule = Rule {
    id: "min-replicas-to-write-unset",
    category: Category::Durability,
    severity: Severity::Warning,
    summary: "no min-replicas-to-write ≥ 1 with min-replicas-max-lag",
    rationale: "A master cut off from its replicas and Sentinels keeps accepting writes; after \
        the majority side fails over, the old master rejoins as a replica and those writes are \
        discarded. `min-replicas-to-write 1` with `min-replicas-max-lag` makes an isolated \
        master refuse writes (NOREPLICAS) after the lag, bounding the loss. (Redis replication \
        docs, \"Allow writes only with N attached replicas\"; Sentinel docs, \"Example 2\".)",
    fix: "Set `min-replicas-to-write 1` and `min-replicas-max-lag 10` (`redis.minReplicasToWrite`).",
    references: &[REPLICATION, REDIS_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            if cx.model.count(set, Role::Redis) < 2 {
                continue;
            }
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                let (n, at) = number(conf, &["min-replicas-to-write", "min-slaves-to-write"], 0);
                let (lag, lag_at) =
                    number(conf, &["min-replicas-max-lag", "min-slaves-max-lag"], 10);
                if n < 1 || lag < 1 {
                    let at = if n >= 1 { lag_at } else { at };
                    let loc = at
                        .map(|s| s.loc.clone())
                        .unwrap_or_else(|| launch_loc(w, c));
                    sink.report_for(&loc, Some(w.doc), format!("min-replicas-to-write {n} / min-replicas-max-lag {lag}: an isolated master keeps accepting writes that failover discards"));
                }
            }
        }
    },
};

pub const REPLICA_WRITABLE: Rule = Rule {
    id: "replica-writable",
    category: Category::Durability,
    severity: Severity::Warning,
    summary: "replica-read-only no",
    rationale: "Writes to a writable replica are local: they are not replicated and disappear at \
        the next resynchronisation, and a client that reaches a replica by mistake succeeds \
        instead of getting READONLY. (Redis replication docs, \"Read-only replica\".)",
    fix: "Remove `replica-read-only no` (the default is `yes`).",
    references: &[REPLICATION],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, _, conf) in confs(cx.model, set, Role::Redis) {
                if let Some((v, s)) = conf.value(&["replica-read-only", "slave-read-only"])
                    && v.eq_ignore_ascii_case("no")
                {
                    sink.report_for(&s.loc, Some(w.doc), "replicas accept writes that are never replicated and vanish at the next resync");
                }
            }
        }
    },
};
