//! Hostile input for the rules: a Sentinel config of 20,000 `sentinel monitor` lines. Each
//! rule says at most `PER_OBJECT` findings per object plus one summary, and the Sentinel rules
//! look each master's settings up once (they scanned every directive per master: about
//! 1.5 min of CPU in a debug build). The assertions count findings, not seconds.

use redis_ha_gen::manifest;
use redis_ha_gen::rules::{self, CheckOptions, PER_OBJECT};
use std::collections::BTreeMap;

const MONITORS: usize = 20_000;

fn sentinel_set(monitors: usize) -> String {
    let mut conf = String::from("    port 26379\n");
    for i in 0..monitors {
        conf.push_str(&format!("    sentinel monitor m{i} redis-0.redis 6379 2\n"));
    }
    format!(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: sentinel-config
data:
  sentinel.conf: |
{conf}---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis
spec:
  serviceName: redis
  replicas: 3
  selector:
    matchLabels: {{app: redis}}
  template:
    metadata:
      labels: {{app: redis}}
    spec:
      containers:
        - name: redis
          image: docker.io/library/redis:7.2.5
          command: [redis-server, --appendonly, \"yes\"]
        - name: sentinel
          image: docker.io/library/redis:7.2.5
          command: [redis-sentinel, /etc/sentinel/sentinel.conf]
          volumeMounts: [{{name: conf, mountPath: /etc/sentinel}}]
      volumes:
        - name: conf
          configMap: {{name: sentinel-config}}
"
    )
}

#[test]
fn twenty_thousand_monitors_give_capped_findings_with_a_summary() {
    let parsed = manifest::parse("hostile.yaml", &sentinel_set(MONITORS));
    assert!(parsed.findings.is_empty(), "{:#?}", parsed.findings);
    let found = rules::check(&parsed.documents, &CheckOptions::default());
    let mut per: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in &found {
        *per.entry((f.rule.as_str(), f.object.as_deref().unwrap_or_default()))
            .or_default() += 1;
    }
    assert!(
        per.values().all(|&n| n <= PER_OBJECT + 1),
        "more than {PER_OBJECT} findings of one rule on one object: {per:?}"
    );
    // Every monitor names a hostname without `resolve-hostnames`: 20,000 true findings, 50
    // listed and the rest counted.
    let summary = found
        .iter()
        .find(|f| f.rule == "sentinel-hostnames-unresolved" && f.message.contains("more"))
        .unwrap_or_else(|| panic!("no summary: {per:?}"));
    assert!(
        summary
            .message
            .contains(&format!("{} more", MONITORS - PER_OBJECT)),
        "{summary:#?}"
    );
}

#[test]
fn a_few_monitors_are_all_listed() {
    let parsed = manifest::parse("few.yaml", &sentinel_set(3));
    let found = rules::check(&parsed.documents, &CheckOptions::default());
    let hostnames = found
        .iter()
        .filter(|f| f.rule == "sentinel-hostnames-unresolved")
        .count();
    assert_eq!(hostnames, 3, "{found:#?}");
    // One Sentinel monitoring three masters does not disagree with itself.
    assert!(
        !found
            .iter()
            .any(|f| f.rule == "sentinel-config-inconsistent"),
        "{found:#?}"
    );
    assert!(!found.iter().any(|f| f.message.contains("not listed")));
}
