//! Sentinel's split election, read from its logs (docs/architecture.md §16 and "Known
//! limits"): two Sentinels that reach objectively down within one message's delay of each
//! other both start an election in one epoch, each votes for itself, and neither wins; each
//! gives up after `min(10 s, failover-timeout)` (`-failover-abort-not-elected`) and none
//! tries again before 2 × `failover-timeout` has passed. The drill waits for that retry
//! (`scenarios::wait_failover`) and `make test` does not hold the failover bars against such
//! a run: both read the race here.

use std::collections::{BTreeMap, BTreeSet};

/// The epochs in which the Sentinels voted for more than one leader (`+vote-for-leader
/// <run id> <epoch>` lines with different run ids), in any order of `log`'s lines.
pub fn split_epochs(log: &str) -> BTreeSet<&str> {
    let mut voted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for line in log.lines() {
        let Some((_, vote)) = line.split_once("+vote-for-leader ") else {
            continue;
        };
        if let [leader, epoch] = vote.split_whitespace().collect::<Vec<_>>()[..] {
            voted.entry(epoch).or_default().insert(leader);
        }
    }
    voted
        .into_iter()
        .filter(|(_, leaders)| leaders.len() > 1)
        .map(|(epoch, _)| epoch)
        .collect()
}

/// Whether `log` shows a failed split election: votes for different leaders in one epoch,
/// and an election given up.
pub fn split_vote(log: &str) -> bool {
    log.contains("-failover-abort-not-elected") && !split_epochs(log).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPLIT: &str = "\
redis-1/sentinel: 103:X 07 Dec 2026 22:29:39.428 # +vote-for-leader 1f6e26b7 1
redis-2/sentinel: 103:X 07 Dec 2026 22:29:39.449 # +vote-for-leader 01a76c71 1
redis-1/sentinel: 103:X 07 Dec 2026 22:29:49.595 # -failover-abort-not-elected master m
redis-0/sentinel: 145:X 07 Dec 2026 22:29:52.209 # +vote-for-leader eb78a9b4 2
";

    #[test]
    fn an_epoch_with_two_leaders_is_split() {
        assert_eq!(split_epochs(SPLIT), BTreeSet::from(["1"]));
        assert!(split_vote(SPLIT));
    }

    #[test]
    fn one_leader_per_epoch_or_no_abort_is_not_a_failed_split() {
        let one_leader = SPLIT.replace("01a76c71 1", "1f6e26b7 1");
        assert!(split_epochs(&one_leader).is_empty());
        assert!(!split_vote(&one_leader));
        let no_abort: String = SPLIT
            .lines()
            .filter(|l| !l.contains("abort"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(!split_vote(&no_abort));
        assert!(split_epochs("+vote-for-leader onlyone").is_empty());
    }
}
