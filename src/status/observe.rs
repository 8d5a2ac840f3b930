//! Ask every instance its questions and read the replies into typed observations.

use super::nodes::{RedisNode, SentinelNode, UnreachableNode};
use super::verdict::{Verdict, assess};
use super::{Backend, Instance, Kind, Query, Shape};
use crate::resp::Reply;
use serde::Serialize;
use std::collections::BTreeMap;

/// Everything `status` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub master_name: String,
    pub verdict: Verdict,
    pub problems: Vec<String>,
    pub redis: Vec<RedisNode>,
    pub sentinels: Vec<SentinelNode>,
    pub unreachable: Vec<UnreachableNode>,
}

/// Ask every instance the backend knows, then judge. `Err` only when the backend could not
/// list the instances at all.
pub fn observe(backend: &mut dyn Backend, master_name: &str) -> anyhow::Result<Status> {
    let mut redis = Vec::new();
    let mut sentinels = Vec::new();
    let mut unreachable = Vec::new();
    for instance in backend.instances()? {
        match instance.kind {
            Some(Kind::Redis) => redis.push(redis_node(backend, instance)),
            Some(Kind::Sentinel) => sentinels.push(sentinel_node(backend, &instance, master_name)),
            None => unreachable.push(UnreachableNode {
                error: instance.down.unwrap_or_else(|| "unknown".into()),
                name: instance.name,
            }),
        }
    }
    fill_lag(&mut redis);
    let (mut verdict, mut problems) = assess(master_name, &redis, &sentinels, &unreachable);
    let notes = backend.notes();
    if !notes.is_empty() && verdict == Verdict::Healthy {
        verdict = Verdict::Degraded;
    }
    problems.extend(notes);
    Ok(Status {
        master_name: master_name.to_owned(),
        verdict,
        problems,
        redis,
        sentinels,
        unreachable,
    })
}

fn query(args: &[&str], shape: Shape) -> Query {
    Query {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        shape,
    }
}

/// Ask, unless the backend already knows the instance is down. `Err`: it did not answer.
fn reach(backend: &mut dyn Backend, instance: &Instance, query: &Query) -> Result<Reply, String> {
    match &instance.down {
        Some(down) => Err(down.clone()),
        None => backend.ask(instance, query),
    }
}

/// `key:value` lines of an `INFO` section.
pub fn info_fields(text: &str) -> BTreeMap<&str, &str> {
    text.lines()
        .map(str::trim_end)
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(':'))
        .collect()
}

fn redis_node(backend: &mut dyn Backend, instance: Instance) -> RedisNode {
    let mut node = RedisNode {
        name: instance.name.clone(),
        role: None,
        offset: None,
        lag: None,
        master: None,
        link: None,
        connected_replicas: None,
        fenced: None,
        error: None,
        instance,
    };
    let reply = reach(
        backend,
        &node.instance,
        &query(&["INFO", "replication"], Shape::Text),
    );
    let text = match reply {
        Ok(Reply::Error(error)) => {
            node.error = Some(error);
            return node;
        }
        Ok(value) => value.text().unwrap_or_default().to_owned(),
        Err(error) => {
            node.error = Some(error);
            return node;
        }
    };
    let fields = info_fields(&text);
    let number = |key: &str| fields.get(key).and_then(|v| v.parse::<i64>().ok());
    match fields.get("role").copied() {
        Some("master") => {
            node.role = Some("master".into());
            node.offset = number("master_repl_offset");
            node.connected_replicas = fields.get("connected_slaves").and_then(|v| v.parse().ok());
            node.fenced = fenced(backend, &node.instance);
        }
        Some("slave") => {
            node.role = Some("replica".into());
            node.offset = number("slave_repl_offset").or_else(|| number("master_repl_offset"));
            node.link = fields.get("master_link_status").map(|s| (*s).to_owned());
            node.master = match (fields.get("master_host"), fields.get("master_port")) {
                (Some(host), Some(port)) => Some(format!("{host}:{port}")),
                _ => None,
            };
        }
        other => node.error = Some(format!("INFO replication has no known role ({other:?})")),
    }
    node
}

fn sentinel_node(
    backend: &mut dyn Backend,
    instance: &Instance,
    master_name: &str,
) -> SentinelNode {
    let mut node = SentinelNode {
        name: instance.name.clone(),
        master: None,
        monitor_error: None,
        flags: None,
        quorum: None,
        other_sentinels: None,
        replicas: None,
        ckquorum: None,
        quorum_ok: None,
        tilt: None,
        error: None,
    };
    let addr = query(
        &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", master_name],
        Shape::List,
    );
    match reach(backend, instance, &addr) {
        Err(error) => {
            node.error = Some(error);
            return node;
        }
        Ok(Reply::Error(error)) => node.monitor_error = Some(error),
        Ok(value) => match value.items() {
            [host, port] => match (host.text(), port.text()) {
                (Some(host), Some(port)) => node.master = Some(format!("{host}:{port}")),
                _ => node.monitor_error = Some(format!("it does not monitor {master_name}")),
            },
            _ => node.monitor_error = Some(format!("it does not monitor {master_name}")),
        },
    }
    let master = query(&["SENTINEL", "MASTER", master_name], Shape::List);
    match reach(backend, instance, &master) {
        Err(error) => {
            node.error = Some(error);
            return node;
        }
        Ok(Reply::Error(error)) => {
            node.monitor_error.get_or_insert(error);
        }
        Ok(value) => {
            let count = |key: &str| value.field(key).and_then(|v| v.parse().ok());
            node.flags = value.field("flags").map(str::to_owned);
            node.quorum = count("quorum");
            node.other_sentinels = count("num-other-sentinels");
            node.replicas = count("num-slaves");
        }
    }
    let info = query(&["INFO", "sentinel"], Shape::Text);
    if let Ok(reply @ Reply::Bulk(_)) = reach(backend, instance, &info) {
        node.tilt = info_fields(reply.text().unwrap_or_default())
            .get("sentinel_tilt")
            .map(|v| *v == "1");
    }
    let ckquorum = query(&["SENTINEL", "CKQUORUM", master_name], Shape::Status);
    match reach(backend, instance, &ckquorum) {
        Ok(Reply::Error(text)) => {
            node.ckquorum = Some(text);
            node.quorum_ok = Some(false);
        }
        Ok(value) => {
            node.ckquorum = value.text().map(str::to_owned);
            node.quorum_ok = Some(true);
        }
        Err(error) => node.error = Some(error),
    }
    node
}

/// What `master-fence.sh` sets `min-replicas-to-write` to while it fences a master
/// (docs/architecture.md §18): no set has that many replicas, so every write is refused.
pub const FENCED_MIN_REPLICAS: &str = "999999";

/// Whether a master is fenced, from `CONFIG GET min-replicas-to-write`; `None` when the
/// question was not answered (a user without `CONFIG` rights, say).
fn fenced(backend: &mut dyn Backend, instance: &Instance) -> Option<bool> {
    let config = query(&["CONFIG", "GET", "min-replicas-to-write"], Shape::List);
    let reply = reach(backend, instance, &config).ok()?;
    match reply.items() {
        [_, value] => Some(value.text()? == FENCED_MIN_REPLICAS),
        _ => None,
    }
}

/// Replicas' distance behind the single master, in bytes of replication stream.
fn fill_lag(redis: &mut [RedisNode]) {
    let masters: Vec<i64> = redis
        .iter()
        .filter(|n| n.is_master())
        .filter_map(|n| n.offset)
        .collect();
    let [master_offset] = masters.as_slice() else {
        return;
    };
    for node in redis
        .iter_mut()
        .filter(|n| n.role.as_deref() == Some("replica"))
    {
        // Offsets are what a server said: saturate rather than overflow on extreme ones.
        node.lag = node.offset.map(|o| master_offset.saturating_sub(o).max(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(role: &str, offset: i64) -> RedisNode {
        RedisNode {
            name: role.into(),
            role: Some(role.into()),
            offset: Some(offset),
            lag: None,
            master: None,
            link: None,
            connected_replicas: None,
            fenced: None,
            error: None,
            instance: Instance {
                name: role.into(),
                kind: Some(Kind::Redis),
                hosts: Vec::new(),
                port: 6379,
                down: None,
            },
        }
    }

    #[test]
    fn lag_saturates_on_extreme_offsets() {
        let mut nodes = [node("master", i64::MAX), node("replica", i64::MIN)];
        fill_lag(&mut nodes);
        assert_eq!(nodes[1].lag, Some(i64::MAX));
        let mut nodes = [node("master", i64::MIN), node("replica", i64::MAX)];
        fill_lag(&mut nodes);
        assert_eq!(nodes[1].lag, Some(0));
    }

    #[test]
    fn the_fence_value_is_the_scripts() {
        let script = include_str!("../../templates/scripts/master-fence.sh");
        assert!(
            script.contains(&format!("\nFENCED_MIN_REPLICAS={FENCED_MIN_REPLICAS}\n")),
            "master-fence.sh and status must agree on the fence's value"
        );
    }
}
