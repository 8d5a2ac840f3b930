//! Lettuce `MasterReplica.connect` with a Sentinel `RedisURI` and `ReadFrom.MASTER`
//! (github.com/redis/lettuce 7.8.0-SNAPSHOT, commit b0bcdd81):
//!
//! - the topology comes from the first Sentinel that answers, in the order given
//!   (`SentinelTopologyProvider.getNodes`: `SENTINEL MASTER`, `SENTINEL REPLICAS`);
//! - it subscribes to every Sentinel (`SentinelTopologyRefresh`: `PSUBSCRIBE *`) and refreshes
//!   the topology on a message about the master (`TopologyRefreshMessagePredicate`:
//!   `+switch-master`, `+elected-leader`, `+reset-master`, `+sdown`/`-sdown`/`+slave`/
//!   `+convert-to-slave`/`+role-change`/`fix-slave-config` "@ <master>", `failover-end`),
//!   but rate-limited (`TimedSemaphore`, 5 s): the first such message schedules the refresh
//!   5 s later, and the messages until then schedule nothing more;
//! - no command retry: an error reply (`READONLY`, `NOREPLICAS`) reaches the caller at once;
//! - a lost connection reconnects to the same address on its own (`autoReconnect`, delay
//!   `Delay.exponential()`: 1 ms doubling to 30 s; connect timeout 10 s) while the command
//!   waits, buffered, up to the command timeout (`RedisURI.DEFAULT_TIMEOUT`, 60 s), or until
//!   a refresh leaves the node out of the topology (`SentinelTopologyProvider.isAvailable`
//!   drops replicas flagged `s_down`, `o_down`, `disconnected`) and its connection is closed
//!   (`MasterReplicaConnectionProvider.closeStaleConnections`), failing the command.

use super::{Failure, Model, Transport};
use crate::resp::Reply;

const COMMAND_TIMEOUT: f64 = 60.0;
const CONNECT_TIMEOUT: f64 = 10.0;
/// `TimedSemaphore`'s timeout.
const RATE_LIMIT: f64 = 5.0;
const MAX_DELAY: f64 = 30.0;

pub struct Lettuce {
    master_name: String,
    master: Option<usize>,
    /// Until when messages schedule nothing (the semaphore's timeout).
    quiet_until: f64,
    /// When the scheduled topology refresh runs.
    refresh_at: Option<f64>,
}

impl Lettuce {
    pub fn new(master_name: &str) -> Lettuce {
        Lettuce {
            master_name: master_name.to_string(),
            master: None,
            quiet_until: f64::NEG_INFINITY,
            refresh_at: None,
        }
    }

    /// `TopologyRefreshMessagePredicate.test`.
    fn about_master(&self, channel: &str, payload: &str) -> bool {
        let name = &self.master_name;
        match channel {
            "+elected-leader" | "+reset-master" => payload.starts_with(&format!("master {name} ")),
            "+slave" | "+sdown" | "-sdown" | "fix-slave-config" | "+convert-to-slave"
            | "+role-change" => payload.contains(&format!("@ {name} ")),
            "+switch-master" => payload.starts_with(&format!("{name} ")),
            "failover-end" | "failover-end-for-timeout" => true,
            _ => false,
        }
    }

    /// `Delay.exponential()` for reconnect attempt `attempt` (1, 2, 4 … ms, capped).
    pub fn reconnect_delay(attempt: u32) -> f64 {
        if attempt == 0 {
            return 0.0;
        }
        (0.001 * f64::from(1u32 << (attempt - 1).min(30))).min(MAX_DELAY)
    }

    /// Take in the Sentinels' messages, and run the refresh once it is due.
    fn heed(&mut self, t: &mut dyn Transport) {
        for e in t.events() {
            if self.about_master(&e.channel, &e.payload) && e.at >= self.quiet_until {
                self.quiet_until = e.at + RATE_LIMIT;
                self.refresh_at = Some(e.at + RATE_LIMIT);
            }
        }
        if self.refresh_at.is_some_and(|at| at <= t.now()) {
            self.refresh_at = None;
            self.refresh(t);
        }
    }

    /// The topology from the first Sentinel that answers.
    fn refresh(&mut self, t: &mut dyn Transport) {
        for s in t.sentinels() {
            if let Ok(m) = t.ask(s, COMMAND_TIMEOUT) {
                self.master = Some(m.ordinal);
                return;
            }
        }
    }
}

impl Model for Lettuce {
    fn name(&self) -> (&'static str, &'static str) {
        ("lettuce", "default")
    }

    fn command(&mut self, t: &mut dyn Transport, args: &[&str]) -> Result<Reply, String> {
        self.heed(t);
        if self.master.is_none() {
            self.refresh(t);
        }
        let Some(master) = self.master else {
            return Err("no Sentinel answered".into());
        };
        let deadline = t.now() + COMMAND_TIMEOUT;
        let mut attempt = 0;
        loop {
            let left = deadline - t.now();
            if left <= 0.0 {
                return Err("Command timed out after 1 minute(s)".into());
            }
            if t.ended() {
                return Err("the scenario ended".into());
            }
            if t.connected() != Some(master) {
                if attempt > 0 {
                    let until_refresh = self.refresh_at.map_or(left, |at| at - t.now());
                    t.sleep(Self::reconnect_delay(attempt).min(left).min(until_refresh));
                }
                // A refresh that names another master leaves this node out of the topology
                // (a node Sentinel sees down is no replica to it): its connection is closed
                // as stale, failing the command buffered on it.
                self.heed(t);
                if self.master != Some(master) {
                    return Err("connection closed: stale after a topology refresh".into());
                }
                attempt += 1;
                if t.connect(master, CONNECT_TIMEOUT.min(left)).is_err() {
                    continue;
                }
                attempt = 0;
            }
            match t.command(args, left) {
                Ok(Reply::Error(e)) => return Err(e),
                Ok(reply) => return Ok(reply),
                Err(Failure::Timeout(_)) => {
                    return Err("Command timed out after 1 minute(s)".into());
                }
                // Re-sent once the connection is back.
                Err(Failure::Connection(_)) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake::{Fake, Server};
    use super::*;

    #[test]
    fn a_message_schedules_one_refresh_five_seconds_later() {
        let mut f = Fake::new(3, 0);
        let mut c = Lettuce::new("mymaster");
        assert!(c.command(&mut f, &["SET", "k", "1"]).is_ok());
        // The failover: pod 2 promoted, pod 0 demoted; its Sentinels publish.
        f.server[0] = Server::Replica;
        f.server[2] = Server::Master;
        f.answer = 2;
        f.publish_raw(1, "+sdown", "master mymaster 10.0.0.1 6379");
        f.publish_raw(1, "+elected-leader", "master mymaster 10.0.0.1 6379");
        let at = f.now;
        f.publish(1, 2);
        // Until 5 s after the first message about the master, writes meet READONLY.
        let err = c.command(&mut f, &["SET", "k", "2"]).unwrap_err();
        assert!(err.starts_with("READONLY"), "{err}");
        f.sleep(4.9);
        assert!(c.command(&mut f, &["SET", "k", "3"]).is_err());
        f.sleep(0.2);
        assert!(c.command(&mut f, &["SET", "k", "4"]).is_ok());
        assert_eq!(f.connected_to, Some(2));
        assert!(f.now - at >= 5.0);
        // `+sdown` of the master itself is no topology message; only one refresh ran.
        assert_eq!(f.log.iter().filter(|l| l.starts_with("ask")).count(), 2);
    }

    #[test]
    fn a_write_waiting_on_the_dead_master_fails_at_the_refresh() {
        let mut f = Fake::new(3, 0);
        let mut c = Lettuce::new("mymaster");
        assert!(c.command(&mut f, &["SET", "k", "1"]).is_ok());
        f.server[0] = Server::Refused;
        f.publish_raw(
            1,
            "+sdown",
            "sentinel 1a2b 10.0.0.1 26379 @ mymaster 10.0.0.1 6379",
        );
        f.server[2] = Server::Master;
        f.answer = 2;
        let start = f.now;
        let err = c.command(&mut f, &["SET", "k", "2"]).unwrap_err();
        assert!(err.contains("stale"), "{err}");
        assert!((f.now - start - 5.0).abs() < 0.05, "{}", f.now - start);
        assert!(!f.log.iter().any(|l| l == "connect 2"));
        assert!(c.command(&mut f, &["SET", "k", "3"]).is_ok());
        assert_eq!(f.connected_to, Some(2));
    }

    #[test]
    fn a_lost_connection_waits_reconnecting_to_the_same_address() {
        let mut f = Fake::new(3, 0);
        let mut c = Lettuce::new("mymaster");
        assert!(c.command(&mut f, &["SET", "k", "1"]).is_ok());
        f.server[0] = Server::Refused;
        f.answer = 2;
        f.server[2] = Server::Master;
        let err = c.command(&mut f, &["SET", "k", "2"]).unwrap_err();
        assert!(err.contains("timed out"), "{err}");
        assert!(!f.log.iter().any(|l| l == "connect 2"));
        assert!((f.now - 60.0).abs() < 1.0, "{}", f.now);
        // The delays double from 1 ms to 30 s.
        assert_eq!(Lettuce::reconnect_delay(1), 0.001);
        assert_eq!(Lettuce::reconnect_delay(2), 0.002);
        assert_eq!(Lettuce::reconnect_delay(20), 30.0);
    }
}
