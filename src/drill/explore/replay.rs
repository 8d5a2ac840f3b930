//! Replay files: a schedule as JSON (`{"seed": …, "faults": [ … ]}`), exactly what
//! `drill --replay FILE` runs again.

use super::catalogue::FaultKind;
use super::schedule::Schedule;
use anyhow::Context;
use std::path::Path;

pub fn write(path: &Path, schedule: &Schedule) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(schedule).unwrap_or_default() + "\n";
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

pub fn read(path: &Path) -> anyhow::Result<Schedule> {
    let shown = path.display().to_string();
    let text = crate::bounded_read::text_file(path, &shown)?;
    let schedule: Schedule = serde_json::from_str(&text).map_err(|err| {
        anyhow::anyhow!(
            "{shown} is not a schedule (`{{\"seed\": N, \"faults\": [{{\"at\": s, \"fault\": kind, \"target\": pod, \"duration\": s}}]}}`): {}",
            crate::plain_errors::json(&err)
        )
    })?;
    let time = |t: f64| t.is_finite() && t >= 0.0;
    for fault in &schedule.faults {
        let delays = fault.starts.iter().chain(&fault.stops).map(|s| s.after);
        if !(time(fault.at) && time(fault.duration) && delays.into_iter().all(time)) {
            anyhow::bail!(
                "{}: fault {} at {} s for {} s: times (and `starts`' and `stops`' `after`) must be finite and not negative",
                path.display(),
                fault.fault.name(),
                fault.at,
                fault.duration
            );
        }
        let master_only = fault.fault == FaultKind::PartitionMasterSentinels;
        if master_only != (fault.target == "master") {
            anyhow::bail!(
                "{}: fault {} targets {:?}: `master` (the pod the Sentinels name when the fault \
                 starts) is the target of partition-master-sentinels, and only of it",
                path.display(),
                fault.fault.name(),
                fault.target
            );
        }
    }
    Ok(schedule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stops_and_refuses_negative_delays() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("schedule.json");
        let file = |after: f64| {
            serde_json::json!({"seed": 1, "faults": [{
                "at": 3.0, "fault": "staggered-stop-wipe", "target": "redis-0", "duration": 20.0,
                "stops": [{"pod": "redis-1", "after": 0.0}, {"pod": "redis-2", "after": after},
                          {"pod": "redis-0", "after": 1.5}],
                "starts": [{"pod": "redis-0", "after": 0.0}, {"pod": "redis-1", "after": 10.0},
                           {"pod": "redis-2", "after": 20.0}]
            }]})
            .to_string()
        };
        std::fs::write(&path, file(1.5)).expect("write");
        let schedule = read(&path).expect("a schedule");
        assert_eq!(schedule.faults[0].stops.len(), 3);
        // What is read is written back unchanged.
        write(&path, &schedule).expect("write back");
        assert_eq!(read(&path).expect("again"), schedule);
        std::fs::write(&path, file(-1.0)).expect("write");
        let err = read(&path).expect_err("negative").to_string();
        assert!(err.contains("must be finite and not negative"), "{err}");
        for (fault, target) in [
            ("partition-master-sentinels", "redis-0"),
            ("kill-pod", "master"),
        ] {
            let one = serde_json::json!({"seed": 1, "faults": [{
                "at": 3.0, "fault": fault, "target": target, "duration": 2.0}]});
            std::fs::write(&path, one.to_string()).expect("write");
            let err = read(&path).expect_err(fault).to_string();
            assert!(
                err.contains("is the target of partition-master-sentinels"),
                "{err}"
            );
        }
    }
}
