//! The files other tools read (GitHub Actions, pre-commit, Docker) agree with the project:
//! they parse, name commands and files that exist, and keep the upload after a failing lint.

mod common;

use serde_json::Value;
use std::fs;
use std::path::Path;

fn yaml(path: &str) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn steps(workflow: &Value, job: &str) -> Vec<Value> {
    workflow["jobs"][job]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("job {job} has steps"))
        .clone()
}

fn step<'a>(steps: &'a [Value], uses_or_id: &str) -> &'a Value {
    steps
        .iter()
        .find(|s| {
            s["id"] == uses_or_id
                || s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with(uses_or_id))
        })
        .unwrap_or_else(|| panic!("no step {uses_or_id}"))
}

#[test]
fn ci_workflow_runs_the_ci_entry_point_as_root() {
    let ci = yaml(".github/workflows/ci.yml");
    let steps = steps(&ci, "test");
    step(&steps, "actions/checkout@");
    let run: String = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        run.contains("sudo") && run.contains("bash .ci/run"),
        "{run}"
    );
    assert!(Path::new(".ci/run").is_file());
}

#[test]
fn lint_workflow_uploads_the_sarif_it_writes_even_when_lint_fails() {
    let workflow = yaml(".github/workflows/redis-ha-lint.yml");
    assert_eq!(workflow["permissions"]["security-events"], "write");
    let steps = steps(&workflow, "lint");
    let lint = step(&steps, "lint");
    let script = lint["run"].as_str().expect("lint step runs a script");
    assert!(
        script.contains("set +e"),
        "a findings exit must not end the job here"
    );
    assert!(script.contains("lint \"$MANIFESTS\" --format sarif > results.sarif"));
    let upload = step(&steps, "github/codeql-action/upload-sarif@");
    assert_eq!(upload["with"]["sarif_file"], "results.sarif");
    assert!(
        upload["if"]
            .as_str()
            .is_some_and(|c| c.contains("always()"))
    );
    let last = steps.last().expect("steps");
    assert!(
        last["if"]
            .as_str()
            .is_some_and(|c| c.contains("steps.lint.outputs.exit"))
    );
}

#[test]
fn pre_commit_hook_runs_a_real_subcommand_on_manifest_files() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = &hooks[0];
    assert_eq!(hook["id"], "redis-ha-gen-lint");
    assert!(matches!(hook["language"].as_str(), Some("rust" | "system")));
    assert_eq!(hook["files"], r"\.(ya?ml|json)$");
    let entry: Vec<&str> = hook["entry"].as_str().expect("entry").split(' ').collect();
    assert_eq!(entry[0], "redis-ha-gen");
    let help = common::binary()
        .args(&entry[1..])
        .arg("--help")
        .output()
        .expect("runs");
    assert_eq!(help.status.code(), Some(0), "{entry:?} is not a command");
}

#[test]
fn docker_build_context_keeps_what_the_binary_embeds() {
    let ignore = fs::read_to_string(".dockerignore").expect(".dockerignore");
    let patterns: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let needed = [
        "src/",
        "templates/",
        "profiles/",
        "Cargo.toml",
        "Cargo.lock",
    ];
    for needed in needed.into_iter().filter(|n| Path::new(n).exists()) {
        assert!(
            !patterns
                .iter()
                .any(|p| needed.starts_with(p.trim_end_matches('*'))),
            ".dockerignore drops {needed}"
        );
    }
    let dockerfile = fs::read_to_string("Dockerfile").expect("Dockerfile");
    assert!(dockerfile.matches("\nFROM ").count() >= 2, "multi-stage");
    assert!(dockerfile.contains("FROM scratch"), "small static runtime");
}

#[test]
fn docker_rust_is_new_enough_for_the_crate() {
    let dockerfile = fs::read_to_string("Dockerfile").expect("Dockerfile");
    let arg = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("ARG RUST_VERSION="))
        .expect("ARG RUST_VERSION");
    let manifest = fs::read_to_string("Cargo.toml").expect("Cargo.toml");
    let needed = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"'))
        .expect("rust-version");
    let version = |v: &str| -> Vec<u32> { v.split('.').filter_map(|n| n.parse().ok()).collect() };
    assert!(
        version(arg) >= version(needed),
        "Docker Rust {arg} < {needed}"
    );
}
