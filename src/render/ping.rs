//! How often a Sentinel pings each instance and retries a closed link: the value
//! `sentinel-start.sh` gives `SENTINEL DEBUG ping-period` at every start (env
//! `SENTINEL_PING_PERIOD_MS`).
//!
//! A Sentinel calls an instance down once down-after has passed since the first `PING` it
//! left unanswered (or, on a link that closed, since its first reconnection's `PING`). With
//! Redis's period of 1 s that first `PING` goes out anywhere in the second after the fault, so
//! each survivor's down-after ends at a random point of a 1 s window, and the failover waits
//! for the quorum's last one (measured in docs/architecture.md §7). A period of a twentieth
//! of down-after narrows that window to 250 ms at down-after 5 s (docs/architecture.md §7,
//! "The PING period"). It changes nothing else Sentinel decides: down-after still counts the
//! whole silence, and the `INFO` periods are separate timers.

/// Redis's own period (`SENTINEL_PING_PERIOD` in `sentinel.c`, Redis 7.0/7.2, Valkey 8.1).
const DEFAULT_PING_PERIOD_MS: u32 = 1_000;
/// Sentinel's timer runs about every 100 ms: a shorter period could not be kept.
const MIN_PING_PERIOD_MS: u32 = 100;

/// The PING period for a set whose Sentinels wait `down_after_ms` before calling an instance
/// down.
pub fn ping_period_ms(down_after_ms: u32) -> u32 {
    (down_after_ms / 20).clamp(MIN_PING_PERIOD_MS, DEFAULT_PING_PERIOD_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A twentieth of down-after, never below Sentinel's timer tick nor above Redis's own.
    #[test]
    fn a_twentieth_of_down_after_within_tick_and_default() {
        for (down_after, period) in [(5_000, 250), (1_000, 100), (12_000, 600), (60_000, 1_000)] {
            assert_eq!(
                ping_period_ms(down_after),
                period,
                "down-after {down_after}"
            );
        }
    }
}
