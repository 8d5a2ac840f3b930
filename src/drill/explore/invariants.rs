//! The four invariants every schedule is judged by (`docs/explore.md` defines them):
//! I1 split brain, I2 durability, I3 recovery, I4 no total loss.

use super::report::Violation;
#[cfg(test)]
use super::runner::Apart;
use super::runner::{Injected, Run};
use crate::drill::measure;
use crate::drill::probe::ProbeLog;
use crate::drill::sampler::Sample;

/// A master holding less than this share of what a healthy replica held before the fault
/// has lost the data set (I4).
const COLLAPSE: f64 = 0.5;
/// Below this many keys a baseline says nothing (the probe writes ~50 a second).
const MIN_BASELINE: u64 = 20;
/// I3: after the last heal, writes must succeed within down-after plus this.
const WRITE_RECOVERY: f64 = 10.0;

pub struct Facts {
    pub down_after: f64,
    pub wait_replicas: u32,
    pub min_replicas_to_write: u32,
    pub min_replicas_max_lag: u32,
    /// Pod names by ordinal.
    pub pods: Vec<String>,
    /// Every ordinal the set may hold a pod at: more than `pods` when a `scale` adds pods,
    /// and any of them accepting writes counts for I1.
    pub ordinals: usize,
}

/// The lost acknowledged writes, and how many of them the profile allows (I2).
pub struct Losses {
    pub lost: usize,
    pub allowed: usize,
}

pub fn judge(run: &Run, facts: &Facts) -> (Vec<Violation>, Losses) {
    let mut violations = run.findings.clone();
    let rec = &run.recorded;
    if !rec.booted {
        let why: Vec<String> = rec
            .rehearsal
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| format!("{}: {}", c.name, c.measured))
            .collect();
        violations.push(Violation::new(
            "I3",
            0.0,
            format!("the set did not bootstrap: {}", why.join("; ")),
        ));
        return (
            violations,
            Losses {
                lost: 0,
                allowed: 0,
            },
        );
    }
    split_brain(
        &rec.samples,
        facts.ordinals,
        rec.rehearsal.now(),
        &mut violations,
    );
    let losses = durability(run, facts, &mut violations);
    recovery(run, facts, &mut violations);
    total_loss(&rec.samples, &run.injected, &facts.pods, &mut violations);
    violations.sort_by(|a, b| a.at.total_cmp(&b.at));
    // On the schedule's clock, as the faults' `at`.
    for v in &mut violations {
        v.at = measure::round(v.at - run.base);
    }
    (violations, losses)
}

/// I1: the existing `split_brain_seconds` measure; its first instant.
fn split_brain(samples: &[Sample], replicas: usize, end: f64, out: &mut Vec<Violation>) {
    let steps = measure::role_steps(samples, replicas, end);
    let seconds = measure::split_brain_seconds(&steps);
    if let Some(first) = steps.iter().find(|s| s.2 >= 2) {
        out.push(Violation::new(
            "I1",
            first.0,
            format!(
                "{seconds:.1} s with two or more instances accepting writes (max {} masters)",
                measure::max_masters(&steps)
            ),
        ));
    }
}

/// When the probe acknowledged key `key` (`<prefix>:<serial>`, one attempt per serial).
fn acknowledged_at(probe: &ProbeLog, key: &str) -> Option<f64> {
    let serial: usize = key.rsplit(':').next()?.parse().ok()?;
    probe.attempts.get(serial.checked_sub(1)?).map(|a| a.end)
}

/// I2: every acknowledged write reads back; without `WAIT` a write acknowledged within
/// down-after before a fault that hit the master, or while it was stopping, may be gone.
fn durability(run: &Run, facts: &Facts, out: &mut Vec<Violation>) -> Losses {
    let probe = &run.recorded.probe;
    let Some(missing) = &run.missing else {
        out.push(Violation::new(
            "I2",
            run.recorded.rehearsal.now(),
            "no master answered at the end: the acknowledged writes could not be read back",
        ));
        return Losses {
            lost: probe.acknowledged.len(),
            allowed: 0,
        };
    };
    let mut sorted: Vec<&Sample> = run.recorded.samples.iter().collect();
    sorted.sort_by(|a, b| a.t.total_cmp(&b.t));
    let switches: Vec<Option<f64>> = run
        .injected
        .iter()
        .map(|f| {
            let until = f.healed.unwrap_or(f64::INFINITY);
            f.sentinels_only
                .then(|| switch_between(&sorted, f.at, until, facts.pods.len()))
                .flatten()
        })
        .collect();
    let together = cut_off_together(&run.injected, facts.pods.len());
    let mut allowed = 0;
    let mut first_forbidden: Option<f64> = None;
    for &k in missing {
        let at = probe
            .acknowledged
            .get(k)
            .and_then(|key| acknowledged_at(probe, key))
            .unwrap_or(0.0);
        if excused(at, &run.injected, &switches, facts) || excused_together(at, &together, facts) {
            allowed += 1;
        } else if first_forbidden.is_none_or(|t| at < t) {
            first_forbidden = Some(at);
        }
    }
    if let Some(at) = first_forbidden {
        let what = if facts.wait_replicas == 0 {
            format!(
                "{allowed} of them within down-after before a master failure, or taken alone \
                 by a master cut off from its peers (allowed without WAIT)"
            )
        } else {
            format!("WAIT {} acknowledged every one", facts.wait_replicas)
        };
        out.push(Violation::new(
            "I2",
            at,
            format!(
                "{} of {} acknowledged writes lost ({what})",
                missing.len(),
                probe.acknowledged.len()
            ),
        ));
    }
    Losses {
        lost: missing.len(),
        allowed,
    }
}

/// Whether a write acknowledged at `at` may be gone (I2). Only without `WAIT`: when it came
/// within down-after before a fault that hit the master and until what it stopped was down;
/// and, for a fault that cut the master off from its peers, while it still took writes alone
/// (Redis Sentinel docs, "Consistency under partitions"): with `min-replicas-to-write`, for
/// `min-replicas-max-lag` seconds after the cut plus one (replicas acknowledge once a
/// second); without it, until down-after after the heal (it takes writes until the
/// Sentinels demote it). A master cut off from the Sentinels only keeps its replicas, so a
/// write it takes is at risk as before a crash until the Sentinels name another master
/// (`switches`, per fault), or until the cut heals when they never do.
fn excused(at: f64, injected: &[Injected], switches: &[Option<f64>], facts: &Facts) -> bool {
    facts.wait_replicas == 0
        && injected
            .iter()
            .zip(switches)
            .filter(|(f, _)| f.hit_master)
            .any(|(f, switch)| {
                let until = match (f.cuts_off, facts.min_replicas_to_write) {
                    _ if f.sentinels_only => switch.or(f.healed).unwrap_or(f64::INFINITY),
                    (false, _) => f.down,
                    (true, 0) => f.healed.unwrap_or(f64::INFINITY).max(f.down) + facts.down_after,
                    (true, _) => f
                        .down
                        .max(f.at + f64::from(facts.min_replicas_max_lag) + 1.0),
                };
                at >= f.at - facts.down_after && at <= until
            })
}

/// A stretch in which faults together cut the master off from every other pod, though
/// maybe none alone did (`isolate redis-1` beside `cut-between redis-2 redis-0`: no replica
/// hears `redis-0`, which clients still reach).
#[derive(Debug, PartialEq)]
struct Together {
    /// When the last of those faults began (timeline clock).
    start: f64,
    /// When the first pod could hear the master again (a fault keeping it apart healed).
    end: f64,
}

/// Each fault that completed such a cut: the master the Sentinels named just before it, and
/// every other pod (of `pods`) kept apart from it by a fault still on then. Where several
/// faults keep a pod apart, the one that heals last counts.
fn cut_off_together(injected: &[Injected], pods: usize) -> Vec<Together> {
    if pods < 2 {
        return Vec::new();
    }
    injected
        .iter()
        .enumerate()
        .filter_map(|(k, last)| {
            let master = last.master?;
            last.apart?;
            let on: Vec<&Injected> = injected[..=k]
                .iter()
                .filter(|f| f.healed.is_none_or(|h| h > last.at))
                .collect();
            let mut end = f64::INFINITY;
            for pod in (0..pods).filter(|&p| p != master) {
                let heard_again = on
                    .iter()
                    .filter(|f| f.apart.is_some_and(|a| a.separates(master, pod)))
                    .map(|f| f.healed.unwrap_or(f64::INFINITY))
                    .reduce(f64::max)?;
                end = end.min(heard_again);
            }
            Some(Together {
                start: last.at,
                end,
            })
        })
        .collect()
}

/// Whether a write acknowledged at `at` may be gone because the master took it alone while
/// faults together cut it off (I2): the single cut's rule of `excused`, on the stretch.
fn excused_together(at: f64, together: &[Together], facts: &Facts) -> bool {
    facts.wait_replicas == 0
        && together.iter().any(|t| {
            let until = match facts.min_replicas_to_write {
                0 => t.end + facts.down_after,
                _ => t.start + f64::from(facts.min_replicas_max_lag) + 1.0,
            };
            at >= t.start - facts.down_after && at <= until
        })
}

/// I3: once every fault healed, writes succeed within down-after + 10 s and every pod holds
/// a role with its link up within 60 s.
fn recovery(run: &Run, facts: &Facts, out: &mut Vec<Violation>) {
    let Some(healed) = run.healed else { return };
    if let Err(wrong) = &run.recovery {
        out.push(Violation::new(
            "I3",
            healed + 60.0,
            format!("60 s after the last heal the set is not whole: {wrong}"),
        ));
    }
    let bound = facts.down_after + WRITE_RECOVERY;
    let first_ok = run
        .recorded
        .probe
        .attempts
        .iter()
        .find(|a| a.ok() && a.start >= healed)
        .map(|a| a.start - healed);
    if first_ok.is_none_or(|t| t > bound) {
        out.push(Violation::new(
            "I3",
            healed + bound,
            match first_ok {
                Some(t) => format!(
                    "first write after the last heal succeeded after {t:.1} s (bound {bound:.1} s)"
                ),
                None => format!("no write succeeded after the last heal (bound {bound:.1} s)"),
            },
        ));
    }
}

/// How far around a master's sample the Sentinels' samples are read (the sampler asks every
/// pod once per 100 ms; a busy pod answers later).
const NAMED_WINDOW: f64 = 1.0;

/// Whether a majority of the set's Sentinels named pod `ordinal` at time `t`: each pod's
/// Sentinel sample nearest to `t` within NAMED_WINDOW.
fn named_by_majority(sorted: &[&Sample], ordinal: usize, t: f64, pods: usize) -> bool {
    let naming = (0..pods)
        .filter(|&p| {
            sorted
                .iter()
                .filter(|s| s.ordinal == p && (s.t - t).abs() <= NAMED_WINDOW)
                .min_by(|a, b| (a.t - t).abs().total_cmp(&(b.t - t).abs()))
                .is_some_and(|s| s.sentinel_master == Some(ordinal))
        })
        .count();
    naming * 2 > pods
}

/// The first sample time in (`from`, `until`] at which a majority of the Sentinels name
/// another pod than the one they named at `from` (none: they named none then).
fn switch_between(sorted: &[&Sample], from: f64, until: f64, pods: usize) -> Option<f64> {
    let named_at = |t: f64| (0..pods).find(|&p| named_by_majority(sorted, p, t, pods));
    let before = named_at(from)?;
    let mut times: Vec<f64> = sorted
        .iter()
        .map(|s| s.t)
        .filter(|&t| t > from && t <= until)
        .collect();
    times.dedup();
    times
        .into_iter()
        .find(|&t| named_at(t).is_some_and(|p| p != before))
}

/// I4: the set's master — a pod answering `ROLE` master that a majority of the Sentinels
/// name, so the one clients are sent to and the replicas follow — never holds less than
/// half of what a healthy replica (link up) held before the latest fault, on two samples in
/// a row (one could be a restart's loading instant). A deposed master back from a freeze
/// or a partition answers `ROLE` master with what it held then until the Sentinels demote
/// it; it is not the data set, and what it takes meanwhile is I2's to count.
fn total_loss(
    samples: &[Sample],
    injected: &[Injected],
    pods: &[String],
    out: &mut Vec<Violation>,
) {
    let mut sorted: Vec<&Sample> = samples.iter().collect();
    sorted.sort_by(|a, b| a.t.total_cmp(&b.t));
    let baseline = |t: f64| -> u64 {
        let Some(fault) = injected.iter().map(|f| f.at).rev().find(|&at| at <= t) else {
            return 0;
        };
        sorted
            .iter()
            .filter(|s| s.t <= fault && s.role.as_deref() == Some("slave") && s.link_up)
            .filter_map(|s| s.keys)
            .max()
            .unwrap_or(0)
    };
    let mut low: Vec<Option<&Sample>> = Vec::new();
    for s in sorted.iter().copied() {
        if low.len() <= s.ordinal {
            low.resize(s.ordinal + 1, None);
        }
        let (Some("master"), Some(keys)) = (s.role.as_deref(), s.keys) else {
            low[s.ordinal] = None;
            continue;
        };
        let base = baseline(s.t);
        if base < MIN_BASELINE
            || keys as f64 >= base as f64 * COLLAPSE
            || !named_by_majority(&sorted, s.ordinal, s.t, pods.len())
        {
            low[s.ordinal] = None;
            continue;
        }
        if let Some(first) = low[s.ordinal] {
            out.push(Violation::new(
                "I4",
                first.t,
                format!(
                    "{} answers ROLE master with {} keys; a healthy replica held {base} before the fault",
                    pods.get(s.ordinal).map_or("?", String::as_str),
                    first.keys.unwrap_or(0)
                ),
            ));
            return;
        }
        low[s.ordinal] = Some(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three pods sampled every 0.1 s for 4 s: pod 0 master with 100 keys until the fault at
    /// 1 s, pod 1 a replica with 100 until then; from 2 s pod `low` answers `ROLE` master with
    /// 5 keys, and every Sentinel names pod `named`.
    fn samples(low: usize, named: usize) -> Vec<Sample> {
        let mut out = Vec::new();
        for tick in 0..40 {
            let t = f64::from(tick) / 10.0;
            for ordinal in 0..3 {
                let (role, keys) = match (ordinal, t < 1.0) {
                    (0, true) => ("master", 100),
                    (_, true) => ("slave", 100),
                    (o, false) if o == low && t >= 2.0 => ("master", 5),
                    (o, false) if o == named => ("master", 100),
                    _ => ("slave", 100),
                };
                out.push(Sample {
                    t,
                    ordinal,
                    role: Some(role.to_string()),
                    accepts_writes: role == "master",
                    link_up: role == "slave",
                    keys: Some(keys),
                    sentinel_master: Some(if t < 1.0 { 0 } else { named }),
                });
            }
        }
        out
    }

    fn judged(samples: &[Sample]) -> Vec<Violation> {
        let injected = [Injected {
            at: 1.0,
            down: 1.0,
            hit_master: true,
            cuts_off: false,
            sentinels_only: false,
            healed: None,
            master: Some(0),
            apart: None,
        }];
        let pods: Vec<String> = (0..3).map(|i| format!("redis-{i}")).collect();
        let mut out = Vec::new();
        total_loss(samples, &injected, &pods, &mut out);
        out
    }

    #[test]
    fn a_named_master_holding_a_fraction_of_the_data_is_a_total_loss() {
        let found = judged(&samples(1, 1));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].invariant, "I4");
        assert!(
            found[0]
                .detail
                .contains("redis-1 answers ROLE master with 5 keys")
        );
    }

    #[test]
    fn a_deposed_master_no_sentinel_names_is_not_the_data_set() {
        // Pod 0 returns from a freeze with old data while the Sentinels name pod 1.
        assert!(judged(&samples(0, 1)).is_empty());
    }

    /// Down-after 5 s, `min-replicas-max-lag` 3 s, three pods.
    fn facts(wait_replicas: u32, min_replicas_to_write: u32) -> Facts {
        Facts {
            down_after: 5.0,
            wait_replicas,
            min_replicas_to_write,
            min_replicas_max_lag: 3,
            pods: Vec::new(),
            ordinals: 3,
        }
    }

    #[test]
    fn writes_a_cut_off_master_took_alone_are_allowed_only_without_wait() {
        let isolated = |hit_master| Injected {
            at: 10.0,
            down: 10.0,
            hit_master,
            cuts_off: true,
            sentinels_only: false,
            healed: Some(20.0),
            master: Some(0),
            apart: Some(Apart::Off(0)),
        };
        let unsafe_set = facts(0, 0);
        // Before the cut (within down-after), during it, and down-after after the heal.
        for at in [5.0, 12.0, 19.9, 25.0] {
            assert!(excused(at, &[isolated(true)], &[None], &unsafe_set), "{at}");
        }
        assert!(!excused(4.9, &[isolated(true)], &[None], &unsafe_set));
        assert!(!excused(25.1, &[isolated(true)], &[None], &unsafe_set));
        // With min-replicas-to-write, only while the lag allows (3 s, plus the second between
        // a replica's acknowledgements).
        let fenced = facts(0, 1);
        assert!(excused(13.9, &[isolated(true)], &[None], &fenced));
        assert!(!excused(14.1, &[isolated(true)], &[None], &fenced));
        // A cut replica excuses nothing; neither does WAIT.
        assert!(!excused(12.0, &[isolated(false)], &[None], &unsafe_set));
        assert!(!excused(12.0, &[isolated(true)], &[None], &facts(1, 0)));
        // A fault that does not cut the master off excuses only up to its stop.
        let killed = Injected {
            cuts_off: false,
            ..isolated(true)
        };
        assert!(excused(
            8.0,
            std::slice::from_ref(&killed),
            &[None],
            &unsafe_set
        ));
        assert!(!excused(12.0, &[killed], &[None], &unsafe_set));
        // Cut off from the Sentinels only, it keeps its replicas: at risk until the
        // Sentinels name another master (at 16 s), or until the heal when they never do.
        let unwatched = Injected {
            cuts_off: false,
            sentinels_only: true,
            ..isolated(true)
        };
        let fenced_unwatched = std::slice::from_ref(&unwatched);
        assert!(excused(15.9, fenced_unwatched, &[Some(16.0)], &fenced));
        assert!(!excused(16.1, fenced_unwatched, &[Some(16.0)], &fenced));
        assert!(excused(19.9, fenced_unwatched, &[None], &fenced));
        assert!(!excused(20.1, fenced_unwatched, &[None], &fenced));
        assert!(!excused(
            15.0,
            fenced_unwatched,
            &[Some(16.0)],
            &facts(1, 1)
        ));
    }

    #[test]
    fn the_sentinels_switch_when_a_majority_names_another_pod() {
        let sorted = |samples: &[Sample]| -> Vec<Sample> {
            let mut v = samples.to_vec();
            v.sort_by(|a, b| a.t.total_cmp(&b.t));
            v
        };
        let switched = sorted(&samples(2, 1));
        let refs: Vec<&Sample> = switched.iter().collect();
        assert_eq!(switch_between(&refs, 0.5, 4.0, 3), Some(1.0));
        assert_eq!(switch_between(&refs, 0.5, 0.9, 3), None);
        let kept = sorted(&samples(2, 0));
        let refs: Vec<&Sample> = kept.iter().collect();
        assert_eq!(switch_between(&refs, 0.5, 4.0, 3), None);
    }

    #[test]
    fn faults_that_together_cut_the_master_off_open_a_stretch() {
        // Seed 43's schedule 11, shrunk: redis-1 isolated at 2.5 s until 16.6 s; redis-2
        // and redis-0 (the master) cut apart at 6.6 s until 20.0 s.
        let fault = |at, healed, apart| Injected {
            at,
            down: at,
            hit_master: false,
            cuts_off: false,
            sentinels_only: false,
            healed: Some(healed),
            master: Some(0),
            apart: Some(apart),
        };
        let isolate = fault(2.5, 16.6, Apart::Off(1));
        let cut = fault(6.6, 20.0, Apart::Pair(2, 0));
        let both = [isolate.clone(), cut.clone()];
        assert_eq!(
            cut_off_together(&both, 3),
            [Together {
                start: 6.6,
                end: 16.6
            }]
        );
        // Either alone leaves the master a replica; so does a cut between two replicas.
        assert!(cut_off_together(std::slice::from_ref(&isolate), 3).is_empty());
        assert!(cut_off_together(std::slice::from_ref(&cut), 3).is_empty());
        let replicas = fault(6.6, 20.0, Apart::Pair(2, 1));
        assert!(cut_off_together(&[isolate.clone(), replicas], 3).is_empty());
        // A fault healed before the other began cuts nothing together with it.
        let early = fault(1.0, 6.0, Apart::Off(1));
        assert!(cut_off_together(&[early, cut.clone()], 3).is_empty());
        // A fourth pod still hearing the master: not cut off.
        assert!(cut_off_together(&both, 4).is_empty());
        // Without WAIT and min-replicas-to-write: from down-after before the cut until
        // down-after after the first pod hears the master again.
        let stretch = cut_off_together(&both, 3);
        for at in [1.6, 10.0, 21.6] {
            assert!(excused_together(at, &stretch, &facts(0, 0)), "{at}");
        }
        assert!(!excused_together(1.5, &stretch, &facts(0, 0)));
        assert!(!excused_together(21.7, &stretch, &facts(0, 0)));
        // min-replicas-to-write fences it after the lag; WAIT excuses nothing.
        assert!(excused_together(10.5, &stretch, &facts(0, 1)));
        assert!(!excused_together(10.7, &stretch, &facts(0, 1)));
        assert!(!excused_together(10.0, &stretch, &facts(1, 0)));
    }
}
