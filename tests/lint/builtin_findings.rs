//! Findings about a built-in profile or a `--set` flag name them as what they are — the
//! built-in and the profile key — never as a file the user does not have (before:
//! `profiles/kind.yaml` in text, JSON, SARIF locations and GitHub annotations), and neither
//! becomes a SARIF artifact location or an annotation's `file=`.

use crate::common;

use serde_json::Value;

fn validate(args: &[&str], format: &str) -> String {
    let out = common::binary()
        .arg("validate")
        .args(args)
        .args(["--format", format])
        .output()
        .expect("run redis-ha-gen");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn a_builtins_findings_name_the_builtin_and_the_key() {
    let json: Value = serde_json::from_str(&validate(&["--profile", "kind"], "json")).unwrap();
    let findings = json["findings"].as_array().expect("findings");
    assert!(
        !findings.is_empty(),
        "kind has no NetworkPolicy: a warning expected"
    );
    for finding in findings {
        assert_eq!(finding["file"], "<built-in profile kind>", "{finding:#}");
        let message = finding["message"].as_str().unwrap();
        assert!(message.contains("profile key `"), "{message}");
    }
    let text = validate(&["--profile", "kind"], "text");
    assert!(text.contains("<built-in profile kind>"), "{text}");
    assert!(!text.contains("profiles/kind.yaml"), "{text}");
}

#[test]
fn neither_a_builtin_nor_a_flag_becomes_a_file_location() {
    let cases: &[&[&str]] = &[
        &["--profile", "kind"],
        &["--profile", "kind", "--set", "sentinel.quorum=4"],
    ];
    for args in cases {
        let sarif: Value = serde_json::from_str(&validate(args, "sarif")).unwrap();
        let results = sarif["runs"][0]["results"].as_array().expect("results");
        assert!(
            !results.is_empty(),
            "{args:?}: no results, the test would prove nothing"
        );
        for result in results {
            let physical = &result["locations"][0]["physicalLocation"];
            assert!(physical.is_null(), "{args:?}: a file location: {result:#}");
        }
        let github = validate(args, "github");
        assert!(github.lines().any(|l| l.starts_with("::")), "{github}");
        assert!(!github.contains("file="), "{args:?}: {github}");
    }
    let json: Value = serde_json::from_str(&validate(
        &["--profile", "kind", "--set", "sentinel.quorum=4"],
        "json",
    ))
    .unwrap();
    let quorum = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "sentinel-quorum-out-of-range")
        .expect("quorum 4 of 3 Sentinels is out of range");
    assert_eq!(quorum["file"], "--set sentinel.quorum=4");
}
