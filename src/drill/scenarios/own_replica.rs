//! `stale-replica-own-sentinel` (docs/scenarios.md): a Sentinel that hears neither the
//! master nor the other replica leads a failover and promotes the only replica it has fresh
//! news of, its own pod's, which let go of the master seconds before the other replica did:
//! every write only the other replica acknowledged would be lost. Found by `drill
//! --explore` (seed 43, `kind` schedule 11: 344 of 1,335 writes lost; its replay takes the
//! path about 1 time in 8, docs/architecture.md §18, "A replica behind its sibling refuses
//! the promotion"); this plays it every time.
//!
//! In the explorer's run the Sentinel was back from an isolation, its last news of the
//! other replica 14 s old when it chose, while its own pod's Redis, on the loopback,
//! answered every second. The drill makes that lasting: the stale
//! pod's Sentinel container is cut off the master's and the other replica's Redis
//! (`Cluster::cut_sentinel_off`; its own Redis still streams from the master until its
//! watcher lets go, its Sentinel still talks to the other Sentinels). Sentinel skips, when it
//! selects the replica to promote, one whose link is down or whose last `INFO` is more than
//! five seconds old (sentinel.c, `sentinelSelectSlave`), so the other replica is not a
//! candidate; that is the explorer's state, held.
//!
//! Who leads is left to chance by Sentinel (the first to ask for votes); the drill steers it
//! as `orphan-promotion` does: the other replica's Sentinel gets a quorum of every Sentinel,
//! so it never judges the master objectively down while the master's own Sentinel still
//! hears it, and never starts an election; it still tells the others it finds the master
//! down, and votes.

use super::ask::sentinel;
use crate::drill::rehearsal::{Rehearsal, Role};
use anyhow::{Context, bail};

/// How long the other replica goes on acknowledging the master's writes after the stale
/// replica let go: the writes at stake.
const AHEAD_FOR: f64 = 3.0;
/// How long past down-after the drill waits, once the other replica is cut off the master,
/// for the stale replica's promotion: the other replica's Sentinel finds the master down at
/// down-after, and the stale one's judges it objectively down within a second of that, then
/// elects itself and promotes within another (production, on the scripts before the guard:
/// the promotion came 6.2 s after the cut).
const PROMOTION_WINDOW: f64 = 6.0;

pub fn stale_replica_own_sentinel(r: &mut Rehearsal) -> anyhow::Result<()> {
    let master = r.master;
    let stale = r.a_replica();
    let Some(ahead) = (0..r.replicas()).find(|&i| i != master && i != stale) else {
        bail!("the scenario needs two replicas");
    };
    let (master_name, ahead_name) = (r.cluster.pod_name(master), r.cluster.pod_name(ahead));
    let name = r.cluster.spec().master_name.clone();
    let quorum = sentinel(r, ahead, &["SENTINEL", "MASTER", &name])?
        .field("quorum")
        .context("SENTINEL MASTER: no quorum")?
        .to_string();
    let every = r.replicas().to_string();
    r.step(format!(
        "steering the election: {ahead_name}'s Sentinel gets quorum {every} (it never starts \
         one while {master_name}'s own Sentinel hears it)"
    ));
    sentinel(r, ahead, &["SENTINEL", "SET", &name, "quorum", &every])?;
    let played = play(r, (master, stale, ahead));
    r.step(format!(
        "lifting the cuts; {ahead_name}'s Sentinel gets its quorum {quorum} back"
    ));
    let lifted = r
        .cluster
        .cut_between(ahead, master, false)
        .and(r.cluster.cut_sentinel_off(stale, &[master, ahead], false));
    let restored = sentinel(r, ahead, &["SENTINEL", "SET", &name, "quorum", &quorum]);
    played?;
    lifted?;
    restored?;
    r.settle("the set is whole again", 60.0);
    Ok(())
}

/// The cuts, and what the stale pod's Sentinel did during them.
fn play(r: &mut Rehearsal, (master, stale, ahead): (usize, usize, usize)) -> anyhow::Result<()> {
    let (master_name, stale_name, ahead_name) = (
        r.cluster.pod_name(master),
        r.cluster.pod_name(stale),
        r.cluster.pod_name(ahead),
    );
    r.sleep(1.0);
    r.step(format!(
        "cutting {stale_name}'s Sentinel container off {master_name}'s and {ahead_name}'s \
         Redis (its Redis still streams from {master_name})"
    ));
    r.cluster.cut_sentinel_off(stale, &[master, ahead], true)?;
    r.mark_fault(master);
    // Not within a third of down-after: a watcher cut off the master and its siblings lets
    // go late (2.8–2.9 s of its Sentinel's silence with down-after 5 s, 0.8–1.1 s after the
    // cut; docs/architecture.md, "Known limits"); what this scenario rehearses needs it let
    // go, not when.
    let detach_within = 2.0 * r.down_after();
    let detached = r.wait_until(detach_within, || {
        (r.role(stale) == Some(Role::Replica(Some(master), false))).then_some(())
    });
    r.check(
        "the stale pod's replica lets go of the master its Sentinel finds silent",
        detached.is_some(),
        detached.map_or_else(
            || format!("ROLE {:?}", r.role(stale)),
            |(t, ())| format!("after {t:.1} s"),
        ),
        format!("within {detach_within:.0} s"),
    );
    r.sleep(AHEAD_FOR);
    r.step(format!(
        "cutting {ahead_name} off {master_name} (both ways): its Sentinel finds the master \
         down, and {stale_name}'s, which hears no replica but its own, may lead"
    ));
    r.cluster.cut_between(ahead, master, true)?;
    let name = r.cluster.spec().master_name.clone();
    let mut objectively_down = false;
    let window = r.down_after() + PROMOTION_WINDOW;
    let promoted = r.wait_until(window, || {
        let flags = sentinel(r, stale, &["SENTINEL", "MASTER", &name])
            .ok()
            .and_then(|m| m.field("flags").map(str::to_string))
            .unwrap_or_default();
        objectively_down |= flags.split(',').any(|f| f == "o_down");
        (r.role(stale) == Some(Role::Master)).then_some(())
    });
    r.check(
        "the stale pod's Sentinel judged the master objectively down (it could lead)",
        objectively_down,
        if objectively_down {
            "o_down seen"
        } else {
            "never o_down"
        }
        .to_string(),
        format!("within {window:.0} s of the second cut"),
    );
    r.check(
        "the replica behind its sibling was not promoted",
        promoted.is_none(),
        promoted.map_or_else(
            || format!("{stale_name} still a replica"),
            |(t, ())| format!("{stale_name} answers ROLE master {t:.1} s after the cut"),
        ),
        format!("{stale_name} never master during the cuts"),
    );
    Ok(())
}
