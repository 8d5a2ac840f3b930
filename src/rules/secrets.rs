//! Secrets in the open: passwords written literally into ConfigMaps or pod specs, and
//! Secret objects committed with their values. Messages name where, never the value.

use super::facts::{all_confs, strings};
use super::rule::{Category, Rule};
use super::sink::Context;
use super::sources::{K8S_SECRET, SECURITY};
use crate::finding::Severity;
use crate::manifest::{Document, JsonPointer};
use crate::model::shell::{Command, commands};
use crate::model::vars::is_name;
use crate::model::{Loc, Role, SourceKind};
use crate::redis_conf::Directive;
use serde_json::Value;
use std::collections::HashSet;
use std::rc::Rc;

/// The password a directive writes, if it writes one (`requirepass`, `masterauth` or
/// Valkey's `primaryauth`,
/// `sentinel auth-pass`, `sentinel sentinel-pass`, an ACL user's `>password`).
fn password_of(d: &Directive) -> Option<&str> {
    match d.name.as_str() {
        "requirepass" | "masterauth" | "primaryauth" => d.arg(0),
        "sentinel" if d.is_sentinel("auth-pass") => d.arg(2),
        "sentinel" if d.is_sentinel("sentinel-pass") => d.arg(1),
        "user" => d.args.iter().find(|a| a.starts_with('>')).map(|a| &a[1..]),
        _ => None,
    }
}

/// The directive's password when it is written literally: not empty, not a `$VAR`/`${VAR}`
/// reference, and not a placeholder that a script of the input replaces at start.
fn literal_password<'d>(cx: &Context, d: &'d Directive) -> Option<&'d str> {
    password_of(d)
        .filter(|p| !p.is_empty() && !p.contains('$'))
        .filter(|p| !replaced_at_start(cx.docs, p))
}

/// Whether some string of the input (a start script, a command) runs a `sed` substitution
/// that replaces `placeholder` with a variable, as the redis-ha chart does with
/// `sed -i "s/replace-default-auth/${AUTH}/" sentinel.conf`: the value is a placeholder,
/// the password comes from the environment (a `secretKeyRef`) at start.
fn replaced_at_start(docs: &[Document], placeholder: &str) -> bool {
    docs.iter().any(|d| {
        strings(&d.value)
            .iter()
            .any(|s| substitutes(s, placeholder))
    })
}

/// `text` holds `s<d>placeholder<d>replacement<d>` with a `$` in the replacement, in a
/// script that runs `sed`.
fn substitutes(text: &str, placeholder: &str) -> bool {
    if !text.contains("sed") {
        return false;
    }
    text.match_indices(placeholder).any(|(i, _)| {
        let before = &text.as_bytes()[..i];
        let [.., b's', d] = before else {
            return false;
        };
        let d = char::from(*d);
        if !d.is_ascii_punctuation() || d == '\\' {
            return false;
        }
        let Some(rest) = text[i + placeholder.len()..].strip_prefix(d) else {
            return false;
        };
        rest.split(d).next().is_some_and(|r| r.contains('$'))
    })
}

fn kind_of<'a>(cx: &'a Context, doc: usize) -> &'a str {
    cx.docs.get(doc).map(Document::kind).unwrap_or_default()
}

/// How a message names the directive: `requirepass`, `sentinel auth-pass`.
fn label(d: &Directive) -> String {
    match (d.name.as_str(), d.arg(0)) {
        ("sentinel", Some(sub)) => format!("sentinel {}", sub.to_ascii_lowercase()),
        (name, _) => name.to_string(),
    }
}

/// Every literal password a Redis or Sentinel server loads, with where it was written (the
/// same text shared by several servers is listed once).
fn loaded_literals<'a>(cx: &'a Context) -> Vec<(&'a Loc, String, String)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for role in [Role::Redis, Role::Sentinel] {
        for (_, c, conf) in all_confs(cx.model, role) {
            for s in &conf.settings {
                if literal_password(cx, &s.directive).is_some() && seen.insert(&s.loc) {
                    out.push((&s.loc, label(&s.directive), c.name.clone()));
                }
            }
        }
    }
    out
}

pub const SECRET_IN_CONFIGMAP: Rule = Rule {
    id: "secret-in-configmap",
    category: Category::Security,
    severity: Severity::Error,
    summary: "a password is written literally into a ConfigMap",
    rationale: "ConfigMaps are not secret: they are readable by anyone with `get configmaps` in \
        the namespace, shown by `kubectl describe`, and committed to Git with the manifests. \
        A literal `requirepass`, `masterauth` or `sentinel auth-pass` there — in a config file \
        or in a start script that passes or writes it — leaks the password, as does a start \
        script that assigns a literal to a variable named like a password \
        (`export REDISCLI_AUTH=…`). A placeholder that \
        a script of the input replaces at start with a variable (`sed -i \
        \"s/replace-default-auth/${AUTH}/\"`) is not a password. (Kubernetes Secret docs; \
        Redis security docs.)",
    fix: "Keep the password in a Secret and inject it at start: a file of the Secret mounted \
        as a volume (whole, no `subPath`: the kubelet then updates it when the password is \
        rotated, and it stays out of `/proc/*/environ`), or an environment variable from \
        `secretKeyRef`, written into the copied config or passed as `--requirepass \
        \"$REDIS_PASSWORD\"`.",
    references: &[K8S_SECRET, SECURITY],
    check: |cx, sink| {
        let mut reported = HashSet::new();
        for stored in cx
            .model
            .stored
            .iter()
            .filter(|s| s.kind == SourceKind::ConfigMap)
        {
            for s in &stored.settings {
                if literal_password(cx, &s.directive).is_some() && reported.insert(s.loc.clone()) {
                    sink.report(
                        &s.loc,
                        format!(
                            "`{}` writes a literal password into a ConfigMap",
                            label(&s.directive)
                        ),
                    );
                }
            }
        }
        // Start scripts kept in ConfigMaps that assign one (`export REDISCLI_AUTH=…`), but
        // those already reported for a password a server loads (one cause).
        let loaded_from: HashSet<(usize, Rc<str>)> = loaded_literals(cx)
            .into_iter()
            .map(|(loc, _, _)| (loc.doc, loc.pointer.clone()))
            .collect();
        for script in cx.model.scripts.iter().flatten() {
            let key = (script.loc.doc, script.loc.pointer.clone());
            if kind_of(cx, script.loc.doc) != "ConfigMap" || loaded_from.contains(&key) {
                continue;
            }
            for (name, value, line) in assigned_passwords(&script.parsed.commands) {
                let at = script.at(line);
                if !replaced_at_start(cx.docs, value) && reported.insert(at.clone()) {
                    sink.report(
                        &at,
                        format!(
                            "a start script in a ConfigMap assigns a literal password to `{name}`"
                        ),
                    );
                }
            }
        }
        // Start scripts kept in ConfigMaps (`exec redis-server --requirepass …`).
        for (loc, name, container) in loaded_literals(cx) {
            if kind_of(cx, loc.doc) == "ConfigMap" && reported.insert(loc.clone()) {
                sink.report(
                    loc,
                    format!("`{name}` of container `{container}` is given a literal password by a script in a ConfigMap"),
                );
            }
        }
    },
};

/// Whether an environment variable's name says it holds a password (`REDIS_PASSWORD`,
/// `REDISCLI_AUTH`), not a path to one (`REDIS_PASSWORD_FILE`) or a switch
/// (`ALLOW_EMPTY_PASSWORD`).
fn password_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    let names_password = n.contains("PASSWORD")
        || n.contains("PASSWD")
        || n.ends_with("_AUTH")
        || n.ends_with("AUTH_PASS");
    let not_the_value = ["_FILE", "_PATH", "_DIR"].iter().any(|s| n.ends_with(s))
        || n.starts_with("ALLOW_")
        || n.contains("ENABLE")
        || n.contains("DISABLE");
    names_password && !not_the_value
}

/// Whether an environment value is a password rather than a flag, a path or a reference.
fn password_value(value: &str) -> bool {
    let switch = ["yes", "no", "true", "false", "0", "1", "on", "off"]
        .iter()
        .any(|s| value.eq_ignore_ascii_case(s));
    // `$…` and `` `…` `` are expansions: the password comes from somewhere else at run time
    // (bitnami's `export REDISCLI_AUTH=`cat $REDIS_PASSWORD_FILE``).
    !value.is_empty()
        && !switch
        && !value.starts_with('/')
        && !value.contains('$')
        && !value.contains('`')
}

/// Fields of a container that hold commands a password could be passed on.
const COMMAND_FIELDS: &[&str] = &[
    "command",
    "args",
    "livenessProbe/exec/command",
    "readinessProbe/exec/command",
    "startupProbe/exec/command",
    "lifecycle/preStop/exec/command",
    "lifecycle/postStart/exec/command",
];

/// Whether a command runs `redis-cli`/`valkey-cli` with a literal `-a`/`--pass` password.
fn cli_password(words: &[String]) -> bool {
    let Some(cli) = words.iter().position(|w| {
        let bin = w.rsplit('/').next().unwrap_or(w);
        bin == "redis-cli" || bin == "valkey-cli"
    }) else {
        return false;
    };
    words[cli..]
        .windows(2)
        .any(|pair| (pair[0] == "-a" || pair[0] == "--pass") && password_value(&pair[1]))
}

/// Whether a command array (`[redis-cli, -a, x, ping]`, or `[sh, -c, SCRIPT]`) passes a
/// literal password to `redis-cli`.
fn command_passes_password(array: &[Value]) -> bool {
    let words: Vec<String> = array
        .iter()
        .filter_map(|w| w.as_str().map(str::to_string))
        .collect();
    cli_password(&words)
        || words
            .iter()
            .filter(|w| w.contains("-cli"))
            .any(|script| commands(script).iter().any(|c| cli_password(&c.words)))
}

/// Each command line of a container that can run a script, as (pointer, word) pairs named
/// by where it is: `command` then `args` (what the container runs), each probe and hook.
fn command_lines<'v>(
    value: &'v Value,
    container: &str,
) -> Vec<(&'static str, Vec<(String, &'v str)>)> {
    let words = |field: &str| -> Vec<(String, &'v str)> {
        let pointer = format!("{container}/{field}");
        value
            .at(&pointer)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, w)| Some((format!("{pointer}/{i}"), w.as_str()?)))
            .collect()
    };
    let mut out = vec![("command", [words("command"), words("args")].concat())];
    for field in COMMAND_FIELDS.iter().filter(|f| f.contains('/')) {
        out.push((field.split('/').next().unwrap_or(field), words(field)));
    }
    out
}

/// Shells whose `-c SCRIPT` a pod spec runs.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// The script a command line runs as `sh -c SCRIPT` (or `bash -ec SCRIPT`), with its index.
fn shell_script(words: &[String]) -> Option<(usize, &str)> {
    let shell = words.first()?;
    if !SHELLS.contains(&shell.rsplit('/').next().unwrap_or(shell)) {
        return None;
    }
    let flags = words[1..]
        .iter()
        .take_while(|w| w.starts_with('-') && *w != "--");
    let reads_script = flags
        .clone()
        .any(|w| !w.starts_with("--") && w.contains('c'));
    let at = 1 + flags.count();
    reads_script
        .then(|| words.get(at).map(|s| (at, s.as_str())))
        .flatten()
}

/// Variables named like a password that a script assigns a literal to (`REDIS_PASSWORD=x`,
/// `export REDISCLI_AUTH=x`, `REDIS_PASSWORD=x cmd`): name, value and 0-based line of each.
fn assigned_passwords(commands: &[Command]) -> Vec<(&str, &str, usize)> {
    let mut out = Vec::new();
    for c in commands {
        let declared = matches!(
            c.words.first().map(String::as_str),
            Some("export" | "local" | "readonly" | "declare")
        );
        let words = c.words.iter().skip(usize::from(declared));
        for w in words {
            let Some((name, value)) = w.split_once('=') else {
                // Prefix assignments end at the command's first other word.
                if declared && w.starts_with('-') {
                    continue;
                }
                break;
            };
            if !is_name(name) {
                break;
            }
            if password_name(name) && password_value(value) {
                out.push((name, value, c.line));
            }
        }
    }
    out
}

pub const SECRET_IN_POD_SPEC: Rule = Rule {
    id: "secret-in-pod-spec",
    category: Category::Security,
    severity: Severity::Error,
    summary: "a password is written literally into a pod spec (env value, command, args or probe)",
    rationale: "A pod spec is no place for a password: the workload is readable by anyone with \
        `get` on it, `kubectl describe` and `get -o yaml` print its env and args, the value \
        ends up in Git with the manifests, and a command-line password is visible to every \
        process in the pod (`ps`) and in Redis's own `CONFIG GET`. This covers a literal \
        `--requirepass`/`--masterauth` (or `sentinel auth-pass`) in `command`/`args`, a \
        `redis-cli -a <password>` in a command, probe or lifecycle hook, an \
        environment variable named like a password (`REDIS_PASSWORD`, `REDISCLI_AUTH`) with a \
        literal `value`, and such a variable assigned a literal in a `sh -c` script of the \
        pod spec (`export REDISCLI_AUTH=…`, `REDIS_PASSWORD=… redis-cli …`). (Kubernetes Secret docs, \"Using Secrets as environment \
        variables\"; Redis security docs.)",
    fix: "Put the password in a Secret (created outside the manifests) and use `valueFrom: \
        {secretKeyRef: …}`; pass it as `--requirepass \"$(REDIS_PASSWORD)\"` or write it into \
        the config at start.",
    references: &[K8S_SECRET, SECURITY],
    check: |cx, sink| {
        // Strings already reported for a password a server loads: an assignment in the same
        // script is that password's source, one cause (`P=x` … `sentinel auth-pass m $P`).
        let mut loaded_from = HashSet::new();
        for (loc, name, container) in loaded_literals(cx) {
            let kind = kind_of(cx, loc.doc);
            if kind != "ConfigMap" && kind != "Secret" {
                loaded_from.insert((loc.doc, loc.pointer.clone()));
                sink.report(
                    loc,
                    format!("`{name}` of container `{container}` is given a literal password in the pod spec"),
                );
            }
        }
        for w in cx.model.set_workloads() {
            let Some(doc) = cx.docs.get(w.doc) else {
                continue;
            };
            for c in &w.containers {
                for field in COMMAND_FIELDS {
                    let pointer = format!("{}/{field}", c.pointer);
                    let Some(array) = doc.value.at(&pointer).and_then(Value::as_array) else {
                        continue;
                    };
                    if command_passes_password(array) {
                        let place = field.split('/').next().unwrap_or(field);
                        sink.report(
                            &w.loc(pointer),
                            format!("`redis-cli -a` in the {place} of container `{}` passes a literal password", c.name),
                        );
                    }
                }
                for (place, line) in command_lines(&doc.value, &c.pointer) {
                    let words: Vec<String> = line.iter().map(|(_, w)| w.to_string()).collect();
                    let Some((i, script)) = shell_script(&words) else {
                        continue;
                    };
                    // `command: [sh, -c]` with the script in `args`: name the field it is in.
                    let place = if line[i].0.contains("/args/") {
                        "args"
                    } else {
                        place
                    };
                    let pointer = line[i].0.as_str();
                    if loaded_from.contains(&(w.doc, pointer.into())) {
                        continue;
                    }
                    for (name, value, at) in assigned_passwords(&commands(script)) {
                        if replaced_at_start(cx.docs, value) {
                            continue;
                        }
                        let loc = Loc {
                            line: Some(at),
                            ..w.loc(pointer)
                        };
                        sink.report(
                            &loc,
                            format!("the script in the {place} of container `{}` assigns a literal password to `{name}`", c.name),
                        );
                    }
                }
                let env = doc.value.at(&format!("{}/env", c.pointer));
                for (i, e) in env
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
                    let value = e.get("value").and_then(Value::as_str).unwrap_or_default();
                    if password_name(name)
                        && password_value(value)
                        && !replaced_at_start(cx.docs, value)
                    {
                        sink.report(
                            &w.loc(format!("{}/env/{i}/value", c.pointer)),
                            format!(
                                "environment variable `{name}` of container `{}` holds a literal password",
                                c.name
                            ),
                        );
                    }
                }
            }
        }
    },
};

pub const SECRET_COMMITTED: Rule = Rule {
    id: "secret-committed",
    category: Category::Security,
    severity: Severity::Warning,
    summary: "a Secret with data is committed with the manifests",
    rationale: "A Secret's `data` is base64, not encryption: a Secret object with values in \
        the manifests puts the password (or key) in Git history, in CI logs and in every \
        copy of the repository, and it never rotates. Manifests should reference a Secret \
        that a secret manager, a sealed/encrypted secret (Sealed Secrets, SOPS, External \
        Secrets) or a one-off `kubectl create secret` provides. (Kubernetes Secret docs, \
        \"Good practices for Kubernetes Secrets\".)",
    fix: "Remove the Secret from the manifests and create it from a secret manager (External \
        Secrets Operator, Vault), as a SealedSecret, or encrypted with SOPS; keep only the \
        reference (`secretKeyRef`, a `secret` volume) in the workloads.",
    references: &[K8S_SECRET, SECURITY],
    check: |cx, sink| {
        let mut secrets: Vec<usize> = cx
            .model
            .sources
            .iter()
            .filter(|((_, kind, _), _)| *kind == SourceKind::Secret)
            .map(|(_, &doc)| doc)
            .filter(|&doc| kind_of(cx, doc) == "Secret")
            .collect();
        secrets.sort_unstable();
        for doc in secrets {
            let Some(d) = cx.docs.get(doc) else { continue };
            for field in ["data", "stringData"] {
                let Some(map) = d.value.get(field).and_then(Value::as_object) else {
                    continue;
                };
                let keys: Vec<&str> = map
                    .iter()
                    .filter(|(_, v)| v.as_str().is_some_and(|s| !s.is_empty()))
                    .map(|(k, _)| k.as_str())
                    .collect();
                if !keys.is_empty() {
                    sink.report(
                        &Loc::new(doc, format!("/{field}")),
                        format!(
                            "Secret `{}` is committed with values for {} (`{field}`): they belong in a secret manager or a sealed secret",
                            d.name(),
                            keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sed_placeholder_is_recognised() {
        let script = r#"sed -i "s/replace-default-auth/${AUTH}/" "$SENTINEL_CONF""#;
        assert!(substitutes(script, "replace-default-auth"));
        assert!(substitutes("sed -e 's|CHANGEME|$PASS|g' f", "CHANGEME"));
        // Replaced by another literal, or not by sed: still a password.
        assert!(!substitutes("sed -i 's/hunter2/hunter3/' f", "hunter2"));
        assert!(!substitutes("echo s/hunter2/$X/", "hunter2"));
        assert!(!substitutes("sed -i 's/xhunter2/$X/' f", "hunter2"));
    }

    #[test]
    fn password_variables() {
        assert!(password_name("REDIS_PASSWORD"));
        assert!(password_name("REDISCLI_AUTH"));
        assert!(password_name("SENTINEL_AUTH_PASS"));
        assert!(!password_name("REDIS_PASSWORD_FILE"));
        assert!(!password_name("ALLOW_EMPTY_PASSWORD"));
        assert!(!password_name("AUTH_ENABLED"));
        assert!(!password_name("REDIS_PORT"));
        assert!(password_value("hunter2"));
        assert!(!password_value("yes"));
        assert!(!password_value("/opt/secrets/redis-password"));
        assert!(!password_value("$(REDIS_PASSWORD)"));
        assert!(!password_value("`cat"));
        assert!(!password_value(""));
    }

    #[test]
    fn script_password_assignments() {
        let assigned = |script: &str| -> Vec<String> {
            assigned_passwords(&commands(script))
                .into_iter()
                .map(|(name, _, _)| name.to_string())
                .collect()
        };
        assert_eq!(
            assigned("set -e\nREDIS_PASSWORD=hunter2\nexec redis-server"),
            ["REDIS_PASSWORD"]
        );
        assert_eq!(
            assigned("export REDISCLI_AUTH='hunter2'; redis-cli ping"),
            ["REDISCLI_AUTH"]
        );
        assert_eq!(
            assigned("AUTH=x; REDIS_PASSWORD=s3cret PORT=1 redis-server"),
            ["REDIS_PASSWORD"]
        );
        // From elsewhere, a path, a switch, or words that only look like an assignment.
        assert!(assigned("REDIS_PASSWORD=$(cat /run/secrets/p)").is_empty());
        assert!(assigned("REDIS_PASSWORD=\"${AUTH}\"").is_empty());
        assert!(assigned("REDIS_PASSWORD_FILE=/run/p; ALLOW_EMPTY_PASSWORD=yes").is_empty());
        assert!(assigned("echo REDIS_PASSWORD=hunter2").is_empty());
        assert!(assigned("redis-server --x REDIS_PASSWORD=hunter2").is_empty());
    }

    #[test]
    fn the_script_of_a_shell_command_line() {
        let script = |words: &[&str]| {
            let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            shell_script(&words).map(|(i, _)| i)
        };
        assert_eq!(script(&["sh", "-c", "a"]), Some(2));
        assert_eq!(script(&["/bin/bash", "-ec", "a", "arg0"]), Some(2));
        assert_eq!(script(&["redis-server", "-c", "a"]), None);
        assert_eq!(script(&["sh", "/start.sh"]), None);
        assert_eq!(script(&["sh", "--", "-c"]), None);
    }

    #[test]
    fn redis_cli_passwords() {
        let probe = |words: &[&str]| {
            command_passes_password(&words.iter().map(|w| Value::from(*w)).collect::<Vec<_>>())
        };
        assert!(probe(&["redis-cli", "-a", "hunter2", "ping"]));
        assert!(probe(&[
            "sh",
            "-c",
            "redis-cli -h localhost -a 'hunter2' ping | grep PONG"
        ]));
        assert!(!probe(&[
            "sh",
            "-c",
            "redis-cli -a \"$REDIS_PASSWORD\" ping"
        ]));
        assert!(!probe(&["redis-cli", "ping"]));
        assert!(!probe(&["sh", "-c", "echo -a hunter2; redis-cli ping"]));
    }
}
