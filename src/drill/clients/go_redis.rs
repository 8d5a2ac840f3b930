//! go-redis `NewFailoverClient` (github.com/redis/go-redis v9.22.0, commit 216593cc):
//!
//! - the Sentinel addresses are shuffled once (`NewFailoverClient`, `rand.Shuffle`);
//! - every new connection asks for the master (`masterReplicaDialer` →
//!   `sentinelFailover.MasterAddr`): the Sentinel it holds first; when that fails, it drops
//!   it and asks every Sentinel at once, keeping the first that answers, which it moves to
//!   the front and subscribes to (`setSentinel`: `+switch-master` on that one Sentinel);
//! - `+switch-master` from that Sentinel (`listen` → `trySwitchMaster` → `onFailover`)
//!   closes the connections to any other address;
//! - a command is retried `MaxRetries` (3) times after `RetryBackoff` (10 ms–1 s, jittered:
//!   `internal.RetryBackoff`) on a dial error, EOF, `READONLY`, `LOADING`, `MASTERDOWN`,
//!   `NOREPLICAS`, `TRYAGAIN` (`error.go` `shouldRetry`); not on a read timeout. `READONLY`
//!   closes the connection (`isBadConn`);
//! - a dial is tried `DialerRetries` (5) times, 100 ms apart (`pool.go` `dialConn`), each
//!   asking `MasterAddr` again; `DialTimeout` 5 s, `ReadTimeout` 3 s (`options.go` `init`).
//!   The Sentinel client has the same options, so asking one Sentinel is retried alike.
//!
//! [`Options::recommended`] is what docs/clients.md recommends, on go-redis's machinery: 1 s
//! timeouts, 10 retries with 100 ms–1 s back-off, every Sentinel asked at once at each
//! dial (poll), `+switch-master` heard from every Sentinel and its address dialled at once
//! (subscribe). go-redis alone does the last two only in part (one Sentinel held, one
//! subscription).

use super::rng::Rng;
use super::{Failure, Model, Transport, is_readonly};
use crate::resp::Reply;

#[derive(Clone, Debug)]
pub struct Options {
    pub max_retries: u32,
    pub min_backoff: f64,
    pub max_backoff: f64,
    pub dial_timeout: f64,
    pub read_timeout: f64,
    pub dialer_retries: u32,
    pub dialer_retry_wait: f64,
    /// Heed `+switch-master` from every Sentinel, not only the one asked last, and dial the
    /// address it names without asking.
    pub subscribe_all: bool,
    /// Ask every Sentinel at once at each dial, never one held Sentinel first.
    pub ask_all: bool,
    pub config: &'static str,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_retries: 3,
            min_backoff: 0.01,
            max_backoff: 1.0,
            dial_timeout: 5.0,
            read_timeout: 3.0,
            dialer_retries: 5,
            dialer_retry_wait: 0.1,
            subscribe_all: false,
            ask_all: false,
            config: "default",
        }
    }
}

impl Options {
    pub fn recommended() -> Options {
        Options {
            max_retries: 10,
            min_backoff: 0.1,
            max_backoff: 1.0,
            dial_timeout: 1.0,
            read_timeout: 1.0,
            subscribe_all: true,
            ask_all: true,
            config: "recommended",
            ..Options::default()
        }
    }
}

pub struct GoRedis {
    o: Options,
    /// The Sentinels, shuffled once; the one that answered last first.
    order: Option<Vec<usize>>,
    /// The Sentinel it holds and listens to, and since when.
    sentinel: Option<(usize, f64)>,
    master: Option<usize>,
    /// With `subscribe_all`: the master a `+switch-master` named, for the next dial.
    announced: Option<usize>,
    rng: Rng,
}

impl GoRedis {
    pub fn new(o: Options, seed: u64) -> GoRedis {
        GoRedis {
            o,
            order: None,
            sentinel: None,
            master: None,
            announced: None,
            rng: Rng::new(seed),
        }
    }

    /// `internal.RetryBackoff(retry, min, max)`.
    pub fn backoff(&mut self, retry: u32) -> f64 {
        let (min, max) = (self.o.min_backoff, self.o.max_backoff);
        if min == 0.0 {
            return 0.0;
        }
        let d = min * f64::from(1u32 << retry.min(30));
        (min + self.rng.unit() * d).clamp(min, max)
    }

    fn order(&mut self, t: &dyn Transport) -> Vec<usize> {
        if self.order.is_none() {
            let mut all = t.sentinels();
            self.rng.shuffle(&mut all);
            self.order = Some(all);
        }
        self.order.clone().unwrap_or_default()
    }

    /// A Sentinel command with the Sentinel client's retries (`MaxRetries`, each dial tried
    /// `DialerRetries` times).
    fn sentinel_call<T>(
        &mut self,
        t: &mut dyn Transport,
        mut ask: impl FnMut(&mut dyn Transport, f64) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let mut last = Failure::Connection("no Sentinel".into());
        for attempt in 0..=self.o.max_retries {
            if attempt > 0 {
                let wait = self.backoff(attempt);
                t.sleep(wait);
            }
            for dial in 0..self.o.dialer_retries {
                match ask(t, self.o.dial_timeout) {
                    Ok(v) => return Ok(v),
                    Err(e) => last = e,
                }
                if dial + 1 < self.o.dialer_retries {
                    t.sleep(self.o.dialer_retry_wait);
                }
            }
        }
        Err(last)
    }

    /// `sentinelFailover.MasterAddr`.
    fn master_addr(&mut self, t: &mut dyn Transport) -> Result<usize, Failure> {
        if let Some(announced) = self.announced.take() {
            return Ok(announced);
        }
        if let Some((s, _)) = self.sentinel.filter(|_| !self.o.ask_all) {
            match self.sentinel_call(t, |t, timeout| t.ask(s, timeout)) {
                Ok(m) => return Ok(m.ordinal),
                Err(_) => self.sentinel = None,
            }
        }
        let order = self.order(t);
        let (s, m) = self.sentinel_call(t, |t, timeout| t.ask_all(&order, timeout))?;
        if let Some(order) = self.order.as_mut()
            && let Some(i) = order.iter().position(|&x| x == s)
        {
            order.swap(0, i);
        }
        self.sentinel = Some((s, t.now()));
        Ok(m.ordinal)
    }

    /// `trySwitchMaster`: a new address closes the connections to any other.
    fn switch(&mut self, t: &mut dyn Transport, master: usize) {
        if self.master == Some(master) {
            return;
        }
        self.master = Some(master);
        if t.connected().is_some_and(|c| c != master) {
            t.disconnect();
        }
    }

    /// `sentinelFailover.listen`: `+switch-master` from the Sentinel it subscribed to.
    fn heed(&mut self, t: &mut dyn Transport) {
        for e in t.events() {
            let heard = self.o.subscribe_all
                || self
                    .sentinel
                    .is_some_and(|(s, since)| s == e.sentinel && e.at >= since);
            if !heard || e.channel != "+switch-master" {
                continue;
            }
            let parts: Vec<&str> = e.payload.split(' ').collect();
            if let Some(new) = parts.get(3).and_then(|h| t.ordinal_of(h)) {
                if self.o.subscribe_all {
                    self.announced = Some(new);
                }
                self.switch(t, new);
            }
        }
    }

    /// The pool's `dialConn` with `masterReplicaDialer`.
    fn dial(&mut self, t: &mut dyn Transport) -> Result<(), Failure> {
        let mut last = Failure::Connection("no dial".into());
        for dial in 0..self.o.dialer_retries {
            let tried = self.master_addr(t).and_then(|addr| {
                self.switch(t, addr);
                t.connect(addr, self.o.dial_timeout)
            });
            match tried {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
            if dial + 1 < self.o.dialer_retries {
                t.sleep(self.o.dialer_retry_wait);
            }
        }
        Err(last)
    }
}

/// `shouldRetry` for an error reply.
fn retryable(e: &str) -> bool {
    [
        "READONLY",
        "LOADING",
        "MASTERDOWN",
        "NOREPLICAS",
        "TRYAGAIN",
        "CLUSTERDOWN",
    ]
    .iter()
    .any(|p| e.starts_with(p))
}

impl Model for GoRedis {
    fn name(&self) -> (&'static str, &'static str) {
        ("go-redis", self.o.config)
    }

    fn command(&mut self, t: &mut dyn Transport, args: &[&str]) -> Result<Reply, String> {
        let mut last = String::new();
        for attempt in 0..=self.o.max_retries {
            if attempt > 0 {
                let wait = self.backoff(attempt);
                t.sleep(wait);
            }
            self.heed(t);
            if t.connected().is_none()
                && let Err(e) = self.dial(t)
            {
                last = format!("dial: {e}");
                continue;
            }
            match t.command(args, self.o.read_timeout) {
                Ok(Reply::Error(e)) => {
                    if is_readonly(&e) {
                        t.disconnect();
                    }
                    if !retryable(&e) {
                        return Err(e);
                    }
                    last = e;
                }
                Ok(reply) => return Ok(reply),
                Err(Failure::Timeout(e)) => return Err(format!("read timeout: {e}")),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake::{Fake, Server};
    use super::*;

    #[test]
    fn backoff_is_jittered_between_min_and_max_and_grows() {
        let mut c = GoRedis::new(Options::default(), 7);
        for retry in 1..12 {
            let b = c.backoff(retry);
            assert!((0.01..=1.0).contains(&b), "{retry}: {b}");
            if retry == 1 {
                assert!(b <= 0.03, "{b}");
            }
        }
        let capped: Vec<f64> = (0..50).map(|_| c.backoff(10)).collect();
        assert!(
            capped.iter().filter(|&&b| b == 1.0).count() > 40,
            "{capped:?}"
        );
    }

    #[test]
    fn asks_all_sentinels_at_once_then_listens_to_the_one_that_answered() {
        // Master 0; Sentinel 1 is dead from the start.
        let mut f = Fake::new(3, 0);
        f.sentinel_dead[1] = true;
        let mut c = GoRedis::new(Options::default(), 1);
        assert!(c.command(&mut f, &["SET", "k", "1"]).is_ok());
        // The first lookup asks every Sentinel at once.
        assert!(f.log[0].starts_with("ask_all"), "{:?}", f.log);
        assert_eq!(f.log.iter().filter(|l| l.starts_with("ask")).count(), 1);
        let held = c.sentinel.map(|(s, _)| s).unwrap();
        assert_ne!(held, 1);
        // Pod 2 is master now; the connection to pod 0 still works.
        f.server[2] = Server::Master;
        f.answer = 2;
        // `+switch-master` from a Sentinel it does not listen to: it stays on pod 0.
        let other = if held == 0 { 2 } else { 0 };
        f.publish(other, 2);
        assert!(c.command(&mut f, &["SET", "k", "2"]).is_ok());
        assert_eq!(f.connected_to, Some(0));
        // From the one it listens to: the connection to pod 0 is closed, the next dial
        // asks that Sentinel (only) and goes to pod 2.
        f.publish(held, 2);
        assert!(c.command(&mut f, &["SET", "k", "3"]).is_ok());
        assert_eq!(f.connected_to, Some(2));
        let n = f.log.len();
        assert_eq!(
            f.log[n - 3..],
            [
                format!("ask {held}"),
                "connect 2".into(),
                "cmd 2 SET".into()
            ]
        );
    }

    #[test]
    fn readonly_is_retried_with_backoff_on_a_new_connection_then_given_up() {
        let mut f = Fake::new(3, 0);
        f.server[0] = Server::Replica;
        let mut c = GoRedis::new(Options::default(), 3);
        let start = f.now;
        let err = c.command(&mut f, &["SET", "k", "1"]).unwrap_err();
        assert!(err.starts_with("READONLY"), "{err}");
        // 1 + 3 retries, each on a new connection (READONLY closes it).
        assert_eq!(f.log.iter().filter(|l| l.starts_with("connect")).count(), 4);
        let slept: f64 = f.slept.iter().sum();
        assert!((0.03..=3.0).contains(&slept), "{slept}");
        assert!(f.now - start < 3.1);
    }

    #[test]
    fn a_dead_master_costs_the_dial_retries_of_every_attempt() {
        let mut f = Fake::new(3, 0);
        f.server[0] = Server::Refused;
        let mut c = GoRedis::new(Options::default(), 3);
        assert!(c.command(&mut f, &["SET", "k", "1"]).is_err());
        // (1 + MaxRetries) commands × DialerRetries dials, 100 ms apart.
        assert_eq!(
            f.log.iter().filter(|l| l.starts_with("connect")).count(),
            20
        );
        let waits = f.slept.iter().filter(|&&s| s == 0.1).count();
        assert_eq!(waits, 16);
    }

    #[test]
    fn a_read_timeout_is_not_retried() {
        let mut f = Fake::new(3, 0);
        let mut c = GoRedis::new(Options::default(), 3);
        assert!(c.command(&mut f, &["SET", "k", "1"]).is_ok());
        f.server[0] = Server::Blackhole;
        let start = f.now;
        let err = c.command(&mut f, &["SET", "k", "2"]).unwrap_err();
        assert!(err.starts_with("read timeout"), "{err}");
        assert!((f.now - start - 3.0).abs() < 0.01, "{}", f.now - start);
        assert_eq!(f.log.iter().filter(|l| l.starts_with("cmd")).count(), 2);
    }

    #[test]
    fn recommended_follows_any_sentinels_switch_and_asks_all_at_each_dial() {
        let mut f = Fake::new(3, 0);
        let mut c = GoRedis::new(Options::recommended(), 1);
        assert!(c.command(&mut f, &["SET", "k", "1"]).is_ok());
        let held = c.sentinel.map(|(s, _)| s).unwrap();
        let other = (held + 1) % 3;
        // The Sentinels still name pod 0 when one of them, not the one it asked, announces pod 2.
        f.server[2] = Server::Master;
        f.publish(other, 2);
        assert!(c.command(&mut f, &["SET", "k", "2"]).is_ok());
        assert_eq!(f.connected_to, Some(2));
        let n = f.log.len();
        assert_eq!(f.log[n - 2..], ["connect 2", "cmd 2 SET"]);
        // A later dial asks every Sentinel at once, not the held one first.
        f.disconnect();
        f.answer = 2;
        assert!(c.command(&mut f, &["SET", "k", "3"]).is_ok());
        assert!(f.log[f.log.len() - 3].starts_with("ask_all"), "{:?}", f.log);
    }
}
