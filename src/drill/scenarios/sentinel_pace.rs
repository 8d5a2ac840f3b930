//! A quicker bootstrap for the scenarios that do not measure it (docs/drill.md, "The
//! bootstrap's pace"): while a fresh set comes up, each Sentinel polls the instances it knows with
//! `INFO` every second instead of every ten (`SENTINEL DEBUG info-period`, Redis ≥ 7.0 and
//! Valkey), so it learns the replicas that attached after its first `INFO` at once rather
//! than up to 10 s later; once the set has settled, every Sentinel gets its own period back
//! before the scenario's first step. The `bootstrap` scenario is played at Sentinel's own
//! pace: it is the one that measures the time a set takes to come up.
//!
//! On this machine a `kind` set's pods had replicated their master 6 s after they started,
//! and the last Sentinel knew both replicas 9 s after that, one `INFO` period later
//! (`drill --profile kind --replay …`, 2026-12-07, the timeline's Sentinel log lines).

use super::ask;
use crate::drill::rehearsal::Rehearsal;

/// Sentinel's own `INFO` period (`SENTINEL_INFO_PERIOD` in sentinel.c), in ms.
const OWN_INFO_PERIOD_MS: &str = "10000";
/// The period while the set bootstraps, in ms.
const BOOTSTRAP_INFO_PERIOD_MS: &str = "1000";

/// Which pods' Sentinels poll at the bootstrap's pace.
pub struct Hurried(Vec<bool>);

impl Hurried {
    pub fn new(pods: usize) -> Hurried {
        Hurried(vec![false; pods])
    }

    /// Ask each Sentinel not yet hurried (one that is not up yet is asked on the next call).
    pub fn hurry(&mut self, r: &Rehearsal) {
        for (ordinal, done) in self.0.iter_mut().enumerate() {
            if !*done {
                *done = set_period(r, ordinal, BOOTSTRAP_INFO_PERIOD_MS).is_ok();
            }
        }
    }

    /// Every hurried Sentinel back to its own period; `Err` names one that did not answer
    /// (the set is then not the one the scenario means to drill).
    pub fn restore(self, r: &Rehearsal) -> Result<usize, String> {
        let mut restored = 0;
        for (ordinal, _) in self.0.iter().enumerate().filter(|(_, done)| **done) {
            set_period(r, ordinal, OWN_INFO_PERIOD_MS).map_err(|e| format!("{e:#}"))?;
            restored += 1;
        }
        Ok(restored)
    }
}

fn set_period(r: &Rehearsal, ordinal: usize, ms: &str) -> anyhow::Result<()> {
    ask::sentinel(r, ordinal, &["SENTINEL", "DEBUG", "info-period", ms]).map(|_| ())
}
