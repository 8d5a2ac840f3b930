//! Shrinking a failing schedule: drop faults one at a time, then halve durations, keeping
//! each change after which a replay still breaks one of the invariants the original broke.
//! At most `budget` replays.

use super::catalogue::FaultKind;
use super::report::Violation;
use super::schedule::{Schedule, tenths};

/// The smallest failing schedule found, its violations, and the replays spent.
pub struct Shrinking {
    pub schedule: Schedule,
    pub violations: Vec<Violation>,
    pub replays: usize,
}

/// Smaller variants of `schedule`, in the order they are tried: every fault dropped (last
/// first), then every duration halved (with a whole-set restart's start delays; the gaps
/// between staggered stops are kept: they decide which replica holds the last writes).
fn candidates(schedule: &Schedule) -> Vec<Schedule> {
    let mut out = Vec::new();
    if schedule.faults.len() > 1 {
        for k in (0..schedule.faults.len()).rev() {
            let mut smaller = schedule.clone();
            smaller.faults.remove(k);
            out.push(smaller);
        }
    }
    for k in 0..schedule.faults.len() {
        let fault = &schedule.faults[k];
        // A freeze keeps its side of down-after: halving would make it another fault.
        let keeps_kind = !matches!(fault.fault, FaultKind::FreezeShort | FaultKind::FreezeLong);
        if keeps_kind && fault.duration >= 1.0 {
            let mut shorter = schedule.clone();
            let f = &mut shorter.faults[k];
            f.duration = tenths(f.duration / 2.0);
            for start in &mut f.starts {
                start.after = tenths(start.after / 2.0);
            }
            out.push(shorter);
        }
    }
    out
}

pub fn shrink(
    schedule: &Schedule,
    original: &[Violation],
    budget: usize,
    mut replay: impl FnMut(&Schedule) -> Option<Vec<Violation>>,
) -> Shrinking {
    let still_fails = |found: &[Violation]| {
        found
            .iter()
            .any(|v| original.iter().any(|o| o.invariant == v.invariant))
    };
    let mut best = Shrinking {
        schedule: schedule.clone(),
        violations: original.to_vec(),
        replays: 0,
    };
    // Candidates of the current best; restarted from the smaller schedule after each success.
    let mut queue = candidates(schedule);
    queue.reverse();
    while best.replays < budget {
        let Some(candidate) = queue.pop() else { break };
        best.replays += 1;
        if let Some(found) = replay(&candidate).filter(|f| still_fails(f)) {
            best.schedule = candidate;
            best.violations = found;
            queue = candidates(&best.schedule);
            queue.reverse();
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::explore::schedule::Fault;

    fn fault(at: f64, kind: FaultKind, duration: f64) -> Fault {
        Fault {
            at,
            fault: kind,
            target: "redis-0".into(),
            duration,
            container: None,
            direction: None,
            peer: None,
            starts: Vec::new(),
            stops: Vec::new(),
        }
    }

    #[test]
    fn keeps_only_the_fault_that_breaks_the_invariant_and_shortens_it() {
        let schedule = Schedule {
            seed: 1,
            faults: vec![
                fault(2.0, FaultKind::Partition, 4.0),
                fault(9.0, FaultKind::WipePvc, 8.0),
                fault(20.0, FaultKind::FreezeShort, 2.0),
            ],
        };
        let broke = vec![Violation::new("I4", 10.0, "collapse")];
        // The stand-in set breaks I4 whenever a wipe of at least 2 s is in the schedule.
        let shrunk = shrink(&schedule, &broke, 20, |s| {
            let fails = s
                .faults
                .iter()
                .any(|f| f.fault == FaultKind::WipePvc && f.duration >= 2.0);
            Some(if fails { broke.clone() } else { Vec::new() })
        });
        assert_eq!(shrunk.schedule.faults.len(), 1);
        assert_eq!(shrunk.schedule.faults[0].fault, FaultKind::WipePvc);
        assert_eq!(shrunk.schedule.faults[0].duration, 2.0);
        assert!(shrunk.replays <= 20);
        let bounded = shrink(&schedule, &broke, 1, |_| None);
        assert_eq!(bounded.replays, 1);
        assert_eq!(bounded.schedule, schedule);
    }
}
