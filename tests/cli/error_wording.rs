//! Bad input to every entry point a user writes by hand — profile file, `-f` values file,
//! `--set`, config file (`.redis-ha-gen.yaml`), lint baseline, drill replay file, lint
//! inputs, names chosen from a list — gets an error in the user's words: no Rust type, no
//! serde or parser vocabulary (docs/contracts.md, "Errors"), and a "did you mean" where the
//! input is a misspelt name from a list. Nothing here runs a drill: every case fails before.

use crate::common::{binary, code, stderr, stdout};
use std::path::Path;

/// Words of serde, serde_json, serde-saphyr and Rust that must not reach a user.
const JARGON: &[&str] = &[
    "invalid type",
    "invalid value",
    "unknown variant",
    "mapping start",
    "sequence start",
    "scalar",
    "u8",
    "u16",
    "u32",
    "u64",
    "i64",
    "usize",
    "f64",
    "struct ",
    "enum ",
    "serde",
    "Error {",
    "Os {",
    "panicked",
    "unwrap",
];

/// Run `args` in `dir`; it must exit `want` with stderr free of jargon and containing
/// every one of `says`.
fn refused(dir: &Path, args: &[&str], want: i32, says: &[&str]) {
    let out = binary()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run redis-ha-gen");
    let stderr = stderr(&out);
    assert_eq!(code(&out), want, "{args:?}: {stderr}");
    for word in JARGON {
        let found = stderr.contains(word) || (want == 2 && stdout(&out).contains(word));
        assert!(!found, "{args:?}: `{word}` reaches the user:\n{stderr}");
    }
    for said in says {
        assert!(stderr.contains(said), "{args:?}: no `{said}` in:\n{stderr}");
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write the input");
}

#[test]
fn profile_values_and_set_errors_are_in_plain_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "values-list.yaml", "redis: [1, 2]\n");
    write(d, "values-type.yaml", "redis:\n  replicas: many\n");
    write(d, "values-typo.yaml", "sentinel:\n  quorom: 2\n");
    write(d, "profile.yaml", "redis:\n  replicas: 99999999999\n");
    let cases: &[(&[&str], &[&str])] = &[
        (&["--profile", "kind", "-f", "values-list.yaml"], &[]),
        (&["--profile", "kind", "-f", "values-type.yaml"], &[]),
        (
            &["--profile", "kind", "-f", "values-typo.yaml"],
            &["did you mean `quorum`?"],
        ),
        (&["--profile", "profile.yaml"], &[]),
        (&["--profile", "kind", "--set", "redis.replicas=-1"], &[]),
        (
            &["--profile", "kind", "--set", "redis.appendonly=maybe"],
            &[],
        ),
        (&["--profile", "kind", "--set", "redis={a: 1}"], &[]),
        (
            &["--profile", "kind", "--set", "engine=valky"],
            &["did you mean `valkey`?"],
        ),
        (&["--profile", "knd"], &["did you mean `kind`?"]),
        (
            &["show-profile", "prodution"],
            &["did you mean `production`?"],
        ),
    ];
    for (args, says) in cases {
        refused(d, args, 2, says);
    }
}

/// Each case's text in turn as file `name`, beside a ConfigMap `m.yaml` to lint; `args`
/// run in that directory must refuse it in plain words.
fn each_text_as(name: &str, args: &[&str], cases: &[(&str, &[&str])]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(
        d,
        "m.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    for (text, says) in cases {
        write(d, name, text);
        refused(d, args, 2, says);
    }
}

#[test]
fn config_file_errors_are_in_plain_words() {
    let cases: &[(&str, &[&str])] = &[
        ("- a\n", &["expected a mapping of fields"]),
        ("rules: 5\n", &["expected a mapping of fields"]),
        ("ignore-paths: 3\n", &["expected a list"]),
        ("kubeVersion: \"1.33\"\n", &["did you mean `kube-version`?"]),
        ("rules:\n  pdb-missing: offf\n", &["did you mean `off`?"]),
        (
            "rules:\n  pdb-misisng: off\n",
            &["did you mean `pdb-missing`?"],
        ),
        ("kube-version: [1]\n", &[]),
    ];
    each_text_as(".redis-ha-gen.yaml", &["lint", "m.yaml"], cases);
}

#[test]
fn baseline_errors_are_in_plain_words() {
    let cases: &[(&str, &[&str])] = &[
        (
            r#"{"version": 1, "finding": []}"#,
            &["did you mean `findings`?"],
        ),
        (
            r#"{"version": 99999999999, "findings": []}"#,
            &["99999999999"],
        ),
        (r#"{"version": 1, "findings": {}}"#, &["a list"]),
        ("[1, 2]", &[]),
        (
            r#"{"version": 1, "findings": [{"rule": "pdb-missing", "count": "x"}]}"#,
            &[],
        ),
        (
            r#"{"version": 1, "findings": [{"rul": "x"}]}"#,
            &["did you mean `rule`?"],
        ),
        ("{", &[]),
    ];
    each_text_as(
        "baseline.json",
        &["lint", "m.yaml", "--baseline", "baseline.json"],
        cases,
    );
}

#[test]
fn drill_inputs_are_refused_in_plain_words_before_anything_runs() {
    let cases: &[(&str, &[&str])] = &[
        (r#"{"seed": -1, "faults": []}"#, &["-1"]),
        (r#"{"seed": 1}"#, &["`faults` is missing"]),
        (r#"{"seed": 1, "faults": 3}"#, &["a list"]),
        (
            r#"{"seed": 1, "faults": [{"at": 1, "fault": "wipe-pvcc", "target": "redis-0", "duration": 1}]}"#,
            &["did you mean `wipe-pvc`?"],
        ),
        (
            r#"{"seed": 1, "faults": [{"at": "soon", "fault": "wipe-pvc", "target": "redis-0", "duration": 1}]}"#,
            &["a number"],
        ),
    ];
    each_text_as(
        "schedule.json",
        &["drill", "--profile", "kind", "--replay", "schedule.json"],
        cases,
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    refused(
        d,
        &["drill", "--profile", "kind", "--scenario", "master-dwn"],
        2,
        &["did you mean `master-down`?"],
    );
    refused(
        d,
        &[
            "drill",
            "--profile",
            "kind",
            "--explore",
            "--faults",
            "wipe-pv",
        ],
        2,
        &["did you mean `wipe-pvc`?"],
    );
    refused(
        d,
        &["drill", "--profile", "kind", "--target", "kubectll"],
        2,
        &["did you mean `kubectl`?"],
    );
    refused(
        d,
        &["drill", "--profile", "kind", "--set", "redis.replicas=x"],
        2,
        &[],
    );
}

#[test]
fn lint_inputs_and_rule_names_are_reported_in_plain_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "broken.yaml", "a: [1\n");
    write(d, "scalar.yaml", "just text\n");
    write(
        d,
        "typed.yaml",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: redis\nspec:\n  replicas: many\n  serviceName: redis\n  selector: {}\n  template: {}\n",
    );
    // Findings (exit 1): the messages on stdout and stderr are checked too.
    for file in ["broken.yaml", "scalar.yaml", "typed.yaml"] {
        let out = binary()
            .args(["lint", file])
            .current_dir(d)
            .output()
            .expect("run redis-ha-gen");
        assert_eq!(code(&out), 1, "{file}: {}", stderr(&out));
        let all = stdout(&out) + &stderr(&out);
        for word in [
            "invalid type",
            "unknown variant",
            "mapping start",
            "panicked",
        ] {
            assert!(!all.contains(word), "{file}: `{word}` in:\n{all}");
        }
    }
    refused(
        d,
        &["lint", "broken.yaml", "--skip", "yaml-syntx"],
        2,
        &["did you mean `yaml-syntax`?"],
    );
    refused(
        d,
        &["explain", "pdb-mising"],
        2,
        &["did you mean `pdb-missing`?"],
    );
}
