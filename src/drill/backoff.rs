//! The kubelet's restart back-off of one container (CrashLoopBackOff), as documented in
//! <https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts>:
//! "the kubelet restarts them with an exponential backoff delay (10s, 20s, 40s, …), that is
//! capped at 300 seconds (5 minutes). Once a container has executed for 10 minutes without
//! any problems, the kubelet resets the restart backoff timer for that container."
//!
//! In the kubelet's code (`kuberuntime_manager.go` `doBackOff`, client-go
//! `util/flowcontrol/backoff.go`) the first exit of a container has no back-off entry yet, so
//! it is restarted at the next sync; that restart records an entry of 10 s. A later exit is
//! restarted only once the entry's delay has passed since the container finished, and each
//! such restart doubles the entry (capped at 300 s). An entry older than twice the cap
//! (10 minutes) at the time of an exit is dropped: the container counts as stable again. The
//! key includes the pod's UID, so a recreated pod starts without entries.
//!
//! The kubelet notices an exit at its next relist of the runtime (the generic PLEG, every
//! second: `genericPlegRelistPeriod` in `kubelet.go`); [`RELIST`] is that period.

use std::time::{Duration, Instant};

/// The first delay after a restart (`backOffPeriod`).
pub const INITIAL: Duration = Duration::from_secs(10);
/// The cap (`MaxContainerBackOff`).
pub const MAX: Duration = Duration::from_secs(300);
/// How often the kubelet lists the containers to notice exits (generic PLEG).
pub const RELIST: Duration = Duration::from_secs(1);

/// The first relist at or after `at`, relists being every [`RELIST`] from `epoch`.
pub fn next_relist(epoch: Instant, at: Instant) -> Instant {
    let since = at.saturating_duration_since(epoch).as_nanos();
    let period = RELIST.as_nanos();
    let ticks = since.div_ceil(period);
    epoch + RELIST * u32::try_from(ticks).unwrap_or(u32::MAX)
}

/// The back-off entry of one container of one pod.
#[derive(Clone, Copy, Debug, Default)]
pub struct BackOff {
    /// (delay, when it was last set), once the container has been restarted after an exit.
    entry: Option<(Duration, Instant)>,
}

impl BackOff {
    /// When a container that finished at `finished` may start again (the kubelet's
    /// `IsInBackOffSince`: with no live entry, at once).
    pub fn restart_at(&self, finished: Instant) -> Instant {
        match self.live_entry(finished) {
            Some((delay, _)) => finished + delay,
            None => finished,
        }
    }

    /// The container is restarted after an exit at `finished`, at `now` (`Next`): the entry
    /// starts at 10 s, or doubles up to 300 s.
    pub fn restarted(&mut self, finished: Instant, now: Instant) {
        let delay = match self.live_entry(finished) {
            Some((delay, _)) => (delay * 2).min(MAX),
            None => INITIAL,
        };
        self.entry = Some((delay, now));
    }

    /// A running container the kubelet killed (a liveness or startup failure), the kill done at
    /// `killed`. The kubelet kills and starts in one sync, judging the back-off by the status
    /// it read before the kill: by the exit before this one (`previous`), if any. Returns when
    /// it starts again and the exit that restart is judged by (see [`BackOff::restarted`]):
    /// at once, unless the exit before was still within its delay; then the next sync sees
    /// this kill as the newest exit and waits for the delay from it.
    pub fn after_kill(
        &self,
        previous: Option<Instant>,
        killed: Instant,
    ) -> (Instant, Option<Instant>) {
        match previous {
            Some(previous) if self.restart_at(previous) > killed => {
                (self.restart_at(killed), Some(killed))
            }
            previous => (killed, previous),
        }
    }

    /// The entry, unless it expired (set more than twice the cap before `at`).
    fn live_entry(&self, at: Instant) -> Option<(Duration, Instant)> {
        self.entry
            .filter(|&(_, updated)| at.saturating_duration_since(updated) <= MAX * 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// Exits `exits` times, each right after the restart before it; the delays the kubelet
    /// waits before each restart.
    fn delays(exits: usize) -> Vec<u64> {
        let mut backoff = BackOff::default();
        let mut now = Instant::now();
        let mut out = Vec::new();
        for _ in 0..exits {
            let at = backoff.restart_at(now);
            out.push(at.duration_since(now).as_secs());
            backoff.restarted(now, at);
            now = at + Duration::from_millis(100);
        }
        out
    }

    #[test]
    fn first_restart_at_once_then_ten_seconds_doubling_to_five_minutes() {
        assert_eq!(delays(9), [0, 10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn ten_minutes_after_the_last_restart_the_entry_is_forgotten() {
        let mut backoff = BackOff::default();
        let t0 = Instant::now();
        backoff.restarted(t0, t0);
        backoff.restarted(t0 + secs(11), t0 + secs(11));
        // 20 s now; an exit within 10 minutes of the last restart waits for it.
        let exit = t0 + secs(11) + secs(599);
        assert_eq!(backoff.restart_at(exit), exit + secs(20));
        // Later than that: stable again, restarted at once, and the entry starts over.
        let exit = t0 + secs(11) + secs(601);
        assert_eq!(backoff.restart_at(exit), exit);
        backoff.restarted(exit, exit);
        assert_eq!(backoff.restart_at(exit + secs(1)), exit + secs(11));
    }

    #[test]
    fn a_killed_container_starts_at_once_unless_the_exit_before_is_within_its_delay() {
        let t0 = Instant::now();
        let fresh = BackOff::default();
        assert_eq!(fresh.after_kill(None, t0), (t0, None));
        let mut backoff = BackOff::default();
        backoff.restarted(t0, t0);
        // Killed long after the last exit's 10 s: at once, judged by that exit (doubles).
        assert_eq!(
            backoff.after_kill(Some(t0), t0 + secs(60)),
            (t0 + secs(60), Some(t0))
        );
        // Killed 5 s after an exit whose delay is 10 s: waits 10 s from the kill.
        assert_eq!(
            backoff.after_kill(Some(t0), t0 + secs(5)),
            (t0 + secs(15), Some(t0 + secs(5)))
        );
    }
}
