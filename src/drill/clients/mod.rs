//! Models of the common Sentinel clients (go-redis `FailoverClient`, redis-py `Sentinel`,
//! Lettuce `MasterReplica`) with their default discovery, retries and timeouts, plus the
//! configuration docs/clients.md recommends. Each runs beside the probe during a scenario,
//! against the real servers, and writes as a caller of the library would: the caller sees
//! a write succeed, fail, or block, after the library's own retries. See docs/drill.md
//! ("Client models") for what they model and what not, docs/clients.md for the sources.
//!
//! A model is a state machine over a [`Transport`] (the servers and the clock), so its
//! discovery order, back-off and reaction to `+switch-master` are tested with a fake one.

mod go_redis;
mod lettuce;
mod redis_py;
mod rng;
mod subscriber;
mod transport;

#[cfg(test)]
mod fake;

use super::cluster::Cluster;
use super::measure;
use crate::resp::Reply;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use subscriber::Subscribers;

/// How often each model's caller writes.
const PERIOD: f64 = 0.05;
/// A write that succeeds but took longer than this blocked its caller: counted as unavailable.
pub const BLOCKED: f64 = 0.25;

/// Why an operation on the servers did not give a reply.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// The connection could not be made or was lost (refused, reset, closed).
    Connection(String),
    /// No answer within the timeout.
    Timeout(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Connection(e) => write!(f, "connection: {e}"),
            Failure::Timeout(e) => write!(f, "timeout: {e}"),
        }
    }
}

/// What a Sentinel says of the master: which pod, and whether it sees it down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Master {
    pub ordinal: usize,
    /// The master's flags hold `s_down` or `o_down` (redis-py rejects such an answer).
    pub down: bool,
}

/// A message a Sentinel published.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Seconds on the transport's clock.
    pub at: f64,
    pub sentinel: usize,
    pub channel: String,
    pub payload: String,
}

/// The servers as one client sees them, and its clock.
pub trait Transport {
    /// Seconds since the start.
    fn now(&self) -> f64;
    fn sleep(&mut self, seconds: f64);
    /// The Sentinels the client is given, in the order given.
    fn sentinels(&self) -> Vec<usize>;
    /// Ask Sentinel `sentinel` for the master (`SENTINEL MASTER <set>`) on a fresh connection.
    fn ask(&mut self, sentinel: usize, timeout: f64) -> Result<Master, Failure>;
    /// Ask every Sentinel of `sentinels` at once; the first answer: (its Sentinel, the master).
    fn ask_all(&mut self, sentinels: &[usize], timeout: f64) -> Result<(usize, Master), Failure>;
    /// Open the client's data connection to the Redis of `ordinal`, closing any other.
    fn connect(&mut self, ordinal: usize, timeout: f64) -> Result<(), Failure>;
    /// The pod the data connection is open to.
    fn connected(&self) -> Option<usize>;
    fn disconnect(&mut self);
    /// One command on the data connection; a failure closes it.
    fn command(&mut self, args: &[&str], timeout: f64) -> Result<Reply, Failure>;
    /// The Sentinels' messages published since the last call (every Sentinel's: a model
    /// keeps those of the Sentinels it subscribed to).
    fn events(&mut self) -> Vec<Event>;
    /// The pod of a host name or address a Sentinel names.
    fn ordinal_of(&self, host: &str) -> Option<usize>;
    /// The scenario ended: every operation fails at once from now on, so a model that
    /// retries until its own deadline (Lettuce, 60 s) stops instead of spinning to it.
    fn ended(&self) -> bool {
        false
    }
}

/// A client library as its caller sees it: one command, after the library's retries.
pub trait Model {
    /// `client` and `config` of the report.
    fn name(&self) -> (&'static str, &'static str);
    /// Run one command as the library does: `Ok` with the reply the caller gets (an error
    /// reply the library hands back is `Err`).
    fn command(&mut self, t: &mut dyn Transport, args: &[&str]) -> Result<Reply, String>;
}

/// The models a scenario runs: each library's defaults, and the recommended configuration.
pub fn models(seed: u64, master_name: &str) -> Vec<Box<dyn Model + Send>> {
    vec![
        Box::new(go_redis::GoRedis::new(go_redis::Options::default(), seed)),
        Box::new(redis_py::RedisPy::new()),
        Box::new(lettuce::Lettuce::new(master_name)),
        Box::new(go_redis::GoRedis::new(
            go_redis::Options::recommended(),
            seed,
        )),
    ]
}

/// One write of a model's caller.
#[derive(Clone, Debug)]
pub struct Write {
    pub start: f64,
    pub end: f64,
    pub error: Option<String>,
}

/// A write as the caller does it: `SET key 1 NX EX 300`, then `WAIT` for `replicas`
/// acknowledgements when the set asks for them (as the probe does).
pub fn write(model: &mut dyn Model, t: &mut dyn Transport, key: &str, replicas: u32) -> Write {
    let start = t.now();
    let mut error = match model.command(t, &["SET", key, "1", "NX", "EX", "300"]) {
        Ok(Reply::Status(s)) if s == "OK" => None,
        Ok(other) => Some(format!("SET: {other:?}")),
        Err(e) => Some(e),
    };
    if error.is_none() && replicas > 0 {
        let wanted = replicas.to_string();
        let wait_ms = super::probe::WAIT_MS.to_string();
        error = match model.command(t, &["WAIT", &wanted, &wait_ms]) {
            Ok(Reply::Int(n)) if n >= i64::from(replicas) => None,
            Ok(other) => Some(format!("WAIT: {other:?}")),
            Err(e) => Some(format!("WAIT: {e}")),
        };
    }
    Write {
        start,
        end: t.now(),
        error,
    }
}

/// What one model's caller saw during a scenario.
#[derive(Clone, Debug)]
pub struct ClientLog {
    pub client: &'static str,
    pub config: &'static str,
    pub writes: Vec<Write>,
}

/// Write through `model` every [`PERIOD`] until `stop`; the write `stop` cut short is not
/// counted.
pub fn run(
    mut model: Box<dyn Model + Send>,
    t: &mut dyn Transport,
    prefix: &str,
    replicas: u32,
    stop: &AtomicBool,
) -> ClientLog {
    let (client, config) = model.name();
    let mut writes = Vec::new();
    let mut serial = 0u64;
    while !stop.load(Ordering::SeqCst) {
        serial += 1;
        let key = format!("{prefix}:{client}:{config}:{serial}");
        let mut w = write(&mut *model, t, &key, replicas);
        if stop.load(Ordering::SeqCst) {
            // Cut short: still blocked at the end counts as blocked, not as failed.
            if w.end - w.start > BLOCKED {
                w.error = None;
                writes.push(w);
            }
            break;
        }
        let spent = w.end - w.start;
        writes.push(w);
        if spent < PERIOD {
            t.sleep(PERIOD - spent);
        }
    }
    ClientLog {
        client,
        config,
        writes,
    }
}

/// Run every model on its own thread against `cluster`, with a subscription to every
/// Sentinel, until `stop`.
pub fn run_all(
    cluster: &dyn Cluster,
    t0: Instant,
    prefix: &str,
    stop: &AtomicBool,
) -> Vec<ClientLog> {
    let replicas = cluster.spec().wait_replicas;
    let seed = u64::from(std::process::id());
    let subscribers = Subscribers::default();
    let subscribers = &subscribers;
    std::thread::scope(|scope| {
        for sentinel in 0..cluster.spec().replicas {
            scope.spawn(move || subscribers.listen(cluster, sentinel, t0, stop));
        }
        let handles: Vec<_> = models(seed, &cluster.spec().master_name)
            .into_iter()
            .map(|model| {
                scope.spawn(move || {
                    let mut t = transport::Real::new(cluster, t0, subscribers, stop, scope);
                    run(model, &mut t, prefix, replicas, stop)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    })
}

/// A model's numbers in the report.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ClientReport {
    pub client: String,
    /// `default` (the library's defaults) or `recommended` (docs/clients.md).
    pub config: String,
    /// Seconds the caller could not write: from the first write that failed or blocked
    /// (longer than 0.25 s) to the next one that succeeded at once; like the server-side
    /// number, the longest such window, or their sum over a planned operation.
    pub unavailable_seconds: f64,
    /// Writes whose caller got an error (after the library's retries).
    pub failed_writes: usize,
    pub writes: usize,
}

/// The report of one model's log; `planned`: the window of a planned operation.
pub fn summarize(log: &ClientLog, planned: Option<(f64, f64)>) -> ClientReport {
    let attempts: Vec<super::probe::Attempt> = log
        .writes
        .iter()
        .map(|w| super::probe::Attempt {
            start: w.start,
            end: w.end,
            master: None,
            error: w
                .error
                .clone()
                .or_else(|| (w.end - w.start > BLOCKED).then(|| "blocked".to_string())),
        })
        .collect();
    let unavailable_seconds = match planned {
        Some((from, to)) => measure::total_unavailable(&attempts, from, to),
        None => measure::longest_unavailable(&attempts),
    };
    ClientReport {
        client: log.client.to_string(),
        config: log.config.to_string(),
        unavailable_seconds,
        failed_writes: log.writes.iter().filter(|w| w.error.is_some()).count(),
        writes: log.writes.len(),
    }
}

/// Whether an error reply is `READONLY` (a demoted master).
fn is_readonly(e: &str) -> bool {
    e.starts_with("READONLY")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(writes: &[(f64, f64, bool)]) -> ClientLog {
        ClientLog {
            client: "c",
            config: "default",
            writes: writes
                .iter()
                .map(|&(start, end, ok)| Write {
                    start,
                    end,
                    error: (!ok).then(|| "x".into()),
                })
                .collect(),
        }
    }

    #[test]
    fn a_blocked_write_counts_as_unavailable_but_not_as_failed() {
        let r = summarize(
            &log(&[
                (0.0, 0.01, true),
                (0.1, 3.1, true),
                (3.2, 3.21, true),
                (4.0, 4.01, false),
                (4.1, 4.11, true),
            ]),
            None,
        );
        assert_eq!(r.failed_writes, 1);
        assert_eq!(r.writes, 5);
        assert_eq!(r.unavailable_seconds, 3.1);
        let planned = summarize(
            &log(&[(0.0, 1.0, false), (1.0, 1.01, true)]),
            Some((0.5, 9.0)),
        );
        assert_eq!(planned.unavailable_seconds, 0.5);
    }
}
