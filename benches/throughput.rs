//! Throughput of the pipeline stages, in process (`cargo bench --bench throughput`).
//!
//! For a corpus of rendered production sets (one namespace per set, `BENCH_SETS` sets,
//! default 2500 ≈ 22,500 documents), prints the documents per second of parse, strict
//! schema, rules, and all three. Render time is `benches/render.rs`; `benches/run.sh` adds
//! the whole-binary numbers and the kubernetes-validate comparison.

use redis_ha_gen::generate::generate;
use redis_ha_gen::manifest::{self, Document};
use redis_ha_gen::profile::{self, ProfileRequest, ResolvedProfile};
use redis_ha_gen::rules::{self, CheckOptions};
use redis_ha_gen::schema::{self, KubeVersion};
use std::time::{Duration, Instant};

fn production() -> ResolvedProfile {
    let request = ProfileRequest {
        profile: "production".to_owned(),
        ..ProfileRequest::default()
    };
    profile::resolve(&request).expect("built-in profiles resolve")
}

fn per_second(count: usize, took: Duration) -> f64 {
    count as f64 / took.as_secs_f64()
}

/// Best of a few runs: the machine is shared, the minimum is the least disturbed.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let out = f();
        best = best.min(started.elapsed());
        last = Some(out);
    }
    (best, last.expect("runs > 0"))
}

fn main() {
    let version = KubeVersion::default();

    // A corpus of whole HA sets, each in its own namespace.
    let sets: usize = std::env::var("BENCH_SETS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2500);
    let template = generate(&production(), version).expect("render");
    let one_set = manifest::to_yaml(&template.documents).expect("emit");
    let corpus: String = (0..sets)
        .map(|i| one_set.replace("kubernaut-system", &format!("ns-{i}")))
        .collect();
    let (took, parsed) = best_of(3, || manifest::parse("corpus.yaml", &corpus));
    let documents: Vec<Document> = parsed.documents;
    let count = documents.len();
    println!(
        "corpus      {count} documents, {:.1} MB",
        corpus.len() as f64 / 1e6
    );
    println!("parse       {:>9.0} documents/s", per_second(count, took));
    let (took, _) = best_of(3, || {
        documents
            .iter()
            .map(|d| schema::validate(d, version).len())
            .sum::<usize>()
    });
    println!("schema      {:>9.0} documents/s", per_second(count, took));
    let (took, _) = best_of(3, || {
        rules::check(&documents, &CheckOptions::default()).len()
    });
    println!("rules       {:>9.0} documents/s", per_second(count, took));
    let (took, _) = best_of(3, || {
        let parsed = manifest::parse("corpus.yaml", &corpus);
        let schema: usize = parsed
            .documents
            .iter()
            .map(|d| schema::validate(d, version).len())
            .sum();
        schema + rules::check(&parsed.documents, &CheckOptions::default()).len()
    });
    println!(
        "all three   {:>9.0} documents/s (one core)",
        per_second(count, took)
    );
}
