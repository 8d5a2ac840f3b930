//! `tls.enabled`: TLS-only Redis and Sentinel, the Secret mounted wherever redis-cli or an
//! exporter runs, and the cert-manager Certificate naming every address in use.

use redis_ha_gen::profile::Profile;
use redis_ha_gen::render::render;
use serde_json::Value;

fn documents(profile: &Profile) -> Vec<Value> {
    let text = render(profile).expect("render");
    serde_saphyr::from_multiple::<Value>(&text).expect("rendered text is valid YAML")
}

fn with_tls(cert_manager: bool, metrics: bool) -> Profile {
    let mut profile = Profile::default();
    profile.tls.enabled = true;
    profile.tls.existing_secret = "gateway-redis-tls".into();
    profile.tls.cert_manager.enabled = cert_manager;
    profile.tls.cert_manager.issuer_ref.name = "ca-issuer".into();
    profile.tls.cert_manager.issuer_ref.kind = "ClusterIssuer".into();
    profile.metrics.enabled = metrics;
    profile
}

fn find<'a>(docs: &'a [Value], kind: &str) -> Option<&'a Value> {
    docs.iter().find(|d| d["kind"] == kind)
}

fn pod(docs: &[Value]) -> &Value {
    &find(docs, "StatefulSet").expect("a StatefulSet")["spec"]["template"]["spec"]
}

/// Every container of the pod, init containers first.
fn all_containers(docs: &[Value]) -> Vec<&Value> {
    let pod = pod(docs);
    ["initContainers", "containers"]
        .iter()
        .flat_map(|list| pod[list].as_array().into_iter().flatten())
        .collect()
}

fn config_file<'a>(docs: &'a [Value], key: &str) -> &'a str {
    docs.iter()
        .filter(|d| d["kind"] == "ConfigMap")
        .find_map(|d| d["data"][key].as_str())
        .unwrap_or_else(|| panic!("no ConfigMap holds {key}"))
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).collect()
}

fn env<'a>(container: &'a Value, name: &str) -> Option<&'a str> {
    container["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
}

#[test]
fn off_by_default_nothing_changes() {
    let docs = documents(&Profile::default());
    assert!(find(&docs, "Certificate").is_none());
    let redis = lines(config_file(&docs, "redis.conf"));
    assert!(redis.contains(&"port 6379"));
    assert!(!redis.iter().any(|l| l.starts_with("tls-")), "{redis:?}");
    for c in all_containers(&docs) {
        assert_eq!(env(c, "TLS_CA_CERT_FILE"), None);
        assert!(!c["volumeMounts"].to_string().contains("/tls"), "{c}");
    }
}

#[test]
fn redis_and_sentinel_listen_on_tls_only_on_the_same_ports() {
    let docs = documents(&with_tls(false, false));
    let files =
        "tls-cert-file /tls/tls.crt\ntls-key-file /tls/tls.key\ntls-ca-cert-file /tls/ca.crt";
    for (file, port) in [("redis.conf", 6379), ("sentinel.conf", 26379)] {
        let conf = lines(config_file(&docs, file));
        for expected in [
            "port 0",
            &format!("tls-port {port}"),
            "tls-replication yes",
            "tls-auth-clients no",
        ]
        .into_iter()
        .chain(files.lines())
        {
            assert!(
                conf.contains(&expected),
                "{file} lacks `{expected}`: {conf:?}"
            );
        }
        assert_eq!(
            conf.iter().filter(|l| l.starts_with("port ")).count(),
            1,
            "{file}"
        );
    }
    // The ports clients and peers use do not move.
    let headless = docs
        .iter()
        .find(|d| d["metadata"]["name"] == "redis-headless")
        .unwrap();
    let ports: Vec<&Value> = headless["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["port"])
        .collect();
    assert_eq!(ports, [6379, 26379]);
}

#[test]
fn every_container_that_connects_mounts_the_secret_read_only_and_knows_the_ca() {
    let docs = documents(&with_tls(false, true));
    let volumes = pod(&docs)["volumes"].as_array().unwrap();
    let tls = volumes
        .iter()
        .find(|v| v["name"] == "tls")
        .expect("a tls volume");
    assert_eq!(tls["secret"]["secretName"], "gateway-redis-tls");
    let containers = all_containers(&docs);
    let names: Vec<&str> = containers
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "config-init",
            "redis",
            "sentinel",
            "redis-exporter",
            "sentinel-exporter"
        ]
    );
    for c in containers {
        let mount = c["volumeMounts"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["name"] == "tls"))
            .unwrap_or_else(|| panic!("{} does not mount tls", c["name"]));
        assert_eq!(mount["mountPath"], "/tls");
        assert_eq!(mount["readOnly"], true);
        let exporter = c["name"].as_str().unwrap().ends_with("-exporter");
        let ca = if exporter {
            "REDIS_EXPORTER_TLS_CA_CERT_FILE"
        } else {
            "TLS_CA_CERT_FILE"
        };
        assert_eq!(env(c, ca), Some("/tls/ca.crt"), "{}", c["name"]);
        if exporter {
            assert!(
                env(c, "REDIS_ADDR")
                    .unwrap()
                    .starts_with("rediss://localhost:")
            );
        }
    }
}

#[test]
fn every_redis_cli_call_of_the_scripts_goes_through_the_tls_switch() {
    let docs = documents(&with_tls(false, false));
    let scripts = docs
        .iter()
        .find(|d| d["metadata"]["name"] == "redis-scripts")
        .expect("scripts ConfigMap");
    for (file, text) in scripts["data"].as_object().unwrap() {
        for line in text.as_str().unwrap().lines() {
            let code = line.split('#').next().unwrap_or_default();
            // The CLI is the engine's (`$CLI`, from ENGINE_CLI): only REDIS_CLI calls it.
            if code.contains("redis-cli ") || code.contains("$CLI ") || code.contains("$CLI\"") {
                assert!(
                    code.contains("REDIS_CLI=\"$CLI"),
                    "{file}: the CLI called directly: {line}"
                );
            }
        }
    }
    let common = scripts["data"]["common.sh"].as_str().unwrap();
    assert!(common.contains(r#"REDIS_CLI="$CLI --tls --cacert $TLS_CA_CERT_FILE""#));
}

#[test]
fn the_certificate_names_every_address_in_use() {
    let docs = documents(&with_tls(false, false));
    assert!(
        find(&docs, "Certificate").is_none(),
        "an existing Secret needs no Certificate"
    );
    let docs = documents(&with_tls(true, false));
    let cert = find(&docs, "Certificate").expect("a Certificate");
    assert_eq!(cert["apiVersion"], "cert-manager.io/v1");
    assert_eq!(cert["spec"]["secretName"], "gateway-redis-tls");
    assert_eq!(
        cert["spec"]["issuerRef"],
        serde_json::json!({"name": "ca-issuer", "kind": "ClusterIssuer", "group": "cert-manager.io"})
    );
    let names: Vec<&str> = cert["spec"]["dnsNames"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let covered = |host: &str| {
        names.iter().any(|n| match n.strip_prefix("*.") {
            // A wildcard covers exactly one more label.
            Some(rest) => host.split_once('.').is_some_and(|(_, h)| h == rest),
            None => *n == host,
        })
    };
    let ns = "kubernaut-system";
    for host in [
        format!("redis-0.redis-headless.{ns}.svc.cluster.local"),
        format!("redis-2.redis-headless.{ns}.svc"),
        "redis-1.redis-headless".into(),
        "redis".into(),
        format!("redis.{ns}"),
        format!("redis.{ns}.svc"),
        format!("redis.{ns}.svc.cluster.local"),
        "localhost".into(),
    ] {
        assert!(covered(&host), "{host} not in {names:?}");
    }
    assert!(!covered("redis-0.other.kubernaut-system.svc"));
    assert_eq!(
        cert["spec"]["ipAddresses"],
        serde_json::json!(["127.0.0.1"])
    );
}

fn lint(text: &str) -> Vec<(String, usize)> {
    let parsed = redis_ha_gen::manifest::parse("tls.yaml", text);
    assert!(parsed.findings.is_empty(), "{:?}", parsed.findings);
    let options = redis_ha_gen::rules::CheckOptions::default();
    redis_ha_gen::rules::check(&parsed.documents, &options)
        .into_iter()
        .map(|f| (f.rule, f.line.unwrap_or(0)))
        .collect()
}

fn fixture(rule: &str, file: &str) -> String {
    let path = format!("{}/tests/rules/{rule}/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn a_tls_only_set_done_right_has_no_findings() {
    assert_eq!(lint(&fixture("probe-without-tls", "passes.yaml")), []);
}

#[test]
fn sentinel_speaking_tls_to_plain_redis_is_a_mismatch_too() {
    let good = fixture("sentinel-tls-mismatch", "passes.yaml");
    let redis_tls = "    port 0\n    tls-port 6379\n    tls-cert-file /tls/tls.crt\n    tls-key-file /tls/tls.key\n    tls-ca-cert-file /tls/ca.crt\n    tls-replication yes\n    tls-auth-clients no\n    dir /data";
    assert!(good.contains(redis_tls));
    let plain_redis = good.replacen(redis_tls, "    port 6379\n    dir /data", 1);
    let line = plain_redis
        .lines()
        .position(|l| l.trim() == "tls-replication yes")
        .expect("Sentinel's tls-replication")
        + 1;
    let findings = lint(&plain_redis);
    assert!(
        findings.contains(&("sentinel-tls-mismatch".into(), line)),
        "{findings:?}"
    );
}

#[test]
fn the_rendered_tls_set_passes_every_rule_and_each_mistake_is_caught() {
    let mut profile = with_tls(false, true);
    profile.network_policy.enabled = true;
    let text = render(&profile).expect("render");
    assert_eq!(lint(&text), [], "the rendered TLS set");
    let mistakes = [
        ("    tls-replication yes\n", "", "tls-replication-disabled"),
        (
            r#"REDIS_CLI="$CLI --tls --cacert $TLS_CA_CERT_FILE""#,
            r#"REDIS_CLI="$CLI""#,
            "probe-without-tls",
        ),
        ("    port 0\n", "", "tls-plain-port-open"),
        ("/tls/tls.key", "/etc/tls.key", "tls-cert-not-mounted"),
    ];
    for (from, to, rule) in mistakes {
        assert!(text.contains(from), "{from}");
        let found = lint(&text.replacen(from, to, 1));
        assert!(found.iter().any(|(r, _)| r == rule), "{rule}: {found:?}");
    }
}

#[test]
fn sentinels_that_speak_tls_to_peers_must_listen_on_tls() {
    let good = fixture("sentinel-tls-mismatch", "passes.yaml");
    let listener = "  sentinel.conf: |\n    port 0\n    tls-port 26379\n";
    assert!(good.contains(listener));
    let no_tls_port = good.replacen(listener, "  sentinel.conf: |\n", 1);
    let line = no_tls_port
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "tls-replication yes")
        .nth(1)
        .expect("Sentinel's tls-replication")
        .0
        + 1;
    assert_eq!(lint(&no_tls_port), [("sentinel-tls-mismatch".into(), line)]);
}

#[test]
fn a_secret_volume_that_projects_only_some_keys_lacks_the_others() {
    let good = fixture("tls-cert-not-mounted", "passes.yaml");
    let volume = "          secret: {secretName: redis-tls}";
    assert!(good.contains(volume));
    let partial = good.replacen(
        volume,
        "          secret:\n            secretName: redis-tls\n            items: [{key: tls.crt, path: tls.crt}, {key: tls.key, path: tls.key}]",
        1,
    );
    let ca_lines: Vec<usize> = partial
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "tls-ca-cert-file /tls/ca.crt")
        .map(|(i, _)| i + 1)
        .collect();
    let expected: Vec<(String, usize)> = ca_lines
        .into_iter()
        .map(|line| ("tls-cert-not-mounted".to_string(), line))
        .collect();
    assert_eq!(expected.len(), 2, "Redis and Sentinel load the CA");
    assert_eq!(lint(&partial), expected);
}

#[test]
fn the_data_port_of_a_tls_only_redis_is_its_tls_port() {
    let good = fixture("probe-without-tls", "passes.yaml");
    let client = "  name: redis-sentinel\n  namespace: ha\nspec:\n  selector: {app: redis}\n  ports:\n    - {name: sentinel, port: 26379}\n";
    assert!(good.contains(client));
    let exposed = good.replacen(
        client,
        &format!("{client}    - {{name: redis, port: 6379}}\n"),
        1,
    );
    let rules: Vec<String> = lint(&exposed).into_iter().map(|(rule, _)| rule).collect();
    assert_eq!(rules, ["client-service-selects-replicas"]);
}
