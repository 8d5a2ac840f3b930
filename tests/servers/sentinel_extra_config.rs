//! `sentinel.extraConfig` reaches a Sentinel that already has state: the rendered
//! ConfigMap's lines are applied by common.sh's `apply_sentinel_extra_config` over the
//! stored config, a real Sentinel (redis-server 7.0 `--sentinel`) loads and rewrites it, and
//! a changed profile replaces the value and drops a removed directive. Needs `dash` and
//! `redis-server` (`make test-deps`).

use crate::local_servers::free_port;
use crate::script_functions::dash_ok;
use redis_ha_gen::profile::{ProfileRequest, resolve};
use redis_ha_gen::render::{SCRIPTS, render};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The rendered `sentinel.conf` of production with these `--set`s.
fn rendered_sentinel_conf(sets: &[&str]) -> String {
    let profile = resolve(&ProfileRequest {
        profile: "production".into(),
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..ProfileRequest::default()
    })
    .unwrap()
    .profile;
    let docs: Vec<Value> = serde_saphyr::from_multiple(&render(&profile).unwrap()).unwrap();
    docs.iter()
        .find_map(|d| d["data"]["sentinel.conf"].as_str())
        .unwrap()
        .to_string()
}

/// Run common.sh's function on `conf` with the ConfigMap copy at `configmap`.
fn apply(dir: &Path, conf: &Path, configmap: &Path) {
    let common = SCRIPTS.iter().find(|(n, _)| *n == "common.sh").unwrap().1;
    // The library's functions only (its top level reads the pod's env and files).
    let start = common.find("EXTRA_MARKER=").unwrap();
    let end = start + common[start..].find("\n# Give the pod").unwrap();
    let script = format!(
        "CONF_DIR={}\n{}\napply_sentinel_extra_config \"$1\" \"$2\"\n",
        dir.display(),
        &common[start..end]
    );
    dash_ok(
        &script,
        &[OsStr::new("apply"), conf.as_os_str(), configmap.as_os_str()],
    );
}

/// Start a Sentinel on `conf`, wait for PONG, and shut it down (it rewrites its file).
fn run_sentinel(conf: &Path, port: u16) {
    let mut child = Command::new("redis-server")
        .arg(conf)
        .arg("--sentinel")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server is installed");
    let started = Instant::now();
    let pong = loop {
        let out = Command::new("redis-cli")
            .args(["-p", &port.to_string(), "PING"])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stdout).trim() == "PONG" {
            break true;
        }
        if started.elapsed() > Duration::from_secs(10) || child.try_wait().unwrap().is_some() {
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "SHUTDOWN", "NOSAVE"])
        .output();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        pong,
        "Sentinel did not start on:\n{}",
        std::fs::read_to_string(conf).unwrap()
    );
}

/// The ConfigMap copy: a Sentinel this test can run (local port and master), followed by the
/// rendered extraConfig section.
fn configmap(dir: &Path, port: u16, rendered: &str) -> std::path::PathBuf {
    let section = &rendered[rendered.find("# sentinel.extraConfig").unwrap()..];
    let text = format!(
        "port {port}\ndir {}\nsentinel monitor mymaster 127.0.0.1 {} 2\n{section}",
        dir.display(),
        free_port()
    );
    let path = dir.join("configmap-sentinel.conf");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_changed_sentinel_extra_config_reaches_a_sentinel_with_state() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = dir.path().join("sentinel.conf");
    let first = rendered_sentinel_conf(&[
        "sentinel.extraConfig.loglevel=warning",
        "sentinel.extraConfig.sentinel deny-scripts-reconfig=no",
    ]);
    let cm = configmap(dir.path(), port, &first);
    // First boot: init.sh copies the ConfigMap, then the step applies (no duplicate lines).
    std::fs::copy(&cm, &conf).unwrap();
    apply(dir.path(), &conf, &cm);
    let text = std::fs::read_to_string(&conf).unwrap();
    assert_eq!(text.matches("loglevel warning").count(), 1, "{text}");
    run_sentinel(&conf, port);
    let stored = std::fs::read_to_string(&conf).unwrap();
    assert!(
        stored.contains("sentinel myid "),
        "Sentinel rewrote its state: {stored}"
    );
    assert!(stored.contains("loglevel warning"), "{stored}");
    assert!(
        stored.contains("sentinel deny-scripts-reconfig no"),
        "{stored}"
    );
    // The profile changes: a new value for one directive, the other removed.
    let second = rendered_sentinel_conf(&["sentinel.extraConfig.loglevel=verbose"]);
    let cm = configmap(dir.path(), port, &second);
    apply(dir.path(), &conf, &cm);
    let applied = std::fs::read_to_string(&conf).unwrap();
    assert!(applied.contains("\nloglevel verbose\n"), "{applied}");
    assert!(!applied.contains("loglevel warning"), "{applied}");
    assert!(!applied.contains("deny-scripts-reconfig"), "{applied}");
    assert!(
        applied.contains("sentinel myid "),
        "the state stays: {applied}"
    );
    run_sentinel(&conf, port);
    let stored = std::fs::read_to_string(&conf).unwrap();
    assert!(stored.contains("loglevel verbose"), "{stored}");
    // And with no extraConfig at all, the last applied directive goes too.
    let none = rendered_sentinel_conf(&[]);
    assert!(!none.contains("# sentinel.extraConfig"), "{none}");
    let cm = dir.path().join("plain.conf");
    std::fs::write(&cm, format!("port {port}\n")).unwrap();
    apply(dir.path(), &conf, &cm);
    let applied = std::fs::read_to_string(&conf).unwrap();
    assert!(!applied.contains("loglevel"), "{applied}");
    run_sentinel(&conf, port);
}
