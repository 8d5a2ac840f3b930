//! Replay files: a schedule as JSON (`{"seed": …, "faults": [ … ]}`), exactly what
//! `drill --replay FILE` runs again.

use super::schedule::Schedule;
use anyhow::Context;
use std::path::Path;

pub fn write(path: &Path, schedule: &Schedule) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(schedule).unwrap_or_default() + "\n";
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

pub fn read(path: &Path) -> anyhow::Result<Schedule> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let schedule: Schedule = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a schedule (`{{\"seed\": N, \"faults\": [{{\"at\": s, \"fault\": kind, \"target\": pod, \"duration\": s}}]}}`)",
            path.display()
        )
    })?;
    for fault in &schedule.faults {
        if !(fault.at.is_finite()
            && fault.at >= 0.0
            && fault.duration.is_finite()
            && fault.duration >= 0.0)
        {
            anyhow::bail!(
                "{}: fault {} at {} s for {} s: times must be finite and not negative",
                path.display(),
                fault.fault.name(),
                fault.at,
                fault.duration
            );
        }
    }
    Ok(schedule)
}
