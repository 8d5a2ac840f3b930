//! `drill`'s inputs through the real binary, without running a drill (no root needed):
//! `-f` is a values file as in every command, rendered manifests come with `--manifests`,
//! and the old spelling `drill -f manifests.yaml` is refused, never read as values.
//! (A values file changing the set drilled: `tests/drill.rs`,
//! `a_values_file_changes_the_set_drilled`.)

use crate::common;

use crate::common::{code, run, run_with_stdin, stderr, stdout};

/// The kind profile's manifests, written to `dir/name`.
fn rendered(dir: &std::path::Path, name: &str) -> String {
    let out = run(&["--profile", "kind"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let path = dir.join(name);
    std::fs::write(&path, stdout(&out)).expect("write the manifests");
    path.to_str().expect("utf-8 path").to_string()
}

/// The error says what the file is and which flag takes it, and nothing of serde's.
fn says_use_manifests(stderr: &str, file: &str) {
    assert!(
        stderr.contains(&format!("{file} is a Kubernetes manifest")),
        "{stderr}"
    );
    assert!(stderr.contains("apiVersion"), "{stderr}");
    assert!(
        stderr.contains(&format!("drill --manifests {file}")),
        "{stderr}"
    );
    assert!(!stderr.contains("unknown field"), "{stderr}");
}

#[test]
fn the_old_drill_f_manifests_form_is_refused_with_the_flag_to_use() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifests = rendered(dir.path(), "redis-ha.yaml");
    // Alone (the old form) and with a profile (a manifest where values belong).
    for args in [
        vec!["drill", "-f", &manifests],
        vec!["drill", "--values", &manifests, "--scenario", "bootstrap"],
        vec!["drill", "--profile", "kind", "-f", &manifests],
        vec!["--profile", "kind", "-f", &manifests],
        vec!["validate", "--profile", "kind", "-f", &manifests],
    ] {
        let out = run(&args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
        says_use_manifests(&stderr(&out), &manifests);
    }
}

#[test]
fn drill_f_stdin_points_to_manifests_stdin() {
    let mut command = common::binary();
    command.args(["drill", "-f", "-"]);
    let out = run_with_stdin(&mut command, b"apiVersion: v1\nkind: Service\n");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("`--manifests -`"), "{}", stderr(&out));
}

#[test]
fn a_values_file_without_a_profile_asks_for_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let values = dir.path().join("values.yaml");
    std::fs::write(&values, "redis:\n  replicas: 5\n").expect("write values");
    let out = run(&["drill", "-f", values.to_str().expect("utf-8")]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let stderr = stderr(&out);
    assert!(stderr.contains("say what to drill"), "{stderr}");
    assert!(stderr.contains("need one too"), "{stderr}");
}

#[test]
fn values_and_sets_conflict_with_manifests() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifests = rendered(dir.path(), "redis-ha.yaml");
    for extra in [["-f", "values.yaml"], ["--set", "redis.replicas=5"]] {
        let mut args = vec!["drill", "--manifests", &manifests];
        args.extend(extra);
        let out = run(&args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("cannot be used with"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn drill_help_names_both_inputs() {
    let out = run(&["drill", "--help"]);
    assert_eq!(code(&out), 0);
    let help = stdout(&out);
    assert!(help.contains("-f, --values <FILE>"), "{help}");
    assert!(help.contains("--manifests <FILE>"), "{help}");
}
