//! A schedule: faults at times and targets drawn from a seed. The generator is ChaCha8
//! (`chacha20`'s `ChaCha8Rng`, a fixed, documented stream) seeded with `seed_from_u64`; every
//! draw goes through `unit` and `below` here, so the same seed, catalogue, pod count and
//! down-after give the same schedule on any machine and with any version of `rand`.

use super::catalogue::FaultKind;
use chacha20::ChaCha8Rng;
use chacha20::rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// One pod's start within `restart-all`, `restart-all-wipe`, `staggered-stop-wipe` or
/// `one-missing`, or its stop within `staggered-stop-wipe`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Start {
    pub pod: String,
    /// Seconds after the set was stopped (a start), or after the fault began (a stop).
    pub after: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// Seconds after the set bootstrapped (the probe's first write).
    pub at: f64,
    pub fault: FaultKind,
    /// A pod name, `all`, or `master` (the pod the Sentinels name when the fault starts).
    pub target: String,
    /// Seconds until it heals (for `restart-all`: until the last start).
    pub duration: f64,
    /// `delayed-start`: the container that starts late (`redis` or `sentinel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// `one-way-cut`: `from-pod` (what the target sends is dropped) or `to-pod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// `cut-between`: the other pod of the cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// Whole-set restarts: the order and delays of the pods' starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts: Vec<Start>,
    /// `staggered-stop-wipe`: the order and times of the pods' graceful deletions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stops: Vec<Start>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub seed: u64,
    pub faults: Vec<Fault>,
}

/// What the generator needs to know about the set.
pub struct Shape<'a> {
    pub pods: &'a [String],
    pub down_after: f64,
}

/// Draws of one schedule.
struct Draw(ChaCha8Rng);

impl Draw {
    /// Uniform in [0, 1): the top 53 bits of one output.
    fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        tenths(low + (high - low) * self.unit())
    }

    /// Uniform in 0..n (n ≥ 1; the modulo bias of 2⁶⁴ mod n is negligible here).
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n.max(1) as u64) as usize
    }

    /// `pods` in a random order (Fisher–Yates), the first at 0 s, each next one between 0
    /// and `gap` seconds after the one before.
    fn staggered(&mut self, pods: &[String], gap: f64) -> Vec<Start> {
        let mut order: Vec<usize> = (0..pods.len()).collect();
        for i in (1..pods.len()).rev() {
            order.swap(i, self.below(i + 1));
        }
        let mut after = 0.0;
        let mut out = Vec::with_capacity(pods.len());
        for (k, &i) in order.iter().enumerate() {
            if k > 0 {
                after = tenths(after + self.between(0.0, gap));
            }
            out.push(Start {
                pod: pods[i].clone(),
                after,
            });
        }
        out
    }
}

/// The time of the last of `starts` (0 when there is none).
fn last(starts: &[Start]) -> f64 {
    starts.iter().map(|s| s.after).fold(0.0, f64::max)
}

/// One decimal: the JSON stays readable and a replay file says exactly what ran.
pub fn tenths(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The seed of schedule `index` of an exploration seeded with `seed`.
pub fn schedule_seed(seed: u64, index: usize) -> u64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..index).for_each(|_| {
        rng.next_u64();
    });
    rng.next_u64()
}

/// `steps` faults of `kinds` (not empty) for a set of `shape.pods`.
pub fn generate(seed: u64, steps: usize, kinds: &[FaultKind], shape: &Shape) -> Schedule {
    let mut draw = Draw(ChaCha8Rng::seed_from_u64(seed));
    let da = shape.down_after;
    let n = shape.pods.len();
    // When each pod, and the set as a whole, is free of faults again (estimated).
    let mut pod_free = vec![0.0f64; n];
    let mut set_free = 0.0f64;
    let mut clock = 0.0f64;
    let mut faults = Vec::new();
    for _ in 0..steps {
        let kind = kinds[draw.below(kinds.len())];
        let ordinal = draw.below(n);
        clock += draw.between(2.0, 8.0);
        let mut fault = Fault {
            at: 0.0,
            fault: kind,
            target: shape.pods[ordinal].clone(),
            duration: 0.0,
            container: None,
            direction: None,
            peer: None,
            starts: Vec::new(),
            stops: Vec::new(),
        };
        // Restarting a set takes a few seconds of graceful stops beyond its planned delays.
        let mut overhead = 0.0;
        // The other pod a fault holds (`cut-between`'s peer).
        let mut pair = None;
        match kind {
            FaultKind::KillRedis | FaultKind::KillSentinel => {
                fault.duration = draw.between(0.5, 2.5 * da)
            }
            FaultKind::KillPod
            | FaultKind::Partition
            | FaultKind::WipePvc
            | FaultKind::Isolate
            | FaultKind::NodeLoss => fault.duration = draw.between(0.5, 3.0 * da),
            FaultKind::OneWayCut => {
                fault.direction = Some(["from-pod", "to-pod"][draw.below(2)].to_string());
                fault.duration = draw.between(0.5, 3.0 * da);
            }
            FaultKind::CutBetween => {
                // Any other pod: the target's ordinal plus 1..n-1, modulo n.
                let other = (ordinal + 1 + draw.below(n.max(2) - 1)) % n;
                fault.peer = Some(shape.pods[other].clone());
                fault.duration = draw.between(0.5, 3.0 * da);
                pair = Some(other);
            }
            FaultKind::FreezeShort => fault.duration = draw.between(0.2 * da, 0.8 * da),
            FaultKind::FreezeLong => fault.duration = draw.between(1.2 * da, 3.0 * da),
            FaultKind::DelayedStart => {
                fault.container = Some(["redis", "sentinel"][draw.below(2)].to_string());
                fault.duration = draw.between(2.0, 20.0);
                overhead = 10.0;
            }
            FaultKind::RestartAll | FaultKind::RestartAllWipe => {
                if kind == FaultKind::RestartAll {
                    fault.target = "all".into();
                }
                fault.starts = draw.staggered(shape.pods, 12.0);
                fault.duration = last(&fault.starts);
                overhead = 15.0;
            }
            FaultKind::StaggeredStopWipe => {
                fault.stops = draw.staggered(shape.pods, 3.0);
                fault.starts = draw.staggered(shape.pods, 12.0);
                fault.duration = last(&fault.starts);
                overhead = 15.0 + last(&fault.stops);
            }
            FaultKind::OneMissing => {
                let others = shape.pods.iter().enumerate().filter(|(i, _)| *i != ordinal);
                for (_, pod) in others {
                    fault.starts.push(Start {
                        pod: pod.clone(),
                        after: draw.between(0.0, 3.0),
                    });
                }
                fault.duration = draw.between(15.0, 40.0);
                fault.starts.push(Start {
                    pod: shape.pods[ordinal].clone(),
                    after: fault.duration,
                });
                overhead = 15.0;
            }
            FaultKind::RollingRestart => {
                fault.target = "all".into();
                overhead = 15.0 * n as f64;
            }
            FaultKind::Scale => {
                // `duration`: the time at the larger size, between the two applies.
                fault.target = "all".into();
                fault.duration = draw.between(2.0, 20.0);
                overhead = 15.0 * 2.0 + 10.0;
            }
            FaultKind::PasswordRotation => {
                // Two rollouts.
                fault.target = "all".into();
                overhead = 2.0 * 15.0 * n as f64;
            }
            FaultKind::DnsNone | FaultKind::DnsLate => {
                fault.target = "all".into();
                fault.duration = draw.between(0.5, 3.0 * da);
            }
            FaultKind::DnsStale => fault.duration = draw.between(0.5, 3.0 * da),
            FaultKind::PartitionMasterSentinels => {
                // Whichever pod the Sentinels name when it starts.
                fault.target = "master".into();
                fault.duration = draw.between(0.5, 3.0 * da);
            }
        }
        let free = if kind.exclusive() {
            pod_free.iter().copied().fold(set_free, f64::max)
        } else {
            let held = pair.map_or(0.0, |p| pod_free[p]);
            pod_free[ordinal].max(held).max(set_free)
        };
        clock = tenths(clock.max(free + 1.0));
        fault.at = clock;
        let end = clock + fault.duration + overhead;
        if kind.exclusive() {
            set_free = end;
        } else {
            pod_free[ordinal] = end;
            if let Some(p) = pair {
                pod_free[p] = end;
            }
        }
        faults.push(fault);
    }
    Schedule { seed, faults }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::explore::catalogue::ALL;

    fn pods() -> Vec<String> {
        (0..3).map(|i| format!("redis-{i}")).collect()
    }

    /// `pods` with a down-after of 5 s (production's).
    fn shape_of(pods: &[String]) -> Shape<'_> {
        Shape {
            pods,
            down_after: 5.0,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_schedule_byte_for_byte() {
        let pods = pods();
        let shape = shape_of(&pods);
        let json = |seed| serde_json::to_string(&generate(seed, 8, &ALL, &shape)).expect("json");
        assert_eq!(json(7), json(7));
        assert_ne!(json(7), json(8));
        assert_eq!(schedule_seed(1, 3), schedule_seed(1, 3));
        assert_ne!(schedule_seed(1, 3), schedule_seed(1, 4));
        // The stream itself is pinned: a change of generator would change every replay.
        let first = generate(1, 1, &ALL, &shape);
        assert_eq!(
            serde_json::to_string(&first).expect("json"),
            serde_json::to_string(&generate(1, 1, &ALL, &shape)).expect("json")
        );
    }

    #[test]
    fn faults_respect_the_catalogue_bounds_and_never_overlap_on_a_target() {
        let pods = pods();
        let shape = shape_of(&pods);
        for seed in 0..200 {
            let schedule = generate(seed, 6, &ALL, &shape);
            assert_eq!(schedule.faults.len(), 6);
            let mut last_at = 0.0;
            for (k, f) in schedule.faults.iter().enumerate() {
                assert!(f.at > last_at, "{seed}: times go forward");
                last_at = f.at;
                match f.fault {
                    FaultKind::FreezeShort => assert!(f.duration < 5.0),
                    FaultKind::FreezeLong => assert!(f.duration > 5.0),
                    FaultKind::CutBetween => {
                        let peer = f.peer.as_ref().expect("a peer");
                        assert!(pods.contains(peer) && *peer != f.target, "{seed}: {f:?}");
                    }
                    _ => assert!(f.duration >= 0.0),
                }
                assert_eq!(f.peer.is_some(), f.fault == FaultKind::CutBetween);
                // The pods a fault holds: its target and a cut's other pod.
                let held = |g: &Fault| [Some(g.target.clone()), g.peer.clone()];
                for earlier in &schedule.faults[..k] {
                    let shared = held(f)
                        .iter()
                        .flatten()
                        .any(|p| held(earlier).iter().flatten().any(|q| q == p));
                    let same = shared || f.fault.exclusive() || earlier.fault.exclusive();
                    if same {
                        assert!(
                            f.at > earlier.at + earlier.duration,
                            "{seed}: {f:?} overlaps {earlier:?}"
                        );
                    }
                }
            }
        }
        let only = generate(3, 5, &[FaultKind::Partition], &shape);
        assert!(only.faults.iter().all(|f| f.fault == FaultKind::Partition));
    }

    #[test]
    fn staggered_stops_name_every_pod_once_up_to_three_seconds_apart() {
        let pods = pods();
        let shape = shape_of(&pods);
        let mut orders = std::collections::BTreeSet::new();
        for seed in 0..100 {
            let schedule = generate(seed, 3, &[FaultKind::StaggeredStopWipe], &shape);
            for f in &schedule.faults {
                assert!(pods.contains(&f.target), "{f:?}");
                for list in [&f.stops, &f.starts] {
                    let mut named: Vec<&String> = list.iter().map(|s| &s.pod).collect();
                    named.sort();
                    assert_eq!(named, pods.iter().collect::<Vec<_>>(), "{f:?}");
                    assert_eq!(list[0].after, 0.0);
                }
                for pair in f.stops.windows(2) {
                    let gap = pair[1].after - pair[0].after;
                    assert!((0.0..=3.05).contains(&gap), "{f:?}");
                }
                assert_eq!(f.duration, f.starts.last().expect("starts").after);
                orders.insert(f.stops.iter().map(|s| s.pod.clone()).collect::<Vec<_>>());
            }
        }
        // Every order of the three pods is drawn: the master is sometimes the last to stop.
        assert_eq!(orders.len(), 6);
    }
}
