//! The Sentinel timers that are not config directives reach a real Sentinel: the production
//! profile's rendered env (`SENTINEL_TILT_PERIOD_MS`, `SENTINEL_PING_PERIOD_MS`) and
//! ConfigMap, through sentinel-start.sh's `apply_configmap_tunables` under `dash`, into a
//! Sentinel 7.0 (`SENTINEL DEBUG`; docs/architecture.md §7 "The PING period" and §19).

use crate::local_servers::{Processes, free_port, start, until};
use crate::script_functions::{dash_ok, function, script};
use redis_ha_gen::profile::{ProfileRequest, resolve};
use redis_ha_gen::render::render;
use serde_json::Value;
use std::fs;
use std::process::Command;
use std::time::Duration;

/// The production profile's rendered objects.
fn production() -> Vec<Value> {
    let profile = resolve(&ProfileRequest {
        profile: "production".into(),
        ..ProfileRequest::default()
    })
    .unwrap()
    .profile;
    serde_saphyr::from_multiple(&render(&profile).unwrap()).unwrap()
}

/// The value of env `name` of the StatefulSet's `sentinel` container.
fn sentinel_env(docs: &[Value], name: &str) -> String {
    let set = docs.iter().find(|d| d["kind"] == "StatefulSet").unwrap();
    let containers = set["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    let sentinel = containers.iter().find(|c| c["name"] == "sentinel").unwrap();
    sentinel["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
        .unwrap_or_else(|| panic!("env {name} of the sentinel container"))
        .to_string()
}

/// `SENTINEL DEBUG`'s parameters, `NAME value` per line.
fn sentinel_debug(port: u16) -> String {
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "SENTINEL", "DEBUG"])
        .output()
        .expect("redis-cli is installed");
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let words: Vec<&str> = text.lines().collect();
    words
        .chunks(2)
        .map(|pair| pair.join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_rendered_ping_and_tilt_periods_reach_a_real_sentinel() {
    let docs = production();
    let ping = sentinel_env(&docs, "SENTINEL_PING_PERIOD_MS");
    let tilt = sentinel_env(&docs, "SENTINEL_TILT_PERIOD_MS");
    assert_eq!((ping.as_str(), tilt.as_str()), ("250", "10000"));
    let configmap = docs
        .iter()
        .find_map(|d| d["data"]["sentinel.conf"].as_str())
        .unwrap();

    let dir = tempfile::tempdir().expect("temp dir");
    let (master, port) = (free_port(), free_port());
    let conf = dir.path().join("sentinel.conf");
    fs::write(
        &conf,
        format!("port {port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {master} 2\n"),
    )
    .unwrap();
    let rendered = dir.path().join("configmap-sentinel.conf");
    fs::write(&rendered, configmap).unwrap();
    let _sentinel = Processes(vec![start(&conf, true)]);
    assert!(
        until(Duration::from_secs(10), || sentinel_debug(port)
            .contains("PING-PERIOD")),
        "Sentinel did not start"
    );
    assert!(sentinel_debug(port).contains("PING-PERIOD 1000"));

    // The function as shipped, its ConfigMap path pointed at the rendered copy; the CLI
    // without TLS or auth, as `sentinel_cmd` runs it then.
    let tunables = function(script("sentinel-start.sh"), "apply_configmap_tunables")
        .replace("/config/sentinel/sentinel.conf", "\"$CONFIGMAP\"");
    assert!(tunables.contains("\"$CONFIGMAP\""));
    let text = format!(
        "sentinel_cmd() {{ shift; redis-cli -p \"$SENTINEL_PORT\" \"$@\"; }}\n\
         log() {{ echo \"$*\" >&2; }}\n{}\n{}\n{}\napply_configmap_tunables\n",
        function(script("sentinel-start.sh"), "staggered_down_after"),
        function(script("sentinel-start.sh"), "sentinel_debug"),
        tunables
    );
    dash_ok(
        &format!(
            "LOCAL=127.0.0.1 SENTINEL_PORT={port} MASTER_NAME=mymaster REPLICAS=3 ORDINAL=0 \
             CONFIGMAP={} SENTINEL_PING_PERIOD_MS={ping} SENTINEL_TILT_PERIOD_MS={tilt}\n{text}",
            rendered.display()
        ),
        &["apply"],
    );
    let after = sentinel_debug(port);
    assert!(after.contains("PING-PERIOD 250"), "{after}");
    assert!(after.contains("TILT-PERIOD 10000"), "{after}");
}
