//! Facts several rules derive from the model, with Redis's defaults applied.

use crate::manifest::JsonPointer;
use crate::model::{Conf, Container, HaSet, Loc, Model, Role, Setting, Workload};

/// `Kind/name` of the set's first workload, to name the set in messages.
pub fn set_name(model: &Model, set: &HaSet) -> String {
    model
        .workloads_of(set)
        .next()
        .map(|w| format!("{}/{}", w.kind, w.name))
        .unwrap_or_default()
}

/// Every configuration of `role` in `set` that could be followed.
pub fn confs<'a>(
    model: &'a Model,
    set: &'a HaSet,
    role: Role,
) -> impl Iterator<Item = (&'a Workload, &'a Container, &'a Conf)> + 'a {
    model
        .servers(set, role)
        .filter_map(|(w, c, s)| Some((w, c, s.conf.as_ref()?)))
}

/// Every configuration of `role` in the whole model.
pub fn all_confs(
    model: &Model,
    role: Role,
) -> impl Iterator<Item = (&Workload, &Container, &Conf)> + '_ {
    model
        .sets
        .iter()
        .flat_map(move |set| confs(model, set, role))
}

/// `sentinel monitor <master> <host> <port> <quorum>`.
pub struct Monitor<'a> {
    pub master: &'a str,
    pub host: &'a str,
    pub quorum: Option<i64>,
    pub setting: &'a Setting,
}

pub fn monitors(conf: &Conf) -> impl Iterator<Item = Monitor<'_>> + '_ {
    conf.sentinel("monitor").filter_map(|s| {
        Some(Monitor {
            master: s.arg(1)?,
            host: s.arg(2)?,
            quorum: s.arg(4).and_then(|q| q.parse().ok()),
            setting: s,
        })
    })
}

/// A per-master Sentinel number (`down-after-milliseconds`), or Redis's default.
pub fn sentinel_number<'a>(
    conf: &'a Conf,
    sub: &str,
    master: &str,
    default: i64,
) -> (i64, Option<&'a Setting>) {
    match conf.sentinel_value(sub, master) {
        Some(s) => (
            s.arg(2).and_then(|v| v.parse().ok()).unwrap_or(default),
            Some(s),
        ),
        None => (default, None),
    }
}

/// A numeric server directive, or its default.
pub fn number<'a>(conf: &'a Conf, names: &[&str], default: i64) -> (i64, Option<&'a Setting>) {
    match conf.value(names) {
        Some((v, s)) => (v.parse().unwrap_or(default), Some(s)),
        None => (default, None),
    }
}

/// A yes/no server directive, or its default.
pub fn flag<'a>(conf: &'a Conf, names: &[&str], default: bool) -> (bool, Option<&'a Setting>) {
    match conf.value(names) {
        Some((v, s)) => (v.eq_ignore_ascii_case("yes"), Some(s)),
        None => (default, None),
    }
}

/// RDB save points are active. Without any `save` line Redis 7 saves by default
/// (`3600 1 300 100 60 10000`); `save ""` clears every point before it.
pub fn rdb_on(conf: &Conf) -> (bool, Option<&Setting>) {
    let mut on = None;
    let mut last = None;
    for s in conf.all("save") {
        last = Some(s);
        on = Some(!(s.directive.args.is_empty() || s.arg(0) == Some("")));
    }
    (on.unwrap_or(true), last)
}

pub fn aof_on(conf: &Conf) -> (bool, Option<&Setting>) {
    flag(conf, &["appendonly"], false)
}

/// An IPv4 or IPv6 literal (Sentinel needs no resolution for those).
pub fn is_ip(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

/// The Redis data port of a configuration (default 6379): `tls-port` when the plain-text
/// port is off.
pub fn port(conf: &Conf) -> i64 {
    match number(conf, &["port"], 6379).0 {
        0 => number(conf, &["tls-port"], 0).0,
        port => port,
    }
}

/// The container's memory limit in bytes, with its JSON pointer.
pub fn memory_limit(
    docs: &[crate::manifest::Document],
    w: &Workload,
    c: &Container,
) -> Option<(f64, String)> {
    let pointer = format!("{}/resources/limits/memory", c.pointer);
    let v = docs.get(w.doc)?.value.at(&pointer)?;
    let text = v
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string());
    Some((crate::model::units::quantity(&text)?, pointer))
}

/// Where a finding about a server's configuration points when no directive is written:
/// the word that starts the server.
pub fn launch_loc(w: &Workload, c: &Container) -> Loc {
    c.server
        .as_ref()
        .map(|s| s.launch.clone())
        .unwrap_or_else(|| w.loc(c.pointer.clone()))
}

/// Every string value in a document (scripts, commands, data), depth first.
pub fn strings(v: &serde_json::Value) -> Vec<&str> {
    fn walk<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::String(s) => out.push(s),
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut out);
    out
}
