//! `render` and `validate` through the real binary: exit codes, stdout/stderr contracts,
//! determinism, `--output-dir` all-or-nothing, and snapshots of every built-in's manifests.
//!
//! A template change changes the snapshots on purpose: review the diff, then accept it with
//! `INSTA_UPDATE=always cargo test --test generate cli_render::` (or `cargo insta review`).

use crate::common::{run, run_in, stderr, stdout};
use std::process::Output;

const BUILTINS: [&str; 3] = ["kind", "ocp", "production"];

fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

fn kinds(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter_map(|l| l.strip_prefix("kind: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_builtin_renders_and_matches_its_snapshot() {
    for name in BUILTINS {
        let out = run(&["--profile", name]);
        assert_code(&out, 0);
        let yaml = stdout(&out);
        let kinds = kinds(&yaml);
        for kind in [
            "StatefulSet",
            "ConfigMap",
            "Service",
            "PodDisruptionBudget",
            "ServiceAccount",
        ] {
            assert!(
                kinds.iter().any(|k| k == kind),
                "{name} lacks {kind}: {kinds:?}"
            );
        }
        assert_eq!(
            kinds.iter().any(|k| k == "NetworkPolicy"),
            name != "kind",
            "{name}: NetworkPolicy in production and ocp (OpenShift enforces it), not kind"
        );
        insta::assert_snapshot!(format!("render-{name}"), yaml);
    }
}

#[test]
fn render_is_the_default_command() {
    let explicit = run(&["render", "--profile", "kind"]);
    let implicit = run(&["--profile", "kind"]);
    assert_code(&explicit, 0);
    assert_eq!(explicit.stdout, implicit.stdout);
}

#[test]
fn reruns_are_byte_identical() {
    for name in BUILTINS {
        let first = run(&["--profile", name]);
        let second = run(&["--profile", name]);
        assert_code(&first, 0);
        assert_eq!(first.stdout, second.stdout, "{name}");
        let json = run(&["--profile", name, "-o", "json"]);
        assert_eq!(json.stdout, run(&["--profile", name, "-o", "json"]).stdout);
    }
}

#[test]
fn every_builtin_validates_for_the_oldest_and_newest_kubernetes() {
    for name in BUILTINS {
        for version in ["1.33", "1.37"] {
            let out = run(&["validate", "--profile", name, "--kube-version", version]);
            assert_code(&out, 0);
        }
    }
}

const TLS: &[&str] = &["--set", "tls.enabled=true"];
const TLS_CERT_MANAGER: &[&str] = &[
    "--set",
    "tls.enabled=true",
    "--set",
    "tls.certManager.enabled=true",
    "--set",
    "tls.certManager.issuerRef.name=ca-issuer",
];

#[test]
fn every_builtin_validates_and_lints_with_tls_on() {
    for name in BUILTINS {
        for tls in [TLS, TLS_CERT_MANAGER] {
            // production: not even a warning (--strict fails on one).
            let strict: &[&str] = if name == "production" {
                &["--strict"]
            } else {
                &[]
            };
            let out = run(&[&["validate", "--profile", name], tls, strict].concat());
            assert_code(&out, 0);
            let rendered = run(&[&["--profile", name], tls].concat());
            assert_code(&rendered, 0);
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("redis-ha.yaml");
            std::fs::write(&file, &rendered.stdout).unwrap();
            let lint = run(&[&["lint", file.to_str().unwrap()], strict].concat());
            assert_code(&lint, 0);
        }
    }
}

#[test]
fn tls_render_matches_its_snapshot() {
    let out = run(&[&["--profile", "production"], TLS_CERT_MANAGER].concat());
    assert_code(&out, 0);
    let yaml = stdout(&out);
    assert!(kinds(&yaml).iter().any(|k| k == "Certificate"));
    insta::assert_snapshot!("render-production-tls-cert-manager", yaml);
}

#[test]
fn quorum_above_the_sentinel_count_prints_nothing_and_exits_1() {
    let out = run(&["--profile", "production", "--set", "sentinel.quorum=4"]);
    assert_code(&out, 1);
    assert!(out.stdout.is_empty(), "stdout must stay empty");
    let err = stderr(&out);
    assert!(err.contains("sentinel-quorum-out-of-range"), "{err}");
    assert!(err.contains("sentinel.quorum"), "{err}");
    assert!(err.contains("--set sentinel.quorum=4"), "{err}");
}

#[test]
fn findings_name_the_profile_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.yaml"),
        "extends: kind\n# too slow for the gateway\nsentinel:\n  downAfterMilliseconds: 60000\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["validate", "--profile", "mine.yaml", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON findings");
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "sentinel-down-after-out-of-range")
        .unwrap_or_else(|| panic!("no down-after finding: {report}"));
    assert_eq!(finding["file"], "mine.yaml");
    assert_eq!(finding["line"], 4);
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("sentinel.downAfterMilliseconds")
    );
}

#[test]
fn usage_errors_exit_2_with_empty_stdout() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--profile", "kind", "--set", "sentinel.quorom=3"],
            &["quorom", "did you mean `quorum`", "downAfterMilliseconds"],
        ),
        (
            &["--profile", "kind", "--set", "redis.replicas=three"],
            &["`redis.replicas`", "whole number"],
        ),
        (
            &["--profile", "kind", "--set", "nosuch.path=1"],
            &["unknown field `nosuch`", "namespace"],
        ),
        (&["--profile", "nosuch"], &["kind, ocp, production"]),
        (&["--profile", "kind", "--kube-version", "1.20"], &["1.33"]),
        (&["--profile", "kind", "--bogus-flag"], &["--bogus-flag"]),
        (
            &["--profile", "kind", "-f", "/nonexistent/values.yaml"],
            &["/nonexistent/values.yaml"],
        ),
        (&[], &["--profile"]),
    ];
    for (args, expected) in cases {
        let out = run(args);
        assert_code(&out, 2);
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = stderr(&out);
        for needle in *expected {
            assert!(err.contains(needle), "{args:?}: {needle} missing in {err}");
        }
    }
}

#[test]
fn unknown_profile_field_names_the_field_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("typo.yaml"),
        "extends: production\nredis:\n  maxmemroy: 300mb\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["--profile", "typo.yaml"]);
    assert_code(&out, 2);
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("unknown field `maxmemroy` at `redis` (typo.yaml:3:3)"),
        "{err}"
    );
    assert!(err.contains("did you mean `maxmemory`?"), "{err}");
}

#[test]
fn values_files_and_sets_reach_the_manifests() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.yaml"),
        "extends: kind\nsentinel:\n  downAfterMilliseconds: 4000\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("v.yaml"), "redis:\n  maxmemory: 200mb\n").unwrap();
    let out = run_in(
        dir.path(),
        &[
            "--profile",
            "base.yaml",
            "-f",
            "v.yaml",
            "--namespace",
            "alerts",
            "-o",
            "json",
        ],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    let list: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["metadata"]["namespace"] == "alerts"));
    assert!(
        text.contains("down-after-milliseconds mymaster 4000"),
        "sentinel.conf"
    );
    assert!(text.contains("maxmemory 200mb"), "redis.conf");
}

#[test]
fn yaml_1_1_lookalikes_stay_strings() {
    let out = run(&[
        "--profile",
        "kind",
        "--set",
        "labels.a=yes",
        "--set",
        "labels.b=on",
        "--set",
        "labels.c=0755",
        "--set",
        "labels.d=1.10",
    ]);
    assert_code(&out, 0);
    let yaml = stdout(&out);
    for bare in ["a: yes", "b: on", "c: 0755", "d: 1.10"] {
        assert!(!yaml.lines().any(|l| l.trim() == bare), "{bare} unquoted");
    }
    assert!(yaml.contains("1.10"), "the label is emitted");
}

#[test]
fn strict_fails_on_warnings_that_plain_render_allows() {
    // Without a reason, allkeys-lru is no longer an accepted trade-off: a warning.
    let args = ["--profile", "kind", "--set", "redis.maxmemoryPolicyReason="];
    let out = run(&args);
    assert_code(&out, 0);
    assert!(!out.stdout.is_empty());
    assert!(
        stderr(&out).contains("maxmemory-policy-evicts-state"),
        "{}",
        stderr(&out)
    );
    let strict = run(&[&args[..], &["--strict"]].concat());
    assert_code(&strict, 1);
    assert!(strict.stdout.is_empty());
}

#[test]
fn output_dir_writes_every_concern() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("deploy");
    let out = run(&[
        "--profile",
        "production",
        "--output-dir",
        target.to_str().unwrap(),
    ]);
    assert_code(&out, 0);
    assert!(out.stdout.is_empty(), "manifests go to files, not stdout");
    let names = entries(&target);
    for expected in [
        "redis-statefulset.yaml",
        "redis-sentinel-configmap.yaml",
        "redis-services.yaml",
        "redis-pdb.yaml",
        "redis-networkpolicy.yaml",
        "redis-serviceaccount.yaml",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing: {names:?}"
        );
    }
    let sentinel = std::fs::read_to_string(target.join("redis-sentinel-configmap.yaml")).unwrap();
    assert_eq!(kinds(&sentinel), ["ConfigMap"]);
    let statefulset = std::fs::read_to_string(target.join("redis-statefulset.yaml")).unwrap();
    assert_eq!(kinds(&statefulset), ["StatefulSet"]);
    // Together the files hold exactly the documents render prints.
    assert!(
        names.iter().any(|n| n == ".redis-ha-gen-output"),
        "{names:?}"
    );
    let all: usize = names
        .iter()
        .filter(|n| *n != "kustomization.yaml" && !n.starts_with('.'))
        .map(|n| kinds(&std::fs::read_to_string(target.join(n)).unwrap()).len())
        .sum();
    assert_eq!(
        all,
        kinds(&stdout(&run(&["--profile", "production"]))).len()
    );
    // Only the output directory was added beside it: no staging left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn output_dir_failure_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("deploy");
    let out = run(&[
        "--profile",
        "production",
        "--set",
        "sentinel.quorum=4",
        "--output-dir",
        target.to_str().unwrap(),
    ]);
    assert_code(&out, 1);
    assert!(!target.exists(), "no directory on failure");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no partial files"
    );

    // A path that cannot become a directory: exit 2, and the file is untouched.
    let file = dir.path().join("taken");
    std::fs::write(&file, "mine").unwrap();
    let out = run(&["--profile", "kind", "--output-dir", file.to_str().unwrap()]);
    assert_code(&out, 2);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no staging left behind"
    );
}

/// Names in `dir`, sorted.
fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn output_dir_creates_missing_parents_and_errors_name_the_users_path() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("clusters/prod/redis-ha");
    let out = run(&[
        "--profile",
        "kind",
        "--output-dir",
        target.to_str().unwrap(),
    ]);
    assert_code(&out, 0);
    assert!(target.join("redis-statefulset.yaml").is_file());

    // A parent that cannot be a directory: the error names it, never the staging directory.
    let file = dir.path().join("file");
    std::fs::write(&file, "mine").unwrap();
    let below = file.join("redis-ha");
    let out = run(&["--profile", "kind", "--output-dir", below.to_str().unwrap()]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(err.contains(&below.display().to_string()), "{err}");
    assert!(
        !err.contains(".redis-ha-gen-"),
        "the staging name leaked: {err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

#[test]
fn output_dir_never_deletes_a_file_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("deploy");
    let path = target.to_str().unwrap();
    assert_code(&run(&["--profile", "production", "--output-dir", path]), 0);
    let written = entries(&target);

    // A file the user added, even one named like ours, stops the run and stays.
    std::fs::write(target.join("redis-extra.yaml"), "mine").unwrap();
    let out = run(&["--profile", "production", "--output-dir", path]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("redis-extra.yaml") && err.contains(path),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("redis-extra.yaml")).unwrap(),
        "mine"
    );
    std::fs::remove_file(target.join("redis-extra.yaml")).unwrap();

    // An edit to a file it wrote stops the run and stays.
    let kustomization = target.join("kustomization.yaml");
    let edited = std::fs::read_to_string(&kustomization).unwrap() + "namePrefix: x-\n";
    std::fs::write(&kustomization, &edited).unwrap();
    let out = run(&["--profile", "production", "--output-dir", path]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("kustomization.yaml"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&kustomization).unwrap(), edited);
    assert_eq!(
        entries(&target),
        written,
        "nothing written, nothing removed"
    );

    // Restored, its own files are replaced and the ones a new render drops removed.
    std::fs::write(&kustomization, edited.trim_end_matches("namePrefix: x-\n")).unwrap();
    assert_code(&run(&["--profile", "kind", "--output-dir", path]), 0);
    let now = entries(&target);
    assert!(
        !now.iter().any(|n| n == "redis-networkpolicy.yaml"),
        "{now:?}"
    );
    assert!(
        written.iter().any(|n| n == "redis-networkpolicy.yaml"),
        "{written:?}"
    );
}

#[test]
fn validate_prints_findings_only() {
    let out = run(&["validate", "--profile", "production", "--format", "json"]);
    assert_code(&out, 0);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["errors"], 0);
    assert!(
        !stdout(&out).contains("apiVersion"),
        "no manifests from validate"
    );

    let out = run(&[
        "validate",
        "--profile",
        "kind",
        "--set",
        "sentinel.quorum=0",
        "--format",
        "json",
    ]);
    assert_code(&out, 1);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"sentinel-quorum-out-of-range"), "{rules:?}");
}
