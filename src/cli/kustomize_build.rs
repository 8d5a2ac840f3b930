//! `kustomize build` of a kustomization whose fields lint cannot apply itself (patches,
//! images, components, generators, name prefixes, …), with the tool on PATH: `kustomize
//! build`, else `kubectl kustomize`. The build runs with kustomize's defaults made explicit
//! (load restrictor on: no file outside the kustomization's folder tree), no plugins and no
//! exec functions (neither is enabled without a flag), no Helm, an empty environment but
//! `PATH`, stdin closed, at most `BUILD_SECONDS` and the input limit of output. A
//! kustomization with a remote resource is not built: that would fetch it (lint reads no
//! network).
//!
//! The built objects replace the ones read from the listed files. An object the build left
//! as lint reads it unbuilt (same identity, same content once the `namespace:` is applied)
//! keeps its source file and lines; one the build changed is reported at the kustomization,
//! with its identity and no line (docs/lint.md, "Folders with alternatives").

use crate::escape::printable;
use crate::finding::{Finding, Severity};
use crate::manifest::{self, Document};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest a build may take: kustomize builds a local tree in well under a second.
pub const BUILD_SECONDS: u64 = 30;

use crate::rules::KUSTOMIZATION_BUILT;

/// A kustomization built: its output stands for the files it lists.
#[derive(Debug)]
pub struct Build {
    /// The kustomization file, as findings show it.
    pub kustomization: String,
    /// The listed files (not kustomizations) whose objects the output replaces.
    pub sources: BTreeSet<String>,
    /// The built YAML stream.
    pub text: String,
}

/// Why a kustomization was not built.
#[derive(Debug, PartialEq)]
pub enum NotBuilt {
    /// Neither `kustomize` nor `kubectl` is on PATH.
    NoTool,
    /// The build failed or timed out: what the tool said (neutralised, one line).
    Failed(String),
}

/// The tool that builds: `kustomize build`, else `kubectl kustomize`; with its arguments
/// before the folder.
fn tool() -> Option<(PathBuf, [&'static str; 3])> {
    let path = std::env::var_os("PATH")?;
    let find = |name: &str| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| is_executable(p))
    };
    const RESTRICT: [&str; 2] = ["--load-restrictor", "LoadRestrictionsRootOnly"];
    if let Some(kustomize) = find("kustomize") {
        return Some((kustomize, ["build", RESTRICT[0], RESTRICT[1]]));
    }
    find("kubectl").map(|kubectl| (kubectl, ["kustomize", RESTRICT[0], RESTRICT[1]]))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Build the kustomization of folder `dir`: the YAML stream and the tool's name.
pub fn build(dir: &Path) -> Result<(String, String), NotBuilt> {
    let (program, args) = tool().ok_or(NotBuilt::NoTool)?;
    let name = program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let shown = format!("{name} {}", args[0]);
    let mut command = Command::new(&program);
    command
        .args(args)
        .arg(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    let limit = crate::bounded_read::limit();
    let out = run_bounded(command, Duration::from_secs(BUILD_SECONDS), limit)
        .map_err(|e| NotBuilt::Failed(format!("`{shown}` {e}")))?;
    Ok((out, shown))
}

/// Run `command` with stdin closed; its stdout if it exits 0 within `timeout` having written
/// at most `limit` bytes, else what went wrong (its stderr's last line, neutralised).
pub fn run_bounded(mut command: Command, timeout: Duration, limit: u64) -> Result<String, String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start: {e}"))?;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(pipe) = pipe {
                // One byte past the limit tells an output that is too long.
                let _ = pipe.take(limit + 1).read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    // After a kill the pipes close once the child is gone (a grandchild holding them is
    // not waited for: the readers are detached).
    let Some(status) = status else {
        return Err(format!("did not finish within {} s", timeout.as_secs()));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    // Over the limit first: the tool may then fail because its pipe was closed.
    if stdout.len() as u64 > limit {
        return Err(format!(
            "wrote more than the input limit of {limit} bytes (--max-input-bytes)"
        ));
    }
    if !status.success() {
        let said = String::from_utf8_lossy(&stderr);
        let last = said
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let last: String = last.trim().chars().take(300).collect();
        return Err(format!("failed ({status}): {}", printable(&last)));
    }
    String::from_utf8(stdout).map_err(|_| "wrote output that is not UTF-8".to_string())
}

/// The info that says `kustomization` (shown) was built by `tool`.
pub fn built_note(kustomization: &str, tool: &str) -> Finding {
    let mut f = Finding::new(
        KUSTOMIZATION_BUILT,
        Severity::Info,
        format!(
            "built with `{tool}` and its output linted: objects the build changed are reported at this kustomization (no line), the others at their source lines; `--no-kustomize-build` reads the resources unbuilt"
        ),
    );
    f.file = Some(kustomization.to_string());
    f
}

/// The identity kustomize keeps an object by: group/version, kind, namespace, name.
fn identity(doc: &Document) -> (String, String, String, String) {
    let s = |p: &str| {
        doc.value
            .pointer(p)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name"),
    )
}

/// Replace the objects read from each build's sources by its output: an object the build
/// did not change keeps its source document (file and lines), a changed or new one is
/// reported at the kustomization. YAML problems of the output are findings too.
pub fn substitute(documents: &mut Vec<Document>, builds: &[Build], findings: &mut Vec<Finding>) {
    for build in builds {
        let (sources, rest): (Vec<Document>, Vec<Document>) = std::mem::take(documents)
            .into_iter()
            .partition(|d| build.sources.contains(&d.file));
        *documents = rest;
        let mut sources: Vec<Option<Document>> = sources.into_iter().map(Some).collect();
        let parsed = manifest::parse(&build.kustomization, &build.text);
        findings.extend(parsed.findings);
        for built in parsed.documents {
            let id = identity(&built);
            let same = sources.iter_mut().find(|s| {
                s.as_ref()
                    .is_some_and(|s| identity(s) == id && s.value == built.value)
            });
            match same.and_then(Option::take) {
                Some(source) => documents.push(source),
                None => documents.push(Document::from_value(
                    build.kustomization.clone(),
                    built.index,
                    built.value,
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_that_hangs_is_stopped_at_the_timeout() {
        let mut command = Command::new("sleep");
        command.arg("30");
        let started = Instant::now();
        let err = run_bounded(command, Duration::from_millis(200), 1024).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "{err}");
        assert!(err.contains("did not finish"), "{err}");
    }

    #[test]
    fn a_failed_command_is_told_by_its_last_stderr_line_neutralised() {
        let mut command = Command::new("sh");
        command.args([
            "-c",
            "printf 'first\\nError: bad \\033[31mthing\\n\\n' >&2; exit 1",
        ]);
        let err = run_bounded(command, Duration::from_secs(10), 1024).unwrap_err();
        assert!(err.contains("Error: bad"), "{err}");
        assert!(!err.contains('\u{1b}'), "{err:?}");
        assert!(!err.contains("first"), "{err}");
    }

    #[test]
    fn output_over_the_limit_is_refused() {
        let mut command = Command::new("sh");
        command.args(["-c", "head -c 5000 /dev/zero | tr '\\0' a"]);
        let err = run_bounded(command, Duration::from_secs(10), 100).unwrap_err();
        assert!(err.contains("input limit"), "{err}");
        let mut command = Command::new("sh");
        command.args(["-c", "printf 'kind: A\\n'"]);
        assert_eq!(
            run_bounded(command, Duration::from_secs(10), 100).unwrap(),
            "kind: A\n"
        );
    }

    #[test]
    fn unchanged_objects_keep_their_source_and_changed_ones_go_to_the_kustomization() {
        let mut documents = manifest::parse(
            "base/a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\ndata: {k: v}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: x}\ndata: {k: v}\n",
        )
        .documents;
        documents.extend(
            manifest::parse(
                "other.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
            )
            .documents,
        );
        let build = Build {
            kustomization: "prod/kustomization.yaml".into(),
            sources: BTreeSet::from(["base/a.yaml".to_string()]),
            text: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\ndata:\n  k: v\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: x}\ndata: {k: patched}\n".into(),
        };
        let mut findings = Vec::new();
        substitute(&mut documents, &[build], &mut findings);
        assert!(findings.is_empty());
        let files: Vec<(&str, &str, bool)> = documents
            .iter()
            .map(|d| {
                (
                    d.file.as_str(),
                    d.value["metadata"]["name"].as_str().unwrap_or_default(),
                    d.position("/data").is_some(),
                )
            })
            .collect();
        assert_eq!(
            files,
            vec![
                ("other.yaml", "s", true),
                ("base/a.yaml", "a", true),
                ("prod/kustomization.yaml", "b", false),
            ]
        );
    }
}
