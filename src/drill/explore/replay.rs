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
    let shown = path.display().to_string();
    let text = crate::bounded_read::text_file(path, &shown)?;
    let schedule: Schedule = serde_json::from_str(&text).map_err(|err| {
        anyhow::anyhow!(
            "{shown} is not a schedule (`{{\"seed\": N, \"faults\": [{{\"at\": s, \"fault\": kind, \"target\": pod, \"duration\": s}}]}}`): {}",
            crate::plain_errors::json(&err)
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
