//! Samples every instance every ~100 ms, without writing to any: each Redis's `ROLE` and
//! whether it would accept a write (`INFO replication`: a master with enough good replicas
//! for its current `min-replicas-to-write`, read with `CONFIG GET`), how many keys it holds
//! (`DBSIZE`), and which master each Sentinel names.

use super::cluster::{Cluster, Session};
use crate::resp::Reply;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const PERIOD: Duration = Duration::from_millis(100);
const TIMEOUT: Duration = Duration::from_millis(150);

#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Seconds since the scenario's start.
    pub t: f64,
    pub ordinal: usize,
    /// `master`, `slave`, … or `None` when the instance did not answer.
    pub role: Option<String>,
    pub accepts_writes: bool,
    /// A replica whose link to its master is up (`ROLE`'s `connected`).
    pub link_up: bool,
    /// `DBSIZE`, when the instance answered it (not while it loads its data).
    pub keys: Option<u64>,
    /// The ordinal the pod's Sentinel names as master (`None`: no answer or unknown host).
    pub sentinel_master: Option<usize>,
}

/// Sample pod `ordinal` until `stop` is set.
pub fn run(
    cluster: &dyn Cluster,
    ordinal: usize,
    t0: Instant,
    stop: &AtomicBool,
    out: &Mutex<Vec<Sample>>,
) {
    let min_replicas = cluster.spec().min_replicas_to_write;
    let master_name = cluster.spec().master_name.clone();
    let mut redis: Option<Box<dyn Session + '_>> = None;
    let mut sentinel: Option<Box<dyn Session + '_>> = None;
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        let (role, accepts_writes, link_up, keys) = ask(cluster, ordinal, false, &mut redis, |s| {
            let reply = s.call(&["ROLE"], TIMEOUT)?;
            let role = reply
                .items()
                .first()
                .and_then(Reply::text)
                .unwrap_or("")
                .to_string();
            let link_up = reply.items().get(3).and_then(Reply::text) == Some("connected");
            let keys = match s.call(&["DBSIZE"], TIMEOUT)? {
                Reply::Int(n) => u64::try_from(n).ok(),
                _ => None,
            };
            let info = s.call(&["INFO", "replication"], TIMEOUT)?;
            // The instance's own setting: a preStop hook may raise it to refuse writes.
            let config = s.call(&["CONFIG", "GET", "min-replicas-to-write"], TIMEOUT)?;
            let min_replicas = config
                .items()
                .get(1)
                .and_then(Reply::text)
                .and_then(|v| v.parse().ok())
                .unwrap_or(min_replicas);
            let accepts = role == "master" && {
                let text = info.text().unwrap_or("");
                let good = field(text, "min_slaves_good_slaves")
                    .or_else(|| field(text, "connected_slaves"))
                    .unwrap_or(0);
                min_replicas == 0 || good >= min_replicas
            };
            Ok((Some(role), accepts, link_up, keys))
        })
        .unwrap_or((None, false, false, None));
        let sentinel_master = ask(cluster, ordinal, true, &mut sentinel, |s| {
            let reply = s.call(
                &["SENTINEL", "get-master-addr-by-name", &master_name],
                TIMEOUT,
            )?;
            Ok(reply
                .items()
                .first()
                .and_then(Reply::text)
                .and_then(|h| cluster.ordinal_of(h)))
        })
        .flatten();
        let sample = Sample {
            t: started.duration_since(t0).as_secs_f64(),
            ordinal,
            role,
            accepts_writes,
            link_up,
            keys,
            sentinel_master,
        };
        out.lock().unwrap_or_else(|p| p.into_inner()).push(sample);
        let spent = started.elapsed();
        if spent < PERIOD {
            std::thread::sleep(PERIOD - spent);
        }
    }
}

/// Run `query` on a cached connection, reconnecting once it broke.
fn ask<'c, T>(
    cluster: &'c dyn Cluster,
    ordinal: usize,
    sentinel: bool,
    session: &mut Option<Box<dyn Session + 'c>>,
    query: impl Fn(&mut Box<dyn Session + 'c>) -> anyhow::Result<T>,
) -> Option<T> {
    if session.is_none() {
        *session = cluster.connect(ordinal, sentinel, TIMEOUT).ok();
    }
    let result = query(session.as_mut()?);
    if result.is_err() {
        *session = None;
    }
    result.ok()
}

fn field(info: &str, name: &str) -> Option<u32> {
    info.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.trim().parse().ok())
}
