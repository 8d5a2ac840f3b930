//! The kubelet's prober (`pkg/kubelet/prober/worker.go`): one worker thread per probe of
//! each container, for the pod's lifetime, ticking every `periodSeconds` from its start
//! (so a slow probe delays no other probe, and no restart). A tick probes only a running
//! container past its `initialDelaySeconds`; readiness and liveness wait for the startup
//! probe. A result counts only once it repeats `failureThreshold` (default 3) or
//! `successThreshold` (default 1) times in a row; a liveness or startup failure that counts
//! puts the worker on hold until the container is restarted (a new instance). When the
//! startup probe passes, the kubelet runs the readiness probe at once (its status update
//! triggers it) instead of waiting for the next tick.
//! <https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/>,
//! <https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe>.

use k8s_openapi::api::core::v1::Probe;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Startup,
    Readiness,
    Liveness,
}

/// What a worker finds at its tick.
pub enum Due {
    /// The pod is gone: the worker ends.
    Stop,
    /// Nothing to probe now (not running, within the initial delay, waiting for startup).
    Skip,
    /// Probe this instance of the container (a number that changes at each restart).
    Run(u64),
}

/// The pod the workers probe.
pub trait Target: Send + Sync + 'static {
    /// Whether the worker of `container`'s `kind` probe still has a pod to probe.
    fn alive(&self) -> bool;
    fn due(&self, container: &str, kind: Kind, probe: &Probe) -> Due;
    /// A run asked for before the next tick (readiness, once the container started).
    fn triggered(&self, container: &str, kind: Kind) -> bool;
    /// Run the probe: did it pass?
    fn run(&self, container: &str, probe: &Probe) -> bool;
    /// A result reached its threshold.
    fn publish(&self, container: &str, instance: u64, kind: Kind, passed: bool, probe: &Probe);
}

/// How often a waiting worker looks for a trigger or the pod's end.
const POLL: Duration = Duration::from_millis(50);

fn seconds(value: Option<i32>, default: i32) -> Duration {
    Duration::from_secs(u64::try_from(value.unwrap_or(default)).unwrap_or(0))
}

/// The probe's period (`periodSeconds`, default 10 s, at least 1 s).
pub fn period(probe: &Probe) -> Duration {
    seconds(probe.period_seconds, 10).max(Duration::from_secs(1))
}

/// The run of equal results of one probe (`lastResult`, `resultRun`).
#[derive(Default)]
pub struct Threshold {
    last: Option<bool>,
    run: i32,
}

impl Threshold {
    /// One result; `Some(result)` once it has repeated its threshold times.
    pub fn record(&mut self, passed: bool, probe: &Probe) -> Option<bool> {
        if self.last == Some(passed) {
            self.run = self.run.saturating_add(1);
        } else {
            self.last = Some(passed);
            self.run = 1;
        }
        let threshold = if passed {
            probe.success_threshold.unwrap_or(1)
        } else {
            probe.failure_threshold.unwrap_or(3)
        };
        (self.run >= threshold).then_some(passed)
    }
}

/// Start the worker of `container`'s `kind` probe.
pub fn spawn<T: Target>(
    target: Arc<T>,
    container: String,
    kind: Kind,
    probe: Probe,
) -> JoinHandle<()> {
    std::thread::spawn(move || work(&*target, &container, kind, &probe))
}

fn work<T: Target>(target: &T, container: &str, kind: Kind, probe: &Probe) {
    let period = period(probe);
    let mut next_tick = Instant::now();
    let mut threshold = Threshold::default();
    let mut instance = None;
    let mut on_hold = false;
    loop {
        loop {
            if !target.alive() {
                return;
            }
            let now = Instant::now();
            if now >= next_tick {
                while next_tick <= now {
                    next_tick += period;
                }
                break;
            }
            if target.triggered(container, kind) {
                break;
            }
            std::thread::sleep(POLL.min(next_tick - now));
        }
        let current = match target.due(container, kind, probe) {
            Due::Stop => return,
            Due::Skip => continue,
            Due::Run(current) => current,
        };
        if instance != Some(current) {
            instance = Some(current);
            threshold = Threshold::default();
            on_hold = false;
        }
        if on_hold {
            continue;
        }
        let passed = target.run(container, probe);
        if let Some(result) = threshold.record(passed, probe) {
            if !result && kind != Kind::Readiness {
                on_hold = true;
                threshold = Threshold::default();
            }
            target.publish(container, current, kind, result, probe);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn probe(period: i32, failure: i32, success: i32) -> Probe {
        Probe {
            period_seconds: Some(period),
            failure_threshold: Some(failure),
            success_threshold: Some(success),
            ..Probe::default()
        }
    }

    #[test]
    fn a_result_counts_once_it_repeats_its_threshold() {
        let p = probe(1, 2, 3);
        let mut t = Threshold::default();
        let got: Vec<Option<bool>> = [false, true, true, true, true, false, false, false]
            .into_iter()
            .map(|r| t.record(r, &p))
            .collect();
        assert_eq!(
            got,
            [
                None,
                None,
                None,
                Some(true),
                Some(true),
                None,
                Some(false),
                Some(false)
            ]
        );
        // Defaults: failureThreshold 3, successThreshold 1.
        let mut t = Threshold::default();
        let d = Probe::default();
        assert_eq!(t.record(true, &d), Some(true));
        assert_eq!(t.record(false, &d), None);
        assert_eq!(t.record(false, &d), None);
        assert_eq!(t.record(false, &d), Some(false));
    }

    /// A pod with a slow liveness probe (blocks 3 s) and a fast readiness probe that fails.
    struct Slow {
        alive: AtomicBool,
        started: Instant,
        published: Mutex<Vec<(Kind, bool, f64)>>,
    }

    impl Target for Slow {
        fn alive(&self) -> bool {
            self.alive.load(Ordering::SeqCst)
        }
        fn due(&self, _: &str, _: Kind, _: &Probe) -> Due {
            Due::Run(1)
        }
        fn triggered(&self, _: &str, _: Kind) -> bool {
            false
        }
        fn run(&self, _: &str, probe: &Probe) -> bool {
            if probe.timeout_seconds == Some(3) {
                std::thread::sleep(Duration::from_secs(3));
                return true;
            }
            false
        }
        fn publish(&self, _: &str, _: u64, kind: Kind, passed: bool, _: &Probe) {
            let at = self.started.elapsed().as_secs_f64();
            self.published.lock().unwrap().push((kind, passed, at));
        }
    }

    #[test]
    fn each_probe_has_its_own_thread_and_its_failure_threshold() {
        let target = Arc::new(Slow {
            alive: AtomicBool::new(true),
            started: Instant::now(),
            published: Mutex::new(Vec::new()),
        });
        let slow = Probe {
            timeout_seconds: Some(3),
            ..probe(1, 1, 1)
        };
        let workers = [
            spawn(Arc::clone(&target), "c".into(), Kind::Liveness, slow),
            spawn(
                Arc::clone(&target),
                "c".into(),
                Kind::Readiness,
                probe(1, 2, 1),
            ),
        ];
        std::thread::sleep(Duration::from_millis(2500));
        target.alive.store(false, Ordering::SeqCst);
        for w in workers {
            w.join().unwrap();
        }
        let published = target.published.lock().unwrap().clone();
        // Readiness failed at 0 s and 1 s: not ready from the second failure (at ~1 s), while
        // the liveness probe was still running its first 3 s; one probe after another would
        // have published nothing before 3 s.
        let first = published.first().expect("readiness published");
        assert_eq!((first.0, first.1), (Kind::Readiness, false));
        assert!((0.9..2.0).contains(&first.2), "{published:?}");
        assert!(
            !published.iter().any(|p| p.0 == Kind::Liveness && p.2 < 2.5),
            "{published:?}"
        );
    }
}
