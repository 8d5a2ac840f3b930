//! Structure of the rendered manifests, per profile: parsed back as YAML and checked field by
//! field (the seed's numbers, suppressions, auth wiring, scheduling, security context).

use redis_ha_gen::profile::{Profile, ProfileRequest, resolve};
use redis_ha_gen::render::{SCRIPTS, render};
use serde_json::Value;

fn documents(profile: &Profile) -> Vec<Value> {
    let text = render(profile).expect("render");
    serde_saphyr::from_multiple::<Value>(&text).expect("rendered text is valid YAML")
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind}/{name} rendered"))
}

fn text<'a>(doc: &'a Value, pointer: &str) -> &'a str {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer}"))
}

/// A built-in profile, resolved as the CLI resolves it.
fn builtin(name: &str) -> Profile {
    let request = ProfileRequest {
        profile: name.into(),
        ..ProfileRequest::default()
    };
    resolve(&request)
        .unwrap_or_else(|e| panic!("built-in profile {name}: {e:#}"))
        .profile
}

fn kind_profile() -> Profile {
    builtin("kind")
}

fn ocp_profile() -> Profile {
    builtin("ocp")
}

/// `production` plus a storage class and a digest, so the optional fields are exercised.
fn production_profile() -> Profile {
    let mut profile = builtin("production");
    profile.redis.storage.storage_class_name = "fast-ssd".into();
    profile.image.digest = Some("sha256:".to_string() + &"ab".repeat(32));
    profile
}

fn statefulset(docs: &[Value]) -> &Value {
    find(docs, "StatefulSet", "redis")
}

fn container<'a>(docs: &'a [Value], name: &str) -> &'a Value {
    statefulset(docs)["spec"]["template"]["spec"]["containers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no container {name}"))
}

#[test]
fn objects_come_in_a_fixed_order() {
    let kinds = |profile: &Profile| -> Vec<String> {
        documents(profile)
            .iter()
            .map(|d| {
                format!(
                    "{}/{}",
                    d["kind"].as_str().unwrap(),
                    d["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        kinds(&production_profile()),
        [
            "ServiceAccount/redis",
            "ConfigMap/redis-config",
            "ConfigMap/redis-sentinel-config",
            "ConfigMap/redis-scripts",
            "Service/redis-headless",
            "Service/redis",
            "PodDisruptionBudget/redis",
            "NetworkPolicy/redis",
            "StatefulSet/redis",
        ]
    );
    let kind = kinds(&kind_profile());
    assert!(
        !kind.iter().any(|k| k.starts_with("NetworkPolicy/")),
        "{kind:?}"
    );
    assert!(kind.contains(&"PodDisruptionBudget/redis".to_string()));
}

#[test]
fn every_object_is_in_the_profile_namespace_with_the_app_label() {
    let mut profile = production_profile();
    profile.namespace = "alerts".into();
    for doc in documents(&profile) {
        assert_eq!(doc["metadata"]["namespace"], "alerts", "{}", doc["kind"]);
        assert_eq!(doc["metadata"]["labels"]["app"], "redis", "{}", doc["kind"]);
        assert_eq!(doc["metadata"]["labels"]["app.kubernetes.io/name"], "redis");
    }
}

#[test]
fn redis_conf_carries_the_seed_numbers_and_the_ha_settings() {
    let docs = documents(&kind_profile());
    let conf = text(find(&docs, "ConfigMap", "redis-config"), "/data/redis.conf");
    for line in [
        "maxmemory 256mb",
        "maxmemory-policy allkeys-lru",
        "save 900 1",
        "min-replicas-to-write 1",
        "min-replicas-max-lag 3",
        "repl-diskless-sync-delay 0",
        "replica-read-only yes",
        "dir /data",
        "port 6379",
    ] {
        assert!(
            conf.lines().any(|l| l == line),
            "missing `{line}` in:\n{conf}"
        );
    }
}

#[test]
fn empty_save_list_turns_rdb_off_explicitly() {
    let mut profile = kind_profile();
    profile.redis.save.clear();
    let docs = documents(&profile);
    let conf = text(find(&docs, "ConfigMap", "redis-config"), "/data/redis.conf");
    assert!(conf.lines().any(|l| l == "save \"\""), "{conf}");
}

#[test]
fn sentinel_conf_resolves_hostnames_before_monitoring_ordinal_zero() {
    let docs = documents(&kind_profile());
    let conf = text(
        find(&docs, "ConfigMap", "redis-sentinel-config"),
        "/data/sentinel.conf",
    );
    let lines: Vec<&str> = conf.lines().collect();
    let at = |line: &str| {
        lines
            .iter()
            .position(|l| *l == line)
            .unwrap_or_else(|| panic!("missing `{line}` in:\n{conf}"))
    };
    let monitor = at(
        "sentinel monitor mymaster redis-0.redis-headless.kubernaut-system.svc.cluster.local 6379 2",
    );
    assert!(at("sentinel resolve-hostnames yes") < monitor);
    assert!(at("sentinel announce-hostnames yes") < monitor);
    assert!(at("sentinel down-after-milliseconds mymaster 5000") > monitor);
    assert!(at("sentinel failover-timeout mymaster 10000") > monitor);
    assert!(at("sentinel parallel-syncs mymaster 1") > monitor);
}

#[test]
fn sentinel_runs_on_a_writable_copy_on_the_pvc() {
    let docs = documents(&kind_profile());
    let sentinel = container(&docs, "sentinel");
    assert_eq!(
        sentinel["command"],
        serde_json::json!(["sh", "/scripts/sentinel-start.sh"])
    );
    let start = SCRIPTS
        .iter()
        .find(|(n, _)| *n == "sentinel-start.sh")
        .unwrap()
        .1;
    assert!(start.contains("exec \"$SERVER\" \"$CONF_DIR/sentinel.conf\" --sentinel"));
    let data_mount = sentinel["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == "/data")
        .expect("sentinel mounts the PVC");
    assert_eq!(data_mount["name"], "data");
    assert!(data_mount.get("readOnly").is_none());
}

#[test]
fn allkeys_policy_carries_the_profile_reason_on_the_objects_with_redis_conf() {
    let profile = kind_profile();
    let docs = documents(&profile);
    let key = "ignore-check.redis-ha-gen.io/maxmemory-policy-evicts-state";
    for doc in [find(&docs, "ConfigMap", "redis-config"), statefulset(&docs)] {
        assert_eq!(
            doc["metadata"]["annotations"][key].as_str(),
            Some(profile.redis.maxmemory_policy_reason.as_str()),
            "{}",
            doc["kind"]
        );
    }
    assert!(find(&docs, "ConfigMap", "redis-sentinel-config")["metadata"]["annotations"].is_null());
}

#[test]
fn strict_policy_or_missing_reason_carries_no_suppression() {
    let mut strict = kind_profile();
    strict.redis.maxmemory_policy = "volatile-lru".into();
    let mut no_reason = kind_profile();
    no_reason.redis.maxmemory_policy_reason = "  ".into();
    for profile in [strict, no_reason] {
        let docs = documents(&profile);
        // The pod template's annotations: the StatefulSet's own also carry scanner skips.
        let annotations = &statefulset(&docs)["spec"]["template"]["metadata"]["annotations"];
        assert_eq!(
            annotations,
            &serde_json::json!({}),
            "{}",
            profile.redis.maxmemory_policy
        );
    }
}

#[test]
fn production_password_comes_from_the_secret_and_is_never_written() {
    let profile = production_profile();
    let text = render(&profile).unwrap();
    assert!(
        !text.contains("requirepass \""),
        "literal requirepass in:\n{text}"
    );
    let docs = documents(&profile);
    // The password is a file of the mounted Secret (never env: /proc/*/environ, CKV_K8S_35),
    // the whole Secret without subPath, so the kubelet updates it when it changes.
    let volume = statefulset(&docs)["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "auth")
        .expect("auth volume");
    assert_eq!(volume["secret"]["secretName"], "redis-auth");
    assert!(volume["secret"].get("items").is_none());
    for name in ["redis", "sentinel"] {
        let c = container(&docs, name);
        let env = c["env"].as_array().unwrap();
        assert!(
            env.iter().all(|e| e
                .get("valueFrom")
                .is_none_or(|v| v.get("secretKeyRef").is_none())),
            "{name}: a Secret in env"
        );
        let file = |n: &str| {
            env.iter()
                .find(|e| e["name"] == n)
                .map(|e| e["value"].clone())
        };
        assert_eq!(
            file("REDIS_PASSWORD_FILE"),
            Some("/auth/password".into()),
            "{name}"
        );
        assert_eq!(
            file("REDIS_PREVIOUS_PASSWORD_FILE"),
            Some("/auth/previous-password".into()),
            "{name}"
        );
        let mount = c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "auth")
            .unwrap_or_else(|| panic!("{name}: no auth mount"));
        assert_eq!(mount["mountPath"], "/auth");
        assert!(mount.get("subPath").is_none());
    }
    for name in ["redis.conf", "sentinel.conf"] {
        for doc in docs.iter().filter(|d| d["kind"] == "ConfigMap") {
            if let Some(conf) = doc["data"][name].as_str() {
                for directive in ["requirepass", "masterauth", "sentinel auth-pass"] {
                    assert!(
                        !conf.lines().any(|l| l.starts_with(directive)),
                        "{directive} in {name}"
                    );
                }
            }
        }
    }
}

#[test]
fn without_auth_no_secret_is_referenced() {
    let text = render(&kind_profile()).unwrap();
    assert!(!text.contains("secretKeyRef"));
    let docs = documents(&kind_profile());
    let env = container(&docs, "redis")["env"].as_array().unwrap();
    assert!(env.iter().all(|e| {
        !e["name"]
            .as_str()
            .unwrap_or("")
            .starts_with("REDIS_PASSWORD")
    }));
}

#[test]
fn anti_affinity_follows_the_profile() {
    let preferred = documents(&kind_profile());
    let spec = &statefulset(&preferred)["spec"]["template"]["spec"];
    let soft =
        &spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0];
    assert_eq!(
        soft["podAffinityTerm"]["topologyKey"],
        "kubernetes.io/hostname"
    );
    assert_eq!(
        soft["podAffinityTerm"]["labelSelector"]["matchLabels"]["app"],
        "redis"
    );
    assert!(
        spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
            .is_null()
    );
    assert!(spec["topologySpreadConstraints"].is_null());

    let required = documents(&production_profile());
    let spec = &statefulset(&required)["spec"]["template"]["spec"];
    let hard =
        &spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
    assert_eq!(hard["topologyKey"], "kubernetes.io/hostname");
    assert!(
        spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
            .is_null()
    );
    assert_eq!(
        spec["topologySpreadConstraints"][0]["topologyKey"],
        "topology.kubernetes.io/zone"
    );
}

#[test]
fn openshift_gets_no_fixed_ids_but_keeps_the_restrictions() {
    let docs = documents(&ocp_profile());
    let text = render(&ocp_profile()).unwrap();
    for field in ["runAsUser", "runAsGroup", "fsGroup"] {
        assert!(!text.contains(field), "{field} in the OpenShift output");
    }
    let pod = &statefulset(&docs)["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    for name in ["redis", "sentinel"] {
        let sc = &container(&docs, name)["securityContext"];
        assert_eq!(sc["allowPrivilegeEscalation"], false);
        assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
    }

    let docs = documents(&kind_profile());
    let pod = &statefulset(&docs)["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsUser"], 10001);
    assert_eq!(pod["securityContext"]["fsGroup"], 10001);
}

#[test]
fn statefulset_shape() {
    let docs = documents(&production_profile());
    let sts = statefulset(&docs);
    assert_eq!(sts["spec"]["replicas"], 3);
    assert_eq!(sts["spec"]["serviceName"], "redis-headless");
    assert_eq!(sts["spec"]["podManagementPolicy"], "Parallel");
    assert_eq!(
        sts["spec"]["selector"]["matchLabels"],
        serde_json::json!({"app": "redis"})
    );
    let pod = &sts["spec"]["template"]["spec"];
    assert_eq!(pod["terminationGracePeriodSeconds"], 30);
    assert_eq!(
        pod["initContainers"][0]["command"],
        serde_json::json!(["sh", "/scripts/init.sh"])
    );
    let redis = container(&docs, "redis");
    assert_eq!(
        redis["resources"]["requests"],
        serde_json::json!({"cpu": "100m", "memory": "128Mi"})
    );
    assert_eq!(
        redis["resources"]["limits"],
        serde_json::json!({"cpu": "500m", "memory": "512Mi"})
    );
    assert_eq!(
        redis["lifecycle"]["preStop"]["exec"]["command"][1],
        "/scripts/redis-prestop.sh"
    );
    assert!(redis["startupProbe"]["failureThreshold"].as_u64().unwrap() >= 12);
    assert!(redis["image"].as_str().unwrap().contains("@sha256:"));
    let claim = &sts["spec"]["volumeClaimTemplates"][0];
    assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "1Gi");
    assert_eq!(claim["spec"]["storageClassName"], "fast-ssd");
    let kind = documents(&kind_profile());
    assert_eq!(
        statefulset(&kind)["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"],
        "standard"
    );
    let mut default_class = kind_profile();
    default_class.redis.storage.storage_class_name.clear();
    let docs = documents(&default_class);
    let claim = &statefulset(&docs)["spec"]["volumeClaimTemplates"][0]["spec"];
    assert!(
        claim["storageClassName"].is_null(),
        "empty class: the cluster's default"
    );
}

#[test]
fn services_headless_for_peers_and_sentinel_only_for_clients() {
    let docs = documents(&kind_profile());
    let headless = find(&docs, "Service", "redis-headless");
    assert_eq!(headless["spec"]["clusterIP"], "None");
    assert_eq!(headless["spec"]["publishNotReadyAddresses"], true);
    let client = find(&docs, "Service", "redis");
    let ports: Vec<&Value> = client["spec"]["ports"].as_array().unwrap().iter().collect();
    assert!(
        ports.iter().all(|p| p["port"] != 6379),
        "client Service exposes the data port"
    );
    assert!(ports.iter().any(|p| p["port"] == 26379));
}

#[test]
fn pdb_and_network_policy() {
    let docs = documents(&production_profile());
    let pdb = find(&docs, "PodDisruptionBudget", "redis");
    assert_eq!(pdb["spec"]["maxUnavailable"], 1);
    let policy = find(&docs, "NetworkPolicy", "redis");
    let from = policy["spec"]["ingress"][0]["from"].as_array().unwrap();
    assert_eq!(
        from[0]["podSelector"]["matchLabels"],
        serde_json::json!({"app": "gateway"})
    );
    assert_eq!(
        from[1]["podSelector"]["matchLabels"],
        serde_json::json!({"app": "redis"})
    );
    let ports = &policy["spec"]["ingress"][0]["ports"];
    assert_eq!(ports[0]["port"], 6379);
    assert_eq!(ports[1]["port"], 26379);
}

#[test]
fn strings_that_yaml_1_1_would_retype_stay_strings() {
    let mut profile = kind_profile();
    for value in ["yes", "on", "0755", "1.10", "null", "~"] {
        profile
            .labels
            .insert(format!("team-{value}"), value.to_string());
    }
    let docs = documents(&profile);
    let labels = &docs[0]["metadata"]["labels"];
    for value in ["yes", "on", "0755", "1.10", "null", "~"] {
        assert_eq!(labels[format!("team-{value}")], Value::String(value.into()));
    }
    let text = render(&profile).unwrap();
    assert!(
        text.contains("\"team-yes\":\"yes\""),
        "labels must be quoted in the raw text"
    );
}

#[test]
fn render_is_deterministic() {
    let profile = production_profile();
    assert_eq!(render(&profile).unwrap(), render(&profile).unwrap());
}

#[test]
fn scripts_are_shipped_verbatim_and_parse_as_posix_sh() {
    let docs = documents(&kind_profile());
    let scripts = find(&docs, "ConfigMap", "redis-scripts");
    for (name, source) in SCRIPTS {
        assert_eq!(scripts["data"][name].as_str(), Some(source), "{name}");
        let status = std::process::Command::new("dash")
            .args(["-n", "-c", source])
            .status()
            .expect("dash is installed (make test-deps)");
        assert!(status.success(), "{name} does not parse under dash");
    }
}

#[test]
fn every_container_gets_the_env_the_scripts_read() {
    let inputs = [
        "POD_NAME",
        "POD_NAMESPACE",
        "SET_NAME",
        "HEADLESS_SERVICE",
        "CLUSTER_DOMAIN",
        "REPLICAS",
        "REDIS_PORT",
        "SENTINEL_PORT",
        "MASTER_NAME",
        "PRESTOP_TIMEOUT_SECONDS",
        "ENGINE_SERVER",
        "ENGINE_CLI",
        "ENGINE_CHECK_RDB",
    ];
    let common = SCRIPTS.iter().find(|(n, _)| *n == "common.sh").unwrap().1;
    for input in inputs {
        assert!(
            common.contains(input),
            "common.sh no longer documents {input}"
        );
    }
    let docs = documents(&production_profile());
    let pod = &statefulset(&docs)["spec"]["template"]["spec"];
    let containers = pod["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(pod["containers"].as_array().unwrap());
    for container in containers {
        let env: Vec<&str> = container["env"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["name"].as_str())
            .collect();
        for input in inputs
            .iter()
            .chain(&["REDIS_PASSWORD_FILE", "REDIS_PREVIOUS_PASSWORD_FILE"])
        {
            assert!(env.contains(input), "{} lacks {input}", container["name"]);
        }
    }
    let env = &container(&docs, "redis")["env"];
    let value = |name: &str| {
        env.as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["value"].clone())
            .unwrap()
    };
    assert_eq!(value("SET_NAME"), "redis");
    assert_eq!(value("HEADLESS_SERVICE"), "redis-headless");
    assert_eq!(value("REPLICAS"), "3");
    assert_eq!(
        value("PRESTOP_TIMEOUT_SECONDS"),
        "20",
        "grace 30 s minus the shutdown save"
    );
}

/// checkov's checks this design fails on purpose are skipped on the StatefulSet with their
/// reason (CKV_K8S_15 with IfNotPresent everywhere, CKV_K8S_40 where OpenShift assigns the
/// UID); with `Always` there is nothing to skip.
#[test]
fn deliberate_scanner_failures_carry_their_reason() {
    let annotations = |profile: &Profile| {
        let docs = documents(profile);
        statefulset(&docs)["metadata"]["annotations"].clone()
    };
    let production = annotations(&production_profile());
    assert!(
        text(&production, "/checkov.io~1skip1")
            .starts_with("CKV_K8S_15=imagePullPolicy IfNotPresent"),
        "{production}"
    );
    assert!(production.get("checkov.io/skip2").is_none(), "{production}");
    let ocp = annotations(&ocp_profile());
    assert!(
        text(&ocp, "/checkov.io~1skip2").starts_with("CKV_K8S_40="),
        "{ocp}"
    );
    let mut always = production_profile();
    always.image.pull_policy = "Always".into();
    let always = annotations(&always);
    assert!(always.get("checkov.io/skip1").is_none(), "{always}");
}
