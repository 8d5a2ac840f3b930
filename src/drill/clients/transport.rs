//! The models' [`Transport`] on a running set: real connections to the pods' Redis and
//! Sentinels, the real clock, and the Sentinels' messages from [`Subscribers`]. Once the
//! scenario ends every operation fails at once, so a model blocked in its retries ends too
//! (and its last write is not counted).

use super::{Event, Failure, Master, Subscribers, Transport};
use crate::drill::cluster::{Cluster, Session};
use crate::resp::Reply;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::Scope;
use std::time::{Duration, Instant};

pub struct Real<'scope, 'env> {
    cluster: &'env dyn Cluster,
    t0: Instant,
    subscribers: &'env Subscribers,
    stop: &'env AtomicBool,
    /// Where a parallel question to the Sentinels runs (left to finish on its own).
    scope: &'scope Scope<'scope, 'env>,
    seen: usize,
    conn: Option<(usize, Box<dyn Session + 'env>)>,
}

impl<'scope, 'env> Real<'scope, 'env> {
    pub fn new(
        cluster: &'env dyn Cluster,
        t0: Instant,
        subscribers: &'env Subscribers,
        stop: &'env AtomicBool,
        scope: &'scope Scope<'scope, 'env>,
    ) -> Real<'scope, 'env> {
        Real {
            cluster,
            t0,
            subscribers,
            stop,
            scope,
            seen: 0,
            conn: None,
        }
    }

    fn refuse_if_ended(&self) -> Result<(), Failure> {
        if self.stop.load(Ordering::SeqCst) {
            return Err(Failure::Connection("the scenario ended".into()));
        }
        Ok(())
    }
}

/// The longest a model's wait for a reply goes without a look at whether the scenario ended.
const REPLY_SLICE: Duration = Duration::from_millis(500);
/// The longest connect timeout of the libraries modelled (Lettuce's 10 s; go-redis and
/// redis-py 5 s): a Sentinel question's timeout bounds its connection no longer than that.
const CONNECT_MAX: Duration = Duration::from_secs(10);

fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(s.clamp(0.001, 3600.0))
}

/// A timeout, or another failure of the connection.
fn failure(e: &anyhow::Error) -> Failure {
    let text = format!("{e:#}");
    let timeout = ["timed out", "os error 110", "os error 11)", "WouldBlock"]
        .iter()
        .any(|p| text.contains(p));
    if timeout {
        Failure::Timeout(text)
    } else {
        Failure::Connection(text)
    }
}

/// `args` on `session`, its reply awaited up to `timeout` in slices, so a caller blocked on
/// a peer gone silent (Lettuce waits 60 s for a reply from a lost node) lets the scenario end
/// (`stop`) without sitting its timeout out.
fn call_until_stopped(
    session: &mut dyn Session,
    args: &[&str],
    timeout: Duration,
    stop: &AtomicBool,
) -> anyhow::Result<Reply> {
    let deadline = Instant::now() + timeout;
    let slice = || {
        deadline
            .saturating_duration_since(Instant::now())
            .clamp(Duration::from_millis(1), REPLY_SLICE)
    };
    let mut reply = session.call(args, slice());
    while let Err(e) = &reply {
        if !matches!(failure(e), Failure::Timeout(_))
            || Instant::now() >= deadline
            || stop.load(Ordering::SeqCst)
        {
            break;
        }
        reply = match session.receive(slice()) {
            Ok(Some(r)) => Ok(r),
            Ok(None) => Err(anyhow::anyhow!("timed out waiting for the reply")),
            Err(e) => Err(e),
        };
    }
    reply
}

/// `SENTINEL MASTER <name>` on a fresh connection to Sentinel `sentinel`. The connection
/// is given at most [`CONNECT_MAX`], as every library's connect timeout is.
fn ask(
    cluster: &dyn Cluster,
    sentinel: usize,
    timeout: f64,
    stop: &AtomicBool,
) -> Result<Master, Failure> {
    let name = &cluster.spec().master_name;
    let mut session = cluster
        .connect(sentinel, true, seconds(timeout).min(CONNECT_MAX))
        .map_err(|e| failure(&e))?;
    let reply = call_until_stopped(
        &mut *session,
        &["SENTINEL", "MASTER", name],
        seconds(timeout),
        stop,
    )
    .map_err(|e| failure(&e))?;
    if let Reply::Error(e) = &reply {
        return Err(Failure::Connection(e.clone()));
    }
    let ordinal = reply
        .field("ip")
        .and_then(|ip| cluster.ordinal_of(ip))
        .ok_or_else(|| Failure::Connection(format!("no known master in {reply:?}")))?;
    let flags = reply.field("flags").unwrap_or("");
    Ok(Master {
        ordinal,
        down: flags.contains("s_down") || flags.contains("o_down"),
    })
}

impl<'scope, 'env> Transport for Real<'scope, 'env> {
    fn now(&self) -> f64 {
        self.t0.elapsed().as_secs_f64()
    }

    fn sleep(&mut self, seconds: f64) {
        let until = Instant::now() + Duration::from_secs_f64(seconds.max(0.0));
        while !self.stop.load(Ordering::SeqCst) {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
    }

    fn sentinels(&self) -> Vec<usize> {
        (0..self.cluster.spec().replicas).collect()
    }

    fn ask(&mut self, sentinel: usize, timeout: f64) -> Result<Master, Failure> {
        self.refuse_if_ended()?;
        ask(self.cluster, sentinel, timeout, self.stop)
    }

    fn ask_all(&mut self, sentinels: &[usize], timeout: f64) -> Result<(usize, Master), Failure> {
        self.refuse_if_ended()?;
        let (tx, rx) = mpsc::channel();
        for &s in sentinels {
            let (tx, cluster, stop) = (tx.clone(), self.cluster, self.stop);
            self.scope.spawn(move || {
                let _ = tx.send(ask(cluster, s, timeout, stop).map(|m| (s, m)));
            });
        }
        drop(tx);
        let mut last = Failure::Connection("no Sentinel".into());
        for answer in rx {
            match answer {
                Ok(found) => return Ok(found),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn connect(&mut self, ordinal: usize, timeout: f64) -> Result<(), Failure> {
        self.conn = None;
        self.refuse_if_ended()?;
        let session = self
            .cluster
            .connect(ordinal, false, seconds(timeout))
            .map_err(|e| failure(&e))?;
        self.conn = Some((ordinal, session));
        Ok(())
    }

    fn connected(&self) -> Option<usize> {
        self.conn.as_ref().map(|(o, _)| *o)
    }

    fn disconnect(&mut self) {
        self.conn = None;
    }

    fn command(&mut self, args: &[&str], timeout: f64) -> Result<Reply, Failure> {
        self.refuse_if_ended()?;
        let Some((_, session)) = self.conn.as_mut() else {
            return Err(Failure::Connection("not connected".into()));
        };
        call_until_stopped(&mut **session, args, seconds(timeout), self.stop).map_err(|e| {
            self.conn = None;
            failure(&e)
        })
    }

    fn events(&mut self) -> Vec<Event> {
        let (events, seen) = self.subscribers.since(self.seen);
        self.seen = seen;
        events
    }

    fn ordinal_of(&self, host: &str) -> Option<usize> {
        self.cluster.ordinal_of(host)
    }

    fn ended(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}
