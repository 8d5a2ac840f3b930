//! `lint`, `rules` and `explain` through the real binary: exit codes, formats, stdin, folder
//! walking, the config file and suppression.

use crate::common;

use crate::common::{code, run, run_with_stdin};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// A file that is not UTF-8 is a `yaml-syntax` error whatever the parser does, which makes
/// it a finding source these tests can rely on.
const NOT_UTF8: &[u8] = b"kind: ConfigMap\nmetadata:\n  name: \xFF\n";

fn lint_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    run_with_stdin(
        common::binary().arg("lint").args(args).current_dir(dir),
        stdin,
    )
}

fn write(dir: &Path, file: &str, content: &[u8]) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, content).expect("write fixture");
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("UTF-8 stderr")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(out)))
}

/// The run could not happen as asked: exit 2, nothing on stdout, and `needle` in the error.
fn assert_could_not_run(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(code(out), 2, "{err}");
    assert!(out.stdout.is_empty(), "stdout: {}", stdout(out));
    assert!(err.contains(needle), "{needle:?} missing from: {err}");
}

/// `(rule, severity, file)` of each finding in a JSON report.
fn findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (s("rule"), s("severity"), s("file"))
        })
        .collect()
}

#[test]
fn no_inputs_found_is_a_clean_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = lint_in(dir.path(), &["."], b"");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "0 files, 0 objects: no findings\n");
}

#[test]
fn unreadable_path_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = lint_in(dir.path(), &["missing.yaml"], b"");
    assert_could_not_run(&out, "cannot read missing.yaml");
}

#[test]
fn not_utf8_is_a_yaml_syntax_error_and_other_files_are_still_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "a.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    write(dir.path(), "b.yaml", NOT_UTF8);
    let out = lint_in(dir.path(), &["a.yaml", "b.yaml", "--format", "json"], b"");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(
        findings(&report),
        [("yaml-syntax".into(), "error".into(), "b.yaml".into())]
    );
    assert_eq!(
        (
            report["findings"][0]["line"].as_u64(),
            report["findings"][0]["column"].as_u64()
        ),
        (Some(3), Some(9))
    );
    assert_eq!(report["summary"]["files"], 2);
}

#[test]
fn folders_are_walked_recursively_in_name_order_skipping_hidden_and_other_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in [
        "deploy/z.yaml",
        "deploy/a/b.yml",
        "deploy/a.json",
        "deploy/.hidden/x.yaml",
        "deploy/notes.txt",
    ] {
        write(dir.path(), file, NOT_UTF8);
    }
    let out = lint_in(dir.path(), &["deploy", "--format", "json"], b"");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let files: Vec<String> = findings(&json(&out))
        .into_iter()
        .map(|(_, _, file)| file)
        .collect();
    assert_eq!(files, ["deploy/a.json", "deploy/a/b.yml", "deploy/z.yaml"]);

    // `./` is not part of the displayed path, and a file named twice is read once.
    let out = lint_in(
        dir.path(),
        &["./deploy/z.yaml", "deploy/z.yaml", "--format", "json"],
        b"",
    );
    assert_eq!(findings(&json(&out)).len(), 1);
    assert_eq!(json(&out)["findings"][0]["file"], "deploy/z.yaml");
}

#[test]
fn stdin_is_read_for_dash_and_when_no_path_is_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [&["-", "--format", "json"][..], &["--format", "json"][..]] {
        let out = lint_in(dir.path(), args, NOT_UTF8);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert_eq!(
            findings(&json(&out)),
            [("yaml-syntax".into(), "error".into(), "-".into())]
        );
    }
}

#[test]
fn config_changes_severity_and_strict_fails_on_warnings() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "bad.yaml", NOT_UTF8);
    write(
        dir.path(),
        ".redis-ha-gen.yaml",
        b"rules:\n  yaml-syntax: warning\n",
    );
    let out = lint_in(dir.path(), &["bad.yaml", "--format", "json"], b"");
    assert_eq!(code(&out), 0, "warnings alone pass: {}", stderr(&out));
    assert_eq!(
        findings(&json(&out)),
        [("yaml-syntax".into(), "warning".into(), "bad.yaml".into())]
    );
    let out = lint_in(dir.path(), &["bad.yaml", "--strict"], b"");
    assert_eq!(code(&out), 1, "{}", stderr(&out));

    write(dir.path(), "quiet.yaml", b"rules:\n  yaml-syntax: info\n");
    let out = lint_in(
        dir.path(),
        &["bad.yaml", "--strict", "--config", "quiet.yaml"],
        b"",
    );
    assert_eq!(
        code(&out),
        0,
        "infos never fail, --config wins over the working directory's file"
    );
}

#[test]
fn config_can_turn_a_rule_off_and_ignore_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "charts/redis/tests/t.yaml", NOT_UTF8);
    write(dir.path(), "deploy/bad.yaml", NOT_UTF8);
    write(
        dir.path(),
        "c.yaml",
        b"ignore-paths: [\"charts/*/tests/**\"]\n",
    );
    let out = lint_in(
        dir.path(),
        &[".", "--config", "c.yaml", "--format", "json"],
        b"",
    );
    assert_eq!(
        findings(&json(&out)),
        [(
            "yaml-syntax".into(),
            "error".into(),
            "deploy/bad.yaml".into()
        )]
    );
    assert_eq!(
        json(&out)["summary"]["files"],
        2,
        "ignored files are not read at all"
    );

    write(dir.path(), "off.yaml", b"rules:\n  yaml-syntax: off\n");
    let out = lint_in(
        dir.path(),
        &["deploy", "--config", "off.yaml", "--format", "json"],
        b"",
    );
    assert_eq!(code(&out), 0);
    assert_eq!(findings(&json(&out)), []);
}

#[test]
fn config_with_an_unknown_rule_exits_2_naming_file_line_and_nearest_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        ".redis-ha-gen.yaml",
        b"# team settings\nrules:\n  yaml-syntx: off\n",
    );
    let out = lint_in(dir.path(), &["-"], b"kind: ConfigMap\n");
    assert_could_not_run(
        &out,
        ".redis-ha-gen.yaml:3: unknown rule `yaml-syntx`; did you mean `yaml-syntax`?",
    );
}

#[test]
fn kube_version_flag_wins_over_config_and_bad_versions_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        ".redis-ha-gen.yaml",
        b"kube-version: \"1.20\"\n",
    );
    let out = lint_in(dir.path(), &["-"], b"");
    assert_could_not_run(&out, "kube-version in the config file");
    let out = lint_in(dir.path(), &["-", "--kube-version", "1.33"], b"");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // 1.31 and 1.32: their own schemas (pod-level `resources` arrived in 1.32).
    let pod_resources = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  resources:\n    limits: {cpu: 1}\n  containers:\n    - {name: c, image: busybox:1.37}\n";
    let out = lint_in(dir.path(), &["-", "--kube-version", "1.32"], pod_resources);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let out = lint_in(dir.path(), &["-", "--kube-version", "1.31"], pod_resources);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("unknown field `resources`"),
        "{}",
        stdout(&out)
    );
    let out = lint_in(dir.path(), &["-", "--kube-version", "2.0"], b"");
    assert_could_not_run(&out, "supported: 1.31, 1.32, 1.33");
}

#[test]
fn github_and_sarif_formats_through_the_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "deploy/bad.yaml", NOT_UTF8);
    let out = lint_in(dir.path(), &["deploy", "--format", "github"], b"");
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).starts_with("::error file=deploy/bad.yaml,line=3,col=9,title=yaml-syntax::"),
        "{}",
        stdout(&out)
    );

    let out = lint_in(dir.path(), &["deploy", "--format", "sarif"], b"");
    assert_eq!(code(&out), 1);
    let sarif: serde_sarif::sarif::Sarif =
        serde_json::from_slice(&out.stdout).expect("typed SARIF 2.1.0");
    let run = &sarif.runs[0];
    let rule = &run.tool.driver.rules.as_ref().expect("rules")[0];
    assert_eq!(rule.id, "yaml-syntax");
    assert!(
        rule.full_description.is_some()
            && rule.help.is_some()
            && rule.default_configuration.is_some()
    );
    assert_eq!(
        run.results.as_ref().expect("results")[0].rule_id.as_deref(),
        Some("yaml-syntax")
    );
}

#[test]
fn text_format_is_compiler_style_without_colour_when_piped() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "bad.yaml", NOT_UTF8);
    let out = lint_in(dir.path(), &["bad.yaml"], b"");
    let text = stdout(&out);
    assert!(
        text.starts_with("bad.yaml:3:9: error[yaml-syntax]: not UTF-8"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no ANSI codes into a pipe");
    assert!(
        text.ends_with("1 file, 0 objects: 1 error, 0 warnings, 0 infos\n"),
        "{text}"
    );
}

#[test]
fn rules_lists_the_registry_as_text_and_json() {
    let out = run(&["rules", "--format", "json"]);
    assert_eq!(code(&out), 0);
    let list = json(&out);
    let list = list.as_array().expect("a JSON array");
    assert!(!list.is_empty());
    for rule in list {
        let keys: Vec<&String> = rule.as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["id", "severity", "category", "summary"]);
        assert!(
            ["error", "warning", "info"].contains(&rule["severity"].as_str().unwrap_or_default())
        );
    }
    let text = stdout(&run(&["rules"]));
    for rule in list {
        let id = rule["id"].as_str().expect("id");
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{id} "))),
            "{id} missing from:\n{text}"
        );
    }
}

#[test]
fn explain_prints_the_rule_and_suggests_the_nearest_for_a_typo() {
    let out = run(&["explain", "yaml-syntax"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    for section in [
        "yaml-syntax\n",
        "  severity: error",
        "Why\n",
        "How to fix\n",
        "ignore-check.redis-ha-gen.io/yaml-syntax",
    ] {
        assert!(text.contains(section), "{section:?} missing from:\n{text}");
    }
    let out = run(&["explain", "yaml-sintax"]);
    assert_could_not_run(&out, "did you mean `yaml-syntax`?");
}

#[test]
fn a_non_yaml_file_among_good_ones_is_one_finding_and_the_rest_is_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "deploy/a.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n");
    write(
        dir.path(),
        "deploy/b.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a: b\n",
    );
    write(
        dir.path(),
        "deploy/c.json",
        br#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}"#,
    );
    let out = lint_in(dir.path(), &["deploy", "--format", "json"], b"");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let syntax: Vec<_> = findings(&report)
        .into_iter()
        .filter(|(rule, _, _)| rule == "yaml-syntax")
        .collect();
    assert_eq!(
        syntax,
        [("yaml-syntax".into(), "error".into(), "deploy/b.yaml".into())]
    );
    assert_eq!(report["summary"]["files"], 3);
    assert_eq!(
        report["summary"]["objects"], 3,
        "a.yaml's two documents and c.json's one"
    );

    let text = stdout(&lint_in(dir.path(), &["deploy/b.yaml"], b""));
    let excerpt: Vec<&str> = text.lines().skip(1).take(3).collect();
    assert_eq!(excerpt.len(), 3, "{text}");
    assert!(
        excerpt[1].contains("| ") && excerpt[1].ends_with("  name: a: b"),
        "{text}"
    );
    assert!(excerpt[2].trim_end().ends_with('^'), "{text}");
}

/// A fixture of the rules' own suite: a set that fires `static-master-bootstrap` in the
/// start script kept in ConfigMap `redis-scripts`.
fn static_master_fixture() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rules/static-master-bootstrap/fires.yaml");
    std::fs::read_to_string(path).expect("fixture")
}

fn annotate_scripts(manifest: &str, reason: &str) -> String {
    let anchor = "  name: redis-scripts\n  namespace: ha\n";
    assert!(
        manifest.contains(anchor),
        "the fixture changed: no {anchor:?}"
    );
    let annotation = format!(
        "{anchor}  annotations:\n    ignore-check.redis-ha-gen.io/static-master-bootstrap: \"{reason}\"\n"
    );
    manifest.replacen(anchor, &annotation, 1)
}

#[test]
fn an_annotation_with_a_reason_suppresses_a_finding_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fires = static_master_fixture();
    let rules_of = |stdin: &str| {
        let out = lint_in(dir.path(), &["--format", "json"], stdin.as_bytes());
        let rules: Vec<String> = findings(&json(&out))
            .into_iter()
            .map(|(rule, _, _)| rule)
            .collect();
        (code(&out), rules)
    };
    let (exit, rules) = rules_of(&fires);
    assert_eq!(
        (exit, rules.clone()),
        (1, vec!["static-master-bootstrap".to_string()])
    );

    let (exit, rules) = rules_of(&annotate_scripts(
        &fires,
        "bootstrap handled by an operator",
    ));
    assert_eq!((exit, rules), (0, vec![]));

    let (_, rules) = rules_of(&annotate_scripts(&fires, ""));
    assert!(
        rules.contains(&"static-master-bootstrap".to_string()),
        "an empty reason suppresses nothing: {rules:?}"
    );
    assert!(
        rules.contains(&"ignore-without-reason".to_string()),
        "{rules:?}"
    );
}

#[test]
fn complete_checks_references_the_input_does_not_define() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules/good/redis-ha.yaml");
    let good = std::fs::read_to_string(good).expect("fixture");
    // Drop the first document, ConfigMap `redis-config`, which the StatefulSet mounts.
    let (first, rest) = good
        .split_once("\n---\n")
        .expect("a multi-document fixture");
    assert!(first.contains("name: redis-config"), "the fixture changed");
    let rules_of = |args: &[&str]| {
        let out = lint_in(dir.path(), args, rest.as_bytes());
        findings(&json(&out))
            .into_iter()
            .map(|(rule, _, _)| rule)
            .collect::<Vec<_>>()
    };
    assert!(!rules_of(&["--format", "json"]).contains(&"volume-source-missing".to_string()));
    assert!(
        rules_of(&["--format", "json", "--complete"])
            .contains(&"volume-source-missing".to_string())
    );
}

#[test]
fn validate_reads_the_same_config_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let validate = |extra: &[&str]| {
        common::binary()
            .args(["validate", "--profile", "kind", "--format", "json"])
            .args(extra)
            .current_dir(dir.path())
            .output()
            .expect("run redis-ha-gen")
    };
    write(dir.path(), "bad-version.yaml", b"kube-version: \"1.2\"\n");
    let out = validate(&["--config", "bad-version.yaml"]);
    assert_could_not_run(&out, "kube-version in the config file");

    let before: Vec<String> = findings(&json(&validate(&[])))
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect();
    if let Some(rule) = before.first() {
        write(
            dir.path(),
            "off.yaml",
            format!("rules:\n  {rule}: off\n").as_bytes(),
        );
        let after = findings(&json(&validate(&["--config", "off.yaml"])));
        assert!(
            after.iter().all(|(r, _, _)| r != rule),
            "{rule} still reported: {after:?}"
        );
    }
}

#[test]
fn absolute_paths_below_the_working_directory_are_shown_relative() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "deploy/bad.yaml", NOT_UTF8);
    let absolute = dir
        .path()
        .join("deploy")
        .canonicalize()
        .expect("canonical path");
    let cwd = dir.path().canonicalize().expect("canonical path");
    let out = lint_in(
        &cwd,
        &[absolute.to_str().expect("UTF-8 path"), "--format", "json"],
        b"",
    );
    assert_eq!(json(&out)["findings"][0]["file"], "deploy/bad.yaml");
}

#[test]
fn a_missing_config_file_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = lint_in(dir.path(), &["-", "--config", "nope.yaml"], b"");
    assert_could_not_run(&out, "cannot read config file nope.yaml");
}

/// "Done means" of the lint issue: the seed's hand-written folder (its two files rebuilt from
/// the rules' seed fixture) is explained with file and line for each known mistake.
#[test]
fn the_seeds_hand_written_folder_is_explained_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules/seed/redis-ha.yaml");
    let seed = std::fs::read_to_string(seed).expect("seed fixture");
    let docs: Vec<&str> = seed.split("\n---\n").collect();
    assert!(
        docs.len() > 2 && docs[1].contains("kind: ConfigMap"),
        "the seed fixture changed"
    );
    let configmaps = "deploy/redis-ha/redis-sentinel-configmap.yaml";
    let statefulset = "deploy/redis-ha/redis-statefulset.yaml";
    write(
        dir.path(),
        configmaps,
        (docs[..2].join("\n---\n") + "\n").as_bytes(),
    );
    write(
        dir.path(),
        statefulset,
        docs[2..].join("\n---\n").as_bytes(),
    );

    let out = lint_in(dir.path(), &["deploy/redis-ha/", "--format", "json"], b"");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let line_of = |rule: &str, file: &str| -> String {
        let finding = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("{rule} missing: {report}"));
        assert_eq!(finding["file"], file, "{rule}");
        let line = finding["line"].as_u64().expect("a line") as usize;
        let text = std::fs::read_to_string(dir.path().join(file)).expect("read back");
        text.lines()
            .nth(line - 1)
            .expect("line within the file")
            .to_string()
    };
    assert!(line_of("sentinel-hostnames-unresolved", configmaps).contains("sentinel monitor"));
    assert!(line_of("static-master-bootstrap", statefulset).contains("redis-0"));
    assert!(line_of("sentinel-config-read-only", statefulset).contains("sentinel-config"));
    line_of("client-service-selects-replicas", statefulset);
}

/// On a terminal (a pseudo-terminal from util-linux `script`) text is coloured, unless
/// `NO_COLOR` is set.
#[test]
fn text_is_coloured_on_a_terminal_unless_no_color() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "bad.yaml", b"kind: : x\n");
    let on_terminal = |no_color: bool| {
        let mut cmd = Command::new("script");
        cmd.args([
            "-qec",
            &format!("{} lint bad.yaml", common::BIN),
            "/dev/null",
        ])
        .current_dir(dir.path())
        .env_remove("NO_COLOR");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd
            .output()
            .expect("util-linux `script` runs the binary on a pseudo-terminal");
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        stdout(&out)
    };
    assert!(
        on_terminal(false).contains("\x1b[1;31merror[yaml-syntax]\x1b[0m"),
        "{}",
        on_terminal(false)
    );
    let plain = on_terminal(true);
    assert!(
        plain.contains("error[yaml-syntax]") && !plain.contains('\x1b'),
        "{plain}"
    );
}

/// A fixture with findings of several rules, on objects.
fn several_rules() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules/pdb-missing/fires.yaml");
    std::fs::read(path).expect("fixture")
}

/// The rule of each finding of a JSON report, in order.
fn rules_of(out: &Output) -> Vec<String> {
    findings(&json(out))
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect()
}

#[test]
fn skip_and_only_select_rules_and_unknown_ids_exit_2_with_the_closest() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.yaml", &several_rules());
    let all = rules_of(&lint_in(dir.path(), &["a.yaml", "--format", "json"], b""));
    let mut distinct = all.clone();
    distinct.dedup();
    assert!(
        distinct.len() >= 2,
        "the fixture fires several rules: {all:?}"
    );
    let (first, second) = (&distinct[0], &distinct[1]);

    let only = rules_of(&lint_in(
        dir.path(),
        &["a.yaml", "--format", "json", "--only", first],
        b"",
    ));
    assert_eq!(
        only,
        all.iter()
            .filter(|r| *r == first)
            .cloned()
            .collect::<Vec<_>>()
    );
    let skip = format!("{first},{second}");
    let skipped = rules_of(&lint_in(
        dir.path(),
        &["a.yaml", "--format", "json", "--skip", &skip],
        b"",
    ));
    let expected: Vec<String> = all
        .iter()
        .filter(|r| *r != first && *r != second)
        .cloned()
        .collect();
    assert_eq!(skipped, expected);
    // Repeated flags add up like the comma list.
    let repeated = lint_in(
        dir.path(),
        &[
            "a.yaml", "--format", "json", "--skip", first, "--skip", second,
        ],
        b"",
    );
    assert_eq!(rules_of(&repeated), expected);

    let out = lint_in(dir.path(), &["a.yaml", "--skip", "pdb-misisng"], b"");
    assert_could_not_run(
        &out,
        "--skip: unknown rule `pdb-misisng`; did you mean `pdb-missing`?",
    );
    let out = lint_in(
        dir.path(),
        &[
            "a.yaml",
            "--only",
            "image-tag-floating,sentinel-quorm-out-of-range",
        ],
        b"",
    );
    assert_could_not_run(&out, "did you mean `sentinel-quorum-out-of-range`?");
}

#[test]
fn a_baseline_suppresses_known_findings_by_object_not_line_and_reports_new_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = several_rules();
    write(dir.path(), "deploy/a.yaml", &fixture);
    let before = rules_of(&lint_in(dir.path(), &["deploy", "--format", "json"], b""));
    assert!(!before.is_empty());

    let out = lint_in(
        dir.path(),
        &["deploy", "--write-baseline", "lint-baseline.json"],
        b"",
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(&format!("wrote {} finding(s)", before.len())),
        "{}",
        stderr(&out)
    );
    let written = std::fs::read_to_string(dir.path().join("lint-baseline.json")).expect("baseline");
    assert!(
        written.starts_with("{\n  \"version\": 1,\n  \"findings\": [\n"),
        "{written}"
    );
    assert!(!written.contains("\"line\""), "no line numbers: {written}");
    // Deterministic: the same findings write the same bytes.
    lint_in(
        dir.path(),
        &["deploy", "--write-baseline", "again.json"],
        b"",
    );
    let again = std::fs::read_to_string(dir.path().join("again.json")).expect("baseline");
    assert_eq!(written, again);

    let baselined = [
        "deploy",
        "--format",
        "json",
        "--baseline",
        "lint-baseline.json",
    ];
    let out = lint_in(dir.path(), &baselined, b"");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(rules_of(&out), Vec::<String>::new());

    // Lines move (a comment block on top): still suppressed.
    let mut moved = b"# reviewed\n# by the team\n# last week\n".to_vec();
    moved.extend_from_slice(&fixture);
    write(dir.path(), "deploy/a.yaml", &moved);
    let out = lint_in(dir.path(), &baselined, b"");
    assert_eq!(rules_of(&out), Vec::<String>::new(), "{}", stdout(&out));

    // A new finding on a new object is reported, alone.
    moved.extend_from_slice(
        b"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  colour: red\n",
    );
    write(dir.path(), "deploy/a.yaml", &moved);
    let out = lint_in(dir.path(), &baselined, b"");
    assert_eq!(code(&out), 1);
    assert_eq!(rules_of(&out), ["schema-violation"]);

    // Fixed findings are counted on stderr, so the baseline can shrink.
    write(
        dir.path(),
        "deploy/a.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    let out = lint_in(dir.path(), &baselined, b"");
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains(&format!(
            "{} finding(s) of the baseline no longer occur",
            before.len()
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_baselines_exit_2_and_nothing_half_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.yaml", &several_rules());
    let out = lint_in(dir.path(), &["a.yaml", "--baseline", "missing.json"], b"");
    assert_could_not_run(&out, "missing.json");
    write(
        dir.path(),
        "b.json",
        b"{\"version\": 1, \"findings\": [{\"rule\": \"pdb-misisng\", \"count\": 1}]}",
    );
    let out = lint_in(dir.path(), &["a.yaml", "--baseline", "b.json"], b"");
    assert_could_not_run(
        &out,
        "unknown rule `pdb-misisng`; did you mean `pdb-missing`?",
    );
    write(dir.path(), "c.json", b"[1, 2]");
    let out = lint_in(dir.path(), &["a.yaml", "--baseline", "c.json"], b"");
    assert_could_not_run(&out, "c.json is not a redis-ha-gen baseline");
    let out = lint_in(
        dir.path(),
        &["a.yaml", "--write-baseline", "no/such/dir/b.json"],
        b"",
    );
    assert_could_not_run(&out, "cannot write baseline no/such/dir/b.json");
    assert!(!dir.path().join("no").exists());
    let out = lint_in(
        dir.path(),
        &[
            "a.yaml",
            "--baseline",
            "b.json",
            "--write-baseline",
            "d.json",
        ],
        b"",
    );
    assert_eq!(code(&out), 2, "the two flags conflict");
}

#[test]
fn junit_format_through_the_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "deploy/bad.yaml", NOT_UTF8);
    let out = lint_in(dir.path(), &["deploy", "--format", "junit"], b"");
    assert_eq!(code(&out), 1);
    let xml = stdout(&out);
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testsuite name="deploy/bad.yaml" tests="1" failures="1""#),
        "{xml}"
    );
    assert!(xml.contains(r#"<failure type="error""#), "{xml}");
}

/// `namespace-not-created` through the binary: the same two files named in either order give
/// byte-identical output, located in the file that sorts first; redis-ha-gen's own rendered
/// output, linted as complete, does not get it (the namespace is created before rendering).
#[test]
fn namespace_not_created_is_the_same_whatever_the_file_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules/namespace-not-created/fires.yaml");
    let text = std::fs::read_to_string(fixture).expect("fixture");
    // The Namespace and the ConfigMap in b.yaml, the Deployment in a.yaml.
    let (first, deployment) = text
        .rsplit_once("\n---\n")
        .expect("a multi-document fixture");
    assert!(
        deployment.contains("kind: Deployment"),
        "the fixture changed"
    );
    write(dir.path(), "b.yaml", first.as_bytes());
    write(dir.path(), "a.yaml", deployment.as_bytes());
    let forward = lint_in(dir.path(), &["--format", "json", "a.yaml", "b.yaml"], b"");
    let backward = lint_in(dir.path(), &["--format", "json", "b.yaml", "a.yaml"], b"");
    assert_eq!(stdout(&forward), stdout(&backward));
    let said: Vec<(String, String, String)> = findings(&json(&forward))
        .into_iter()
        .filter(|(rule, _, _)| rule == "namespace-not-created")
        .collect();
    assert_eq!(
        said,
        vec![(
            "namespace-not-created".to_string(),
            "info".to_string(),
            "a.yaml".to_string()
        )]
    );

    let rendered = run(&["render", "--profile", "kind", "--namespace", "shop"]);
    assert_eq!(code(&rendered), 0, "{}", stderr(&rendered));
    let out = lint_in(
        dir.path(),
        &["--format", "json", "--complete", "-"],
        &rendered.stdout,
    );
    assert!(
        !findings(&json(&out))
            .iter()
            .any(|(rule, _, _)| rule == "namespace-not-created"),
        "{}",
        stdout(&out)
    );
}

/// A Redis-related custom resource lint cannot read is announced with its kind and
/// apiVersion (silence means "checked"), and both are neutralised when printed: an escape
/// sequence or a line break starting a workflow command in them reaches no terminal or log.
#[test]
fn an_unknown_redis_custom_resource_is_announced_and_its_names_neutralised() {
    let input = "apiVersion: \"valkey.example.io/v1\\n::error::forged\"\n\
                 kind: \"Valkey\\u001b]0;owned\\u0007\"\nmetadata:\n  name: cache\n";
    let text = run_with_stdin(common::binary().args(["lint", "-"]), input.as_bytes());
    let shown = stdout(&text);
    assert!(shown.contains("custom-resource-not-analysed"), "{shown}");
    assert!(shown.contains("Valkey\\x1b]0;owned\\x07"), "{shown}");
    assert!(
        shown.contains("valkey.example.io/v1\\n::error::forged"),
        "{shown}"
    );
    assert!(
        !shown.contains('\u{1b}') && !shown.contains("\n::error"),
        "{shown}"
    );
    let github = run_with_stdin(
        common::binary().args(["lint", "--format", "github", "-"]),
        input.as_bytes(),
    );
    let shown = stdout(&github);
    assert!(shown.contains("custom-resource-not-analysed"), "{shown}");
    assert!(
        !shown.contains('\u{1b}') && !shown.contains("\n::error::forged"),
        "{shown}"
    );
}
