//! How long a Sentinel stays in TILT mode after a stall: the value `sentinel-start.sh` gives
//! `SENTINEL DEBUG tilt-period` at every start (env `SENTINEL_TILT_PERIOD_MS`).
//!
//! Sentinel enters TILT when two runs of its timer are more than 2 s apart (a frozen pod, a
//! clock jump, or a slow cluster DNS: with `resolve-hostnames yes` it resolves names inside its
//! event loop). In TILT it keeps monitoring but does not act (no down state, no failover) until
//! the period has passed since the last stall; Redis's period is 30 s ("TILT mode", Redis
//! Sentinel documentation). A cluster DNS that answers late for a few seconds so holds every
//! Sentinel, and any failover, for 30 s after it recovers (docs/explore.md, schedule 15).
//!
//! What TILT guards is Sentinel's view of time: after a stall its ping and INFO bookkeeping
//! is stale. That view is rebuilt from fresh observations once a full down-after has passed
//! (pings every second) and every instance has answered one INFO (every 10 s, Redis's fixed
//! `SENTINEL_INFO_PERIOD`). So the period is the longer of the two, and never longer than
//! Redis's own (docs/architecture.md §19).

/// Sentinel's INFO period, a constant in Redis 7.0/7.2 and Valkey 8.1 (`sentinel.c`).
const INFO_PERIOD_MS: u32 = 10_000;
/// Redis's default TILT period (`SENTINEL_PING_PERIOD * 30`).
const DEFAULT_TILT_PERIOD_MS: u32 = 30_000;

/// The TILT period for a set whose Sentinels wait `down_after_ms` before calling an instance
/// down.
pub fn tilt_period_ms(down_after_ms: u32) -> u32 {
    down_after_ms.clamp(INFO_PERIOD_MS, DEFAULT_TILT_PERIOD_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_down_after_waits_one_info_period() {
        assert_eq!(tilt_period_ms(5_000), 10_000);
    }

    #[test]
    fn a_long_down_after_waits_for_it() {
        assert_eq!(tilt_period_ms(12_000), 12_000);
    }

    #[test]
    fn never_longer_than_redis_default() {
        assert_eq!(tilt_period_ms(60_000), 30_000);
    }
}
