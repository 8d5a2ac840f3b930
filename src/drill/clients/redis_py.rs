//! redis-py `Sentinel(...).master_for(...)` (github.com/redis/redis-py 8.0.0, commit 34817ce2):
//!
//! - no subscription: it learns of a failover only when it next connects;
//! - a connection asks the Sentinels in the order given (`Sentinel.discover_master`:
//!   `SENTINEL MASTERS`), skipping one that fails or sees the master `s_down`/`o_down`
//!   (`check_master_state`), and moves the one that answered to the front; none:
//!   `MasterNotFoundError` (a `ConnectionError`);
//! - `READONLY` on a master connection closes it and raises `ConnectionError`
//!   (`SentinelManagedConnection.read_response`);
//! - `Retry(ExponentialWithJitterBackoff(base 10 ms, cap 1 s), 10)` on `ConnectionError` and
//!   `TimeoutError` (`client.py` `Redis.__init__`, `_defaults.py`, `retry.py`,
//!   `backoff.py`): the command (`_execute_command`), the connect (`SentinelManagedConnection.connect`:
//!   discovery and TCP connect) and each Sentinel's own client (built with the same
//!   defaults) retry alike; a connect that fails when the pool hands the connection out
//!   (`ConnectionPool.get_connection`) reaches the caller without the command's retries.
//!   Other error replies (`NOREPLICAS`, `MASTERDOWN`) reach the caller at once;
//! - socket and connect timeouts 5 s (`DEFAULT_SOCKET_TIMEOUT`).

use super::rng::Rng;
use super::{Failure, Model, Transport, is_readonly};
use crate::resp::Reply;

const RETRIES: u32 = 10;
const BASE: f64 = 0.01;
const CAP: f64 = 1.0;
const TIMEOUT: f64 = 5.0;

pub struct RedisPy {
    order: Option<Vec<usize>>,
    rng: Rng,
}

impl RedisPy {
    pub fn new() -> RedisPy {
        RedisPy {
            order: None,
            rng: Rng::new(0x5eed),
        }
    }

    /// `ExponentialWithJitterBackoff.compute(failures)`.
    pub fn backoff(&mut self, failures: u32) -> f64 {
        CAP.min(self.rng.unit() * BASE * f64::from(1u32 << failures.min(30)))
    }

    /// `Retry.call_with_retry`: `do` until it succeeds or has failed `RETRIES` + 1 times.
    fn retry<T>(
        &mut self,
        t: &mut dyn Transport,
        mut op: impl FnMut(&mut Self, &mut dyn Transport) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let mut failures = 0;
        loop {
            match op(self, t) {
                Ok(v) => return Ok(v),
                Err(e) => {
                    failures += 1;
                    if failures > RETRIES {
                        return Err(e);
                    }
                    let wait = self.backoff(failures);
                    if wait > 0.0 {
                        t.sleep(wait);
                    }
                }
            }
        }
    }

    /// `discover_master`: each Sentinel in turn, through its own retrying client.
    fn discover_master(&mut self, t: &mut dyn Transport) -> Result<usize, Failure> {
        let order = match &self.order {
            Some(o) => o.clone(),
            None => t.sentinels(),
        };
        for (i, &s) in order.iter().enumerate() {
            let Ok(m) = self.retry(t, |_, t| t.ask(s, TIMEOUT)) else {
                continue;
            };
            if m.down {
                continue;
            }
            let mut o = order.clone();
            o.swap(0, i);
            self.order = Some(o);
            return Ok(m.ordinal);
        }
        Err(Failure::Connection("MasterNotFoundError".into()))
    }

    /// `SentinelManagedConnection.connect`: discovery and the TCP connect, retried.
    fn connect(&mut self, t: &mut dyn Transport) -> Result<(), Failure> {
        self.retry(t, |c, t| {
            let master = c.discover_master(t)?;
            t.connect(master, TIMEOUT)
        })
    }
}

impl Model for RedisPy {
    fn name(&self) -> (&'static str, &'static str) {
        ("redis-py", "default")
    }

    fn command(&mut self, t: &mut dyn Transport, args: &[&str]) -> Result<Reply, String> {
        if t.connected().is_none() {
            self.connect(t)
                .map_err(|e| format!("get_connection: {e}"))?;
        }
        let mut refused: Option<String> = None;
        let result = self.retry(t, |c, t| {
            if t.connected().is_none() {
                c.connect(t)?;
            }
            match t.command(args, TIMEOUT) {
                Ok(Reply::Error(e)) if is_readonly(&e) => {
                    t.disconnect();
                    Err(Failure::Connection(
                        "The previous master is now a slave".into(),
                    ))
                }
                Ok(Reply::Error(e)) if e.starts_with("LOADING") => {
                    t.disconnect();
                    Err(Failure::Connection(e))
                }
                Ok(Reply::Error(e)) => {
                    refused = Some(e);
                    Ok(Reply::Bulk(None))
                }
                Ok(reply) => Ok(reply),
                Err(e) => {
                    t.disconnect();
                    Err(e)
                }
            }
        });
        match (result, refused) {
            (_, Some(e)) => Err(e),
            (Ok(reply), None) => Ok(reply),
            (Err(e), None) => Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake::{Fake, Server};
    use super::*;

    #[test]
    fn asks_in_the_order_given_skips_a_down_answer_and_moves_the_answering_one_first() {
        let mut f = Fake::new(3, 0);
        f.sentinel_dead[0] = true;
        let mut c = RedisPy::new();
        assert!(c.command(&mut f, &["SET", "k", "1"]).is_ok());
        // Sentinel 0 asked 11 times (its client's retries), then Sentinel 1 answers.
        let asks: Vec<&String> = f.log.iter().filter(|l| l.starts_with("ask")).collect();
        assert_eq!(asks.len(), 12, "{asks:?}");
        assert_eq!(asks[11], "ask 1");
        assert_eq!(c.order, Some(vec![1, 0, 2]));
        // A Sentinel that sees the master down is passed over.
        f.answer_down = true;
        f.disconnect();
        let err = c.command(&mut f, &["SET", "k", "2"]).unwrap_err();
        assert!(err.contains("MasterNotFoundError"), "{err}");
    }

    #[test]
    fn readonly_reconnects_through_sentinel_with_jittered_backoff() {
        let mut f = Fake::new(3, 0);
        let mut c = RedisPy::new();
        assert!(c.command(&mut f, &["SET", "k", "1"]).is_ok());
        // The failover: pod 0 demoted, pod 2 promoted; no event reaches redis-py.
        f.server[0] = Server::Replica;
        f.server[2] = Server::Master;
        f.answer = 2;
        f.publish(0, 2);
        let before = f.slept.len();
        assert!(c.command(&mut f, &["SET", "k", "2"]).is_ok());
        let n = f.log.len();
        assert_eq!(
            f.log[n - 4..],
            ["cmd 0 SET", "ask 0", "connect 2", "cmd 2 SET"]
        );
        // One back-off, within [0, 2 × 10 ms).
        assert_eq!(f.slept.len(), before + 1);
        assert!(f.slept[before] < 0.02, "{:?}", f.slept);
    }

    #[test]
    fn a_dead_master_costs_the_nested_connect_retries() {
        let mut f = Fake::new(3, 0);
        let mut c = RedisPy::new();
        assert!(c.command(&mut f, &["SET", "k", "1"]).is_ok());
        f.server[0] = Server::Refused;
        let start = f.now;
        let err = c.command(&mut f, &["SET", "k", "2"]).unwrap_err();
        // A dead master: 10 command retries, each connect retried 10 times.
        let connects = f.log.iter().filter(|l| l.starts_with("connect 0")).count();
        assert_eq!(connects, 1 + 10 * 11, "{err}");
        let slept = f.now - start;
        assert!(slept > 1.0, "{slept}");
    }

    #[test]
    fn backoff_doubles_to_its_cap() {
        let mut c = RedisPy::new();
        for failures in 1..12 {
            let b = c.backoff(failures);
            assert!((0.0..=(BASE * f64::from(1u32 << failures)).min(CAP)).contains(&b));
        }
        // Uniform below 10 ms × 2^failures: after 7 failures, up to 1.28 s, capped at 1 s.
        let late: Vec<f64> = (0..50).map(|_| c.backoff(7)).collect();
        assert!(late.iter().any(|&b| b > 0.9), "{late:?}");
        let early: Vec<f64> = (0..50).map(|_| c.backoff(1)).collect();
        assert!(early.iter().all(|&b| b < 0.02), "{early:?}");
    }
}
