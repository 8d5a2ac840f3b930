//! TLS: a server that listens on TLS only must be reached over TLS by its replicas, its
//! Sentinels and its probes, and must find its certificate files. Redis's TLS
//! documentation is the source of each rule.

use super::facts::{confs, flag, monitors, number};
use super::rule::{Category, Rule};
use super::sink::Context;
use super::sources::{K8S_PROBES, K8S_SECRET, K8S_VOLUMES, REDIS_CONF, SENTINEL_CONF, TLS};
use crate::finding::Severity;
use crate::model::{Conf, Container, Role, Setting, VolumeSource, Workload};
use serde_json::Value;

/// Redis's and Sentinel's default plain ports.
const fn default_port(role: Role) -> i64 {
    match role {
        Role::Redis => 6379,
        Role::Sentinel => 26379,
    }
}

/// The plain-text port (0: off), with its directive when written.
fn plain_port(conf: &Conf, role: Role) -> (i64, Option<&Setting>) {
    number(conf, &["port"], default_port(role))
}

/// The TLS port directive, when it opens one.
fn tls_port(conf: &Conf) -> Option<(i64, &Setting)> {
    let (port, setting) = number(conf, &["tls-port"], 0);
    setting.filter(|_| port != 0).map(|s| (port, s))
}

/// The `tls-port` of a server that accepts TLS only.
fn tls_only(conf: &Conf, role: Role) -> Option<(i64, &Setting)> {
    tls_port(conf).filter(|_| plain_port(conf, role).0 == 0)
}

/// Whether the server's own connections (to its master, or Sentinel's to Redis and the other
/// Sentinels) use TLS.
fn tls_replication(conf: &Conf) -> (bool, Option<&Setting>) {
    flag(conf, &["tls-replication"], false)
}

pub const TLS_REPLICATION_DISABLED: Rule = Rule {
    id: "tls-replication-disabled",
    category: Category::Tls,
    severity: Severity::Error,
    summary: "Redis listens on TLS only but its replication link does not use TLS",
    rationale: "A master treats its replicas as clients, so a master that listens only on \
        `tls-port` (with `port 0`) accepts replicas only over TLS; a replica uses TLS for its \
        connection to the master only with `tls-replication yes`. Without it every replica's \
        link stays down (`master_link_status:down`, the master logs `wrong version number`) \
        and nothing can be promoted with the data. (Redis TLS docs, \"Replication\".)",
    fix: "Add `tls-replication yes` to redis.conf (with the same `tls-cert-file`, \
        `tls-key-file` and `tls-ca-cert-file`), or keep a plain `port` open for replication.",
    references: &[TLS, REDIS_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                let Some((port, at)) = tls_only(conf, Role::Redis) else {
                    continue;
                };
                let (on, written) = tls_replication(conf);
                if !on {
                    sink.report(
                        &written.unwrap_or(at).loc,
                        format!(
                            "Redis in container `{}` of {} `{}` accepts only TLS on port {port}, \
                             but `tls-replication` is not `yes`: its replicas connect to the \
                             master in plain text and never sync",
                            c.name, w.kind, w.name
                        ),
                    );
                }
            }
        }
    },
};

pub const SENTINEL_TLS_MISMATCH: Rule = Rule {
    id: "sentinel-tls-mismatch",
    category: Category::Tls,
    severity: Severity::Error,
    summary: "Sentinel reaches the monitored Redis port in plain text while it accepts only TLS, or the reverse",
    rationale: "Sentinel uses `tls-replication` to decide whether its connections to the master \
        and replicas, and to the other Sentinels, use TLS, so a Sentinel has a `tls-port` \
        exactly when it has `tls-replication yes`. If Redis accepts only TLS on the \
        monitored port and Sentinel speaks plain text, or Sentinel speaks TLS to a plain-text \
        port, every connection fails: the master is reported down, no replica is learnt, and \
        no failover can succeed. (Redis TLS docs, \"Sentinel\".)",
    fix: "Make Sentinel match Redis: with Redis on `tls-port` only, give Sentinel \
        `tls-replication yes`, `tls-port` and the certificate files; with plain-text Redis, \
        remove `tls-replication yes` from sentinel.conf.",
    references: &[TLS, SENTINEL_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            let redis: Vec<&Conf> = confs(cx.model, set, Role::Redis)
                .map(|(_, _, conf)| conf)
                .collect();
            for (w, c, conf) in confs(cx.model, set, Role::Sentinel) {
                let (sentinel_tls, written) = tls_replication(conf);
                // The other Sentinels connect the way this one does (the same files).
                let peers = match (sentinel_tls, tls_port(conf), tls_only(conf, Role::Sentinel)) {
                    (true, None, _) => written.map(|s| (
                        &s.loc,
                        "speaks TLS to the other Sentinels (`tls-replication yes`) but has no `tls-port`: they cannot reach it",
                    )),
                    (false, _, Some((_, at))) => Some((
                        &at.loc,
                        "accepts only TLS but speaks plain text to the other Sentinels (no `tls-replication yes`): they cannot reach each other",
                    )),
                    _ => None,
                };
                if let Some((at, problem)) = peers {
                    sink.report(
                        at,
                        format!(
                            "Sentinel in container `{}` of {} `{}` {problem}",
                            c.name, w.kind, w.name
                        ),
                    );
                }
                for m in monitors(conf) {
                    let Some(port) = m.setting.arg(3).and_then(|p| p.parse::<i64>().ok()) else {
                        continue;
                    };
                    let serves_tls = |r: &&Conf| tls_port(r).is_some_and(|(p, _)| p == port);
                    let serves_plain = |r: &&Conf| plain_port(r, Role::Redis).0 == port;
                    let message = if sentinel_tls && redis.iter().any(|r| !serves_tls(r)) {
                        format!(
                            "speaks TLS (`tls-replication yes`) to port {port} of `{}`, where Redis does not listen on TLS",
                            m.master
                        )
                    } else if !sentinel_tls
                        && redis.iter().any(|r| !serves_plain(r) && serves_tls(r))
                    {
                        format!(
                            "speaks plain text to port {port} of `{}`, where Redis accepts only TLS",
                            m.master
                        )
                    } else {
                        continue;
                    };
                    let at = if sentinel_tls {
                        written.map_or(&m.setting.loc, |s| &s.loc)
                    } else {
                        &m.setting.loc
                    };
                    sink.report(
                        at,
                        format!(
                            "Sentinel in container `{}` of {} `{}` {message}: it cannot monitor or fail over the master",
                            c.name, w.kind, w.name
                        ),
                    );
                }
            }
        }
    },
};

/// Exec commands that talk to the container's own server: probes and lifecycle hooks.
const EXEC_HOOKS: [&str; 5] = [
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle/preStop",
    "lifecycle/postStart",
];

/// Files a command runs or sources, followed this many levels deep.
const MAX_SOURCE_DEPTH: usize = 3;

/// The text a command runs: its words, and the script files among them (and the files
/// those source) that a ConfigMap/Secret volume provides.
fn command_text(cx: &Context, w: usize, c: usize, words: &[&str]) -> String {
    let mut text = words.join(" ");
    let mut pending: Vec<String> = words
        .iter()
        .filter(|w| w.starts_with('/'))
        .map(|w| w.to_string())
        .collect();
    let mut seen = Vec::new();
    for _ in 0..MAX_SOURCE_DEPTH {
        for path in std::mem::take(&mut pending) {
            if seen.contains(&path) {
                continue;
            }
            if let Some(file) = cx.model.mounted_text(cx.docs, w, c, &path) {
                pending.extend(file.lines().filter_map(sourced));
                text.push('\n');
                text.push_str(&file);
            }
            seen.push(path);
        }
    }
    text
}

/// The file a `. FILE` or `source FILE` line reads.
fn sourced(line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    matches!(words.next(), Some("." | "source"))
        .then(|| words.next())
        .flatten()
        .map(|f| f.trim_matches('"').to_string())
}

/// Calls `redis-cli` and never with `--tls`.
fn plain_redis_cli(text: &str) -> bool {
    text.contains("redis-cli") && !text.contains("--tls")
}

pub const PROBE_WITHOUT_TLS: Rule = Rule {
    id: "probe-without-tls",
    category: Category::Tls,
    severity: Severity::Error,
    summary: "a probe or lifecycle hook runs redis-cli without --tls against a TLS-only server",
    rationale: "With `port 0` the server accepts only TLS; `redis-cli` without `--tls` cannot \
        even connect (the server logs `wrong version number`). A readiness probe that cannot \
        connect keeps every pod unready, a liveness probe restarts a healthy server in a \
        loop, and a `preStop` hook cannot hand the master role over. (Redis TLS docs, \
        \"Running manually\"; Kubernetes probe docs.)",
    fix: "Run `redis-cli --tls --cacert /tls/ca.crt …` (the CA that signed the server's \
        certificate) in every probe, hook and the scripts they call.",
    references: &[TLS, K8S_PROBES],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for &wi in &set.workloads {
                let Some(w) = cx.model.workloads.get(wi) else {
                    continue;
                };
                let Some(doc) = cx.docs.get(w.doc) else {
                    continue;
                };
                for c in &w.containers {
                    let Some(server) = &c.server else { continue };
                    if server
                        .conf
                        .as_ref()
                        .and_then(|conf| tls_only(conf, server.role))
                        .is_none()
                    {
                        continue;
                    }
                    for hook in EXEC_HOOKS {
                        let pointer = format!("{}/{hook}/exec/command", c.pointer);
                        let Some(command) = doc.value.pointer(&pointer).and_then(Value::as_array)
                        else {
                            continue;
                        };
                        let words: Vec<&str> = command.iter().filter_map(Value::as_str).collect();
                        if plain_redis_cli(&command_text(cx, wi, c.index, &words)) {
                            let name = hook.rsplit('/').next().unwrap_or(hook);
                            sink.report(
                                &w.loc(pointer),
                                format!("the {name} of container `{}` runs redis-cli without --tls, but its server accepts only TLS: the command cannot connect", c.name),
                            );
                        }
                    }
                }
            }
        }
    },
};

pub const TLS_PLAIN_PORT_OPEN: Rule = Rule {
    id: "tls-plain-port-open",
    category: Category::Tls,
    severity: Severity::Warning,
    summary: "tls-port is set but the plain-text port is still open",
    rationale: "`tls-port` adds a TLS listener; it does not close `port`, which defaults to \
        6379 (26379 for Sentinel). With both open, any client, Sentinel or replica may still \
        connect in plain text, sending the password and the data unencrypted, and a \
        misconfigured one does so silently. (Redis TLS docs, \"TLS listening port\".)",
    fix: "Add `port 0` to close the plain-text listener, and serve TLS on the usual port \
        (`tls-port 6379`, or 26379 for Sentinel) so clients and Services need no change.",
    references: &[TLS, REDIS_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for role in [Role::Redis, Role::Sentinel] {
                for (_, c, conf) in confs(cx.model, set, role) {
                    let Some((tls, at)) = tls_port(conf) else {
                        continue;
                    };
                    let (plain, written) = plain_port(conf, role);
                    let message = if plain == tls {
                        format!(
                            "container `{}` asks for plain text and TLS on the same port {tls}: the second listener cannot bind; set `port 0`",
                            c.name
                        )
                    } else {
                        format!(
                            "container `{}` listens on TLS port {tls} and still on plain-text port {plain}: set `port 0`",
                            c.name
                        )
                    };
                    if plain != 0 {
                        sink.report(&written.unwrap_or(at).loc, message);
                    }
                }
            }
        }
    },
};

/// The certificate directives a server loads when it uses TLS.
const TLS_FILES: [&str; 4] = [
    "tls-cert-file",
    "tls-key-file",
    "tls-ca-cert-file",
    "tls-ca-cert-dir",
];

/// Whether a volume mounted into `c` provides `path` (the image holds no certificates): a
/// mount covers it and, when the volume projects only some keys (`items`), one lands there.
fn is_provided(w: &Workload, c: &Container, path: &str, is_file: bool) -> bool {
    let Some((mount, rel)) = w.mount_for(c, path) else {
        return false;
    };
    match w.volume(&mount.volume).map(|v| &v.source) {
        Some(VolumeSource::Object { items, .. })
            if is_file && mount.sub_path.is_none() && !items.is_empty() =>
        {
            items.iter().any(|(_, projected)| *projected == rel)
        }
        _ => true,
    }
}

pub const TLS_CERT_NOT_MOUNTED: Rule = Rule {
    id: "tls-cert-not-mounted",
    category: Category::Tls,
    severity: Severity::Error,
    summary: "a tls-cert-file/tls-key-file/tls-ca-cert-file path is provided by no volume of the container",
    rationale: "Redis loads its certificate, key and CA when TLS is in use (`tls-port`, \
        `tls-replication`) and refuses to start when it cannot read them. Certificates come \
        from a Secret volume; a path outside every mount of the container is either a typo \
        or a file the image does not have, and the server exits at start, in a restart loop. \
        (Redis TLS docs, \"Certificate configuration\"; Kubernetes Secret docs.)",
    fix: "Mount the TLS Secret (type `kubernetes.io/tls`: `tls.crt`, `tls.key`, `ca.crt`) \
        read-only into the container, e.g. at `/tls`, and point the directives at its files.",
    references: &[TLS, K8S_SECRET, K8S_VOLUMES],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for role in [Role::Redis, Role::Sentinel] {
                for (w, c, conf) in confs(cx.model, set, role) {
                    if tls_port(conf).is_none() && !tls_replication(conf).0 {
                        continue;
                    }
                    for name in TLS_FILES {
                        let Some(s) = conf.last(name) else { continue };
                        let Some(path) = s.arg(0).filter(|p| p.starts_with('/')) else {
                            continue;
                        };
                        if !is_provided(w, c, path, name != "tls-ca-cert-dir") {
                            sink.report(
                                &s.loc,
                                format!("`{name} {path}`: no volume of container `{}` in {} `{}` provides this path; the server cannot load it and exits at start", c.name, w.kind, w.name),
                            );
                        }
                    }
                }
            }
        }
    },
};
