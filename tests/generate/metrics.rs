//! `metrics.enabled`: exporter sidecars, scrape Service, ServiceMonitor, PrometheusRule (and
//! the NetworkPolicy opening the exporter ports) — rendered, validated, and every alert's
//! PromQL parsed and runbook link checked against docs/runbook.md.

use redis_ha_gen::generate::generate;
use redis_ha_gen::profile::{Profile, ProfileRequest, resolve};
use redis_ha_gen::render::render;
use redis_ha_gen::schema::KubeVersion;
use serde_json::Value;

use crate::markdown::headings;

fn documents(profile: &Profile) -> Vec<Value> {
    let text = render(profile).expect("render");
    serde_saphyr::from_multiple::<Value>(&text).expect("rendered text is valid YAML")
}

fn with_metrics() -> Profile {
    let mut profile = Profile::default();
    profile.metrics.enabled = true;
    profile
}

fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} rendered"))
}

fn containers(docs: &[Value]) -> Vec<Value> {
    find(docs, "StatefulSet")["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers")
        .clone()
}

fn container<'a>(containers: &'a [Value], name: &str) -> &'a Value {
    containers
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

fn env<'a>(container: &'a Value, name: &str) -> Option<&'a Value> {
    container["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
}

#[test]
fn off_by_default_nothing_is_added() {
    let docs = documents(&Profile::default());
    let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert!(!kinds.contains(&"ServiceMonitor") && !kinds.contains(&"PrometheusRule"));
    let names: Vec<Value> = containers(&docs)
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, ["redis", "sentinel"]);
}

#[test]
fn exporters_scrape_redis_and_sentinel_with_pinned_image_and_resources() {
    let mut profile = with_metrics();
    profile.auth.enabled = true;
    let docs = documents(&profile);
    let containers = containers(&docs);
    let redis = container(&containers, "redis-exporter");
    let sentinel = container(&containers, "sentinel-exporter");
    for (exporter, addr, port) in [
        (redis, "redis://localhost:6379", 9121),
        (sentinel, "redis://localhost:26379", 9355),
    ] {
        assert_eq!(
            exporter["image"],
            "docker.io/oliver006/redis_exporter:v1.67.0"
        );
        assert_eq!(env(exporter, "REDIS_ADDR").unwrap()["value"], addr);
        assert_eq!(exporter["ports"][0]["containerPort"], port);
        assert_eq!(exporter["resources"]["limits"]["memory"], "64Mi");
        assert_eq!(
            exporter["securityContext"]["allowPrivilegeEscalation"],
            false
        );
    }
    // Both exporters authenticate from the Secret: Sentinel requires the Redis password too.
    for exporter in [redis, sentinel] {
        let password = env(exporter, "REDIS_PASSWORD").expect("password env");
        assert_eq!(password["valueFrom"]["secretKeyRef"]["name"], "redis-auth");
    }
}

#[test]
fn service_monitor_selects_the_scrape_service_and_both_ports() {
    let docs = documents(&with_metrics());
    let service = docs
        .iter()
        .find(|d| d["kind"] == "Service" && d["metadata"]["name"] == "redis-metrics")
        .expect("scrape Service");
    assert_eq!(service["spec"]["clusterIP"], "None");
    let monitor = find(&docs, "ServiceMonitor");
    assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
    for (key, value) in monitor["spec"]["selector"]["matchLabels"]
        .as_object()
        .expect("matchLabels")
    {
        assert_eq!(&service["metadata"]["labels"][key], value, "{key}");
    }
    let service_ports: Vec<&Value> = service["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["name"])
        .collect();
    let scraped: Vec<&Value> = monitor["spec"]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["port"])
        .collect();
    assert_eq!(scraped, service_ports);
    // Every Service port's target is a named container port.
    let containers = containers(&docs);
    for port in service["spec"]["ports"].as_array().unwrap() {
        let target = &port["targetPort"];
        assert!(
            containers
                .iter()
                .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
                .any(|p| &p["name"] == target),
            "{target} is no container port"
        );
        assert!(
            target.as_str().is_some_and(|t| t.len() <= 15),
            "IANA port name"
        );
    }
}

/// Alerts the seed asks for ("Metrics to Monitor"), by name.
const ALERTS: [&str; 7] = [
    "RedisHAPodNotReady",
    "RedisHASentinelQuorumAtRisk",
    "RedisHANoMaster",
    "RedisHAMultipleMasters",
    "RedisHAFailoverHappened",
    "RedisHAReplicationBroken",
    "RedisHAMemoryNearMaxmemory",
];

fn rules(docs: &[Value]) -> Vec<Value> {
    let rule = find(docs, "PrometheusRule");
    assert_eq!(rule["apiVersion"], "monitoring.coreos.com/v1");
    rule["spec"]["groups"][0]["rules"]
        .as_array()
        .expect("rules")
        .clone()
}

#[test]
fn every_alert_is_valid_promql_scoped_to_this_set() {
    let mut profile = with_metrics();
    profile.namespace = "payments".into();
    profile.sentinel.master_name = "cache".into();
    let rules = rules(&documents(&profile));
    let names: Vec<&str> = rules.iter().filter_map(|r| r["alert"].as_str()).collect();
    assert_eq!(names, ALERTS);
    for rule in &rules {
        let expr = rule["expr"].as_str().expect("expr");
        if let Err(err) = promql_parser::parser::parse(expr) {
            panic!("{}: {err}\n{expr}", rule["alert"]);
        }
        assert!(expr.contains(r#"namespace="payments""#), "{expr}");
        assert!(!expr.contains("kubernaut-system"), "{expr}");
        if expr.contains("redis_sentinel_") {
            assert!(expr.contains(r#"master_name="cache""#), "{expr}");
        }
        let severity = rule["labels"]["severity"].as_str().expect("severity");
        assert!(["critical", "warning", "info"].contains(&severity));
        assert!(rule["annotations"]["summary"].is_string());
    }
}

#[test]
fn quorum_and_replica_counts_come_from_the_profile() {
    let mut profile = with_metrics();
    profile.sentinel.quorum = 3;
    profile.redis.replicas = 5;
    let rules = rules(&documents(&profile));
    let expr = |name: &str| {
        rules
            .iter()
            .find(|r| r["alert"] == name)
            .and_then(|r| r["expr"].as_str())
            .expect("alert")
            .to_owned()
    };
    assert!(expr("RedisHASentinelQuorumAtRisk").contains(") < 3"));
    assert!(expr("RedisHAReplicationBroken").ends_with("< 4"));
}

#[test]
fn the_runbook_base_is_the_runbook_of_the_repository_cargo_toml_names() {
    let base = Profile::default().metrics.runbook_base_url;
    let repository = env!("CARGO_PKG_REPOSITORY");
    assert!(
        repository.starts_with("https://"),
        "Cargo.toml `repository` must be set: it is the runbook default ({repository:?})"
    );
    assert_eq!(base, format!("{repository}/blob/main/docs/runbook.md"));
}

#[test]
fn every_runbook_link_lands_on_a_runbook_section() {
    let runbook = std::fs::read_to_string("docs/runbook.md").expect("docs/runbook.md");
    // The `##` sections of the runbook: each alert links to one by its anchor.
    let anchors: Vec<String> = headings(&runbook)
        .into_iter()
        .filter(|(level, _)| *level == 2)
        .map(|(_, slug)| slug)
        .collect();
    assert!(anchors.len() >= 7, "runbook sections: {anchors:?}");
    let base = Profile::default().metrics.runbook_base_url;
    let alerts = rules(&documents(&with_metrics()));
    assert!(alerts.len() >= 7, "alerts: {}", alerts.len());
    for rule in alerts {
        let url = rule["annotations"]["runbook_url"]
            .as_str()
            .expect("runbook_url");
        let section = url
            .strip_prefix(&format!("{base}#"))
            .unwrap_or_else(|| panic!("{url} is not in the runbook"));
        assert!(
            anchors.iter().any(|anchor| anchor == section),
            "{}: no runbook section #{section} (have {anchors:?})",
            rule["alert"]
        );
    }
}

#[test]
fn network_policy_admits_prometheus_to_the_exporter_ports_only() {
    let mut profile = with_metrics();
    profile.network_policy.enabled = true;
    let docs = documents(&profile);
    let policy = docs
        .iter()
        .find(|d| d["kind"] == "NetworkPolicy" && d["metadata"]["name"] == "redis-metrics")
        .expect("metrics NetworkPolicy");
    let ingress = &policy["spec"]["ingress"][0];
    assert_eq!(
        ingress["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "monitoring"
    );
    let ports: Vec<&Value> = ingress["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["port"])
        .collect();
    assert_eq!(ports, [9121, 9355]);
    // Without a NetworkPolicy nothing needs opening.
    let docs = documents(&with_metrics());
    assert!(!docs.iter().any(|d| d["kind"] == "NetworkPolicy"));
}

#[test]
fn the_pipeline_validates_the_monitoring_objects_without_findings() {
    let resolved = resolve(&ProfileRequest {
        profile: "production".into(),
        sets: vec!["metrics.enabled=true".into()],
        ..ProfileRequest::default()
    })
    .expect("resolve");
    let generated = generate(&resolved, KubeVersion::V1_37).expect("generate");
    let ours: Vec<String> = generated
        .findings
        .iter()
        .filter(|f| {
            f.message.contains("exporter")
                || f.object.as_deref().is_some_and(|o| {
                    o.starts_with("ServiceMonitor/")
                        || o.starts_with("PrometheusRule/")
                        || o.contains("/redis-metrics")
                })
        })
        .map(|f| format!("{}: {}", f.rule, f.message))
        .collect();
    assert!(ours.is_empty(), "{ours:#?}");
    let kinds: Vec<&str> = generated.documents.iter().map(|d| d.kind()).collect();
    assert!(kinds.contains(&"ServiceMonitor") && kinds.contains(&"PrometheusRule"));
}
