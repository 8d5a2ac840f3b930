//! The production fields of issue 13 (scheduling, pull secrets, annotations, the client
//! Service, the ServiceAccount, the cluster domain, `extraConfig`): each lands in the
//! rendered objects, passes the strict schema of every supported Kubernetes version, and is
//! refused (exit 2, naming the field) when its value breaks the grammar of where it lands.

use crate::common;

use redis_ha_gen::generate::generate;
use redis_ha_gen::manifest::{self, Document};
use redis_ha_gen::profile::{ProfileRequest, ResolvedProfile, resolve};
use redis_ha_gen::schema::{self, KubeVersion};
use serde_json::{Value, json};

/// An annotation value no YAML plain scalar could hold: line breaks, quotes, a comment, a
/// document marker, a key-like colon, a tab, non-ASCII and a byte-order mark.
const HOSTILE_VALUE: &str =
    "line one\nline two: '#x' \"q\"\n---\n\t- [a, {b}] & *c ! | > % @ `\u{feff}é\u{2028}";

fn full_profile(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("full.yaml");
    let text = format!(
        r#"extends: production
clusterDomain: corp.example
podAnnotations:
  sidecar.istio.io/inject: "false"
  example.com/note: {value}
service:
  type: LoadBalancer
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-internal: "true"
serviceAccount:
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/redis
image:
  pullSecrets: [registry-creds, a-creds, registry-creds]
metrics:
  enabled: true
  image:
    pullSecrets: [exporter-creds]
scheduling:
  priorityClassName: redis-critical
  tolerations:
    - key: dedicated
      operator: Equal
      value: redis
      effect: NoSchedule
    - key: node.kubernetes.io/unreachable
      operator: Exists
      effect: NoExecute
      tolerationSeconds: 30
    - operator: Exists
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        - matchExpressions:
            - key: dedicated
              operator: In
              values: [redis]
            - key: example.com/generation
              operator: Gt
              values: ["3"]
          matchFields:
            - key: metadata.name
              operator: NotIn
              values: [node-7]
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 10
        preference:
          matchExpressions:
            - key: node.kubernetes.io/instance-type
              operator: Exists
redis:
  extraConfig:
    timeout: "300"
    appendfsync: everysec
    repl-backlog-size: 64mb
sentinel:
  extraConfig:
    loglevel: warning
    sentinel deny-scripts-reconfig: "yes"
"#,
        value = serde_json::to_string(HOSTILE_VALUE).unwrap()
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn resolved(profile: &std::path::Path, sets: &[&str]) -> anyhow::Result<ResolvedProfile> {
    resolve(&ProfileRequest {
        profile: profile.display().to_string(),
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..ProfileRequest::default()
    })
}

fn object<'a>(documents: &'a [Document], kind: &str, name: &str) -> &'a Value {
    &documents
        .iter()
        .find(|d| d.kind() == kind && d.name() == name)
        .unwrap_or_else(|| panic!("no {kind}/{name}"))
        .value
}

fn config(documents: &[Document], map: &str, key: &str) -> String {
    object(documents, "ConfigMap", map)["data"][key]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn every_field_lands_and_passes_the_schema_of_every_version() {
    let dir = tempfile::tempdir().unwrap();
    let profile = resolved(&full_profile(dir.path()), &[]).expect("resolve");
    for version in KubeVersion::ALL {
        let generated = generate(&profile, version).expect("generate");
        let violations: Vec<_> = generated
            .findings
            .iter()
            .filter(|f| f.rule == schema::SCHEMA_VIOLATION)
            .collect();
        assert!(violations.is_empty(), "{version}: {violations:#?}");
        let docs = &generated.documents;
        let pod = &object(docs, "StatefulSet", "redis")["spec"]["template"];
        let spec = &pod["spec"];
        assert_eq!(spec["priorityClassName"], "redis-critical");
        assert_eq!(
            spec["imagePullSecrets"],
            json!([{"name": "a-creds"}, {"name": "exporter-creds"}, {"name": "registry-creds"}])
        );
        assert_eq!(spec["tolerations"].as_array().unwrap().len(), 3);
        assert_eq!(spec["tolerations"][1]["tolerationSeconds"], 30);
        assert_eq!(spec["tolerations"][2], json!({"operator": "Exists"}));
        let node_affinity = &spec["affinity"]["nodeAffinity"];
        assert_eq!(
            node_affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
                ["matchExpressions"][1]["values"],
            json!(["3"])
        );
        assert_eq!(
            node_affinity["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"],
            10
        );
        assert!(spec["affinity"]["podAntiAffinity"].is_object());
        // The annotation value comes back byte for byte; the generator's own stays.
        let annotations = &pod["metadata"]["annotations"];
        assert_eq!(annotations["example.com/note"], HOSTILE_VALUE);
        assert_eq!(annotations["sidecar.istio.io/inject"], "false");
        assert!(
            annotations["ignore-check.redis-ha-gen.io/maxmemory-policy-evicts-state"].is_string()
        );
        let service = object(docs, "Service", "redis");
        assert_eq!(service["spec"]["type"], "LoadBalancer");
        assert_eq!(
            service["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-internal"],
            "true"
        );
        assert_eq!(
            object(docs, "ServiceAccount", "redis")["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
            "arn:aws:iam::123456789012:role/redis"
        );
        let env = &spec["containers"][0]["env"];
        let domain = env
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "CLUSTER_DOMAIN")
            .unwrap();
        assert_eq!(domain["value"], "corp.example");
        let sentinel_conf = config(docs, "redis-sentinel-config", "sentinel.conf");
        assert!(
            sentinel_conf.contains(
                "sentinel monitor mymaster redis-0.redis-headless.kubernaut-system.svc.corp.example 6379 2"
            ),
            "{sentinel_conf}"
        );
        assert!(
            sentinel_conf.ends_with("loglevel warning\nsentinel deny-scripts-reconfig yes\n"),
            "{sentinel_conf}"
        );
        let redis_conf = config(docs, "redis-config", "redis.conf");
        assert!(
            redis_conf.ends_with("appendfsync everysec\nrepl-backlog-size 64mb\ntimeout 300\n"),
            "{redis_conf}"
        );
    }
}

#[test]
fn the_output_is_byte_deterministic_whatever_the_order_of_the_maps() {
    let dir = tempfile::tempdir().unwrap();
    let full = full_profile(dir.path());
    let reordered = dir.path().join("reordered.yaml");
    std::fs::write(
        &reordered,
        "extends: full.yaml\npodAnnotations:\n  z.example/last: \"1\"\n  a.example/first: \"2\"\n",
    )
    .unwrap();
    let render = |path: &std::path::Path| {
        let profile = resolved(path, &[]).unwrap();
        manifest::to_yaml(
            &generate(&profile, KubeVersion::default())
                .unwrap()
                .documents,
        )
        .unwrap()
    };
    let first = render(&reordered);
    assert_eq!(first, render(&reordered));
    let a = first.find("a.example/first").unwrap();
    let z = first.find("z.example/last").unwrap();
    assert!(a < z);
    assert_ne!(first, render(&full));
}

/// `--set FIELD=VALUE` over the built-in production profile: exit 2, nothing rendered, and
/// the error names the field and what it must be.
fn refused(set: &str, field: &str, wanted: &str) {
    let out = common::binary()
        .args(["--profile", "production", "--set", set])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "--set {set:?}: {stderr}");
    assert!(out.stdout.is_empty(), "--set {set:?} rendered");
    assert!(
        stderr.contains(&format!("`{field}`")),
        "--set {set:?}: {stderr}"
    );
    assert!(stderr.contains(wanted), "--set {set:?}: {stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
}

#[test]
fn each_field_is_held_to_the_grammar_of_where_it_lands() {
    refused("clusterDomain=Cluster.Local", "clusterDomain", "a DNS name");
    refused("clusterDomain=a..b", "clusterDomain", "a DNS name");
    refused("clusterDomain=x;id", "clusterDomain", "a DNS name");
    refused(
        "scheduling.priorityClassName=High Priority",
        "scheduling.priorityClassName",
        "PriorityClass",
    );
    refused(
        "image.pullSecrets=[Creds]",
        "image.pullSecrets[0]",
        "a Secret",
    );
    refused(
        "metrics.image.pullSecrets=[a/b]",
        "metrics.image.pullSecrets[0]",
        "a Secret",
    );
    refused(
        r"podAnnotations.bad key=1",
        "podAnnotations.bad key",
        "a qualified name",
    );
    refused(
        r"service.annotations.-x=1",
        "service.annotations.-x",
        "a qualified name",
    );
    refused(
        r"serviceAccount.annotations.a\.b/c/d=1",
        "serviceAccount.annotations.a.b/c/d",
        "a qualified name",
    );
    refused(
        "service.type=ExternalName",
        "service.type",
        "ClusterIP, NodePort, LoadBalancer",
    );
    refused(
        "scheduling.tolerations=[{key: dedicated, operator: Exists, value: redis}]",
        "scheduling.tolerations[0].value",
        "no value with `operator: Exists`",
    );
    refused(
        "scheduling.tolerations=[{value: redis}]",
        "scheduling.tolerations[0].operator",
        "`Exists` when `key` is empty",
    );
    refused(
        "scheduling.tolerations=[{key: a, effect: NoSchedule, tolerationSeconds: 5}]",
        "scheduling.tolerations[0].tolerationSeconds",
        "only with `effect: NoExecute`",
    );
    refused(
        "scheduling.tolerations=[{key: 'a b', operator: Exists}]",
        "scheduling.tolerations[0].key",
        "a qualified name",
    );
    refused(
        "scheduling.tolerations=[{key: a, value: '$(id)'}]",
        "scheduling.tolerations[0].value",
        "a label value",
    );
    refused(
        "scheduling.tolerations=[{key: a, effect: Sometimes}]",
        "scheduling.tolerations[0].effect",
        "NoSchedule",
    );
    let required = "scheduling.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution";
    refused(
        &format!("{required}={{nodeSelectorTerms: []}}"),
        &format!("{required}.nodeSelectorTerms"),
        "at least one term",
    );
    refused(
        &format!(
            "{required}={{nodeSelectorTerms: [{{matchExpressions: [{{key: a, operator: In}}]}}]}}"
        ),
        &format!("{required}.nodeSelectorTerms[0].matchExpressions[0].values"),
        "one or more values",
    );
    refused(
        &format!(
            "{required}={{nodeSelectorTerms: [{{matchExpressions: [{{key: a, operator: Gt, values: [x]}}]}}]}}"
        ),
        &format!("{required}.nodeSelectorTerms[0].matchExpressions[0].values"),
        "one integer",
    );
    refused(
        &format!(
            "{required}={{nodeSelectorTerms: [{{matchFields: [{{key: metadata.labels, operator: In, values: [x]}}]}}]}}"
        ),
        &format!("{required}.nodeSelectorTerms[0].matchFields[0].key"),
        "`metadata.name`",
    );
    refused(
        "scheduling.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution=[{weight: 0, preference: {}}]",
        "scheduling.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
        "from 1 to 100",
    );
    refused(
        "redis.extraConfig.dir=/tmp",
        "redis.extraConfig.dir",
        "does not write itself",
    );
    refused(
        "redis.extraConfig.appendfsync=always\nport 1",
        "redis.extraConfig.appendfsync",
        "no control characters",
    );
    refused(
        "sentinel.extraConfig.sentinel auth-pass=mymaster x",
        "sentinel.extraConfig.sentinel auth-pass",
        "set `auth` instead",
    );
    refused(
        "podAnnotations.ignore-check\\.redis-ha-gen\\.io/maxmemory-policy-evicts-state=x",
        "podAnnotations.ignore-check.redis-ha-gen.io/maxmemory-policy-evicts-state",
        "`redis.maxmemoryPolicyReason`",
    );
    // Above 256 KiB in all (too long for one argument: a values file).
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("big.yaml");
    let half = "x".repeat(130 * 1024);
    std::fs::write(
        &values,
        format!("podAnnotations:\n  a: {half}\n  b: {half}\n"),
    )
    .unwrap();
    let err = resolve(&ProfileRequest {
        profile: "production".into(),
        values: vec![values],
        ..ProfileRequest::default()
    })
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("`podAnnotations` ("), "{}", &err[..200]);
    assert!(err.contains("256 KiB"), "{}", &err[..200]);
}

#[test]
fn the_profile_schema_states_the_new_fields() {
    let out = common::binary()
        .args(["schema", "profile"])
        .output()
        .unwrap();
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    let props = &schema["properties"];
    for field in [
        "podAnnotations",
        "service",
        "serviceAccount",
        "clusterDomain",
    ] {
        assert!(props[field].is_object(), "{field}");
    }
    assert!(props["clusterDomain"]["pattern"].is_string());
    assert!(props["podAnnotations"]["propertyNames"]["pattern"].is_string());
    let defs = &schema["$defs"];
    for (def, field) in [
        ("Scheduling", "tolerations"),
        ("Scheduling", "nodeAffinity"),
        ("Scheduling", "priorityClassName"),
        ("Image", "pullSecrets"),
        ("Redis", "extraConfig"),
        ("Sentinel", "extraConfig"),
        ("Service", "type"),
        ("Service", "annotations"),
        ("ServiceAccount", "annotations"),
    ] {
        assert!(defs[def]["properties"][field].is_object(), "{def}.{field}");
    }
    assert!(defs["Redis"]["properties"]["extraConfig"]["propertyNames"]["pattern"].is_string());
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let full = full_profile(dir.path());
    let out = common::binary()
        .args(["show-profile", full.to_str().unwrap(), "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        validator.is_valid(&shown),
        "the full profile fails its own schema"
    );
    assert_eq!(shown["scheduling"]["tolerations"][0]["key"], "dedicated");
    assert_eq!(shown["podAnnotations"]["example.com/note"], HOSTILE_VALUE);
    assert_eq!(shown["redis"]["extraConfig"]["appendfsync"], "everysec");
    for (pointer, bad) in [
        ("/clusterDomain", json!("Cluster.Local")),
        ("/service/type", json!("ExternalName")),
        ("/scheduling/priorityClassName", json!("A B")),
        ("/redis/extraConfig", json!({"Bad Key": "x"})),
        ("/sentinel/extraConfig", json!({"loglevel": "a\nb"})),
        ("/image/pullSecrets", json!(["Bad"])),
    ] {
        let mut profile = shown.clone();
        *profile.pointer_mut(pointer).unwrap() = bad.clone();
        assert!(!validator.is_valid(&profile), "{pointer} = {bad}");
    }
}

/// The rules judge the configuration the pods load: `redis.extraConfig` lines included, and
/// tolerations against what pins the pods.
#[test]
fn lint_sees_the_new_fields() {
    let findings = |sets: &[&str]| {
        let profile = resolve(&ProfileRequest {
            profile: "production".into(),
            sets: sets.iter().map(|s| s.to_string()).collect(),
            ..ProfileRequest::default()
        })
        .unwrap();
        generate(&profile, KubeVersion::default())
            .unwrap()
            .findings
            .into_iter()
            .map(|f| (f.rule, f.message))
            .collect::<Vec<_>>()
    };
    let fired = |found: &[(String, String)], rule: &str| found.iter().any(|(r, _)| r == rule);
    let grace = findings(&["redis.extraConfig.shutdown-timeout=60"]);
    let (_, message) = grace
        .iter()
        .find(|(r, _)| r == "termination-grace-too-short")
        .expect("shutdown-timeout from extraConfig is judged");
    assert!(message.contains("shutdown-timeout 60 s"), "{message}");
    assert!(message.contains("`redis.extraConfig`"), "{message}");
    assert!(!fired(
        &findings(&["redis.extraConfig.shutdown-timeout=10"]),
        "termination-grace-too-short"
    ));
    let toleration = "scheduling.tolerations=[{key: dedicated, operator: Exists}]";
    assert!(fired(
        &findings(&[toleration]),
        "toleration-without-node-affinity"
    ));
    // Kubernetes' own taints are about eviction timing, not a pool.
    let unreachable = "scheduling.tolerations=[{key: node.kubernetes.io/unreachable, \
        operator: Exists, effect: NoExecute, tolerationSeconds: 30}]";
    assert!(!fired(
        &findings(&[unreachable]),
        "toleration-without-node-affinity"
    ));
    for pin in [
        "scheduling.nodeSelector.dedicated=redis",
        "scheduling.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution=\
         {nodeSelectorTerms: [{matchExpressions: [{key: dedicated, operator: Exists}]}]}",
    ] {
        let found = findings(&[toleration, pin]);
        assert!(
            !fired(&found, "toleration-without-node-affinity"),
            "{pin}: {found:?}"
        );
    }
    let preferred_only = "scheduling.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution=\
        [{weight: 1, preference: {matchExpressions: [{key: dedicated, operator: Exists}]}}]";
    assert!(fired(
        &findings(&[toleration, preferred_only]),
        "toleration-without-node-affinity"
    ));
}
