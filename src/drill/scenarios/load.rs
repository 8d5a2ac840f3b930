//! `full-sync-under-load`: the master filled to near its `maxmemory`, then a replica that
//! lost its disk resyncs in full while a writer keeps rewriting the data. The master forks
//! (copy-on-write) and buffers every write for the replica until it has loaded the RDB:
//! the moment its container's memory limit binds (docs/architecture.md §14, rule
//! `full-sync-memory-exceeds-limit`). The OOM check every scenario ends with fails if the
//! kernel killed a container on the way.

use super::expect_replica_of;
use crate::drill::rehearsal::Rehearsal;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Size of each value the fill and the writer set.
const VALUE: usize = 1 << 20;
/// The fill stops here: below `maxmemory`, so the eviction policy never takes the probe's keys.
const FILL_SHARE: f64 = 0.85;
const CALL: Duration = Duration::from_secs(5);
/// The writer's pace during the sync: one 1 MiB value each this often (≈ 20 MiB/s).
const WRITE_EVERY: Duration = Duration::from_millis(50);

fn info_number(text: &str, field: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        l.strip_prefix(field)?
            .strip_prefix(':')?
            .trim()
            .parse()
            .ok()
    })
}

/// `INFO memory` of the master: (`used_memory`, `maxmemory`).
fn memory(r: &Rehearsal, master: usize) -> anyhow::Result<(u64, u64)> {
    let reply = r.cluster.call(master, false, &["INFO", "memory"], CALL)?;
    let Some(text) = reply.text() else {
        anyhow::bail!("INFO memory answered {reply:?}");
    };
    let used = info_number(text, "used_memory").unwrap_or(0);
    let max = info_number(text, "maxmemory").unwrap_or(0);
    Ok((used, max))
}

pub fn full_sync_under_load(r: &mut Rehearsal) -> anyhow::Result<()> {
    let master = r.master;
    let (_, max) = memory(r, master)?;
    if max == 0 {
        r.check(
            "the master has a maxmemory to fill",
            false,
            "maxmemory 0 (unbounded)".to_string(),
            "maxmemory set",
        );
        return Ok(());
    }
    let value = "x".repeat(VALUE);
    let target = (max as f64 * FILL_SHARE) as u64;
    r.step(format!(
        "filling {} to {} MiB of its {} MiB maxmemory",
        r.cluster.pod_name(master),
        target >> 20,
        max >> 20
    ));
    let mut keys = 0usize;
    {
        let mut session = r.cluster.connect(master, false, CALL)?;
        loop {
            let (used, _) = memory(r, master)?;
            if used >= target {
                break;
            }
            let batch = ((target - used) as usize / VALUE).clamp(1, 32);
            for _ in 0..batch {
                session.call(&["SET", &format!("drill:load:{keys}"), &value], CALL)?;
                keys += 1;
            }
        }
    }
    r.step(format!("{keys} values of 1 MiB written"));
    let replica = r.a_replica();
    r.step(format!(
        "SIGKILL {} and wipe its volume: it resyncs in full under writes",
        r.cluster.pod_name(replica)
    ));
    r.cluster.kill_pod(replica)?;
    r.cluster.wipe_volumes(replica)?;
    let stop = AtomicBool::new(false);
    let written = AtomicUsize::new(0);
    let cluster = r.cluster;
    std::thread::scope(|scope| -> anyhow::Result<()> {
        scope.spawn(|| {
            let mut session = None;
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                if session.is_none() {
                    session = cluster.connect(master, false, CALL).ok();
                }
                if let Some(s) = session.as_mut() {
                    let key = format!("drill:load:{}", n % keys.max(1));
                    match s.call(&["SET", &key, &value], CALL) {
                        Ok(_) => {
                            written.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(_) => session = None,
                    }
                }
                n += 1;
                std::thread::sleep(WRITE_EVERY);
            }
        });
        r.sleep(0.5);
        r.step(format!("starting {} empty", r.cluster.pod_name(replica)));
        let started = r.cluster.start_pod(replica);
        if started.is_ok() {
            expect_replica_of(
                r,
                "the wiped replica completes its full sync under writes",
                replica,
                master,
                90.0,
            );
        }
        stop.store(true, Ordering::SeqCst);
        started
    })?;
    r.step(format!(
        "{} values of 1 MiB rewritten during the sync",
        written.load(Ordering::SeqCst)
    ));
    r.settle("the set is whole again", 60.0);
    Ok(())
}
