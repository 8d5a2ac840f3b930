//! The verdict: which of four states the set is in, and every problem that led there.

use super::nodes::{RedisNode, SentinelNode, UnreachableNode};
use crate::error::{EXIT_DEGRADED, EXIT_NO_MASTER, EXIT_OK, EXIT_SPLIT_BRAIN};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// One master, every replica linked to it, every Sentinel names it and can reach quorum.
    Healthy,
    /// One master that clients can find, but something is down or lagging.
    Degraded,
    /// Two or more instances answer `ROLE master`: writes to all but one will be lost.
    SplitBrain,
    /// No instance is master, or no Sentinel names the one that is: clients cannot write.
    NoMaster,
}

impl Verdict {
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Healthy => EXIT_OK,
            Verdict::Degraded => EXIT_DEGRADED,
            Verdict::NoMaster => EXIT_NO_MASTER,
            Verdict::SplitBrain => EXIT_SPLIT_BRAIN,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Healthy => "healthy",
            Verdict::Degraded => "degraded",
            Verdict::SplitBrain => "split brain",
            Verdict::NoMaster => "no master",
        }
    }
}

/// Judge the observations; problems come in instance order, then set-wide ones.
pub fn assess(
    master_name: &str,
    redis: &[RedisNode],
    sentinels: &[SentinelNode],
    unreachable: &[UnreachableNode],
) -> (Verdict, Vec<String>) {
    let mut problems = Vec::new();
    for node in unreachable {
        problems.push(format!("{}: not answering ({})", node.name, node.error));
    }
    let masters: Vec<&RedisNode> = redis.iter().filter(|n| n.is_master()).collect();
    let master = match masters.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    for node in redis {
        if let Some(error) = &node.error {
            problems.push(format!("{}: not answering ({error})", node.name));
        } else if node.role.as_deref() == Some("replica") {
            replica_problems(node, redis, master, &mut problems);
        }
    }
    for sentinel in sentinels {
        sentinel_problems(master_name, sentinel, redis, master, &mut problems);
        ghost_sentinels(sentinel, sentinels.len(), &mut problems);
    }
    // Different spellings of one instance (hostname, pod IP) are one opinion.
    let named: Vec<&str> = sentinels
        .iter()
        .filter_map(|s| s.master.as_deref())
        .map(|addr| {
            redis
                .iter()
                .find(|n| n.is_at(addr))
                .map_or(addr, |n| &n.name)
        })
        .collect();
    let mut distinct = named.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() > 1 {
        let counts: Vec<String> = distinct
            .iter()
            .map(|who| format!("{who} ({})", named.iter().filter(|n| *n == who).count()))
            .collect();
        problems.push(format!(
            "Sentinels disagree on the master: {}",
            counts.join(", ")
        ));
    }
    if redis.is_empty() && unreachable.is_empty() {
        problems.push("no Redis instance found".into());
    }
    if sentinels.is_empty() {
        problems.push("no Sentinel found: nothing will fail over".into());
    }

    let verdict = if masters.len() > 1 {
        let names: Vec<&str> = masters.iter().map(|n| n.name.as_str()).collect();
        problems.push(format!(
            "{} instances answer ROLE master ({}): writes to all but one will be lost",
            masters.len(),
            names.join(", ")
        ));
        Verdict::SplitBrain
    } else if let Some(master) = master {
        let answering: Vec<&SentinelNode> =
            sentinels.iter().filter(|s| s.error.is_none()).collect();
        let found = answering
            .iter()
            .any(|s| s.master.as_deref().is_some_and(|a| master.is_at(a)));
        if master.fenced == Some(true) {
            problems.push(format!(
                "{}: fenced, refuses every write (NOREPLICAS): it cannot hear a majority of \
                 Sentinels, so it may be failed over; it takes writes again once a majority \
                 names it (docs/architecture.md §18)",
                master.name
            ));
            Verdict::NoMaster
        } else if !answering.is_empty() && !found {
            problems.push(format!(
                "no Sentinel names {}, the only master: clients that discover the master through Sentinel cannot write",
                master.name
            ));
            Verdict::NoMaster
        } else if problems.is_empty() {
            Verdict::Healthy
        } else {
            Verdict::Degraded
        }
    } else {
        problems.push("no instance answers ROLE master: writes fail until one is promoted".into());
        Verdict::NoMaster
    };
    (verdict, problems)
}

/// A Sentinel that knows more Sentinels than the set has counts departed ones in the
/// majority a failover leader needs: what `kubectl scale` down leaves (docs/architecture.md,
/// "Scaling").
fn ghost_sentinels(sentinel: &SentinelNode, members: usize, problems: &mut Vec<String>) {
    let Some(others) = sentinel.other_sentinels else {
        return;
    };
    let known = others as usize + 1;
    if known > members {
        problems.push(format!(
            "Sentinel {}: knows {known} Sentinels (itself included) but the set has {members}: \
             the departed ones still count in the majority a failover needs (scaled down \
             without re-rendering? `redis-ha-gen explain replicas-out-of-sync`)",
            sentinel.name
        ));
    }
}

fn replica_problems(
    node: &RedisNode,
    redis: &[RedisNode],
    master: Option<&RedisNode>,
    problems: &mut Vec<String>,
) {
    let upstream = node.master.as_deref().unwrap_or("?");
    if node.link.as_deref() != Some("up") {
        problems.push(format!(
            "{}: replication link to {upstream} is {}",
            node.name,
            node.link.as_deref().unwrap_or("unknown")
        ));
    }
    if let Some(master) = master
        && !master.is_at(upstream)
    {
        let follows = redis
            .iter()
            .find(|n| n.is_at(upstream))
            .map_or(upstream, |n| n.name.as_str());
        problems.push(format!(
            "{}: replicates {follows}, not the master {}",
            node.name, master.name
        ));
    }
}

fn sentinel_problems(
    master_name: &str,
    sentinel: &SentinelNode,
    redis: &[RedisNode],
    master: Option<&RedisNode>,
    problems: &mut Vec<String>,
) {
    let name = &sentinel.name;
    if let Some(error) = &sentinel.error {
        problems.push(format!("Sentinel {name}: not answering ({error})"));
        return;
    }
    let Some(addr) = sentinel.master.as_deref() else {
        problems.push(format!(
            "Sentinel {name}: does not monitor {master_name} ({})",
            sentinel.monitor_error.as_deref().unwrap_or("no address")
        ));
        return;
    };
    if let Some(master) = master
        && !master.is_at(addr)
    {
        let what = match redis.iter().find(|n| n.is_at(addr)) {
            Some(n) if n.error.is_some() => format!("{}, which is not answering", n.name),
            Some(n) => format!("{}, which answers ROLE {}", n.name, n.role_str()),
            None => format!("{addr}, which is not one of the instances checked"),
        };
        problems.push(format!(
            "Sentinel {name}: names {what}; the master is {}",
            master.name
        ));
    }
    if let Some(flags) = &sentinel.flags
        && flags.split(',').any(|f| f == "s_down" || f == "o_down")
    {
        problems.push(format!(
            "Sentinel {name}: sees the master as down ({flags})"
        ));
    }
    if sentinel.tilt == Some(true) {
        problems.push(format!(
            "Sentinel {name}: in TILT mode after a stall (a frozen process, a clock jump, a \
             slow DNS): it marks nothing down and starts no failover until its timer has run \
             smoothly for the TILT period"
        ));
    }
    if sentinel.quorum_ok == Some(false) {
        problems.push(format!(
            "Sentinel {name}: CKQUORUM failed: {}",
            sentinel.ckquorum.as_deref().unwrap_or("")
        ));
    }
}
