//! `restart-beside-deposed-master`: the master freezes and is failed over; the promoted
//! replica's pod is then killed and restarts from its older snapshot (its `dump.rdb` of the
//! first sync: a master saves nothing before `save 900 1`), while the deposed master's Redis,
//! thawed, answers `ROLE master` again (the Sentinels convert it only once its new master
//! looks sane, and that master is down). The other replica still follows the restarted pod,
//! and holds every write acknowledged since the failover. Found by `drill --explore`
//! (production seed 31, schedule 1: 551 of 1,419 acknowledged writes lost): the restarted pod,
//! holding nothing, followed the deposed master, and its replica full-resynced through it to
//! the deposed master's older data (docs/architecture.md §3, "Never through a node its
//! replicas outgrew").
//!
//! `deposed-master-returns-with-replica`: the master's Redis and one replica's Redis freeze
//! together (their Sentinels run on); the Sentinels promote the other replica. Both Redis are
//! thawed together: the deposed master answers as master, with a replica still following it,
//! and the Sentinels convert it only seconds later. A client still connected to it (a pooled
//! connection, a client without a read timeout whose request waited out the freeze) writes
//! on: the replica acknowledges (`WAIT 1`), the conversion discards. Found while building
//! `restart-beside-stale-sentinel` (460 and 476 acknowledged writes lost in two runs: the
//! probe, sent there by a Sentinel that had not heard of the failover yet, stayed on it until
//! the conversion). docs/architecture.md §18, "A deposed master refuses writes".

use super::failover::FAILOVER_GRACE;
use super::wait_failover;
use crate::drill::cluster::Session;
use crate::drill::probe;
use crate::drill::rehearsal::Rehearsal;
use crate::resp::Reply;
use std::time::{Duration, Instant};

/// Writes the promoted master takes, which its replica acknowledges (`WAIT 1`), before its
/// pod is killed: what following the deposed master would lose.
const WRITES_BEFORE_KILL: f64 = 2.0;
/// How long the killed pod stays away, as in the explorer's run (9.1 s): long enough for the
/// cluster DNS to drop its record (a replica that looked up the old address while the new
/// pod came up would hang connecting to it for `repl-timeout`, and never reach the restarted
/// pod), inside the 2 × `failover-timeout` the Sentinels that voted in the first failover
/// wait before another.
const AWAY: f64 = 8.0;
/// How long after the restart the deposed master's Sentinel stays stopped. In the explorer's
/// run it was frozen a second time and took no part until the other replica had resynced
/// through the restarted pod; kept stopped here, no Sentinel fails the restarted pod over on
/// its own before its start script chose whom to follow and its replica reconnected (the
/// cluster DNS serves the new address within its 5 s TTL).
const SENTINEL_LATE: f64 = 8.0;
/// Writes must succeed again within down-after + this of the restart (the last fault healed):
/// `drill --explore`'s I3 bound.
const WRITES_BACK_SLACK: f64 = 10.0;

/// The master's pod frozen (every container) until a Sentinel names another master, which
/// is returned; `None` (the pod thawed again) when none does within down-after + the grace.
pub(super) fn freeze_master_until_failover(r: &mut Rehearsal) -> anyhow::Result<Option<usize>> {
    let old = r.master;
    r.sleep(1.5);
    r.step(format!(
        "freezing master {} (SIGSTOP, every container)",
        r.cluster.pod_name(old)
    ));
    r.cluster.freeze_pod(old, true)?;
    r.mark_fault(old);
    let new = wait_failover(r, old, r.down_after() + FAILOVER_GRACE);
    if new.is_none() {
        r.cluster.freeze_pod(old, false)?;
    }
    Ok(new)
}

pub fn restart_beside_deposed_master(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    let name = r.cluster.pod_name(old);
    let redis = r.cluster.spec().redis_container.clone();
    let Some(new) = freeze_master_until_failover(r)? else {
        return Ok(());
    };
    r.sleep(WRITES_BEFORE_KILL);
    let promoted = r.cluster.pod_name(new);
    r.step(format!(
        "SIGKILL of the promoted master {promoted}'s pod; thawing {name}'s Redis (it answers \
         ROLE master again), its Sentinel stays stopped"
    ));
    r.cluster.kill_pod(new)?;
    r.cluster.freeze_container(old, &redis, false)?;
    r.sleep(AWAY);
    r.step(format!(
        "restarting {promoted} (its snapshot predates its time as master)"
    ));
    r.cluster.start_pod(new)?;
    r.expect_writes_back(WRITES_BACK_SLACK);
    r.sleep(SENTINEL_LATE);
    r.step(format!("thawing {name}'s Sentinel"));
    r.cluster.freeze_pod(old, false)?;
    r.settle("the set is whole again", 60.0);
    Ok(())
}

/// How long the two stay frozen once a Sentinel names the new master: a stall ends when it
/// ends, not with the failover. Its watcher sees the failover while its Redis does not
/// answer and sends the fence then (master-fence.sh, `fence_unanswered`).
const HELD_AFTER_FAILOVER: f64 = 1.0;
/// The held client's writes after the thaw: one every PERIOD, for at most WRITING (past the
/// Sentinels' conversion of the deposed master, 8–10 s after it answers).
const PERIOD: Duration = Duration::from_millis(20);
const WRITING: Duration = Duration::from_secs(12);
/// The deposed master must refuse writes within this of answering again: the fence checks
/// every 0.5 s (master-fence.sh). Before it, it took them until the Sentinels converted it.
const REFUSED_WITHIN: f64 = 1.0;

pub fn deposed_master_returns_with_replica(r: &mut Rehearsal) -> anyhow::Result<()> {
    let old = r.master;
    let name = r.cluster.pod_name(old);
    let follower = r.a_replica();
    let follower_name = r.cluster.pod_name(follower);
    let redis = r.cluster.spec().redis_container.clone();
    let mut held = hold_a_connection(r)?;
    r.step(format!(
        "freezing the Redis of master {name} and of its replica {follower_name} (SIGSTOP; \
         their Sentinels run on)"
    ));
    r.cluster.freeze_container(follower, &redis, true)?;
    r.cluster.freeze_container(old, &redis, true)?;
    r.mark_fault(old);
    let new = wait_failover(r, old, r.down_after() + FAILOVER_GRACE);
    r.sleep(HELD_AFTER_FAILOVER);
    r.step(format!(
        "thawing {name}'s and {follower_name}'s Redis at once; the client writes on ({name})"
    ));
    r.cluster.freeze_container(old, &redis, false)?;
    r.cluster.freeze_container(follower, &redis, false)?;
    let thawed = Instant::now();
    let acknowledged = write_on(held.as_mut(), thawed, WRITING);
    drop(held);
    if new.is_none() {
        return Ok(());
    }
    let last = acknowledged.last().map(|&(_, at)| at);
    let keys: Vec<String> = acknowledged.into_iter().map(|(key, _)| key).collect();
    r.settle("the set is whole again", 60.0);
    let kept = probe::count_present(r.cluster, &keys);
    r.check(
        "the deposed master refuses writes once it answers again",
        last.is_none_or(|at| at <= REFUSED_WITHIN),
        match last {
            None => "no write acknowledged after the thaw".to_string(),
            Some(at) => format!(
                "{} acknowledged (WAIT 1), the last {at:.2} s after the thaw; {} of them kept",
                keys.len(),
                kept.map_or("?".to_string(), |k| k.to_string())
            ),
        },
        format!("none acknowledged later than {REFUSED_WITHIN} s after the thaw"),
    );
    Ok(())
}

/// 1.5 s into the scenario, a client connects to the master and keeps the connection (a
/// pooled connection, a client without a read timeout): returned.
pub(super) fn hold_a_connection<'a>(
    r: &mut Rehearsal<'a>,
) -> anyhow::Result<Box<dyn Session + 'a>> {
    let name = r.cluster.pod_name(r.master);
    r.sleep(1.5);
    r.step(format!(
        "a client connects to master {name} and keeps the connection"
    ));
    r.cluster.connect(r.master, false, Duration::from_secs(2))
}

/// `SET` + `WAIT 1` on the held connection every PERIOD until it is refused for good (the
/// conversion's READONLY, a closed connection) or `writing` is over: the keys acknowledged,
/// each with its seconds after `thawed`.
pub(super) fn write_on(
    session: &mut dyn Session,
    thawed: Instant,
    writing: Duration,
) -> Vec<(String, f64)> {
    write_watching(session, thawed, writing, "drill-deposed", |_| {})
}

/// `write_on` with keys `<prefix>:<serial>`, `before(serial)` called before each write (a
/// scenario's own observation between writes).
pub(super) fn write_watching(
    session: &mut dyn Session,
    thawed: Instant,
    writing: Duration,
    prefix: &str,
    mut before: impl FnMut(u32),
) -> Vec<(String, f64)> {
    let mut acknowledged = Vec::new();
    let mut serial = 0u32;
    while thawed.elapsed() < writing {
        serial += 1;
        before(serial);
        let key = format!("{prefix}:{serial}");
        let set = session.call(&["SET", &key, "1", "EX", "300"], Duration::from_secs(2));
        match set {
            Ok(Reply::Status(s)) if s == "OK" => {
                let wait = session.call(&["WAIT", "1", "500"], Duration::from_secs(2));
                if matches!(wait, Ok(Reply::Int(n)) if n >= 1) {
                    acknowledged.push((key, thawed.elapsed().as_secs_f64()));
                }
            }
            Ok(Reply::Error(e)) if e.starts_with("READONLY") => break,
            Ok(_) => {}
            Err(_) => break,
        }
        std::thread::sleep(PERIOD);
    }
    acknowledged
}
