//! The `kubectl` target: the same scenarios against a live cluster. The set is the one
//! already deployed in the namespace; every Redis and Sentinel command goes through
//! `kubectl exec … redis-cli`. Faults do on the cluster what their names say, or refuse with
//! the reason (docs/drill.md, "Against a live cluster"): deletions are `kubectl delete pod`;
//! SIGSTOP, SIGCONT and SIGKILL go to a container's processes from a sibling container of a
//! pod that shares its process namespace (`signal`), each checked to have taken (process
//! states, restart counts); a wipe deletes the claims, then the pod, and waits for the new
//! claims (`volumes`); a CronJob runs as a Job (`job`). Not yet run against a live cluster:
//! its command sequences are tested with a stand-in `kubectl` (tests/drill/kubectl).

mod job;
mod pod;
pub mod signal;
#[cfg(test)]
mod tests;
mod volumes;

use super::cluster::{Cluster, Session};
use super::spec::HaSpec;
use crate::deadline_command::output_until;
use crate::kubectl_exec::{self, SENTINEL_CONTAINER, Shape};
use crate::resp::Reply;
use anyhow::{Context, anyhow, bail};
use pod::PodState;
use signal::Signal;
use std::ffi::OsString;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long a container killed by the drill may take to be restarted by the kubelet (its
/// first restart is immediate; a container already in CrashLoopBackOff waits up to 5 min).
const RESTART_SECONDS: u64 = 60;

/// What a `kubectl exec … redis-cli` may take beyond the command's own timeout: kubectl's
/// start, the API server and the kubelet's exec stream. Past both the process group is
/// killed and the call fails, as a connection that does not answer does on the local target
/// (a frozen pod, a lost node): without it a probe would wait on `kubectl exec` forever.
const EXEC_OVERHEAD_SECONDS: u64 = 5;

pub struct KubectlSet {
    spec: HaSpec,
    /// The `kubectl` to run (a stand-in in tests) and extra environment for it.
    program: OsString,
    env: Vec<(OsString, OsString)>,
    /// How long a killed container may take to be restarted (`RESTART_SECONDS`).
    restart_timeout: Duration,
    /// What an exec may take beyond its command's timeout (`EXEC_OVERHEAD_SECONDS`).
    exec_overhead: Duration,
}

impl KubectlSet {
    pub fn new(spec: &HaSpec) -> KubectlSet {
        KubectlSet {
            spec: spec.clone(),
            program: "kubectl".into(),
            env: Vec::new(),
            restart_timeout: Duration::from_secs(RESTART_SECONDS),
            exec_overhead: Duration::from_secs(EXEC_OVERHEAD_SECONDS),
        }
    }

    fn command(&self) -> Command {
        let mut command = kubectl_exec::kubectl(&self.program, &self.spec.namespace);
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> anyhow::Result<Output> {
        self.command()
            .args(args)
            .output()
            .context("cannot run kubectl: is it on PATH?")
    }

    fn kubectl(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = self.run(args)?;
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
                .unwrap_or_else(|| SENTINEL_CONTAINER.into())
        } else {
            self.spec.redis_container.clone()
        }
    }

    /// The pod as deployed now: whether it shares its PID namespace, its containers' IDs
    /// and restart counts.
    fn pod_state(&self, ordinal: usize) -> anyhow::Result<PodState> {
        let pod = self.spec.pod_name(ordinal);
        PodState::parse(&pod, &self.kubectl(&["get", "pod", &pod, "-o", "json"])?)
    }

    /// Send `signal` to every process of `targets` (containers of pod `ordinal`) from a
    /// sibling container and check it took; refused where the pod does not share its PID
    /// namespace (the signal would not reach a container's PID 1).
    fn signal(&self, ordinal: usize, targets: &[&str], signal: Signal) -> anyhow::Result<PodState> {
        let state = self.pod_state(ordinal)?;
        let what = format!("to {} of pod {}", targets.join(", "), state.name);
        state.require_shared_pids(&format!("send SIG{} {what}", signal.name()))?;
        let ids = targets
            .iter()
            .map(|c| state.running_id(c))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let from = state.signaller(targets, signal == Signal::Kill)?;
        let output = self.kubectl(
            &signal::argv(&state.name, from, signal, &ids)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )?;
        signal::verify(&what, signal, &output)?;
        Ok(state)
    }

    /// Wait until the kubelet has restarted each of `containers` (restart count above the one
    /// `before` had, running again): the evidence a SIGKILL took.
    fn wait_restarted(
        &self,
        ordinal: usize,
        containers: &[&str],
        before: &PodState,
    ) -> anyhow::Result<PodState> {
        let deadline = Instant::now() + self.restart_timeout;
        loop {
            let now = self.pod_state(ordinal)?;
            let pending: Vec<String> = containers
                .iter()
                .map(|c| Ok((*c, before.container(c)?.restarts, now.container(c)?)))
                .collect::<anyhow::Result<Vec<_>>>()?
                .into_iter()
                .filter(|(_, was, c)| !(c.restarts > *was && c.running))
                .map(|(name, was, c)| format!("{name} (restart count {was} → {})", c.restarts))
                .collect();
            if pending.is_empty() {
                return Ok(now);
            }
            if Instant::now() >= deadline {
                bail!(
                    "SIGKILL to pod {} did not take: the kubelet did not restart {} within {} s",
                    now.name,
                    pending.join(", "),
                    self.restart_timeout.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// SIGKILL one container from a sibling (its processes gone), then the kubelet's restart.
    fn kill_and_wait(&self, ordinal: usize, container: &str) -> anyhow::Result<PodState> {
        let before = self.signal(ordinal, &[container], Signal::Kill)?;
        self.wait_restarted(ordinal, &[container], &before)
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
    let mut wrapper = None;
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
        wrapper = Some(format!(
            r#"REDISCLI_AUTH=$({read} '{name}'); export REDISCLI_AUTH; exec "$0" "$@""#
        ));
    }
    let port = if sentinel {
        spec.sentinel_port
    } else {
        spec.redis_port
    };
    let tls_ca = spec
        .tls
        .as_ref()
        .filter(|t| if sentinel { t.sentinel } else { t.redis })
        .map(|tls| tls.ca_file.as_str());
    Ok(kubectl_exec::redis_cli_argv(
        &spec.pod_name(ordinal),
        container,
        wrapper.as_deref(),
        port,
        tls_ca,
        args,
    ))
}

impl Session for ExecSession<'_> {
    fn call(&mut self, args: &[&str], timeout: Duration) -> anyhow::Result<Reply> {
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
        // Capped at an hour: no drill call waits that long, and `Instant + Duration` must not
        // overflow.
        let limit = timeout
            .saturating_add(self.set.exec_overhead)
            .min(Duration::from_secs(3600));
        let out = output_until(self.set.command().args(&argv), Instant::now() + limit)
            .context("cannot run kubectl: is it on PATH?")?
            .with_context(|| {
                format!(
                    "{pod}: no reply within {:.1} s (`kubectl exec` stopped)",
                    limit.as_secs_f64()
                )
            })?;
        let shape = Shape::of_command(args.first().copied().unwrap_or(""));
        kubectl_exec::read_output(out.status.success(), &out.stdout, &out.stderr, shape)
            .map_err(|why| anyhow!("{pod}: {why}"))
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

    /// SIGKILL to every container of the pod at once, from one of them (no preStop, no
    /// SIGTERM), then the kubelet's restart of each, in place (same pod, same address): the
    /// cluster does not keep a killed pod down until `start_pod`. Not a forced delete, which
    /// sends SIGTERM and waits 2 s (Redis would save its RDB).
    fn kill_pod(&self, ordinal: usize) -> anyhow::Result<()> {
        let before = self.pod_state(ordinal)?;
        before.require_shared_pids("send SIGKILL to every container")?;
        let names: Vec<&str> = before.containers.iter().map(|c| c.name.as_str()).collect();
        let ids = names
            .iter()
            .map(|c| before.running_id(c))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let from = before.signaller(&names, false)?;
        // The shell dies with its own container: its output and exit status tell nothing;
        // the restart counts do.
        let out = self.run(&signal::argv(&before.name, from, Signal::Kill, &ids))?;
        self.wait_restarted(ordinal, &names, &before)
            .map(|_| ())
            .with_context(|| {
                format!(
                    "the kill's `kubectl exec` said: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )
            })
    }

    fn freeze_pod(&self, ordinal: usize, frozen: bool) -> anyhow::Result<()> {
        let names: Vec<String> = self
            .spec
            .pod
            .containers
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let signal = if frozen { Signal::Stop } else { Signal::Cont };
        self.signal(ordinal, &names, signal).map(|_| ())
    }

    fn partition_pod(&self, _ordinal: usize, _partitioned: bool) -> anyhow::Result<()> {
        bail!(
            "partitions are not supported on the kubectl target (they need a NetworkPolicy per pod)"
        )
    }

    fn wipe_volumes(&self, ordinal: usize) -> anyhow::Result<()> {
        volumes::wipe(self, ordinal)
    }

    /// Held: SIGSTOP (a stopped container; the kubelet would restart a terminated one at
    /// once), then SIGCONT.
    fn hold_container(&self, ordinal: usize, container: &str, held: bool) -> anyhow::Result<()> {
        let signal = if held { Signal::Stop } else { Signal::Cont };
        self.signal(ordinal, &[container], signal).map(|_| ())
    }

    /// SIGKILL, then — the kubelet restarting it at once — SIGSTOP to the restarted container
    /// until `hold_container(…, false)`: it runs for the moment between its restart and the
    /// stop (docs/drill.md).
    fn kill_container(&self, ordinal: usize, container: &str) -> anyhow::Result<()> {
        self.kill_and_wait(ordinal, container)?;
        self.signal(ordinal, &[container], Signal::Stop).map(|_| ())
    }

    /// SIGKILL from a sibling container; the kubelet restarts it in place.
    fn crash_container(&self, ordinal: usize, container: &str) -> anyhow::Result<()> {
        self.kill_and_wait(ordinal, container).map(|_| ())
    }

    fn freeze_container(
        &self,
        ordinal: usize,
        container: &str,
        frozen: bool,
    ) -> anyhow::Result<()> {
        self.hold_container(ordinal, container, frozen)
    }

    fn run_job(&self, name: &str, timeout: Duration) -> anyhow::Result<super::jobs::JobRun> {
        job::run(self, name, timeout)
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
        (0..self.spec.replicas)
            .find(|&i| crate::kube_names::names_pod(host, &self.spec.pod_name(i)))
    }
}
