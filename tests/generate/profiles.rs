//! Profile resolution through the library API: built-ins, extends, -f, --set, provenance,
//! and errors that name the file, line and field.

use crate::common;

use redis_ha_gen::profile::{AntiAffinity, ProfileRequest, ResolvedProfile, resolve};
use std::path::{Path, PathBuf};

fn request(profile: &str) -> ProfileRequest {
    ProfileRequest {
        profile: profile.to_string(),
        ..ProfileRequest::default()
    }
}

fn with_sets(profile: &str, sets: &[&str]) -> ProfileRequest {
    ProfileRequest {
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..request(profile)
    }
}

fn error(req: &ProfileRequest) -> String {
    format!("{:#}", resolve(req).expect_err("must be rejected"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn ok(req: &ProfileRequest) -> ResolvedProfile {
    resolve(req).unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn every_builtin_keeps_the_seed_numbers() {
    for name in ["kind", "ocp", "production"] {
        let p = ok(&request(name)).profile;
        assert_eq!(p.namespace, "kubernaut-system", "{name}");
        assert_eq!(p.redis.replicas, 3, "{name}");
        assert_eq!(p.sentinel.quorum, 2, "{name}");
        assert_eq!(p.sentinel.down_after_milliseconds, 5000, "{name}");
        assert_eq!(p.sentinel.failover_timeout, 10000, "{name}");
        assert_eq!(p.sentinel.parallel_syncs, 1, "{name}");
        assert_eq!(p.sentinel.master_name, "mymaster", "{name}");
        assert_eq!(p.redis.maxmemory, "256mb", "{name}");
        assert_eq!(p.redis.maxmemory_policy, "allkeys-lru", "{name}");
        assert_eq!(p.redis.save, vec!["900 1".to_string()], "{name}");
        assert_eq!(p.redis.resources.requests.cpu, "100m", "{name}");
        assert_eq!(p.redis.resources.limits.cpu, "500m", "{name}");
        assert_eq!(p.redis.resources.requests.memory, "128Mi", "{name}");
        assert_eq!(p.redis.resources.limits.memory, "512Mi", "{name}");
        assert_eq!(p.redis.storage.size, "1Gi", "{name}");
        assert_eq!(p.redis.min_replicas_to_write, 1, "{name}");
        assert!(!p.description.is_empty(), "{name}");
    }
}

#[test]
fn builtins_differ_as_documented() {
    let kind = ok(&request("kind")).profile;
    assert_eq!(kind.cluster.nodes, 1);
    assert_eq!(kind.scheduling.anti_affinity, AntiAffinity::Preferred);
    assert_eq!(kind.redis.storage.storage_class_name, "standard");

    let ocp = ok(&request("ocp")).profile;
    assert!(ocp.cluster.openshift);
    assert!(!kind.cluster.openshift);

    let prod = ok(&request("production")).profile;
    assert_eq!(prod.scheduling.anti_affinity, AntiAffinity::Required);
    assert_eq!(prod.scheduling.topology_key, "kubernetes.io/hostname");
    assert!(prod.scheduling.zone_spread);
    assert!(prod.pod_disruption_budget.enabled);
    assert!(prod.auth.enabled);
    assert_eq!(prod.auth.existing_secret, "redis-auth");
    assert!(prod.network_policy.enabled);
    assert_eq!(prod.image.tag, "7.2.15-alpine");
    assert_eq!(prod.redis.wait_replicas, 1);
}

#[test]
fn required_set_paths_are_typed() {
    let r = ok(&with_sets(
        "kind",
        &[
            "redis.replicas=5",
            "redis.maxmemory=300mb",
            "redis.maxmemoryPolicy=volatile-lru",
            "redis.resources.limits.memory=1Gi",
            "sentinel.quorum=3",
            "sentinel.downAfterMilliseconds=3000",
            "sentinel.failoverTimeout=9000",
            "namespace=alerts",
        ],
    ));
    let p = &r.profile;
    assert_eq!(p.redis.replicas, 5);
    assert_eq!(p.redis.maxmemory, "300mb");
    assert_eq!(p.redis.maxmemory_policy, "volatile-lru");
    assert_eq!(p.redis.resources.limits.memory, "1Gi");
    assert_eq!(p.sentinel.quorum, 3);
    assert_eq!(p.sentinel.down_after_milliseconds, 3000);
    assert_eq!(p.sentinel.failover_timeout, 9000);
    assert_eq!(p.namespace, "alerts");
    let origin = r.origin("sentinel.quorum").unwrap();
    assert_eq!(origin.source, "--set sentinel.quorum=3");
    assert_eq!(origin.line, None);
}

#[test]
fn set_unknown_path_lists_the_valid_keys_at_that_level() {
    let msg = error(&with_sets("kind", &["sentinel.quorom=3"]));
    assert!(
        msg.contains("unknown field `quorom` at `sentinel`"),
        "{msg}"
    );
    assert!(msg.contains("--set sentinel.quorom=3"), "{msg}");
    assert!(msg.contains("did you mean `quorum`?"), "{msg}");
    assert!(
        msg.contains("downAfterMilliseconds, failoverTimeout"),
        "{msg}"
    );

    let msg = error(&with_sets("kind", &["nosuch=1"]));
    assert!(msg.contains("at the top level"), "{msg}");
    assert!(msg.contains("namespace"), "{msg}");
}

#[test]
fn set_wrong_type_names_the_path_and_the_expected_type() {
    let msg = error(&with_sets("kind", &["sentinel.quorum=two"]));
    assert!(msg.contains("`sentinel.quorum`"), "{msg}");
    assert!(msg.contains("expected a whole number"), "{msg}");
    let msg = error(&with_sets("kind", &["redis.replicas=99999999999999999999"]));
    assert!(msg.contains("`redis.replicas`"), "{msg}");
    let msg = error(&with_sets("kind", &["sentinel=3"]));
    assert!(
        msg.contains("`sentinel`") && msg.contains("mapping"),
        "{msg}"
    );
    let msg = error(&with_sets("kind", &["scheduling.antiAffinity=requird"]));
    assert!(msg.contains("did you mean `required`?"), "{msg}");
    let msg = error(&with_sets("kind", &["sentinel.quorum"]));
    assert!(msg.contains("expected PATH=VALUE"), "{msg}");
    let msg = error(&with_sets("kind", &["sentinel..quorum=2"]));
    assert!(msg.contains("not a field path"), "{msg}");
}

#[test]
fn set_strings_stay_strings_and_null_restores_the_default() {
    let r = ok(&with_sets(
        "kind",
        &[
            "image.tag=7.10",
            "labels.team=on",
            "redis.storage.storageClassName=null",
        ],
    ));
    assert_eq!(r.profile.image.tag, "7.10");
    assert_eq!(r.profile.labels["team"], "on");
    assert_eq!(r.profile.redis.storage.storage_class_name, "");
    let r = ok(&with_sets(
        "kind",
        &[r"labels.app\.kubernetes\.io/part-of=gateway"],
    ));
    assert_eq!(r.profile.labels["app.kubernetes.io/part-of"], "gateway");
}

#[test]
fn unknown_field_in_a_file_names_field_line_and_nearest_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "x.yaml",
        "extends: kind\n# comment\nsentinel:\n  quorum: 2\n  quorom: 3\n",
    );
    let msg = error(&request(file.to_str().unwrap()));
    let expected = format!(
        "unknown field `quorom` at `sentinel` ({}:5:3); did you mean `quorum`?",
        file.display()
    );
    assert!(msg.contains(&expected), "{msg}");
}

#[test]
fn wrong_type_in_a_values_file_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let values = write(dir.path(), "v.yaml", "redis:\n  replicas: three\n");
    let msg = error(&ProfileRequest {
        values: vec![values.clone()],
        ..request("kind")
    });
    assert!(
        msg.contains(&format!("`redis.replicas` ({}:2:3)", values.display())),
        "{msg}"
    );
}

#[test]
fn extends_builtin_and_relative_paths_with_provenance() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("base")).unwrap();
    write(
        &dir.path().join("base"),
        "team.yaml",
        "extends: production\nsentinel:\n  downAfterMilliseconds: 4000\n",
    );
    let file = write(
        dir.path(),
        "mine.yaml",
        "extends: base/team.yaml\nnamespace: alerts\n",
    );
    let r = ok(&request(file.to_str().unwrap()));
    assert_eq!(r.profile.namespace, "alerts");
    assert_eq!(r.profile.sentinel.down_after_milliseconds, 4000);
    assert!(r.profile.auth.enabled, "production's values are inherited");
    assert_eq!(
        r.profile.extends, None,
        "resolved profiles no longer extend anything"
    );
    let origin = r.origin("sentinel.downAfterMilliseconds").unwrap();
    assert!(origin.source.ends_with("team.yaml"), "{origin}");
    assert_eq!(origin.line, Some(3));
    assert_eq!(
        r.origin("auth.enabled").unwrap().source,
        "<built-in profile production>"
    );
    assert_eq!(r.file, file.display().to_string());
}

#[test]
fn extends_cycles_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", "extends: b.yaml\n");
    let b = write(dir.path(), "b.yaml", "extends: a.yaml\n");
    let msg = error(&request(b.to_str().unwrap()));
    assert!(msg.contains("`extends` cycle"), "{msg}");
    let self_ref = write(dir.path(), "c.yaml", "extends: c.yaml\n");
    assert!(error(&request(self_ref.to_str().unwrap())).contains("cycle"));
}

#[test]
fn values_files_deep_merge_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let one = write(
        dir.path(),
        "1.yaml",
        "sentinel:\n  quorum: 3\n  failoverTimeout: 12000\nredis:\n  replicas: 5\n",
    );
    let two = write(dir.path(), "2.yaml", "sentinel:\n  quorum: 2\n");
    let r = ok(&ProfileRequest {
        values: vec![one.clone(), two.clone()],
        ..request("production")
    });
    assert_eq!(r.profile.sentinel.quorum, 2, "later file wins");
    assert_eq!(
        r.profile.sentinel.failover_timeout, 12000,
        "siblings survive"
    );
    assert_eq!(r.profile.redis.replicas, 5);
    assert_eq!(r.profile.sentinel.down_after_milliseconds, 5000);
    assert_eq!(
        r.origin("sentinel.quorum").unwrap().source,
        two.display().to_string()
    );
    assert_eq!(r.origin("sentinel.failoverTimeout").unwrap().line, Some(3));
    let r = ok(&ProfileRequest {
        values: vec![one],
        sets: vec!["sentinel.quorum=1".into()],
        namespace: Some("ns1".into()),
        ..request("production")
    });
    assert_eq!(r.profile.sentinel.quorum, 1, "--set wins over -f");
    assert_eq!(r.profile.namespace, "ns1");
}

#[test]
fn broken_inputs_are_errors_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[u8], &str)] = &[
        ("empty.yaml", b"", "is empty"),
        ("comments.yaml", b"# nothing\n", "is empty"),
        ("binary.yaml", &[0x00, 0xff, 0xfe, 0x89], "not UTF-8"),
        ("list.yaml", b"- kind\n", "must be a mapping"),
        ("scalar.yaml", b"kind\n", "must be a mapping"),
        ("syntax.yaml", b"sentinel: [\n", "not valid YAML"),
        ("multi.yaml", b"a: 1\n---\nb: 2\n", "2 YAML documents"),
        (
            "huge.yaml",
            b"sentinel:\n  quorum: 123456789012345678901234567890\n",
            "`sentinel.quorum`",
        ),
        ("neg.yaml", b"redis:\n  replicas: -1\n", "`redis.replicas`"),
        ("ext.yaml", b"extends: [kind]\n", "`extends` must be"),
        (
            "dup.yaml",
            b"namespace: a\nnamespace: b\n",
            "not valid YAML",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let msg = error(&request(path.to_str().unwrap()));
        assert!(msg.contains(expected), "{name}: {msg}");
        assert!(msg.contains(name), "{name} must be named: {msg}");
    }
}

#[test]
fn unknown_profile_names_the_builtins() {
    let msg = error(&request("prodution"));
    assert!(msg.contains("kind, ocp, production"), "{msg}");
    assert!(msg.contains("did you mean `production`?"), "{msg}");
}

#[test]
fn values_file_may_not_extend() {
    let dir = tempfile::tempdir().unwrap();
    let values = write(dir.path(), "v.yaml", "extends: ocp\n");
    let msg = error(&ProfileRequest {
        values: vec![values],
        ..request("kind")
    });
    assert!(msg.contains("`extends` belongs in a profile file"), "{msg}");
}

#[test]
fn null_in_the_first_source_keeps_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "n.yaml",
        "extends: kind\nredis:\n  resources:\n    limits:\n      cpu: ~\n",
    );
    let r = ok(&request(file.to_str().unwrap()));
    assert_eq!(r.profile.redis.resources.limits.cpu, "500m");
    let r = ok(&with_sets("kind", &["redis.resources.limits.cpu=null"]));
    assert_eq!(r.profile.redis.resources.limits.cpu, "500m");
}

// ---- the profile commands, through the real binary ----

#[test]
fn show_profile_of_each_builtin() {
    for name in ["kind", "ocp", "production"] {
        let out = common::run(&["show-profile", name]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            common::stderr(&out)
        );
        insta::assert_snapshot!(format!("show-profile-{name}"), common::stdout(&out));
    }
}

#[test]
fn show_profile_reads_back_as_the_same_profile() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["kind", "ocp", "production"] {
        let out = common::run(&["show-profile", name, "--set", "labels.team=on"]);
        let path = write(dir.path(), &format!("{name}.yaml"), &common::stdout(&out));
        let again = ok(&request(path.to_str().unwrap())).profile;
        let mut original = ok(&with_sets(name, &["labels.team=on"])).profile;
        original.extends = None;
        assert_eq!(again, original, "{name}");
    }
}

#[test]
fn show_profile_json_and_overrides() {
    let out = common::run(&[
        "show-profile",
        "kind",
        "-o",
        "json",
        "--set",
        "sentinel.quorum=3",
        "--namespace",
        "alerts",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["sentinel"]["quorum"], 3);
    assert_eq!(json["namespace"], "alerts");
}

#[test]
fn profiles_lists_every_builtin_with_its_description() {
    let out = common::run(&["profiles"]);
    assert_eq!(out.status.code(), Some(0));
    let listing = common::stdout(&out);
    for name in ["kind", "ocp", "production"] {
        let line = listing
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing: {listing}"));
        assert!(line.len() > name.len() + 20, "{line}");
    }
}

#[test]
fn schema_profile_documents_every_field() {
    let out = common::run(&["schema", "profile"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "Profile");
    let quorum = &schema["$defs"]["Sentinel"]["properties"]["quorum"];
    assert!(
        quorum["description"].as_str().unwrap().contains("agree"),
        "{quorum}"
    );
    assert_eq!(schema["$defs"]["Sentinel"]["additionalProperties"], false);
}

#[test]
fn profile_errors_exit_2_with_the_field_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "p.yaml",
        "extends: kind\nsentinel:\n  quorom: 3\n",
    );
    let out = common::run(&["show-profile", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = common::stderr(&out);
    assert!(stderr.contains("unknown field `quorom`"), "{stderr}");
    assert!(stderr.contains("p.yaml:3:3"), "{stderr}");
    assert!(stderr.contains("did you mean `quorum`?"), "{stderr}");

    let out = common::run(&["show-profile", "kind", "--set", "sentinel.quorum=many"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("`sentinel.quorum`"));
    let out = common::run(&["show-profile", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("kind, ocp, production"));
}

#[test]
fn values_kubernetes_or_redis_would_reject_are_usage_errors() {
    let cases = [
        (
            "namespace=Alerts_NS",
            "`namespace` (--set namespace=Alerts_NS)",
        ),
        ("redis.resources.limits.memory=lots", "Kubernetes quantity"),
        ("redis.maxmemory=256MiB", "Redis memory size"),
        ("redis.save=[\"900\"]", "<seconds> <changes>"),
        ("image.pullPolicy=Sometimes", "IfNotPresent"),
        ("image.digest=sha256:abc", "64 lower-case hex"),
    ];
    for (set, expected) in cases {
        let msg = error(&with_sets("kind", &[set]));
        assert!(msg.contains(expected), "{set}: {msg}");
    }
    let msg = format!(
        "{:#}",
        resolve(&ProfileRequest {
            namespace: Some("UPPER".into()),
            ..request("kind")
        })
        .unwrap_err()
    );
    assert!(msg.contains("--namespace UPPER"), "{msg}");
}

#[test]
fn set_takes_flow_lists_and_mappings() {
    let r = ok(&with_sets(
        "kind",
        &[
            "redis.save=[]",
            "scheduling.nodeSelector={disk: ssd, zone: a}",
        ],
    ));
    assert!(r.profile.redis.save.is_empty());
    assert_eq!(r.profile.scheduling.node_selector["disk"], "ssd");
    let origin = r.origin("scheduling.nodeSelector.zone").unwrap();
    assert_eq!(origin.line, None, "flag values have no line: {origin}");
    let msg = error(&with_sets("kind", &["redis.save=[900"]));
    assert!(msg.contains("not valid YAML"), "{msg}");
}

#[test]
fn hostile_set_values_are_errors_or_strings_never_panics() {
    let long_path = vec!["a"; 10_000].join(".");
    let cases = [
        "=".to_string(),
        "==".to_string(),
        ".=1".to_string(),
        "labels.x=a=b".to_string(),
        "labels.x=\u{0}\u{7f}".to_string(),
        "labels.x=\"unterminated".to_string(),
        "labels.x=: :".to_string(),
        "labels.x=&anchor".to_string(),
        "labels.x=*alias".to_string(),
        "labels.x=!!binary AAAA".to_string(),
        "labels.x={".to_string(),
        "labels.x=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]"
            .to_string(),
        "sentinel.quorum=1e3".to_string(),
        "sentinel.quorum=-0".to_string(),
        "sentinel.quorum=0x10".to_string(),
        "redis.port=70000".to_string(),
        "ns\u{301}=1".to_string(),
        format!("{long_path}=1"),
        format!("labels.x={}", "v".repeat(100_000)),
    ];
    for set in &cases {
        let result = resolve(&with_sets("kind", &[set.as_str()]));
        if let Ok(r) = result {
            // Accepted only where the field takes any string.
            assert!(
                set.starts_with("labels.") || set.starts_with("sentinel.quorum"),
                "{set}"
            );
            let _ = r.profile;
        }
    }
    // Label values are held to Kubernetes' grammar now; free text takes any string.
    let r = ok(&with_sets("kind", &["description=a=b"]));
    assert_eq!(r.profile.description, "a=b", "only the first `=` splits");
}
