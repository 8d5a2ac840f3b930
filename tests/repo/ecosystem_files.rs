//! The files other tools read (GitHub Actions, pre-commit, Docker) agree with the project:
//! they parse, name commands and files that exist, and keep the upload after a failing lint.

use crate::common;

use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::Command;

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

/// Every hook lints manifest files with a real subcommand; the default one runs the released
/// binary through its script (nothing compiled), and that script lints like the binary.
#[test]
fn pre_commit_hooks_run_lint_and_the_default_one_compiles_nothing() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().filter_map(|h| h["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "redis-ha-gen-lint",
            "redis-ha-gen-lint-system",
            "redis-ha-gen-lint-source"
        ]
    );
    for hook in hooks {
        assert_eq!(hook["files"], r"\.(ya?ml|json)$");
    }
    let language = hooks[0]["language"].as_str();
    assert!(
        matches!(language, Some("script" | "unsupported_script")),
        "the default hook must not compile: {language:?}"
    );
    let script = hooks[0]["entry"].as_str().expect("entry");
    assert!(Path::new(script).is_file(), "{script}");
    for hook in &hooks[1..] {
        let entry: Vec<&str> = hook["entry"].as_str().expect("entry").split(' ').collect();
        assert_eq!(entry[0], "redis-ha-gen");
        let help = common::binary()
            .args(&entry[1..])
            .arg("--help")
            .output()
            .expect("runs");
        assert_eq!(help.status.code(), Some(0), "{entry:?} is not a command");
    }
    // The script with a given binary (no download): lint's own verdict on the files given.
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.yaml");
    fs::write(
        &bad,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  colour: red\n",
    )
    .expect("write");
    let good = dir.path().join("good.yaml");
    fs::write(
        &good,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    )
    .expect("write");
    let hook = |file: &Path| {
        Command::new(script)
            .arg(file)
            .env("REDIS_HA_GEN_BIN", common::BIN)
            .output()
            .expect("run the hook script")
    };
    assert_eq!(hook(&good).status.code(), Some(0));
    let out = hook(&bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema-violation"));
}

/// Run a checker from `make test-deps`; its name and output on failure.
fn check(program: &str, args: &[&str]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (make test-deps installs it)"))
}

fn assert_passes(program: &str, args: &[&str]) {
    let out = check(program, args);
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// actionlint (with shellcheck on every `run:`) and the workflow schema pass on every
/// workflow; actionlint still knows deprecated runtimes (checkout@v4 runs on Node 20).
#[test]
fn workflows_pass_actionlint_and_the_workflow_schema() {
    let mut workflows: Vec<String> = fs::read_dir(".github/workflows")
        .expect("workflows")
        .map(|e| e.expect("entry").path().display().to_string())
        .collect();
    workflows.sort();
    assert!(workflows.iter().any(|w| w.ends_with("release.yml")));
    let paths: Vec<&str> = workflows.iter().map(String::as_str).collect();
    assert_passes("actionlint", &paths);
    let mut args = vec!["--builtin-schema", "vendor.github-workflows"];
    args.extend(&paths);
    assert_passes("check-jsonschema", &args);

    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("old.yml");
    fs::write(
        &old,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n",
    )
    .expect("write");
    let out = check("actionlint", &[old.to_str().expect("UTF-8 path")]);
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stdout).contains("node20"),
        "actionlint must flag a Node 20 action: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The composite action: GitHub's action schema, shellcheck on each step's script, inputs
/// reach scripts only through `env` (never `${{ }}` inside `run`), and it downloads the
/// archives the release workflow attaches.
#[test]
fn the_action_passes_its_schema_and_shellcheck_and_fetches_released_archives() {
    assert_passes(
        "check-jsonschema",
        &["--builtin-schema", "vendor.github-actions", "action.yml"],
    );
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, step) in steps.iter().enumerate() {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        assert!(
            !script.contains("${{"),
            "step {i}: expressions go through env"
        );
        let file = dir.path().join(format!("step{i}.sh"));
        fs::write(&file, script).expect("write");
        assert_passes("shellcheck", &["-s", "bash", file.to_str().expect("UTF-8")]);
    }
    let upload = step(steps, "github/codeql-action/upload-sarif@");
    assert!(
        upload["if"]
            .as_str()
            .is_some_and(|c| c.contains("always()"))
    );
    let install = steps[0]["run"].as_str().expect("install script");
    let release = fs::read_to_string(".github/workflows/release.yml").expect("release.yml");
    for target in ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"] {
        assert!(
            install.contains(target) && release.contains(target),
            "{target}"
        );
    }
    assert!(install.contains("name=\"redis-ha-gen-$version-$target\""));
    assert!(release.contains("name=\"redis-ha-gen-$TAG-$TARGET\""));
    assert!(install.contains("sha256sum --check"));
}

/// pre-commit's own manifest check passes, and rejects a broken manifest (it can fail).
#[test]
fn pre_commit_accepts_the_hooks_manifest() {
    assert_passes(
        "pre-commit",
        &["validate-manifest", ".pre-commit-hooks.yaml"],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("hooks.yaml");
    fs::write(
        &broken,
        "- id: x\n  name: x\n  entry: x\n  language: rustt\n",
    )
    .expect("write");
    let out = check(
        "pre-commit",
        &["validate-manifest", broken.to_str().expect("UTF-8")],
    );
    assert!(
        !out.status.success(),
        "an unknown language must be rejected"
    );
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

/// hadolint passes the Dockerfile (its one inline exception says why), and still flags what
/// the exception covers when the comment is gone.
#[test]
fn dockerfile_passes_hadolint() {
    assert_passes("hadolint", &["Dockerfile"]);
    let dockerfile = fs::read_to_string("Dockerfile").expect("Dockerfile");
    let dir = tempfile::tempdir().expect("temp dir");
    let bare = dir.path().join("Dockerfile");
    fs::write(&bare, dockerfile.replace("# hadolint ignore=DL3018\n", "")).expect("write");
    let out = check("hadolint", &[bare.to_str().expect("UTF-8 path")]);
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stdout).contains("DL3018"),
        "hadolint must flag the unpinned apk add without the exception: {out:?}"
    );
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
