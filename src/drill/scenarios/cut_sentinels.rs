//! `master-cut-from-sentinels`: the master is cut off from the other pods' Sentinels
//! (`partition-master-sentinels`): its replicas still stream from it and a client still
//! writes to it (`SET` + `WAIT 1`), but those Sentinels find it silent and fail it over at
//! down-after. Each replica's watcher must let go of it (docs/architecture.md §18, "Replicas
//! let go of a silent master") a third of down-after after its own Sentinel's clock started,
//! so that the master is fenced (`NOREPLICAS`, `WAIT` 0) well before the promotion: a write a
//! replica acknowledges after the other one was promoted is lost when the leader moves it.
//! Found by `drill --explore` (seed 45, production schedule 6, shrunk to this one fault: 6 of
//! 7 replays lost 18–33 writes): each watcher's check took 1.5 s instead of 0.5 s, and its
//! step at a sixth of down-after 2 s more, because a command substitution inside a
//! here-document waits for BusyBox `timeout`'s watchdog (docs/architecture.md §18, "A check
//! costs milliseconds").

use super::cut_master::settle_and_check_kept;
use super::deposed::write_watching;
use super::failover::FAILOVER_GRACE;
use super::wait_failover;
use crate::drill::rehearsal::Rehearsal;
use std::time::{Duration, Instant};

/// How long the drill waits to connect.
const ASK: Duration = Duration::from_secs(2);
/// How late into the cut, past a third of down-after, the master may still have a write
/// acknowledged: a Sentinel's silence clock starts at its first PING left unanswered (it
/// pings every second), then the watcher's next check (every 0.5 s) lets go, and a loaded
/// pod takes a few hundred milliseconds more. On the watcher before the fix, writes were
/// acknowledged up to 5 s into a 5 s down-after.
const LET_GO_SLACK: f64 = 2.5;
/// How long the client writes past down-after: through the failover.
const WRITING_PAST_DOWN_AFTER: f64 = 3.0;

pub fn master_cut_from_sentinels(r: &mut Rehearsal) -> anyhow::Result<()> {
    let master = r.master;
    let name = r.cluster.pod_name(master);
    r.sleep(1.5);
    let mut held = r.cluster.connect(master, false, ASK)?;
    r.step(format!(
        "cutting master {name} off the other pods' Sentinels; a client holding a connection \
         to it writes through it (SET + WAIT 1)"
    ));
    r.cluster.cut_from_sentinels(master, true)?;
    r.mark_fault(master);
    let acknowledged = write_watching(
        held.as_mut(),
        Instant::now(),
        Duration::from_secs_f64(r.down_after() + WRITING_PAST_DOWN_AFTER),
        "drill-cut-sentinels",
        |_| {},
    );
    drop(held);
    let failover = wait_failover(r, master, FAILOVER_GRACE).map(|new| r.cluster.pod_name(new));
    r.step(format!("lifting the cut between {name} and the Sentinels"));
    r.cluster.cut_from_sentinels(master, false)?;
    let bound = r.down_after() / 3.0 + LET_GO_SLACK;
    let last = acknowledged.last().map(|(_, t)| *t);
    r.check(
        "the cut-off master's replicas let go of it soon after a third of down-after",
        last.is_none_or(|t| t <= bound),
        match last {
            Some(t) => format!(
                "{} writes acknowledged (WAIT 1), the last {t:.2} s into the cut",
                acknowledged.len()
            ),
            None => "no write acknowledged during the cut".to_string(),
        },
        format!("none acknowledged past {bound:.1} s into the cut"),
    );
    r.check(
        "the other Sentinels fail the cut-off master over",
        failover.is_some(),
        match &failover {
            Some(new) => format!("{new} promoted"),
            None => "no failover".to_string(),
        },
        "a failover".to_string(),
    );
    settle_and_check_kept(r, acknowledged);
    Ok(())
}
