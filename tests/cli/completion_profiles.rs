//! `--profile` completes the built-in profile names and file paths, in the real shells:
//! the generated bash script run with `COMP_WORDS`/`COMP_CWORD`, fish's `complete -C`, and
//! an interactive zsh driven through `zpty` pressing TAB. `make test-deps` installs bash's
//! companions zsh and fish; a missing shell fails the test rather than skipping it.

use crate::common::{run, stdout};
use redis_ha_gen::profile::BUILTINS;
use std::path::Path;
use std::process::{Command, Output};

/// A directory holding one profile file, `test-profile.yaml`, and the scripts.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("test-profile.yaml"), "base: kind\n").expect("write");
    dir
}

fn script(dir: &Path, shell: &str) -> String {
    let out = run(&["completions", shell]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let path = dir.join(format!("completion.{shell}"));
    std::fs::write(&path, &out.stdout).expect("write script");
    path.display().to_string()
}

/// `program args…` in `dir`, under a deadline (an interactive shell must never hang a test).
fn shell(dir: &Path, program: &str, args: &[&str]) -> Output {
    let out = Command::new("timeout")
        .arg("60")
        .arg(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.code() != Some(127),
        "{program} is not installed (`make test-deps` installs it): {out:?}"
    );
    assert_eq!(out.status.code(), Some(0), "{program}: {out:?}");
    out
}

fn words(out: &Output) -> Vec<String> {
    stdout(out)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

/// What bash's completion function offers for `redis-ha-gen LINE` (the last word being typed).
fn bash(dir: &Path, line: &[&str]) -> Vec<String> {
    let script = script(dir, "bash");
    let quoted: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let driver = format!(
        "source '{script}'; COMP_WORDS=(redis-ha-gen {}); COMP_CWORD={}; \
         _redis__ha__gen redis-ha-gen \"${{COMP_WORDS[COMP_CWORD]}}\" \
         \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        quoted.join(" "),
        line.len()
    );
    words(&shell(dir, "bash", &["-c", &driver]))
}

fn fish(dir: &Path, line: &str) -> Vec<String> {
    let script = script(dir, "fish");
    let driver = format!("source '{script}'; complete -C '{line}'");
    words(&shell(dir, "fish", &["--no-config", "-c", &driver]))
}

/// An interactive zsh in a pseudo-terminal: `compinit`, the script, then LINE and a TAB;
/// every candidate zsh's completion system adds is printed (`compadd -O`).
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PS1=""; autoload -U compinit; compinit -u -D'
zpty -w z "source $1"
zpty -w z 'compadd () { local -a __hits; builtin compadd -O __hits "$@"; (( $#__hits )) && print -l -- "" "@@"${^__hits}; builtin compadd "$@" }'
zpty -w z "$2"$'\t'
zpty -w z $'\C-u''print "@@E""ND@@"'
zpty -r z out '*@@END@@*'
print -r -- "$out" | tr -d '\r' | grep -a '^@@' | grep -v '@@END@@' | sed 's/^@@//' | sort -u
zpty -d z
"#;

fn zsh(dir: &Path, line: &str) -> Vec<String> {
    let script = script(dir, "zsh");
    let driver = dir.join("driver.zsh");
    std::fs::write(&driver, ZSH_DRIVER).expect("write driver");
    let driver = driver.display().to_string();
    words(&shell(dir, "zsh", &["-f", &driver, &script, line]))
}

fn has(words: &[String], word: &str) -> bool {
    words.iter().any(|w| w == word)
}

/// Every built-in of the registry and the profile file are among what `line` offered.
fn all_names_and_the_file(line: &str, offered: &[String]) {
    for builtin in BUILTINS {
        assert!(has(offered, builtin.name), "{line}: {offered:?}");
    }
    assert!(has(offered, "test-profile.yaml"), "{line}: {offered:?}");
}

#[test]
fn bash_completes_profile_names_and_files() {
    let dir = workdir();
    let d = dir.path();
    let offered = bash(d, &["--profile", "pro"]);
    assert_eq!(offered, ["production"], "--profile pro: {offered:?}");
    let offered = bash(d, &["drill", "-p", "./te"]);
    assert_eq!(
        offered,
        ["./test-profile.yaml"],
        "drill -p ./te: {offered:?}"
    );
    // Every built-in of the registry, and the file, for an empty word, wherever it is typed.
    for line in [
        &["render", "--profile", ""][..],
        &["validate", "-p", ""],
        &["show-profile", ""],
    ] {
        all_names_and_the_file(&line.join(" "), &bash(d, line));
    }
    // Flags still complete after `show-profile`.
    assert!(has(&bash(d, &["show-profile", "--val"]), "--values"));
    // Other file arguments are not offered profile names.
    assert!(!has(&bash(d, &["render", "--values", ""]), "production"));
}

/// `--opt=value`: bash splits the word at `=` (`COMP_WORDBREAKS`), so the function sees
/// `--profile`, `=`, `pro` with `=` as the previous word — as the real bash does (checked by
/// hand with an interactive bash in a pty: `$2`=`pro`, `$3`=`=`, `COMP_CWORD` 3).
#[test]
fn bash_completes_the_equals_form_of_an_option() {
    let dir = workdir();
    let d = dir.path();
    let offered = bash(d, &["--profile", "=", "pro"]);
    assert_eq!(offered, ["production"], "--profile=pro: {offered:?}");
    let offered = bash(d, &["drill", "--profile", "=", "./te"]);
    assert_eq!(
        offered,
        ["./test-profile.yaml"],
        "drill --profile=./te: {offered:?}"
    );
    let offered = bash(d, &["lint", "--format", "=", "ju"]);
    assert_eq!(offered, ["junit"], "lint --format=ju: {offered:?}");
    // bash 3's `cur` is the word itself: `=` right after the flag is no prefix.
    all_names_and_the_file("render --profile=", &bash(d, &["render", "--profile", "="]));
}

#[test]
fn fish_completes_profile_names_and_files() {
    let dir = workdir();
    let d = dir.path();
    // Top level too: clap_complete's fish script completed no top-level option value.
    let offered = fish(d, "redis-ha-gen --profile pro");
    assert_eq!(offered, ["production"], "{offered:?}");
    assert_eq!(fish(d, "redis-ha-gen --output y"), ["yaml"]);
    let offered = fish(d, "redis-ha-gen drill -p ./te");
    assert_eq!(offered, ["./test-profile.yaml"], "{offered:?}");
    for line in [
        "redis-ha-gen render --profile ",
        "redis-ha-gen show-profile ",
    ] {
        all_names_and_the_file(line, &fish(d, line));
    }
}

#[test]
fn zsh_completes_profile_names_and_files() {
    let dir = workdir();
    let d = dir.path();
    let offered = zsh(d, "redis-ha-gen --profile pro");
    assert!(has(&offered, "production"), "{offered:?}");
    assert!(!has(&offered, "kind"), "{offered:?}");
    let offered = zsh(d, "redis-ha-gen drill -p ./te");
    assert!(has(&offered, "test-profile.yaml"), "{offered:?}");
    for line in [
        "redis-ha-gen render --profile ",
        "redis-ha-gen show-profile ",
    ] {
        all_names_and_the_file(line, &zsh(d, line));
    }
}
