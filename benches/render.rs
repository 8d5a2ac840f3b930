//! Render benchmark. The product target: `redis-ha-gen --profile production > /dev/null`
//! takes ≤ 10 ms median wall time on a 2-core machine, schema validation and rules included.
//! Prints that number for every built-in, then the in-process cost of one render (after the
//! first, which also builds the template environment and the schemas).
//!
//!     cargo bench --bench render

use redis_ha_gen::generate::generate;
use redis_ha_gen::manifest::{self, to_yaml};
use redis_ha_gen::profile::{BUILTINS, ProfileRequest, resolve};
use redis_ha_gen::rules::{self, CheckOptions};
use redis_ha_gen::schema::{self, KubeVersion};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROCESS_RUNS: usize = 51;
const IN_PROCESS_RUNS: usize = 501;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn render_in_process(name: &str) -> usize {
    let request = ProfileRequest {
        profile: name.to_string(),
        ..ProfileRequest::default()
    };
    let profile = resolve(&request).expect("built-in resolves");
    let generated = generate(&profile, KubeVersion::default()).expect("built-in renders");
    to_yaml(&generated.documents).expect("emits").len()
}

/// Median cost of each stage for one profile, to see where the time goes.
fn stages(name: &str) {
    let request = ProfileRequest {
        profile: name.to_string(),
        ..ProfileRequest::default()
    };
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        let first = ms(start.elapsed());
        let samples = (0..IN_PROCESS_RUNS)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect();
        (first, ms(median(samples)))
    };
    let resolved = resolve(&request).expect("resolves");
    let text = redis_ha_gen::render::render(&resolved.profile).expect("renders");
    let parsed = manifest::parse("-", &text);
    let options = CheckOptions::default();
    let row = [
        ("resolve", time(&mut || drop(resolve(&request)))),
        (
            "templates",
            time(&mut || drop(redis_ha_gen::render::render(&resolved.profile))),
        ),
        ("parse", time(&mut || drop(manifest::parse("-", &text)))),
        (
            "schema",
            time(&mut || {
                for d in &parsed.documents {
                    drop(schema::validate(d, KubeVersion::default()));
                }
            }),
        ),
        (
            "rules",
            time(&mut || drop(rules::check(&parsed.documents, &options))),
        ),
        ("emit", time(&mut || drop(to_yaml(&parsed.documents)))),
    ];
    let row: Vec<String> = row
        .iter()
        .map(|(s, (first, t))| format!("{s} {t:.3} (first {first:.2})"))
        .collect();
    println!("stages (ms, median) {name:<11} {}", row.join(", "));
}

fn main() {
    for builtin in BUILTINS {
        let samples = (0..PROCESS_RUNS)
            .map(|_| {
                let start = Instant::now();
                let status = Command::new(env!("CARGO_BIN_EXE_redis-ha-gen"))
                    .args(["--profile", builtin.name])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .expect("the binary runs");
                assert!(status.success(), "render --profile {} failed", builtin.name);
                start.elapsed()
            })
            .collect();
        println!(
            "redis-ha-gen --profile {:<11} > /dev/null   median {:>6.2} ms wall ({PROCESS_RUNS} runs; target ≤ 10 ms)",
            builtin.name,
            ms(median(samples))
        );
    }
    for builtin in BUILTINS {
        stages(builtin.name);
        let first = Instant::now();
        render_in_process(builtin.name);
        let first = first.elapsed();
        let samples = (0..IN_PROCESS_RUNS)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(render_in_process(builtin.name));
                start.elapsed()
            })
            .collect();
        println!(
            "in-process resolve+render+validate+emit {:<11} first {:>6.2} ms, then median {:>6.3} ms",
            builtin.name,
            ms(first),
            ms(median(samples))
        );
    }
}
