//! Monitoring values (`metrics.enabled`): the exporter sidecars, the scrape Service and
//! ServiceMonitor, and the alert rules — with their PromQL built here, in one place, so the
//! templates only place them and a test can parse every expression.

use super::container::{image_reference, resources};
use super::tls;
use crate::profile::Profile;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// `redis_exporter`'s default port and the Sentinel exporter's (fixed: the profile refuses
/// Redis or Sentinel ports that collide with them).
pub use crate::profile::{REDIS_EXPORTER_PORT, SENTINEL_EXPORTER_PORT};
/// Share of `maxmemory` at which memory is "near" it.
const MEMORY_ALERT_RATIO: &str = "0.9";

#[derive(Debug, Serialize)]
pub struct MetricsContext {
    pub image: String,
    pub image_pull_policy: String,
    pub resources: Value,
    pub redis_exporter_port: u16,
    pub sentinel_exporter_port: u16,
    pub redis_exporter_env: Vec<Value>,
    pub sentinel_exporter_env: Vec<Value>,
    /// The headless scrape Service; Prometheus names the job after it.
    pub service: String,
    pub service_labels: BTreeMap<String, String>,
    /// What the ServiceMonitor selects the scrape Service by.
    pub service_selector: BTreeMap<String, String>,
    /// Labels of the ServiceMonitor and PrometheusRule.
    pub object_labels: BTreeMap<String, String>,
    pub scrape_interval: String,
    pub prometheus_namespace_labels: BTreeMap<String, String>,
    /// Whether a NetworkPolicy must admit the scrapes.
    pub network_policy: bool,
    pub rule_group: String,
    pub alerts: Vec<Alert>,
}

/// One Prometheus alerting rule, serialized as the PrometheusRule wants it.
#[derive(Debug, Serialize)]
pub struct Alert {
    pub alert: &'static str,
    pub expr: String,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<&'static str>,
    pub labels: BTreeMap<&'static str, &'static str>,
    pub annotations: BTreeMap<&'static str, String>,
}

/// `None` unless the profile turns metrics on.
pub fn context(
    profile: &Profile,
    name: &str,
    labels: &BTreeMap<String, String>,
    password_env: Option<&Value>,
) -> Option<MetricsContext> {
    let metrics = &profile.metrics;
    if !metrics.enabled {
        return None;
    }
    // With TLS the servers listen on TLS only; the exporter verifies them with the CA (and
    // the name `localhost`, which the certificate must carry).
    let scheme = if profile.tls.enabled {
        "rediss"
    } else {
        "redis"
    };
    let exporter_env = |port: u16, listen: u16, password: Option<&Value>| {
        let mut env = vec![
            json!({"name": "REDIS_ADDR", "value": format!("{scheme}://localhost:{port}")}),
            json!({"name": "REDIS_EXPORTER_WEB_LISTEN_ADDRESS", "value": format!(":{listen}")}),
        ];
        if profile.tls.enabled {
            env.push(json!({"name": "REDIS_EXPORTER_TLS_CA_CERT_FILE", "value": tls::ca_file()}));
        }
        env.extend(password.cloned());
        env
    };
    let service = format!("{name}-metrics");
    let service_selector = BTreeMap::from([
        ("app.kubernetes.io/instance".to_string(), name.to_string()),
        (
            "app.kubernetes.io/component".to_string(),
            "metrics".to_string(),
        ),
    ]);
    let mut service_labels = labels.clone();
    service_labels.extend(service_selector.clone());
    let mut object_labels = labels.clone();
    object_labels.extend(metrics.labels.clone());
    Some(MetricsContext {
        image: image_reference(&metrics.image),
        image_pull_policy: metrics.image.pull_policy.clone(),
        resources: resources(&metrics.resources),
        redis_exporter_port: REDIS_EXPORTER_PORT,
        sentinel_exporter_port: SENTINEL_EXPORTER_PORT,
        // With auth on, Sentinel requires the same password as Redis.
        redis_exporter_env: exporter_env(profile.redis.port, REDIS_EXPORTER_PORT, password_env),
        sentinel_exporter_env: exporter_env(
            profile.sentinel.port,
            SENTINEL_EXPORTER_PORT,
            password_env,
        ),
        alerts: alerts(profile, name, &service),
        service,
        service_labels,
        service_selector,
        object_labels,
        scrape_interval: metrics.scrape_interval.clone(),
        prometheus_namespace_labels: metrics.prometheus_namespace_labels.clone(),
        network_policy: profile.network_policy.enabled,
        rule_group: format!("redis-ha-gen.{}.{name}", profile.namespace),
    })
}

/// The alerts of docs/monitoring.md, each with the docs/runbook.md section that says what
/// to do.
pub fn alerts(profile: &Profile, name: &str, job: &str) -> Vec<Alert> {
    let namespace = &profile.namespace;
    let master = &profile.sentinel.master_name;
    let set = format!(r#"namespace="{namespace}", job="{job}""#);
    let sentinel = format!(r#"{set}, master_name="{master}""#);
    let quorum = profile.sentinel.quorum;
    let other_replicas = profile.redis.replicas.saturating_sub(1);
    let runbook = |section: &str| format!("{}#{section}", profile.metrics.runbook_base_url);
    let alert = |alert: &'static str,
                 expr: String,
                 for_: Option<&'static str>,
                 severity: &'static str,
                 summary: String,
                 section: &str| Alert {
        alert,
        expr,
        for_,
        labels: BTreeMap::from([("severity", severity)]),
        annotations: BTreeMap::from([("summary", summary), ("runbook_url", runbook(section))]),
    };
    vec![
        alert(
            "RedisHAPodNotReady",
            format!(
                r#"max by (namespace, pod) (kube_pod_status_ready{{namespace="{namespace}", pod=~"{name}-[0-9]+", condition="true"}}) == 0"#
            ),
            Some("2m"),
            "warning",
            "Redis pod {{ $labels.pod }} is not ready (needs kube-state-metrics)".into(),
            "redis-pod-not-ready",
        ),
        alert(
            "RedisHASentinelQuorumAtRisk",
            format!(
                "min by (namespace, master_name) (redis_sentinel_master_ok_sentinels{{{sentinel}}}) < {quorum} \
                 or absent(redis_sentinel_master_ok_sentinels{{{sentinel}}})"
            ),
            Some("1m"),
            "critical",
            format!("Fewer than {quorum} Sentinels see master {master}: a failover cannot be agreed"),
            "sentinel-quorum-at-risk",
        ),
        alert(
            "RedisHANoMaster",
            format!(r#"absent(redis_instance_info{{{set}, role="master"}})"#),
            Some("1m"),
            "critical",
            format!("No Redis instance of {namespace}/{name} reports ROLE master: writes fail"),
            "no-master-gateway-returns-503",
        ),
        alert(
            "RedisHAMultipleMasters",
            format!(r#"count by (namespace) (redis_instance_info{{{set}, role="master"}}) > 1"#),
            Some("30s"),
            "critical",
            "{{ $value }} Redis instances report ROLE master (split brain): writes to all but one will be lost".into(),
            "split-brain",
        ),
        alert(
            "RedisHAFailoverHappened",
            // The master's address is a label: more than one address in the window is a
            // failover, whichever way the counter of epochs moved.
            format!(
                "count by (namespace, master_name) (count by (namespace, master_name, master_address) \
                 (last_over_time(redis_sentinel_master_status{{{sentinel}}}[10m]))) > 1"
            ),
            None,
            "info",
            format!("Sentinel failed {master} over to a new master in the last 10 minutes"),
            "failover-happened",
        ),
        alert(
            "RedisHAReplicationBroken",
            format!(
                r#"max by (namespace, pod) (redis_master_link_up{{{set}}}) == 0 or max by (namespace) (redis_connected_slaves{{{set}}} and on (namespace, pod) redis_instance_info{{{set}, role="master"}}) < {other_replicas}"#
            ),
            Some("2m"),
            "warning",
            "Replication is broken: a replica's link to the master is down, or the master has fewer replicas than expected".into(),
            "replication-broken",
        ),
        alert(
            "RedisHAMemoryNearMaxmemory",
            format!(
                "max by (namespace, pod) (redis_memory_used_bytes{{{set}}} / (redis_memory_max_bytes{{{set}}} > 0)) > {MEMORY_ALERT_RATIO}"
            ),
            Some("5m"),
            "warning",
            "Redis {{ $labels.pod }} uses more than 90% of maxmemory: keys are about to be evicted".into(),
            "memory-near-maxmemory",
        ),
    ]
}
