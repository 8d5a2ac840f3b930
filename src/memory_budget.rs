//! The memory a Redis master needs while it serves a full sync, and the replica output
//! buffer that fits in it: the one sum both the profile's default (`render`) and the rule
//! `full-sync-memory-exceeds-limit` (`validate`, `lint`) use. `docs/architecture.md`
//! ("Memory during a full sync") explains it.
//!
//! During a full sync the master forks (the child sends the RDB to the replica, on disk or
//! diskless) and buffers every write for that replica until the RDB is loaded. Neither the
//! pages copy-on-write duplicates in the parent nor the replica's output buffer count in
//! `maxmemory`, so the container needs
//!
//!   maxmemory + replica output buffer hard limit + fork copy-on-write estimate
//!
//! and the kernel OOM-kills the master when that exceeds the container's memory limit.

const MIB: u64 = 1024 * 1024;

/// The percentage of `maxmemory` a fork's copy-on-write is estimated to duplicate while the child
/// runs. The Redis docs give "up to 2 times the memory" for a write-heavy instance (all
/// pages touched: `maxmemory-headroom-low` warns about that case); a full sync lasts seconds,
/// so the budget counts half of the data set as written during it.
pub const FORK_COPY_ON_WRITE_PERCENT: u64 = 50;

/// Redis's own default for the replica class: `client-output-buffer-limit replica 256mb
/// 64mb 60` (redis.conf).
pub const REDIS_DEFAULT_REPLICA_HARD_LIMIT: u64 = 256 * MIB;

/// The smallest hard limit the profile derives: below it a full sync of any real data set
/// under write load would be cut and retried forever.
pub const MIN_REPLICA_HARD_LIMIT: u64 = 16 * MIB;

/// How long the soft limit may be exceeded before Redis drops the replica.
pub const REPLICA_SOFT_SECONDS: u32 = 60;

/// The fork copy-on-write estimate for a data set of `maxmemory` bytes.
pub fn fork_estimate(maxmemory: u64) -> u64 {
    (u128::from(maxmemory) * u128::from(FORK_COPY_ON_WRITE_PERCENT) / 100) as u64
}

/// What a master needs during a full sync; `None` when the replica buffer is unlimited (a
/// hard limit of 0).
pub fn full_sync_need(maxmemory: u64, replica_hard_limit: u64) -> Option<u64> {
    (replica_hard_limit > 0).then(|| {
        maxmemory
            .saturating_add(replica_hard_limit)
            .saturating_add(fork_estimate(maxmemory))
    })
}

/// `client-output-buffer-limit replica <hard> <soft> <seconds>`, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicaBufferLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u32,
}

impl ReplicaBufferLimit {
    /// The default of a profile: half of what the memory limit leaves after `maxmemory` and
    /// the fork estimate (the other half stays for connections, the replication backlog and
    /// allocator overhead), in whole MiB, at least [`MIN_REPLICA_HARD_LIMIT`]; the soft limit
    /// a quarter of it for [`REPLICA_SOFT_SECONDS`]. 256mb in a 512Mi container: 64mb 16mb 60.
    pub fn derived(maxmemory: u64, container_limit: u64) -> ReplicaBufferLimit {
        let room =
            container_limit.saturating_sub(maxmemory.saturating_add(fork_estimate(maxmemory)));
        let hard = (room / 2 / MIB * MIB).max(MIN_REPLICA_HARD_LIMIT);
        ReplicaBufferLimit {
            hard,
            soft: hard / 4 / MIB * MIB,
            soft_seconds: REPLICA_SOFT_SECONDS,
        }
    }
}

/// Bytes as Redis writes them in a config file: whole `mb` where exact, else bytes.
pub fn redis_size(bytes: u64) -> String {
    if bytes > 0 && bytes.is_multiple_of(MIB) {
        format!("{}mb", bytes / MIB)
    } else {
        bytes.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_numbers_leave_64mb_for_the_replica_buffer() {
        let limit = ReplicaBufferLimit::derived(256 * MIB, 512 * MIB);
        assert_eq!(
            limit,
            ReplicaBufferLimit {
                hard: 64 * MIB,
                soft: 16 * MIB,
                soft_seconds: 60
            }
        );
        assert_eq!(full_sync_need(256 * MIB, limit.hard), Some(448 * MIB));
        // Redis's default buffer does not fit: 256 + 256 + 128 > 512.
        assert_eq!(
            full_sync_need(256 * MIB, REDIS_DEFAULT_REPLICA_HARD_LIMIT),
            Some(640 * MIB)
        );
        assert_eq!(full_sync_need(256 * MIB, 0), None);
    }

    #[test]
    fn no_room_still_derives_a_usable_limit() {
        let limit = ReplicaBufferLimit::derived(512 * MIB, 512 * MIB);
        assert_eq!(limit.hard, MIN_REPLICA_HARD_LIMIT);
        assert_eq!(limit.soft, 4 * MIB);
    }

    #[test]
    fn sizes_in_redis_units() {
        assert_eq!(redis_size(64 * MIB), "64mb");
        assert_eq!(redis_size(1000), "1000");
        assert_eq!(redis_size(0), "0");
    }
}
