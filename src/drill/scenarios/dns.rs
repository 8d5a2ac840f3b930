//! Scenarios of the cluster DNS: names that resolve late, to nothing, or to an old address.

use super::crash::{crash_master, restarted_rejoins};
use super::failover::{kill_master, old_master_rejoins};
use super::{expect_replica_of, wait_failover};
use crate::drill::dns::Fault;
use crate::drill::rehearsal::Rehearsal;
use std::time::Duration;

/// How long the cache keeps serving the old answers: the cap of CoreDNS's default
/// `cache 30`, as when the records' TTL is that long (kube-dns's was; CoreDNS's `ttl` can be).
pub const STALE_SECONDS: f64 = 30.0;
/// `slow-dns-then-master-down`: how late the cluster DNS answers, and for how long. Late
/// enough that a Sentinel resolving its peers' names stalls past its 2 s TILT trigger; as
/// long as the explorer's `dns-late` at its shortest draws.
const SLOW_BY: Duration = Duration::from_millis(1500);
const SLOW_SECONDS: f64 = 8.0;
/// `sentinel-missed-switch`: how long the denials outlast the failover. Sentinels announce
/// their config every 2 s (and at once on a promotion), so every Sentinel hears of the switch
/// while its pod's cache still denies the new master's name.
const DENIED_AFTER_FAILOVER: f64 = 4.0;
/// `sentinel-missed-switch`: every Sentinel must name the new master within this many seconds
/// of the denials ending.
const AGREE_WITHIN: f64 = 15.0;

/// The master pod is deleted and recreated at once with a new address while the cluster
/// DNS still answers every name as it stood before (its old address, and a denial for any
/// name that had none). The set must fail over, and the recreated pod rejoin as a replica
/// once the cache expires.
pub fn master_recreated_stale_dns(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    let before = r.cluster.dns_queries();
    r.sleep(1.5);
    r.step(format!(
        "the cluster DNS serves its cached answers for {STALE_SECONDS} s (old addresses)"
    ));
    r.cluster.dns_fault(Some(Fault::Stale))?;
    let stale_from = r.now();
    r.step(format!(
        "deleting master {} and recreating it at once (a new address)",
        r.cluster.pod_name(old)
    ));
    r.cluster.delete_pod(old)?;
    r.mark_fault(old);
    r.cluster.start_pod(old)?;
    let new = wait_failover(r, old, r.down_after() + 10.0);
    r.sleep(stale_from + STALE_SECONDS - r.now());
    r.step("the cache expires: the DNS answers the current endpoints");
    r.cluster.dns_fault(None)?;
    if let Some(new) = new {
        expect_replica_of(
            r,
            "the recreated pod joins the new master once its name resolves",
            old,
            new,
            30.0,
        );
    }
    r.settle("the set is whole again", 30.0);
    sentinels_see_replica(r, old, 30.0);
    if let (Some(before), Some(after)) = (before, r.cluster.dns_queries()) {
        r.check(
            "the pods resolve names through the cluster DNS",
            after > before,
            format!("{} questions during the scenario", after - before),
            "at least one",
        );
    }
    Ok(())
}

/// The cluster DNS answers late for a few seconds: the Sentinels, which resolve their peers'
/// names in their event loop, stall and enter TILT. Right after it recovers, the master's
/// pod dies. The failover must come within down-after + 10 s of the death (the explorer's
/// recovery bound, I3), not when Redis's 30 s TILT period ends (docs/architecture.md §19).
pub fn slow_dns_then_master_down(r: &mut Rehearsal) -> anyhow::Result<()> {
    r.sleep(1.5);
    r.step(format!(
        "the cluster DNS answers every question {:.1} s late for {SLOW_SECONDS} s",
        SLOW_BY.as_secs_f64()
    ));
    r.cluster.dns_fault(Some(Fault::Slow(SLOW_BY)))?;
    r.sleep(SLOW_SECONDS);
    r.step("the cluster DNS answers at once again");
    r.cluster.dns_fault(None)?;
    let tilted = (0..r.replicas())
        .filter(|&i| sentinel_in_tilt(r, i))
        .count();
    r.check(
        "the slow DNS stalled the Sentinels into TILT",
        tilted > r.replicas() / 2,
        format!("{tilted} of {} in TILT", r.replicas()),
        "a majority",
    );
    let old = kill_master(r)?;
    let new = wait_failover(r, old, r.down_after() + 10.0);
    old_master_rejoins(r, old, new)
}

/// The replicas' node-local DNS caches deny each other's names (each pod still resolves its
/// own, and the master's) when the master's redis-server crashes: the crash fast path makes
/// the master's own Sentinel lead the failover, and the Sentinel beside the replica not
/// promoted hears of the switch but cannot resolve the new master's name. Redis 7.0's
/// Sentinel records the new config epoch before the address change that fails, and no later
/// announcement at that epoch corrects it: it names a replica for good (explorer seed 12,
/// schedule 10). Every Sentinel must name the new master within AGREE_WITHIN of the denials
/// ending (docs/architecture.md §20).
pub fn sentinel_missed_switch(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    let replicas: Vec<usize> = (0..r.replicas()).filter(|&i| i != old).collect();
    let denials: Vec<(usize, usize)> = replicas
        .iter()
        .flat_map(|&a| {
            replicas
                .iter()
                .filter(move |&&b| b != a)
                .map(move |&b| (a, b))
        })
        .collect();
    r.sleep(1.5);
    r.step("the replicas' node-local DNS caches deny each other's names");
    r.cluster.dns_deny(&denials)?;
    crash_master(r)?;
    let new = wait_failover(r, old, r.down_after() + 10.0);
    r.sleep(DENIED_AFTER_FAILOVER);
    let Some(new) = new else {
        r.cluster.dns_deny(&[])?;
        return Ok(());
    };
    // The fault must have bitten: without a Sentinel that missed the switch, the scenario
    // proves nothing.
    let missed = (0..r.replicas())
        .filter(|&i| r.sentinel_names(i) == Some(old))
        .count();
    r.check(
        "a Sentinel missed the switch while the new master's name was denied",
        missed > 0,
        format!("{missed} name {}", r.cluster.pod_name(old)),
        "at least one",
    );
    r.step("the denials expire");
    r.cluster.dns_deny(&[])?;
    every_sentinel_names(r, new, AGREE_WITHIN);
    restarted_rejoins(r, old, new);
    Ok(())
}

/// Every Sentinel names pod `master` within `seconds`; records the check.
fn every_sentinel_names(r: &mut Rehearsal, master: usize, seconds: f64) {
    let mut last = String::new();
    let agreed = r.wait_until(seconds, || {
        for i in 0..r.replicas() {
            let named = r.sentinel_names(i);
            if named != Some(master) {
                last = format!(
                    "the Sentinel of {} names {}",
                    r.cluster.pod_name(i),
                    named.map_or("nothing".to_string(), |m| r.cluster.pod_name(m))
                );
                return None;
            }
        }
        Some(())
    });
    let expected = format!(
        "{} within {seconds} s of the denials ending",
        r.cluster.pod_name(master)
    );
    match agreed {
        Some((t, ())) => r.check(
            "every Sentinel names the new master",
            true,
            format!("after {t:.1} s"),
            expected,
        ),
        None => r.check("every Sentinel names the new master", false, last, expected),
    }
}

/// `INFO sentinel` of pod `ordinal`'s Sentinel says `sentinel_tilt:1`.
fn sentinel_in_tilt(r: &Rehearsal, ordinal: usize) -> bool {
    r.cluster
        .call(ordinal, true, &["INFO", "sentinel"], Duration::from_secs(3))
        .ok()
        .and_then(|reply| {
            reply
                .text()
                .map(|t| t.lines().any(|l| l.trim() == "sentinel_tilt:1"))
        })
        .unwrap_or(false)
}

/// Every Sentinel lists pod `ordinal` as a replica it reaches (no `s_down`, not
/// `disconnected`) within `seconds`: a candidate for the next failover again, not a name
/// whose address the Sentinels resolved while the cache was stale and kept.
fn sentinels_see_replica(r: &mut Rehearsal, ordinal: usize, seconds: f64) {
    let name = r.cluster.spec().master_name.clone();
    let pod = r.cluster.pod_name(ordinal);
    let mut last = String::new();
    let seen = r.wait_until(seconds, || {
        for i in 0..r.replicas() {
            let reply = r
                .cluster
                .call(
                    i,
                    true,
                    &["SENTINEL", "REPLICAS", &name],
                    Duration::from_millis(300),
                )
                .ok()?;
            let entry = reply
                .items()
                .iter()
                .find(|e| e.field("ip").and_then(|h| r.cluster.ordinal_of(h)) == Some(ordinal));
            let flags = entry.and_then(|e| e.field("flags")).unwrap_or("missing");
            if flags != "slave" {
                last = format!(
                    "Sentinel of {} flags {pod} {flags:?}",
                    r.cluster.pod_name(i)
                );
                return None;
            }
        }
        Some(())
    });
    let expected = format!("within {seconds} s of the cache expiring");
    match seen {
        Some((t, ())) => r.check(
            "every Sentinel reaches the recreated pod as a replica",
            true,
            format!("after {t:.1} s"),
            expected,
        ),
        None => r.check(
            "every Sentinel reaches the recreated pod as a replica",
            false,
            last,
            expected,
        ),
    }
}
