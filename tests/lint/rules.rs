//! Rule fixtures: for every rule, `tests/rules/<rule>/fires.yaml` must produce it (with its
//! default severity, at the line named by `# expect-line: N` once positions are known) and
//! `tests/rules/<rule>/passes.yaml`, a near miss, must not. A fixture's first lines may say
//! `# options: render failover=SECONDS nodes=N` or `# options: complete`.

use crate::common;

use redis_ha_gen::finding::{Finding, Severity};
use redis_ha_gen::manifest::{self, Document};
use redis_ha_gen::rules::{self, CheckOptions, RenderFacts};
use std::path::{Path, PathBuf};

/// Rules produced by the manifest and schema stages, not by `rules::check`.
const PRODUCED_ELSEWHERE: &[&str] = &[
    "yaml-syntax",
    "schema-violation",
    "kustomization-not-applied",
    "kustomization-built",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules")
}

/// Documents of a fixture, through the product's parser.
fn documents(path: &Path) -> Vec<Document> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = path.display().to_string();
    let parsed = manifest::parse(&file, &text);
    assert!(parsed.findings.is_empty(), "{file}: {:?}", parsed.findings);
    assert!(!parsed.documents.is_empty(), "{file}: no documents");
    parsed.documents
}

fn options(path: &Path) -> CheckOptions {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut options = CheckOptions::default();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        let Some(rest) = line.strip_prefix("# options:") else {
            continue;
        };
        for word in rest.split_whitespace() {
            match word.split_once('=') {
                None if word == "complete" => options.complete = true,
                None if word == "render" => options.render = Some(RenderFacts::default()),
                Some(("failover", v)) => {
                    options
                        .render
                        .get_or_insert_with(Default::default)
                        .failover_target_seconds = v.parse().expect("failover")
                }
                Some(("nodes", v)) => {
                    options.render.get_or_insert_with(Default::default).nodes =
                        v.parse().expect("nodes")
                }
                _ => panic!("{}: unknown option {word}", path.display()),
            }
        }
    }
    options
}

fn expected_line(path: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix("# expect-line:")?.trim().parse().ok())
}

fn check(path: &Path) -> Vec<Finding> {
    rules::check(&documents(path), &options(path))
}

fn checked_rules() -> impl Iterator<Item = &'static rules::Rule> {
    rules::registry()
        .iter()
        .filter(|r| !PRODUCED_ELSEWHERE.contains(&r.id))
}

#[test]
fn every_rule_fires_on_its_fixture_with_its_severity_and_line() {
    let mut failures = Vec::new();
    for rule in checked_rules() {
        let path = fixtures().join(rule.id).join("fires.yaml");
        let found: Vec<Finding> = check(&path)
            .into_iter()
            .filter(|f| f.rule == rule.id)
            .collect();
        if found.is_empty() {
            failures.push(format!("{}: did not fire", rule.id));
            continue;
        }
        if found.iter().any(|f| f.severity != rule.severity) {
            failures.push(format!("{}: severity {:?}", rule.id, found[0].severity));
        }
        let lines: Vec<Option<usize>> = found.iter().map(|f| f.line).collect();
        if let Some(line) = expected_line(&path)
            && lines.iter().any(Option::is_some)
            && !lines.contains(&Some(line))
        {
            failures.push(format!("{}: expected line {line}, got {lines:?}", rule.id));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn no_rule_fires_on_its_near_miss() {
    let mut failures = Vec::new();
    for rule in checked_rules() {
        let path = fixtures().join(rule.id).join("passes.yaml");
        let found: Vec<Finding> = check(&path)
            .into_iter()
            .filter(|f| f.rule == rule.id)
            .collect();
        if !found.is_empty() {
            failures.push(format!("{}: {:?}", rule.id, found));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_sentinel_that_requires_no_password_is_reported() {
    let path = fixtures().join("sentinel-auth-missing/open-sentinel.yaml");
    let found: Vec<Finding> = check(&path)
        .into_iter()
        .filter(|f| f.rule == "sentinel-auth-missing")
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("requires none"), "{found:#?}");
    assert_eq!(found[0].line, expected_line(&path));
}

/// The liveness logic for every probe that restarts: a TCP startupProbe passes while Redis
/// loads and holds nothing off; on a set with replicas no startupProbe covers a full sync.
#[test]
fn a_liveness_probe_that_expects_pong_is_judged_with_the_startup_probe_and_the_topology() {
    let rule = "liveness-probe-kills-loading";
    let path = "liveness-probe-kills-loading/tcp-startup.yaml";
    let tcp = findings_of(path, rule);
    assert_eq!(tcp.len(), 1, "{tcp:#?}");
    assert!(
        tcp[0]
            .message
            .contains("startupProbe passes while Redis loads")
    );
    assert_eq!(tcp[0].line, expected_line(&fixtures().join(path)));
    // The Sentinel set of passes.yaml with its old liveness probe (PONG only) and its
    // PONG startupProbe of 600 s: a replica's full sync is not covered.
    let found = findings_of_variant(
        "liveness-probe-kills-loading/passes.yaml",
        "grep -E \"PONG|LOADING\"",
        "grep PONG",
        rule,
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("full sync"), "{found:#?}");
}

/// Findings of `rule` on fixture `path` (relative to tests/rules) with its first `from`
/// (which must be there) replaced by `to`.
fn findings_of_variant(path: &str, from: &str, to: &str, rule: &str) -> Vec<Finding> {
    let text = std::fs::read_to_string(fixtures().join(path)).expect("fixture");
    assert!(text.contains(from), "{path} no longer holds {from:?}");
    let docs = manifest::parse(path, &text.replacen(from, to, 1)).documents;
    rules::check(&docs, &CheckOptions::default())
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
}

/// Findings of `rule` on fixture `path` (relative to tests/rules).
fn findings_of(path: &str, rule: &str) -> Vec<Finding> {
    check(&fixtures().join(path))
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
}

#[test]
fn a_password_in_a_start_script_kept_in_a_configmap_is_reported() {
    let found = findings_of("secret-in-configmap/script.yaml", "secret-in-configmap");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("script"), "{found:#?}");
    assert!(!found[0].message.contains("hunter2"), "{found:#?}");
    assert_eq!(
        found[0].line,
        expected_line(&fixtures().join("secret-in-configmap/script.yaml"))
    );
}

#[test]
fn a_placeholder_replaced_from_a_secret_at_start_is_not_a_password() {
    let found = findings_of(
        "secret-in-configmap/placeholder.yaml",
        "secret-in-configmap",
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn secret_messages_never_print_the_value() {
    for (path, rule) in [
        ("secret-in-pod-spec/fires.yaml", "secret-in-pod-spec"),
        ("secret-in-configmap/fires.yaml", "secret-in-configmap"),
        ("secret-committed/fires.yaml", "secret-committed"),
    ] {
        let found = findings_of(path, rule);
        assert!(!found.is_empty(), "{path}");
        for f in found {
            assert!(
                !f.message.contains("hunter2") && !f.message.contains("aHVudGVyMg"),
                "{f:#?}"
            );
        }
    }
    // The command-line option, the probe's `redis-cli -a` and the variable are found.
    assert_eq!(
        findings_of("secret-in-pod-spec/fires.yaml", "secret-in-pod-spec").len(),
        3
    );
}

/// A password assigned to a variable in a pod spec's script (`export REDISCLI_AUTH=…`, a
/// probe's `REDISCLI_AUTH=… redis-cli`, a start script in a ConfigMap) is found at its line,
/// its value never printed.
#[test]
fn a_password_assigned_in_a_pod_spec_script_is_reported() {
    let path = "secret-in-pod-spec/script-assignment.yaml";
    let found = findings_of(path, "secret-in-pod-spec");
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].line, expected_line(&fixtures().join(path)));
    for f in &found {
        assert!(f.message.contains("`REDISCLI_AUTH`"), "{f:#?}");
        assert!(!f.message.contains("hunter2"), "{f:#?}");
    }
    // A server given the assigned password: one cause, one finding (at the server's option).
    let found = findings_of_variant(
        path,
        "exec redis-server --maxmemory",
        "exec redis-server --requirepass \"$REDISCLI_AUTH\" --maxmemory",
        "secret-in-pod-spec",
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].message.contains("`requirepass`"), "{found:#?}");
    assert!(found[1].message.contains("livenessProbe"), "{found:#?}");
    // A password read from a mounted file by command substitution is not a literal (the
    // bitnami redis-cluster chart: `export REDISCLI_AUTH=`cat $REDIS_PASSWORD_FILE``).
    let found = findings_of_variant(
        path,
        "export REDISCLI_AUTH=hunter2",
        "export REDISCLI_AUTH=`cat $REDIS_PASSWORD_FILE`",
        "secret-in-pod-spec",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("livenessProbe"), "{found:#?}");
    // The same script kept in a ConfigMap is the ConfigMap's finding.
    let path = "secret-in-configmap/script-assignment.yaml";
    let found = findings_of(path, "secret-in-configmap");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].line, expected_line(&fixtures().join(path)));
    assert!(found[0].message.contains("`REDISCLI_AUTH`"), "{found:#?}");
    assert!(!found[0].message.contains("hunter2"), "{found:#?}");
}

#[test]
fn a_cluster_created_without_replicas_is_reported() {
    let path = "cluster-replicas-too-few/no-replicas.yaml";
    let found = findings_of(path, "cluster-replicas-too-few");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].message.contains("--cluster-replicas 0"),
        "{found:#?}"
    );
    assert_eq!(found[0].line, expected_line(&fixtures().join(path)));
}

/// The shard-loss rules say what losing a shard stops, by `cluster-require-full-coverage`:
/// every query by default, only the lost slots' keys with `no`.
#[test]
fn a_lost_shard_stops_what_full_coverage_says() {
    let rule = "cluster-pdb-allows-shard-loss";
    let path = format!("{rule}/fires.yaml");
    let default = findings_of(&path, rule);
    assert_eq!(default.len(), 1, "{default:#?}");
    assert!(
        default[0]
            .message
            .contains("the whole cluster refuses queries"),
        "{default:#?}"
    );
    let partial = findings_of_variant(
        &path,
        "    appendonly yes\n",
        "    appendonly yes\n    cluster-require-full-coverage no\n",
        rule,
    );
    assert_eq!(partial.len(), 1, "{partial:#?}");
    assert!(
        partial[0]
            .message
            .contains("the other shards keep answering"),
        "{partial:#?}"
    );
}

/// A start script that sources a library from another ConfigMap (through a variable, from
/// inside a function) and starts Redis by calling the library's function with the config
/// path and options as arguments: the server, its file and its options are followed.
#[test]
fn a_server_started_by_a_function_of_a_sourced_library_is_followed() {
    let path = "maxmemory-unset/sourced-function.yaml";
    let all = check(&fixtures().join(path));
    let found: Vec<&Finding> = all.iter().filter(|f| f.rule == "maxmemory-unset").collect();
    assert_eq!(found.len(), 1, "{all:#?}");
    assert_eq!(found[0].line, expected_line(&fixtures().join(path)));
    // The password comes from the call's `--requirepass "$REDIS_DEFAULT_PASSWORD"`.
    for rule in ["redis-auth-disabled", "redis-container-not-understood"] {
        assert!(all.iter().all(|f| f.rule != rule), "{rule}: {all:#?}");
    }
}

#[test]
fn a_standalone_cache_needs_no_masterauth() {
    let found = findings_of(
        "sentinel-auth-missing/standalone.yaml",
        "sentinel-auth-missing",
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_sentinel_config_that_knows_pods_beyond_the_set_is_reported() {
    let path = fixtures().join("replicas-out-of-sync/ghost-sentinel.yaml");
    let found: Vec<Finding> = check(&path)
        .into_iter()
        .filter(|f| f.rule == "replicas-out-of-sync")
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("(ordinal 4)"), "{found:#?}");
    assert_eq!(found[0].line, expected_line(&path));
}

#[test]
fn a_correct_deployment_has_no_findings() {
    let path = fixtures().join("good/redis-ha.yaml");
    let options = CheckOptions {
        render: Some(RenderFacts {
            failover_target_seconds: 10,
            nodes: 3,
            existing_secrets: Vec::new(),
        }),
        complete: false,
    };
    let findings = rules::check(&documents(&path), &options);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn the_seeds_hand_written_manifests_show_their_known_mistakes() {
    let findings = check(&fixtures().join("seed/redis-ha.yaml"));
    let ids: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    for id in [
        "sentinel-config-read-only",
        "sentinel-hostnames-unresolved",
        "static-master-bootstrap",
        "client-service-selects-replicas",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(findings.iter().any(|f| f.severity == Severity::Error));
}

/// Findings of `validate` on a built-in profile with `--set` overrides, through the binary.
fn validate(profile: &str, sets: &[&str]) -> Vec<(String, String)> {
    let mut cmd = common::binary();
    cmd.args(["validate", "--profile", profile, "--format", "json"]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().expect("run redis-ha-gen");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn built_in_profiles_have_no_errors_and_production_no_warnings() {
    let tls: &[&str] = &["tls.enabled=true"];
    let cert_manager: &[&str] = &[
        "tls.enabled=true",
        "tls.certManager.enabled=true",
        "tls.certManager.issuerRef.name=ca-issuer",
    ];
    for profile in ["kind", "ocp", "production"] {
        for sets in [&[][..], tls, cert_manager] {
            let findings = validate(profile, sets);
            assert!(
                !findings.iter().any(|(_, s)| s == "error"),
                "{profile} {sets:?}: {findings:?}"
            );
            if profile == "production" {
                assert!(findings.is_empty(), "{profile} {sets:?}: {findings:?}");
            }
        }
    }
}

/// The model follows the generated start scripts to the configuration Redis and Sentinel
/// really load: changing a profile value changes what the rules see.
#[test]
fn rules_see_the_values_the_templates_render() {
    let cases: &[(&str, &str)] = &[
        ("sentinel.quorum=4", "sentinel-quorum-out-of-range"),
        ("sentinel.quorum=3", "sentinel-quorum-above-majority"),
        (
            "sentinel.downAfterMilliseconds=60000",
            "sentinel-down-after-out-of-range",
        ),
        (
            "sentinel.failoverTimeout=5000",
            "sentinel-failover-timeout-too-low",
        ),
        ("redis.maxmemory=600mb", "maxmemory-exceeds-limit"),
        ("redis.maxmemory=300mb", "maxmemory-headroom-low"),
        (
            "redis.maxmemoryPolicy=allkeys-random",
            "maxmemory-policy-evicts-state",
        ),
        ("redis.minReplicasToWrite=0", "min-replicas-to-write-unset"),
        (
            "redis.replDisklessSyncDelay=5",
            "repl-diskless-sync-delay-high",
        ),
        // One replica cannot serve `min-replicas-to-write 1`: the profile refuses that pair.
        (
            "redis.replicas=1 redis.minReplicasToWrite=0",
            "replica-count-too-low",
        ),
    ];
    for (set, rule) in cases {
        let mut sets: Vec<&str> = set.split(' ').collect();
        sets.push("redis.maxmemoryPolicyReason=");
        let findings = validate("production", &sets);
        assert!(
            findings.iter().any(|(r, _)| r == rule),
            "--set {set}: {findings:?}"
        );
    }
}

/// Two variants of one set linted together (a folder holding `fires.yaml` and `passes.yaml`):
/// the verdict does not depend on the order the files come in, each variant is analysed, and
/// the duplicates are named.
#[test]
fn duplicate_definitions_give_one_verdict_whatever_the_file_order() {
    let dir = fixtures().join("replica-count-too-low");
    let fires = documents(&dir.join("fires.yaml"));
    let passes = documents(&dir.join("passes.yaml"));
    let both = |first: &[Document], second: &[Document]| {
        let docs: Vec<Document> = first.iter().chain(second).cloned().collect();
        rules::check(&docs, &CheckOptions::default())
    };
    let forward = both(&fires, &passes);
    let backward = both(&passes, &fires);
    assert_eq!(forward, backward);
    // Each definition is analysed as an alternative: the variant that fires (the earlier one
    // in path order, which `kubectl apply` would replace) still gets its finding.
    let too_low: Vec<&Finding> = forward
        .iter()
        .filter(|f| f.rule == "replica-count-too-low")
        .collect();
    assert!(
        !too_low.is_empty()
            && too_low
                .iter()
                .all(|f| f.file.as_deref().is_some_and(|p| p.ends_with("fires.yaml"))),
        "{forward:#?}"
    );
    let duplicates: Vec<&Finding> = forward
        .iter()
        .filter(|f| f.rule == "duplicate-object")
        .collect();
    assert_eq!(duplicates.len(), fires.len(), "{duplicates:#?}");
    assert!(duplicates.iter().all(|f| {
        f.file
            .as_deref()
            .is_some_and(|p| p.ends_with("passes.yaml"))
            && f.message.contains("fires.yaml:")
    }));
}

/// `namespace-not-created` is located at the namespace's first object in (file, position)
/// order: the same documents in any order, split over files given in any order, give the
/// same findings.
#[test]
fn namespace_not_created_is_located_whatever_the_input_order() {
    let path = fixtures().join("namespace-not-created/fires.yaml");
    let docs = documents(&path);
    let check = |docs: &[Document]| rules::check(docs, &CheckOptions::default());
    let forward = check(&docs);
    let reversed: Vec<Document> = docs.iter().rev().cloned().collect();
    assert_eq!(forward, check(&reversed));
    let found: Vec<&Finding> = forward
        .iter()
        .filter(|f| f.rule == "namespace-not-created")
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].line, expected_line(&path));
    assert!(
        found[0].message.contains("(2 objects are in it)")
            && found[0]
                .message
                .contains("the input creates namespace `shop`"),
        "{found:#?}"
    );
    // The Deployment in a.yaml, the Namespace and ConfigMap in b.yaml: the finding is at the
    // Deployment (a.yaml sorts first), whichever file comes first.
    let split: Vec<Document> = docs
        .iter()
        .cloned()
        .map(|mut d| {
            d.file = if d.kind() == "Deployment" {
                "a.yaml"
            } else {
                "b.yaml"
            }
            .into();
            d
        })
        .collect();
    let (a, b): (Vec<Document>, Vec<Document>) =
        split.into_iter().partition(|d| d.file == "a.yaml");
    let ab = check(&[a.clone(), b.clone()].concat());
    assert_eq!(ab, check(&[b, a].concat()));
    let at: Vec<(Option<&str>, Option<&str>)> = ab
        .iter()
        .filter(|f| f.rule == "namespace-not-created")
        .map(|f| (f.file.as_deref(), f.object.as_deref()))
        .collect();
    assert_eq!(
        at,
        vec![(Some("a.yaml"), Some("Deployment/shop-staging/redis"))]
    );
}

/// One app's objects without any `Namespace` are not evidently a whole deployment (the
/// namespace is made elsewhere); declared complete, they are.
#[test]
fn namespace_not_created_only_on_an_evidently_whole_input() {
    let docs = documents(&fixtures().join("namespace-not-created/app-only.yaml"));
    let said = |options: &CheckOptions| -> Vec<Finding> {
        rules::check(&docs, options)
            .into_iter()
            .filter(|f| f.rule == "namespace-not-created")
            .collect()
    };
    assert!(said(&CheckOptions::default()).is_empty());
    let complete = CheckOptions {
        complete: true,
        ..CheckOptions::default()
    };
    let found = said(&complete);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, Severity::Info);
    assert!(found[0].message.contains("`--complete`"), "{found:#?}");
    let render = CheckOptions {
        render: Some(RenderFacts::default()),
        complete: true,
    };
    assert!(said(&render).is_empty());
}

#[test]
fn a_proxy_on_the_redis_port_is_not_announced_and_a_custom_image_is() {
    let found = findings_of(
        "redis-container-not-understood/proxy.yaml",
        "redis-container-not-understood",
    );
    let objects: Vec<Option<&str>> = found.iter().map(|f| f.object.as_deref()).collect();
    assert_eq!(objects, vec![Some("Pod/ns/redis-master")], "{found:#?}");
    assert!(
        found[0].message.contains("built into the image"),
        "{found:#?}"
    );
}

#[test]
fn valkey_primaryauth_is_masterauth() {
    let found = findings_of(
        "sentinel-auth-missing/valkey-primaryauth.yaml",
        "sentinel-auth-missing",
    );
    assert!(
        found.iter().all(|f| !f.message.contains("masterauth")),
        "{found:#?}"
    );
}

#[test]
fn a_statefulset_alone_gets_one_info_for_its_missing_service_not_an_error() {
    let path = "input-partial/statefulset-alone.yaml";
    let info = findings_of(path, "input-partial");
    assert_eq!(info.len(), 1, "{info:#?}");
    assert!(
        info[0].message.contains("Service `redis-headless`"),
        "{info:#?}"
    );
    assert_eq!(info[0].line, expected_line(&fixtures().join(path)));
    assert!(findings_of(path, "headless-service-missing").is_empty());
    // Neither a NetworkPolicy nor a PDB is in the partial input: said once in that info, not
    // as two warnings.
    assert!(
        info[0]
            .message
            .contains("a NetworkPolicy or a PodDisruptionBudget selects its pods"),
        "{info:#?}"
    );
    assert!(findings_of(path, "network-policy-missing").is_empty());
    assert!(findings_of(path, "pdb-missing").is_empty());
    // Declared complete, the missing Service is the error it always was, and the missing
    // policy and budget the warnings.
    let docs = documents(&fixtures().join(path));
    let complete = CheckOptions {
        complete: true,
        ..CheckOptions::default()
    };
    let found = rules::check(&docs, &complete);
    for rule in [
        "headless-service-missing",
        "network-policy-missing",
        "pdb-missing",
    ] {
        assert!(found.iter().any(|f| f.rule == rule), "{rule}: {found:#?}");
    }
    assert!(!found.iter().any(|f| f.rule == "input-partial"));
}

#[test]
fn a_namespace_variable_left_by_an_overlay_is_reported() {
    let path = "address-in-other-namespace/variable.yaml";
    let found = findings_of(path, "address-in-other-namespace");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("NAMESPACE=default"), "{found:#?}");
    assert_eq!(found[0].line, expected_line(&fixtures().join(path)));
}
