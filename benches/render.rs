//! In-process cost of one render (`cargo bench --bench render`): resolve the built-in profile,
//! render the templates, parse back, strict schema, rules, emit YAML — everything
//! `redis-ha-gen --profile P` does except starting the process. The first render also builds
//! the template environment and the schemas; criterion's warm-up absorbs it, so these are
//! steady-state numbers. The product target (≤ 10 ms median wall for the whole process) is
//! measured on the release binary by `benches/compare.sh`.

use criterion::{Criterion, criterion_group, criterion_main};
use redis_ha_gen::generate::generate;
use redis_ha_gen::manifest::to_yaml;
use redis_ha_gen::profile::{ProfileRequest, resolve};
use redis_ha_gen::schema::KubeVersion;
use std::hint::black_box;
use std::time::Duration;

fn render(profile: &str) -> String {
    let request = ProfileRequest {
        profile: profile.to_owned(),
        ..ProfileRequest::default()
    };
    let resolved = resolve(&request).expect("a built-in profile resolves");
    let generated = generate(&resolved, KubeVersion::default()).expect("a built-in renders");
    to_yaml(&generated.documents).expect("rendered documents emit")
}

fn bench_render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render");
    group.measurement_time(Duration::from_secs(3));
    for profile in ["kind", "production"] {
        group.bench_function(profile, |b| b.iter(|| render(black_box(profile))));
    }
    group.finish();
}

criterion_group!(benches, bench_render);
criterion_main!(benches);
