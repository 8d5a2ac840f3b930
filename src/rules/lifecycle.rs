//! Engine versions past their upstream end of life: a dated table, with its sources.
//!
//! The table is the projects' own word, as of this table's last review (2026-12-02):
//!
//! - Redis: "Redis Open Source version management", the table of supported versions and
//!   their end-of-life dates (`REDIS_VERSIONS`). Redis 7.0 is not in it: under Redis's
//!   earlier policy (the latest stable release, the previous minor and the previous major's
//!   last minor), its maintenance ended when 7.4.0 came out on 2024-07-29; 7.0.15
//!   (2024-01-09) was its last release. Lines older than 6.2 are long unsupported.
//! - Valkey: "Valkey releases and versioning": maintenance support (bug and security fixes)
//!   for three years from a minor version's first release. 7.2's date is in its table;
//!   8.0's and 8.1's are three years from 8.0.0 (2024-09-16) and 8.1.0 (2025-03-31), the
//!   release dates of the download pages (`VALKEY_DOWNLOADS`).
//!
//! Lines the table does not know (newer than it) are not judged.

use super::rule::{Category, Rule};
use super::sources::{REDIS_VERSIONS, VALKEY_DOWNLOADS, VALKEY_RELEASES};
use crate::finding::Severity;
use crate::profile::Engine;

/// One release line and the day its upstream support ends (`None`: long before the table).
struct Line {
    engine: Engine,
    major: u32,
    minor: u32,
    end: &'static str,
}

const LINES: &[Line] = &[
    line(Engine::Redis, 6, 2, "2027-04-01"),
    line(Engine::Redis, 7, 0, "2024-07-29"),
    line(Engine::Redis, 7, 2, "2029-12-01"),
    line(Engine::Redis, 7, 4, "2029-12-01"),
    line(Engine::Redis, 8, 0, "2026-12-01"),
    line(Engine::Redis, 8, 2, "2030-09-01"),
    line(Engine::Valkey, 7, 2, "2027-04-16"),
    line(Engine::Valkey, 8, 0, "2027-09-16"),
    line(Engine::Valkey, 8, 1, "2028-03-31"),
];

const fn line(engine: Engine, major: u32, minor: u32, end: &'static str) -> Line {
    Line {
        engine,
        major,
        minor,
        end,
    }
}

/// The oldest line each engine's table lists: anything older is past its end of life.
fn oldest(engine: Engine) -> Option<(u32, u32)> {
    LINES
        .iter()
        .filter(|l| l.engine == engine)
        .map(|l| (l.major, l.minor))
        .min()
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
fn days(date: &str) -> Option<i64> {
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Today, in days since 1970-01-01: `SOURCE_DATE_EPOCH` when set (reproducible runs and
/// tests), else the clock.
fn today() -> i64 {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    seconds.div_euclid(86_400)
}

/// The engine and `major.minor` an image names: an official-looking repository (`redis`,
/// `valkey/valkey`, `bitnami/valkey`) and a tag that starts with a version.
fn engine_version(image: &str) -> Option<(Engine, u32, u32)> {
    let name = image.split('@').next().unwrap_or(image);
    let (repository, tag) = name.rsplit_once(':').filter(|(_, t)| !t.contains('/'))?;
    let engine = Engine::of_repository(repository)?;
    let mut numbers = tag
        .split(|c: char| !c.is_ascii_digit())
        .take(2)
        .map(|n| n.parse::<u32>().ok());
    let (major, minor) = (numbers.next()??, numbers.next()??);
    tag.starts_with(|c: char| c.is_ascii_digit())
        .then_some((engine, major, minor))
}

/// Why `image` is past its end of life on day `today`, if it is.
fn past_end_of_life(image: &str, today: i64) -> Option<String> {
    let (engine, major, minor) = engine_version(image)?;
    let name = engine.display();
    if let Some(line) = LINES
        .iter()
        .find(|l| (l.engine, l.major, l.minor) == (engine, major, minor))
    {
        return (days(line.end)? < today).then(|| {
            format!(
                "runs {name} {major}.{minor}, past its upstream end of life ({}): it gets no more \
                 security fixes",
                line.end
            )
        });
    }
    (Some((major, minor)) < oldest(engine)).then(|| {
        format!(
            "runs {name} {major}.{minor}, older than every line {name} still supports: it gets no \
             more security fixes"
        )
    })
}

pub const ENGINE_VERSION_END_OF_LIFE: Rule = Rule {
    id: "engine-version-end-of-life",
    category: Category::Security,
    severity: Severity::Warning,
    summary: "a Redis or Valkey image whose release line is past its upstream end of life",
    rationale: "Past its end of life a release line gets no bug or security fixes: a \
        vulnerability found later (Redis and Valkey publish several a year, some reachable \
        by any client that can run a Lua script) stays open for good. Redis lists its \
        supported lines and their end-of-life dates (\"Redis Open Source version \
        management\": 6.2 until 2027-04-01, 7.2 and 7.4 until 2029-12-01, 8.0 until \
        2026-12-01, 8.2 until 2030-09-01; 7.0 is no longer listed, its maintenance ended \
        when 7.4.0 came out on 2024-07-29). Valkey supports each minor version with bug and \
        security fixes for three years from its first release (\"Valkey releases and \
        versioning\": 7.2 until 2027-04-16, 8.0 until 2027-09-16, 8.1 until 2028-03-31). \
        Lines newer than this table are not judged. The date compared is today's \
        (`SOURCE_DATE_EPOCH` when set).",
    fix: "Move to a supported line: for Redis the latest patch of 7.2 or later, for Valkey \
        8.1 or later (profile `image.tag`, or `engine: valkey`, whose pinned image is \
        Valkey 8.1; README, \"Engines and versions\"). Read the release notes before a \
        minor upgrade and upgrade replicas before the master.",
    references: &[REDIS_VERSIONS, VALKEY_RELEASES, VALKEY_DOWNLOADS],
    check: |cx, sink| {
        let today = today();
        for w in cx.model.set_workloads() {
            // Once per image of a workload (Redis and Sentinel usually share one).
            let mut seen = std::collections::BTreeSet::new();
            for c in w.containers.iter().filter(|c| c.server.is_some()) {
                let Some(image) = &c.image else { continue };
                if !seen.insert(image) {
                    continue;
                }
                if let Some(why) = past_end_of_life(image, today) {
                    sink.report(
                        &w.loc(format!("{}/image", c.pointer)),
                        format!("image `{image}` of container `{}` {why}", c.name),
                    );
                }
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_the_epoch() {
        assert_eq!(days("1970-01-01"), Some(0));
        assert_eq!(days("2000-03-01"), Some(11_017));
        assert_eq!(days("2026-12-02"), Some(20_789));
        assert_eq!(days("2026-13"), None);
    }

    #[test]
    fn lines_past_their_end_are_named_with_the_date() {
        let day = |d| days(d).unwrap();
        let why = past_end_of_life("docker.io/library/redis:7.0.15-alpine", day("2026-12-02"))
            .expect("7.0 is past its end");
        assert!(
            why.contains("Redis 7.0") && why.contains("2024-07-29"),
            "{why}"
        );
        assert_eq!(past_end_of_life("redis:7.0.15", day("2024-07-29")), None);
        assert!(past_end_of_life("redis:8.0.2", day("2026-12-02")).is_some());
        assert_eq!(past_end_of_life("redis:8.0.2", day("2026-12-01")), None);
        assert_eq!(past_end_of_life("redis:7.2.4", day("2026-12-02")), None);
        assert!(past_end_of_life("bitnami/redis:6.0.16", day("2020-01-01")).is_some());
        let valkey = "docker.io/valkey/valkey:8.1.11-alpine";
        assert_eq!(past_end_of_life(valkey, day("2028-03-31")), None);
        assert!(past_end_of_life(valkey, day("2028-04-01")).is_some());
        assert!(past_end_of_life("valkey/valkey:7.2.5", day("2027-04-17")).is_some());
        // Newer than the table, no version, not an engine image: not judged.
        assert_eq!(
            past_end_of_life("valkey/valkey:9.0.8", day("2040-01-01")),
            None
        );
        assert_eq!(past_end_of_life("redis:alpine", day("2040-01-01")), None);
        assert_eq!(past_end_of_life("redis@sha256:ab", day("2040-01-01")), None);
        assert_eq!(
            past_end_of_life("registry:5000/cache:7.0.1", day("2040-01-01")),
            None
        );
    }

    #[test]
    fn every_line_has_a_valid_date() {
        for line in LINES {
            assert!(days(line.end).is_some(), "{}", line.end);
        }
    }
}
