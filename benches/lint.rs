//! Lint throughput in process (`cargo bench --bench lint`), in documents per second on one
//! core: parse, strict schema, rules, and all three as `redis-ha-gen lint` runs them.
//!
//! The corpus is `BENCH_SETS` rendered production sets (default 50), each in its own
//! namespace and its own file — the corpus `benches/compare.sh` lints with the release binary
//! and hands to kubernetes-validate and checkov.

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use redis_ha_gen::generate::generate;
use redis_ha_gen::manifest::{self, Document, to_yaml};
use redis_ha_gen::profile::{ProfileRequest, resolve};
use redis_ha_gen::rules::{self, CheckOptions};
use redis_ha_gen::schema::{self, KubeVersion};
use std::hint::black_box;
use std::time::Duration;

/// One file per set: (file name, YAML text).
fn corpus(sets: usize) -> Vec<(String, String)> {
    (0..sets)
        .map(|i| {
            let request = ProfileRequest {
                profile: "production".to_owned(),
                namespace: Some(format!("ns-{i}")),
                ..ProfileRequest::default()
            };
            let resolved = resolve(&request).expect("the production profile resolves");
            let generated = generate(&resolved, KubeVersion::default()).expect("it renders");
            let text = to_yaml(&generated.documents).expect("it emits");
            (format!("set-{i}.yaml"), text)
        })
        .collect()
}

fn parse(corpus: &[(String, String)]) -> Vec<Document> {
    corpus
        .iter()
        .flat_map(|(file, text)| manifest::parse(file, text).documents)
        .collect()
}

fn schema_findings(documents: &[Document]) -> usize {
    documents
        .iter()
        .map(|d| schema::validate(d, KubeVersion::default()).len())
        .sum()
}

fn bench_lint(c: &mut Criterion) {
    let sets = std::env::var("BENCH_SETS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let corpus = corpus(sets);
    let documents = parse(&corpus);
    let options = CheckOptions::default();

    let mut group = c.benchmark_group("lint");
    // One iteration is the whole corpus (tens of milliseconds or more): flat sampling, and
    // ten samples are enough to see a median.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(documents.len() as u64));
    group.bench_function("parse", |b| b.iter(|| parse(black_box(&corpus))));
    group.bench_function("schema", |b| {
        b.iter(|| schema_findings(black_box(&documents)))
    });
    group.bench_function("rules", |b| {
        b.iter(|| rules::check(black_box(&documents), &options))
    });
    group.bench_function("parse+schema+rules", |b| {
        b.iter(|| {
            let documents = parse(black_box(&corpus));
            schema_findings(&documents) + rules::check(&documents, &options).len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_lint);
criterion_main!(benches);
