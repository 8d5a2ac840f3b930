//! `completions` and `man` through the real binary: exit codes, and output that the target
//! tool (bash, groff) actually accepts.

use crate::common::{run, stdout};
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Feed `input` to `program args…` and return its output.
fn pipe(program: &str, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input)
        .expect("write to stdin");
    child.wait_with_output().expect("wait")
}

#[test]
fn every_shell_gets_completions_naming_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {out:?}");
        let text = stdout(&out);
        for word in ["status", "lint", "drill", "completions"] {
            assert!(text.contains(word), "{shell} completions lack {word}");
        }
        assert!(out.stderr.is_empty(), "{shell}: stderr {:?}", out.stderr);
    }
}

#[test]
fn bash_completions_are_valid_bash_that_completes_subcommands() {
    let out = run(&["completions", "bash"]);
    let script = stdout(&out);
    // Source the script, then ask it to complete `redis-ha-gen st<TAB>` as bash would.
    let driver = format!(
        "{script}\nCOMP_WORDS=(redis-ha-gen st); COMP_CWORD=1; \
         _redis__ha__gen redis-ha-gen st redis-ha-gen; printf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    );
    let bash = pipe("bash", &["-s"], driver.as_bytes());
    assert_eq!(bash.status.code(), Some(0), "{bash:?}");
    let words = stdout(&bash);
    assert!(words.lines().any(|w| w == "status"), "completed: {words}");
    assert!(
        words.lines().all(|w| w.starts_with("st")),
        "completed: {words}"
    );
}

/// Below the top level too (clap_complete's hyphenated-name bug broke every subcommand):
/// `redis-ha-gen lint --format <TAB>` offers the formats.
#[test]
fn bash_completions_complete_a_subcommands_flag_values() {
    let script = stdout(&run(&["completions", "bash"]));
    let driver = format!(
        "{script}\nCOMP_WORDS=(redis-ha-gen lint --format ''); COMP_CWORD=3; \
         _redis__ha__gen redis-ha-gen '' --format; printf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    );
    let bash = pipe("bash", &["-s"], driver.as_bytes());
    assert_eq!(bash.status.code(), Some(0), "{bash:?}");
    let words = stdout(&bash);
    for format in ["text", "json", "sarif", "github"] {
        assert!(words.lines().any(|w| w == format), "completed: {words}");
    }
}

/// The words bash completes after `redis-ha-gen WORDS…` (the last word being typed: empty).
fn bash_completes(words: &str) -> Vec<String> {
    let script = stdout(&run(&["completions", "bash"]));
    let driver = format!(
        "{script}\nCOMP_WORDS=(redis-ha-gen {words} ''); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); \
         _redis__ha__gen redis-ha-gen '' \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    );
    let bash = pipe("bash", &["-s"], driver.as_bytes());
    assert_eq!(bash.status.code(), Some(0), "{bash:?}");
    stdout(&bash).lines().map(str::to_owned).collect()
}

/// Values, not only flags: rule ids after `explain`, scenario names after `drill --scenario`;
/// a wrong one is still answered by the command itself, with its "did you mean".
#[test]
fn completions_offer_rule_ids_and_scenario_names() {
    let rules = bash_completes("explain");
    assert!(
        rules.iter().any(|w| w == "sentinel-config-read-only"),
        "{rules:?}"
    );
    let scenarios = bash_completes("drill --scenario");
    for name in ["master-freeze", "scale-down", "all"] {
        assert!(scenarios.iter().any(|w| w == name), "{name}: {scenarios:?}");
    }
    let out = run(&["explain", "sentinel-config-read-onyl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("did you mean `sentinel-config-read-only`"),
        "{err}"
    );
    let help = stdout(&run(&["explain", "--help"]));
    assert!(!help.contains("possible values"), "{help}");
}

#[test]
fn unknown_shell_is_a_usage_error_listing_the_shells() {
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tcsh") && err.contains("powershell"), "{err}");
}

#[test]
fn man_page_is_roff_that_groff_renders_without_warnings() {
    let out = run(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(page.contains(".TH redis-ha-gen 1"), "{page}");
    let rendered = pipe(
        "groff",
        &["-k", "-man", "-Tutf8", "-P", "-cbou", "-ww"],
        &out.stdout,
    );
    assert_eq!(rendered.status.code(), Some(0), "{rendered:?}");
    assert!(
        rendered.stderr.is_empty(),
        "groff warnings: {}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let text = stdout(&rendered);
    for word in ["SYNOPSIS", "--profile", "status", "completions"] {
        assert!(text.contains(word), "man page lacks {word}");
    }
}

#[test]
fn man_is_deterministic() {
    assert_eq!(run(&["man"]).stdout, run(&["man"]).stdout);
}

#[test]
fn man_output_dir_writes_one_page_per_subcommand_that_groff_renders() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("share/man/man1");
    let out = run(&["man", "--output-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let subcommands = [
        "render",
        "validate",
        "profiles",
        "show-profile",
        "schema",
        "lint",
        "rules",
        "explain",
        "drill",
        "status",
        "completions",
        "man",
    ];
    let mut expected: Vec<String> = subcommands
        .iter()
        .map(|s| format!("redis-ha-gen-{s}.1"))
        .collect();
    expected.push("redis-ha-gen.1".into());
    expected.sort();
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .expect("the directory was created")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, expected);
    let groff = |page: &str| {
        let roff = std::fs::read(dir.join(page)).unwrap();
        let rendered = pipe(
            "groff",
            &["-k", "-man", "-Tutf8", "-P", "-cbou", "-ww"],
            &roff,
        );
        assert!(rendered.stderr.is_empty(), "{page}: {rendered:?}");
        stdout(&rendered)
    };
    for page in &written {
        let text = groff(page);
        for section in ["NAME", "SYNOPSIS", "EXIT STATUS", "EXAMPLES"] {
            assert!(text.contains(section), "{page} lacks {section}:\n{text}");
        }
    }
    let lint = groff("redis-ha-gen-lint.1");
    for word in [
        "redis-ha-gen-lint",
        "--format",
        "FILES",
        ".redis-ha-gen.yaml",
        "NO_COLOR",
    ] {
        assert!(lint.contains(word), "lint's page lacks {word}:\n{lint}");
    }
    let status = groff("redis-ha-gen-status.1");
    for word in ["ENVIRONMENT", "REDISCLI_AUTH", "KUBECONFIG", "degraded"] {
        assert!(
            status.contains(word),
            "status's page lacks {word}:\n{status}"
        );
    }
}
