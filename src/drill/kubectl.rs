//! The `kubectl` target: the same scenarios against a live cluster. The set is the one
//! already deployed in the namespace; faults are `kubectl delete pod` (graceful, or
//! `--grace-period=0 --force` for a kill), SIGSTOP/SIGCONT to a container's processes (freeze, and
//! a stopped container: the kubelet would restart a killed one at once), `kubectl delete pvc`
//! (wipe); every Redis and Sentinel command goes through `kubectl exec … redis-cli`.
//! Not yet run against a live cluster: its command sequence is tested with a stand-in
//! `kubectl` (tests/drill_kubectl.rs).

use super::cluster::{Cluster, Session};
use super::spec::HaSpec;
use crate::resp::Reply;
use anyhow::{Context, bail};
use std::process::Command;
use std::time::Duration;

pub struct KubectlSet {
    spec: HaSpec,
}

impl KubectlSet {
    pub fn new(spec: &HaSpec) -> KubectlSet {
        KubectlSet { spec: spec.clone() }
    }

    fn kubectl(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new("kubectl")
            .arg("--namespace")
            .arg(&self.spec.namespace)
            .args(args)
            .output()
            .context("cannot run kubectl: is it on PATH?")?;
        if !out.status.success() {
            bail!(
                "`kubectl {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn container(&self, sentinel: bool) -> String {
        if sentinel {
            self.spec
                .sentinel_container
                .clone()
                .unwrap_or_else(|| "sentinel".into())
        } else {
            self.spec.redis_container.clone()
        }
    }

    /// Signal every process of a container (its command may be a shell with Redis as a
    /// child), except the shell doing it. Only those in the container's mount namespace: in
    /// a pod with `shareProcessNamespace` /proc shows every container's processes (and the
    /// pause's).
    fn signal_container(
        &self,
        ordinal: usize,
        container: &str,
        signal: &str,
    ) -> anyhow::Result<()> {
        let pod = self.spec.pod_name(ordinal);
        let script = format!(
            "me=$(readlink /proc/$$/ns/mnt); for d in /proc/[0-9]*; do p=${{d#/proc/}}; \
             [ \"$p\" = \"$$\" ] && continue; [ \"$(readlink \"$d/ns/mnt\" 2>/dev/null)\" = \"$me\" ] || continue; \
             kill {signal} \"$p\" 2>/dev/null; done; true"
        );
        self.kubectl(&["exec", &pod, "-c", container, "--", "sh", "-c", &script])
            .map(|_| ())
    }
}

impl KubectlSet {
    fn session(
        &self,
        ordinal: usize,
        sentinel: bool,
        authenticated: bool,
    ) -> Box<dyn Session + '_> {
        Box::new(ExecSession {
            set: self,
            ordinal,
            sentinel,
            authenticated,
        })
    }
}

struct ExecSession<'a> {
    set: &'a KubectlSet,
    ordinal: usize,
    sentinel: bool,
    /// Send the set's password (`connect`), or none (`connect_anonymous`).
    authenticated: bool,
}

/// redis-cli's output without a terminal: one line per element, errors as their text.
fn parse_cli_output(command: &str, ok: bool, text: &str) -> Reply {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.first().copied().unwrap_or("");
    let is_error = !ok
        || [
            "ERR",
            "NOREPLICAS",
            "READONLY",
            "NOAUTH",
            "WRONGPASS",
            "LOADING",
            "MASTERDOWN",
            "NOMASTERLINK",
        ]
        .iter()
        .any(|e| first.starts_with(e));
    if is_error {
        return Reply::Error(first.to_string());
    }
    match command.to_ascii_uppercase().as_str() {
        "WAIT" | "EXISTS" => Reply::Int(first.trim().parse().unwrap_or(0)),
        "SET" | "AUTH" | "PING" => Reply::Status(first.to_string()),
        "INFO" => Reply::Bulk(Some(text.to_string())),
        _ => Reply::Array(Some(
            lines
                .iter()
                .map(|l| Reply::Bulk(Some(l.to_string())))
                .collect(),
        )),
    }
}

/// Where the Redis container finds its password (a Secret's), if anywhere: the env variable
/// (`secretKeyRef`), or the file an env variable `*PASSWORD_FILE` names (a mounted Secret).
enum PasswordIn<'a> {
    Env(&'a str),
    File(&'a str),
}

fn password_in(spec: &HaSpec) -> Option<PasswordIn<'_>> {
    let container = spec
        .pod
        .containers
        .iter()
        .find(|c| c.name == spec.redis_container)?;
    container.env.iter().flatten().find_map(|e| {
        if e.value_from
            .as_ref()
            .is_some_and(|v| v.secret_key_ref.is_some())
        {
            Some(PasswordIn::Env(e.name.as_str()))
        } else {
            let path = e.value.as_deref()?;
            (e.name.ends_with("PASSWORD_FILE")
                && crate::drill::spec::secret_file(&spec.pod, container, path).is_some())
            .then_some(PasswordIn::File(path))
        }
    })
}

/// `kubectl` arguments that run `redis-cli ARGS` in the container. The password never
/// crosses a command line (where `ps` on the host would show it): inside the pod, a shell
/// copies the container's own password (variable or Secret file) into `REDISCLI_AUTH`, which `redis-cli`
/// reads; the host's argv carries only the variable's name.
fn redis_cli_argv(
    spec: &HaSpec,
    ordinal: usize,
    container: &str,
    sentinel: bool,
    authenticated: bool,
    args: &[&str],
) -> anyhow::Result<Vec<String>> {
    let mut argv: Vec<String> = ["exec", &spec.pod_name(ordinal), "-c", container, "--"]
        .map(str::to_string)
        .to_vec();
    // Sentinel requires the same password as Redis in the generated sets (and answers
    // anyway after a refused AUTH where it requires none).
    if let Some(source) = password_in(spec).filter(|_| authenticated) {
        let (read, name) = match source {
            PasswordIn::Env(name) => ("printenv", name),
            PasswordIn::File(path) => ("cat", path),
        };
        // The name goes into the script: keep it to characters that need no quoting.
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b))
        {
            bail!(
                "the Redis container's password variable or file {name:?} is not a plain \
                 name"
            );
        }
        let script =
            format!(r#"REDISCLI_AUTH=$({read} '{name}'); export REDISCLI_AUTH; exec "$0" "$@""#);
        argv.extend(["sh".into(), "-c".into(), script]);
    }
    let port = if sentinel {
        spec.sentinel_port
    } else {
        spec.redis_port
    };
    argv.extend(["redis-cli".into(), "-p".into(), port.to_string()]);
    let tls = spec
        .tls
        .as_ref()
        .filter(|t| if sentinel { t.sentinel } else { t.redis });
    if let Some(tls) = tls {
        argv.extend(["--tls".into(), "--cacert".into(), tls.ca_file.clone()]);
    }
    argv.extend(args.iter().map(|a| (*a).to_string()));
    Ok(argv)
}

impl Session for ExecSession<'_> {
    fn call(&mut self, args: &[&str], _timeout: Duration) -> anyhow::Result<Reply> {
        let spec = &self.set.spec;
        let pod = spec.pod_name(self.ordinal);
        let container = self.set.container(self.sentinel);
        let argv = redis_cli_argv(
            spec,
            self.ordinal,
            &container,
            self.sentinel,
            self.authenticated,
            args,
        )?;
        let out = Command::new("kubectl")
            .arg("--namespace")
            .arg(&spec.namespace)
            .args(&argv)
            .output()
            .context("cannot run kubectl")?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() && text.trim().is_empty() {
            bail!("{pod}: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(parse_cli_output(
            args.first().copied().unwrap_or(""),
            out.status.success(),
            &text,
        ))
    }
}

impl Cluster for KubectlSet {
    fn spec(&self) -> &HaSpec {
        &self.spec
    }

    /// The StatefulSet controller recreates a deleted pod by itself; a stopped container is
    /// continued.
    fn start_pod(&self, ordinal: usize) -> anyhow::Result<()> {
        let pod = self.spec.pod_name(ordinal);
        self.kubectl(&[
            "wait",
            "--for=condition=Ready",
            &format!("pod/{pod}"),
            "--timeout=120s",
        ])
        .map(|_| ())
    }

    fn is_ready(&self, ordinal: usize) -> bool {
        let pod = self.spec.pod_name(ordinal);
        self.kubectl(&[
            "get",
            "pod",
            &pod,
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}",
        ])
        .is_ok_and(|s| s.trim() == "True")
    }

    fn delete_pod(&self, ordinal: usize) -> anyhow::Result<()> {
        let pod = self.spec.pod_name(ordinal);
        self.kubectl(&["delete", "pod", &pod, "--wait=true"])
            .map(|_| ())
    }

    fn kill_pod(&self, ordinal: usize) -> anyhow::Result<()> {
        let pod = self.spec.pod_name(ordinal);
        self.kubectl(&[
            "delete",
            "pod",
            &pod,
            "--grace-period=0",
            "--force",
            "--wait=false",
        ])
        .map(|_| ())
    }

    fn freeze_pod(&self, ordinal: usize, frozen: bool) -> anyhow::Result<()> {
        let signal = if frozen { "-STOP" } else { "-CONT" };
        let containers: Vec<String> = self
            .spec
            .pod
            .containers
            .iter()
            .map(|c| c.name.clone())
            .collect();
        containers
            .iter()
            .try_for_each(|c| self.signal_container(ordinal, c, signal))
    }

    fn partition_pod(&self, _ordinal: usize, _partitioned: bool) -> anyhow::Result<()> {
        bail!(
            "partitions are not supported on the kubectl target (they need a NetworkPolicy per pod)"
        )
    }

    fn wipe_volumes(&self, ordinal: usize) -> anyhow::Result<()> {
        for claim in &self.spec.claim_templates {
            let pvc = format!("{claim}-{}", self.spec.pod_name(ordinal));
            self.kubectl(&["delete", "pvc", &pvc, "--wait=false"])?;
        }
        Ok(())
    }

    fn hold_container(&self, ordinal: usize, container: &str, held: bool) -> anyhow::Result<()> {
        self.signal_container(ordinal, container, if held { "-STOP" } else { "-CONT" })
    }

    /// Kept stopped: SIGSTOP, as `hold_container` (the kubelet would restart a killed one at
    /// once).
    fn kill_container(&self, ordinal: usize, container: &str) -> anyhow::Result<()> {
        self.signal_container(ordinal, container, "-STOP")
    }

    /// SIGKILL to the container's processes from inside it, which the kernel does not
    /// deliver to the container's PID 1 (docs/drill.md, "Against a live cluster": a limit of this target).
    fn crash_container(&self, ordinal: usize, container: &str) -> anyhow::Result<()> {
        self.signal_container(ordinal, container, "-KILL")
    }

    fn freeze_container(
        &self,
        ordinal: usize,
        container: &str,
        frozen: bool,
    ) -> anyhow::Result<()> {
        self.signal_container(ordinal, container, if frozen { "-STOP" } else { "-CONT" })
    }

    fn connect(
        &self,
        ordinal: usize,
        sentinel: bool,
        _timeout: Duration,
    ) -> anyhow::Result<Box<dyn Session + '_>> {
        Ok(self.session(ordinal, sentinel, true))
    }

    fn connect_anonymous(
        &self,
        ordinal: usize,
        sentinel: bool,
        _timeout: Duration,
    ) -> anyhow::Result<Box<dyn Session + '_>> {
        Ok(self.session(ordinal, sentinel, false))
    }

    fn logs(&self, ordinal: usize, container: &str, lines: usize) -> Vec<String> {
        let pod = self.spec.pod_name(ordinal);
        self.kubectl(&["logs", &pod, "-c", container, &format!("--tail={lines}")])
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    fn ordinal_of(&self, host: &str) -> Option<usize> {
        (0..self.spec.replicas).find(|&i| {
            let pod = self.spec.pod_name(i);
            host == pod || host.starts_with(&format!("{pod}."))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_redis_cli_output() {
        assert_eq!(
            parse_cli_output("SET", true, "OK\n"),
            Reply::Status("OK".into())
        );
        assert_eq!(parse_cli_output("WAIT", true, "1\n"), Reply::Int(1));
        assert!(matches!(
            parse_cli_output("SET", true, "NOREPLICAS Not enough good replicas\n"),
            Reply::Error(_)
        ));
        let role = parse_cli_output("ROLE", true, "master\n3021\nredis-1.x\n6379\n3021\n");
        assert_eq!(role.items()[0].text(), Some("master"));
    }

    #[test]
    fn the_generated_manifests_password_is_read_from_the_secret_file() {
        let request = crate::profile::ProfileRequest {
            profile: "production".into(),
            values: Vec::new(),
            sets: Vec::new(),
            namespace: None,
        };
        let resolved = crate::profile::resolve(&request).unwrap();
        let generated =
            crate::generate::generate(&resolved, crate::schema::KubeVersion::default()).unwrap();
        let spec = crate::drill::spec::ha_spec(&generated.documents, None).unwrap();
        // The drill invents the missing existing Secret, and finds the password through the
        // file REDIS_PASSWORD_FILE names.
        assert_eq!(
            spec.password_source(),
            Some(("redis-auth".to_string(), "password".to_string()))
        );
        assert_eq!(spec.passwords.len(), 1, "{:?}", spec.passwords);
        let argv = redis_cli_argv(&spec, 0, "redis", false, true, &["ROLE"]).unwrap();
        let shell = argv.windows(2).position(|w| w == ["sh", "-c"]).unwrap();
        assert_eq!(
            argv[shell + 2],
            r#"REDISCLI_AUTH=$(cat '/auth/password'); export REDISCLI_AUTH; exec "$0" "$@""#
        );
    }

    #[test]
    fn the_password_never_reaches_the_hosts_command_line() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/drill/tls/redis-ha.yaml"
        ))
        .unwrap();
        let documents = crate::drill::spec::documents_from_text("redis-ha.yaml", &text).unwrap();
        let spec = crate::drill::spec::ha_spec(&documents, None).unwrap();
        let password = spec
            .passwords
            .first()
            .expect("the fixture reads a password");
        assert!(!password.is_empty());
        let argv = redis_cli_argv(&spec, 0, "redis", false, true, &["ROLE"]).unwrap();
        assert!(
            argv.iter().all(|a| !a.contains(password.as_str())),
            "{argv:?}"
        );
        assert!(!argv.iter().any(|a| a == "-a" || a == "--pass"), "{argv:?}");
        let shell = argv.windows(2).position(|w| w == ["sh", "-c"]).unwrap();
        let script = &argv[shell + 2];
        assert_eq!(
            script,
            r#"REDISCLI_AUTH=$(printenv 'REDIS_PASSWORD'); export REDISCLI_AUTH; exec "$0" "$@""#
        );
        let tail = [
            "redis-cli",
            "-p",
            "6379",
            "--tls",
            "--cacert",
            "/tls/ca.crt",
            "ROLE",
        ];
        assert_eq!(argv[argv.len() - tail.len()..], tail);
        // Sentinel requires the same password: the same wrapper; a connection meant to send
        // no password (`connect_anonymous`) calls redis-cli directly.
        let argv = redis_cli_argv(&spec, 1, "sentinel", true, true, &["PING"]).unwrap();
        assert_eq!(argv[5..7], ["sh", "-c"]);
        let argv = redis_cli_argv(&spec, 1, "sentinel", true, false, &["PING"]).unwrap();
        assert_eq!(
            argv[..6],
            ["exec", "redis-1", "-c", "sentinel", "--", "redis-cli"]
        );
    }
}
