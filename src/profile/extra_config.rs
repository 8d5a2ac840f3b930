//! `redis.extraConfig` and `sentinel.extraConfig`: directives the user adds to `redis.conf`
//! and `sentinel.conf`. Each is held to the directive grammar (`redis_conf`), and refused
//! when the generator writes that directive itself: the list is read from the templates and
//! from the start scripts' lines, so a directive added there is refused here without a
//! second list to keep in step.

use super::grammar::{self, DIRECTIVE};
use crate::redis_conf;
use std::collections::BTreeSet;
use std::sync::LazyLock;

const REDIS_TEMPLATE: &str = include_str!("../../templates/redis.conf");
const SENTINEL_TEMPLATE: &str = include_str!("../../templates/sentinel.conf");
const REDIS_START: &str = include_str!("../../templates/scripts/redis-start.sh");
const COMMON: &str = include_str!("../../templates/scripts/common.sh");

/// Which configuration file a map extends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Redis,
    Sentinel,
}

/// Directives with a profile field of their own: the field to set instead.
const FIELDS: &[(&str, &str)] = &[
    ("maxmemory", "`redis.maxmemory`"),
    ("maxmemory-policy", "`redis.maxmemoryPolicy`"),
    ("save", "`redis.save`"),
    ("appendonly", "`redis.appendonly`"),
    ("min-replicas-to-write", "`redis.minReplicasToWrite`"),
    ("min-replicas-max-lag", "`redis.minReplicasMaxLag`"),
    ("repl-diskless-sync-delay", "`redis.replDisklessSyncDelay`"),
    ("client-output-buffer-limit", "`redis.replicaOutputBuffer`"),
    ("requirepass", "`auth`"),
    ("masterauth", "`auth`"),
    ("user", "`auth`"),
    (
        "sentinel monitor",
        "`sentinel.masterName` and `sentinel.quorum`",
    ),
    (
        "sentinel down-after-milliseconds",
        "`sentinel.downAfterMilliseconds`",
    ),
    ("sentinel failover-timeout", "`sentinel.failoverTimeout`"),
    ("sentinel parallel-syncs", "`sentinel.parallelSyncs`"),
    ("sentinel auth-pass", "`auth`"),
    ("sentinel sentinel-pass", "`auth`"),
];

/// Redis's old names of directives the generator writes (`config.c` aliases): the same
/// setting under another name.
const ALIASES: &[(&str, &str)] = &[
    ("slaveof", "replicaof"),
    ("slave-announce-ip", "replica-announce-ip"),
    ("slave-announce-port", "replica-announce-port"),
    ("slave-priority", "replica-priority"),
    ("slave-read-only", "replica-read-only"),
    ("slave-serve-stale-data", "replica-serve-stale-data"),
    ("min-slaves-to-write", "min-replicas-to-write"),
    ("min-slaves-max-lag", "min-replicas-max-lag"),
];

/// Why the names of the data files are Redis's defaults.
const DATA_NAMES: &str = "the start scripts find a node's data by Redis's default names \
     (`dump.rdb`, `appendonlydir/appendonly.aof.manifest`): under another name a pod holding \
     data would look empty, and an empty pod may start a set afresh or load a backup";

/// Refused whatever the templates say, with the reason.
const UNSAFE: &[(&str, &str)] = &[
    (
        "include",
        "it loads a file the generator and `lint` never see",
    ),
    (
        "rename-command",
        "the start scripts and Sentinel call CONFIG, REPLICAOF, INFO and SHUTDOWN by name",
    ),
    (
        "sentinel notification-script",
        "Sentinel would run a program from the pod's filesystem",
    ),
    (
        "sentinel client-reconfig-script",
        "Sentinel would run a program from the pod's filesystem",
    ),
    ("dbfilename", DATA_NAMES),
    ("appendfilename", DATA_NAMES),
    ("appenddirname", DATA_NAMES),
    (
        "sentinel sentinel-user",
        "the Sentinels authenticate to each other with the password from `auth`",
    ),
    (
        "sentinel auth-user",
        "the Sentinels authenticate to Redis with the password from `auth`",
    ),
];

/// Sentinel's own state and per-master options (`sentinel <option> <master> …`): written by
/// Sentinel or tied to the one master the generator names.
const SENTINEL_STATE: &[&str] = &[
    "myid",
    "current-epoch",
    "config-epoch",
    "leader-epoch",
    "known-replica",
    "known-slave",
    "known-sentinel",
    "rename-command",
    "master-reboot-down-after-period",
];

/// The directive keys a configuration text writes (`sentinel <option>` for Sentinel lines).
/// Template lines (`{% … %}`) and comments are skipped; `{{ … }}` values read as words.
fn keys_of(text: &str) -> impl Iterator<Item = String> + '_ {
    let conf = redis_conf::parse(text, 0);
    conf.directives.into_iter().filter_map(|d| {
        if d.name.starts_with('{') {
            return None;
        }
        Some(match (d.name.as_str(), d.arg(0)) {
            ("sentinel", Some(option)) => format!("sentinel {}", option.to_ascii_lowercase()),
            _ => d.name.clone(),
        })
    })
}

/// The lines a shell function of a script writes with `echo "…"`, as configuration text.
fn echoed_lines(script: &str, function: &str) -> String {
    let body = script
        .split_once(&format!("\n{function}() {{\n"))
        .and_then(|(_, rest)| rest.split_once("\n}\n"))
        .map_or("", |(body, _)| body);
    body.lines()
        .filter_map(|line| line.trim().strip_prefix("echo \""))
        .filter_map(|line| line.split_once('"').map(|(text, _)| text))
        .map(|text| format!("{text}\n"))
        .collect()
}

/// The directives the generator writes into each file.
static OWNED: LazyLock<[BTreeSet<String>; 2]> = LazyLock::new(|| {
    let redis = keys_of(REDIS_TEMPLATE)
        .chain(keys_of(&echoed_lines(REDIS_START, "write_redis_conf")))
        .collect();
    let sentinel = keys_of(SENTINEL_TEMPLATE)
        .chain(keys_of(&echoed_lines(COMMON, "prepare_sentinel_conf")))
        .collect();
    [redis, sentinel]
});

/// The directives the generator writes into `target`'s file (its templates and scripts).
pub fn owned(target: Target) -> &'static BTreeSet<String> {
    match target {
        Target::Redis => &OWNED[0],
        Target::Sentinel => &OWNED[1],
    }
}

/// Why `key = value` cannot be added to `target`'s file, or `None` when it can.
pub fn refusal(target: Target, key: &str, value: &str) -> Option<String> {
    if !grammar::matches(DIRECTIVE, key) {
        return Some(
            "a directive name: lower-case letters, digits and `-` (e.g. `appendfsync`), or \
             `sentinel` and such a name"
                .into(),
        );
    }
    if target == Target::Redis && key.starts_with("sentinel ") {
        return Some(
            "a redis.conf directive (`sentinel …` lines go in sentinel.extraConfig)".into(),
        );
    }
    if value.chars().any(char::is_control) {
        return Some(
            "arguments without control characters (a line break would start another \
             directive)"
                .into(),
        );
    }
    let words = redis_conf::split_args(value);
    if words.as_ref().is_none_or(Vec::is_empty) {
        return Some(
            "one or more arguments, quoted as Redis reads them (balanced `\"` or `'`)".into(),
        );
    }
    let name = ALIASES
        .iter()
        .find(|(alias, _)| *alias == key)
        .map_or(key, |(_, name)| name);
    if let Some((_, why)) = UNSAFE.iter().find(|(k, _)| *k == name) {
        return Some(format!("a directive other than `{key}`: {why}"));
    }
    if let Some(option) = name.strip_prefix("sentinel ")
        && SENTINEL_STATE.contains(&option)
    {
        return Some(format!(
            "a directive other than `{key}`: Sentinel's own state or an option of the one \
             master the generator names"
        ));
    }
    let generated = name.starts_with("tls-") || owned(target).contains(name);
    if generated {
        let field = FIELDS
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, field)| format!("; set {field} instead"))
            .unwrap_or_default();
        return Some(format!(
            "a directive the generator does not write itself (`{name}` is written by the \
             templates or the start scripts){field}"
        ));
    }
    None
}

/// The configuration lines of an `extraConfig` map, in directive order.
pub fn lines(map: &std::collections::BTreeMap<String, String>) -> Vec<String> {
    map.iter()
        .map(|(key, value)| format!("{key} {value}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owned_directives_come_from_the_templates_and_scripts() {
        let redis = owned(Target::Redis);
        for key in [
            "port",
            "tls-port",
            "bind",
            "dir",
            "maxmemory-policy",
            "save",
            "replica-read-only",
            "replicaof",
            "replica-announce-ip",
            "replica-priority",
            "requirepass",
            "masterauth",
            "user",
        ] {
            assert!(redis.contains(key), "{key}: {redis:?}");
        }
        let sentinel = owned(Target::Sentinel);
        for key in [
            "port",
            "dir",
            "sentinel monitor",
            "sentinel resolve-hostnames",
            "sentinel down-after-milliseconds",
            "sentinel announce-ip",
            "sentinel auth-pass",
            "sentinel sentinel-pass",
            "requirepass",
        ] {
            assert!(sentinel.contains(key), "{key}: {sentinel:?}");
        }
        assert!(!redis.contains("appendfsync"));
        assert!(!redis.iter().any(|k| k.starts_with('{')), "{redis:?}");
    }

    #[test]
    fn owned_aliased_unsafe_and_malformed_directives_are_refused() {
        let refused = |target, key: &str, value: &str| {
            refusal(target, key, value).unwrap_or_else(|| panic!("{key} {value} taken"))
        };
        assert!(refused(Target::Redis, "port", "6380").contains("templates"));
        assert!(
            refused(Target::Redis, "maxmemory-policy", "noeviction")
                .contains("`redis.maxmemoryPolicy`")
        );
        assert!(refused(Target::Redis, "slaveof", "a 1").contains("`replicaof`"));
        assert!(refused(Target::Redis, "tls-protocols", "TLSv1.2").contains("generator"));
        assert!(refused(Target::Redis, "include", "/etc/x.conf").contains("never see"));
        assert!(refused(Target::Redis, "rename-command", "CONFIG \"\"").contains("by name"));
        for key in ["dbfilename", "appendfilename", "appenddirname"] {
            assert!(
                refused(Target::Redis, key, "other").contains("look empty"),
                "{key}"
            );
        }
        assert!(refused(Target::Redis, "appendfsync", "always\nport 1").contains("control"));
        assert!(refused(Target::Redis, "appendfsync", "\"always").contains("balanced"));
        assert!(refused(Target::Redis, "appendfsync", "").contains("arguments"));
        assert!(refused(Target::Redis, "Appendfsync", "always").contains("directive name"));
        assert!(
            refused(Target::Redis, "sentinel deny-scripts-reconfig", "yes")
                .contains("sentinel.extraConfig")
        );
        assert!(
            refused(Target::Sentinel, "sentinel monitor", "m h 1 2")
                .contains("`sentinel.masterName` and `sentinel.quorum`")
        );
        assert!(refused(Target::Sentinel, "sentinel auth-pass", "m pw").contains("`auth`"));
        assert!(refused(Target::Sentinel, "sentinel known-replica", "m h 1").contains("state"));
        assert!(
            refused(Target::Sentinel, "sentinel notification-script", "m /x").contains("program")
        );
        assert_eq!(refusal(Target::Redis, "appendfsync", "everysec"), None);
        assert_eq!(refusal(Target::Redis, "repl-backlog-size", "64mb"), None);
        assert_eq!(refusal(Target::Redis, "shutdown-timeout", "20"), None);
        assert_eq!(refusal(Target::Sentinel, "loglevel", "warning"), None);
        assert_eq!(
            refusal(Target::Sentinel, "sentinel deny-scripts-reconfig", "yes"),
            None
        );
    }

    #[test]
    fn lines_are_in_directive_order() {
        let map = std::collections::BTreeMap::from([
            ("timeout".to_string(), "300".to_string()),
            ("appendfsync".to_string(), "everysec".to_string()),
        ]);
        assert_eq!(lines(&map), ["appendfsync everysec", "timeout 300"]);
    }
}
