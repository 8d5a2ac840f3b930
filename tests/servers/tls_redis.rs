//! The rendered TLS configuration on the real binaries: `redis.conf` and `sentinel.conf` as
//! `tls.enabled` renders them (paths and ports moved to a temp dir and loopback), with a
//! throw-away CA made by openssl. A replica syncs over TLS, Sentinel monitors over TLS, the
//! plain port is closed, and the scripts' `redis_cmd` switches to TLS on `TLS_CA_CERT_FILE`.

use crate::local_servers::{Processes, free_port, start, until};
use redis_ha_gen::drill::certificates::ThrowawayCa;
use redis_ha_gen::profile::Profile;
use redis_ha_gen::render::render;
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A CA, and a certificate it signed for `localhost` and 127.0.0.1, as a `kubernetes.io/tls`
/// Secret's files: `tls.crt`, `tls.key`, `ca.crt` (the drill's own throwaway issuer).
fn make_certificates(dir: &Path) {
    let ca = ThrowawayCa::new().expect("openssl makes a CA (make test-deps)");
    ca.issue(&["localhost".into()], &["127.0.0.1".parse().unwrap()])
        .expect("issue")
        .write_to(dir)
        .expect("write the Secret's files");
}

/// The rendered ConfigMaps' files.
fn rendered_file(profile: &Profile, key: &str) -> String {
    let text = render(profile).expect("render");
    serde_saphyr::from_multiple::<Value>(&text)
        .expect("YAML")
        .iter()
        .find_map(|d| d["data"][key].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no {key}"))
}

/// redis-cli through the scripts' own `redis_cmd`/`sentinel_cmd` (common.sh), with the pod
/// env of a one-pod set and `TLS_CA_CERT_FILE` when `ca` is given.
fn script_cli(common: &Path, ca: Option<&Path>, function: &str, port: u16, args: &str) -> String {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            ". {} && {function} 127.0.0.1 {args}",
            common.display()
        ))
        .envs([
            ("POD_NAME", "redis-0"),
            ("POD_NAMESPACE", "ns"),
            ("SET_NAME", "redis"),
            ("HEADLESS_SERVICE", "redis-headless"),
            ("CLUSTER_DOMAIN", "cluster.local"),
            ("REPLICAS", "1"),
            ("MASTER_NAME", "mymaster"),
        ])
        .env("REDIS_PORT", port.to_string())
        .env("SENTINEL_PORT", port.to_string())
        .env_remove("TLS_CA_CERT_FILE");
    if let Some(ca) = ca {
        cmd.env("TLS_CA_CERT_FILE", ca);
    }
    let out = cmd.output().expect("sh runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn the_rendered_tls_configuration_replicates_and_is_monitored_over_tls_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tls = dir.path().join("tls");
    fs::create_dir(&tls).unwrap();
    make_certificates(&tls);
    let mut profile = Profile::default();
    profile.tls.enabled = true;
    let (master, replica, sentinel) = (free_port(), free_port(), free_port());
    let tls_dir = format!("{}/", tls.display());
    let localise = |text: String, data: &str| {
        text.replace("/tls/", &tls_dir)
            .replace("dir /data", &format!("dir {data}"))
            .replace("bind * -::*", "bind 127.0.0.1")
    };
    let mut processes = Processes(Vec::new());
    for (name, port, extra) in [
        ("master", master, String::new()),
        (
            "replica",
            replica,
            format!("replicaof 127.0.0.1 {master}\n"),
        ),
    ] {
        let data = dir.path().join(name);
        fs::create_dir(&data).unwrap();
        let conf = localise(
            rendered_file(&profile, "redis.conf"),
            &data.to_string_lossy(),
        )
        .replace("tls-port 6379", &format!("tls-port {port}"))
            + &extra;
        assert!(conf.contains("port 0\n") && conf.contains(&format!("tls-port {port}\n")));
        fs::write(data.join("redis.conf"), conf).unwrap();
        processes.0.push(start(&data.join("redis.conf"), false));
    }
    let data = dir.path().join("sentinel");
    fs::create_dir_all(data.join("conf")).unwrap();
    let rendered = rendered_file(&profile, "sentinel.conf");
    let monitor = rendered
        .lines()
        .find(|l| l.starts_with("sentinel monitor "))
        .expect("a monitor line");
    let conf = localise(rendered.clone(), &data.to_string_lossy())
        .replace("tls-port 26379", &format!("tls-port {sentinel}"))
        .replace(
            monitor,
            &format!("sentinel monitor mymaster 127.0.0.1 {master} 1"),
        );
    fs::write(data.join("sentinel.conf"), conf).unwrap();
    processes.0.push(start(&data.join("sentinel.conf"), true));

    let common = dir.path().join("common.sh");
    fs::write(&common, rendered_file(&profile, "common.sh")).unwrap();
    let ca = tls.join("ca.crt");
    let ping = |port| script_cli(&common, Some(&ca), "redis_cmd", port, "PING");
    assert!(
        until(Duration::from_secs(10), || ping(master) == "PONG"),
        "the master answers over TLS"
    );
    assert_eq!(
        script_cli(&common, None, "redis_cmd", master, "PING"),
        "",
        "the plain port is closed"
    );
    let link = || script_cli(&common, Some(&ca), "redis_cmd", replica, "INFO replication");
    assert!(
        until(Duration::from_secs(20), || link()
            .contains("master_link_status:up")),
        "the replica syncs over TLS: {}",
        link()
    );
    let seen = || {
        script_cli(
            &common,
            Some(&ca),
            "sentinel_cmd",
            sentinel,
            "SENTINEL REPLICAS mymaster",
        )
    };
    assert!(
        until(Duration::from_secs(20), || seen()
            .contains(&replica.to_string())),
        "Sentinel reaches the master over TLS and learns the replica: {}",
        seen()
    );
    let flags = script_cli(
        &common,
        Some(&ca),
        "sentinel_cmd",
        sentinel,
        "SENTINEL MASTER mymaster",
    );
    assert!(
        flags.lines().any(|l| l == "master"),
        "the master is not flagged down: {flags}"
    );
}
