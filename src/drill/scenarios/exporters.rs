//! `metrics.enabled`: every `redis_exporter` sidecar must serve `/metrics` and reach the
//! server it watches (`redis_up 1`) once the set is whole again — a sidecar that cannot
//! authenticate or listens on another port fails here, not in Prometheus.

use crate::drill::rehearsal::Rehearsal;

/// How long the exporters get after the scenario's end (a restarted server reconnects).
const SECONDS: f64 = 20.0;

/// Records one check over every exporter of every pod; nothing when the pods run none or
/// the target cannot reach pod ports.
pub fn check(r: &mut Rehearsal) {
    let exporters = r.cluster.spec().exporters.clone();
    if exporters.is_empty() || r.cluster.scrape(0, exporters[0].1).is_none() {
        return;
    }
    let total = exporters.len() * r.replicas();
    r.step(format!("scraping {total} exporters"));
    let mut failing = Vec::new();
    let passed = r
        .wait_until(SECONDS, || {
            failing = (0..r.replicas())
                .flat_map(|ordinal| exporters.iter().map(move |e| (ordinal, e)))
                .filter_map(|(ordinal, (name, port))| {
                    let problem = match r.cluster.scrape(ordinal, *port)? {
                        Ok(body) if body.lines().any(|l| l.trim() == "redis_up 1") => return None,
                        Ok(body) => body
                            .lines()
                            .find(|l| l.starts_with("redis_up "))
                            .unwrap_or("no redis_up metric")
                            .to_string(),
                        Err(err) => format!("{err:#}"),
                    };
                    Some(format!("{}/{name}: {problem}", r.cluster.pod_name(ordinal)))
                })
                .collect();
            failing.is_empty().then_some(())
        })
        .is_some();
    let measured = if passed {
        format!("{total} of {total}")
    } else {
        failing.join("; ")
    };
    r.check(
        "metrics exporters serve redis_up 1",
        passed,
        measured,
        format!("{total} of {total}"),
    );
}
