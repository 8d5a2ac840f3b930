//! The kubectl backend: pods from `kubectl get pods -l SELECTOR -o json`, questions through
//! `kubectl exec POD -c redis|sentinel -- sh -c … redis-cli -p PORT …`.
//!
//! `redis-cli` prints plain text when its output is not a terminal; the query's [`Shape`]
//! says how to read it back (crate::kubectl_exec: the command line and the reading the
//! drill's kubectl target shares). A password and TLS are the pod's business, read as its own
//! scripts do: in the Redis and the Sentinel container, the file `REDIS_PASSWORD_FILE` names
//! (the generated manifests' Secret volume; Sentinel requires the same password), or else
//! `REDIS_PASSWORD` (a Secret env), when set, becomes
//! `redis-cli`'s `REDISCLI_AUTH` inside the pod — it never crosses a command line (a
//! Sentinel without a password answers anyway: `redis-cli` goes on after a refused `AUTH`).
//! A server that refuses that password is asked again with the container's previous one
//! (`REDIS_PREVIOUS_PASSWORD_FILE`, during a rotation), and the report says so.
//! `TLS_CA_CERT_FILE` (set under
//! `tls.enabled`) turns on `--tls --cacert` with it, unless `--tls` said which CA to use.

use super::{Backend, Instance, Kind, Query};
use crate::deadline_command::{Finished, output_until};
use crate::kubectl_exec::{self, REDIS_CONTAINER, SENTINEL_CONTAINER};
use crate::resp::Reply;
use anyhow::{Context, bail};
use serde_json::Value as Json;
use std::process::Command;
use std::time::Instant;

/// Makes the container's password, if any, `redis-cli`'s: the file `REDIS_PASSWORD_FILE`
/// names (the generated manifests mount the Secret), else `REDIS_PASSWORD`.
const AUTH_FROM_POD_ENV: &str = r#"if [ -n "${REDIS_PASSWORD_FILE:-}" ]; then REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE"); export REDISCLI_AUTH; elif [ -n "${REDIS_PASSWORD:-}" ]; then export REDISCLI_AUTH="$REDIS_PASSWORD"; fi; "#;
/// Makes `redis-cli` speak TLS with the container's `TLS_CA_CERT_FILE`, if set.
const TLS_FROM_POD_ENV: &str = r#"if [ -n "${TLS_CA_CERT_FILE:-}" ]; then set -- --tls --cacert "$TLS_CA_CERT_FILE" "$@"; fi; "#;
/// Runs `redis-cli`; when the server refuses the password (`NOAUTH`, `WRONGPASS`) and the
/// container has a previous one (`REDIS_PREVIOUS_PASSWORD_FILE`, mounted during a rotation:
/// a pod not restarted yet knows only the old password), asks again with it and says so on
/// stderr ([`PREVIOUS_PASSWORD_MARK`]).
const RUN_WITH_PREVIOUS_ON_REFUSAL: &str = r#"out=$(redis-cli "$@"); rc=$?; case $out in NOAUTH* | WRONGPASS*) if [ -n "${REDIS_PREVIOUS_PASSWORD_FILE:-}" ] && REDISCLI_AUTH=$(cat "$REDIS_PREVIOUS_PASSWORD_FILE" 2>/dev/null) && [ -n "$REDISCLI_AUTH" ]; then export REDISCLI_AUTH; out=$(redis-cli "$@"); rc=$?; case $out in NOAUTH* | WRONGPASS*) ;; *) echo "redis-ha-gen: previous-password" >&2 ;; esac; fi ;; esac; printf '%s' "$out"; echo; exit $rc"#;
/// What the pod's shell prints on stderr when only the previous password was accepted.
const PREVIOUS_PASSWORD_MARK: &str = "redis-ha-gen: previous-password";

pub struct Kubectl {
    pub namespace: String,
    pub selector: String,
    /// The CA file inside the pods (`redis-cli --tls --cacert`); `None`: as the pod's
    /// `TLS_CA_CERT_FILE` says.
    pub tls_ca: Option<String>,
    /// Every kubectl call of the run ends by then (`status --timeout`): a call still running
    /// is killed, and the run cannot be judged.
    pub deadline: Instant,
    /// The call that ran past the deadline, once one did.
    pub fatal: Option<String>,
    /// What `instances` noticed in the pods' spec (see [`size_notes`]).
    pub notes: Vec<String>,
    /// The containers that refused the pod's password and accepted its previous one.
    pub previous_password: Vec<String>,
}

impl Kubectl {
    pub fn new(
        namespace: String,
        selector: String,
        tls_ca: Option<String>,
        deadline: Instant,
    ) -> Self {
        Kubectl {
            namespace,
            selector,
            tls_ca,
            deadline,
            fatal: None,
            notes: Vec::new(),
            previous_password: Vec::new(),
        }
    }

    fn kubectl(&self) -> Command {
        let mut command = kubectl_exec::kubectl("kubectl".as_ref(), &self.namespace);
        // kubectl's own limit too, so the API server stops the request as well.
        let seconds = self
            .deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64()
            .ceil()
            .max(1.0);
        command.arg(format!("--request-timeout={seconds}s"));
        command
    }

    /// Run a kubectl `command` described as `what` within the run's deadline.
    fn run(&mut self, command: &mut Command, what: &str) -> anyhow::Result<Finished> {
        if let Some(why) = &self.fatal {
            bail!("{why}");
        }
        match output_until(command, self.deadline)
            .context("could not run kubectl (is it installed and on PATH?)")?
        {
            Some(finished) => Ok(finished),
            None => {
                let why = format!("`{what}` was still running when the deadline passed");
                self.fatal = Some(why.clone());
                bail!("{why}")
            }
        }
    }
}

impl Backend for Kubectl {
    fn instances(&mut self) -> anyhow::Result<Vec<Instance>> {
        let mut command = self.kubectl();
        command.args(["get", "pods", "-l", &self.selector, "-o", "json"]);
        let what = format!(
            "kubectl get pods -n {} -l {}",
            self.namespace, self.selector
        );
        let output = self.run(&mut command, &what)?;
        if !output.status.success() {
            bail!(
                "kubectl get pods -n {} -l {} failed: {}",
                self.namespace,
                self.selector,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let list: Json = serde_json::from_slice(&output.stdout)
            .context("kubectl get pods -o json printed something that is not JSON")?;
        let mut pods: Vec<&Json> = list["items"].as_array().into_iter().flatten().collect();
        pods.sort_by_key(|pod| pod["metadata"]["name"].as_str().unwrap_or_default());
        self.notes = size_notes(&pods);
        Ok(pods.into_iter().flat_map(pod_instances).collect())
    }

    fn notes(&self) -> Vec<String> {
        let mut notes = self.notes.clone();
        notes.extend(super::previous_password_note(&self.previous_password));
        notes
    }

    fn ask(&mut self, instance: &Instance, query: &Query) -> Result<Reply, String> {
        let (pod, container) = instance
            .name
            .split_once('/')
            .ok_or_else(|| format!("{} names no container", instance.name))?;
        let mut command = self.kubectl();
        let tls = if self.tls_ca.is_some() {
            ""
        } else {
            TLS_FROM_POD_ENV
        };
        let script = format!("{AUTH_FROM_POD_ENV}{tls}{RUN_WITH_PREVIOUS_ON_REFUSAL}");
        command.args(kubectl_exec::redis_cli_argv(
            pod,
            container,
            Some(&script),
            instance.port,
            self.tls_ca.as_deref(),
            &query.args[..],
        ));
        let what = format!("kubectl exec {pod} -c {container}");
        let output = self
            .run(&mut command, &what)
            .map_err(|e| format!("{e:#}"))?;
        let reply = kubectl_exec::read_output(
            output.status.success(),
            &output.stdout,
            &output.stderr,
            query.shape,
        )?;
        if output.status.success()
            && String::from_utf8_lossy(&output.stderr)
                .lines()
                .any(|l| l.trim() == PREVIOUS_PASSWORD_MARK)
            && !self.previous_password.contains(&instance.name)
        {
            self.previous_password.push(instance.name.clone());
        }
        Ok(reply)
    }

    fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }
}

/// The generated pods read the set's size from their `REPLICAS` env; a StatefulSet scaled
/// with `kubectl scale` runs another number of pods (every pod of the selector is listed,
/// Pending ones too), and its Sentinels keep counting the departed ones.
fn size_notes(pods: &[&Json]) -> Vec<String> {
    let mut sizes: Vec<u64> = pods
        .iter()
        .flat_map(|pod| pod["spec"]["containers"].as_array().into_iter().flatten())
        .flat_map(|c| c["env"].as_array().into_iter().flatten())
        .filter(|e| e["name"] == "REPLICAS")
        .filter_map(|e| e["value"].as_str()?.trim().parse().ok())
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
        .into_iter()
        .filter(|&n| n != pods.len() as u64)
        .map(|n| {
            format!(
                "the pods say REPLICAS={n} but {} pod(s) run: the StatefulSet was scaled without \
                 re-rendering (`redis-ha-gen explain replicas-out-of-sync`); re-render with \
                 redis.replicas={} and apply",
                pods.len(),
                pods.len()
            )
        })
        .collect()
}

/// The Redis and Sentinel containers of one pod, named `pod/container`.
fn pod_instances(pod: &Json) -> Vec<Instance> {
    let name = pod["metadata"]["name"].as_str().unwrap_or("?");
    let phase = pod["status"]["phase"].as_str().unwrap_or("Unknown");
    let mut hosts = vec![name.to_owned()];
    if let Some(ip) = pod["status"]["podIP"].as_str() {
        hosts.push(ip.to_owned());
    }
    let containers = pod["spec"]["containers"].as_array().into_iter().flatten();
    containers
        .filter_map(|container| {
            let cname = container["name"].as_str()?;
            let (kind, default_port) = match cname {
                REDIS_CONTAINER => (Kind::Redis, 6379),
                SENTINEL_CONTAINER => (Kind::Sentinel, 26379),
                _ => return None,
            };
            let port = container["ports"][0]["containerPort"]
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(default_port);
            let down = if phase == "Running" {
                container_down(pod, cname)
            } else {
                Some(format!("pod is {phase}"))
            };
            Some(Instance {
                name: format!("{name}/{cname}"),
                kind: Some(kind),
                hosts: hosts.clone(),
                port,
                down,
            })
        })
        .collect()
}

/// Why a container of a running pod cannot be asked (waiting, terminated), if it cannot.
fn container_down(pod: &Json, container: &str) -> Option<String> {
    let statuses = pod["status"]["containerStatuses"].as_array()?;
    let status = statuses.iter().find(|s| s["name"] == container)?;
    let state = &status["state"];
    if state.get("running").is_some() {
        return None;
    }
    let (what, detail) = if let Some(waiting) = state.get("waiting") {
        ("waiting", waiting["reason"].as_str())
    } else if let Some(terminated) = state.get("terminated") {
        ("terminated", terminated["reason"].as_str())
    } else {
        ("not running", None)
    };
    Some(match detail {
        Some(reason) => format!("container {container} {what}: {reason}"),
        None => format!("container {container} {what}"),
    })
}
