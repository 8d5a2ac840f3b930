//! The zombie and OOM checks every scenario ends with. No OOM kill: a container whose memory
//! cgroup passed `resources.limits.memory` was SIGKILLed by the kernel (exit 137) and
//! restarted in place. No zombie: no container may keep exited processes that
//! its PID 1 never reaps. Each one holds a pid of the container's limit until the container
//! restarts; enough of them and nothing in it can fork (BGSAVE fails, and with
//! `stop-writes-on-bgsave-error` the master refuses every write).

use crate::drill::cluster::ProcessCount;
use crate::drill::rehearsal::Rehearsal;

/// Zombies seen in both samples (a process between its exit and its parent's `wait` is one
/// for an instant; one still there a second later is left behind).
fn persistent(first: &[ProcessCount], second: &[ProcessCount]) -> Vec<(String, usize)> {
    second
        .iter()
        .filter_map(|now| {
            let before = first
                .iter()
                .find(|c| c.pod == now.pod && c.container == now.container)?;
            let left = now
                .zombies
                .iter()
                .filter(|pid| before.zombies.contains(pid))
                .count();
            (left > 0).then(|| (format!("{}/{}", now.pod, now.container), left))
        })
        .collect()
}

/// Sample every container's processes twice, a second apart, and check for zombies.
pub fn check(r: &mut Rehearsal) {
    let Some(first) = r.cluster.processes() else {
        return;
    };
    r.sleep(1.0);
    let Some(second) = r.cluster.processes() else {
        return;
    };
    let left = persistent(&first, &second);
    let total: usize = left.iter().map(|(_, n)| n).sum();
    r.zombies = Some(total);
    let most = second
        .iter()
        .filter_map(|c| Some((c.pids?, format!("{}/{}", c.pod, c.container))))
        .max();
    let pids = most.map_or(String::new(), |(n, which)| {
        format!("; most pids in use: {n} ({which})")
    });
    let measured = if left.is_empty() {
        format!("0 zombies{pids}")
    } else {
        let list: Vec<String> = left.iter().map(|(c, n)| format!("{c}: {n}")).collect();
        format!("{total} zombies ({}){pids}", list.join(", "))
    };
    r.check(
        "no zombie processes left in any container",
        total == 0,
        measured,
        "0 zombies",
    );
    let oom: Vec<String> = second
        .iter()
        .filter(|c| c.oom_kills > 0)
        .map(|c| format!("{}/{}: {}", c.pod, c.container, c.oom_kills))
        .collect();
    r.check(
        "no container OOM-killed",
        oom.is_empty(),
        if oom.is_empty() {
            "0 OOM kills".to_string()
        } else {
            format!(
                "OOM kills (exit 137, restarted in place): {}",
                oom.join(", ")
            )
        },
        "0 OOM kills",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(container: &str, zombies: &[i32]) -> ProcessCount {
        ProcessCount {
            pod: "redis-0".into(),
            container: container.into(),
            zombies: zombies.to_vec(),
            pids: None,
            oom_kills: 0,
        }
    }

    #[test]
    fn counts_only_zombies_seen_twice() {
        let first = [count("redis", &[10, 11]), count("sentinel", &[20])];
        let second = [count("redis", &[11, 12]), count("sentinel", &[])];
        assert_eq!(persistent(&first, &second), [("redis-0/redis".into(), 1)]);
        assert!(persistent(&second, &[count("redis", &[])]).is_empty());
    }
}
