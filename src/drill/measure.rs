//! The numbers of a scenario, from the probe's writes and the sampler's roles.

use super::probe::Attempt;
use super::sampler::Sample;

/// Samples older than this at an instant say nothing about it (the instance stopped answering).
const STALE: f64 = 0.5;
const STEP: f64 = 0.1;

/// Per 100 ms step: (time, instances answering `ROLE master`, instances accepting writes).
pub fn role_steps(samples: &[Sample], replicas: usize, end: f64) -> Vec<(f64, usize, usize)> {
    let mut latest: Vec<Option<&Sample>> = vec![None; replicas];
    let mut sorted: Vec<&Sample> = samples.iter().collect();
    sorted.sort_by(|a, b| a.t.total_cmp(&b.t));
    let mut next = 0;
    let mut steps = Vec::new();
    let mut t = 0.0;
    while t <= end {
        while next < sorted.len() && sorted[next].t <= t {
            if let Some(slot) = latest.get_mut(sorted[next].ordinal) {
                *slot = Some(sorted[next]);
            }
            next += 1;
        }
        let fresh = latest.iter().flatten().filter(|s| t - s.t <= STALE);
        let (masters, accepting) = fresh.fold((0, 0), |(m, a), s| {
            (
                m + usize::from(s.role.as_deref() == Some("master")),
                a + usize::from(s.accepts_writes),
            )
        });
        steps.push((t, masters, accepting));
        t += STEP;
    }
    steps
}

pub fn max_masters(steps: &[(f64, usize, usize)]) -> usize {
    steps.iter().map(|s| s.1).max().unwrap_or(0)
}

pub fn split_brain_seconds(steps: &[(f64, usize, usize)]) -> f64 {
    round(steps.iter().filter(|s| s.2 >= 2).count() as f64 * STEP)
}

/// Runs of failed writes: (first failure's start, the next success's start, or the last
/// failure's end when none followed).
pub fn unavailable_windows(attempts: &[Attempt]) -> Vec<(f64, f64)> {
    let mut windows = Vec::new();
    let mut open: Option<(f64, f64)> = None;
    for attempt in attempts {
        match (&mut open, attempt.ok()) {
            (None, false) => open = Some((attempt.start, attempt.end)),
            (Some(window), false) => window.1 = attempt.end,
            (Some(window), true) => {
                windows.push((window.0, attempt.start));
                open = None;
            }
            (None, true) => {}
        }
    }
    windows.extend(open);
    windows
}

pub fn longest_unavailable(attempts: &[Attempt]) -> f64 {
    round(
        unavailable_windows(attempts)
            .iter()
            .map(|(a, b)| b - a)
            .fold(0.0, f64::max),
    )
}

pub fn total_unavailable(attempts: &[Attempt], from: f64, to: f64) -> f64 {
    round(
        unavailable_windows(attempts)
            .iter()
            .map(|(a, b)| (b.min(to) - a.max(from)).max(0.0))
            .sum(),
    )
}

/// Seconds from the fault until a Sentinel names a master other than `old`.
pub fn failover_seconds(samples: &[Sample], fault_at: f64, old: usize) -> Option<f64> {
    samples
        .iter()
        .filter(|s| s.t >= fault_at && s.sentinel_master.is_some_and(|m| m != old))
        .map(|s| s.t)
        .min_by(f64::total_cmp)
        .map(|t| round(t - fault_at))
}

/// Two decimals: the sampling is 100 ms, more digits would be noise.
pub fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(start: f64, ok: bool) -> Attempt {
        Attempt {
            start,
            end: start + 0.01,
            master: Some(0),
            error: (!ok).then(|| "x".into()),
        }
    }

    #[test]
    fn windows_run_from_first_failure_to_next_success() {
        let attempts = [
            attempt(0.0, true),
            attempt(1.0, false),
            attempt(2.0, false),
            attempt(3.0, true),
            attempt(4.0, false),
        ];
        assert_eq!(
            unavailable_windows(&attempts),
            vec![(1.0, 3.0), (4.0, 4.01)]
        );
        assert_eq!(longest_unavailable(&attempts), 2.0);
        assert_eq!(total_unavailable(&attempts, 0.0, 10.0), 2.01);
    }

    fn sample(t: f64, ordinal: usize, role: &str, accepts: bool) -> Sample {
        Sample {
            t,
            ordinal,
            role: Some(role.into()),
            accepts_writes: accepts,
            link_up: false,
            keys: None,
            sentinel_master: Some(if t < 5.0 { 0 } else { 1 }),
        }
    }

    #[test]
    fn split_brain_counts_instants_with_two_accepting_masters() {
        let mut samples = Vec::new();
        for k in 0..20 {
            let t = f64::from(k) * 0.1;
            samples.push(sample(t, 0, "master", true));
            let second = (0.5..1.0).contains(&t);
            samples.push(sample(
                t,
                1,
                if second { "master" } else { "slave" },
                second,
            ));
        }
        let steps = role_steps(&samples, 2, 1.9);
        assert_eq!(max_masters(&steps), 2);
        assert!((split_brain_seconds(&steps) - 0.5).abs() < 0.11);
    }

    #[test]
    fn failover_is_the_first_sentinel_naming_another_master() {
        let samples: Vec<Sample> = (0..100)
            .map(|k| sample(f64::from(k) * 0.1, 0, "master", true))
            .collect();
        assert_eq!(failover_seconds(&samples, 1.0, 0), Some(4.0));
        assert_eq!(failover_seconds(&samples, 1.0, 1), Some(0.0));
    }
}
