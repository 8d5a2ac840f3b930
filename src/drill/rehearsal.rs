//! One scenario being played on a fresh set: its clock, its progress lines, the checks it
//! records, and the questions it asks the set (who is master, do the Sentinels agree).

use super::cluster::Cluster;
use super::report::Check;
use crate::resp::Reply;
use std::time::{Duration, Instant};

const ASK: Duration = Duration::from_millis(300);

pub struct Rehearsal<'a> {
    pub cluster: &'a dyn Cluster,
    pub scenario: &'static str,
    pub t0: Instant,
    pub checks: Vec<Check>,
    /// (seconds since start, what happened), for the timeline and the progress lines.
    pub events: Vec<(f64, String)>,
    /// When the fault that should cause a failover happened, and the master it hit.
    pub fault: Option<(f64, usize)>,
    /// The master once the set had bootstrapped.
    pub master: usize,
    /// For `rolling-restart`: unavailability is summed over this window, not the longest run.
    pub planned_window: Option<(f64, f64)>,
    /// Further planned operations of the scenario (after `planned_window`'s): the window and
    /// how many master hand-overs it held; each is held to the same bound per hand-over
    /// (the bound is a rolling restart's, which hands the master over once).
    pub planned_more: Vec<((f64, f64), usize)>,
    /// Writes must succeed again within this many seconds of the first instant (seconds
    /// since the start): the bound of a whole-set restart.
    pub writes_back: Option<(f64, f64)>,
    /// Zombies left in the containers at the end (see `scenarios::processes`).
    pub zombies: Option<usize>,
    /// A restore from a snapshot: writes acknowledged between the snapshot (from 1 s before
    /// it: the replica it is taken from lags) and the loss of every volume are not in it.
    pub snapshot_window: Option<(f64, f64)>,
    /// (from, to, the master): every write started in this window must succeed, and no
    /// Sentinel may name another master in it (a fault the set must ride out unseen).
    pub steady_window: Option<(f64, f64, usize)>,
    pub quiet: bool,
}

/// What one Redis instance says about itself (`ROLE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Master,
    /// A replica: of which ordinal, and whether its link is up (`connected`).
    Replica(Option<usize>, bool),
    Other(String),
}

impl<'a> Rehearsal<'a> {
    pub fn new(cluster: &'a dyn Cluster, scenario: &'static str, quiet: bool) -> Rehearsal<'a> {
        Rehearsal {
            cluster,
            scenario,
            t0: Instant::now(),
            checks: Vec::new(),
            events: Vec::new(),
            fault: None,
            master: 0,
            planned_window: None,
            planned_more: Vec::new(),
            writes_back: None,
            zombies: None,
            snapshot_window: None,
            steady_window: None,
            quiet,
        }
    }

    pub fn now(&self) -> f64 {
        self.t0.elapsed().as_secs_f64()
    }

    pub fn replicas(&self) -> usize {
        self.cluster.spec().replicas
    }

    pub fn down_after(&self) -> f64 {
        self.cluster.spec().down_after_ms as f64 / 1000.0
    }

    pub fn failover_timeout(&self) -> f64 {
        self.cluster.spec().failover_timeout_ms as f64 / 1000.0
    }

    /// A progress line on stderr, and an event on the timeline.
    pub fn step(&mut self, what: impl Into<String>) {
        let what = what.into();
        let t = self.now();
        if !self.quiet {
            eprintln!("drill: {:<22} {t:6.1}s  {what}", self.scenario);
        }
        self.events.push((t, what));
    }

    pub fn check(
        &mut self,
        name: &str,
        passed: bool,
        measured: impl Into<String>,
        expected: impl Into<String>,
    ) {
        self.checks.push(Check {
            name: name.into(),
            passed,
            measured: measured.into(),
            expected: expected.into(),
        });
    }

    /// The fault that should make the Sentinels fail over from `old_master`.
    pub fn mark_fault(&mut self, old_master: usize) {
        self.fault = Some((self.now(), old_master));
    }

    /// From now on, writes must succeed again within down-after + `slack` seconds.
    pub fn expect_writes_back(&mut self, slack: f64) {
        self.writes_back = Some((self.now(), self.down_after() + slack));
    }

    pub fn sleep(&self, seconds: f64) {
        std::thread::sleep(Duration::from_secs_f64(seconds.max(0.0)));
    }

    /// Poll `ready` every 100 ms for up to `seconds`; the seconds it took, or `None`.
    pub fn wait_until<T>(
        &self,
        seconds: f64,
        mut ready: impl FnMut() -> Option<T>,
    ) -> Option<(f64, T)> {
        let start = Instant::now();
        let deadline = start + Duration::from_secs_f64(seconds);
        loop {
            if let Some(value) = ready() {
                return Some((start.elapsed().as_secs_f64(), value));
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn role(&self, ordinal: usize) -> Option<Role> {
        let reply = self.cluster.call(ordinal, false, &["ROLE"], ASK).ok()?;
        let items = reply.items();
        Some(match items.first().and_then(Reply::text)? {
            "master" => Role::Master,
            "slave" => Role::Replica(
                items
                    .get(1)
                    .and_then(Reply::text)
                    .and_then(|h| self.cluster.ordinal_of(h)),
                items.get(3).and_then(Reply::text) == Some("connected"),
            ),
            other => Role::Other(other.to_string()),
        })
    }

    /// The master pod `ordinal`'s Sentinel names, if it answers.
    pub fn sentinel_names(&self, ordinal: usize) -> Option<usize> {
        let name = &self.cluster.spec().master_name;
        let reply = self
            .cluster
            .call(
                ordinal,
                true,
                &["SENTINEL", "get-master-addr-by-name", name],
                ASK,
            )
            .ok()?;
        self.cluster.ordinal_of(reply.items().first()?.text()?)
    }

    /// The set is whole: one master, every other instance its connected replica, every
    /// Sentinel naming it with all replicas and all other Sentinels known. `Err` says what
    /// is not so.
    pub fn healthy(&self) -> Result<usize, String> {
        let n = self.replicas();
        let name = self.cluster.spec().master_name.clone();
        let mut named = None;
        for i in 0..n {
            let pod = self.cluster.pod_name(i);
            let reply = self
                .cluster
                .call(i, true, &["SENTINEL", "MASTER", &name], ASK)
                .map_err(|e| format!("Sentinel of {pod} does not answer: {e}"))?;
            if let Reply::Error(e) = &reply {
                return Err(format!("Sentinel of {pod}: {e}"));
            }
            let host = reply.field("ip").unwrap_or("");
            let master = self.cluster.ordinal_of(host).ok_or_else(|| {
                format!("Sentinel of {pod} names master {host:?}, not a pod of the set")
            })?;
            if *named.get_or_insert(master) != master {
                return Err(format!(
                    "Sentinels disagree: {} names {}",
                    pod,
                    self.cluster.pod_name(master)
                ));
            }
            let flags = reply.field("flags").unwrap_or("");
            if flags.contains("s_down") || flags.contains("o_down") {
                return Err(format!("Sentinel of {pod} flags the master {flags}"));
            }
            for (field, what) in [
                ("num-slaves", "replicas"),
                ("num-other-sentinels", "other Sentinels"),
            ] {
                let count = reply
                    .field(field)
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if count != n - 1 {
                    return Err(format!(
                        "Sentinel of {pod} knows {count} {what}, not {}",
                        n - 1
                    ));
                }
            }
        }
        let master = named.ok_or("no pods")?;
        for i in 0..n {
            let pod = self.cluster.pod_name(i);
            match self.role(i) {
                Some(Role::Master) if i == master => {}
                Some(Role::Replica(Some(of), true)) if i != master && of == master => {}
                other => return Err(format!("{pod} answers ROLE {other:?}")),
            }
        }
        Ok(master)
    }

    /// Wait up to `seconds` until the set is whole again; a check `name` records how long.
    pub fn settle(&mut self, name: &str, seconds: f64) -> Option<usize> {
        let since = self.now();
        self.settle_since(name, seconds, since)
    }

    /// `settle` with a deadline that started at `since` (seconds since the scenario began).
    pub fn settle_since(&mut self, name: &str, seconds: f64, since: f64) -> Option<usize> {
        self.step("waiting for the set to settle");
        let mut last = String::new();
        let left = since + seconds - self.now();
        let outcome = self.wait_until(left, || match self.healthy() {
            Ok(m) => Some(m),
            Err(e) => {
                last = e;
                None
            }
        });
        let expected = format!("≤ {seconds:.0} s");
        match outcome {
            Some((_, master)) => {
                let measured = format!(
                    "{:.1} s, master {}",
                    self.now() - since,
                    self.cluster.pod_name(master)
                );
                self.check(name, true, measured, expected);
                Some(master)
            }
            None => {
                self.check(
                    name,
                    false,
                    format!("not within {seconds:.0} s: {last}"),
                    expected,
                );
                None
            }
        }
    }

    /// A replica of the set (the highest ordinal that is not `master`).
    pub fn a_replica(&self) -> usize {
        (0..self.replicas())
            .rev()
            .find(|&i| i != self.master)
            .unwrap_or(0)
    }
}
