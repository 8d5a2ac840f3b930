//! The `schedule` grammar of a Kubernetes CronJob (`backup.schedule`): five fields
//! (minute, hour, day of month, month, day of week), each `*`, a number, a range `a-b`, any
//! of those with a step `/n`, or a comma-separated list of them; month and day names
//! (`jan`, `mon`); or one of the macros `@yearly`, `@annually`, `@monthly`, `@weekly`,
//! `@daily`, `@midnight`, `@hourly`. `CRON_TZ=`/`TZ=` prefixes are refused (the API server
//! refuses them since Kubernetes 1.27; `spec.timeZone` is the way).

const MACROS: [&str; 7] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// What a valid schedule looks like, for error messages.
pub const CRON_RULE: &str = "a CronJob schedule: five fields (minute 0-59, hour 0-23, day of \
    month 1-31, month 1-12 or jan-dec, day of week 0-7 or sun-sat), each `*`, `n`, `a-b`, \
    with an optional `/step`, or a comma-separated list of those (`0 */6 * * *`); or \
    @hourly, @daily, @weekly, @monthly, @yearly; no CRON_TZ= prefix";

/// Whether `schedule` is one Kubernetes accepts.
pub fn is_schedule(schedule: &str) -> bool {
    let schedule = schedule.trim();
    if schedule.starts_with('@') {
        return MACROS.contains(&schedule);
    }
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    let limits: [(u32, u32, &[&str]); 5] = [
        (0, 59, &[]),
        (0, 23, &[]),
        (1, 31, &[]),
        (1, 12, &MONTHS),
        (0, 7, &DAYS),
    ];
    fields.len() == 5
        && fields
            .iter()
            .zip(limits)
            .all(|(field, (lo, hi, names))| is_field(field, lo, hi, names))
}

fn is_field(field: &str, lo: u32, hi: u32, names: &[&str]) -> bool {
    field.split(',').all(|part| is_part(part, lo, hi, names))
}

fn is_part(part: &str, lo: u32, hi: u32, names: &[&str]) -> bool {
    let (range, step) = match part.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (part, None),
    };
    if let Some(step) = step
        && !step.parse::<u32>().is_ok_and(|s| s >= 1 && s <= hi.max(1))
    {
        return false;
    }
    if range == "*" || range == "?" {
        return true;
    }
    let value = |text: &str| -> Option<u32> {
        if let Ok(n) = text.parse::<u32>() {
            return (lo..=hi).contains(&n).then_some(n);
        }
        let lower = text.to_ascii_lowercase();
        names
            .iter()
            .position(|name| *name == lower)
            .map(|i| i as u32 + lo)
    };
    match range.split_once('-') {
        Some((a, b)) => matches!((value(a), value(b)), (Some(a), Some(b)) if a <= b),
        None => value(range).is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_schedule;

    #[test]
    fn accepts_what_kubernetes_accepts() {
        for ok in [
            "0 */6 * * *",
            "*/15 * * * *",
            "30 2 * * 1-5",
            "0 0 1 jan,jul *",
            "0 3 * * sun",
            "5,35 8-18/2 1-15 * mon-fri",
            "@hourly",
            "@daily",
            "0 0 * * 7",
        ] {
            assert!(is_schedule(ok), "{ok}");
        }
    }

    #[test]
    fn refuses_what_kubernetes_refuses() {
        for bad in [
            "",
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "0 24 * * *",
            "0 0 0 * *",
            "0 0 * 13 *",
            "0 0 * * 8",
            "*/0 * * * *",
            "5-1 * * * *",
            "CRON_TZ=UTC 0 * * * *",
            "@every 1h",
            "@reboot",
            "a * * * *",
            "0 0 * * mon-",
            "0,,1 * * * *",
        ] {
            assert!(!is_schedule(bad), "{bad:?}");
        }
    }
}
