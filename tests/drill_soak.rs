//! Soak: production's pods with every probe every second, for `SOAK_SECONDS` (default 180):
//! no container may keep a zombie process. Minutes long, so `make soak-zombies` runs it, not
//! `make test`. `SOAK_SHARE_PROCESS_NAMESPACE=false` drills the pods without the shared PID
//! namespace the templates ask for, to show what it prevents (zombies pile up).

mod common;
#[path = "drill/support.rs"]
mod support;

use redis_ha_gen::drill::cluster::Cluster;
use redis_ha_gen::drill::local::LocalSet;
use redis_ha_gen::drill::spec::{documents_from_text, ha_spec};
use std::time::{Duration, Instant};
use support::{no_set_leftovers, render, require_root_and_redis};

fn seconds_from_env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
#[ignore = "minutes long: `make soak-zombies`"]
fn probes_every_second_leave_no_zombies() {
    require_root_and_redis();
    let soak = Duration::from_secs(seconds_from_env("SOAK_SECONDS", 180));
    let text = render(&["--profile", "production"]);
    let documents = documents_from_text("production", &text).expect("parse");
    let mut spec = ha_spec(&documents, Some(1)).expect("spec");
    if std::env::var("SOAK_SHARE_PROCESS_NAMESPACE").as_deref() == Ok("false") {
        spec.pod.share_process_namespace = None;
    }
    for container in &mut spec.pod.containers {
        for probe in [
            &mut container.startup_probe,
            &mut container.readiness_probe,
            &mut container.liveness_probe,
        ]
        .into_iter()
        .flatten()
        {
            probe.period_seconds = Some(1);
        }
    }
    let set = LocalSet::create(&spec).expect("create the set");
    for ordinal in 0..spec.replicas {
        set.start_pod(ordinal).expect("start");
    }
    let started = Instant::now();
    let mut previous: Vec<(String, i32)> = Vec::new();
    let mut left_behind = 0;
    while started.elapsed() < soak {
        std::thread::sleep(Duration::from_secs(10));
        let counts = set.processes().expect("the local target sees processes");
        let zombies: Vec<(String, i32)> = counts
            .iter()
            .flat_map(|c| {
                let name = format!("{}/{}", c.pod, c.container);
                c.zombies.iter().map(move |pid| (name.clone(), *pid))
            })
            .collect();
        // A zombie still there 10 s later is one nobody reaps.
        left_behind = zombies.iter().filter(|z| previous.contains(z)).count();
        let pids: u64 = counts.iter().filter_map(|c| c.pids).sum();
        eprintln!(
            "soak {:>4.0} s: {} zombies ({left_behind} older than 10 s), {pids} pids in the containers",
            started.elapsed().as_secs_f64(),
            zombies.len(),
        );
        previous = zombies;
    }
    let ready = (0..spec.replicas).filter(|&i| set.is_ready(i)).count();
    let id = set.id().to_string();
    drop(set);
    no_set_leftovers(&id);
    assert_eq!(
        ready, spec.replicas,
        "pods not Ready at the end of the soak"
    );
    assert_eq!(left_behind, 0, "zombies accumulate in the containers");
}
