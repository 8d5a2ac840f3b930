//! Folders of alternatives through the real binary (docs/lint.md, "Folders with
//! alternatives"): a `kustomization.yaml` picks what is linted and sets the namespace; without
//! one every definition of a duplicated object is analysed, whatever the file order.

use crate::common::{code, run_in};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn layouts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kustomize")
}

/// A copy of `tests/kustomize/alternatives` in a temporary folder, `kustomization` written as
/// its `kustomization.yaml` (or none).
fn alternatives(kustomization: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("redis");
    std::fs::create_dir_all(&folder).expect("mkdir");
    for file in ["standalone.yml", "replicated.yml"] {
        std::fs::copy(layouts().join("alternatives").join(file), folder.join(file)).expect("copy");
    }
    if let Some(text) = kustomization {
        std::fs::write(folder.join("kustomization.yaml"), text).expect("write");
    }
    dir
}

fn lint_json(dir: &Path, args: &[&str]) -> (Output, Value) {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    let out = run_in(dir, &all);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, json)
}

/// `(rule, file, object)` of each finding.
fn found(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (s("rule"), s("file"), s("object"))
        })
        .collect()
}

fn rules_in(found: &[(String, String, String)], file: &str) -> Vec<String> {
    found
        .iter()
        .filter(|(_, f, _)| f.ends_with(file))
        .map(|(r, _, _)| r.clone())
        .collect()
}

#[test]
fn a_kustomization_picks_the_alternative_and_sets_its_namespace() {
    let picks = |file: &str| {
        format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: cache\nresources:\n  - {file}\n"
        )
    };
    // The layout as committed: the kustomization picks standalone.yml.
    let (out, report) = lint_json(&layouts(), &["alternatives"]);
    let found_standalone = found(&report);
    assert_ne!(code(&out), 2, "{found_standalone:?}");
    assert!(
        rules_in(&found_standalone, "replicated.yml").is_empty(),
        "replicated.yml is not listed: {found_standalone:?}"
    );
    assert!(
        !found_standalone
            .iter()
            .any(|(r, _, _)| r == "duplicate-object" || r == "replication-without-failover"),
        "{found_standalone:?}"
    );
    assert!(
        found_standalone
            .iter()
            .filter(|(_, f, _)| f.ends_with("standalone.yml"))
            .all(|(_, _, o)| o.contains("/cache/")),
        "the kustomization's namespace is applied: {found_standalone:?}"
    );
    assert_eq!(
        report["summary"]["files"], 2,
        "kustomization + standalone.yml"
    );

    // The other alternative picked: its replication problem is found, nothing of standalone.
    let dir = alternatives(Some(&picks("replicated.yml")));
    let (_, report) = lint_json(dir.path(), &["redis"]);
    let found_replicated = found(&report);
    assert!(
        found_replicated
            .iter()
            .any(|(r, f, o)| r == "replication-without-failover"
                && f == "redis/replicated.yml"
                && o.starts_with("StatefulSet/cache/")),
        "{found_replicated:?}"
    );
    assert!(rules_in(&found_replicated, "standalone.yml").is_empty());
    assert!(
        !found_replicated
            .iter()
            .any(|(r, _, _)| r == "duplicate-object")
    );

    // The kustomization file given itself is the same as its folder.
    let (_, by_file) = lint_json(dir.path(), &["redis/kustomization.yaml"]);
    assert_eq!(by_file["findings"], report["findings"]);
}

#[test]
fn without_a_kustomization_each_definition_is_analysed_whatever_the_file_order() {
    let dir = alternatives(None);
    let (out, report) = lint_json(dir.path(), &["redis"]);
    let both = found(&report);
    assert_ne!(code(&out), 2, "{both:?}");
    // replicated.yml comes first in path order: before, only standalone.yml (applied last)
    // was analysed and this finding vanished.
    assert!(
        both.iter()
            .any(|(r, f, _)| r == "replication-without-failover" && f == "redis/replicated.yml"),
        "{both:?}"
    );
    let duplicates: Vec<_> = both
        .iter()
        .filter(|(r, _, _)| r == "duplicate-object")
        .collect();
    assert_eq!(
        duplicates.len(),
        2,
        "StatefulSet/redis and Service/redis: {both:?}"
    );
    // Given file by file, in either order: the same bytes.
    let forward = run_in(
        dir.path(),
        &["lint", "redis/replicated.yml", "redis/standalone.yml"],
    );
    let backward = run_in(
        dir.path(),
        &["lint", "redis/standalone.yml", "redis/replicated.yml"],
    );
    assert_eq!(
        String::from_utf8_lossy(&forward.stdout),
        String::from_utf8_lossy(&backward.stdout)
    );
    assert!(String::from_utf8_lossy(&forward.stdout).contains("replication-without-failover"));
}

#[test]
fn an_overlay_follows_its_base_and_announces_what_it_does_not_apply() {
    let (out, report) = lint_json(&layouts().join("overlay"), &["prod"]);
    let all = found(&report);
    assert_ne!(code(&out), 2, "{all:?}");
    // The base's objects, moved to the overlay's namespace (it wins over the base's own).
    let redis: Vec<_> = all
        .iter()
        .filter(|(_, f, _)| f.ends_with("base/redis.yaml"))
        .collect();
    assert!(!redis.is_empty(), "{all:?}");
    assert!(
        redis.iter().all(|(_, _, o)| o.contains("/prod/")),
        "{redis:?}"
    );
    // Nothing the kustomizations do not list is read (unused.yaml has a literal password).
    assert!(rules_in(&all, "unused.yaml").is_empty(), "{all:?}");
    assert!(rules_in(&all, "memory.yaml").is_empty(), "{all:?}");
    // The remote resource and the patches: one info each, at their lines.
    let infos: Vec<(String, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "kustomization-not-applied")
        .map(|f| {
            assert_eq!(f["severity"], "info");
            assert_eq!(f["file"], "prod/kustomization.yaml");
            (
                f["message"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    // And one at the kustomization: it was not built, as the build would fetch.
    assert_eq!(infos.len(), 3, "{infos:?}");
    assert!(
        infos[0].0.contains("not built") && infos[0].0.contains("remote resource"),
        "{infos:?}"
    );
    assert!(
        infos[1].0.contains("remote resource") && infos[1].1 == 6,
        "{infos:?}"
    );
    assert!(
        infos[2].0.contains("`patches`") && infos[2].1 == 7,
        "{infos:?}"
    );
}

#[test]
fn a_missing_resource_stops_the_run_naming_it() {
    let dir = alternatives(Some("resources:\n  - standalone.yml\n  - sentinel.yml\n"));
    let out = run_in(dir.path(), &["lint", "redis"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 2, "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("redis/kustomization.yaml lists `sentinel.yml`, which does not exist"),
        "{err}"
    );
}

/// `kustomize` or `kubectl` on PATH, as `lint` looks for them. Absent under CI is a failure
/// (`make test-deps` installs kubectl), elsewhere the test says it is skipped.
fn kustomize_tool() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = ["kustomize", "kubectl"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "neither kustomize nor kubectl is on PATH: `make test-deps` installs kubectl"
        );
        eprintln!("SKIPPED: neither kustomize nor kubectl is on PATH (`make test-deps`)");
    }
    found
}

/// A rendered Sentinel set in `base/` (namespace `redis`) and an overlay `staging/` that moves
/// it to `staging`, patches the StatefulSet and pins its image to `latest`: the case.
fn rendered_with_overlay() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_in(
        dir.path(),
        &[
            "render",
            "-p",
            "kind",
            "--namespace",
            "redis",
            "--output-dir",
            "base",
        ],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let staging = dir.path().join("staging");
    std::fs::create_dir_all(&staging).expect("mkdir");
    std::fs::write(
        staging.join("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: staging\nresources:\n  - ../base\nimages:\n  - name: docker.io/library/redis\n    newTag: latest\npatches:\n  - path: grace.yaml\n",
    )
    .expect("write");
    std::fs::write(
        staging.join("grace.yaml"),
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: redis\n  namespace: redis\nspec:\n  template:\n    spec:\n      terminationGracePeriodSeconds: 1\n",
    )
    .expect("write");
    dir
}

#[test]
fn an_overlay_with_patches_is_built_and_findings_point_where_the_object_comes_from() {
    if kustomize_tool().is_none() {
        return;
    }
    let dir = rendered_with_overlay();
    let (out, report) = lint_json(dir.path(), &["staging"]);
    let all = found(&report);
    assert_ne!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stderr));
    let findings = report["findings"].as_array().expect("findings");
    // Built: no field is announced as not applied; one info says which tool built it.
    assert!(
        !all.iter().any(|(r, _, _)| r == "kustomization-not-applied"),
        "{all:?}"
    );
    let built: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "kustomization-built")
        .collect();
    assert_eq!(built.len(), 1, "{all:?}");
    assert_eq!(built[0]["file"], "staging/kustomization.yaml");
    // The images transformer's effect is seen, on the StatefulSet the build changed: the
    // finding points to the kustomization, with the object's identity and no line.
    let floating: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "image-tag-floating")
        .collect();
    assert!(!floating.is_empty(), "{all:?}");
    for f in &floating {
        assert_eq!(f["file"], "staging/kustomization.yaml", "{f}");
        assert!(f["line"].is_null(), "{f}");
        assert!(
            f["object"]
                .as_str()
                .unwrap_or_default()
                .starts_with("StatefulSet/staging/redis"),
            "{f}"
        );
    }
    // The case: the rendered scripts and configs still name namespace `redis`.
    // Those objects are unpatched (only moved), so findings point to their source lines.
    let stale: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "address-in-other-namespace")
        .collect();
    assert!(!stale.is_empty(), "{all:?}");
    assert!(
        stale.iter().any(
            |f| f["file"].as_str().unwrap_or_default().starts_with("base/")
                && f["line"].as_u64().is_some()
        ),
        "{stale:?}"
    );
    // Opting out gives today's unbuilt reading and its infos.
    let (_, unbuilt) = lint_json(dir.path(), &["--no-kustomize-build", "staging"]);
    let unbuilt = found(&unbuilt);
    assert_eq!(
        unbuilt
            .iter()
            .filter(|(r, _, _)| r == "kustomization-not-applied")
            .count(),
        2,
        "images and patches: {unbuilt:?}"
    );
    assert!(!unbuilt.iter().any(|(r, _, _)| r == "image-tag-floating"));
}

#[test]
fn without_a_tool_or_with_a_failing_one_the_resources_are_read_unbuilt_saying_why() {
    let dir = rendered_with_overlay();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let lint = |path: &Path| {
        let out = crate::common::binary()
            .args(["lint", "--format", "json", "staging"])
            .current_dir(dir.path())
            .env("PATH", path)
            .output()
            .expect("run redis-ha-gen");
        assert_ne!(code(&out), 2, "{}", String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let notes: Vec<String> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == "kustomization-not-applied" && f["line"].is_null())
            .map(|f| f["message"].as_str().unwrap_or_default().to_string())
            .collect();
        let all = found(&report);
        assert!(
            !all.iter()
                .any(|(r, _, _)| r == "image-tag-floating" || r == "kustomization-built"),
            "{all:?}"
        );
        assert!(
            all.iter()
                .any(|(r, _, _)| r == "address-in-other-namespace"),
            "the namespace is still applied unbuilt: {all:?}"
        );
        notes
    };
    let notes = lint(&bin);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("neither `kustomize` nor `kubectl` is on PATH"),
        "{notes:?}"
    );

    // A tool that fails, saying so with terminal escapes: its last line, neutralised.
    let fake = bin.join("kustomize");
    std::fs::write(
        &fake,
        "#!/bin/sh\nprintf 'Error: \\033[2Jaccumulating resources\\n' >&2\nexit 1\n",
    )
    .expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let notes = lint(&bin);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("`kustomize build` failed")
            && notes[0].contains("accumulating resources"),
        "{notes:?}"
    );
    assert!(!notes[0].contains('\u{1b}'), "{notes:?}");
}
