//! `scale-down` and `scale-up`: the set is re-rendered with another `redis.replicas` and
//! applied as a user would (`rollout`), then its master is killed. The Sentinels must have
//! forgotten the departed pods (Sentinels and replicas) and met the new ones, or the
//! leader election counts votes that can never come (`-failover-abort-not-elected`).

use super::failover;
use crate::drill::rehearsal::Rehearsal;
use crate::drill::rollout;

/// The failover bound past `down-after-milliseconds` (docs/scenarios.md).
pub const FAILOVER_SLACK: f64 = 2.5;

pub fn resize_then_master_down(r: &mut Rehearsal) -> anyhow::Result<()> {
    r.sleep(1.0);
    rollout::apply(r)?;
    // Whole: every Sentinel knows exactly the other pods' Sentinels and replicas.
    let settled = r.settle(
        "after the change every Sentinel knows exactly the set's pods",
        45.0,
    );
    r.master = match settled {
        Some(master) => master,
        // Kill whichever master the Sentinels name, to show what the stale view does.
        None => (0..r.replicas())
            .find_map(|i| r.sentinel_names(i))
            .unwrap_or(r.master),
    };
    failover::master_down(r)
}
