//! Where the rendered set names its own namespace outside `metadata.namespace`: the places a
//! Kustomize `namespace:` overlay leaves behind (README, "A Kustomize overlay"; lint's
//! `address-in-other-namespace` catches the Sentinel and certificate ones). Everything else
//! follows the objects' namespace. A new literal reference fails here until it is listed —
//! and documented — or made namespace-agnostic.

use crate::common::{code, run, stderr};
use serde_json::Value;
use std::collections::BTreeSet;

const MARKER: &str = "zz-namespace-marker";

/// The fields that must name the namespace: Sentinel's `monitor` address (how Sentinel and
/// Redis reach each other), the certificate's DNS names (what TLS peers verify) and the
/// alerts (PromQL has no "this namespace").
const EXPECTED: [&str; 5] = [
    "Certificate /spec/dnsNames/*",
    "ConfigMap /data/sentinel.conf",
    "PrometheusRule /spec/groups/*/name",
    "PrometheusRule /spec/groups/*/rules/*/annotations/summary",
    "PrometheusRule /spec/groups/*/rules/*/expr",
];

/// `(kind pointer-with-indices-as-*, occurrences)` of every string holding the marker.
fn walk(value: &Value, pointer: String, out: &mut Vec<(String, usize)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                walk(
                    v,
                    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for v in items {
                walk(v, format!("{pointer}/*"), out);
            }
        }
        Value::String(s) if s.contains(MARKER) => out.push((pointer, s.matches(MARKER).count())),
        _ => {}
    }
}

#[test]
fn the_namespace_is_named_only_where_kubernetes_cannot_do_without_it() {
    let out = run(&[
        "--profile",
        "production",
        "--namespace",
        MARKER,
        "--set",
        "tls.enabled=true",
        "--set",
        "tls.certManager.enabled=true",
        "--set",
        "tls.certManager.issuerRef.name=ca",
        "--set",
        "metrics.enabled=true",
        "--set",
        "backup.enabled=true",
        "--set",
        "networkPolicy.enabled=true",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let list: Value = serde_json::from_slice(&out.stdout).expect("JSON list");
    let mut found = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    for item in list["items"].as_array().expect("items") {
        let kind = item["kind"].as_str().expect("kind");
        kinds.insert(kind.to_string());
        let mut strings = Vec::new();
        walk(item, String::new(), &mut strings);
        for (pointer, _) in strings {
            if pointer != "/metadata/namespace" {
                found.insert(format!("{kind} {pointer}"));
            }
        }
    }
    // Every optional object is rendered, so nothing escapes the check.
    for kind in [
        "Certificate",
        "ServiceMonitor",
        "PrometheusRule",
        "NetworkPolicy",
        "CronJob",
    ] {
        assert!(kinds.contains(kind), "{kind} not rendered: {kinds:?}");
    }
    let expected: BTreeSet<String> = EXPECTED.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        found, expected,
        "the rendered set names its namespace in other places than documented"
    );
}
