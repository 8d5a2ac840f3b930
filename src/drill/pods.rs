//! Pods as a kubelet runs them: init containers in order, then the containers, restarted
//! when they exit (with back-off) or fail liveness; readiness decides the pod's DNS records
//! (see `dns`). Deletion runs `preStop` hooks, then SIGTERM, the grace period, SIGKILL.
//! Each container is PID 1 of its own PID namespace, in its own cgroup; a pod with
//! `shareProcessNamespace: true` gets a pause whose reaping init is the PID 1 its
//! containers share. Probes and hooks run inside the container (`nsenter`).

use super::cgroup::{Cgroup, Limits, Roots};
use super::cluster::ProcessCount;
use super::dns::Dns;
use super::env;
use super::jobs::{JobRun, JobTemplate};
use super::process::{self, Placement, Process};
use super::procfs;
use super::sandbox::{DRILL_BIN, Mount, PidNamespace, Sandbox};
use super::security::{Identity, PodSecurity};
use super::spec::{HaSpec, SecretData};
use super::userland::{DRILL_BUSYBOX, is_alpine_image};
use super::volumes::{self, HostVolume};
use anyhow::Context;
use k8s_openapi::api::core::v1::{Container, Probe};
use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What all pods of a set share: the spec, the run directory, cluster DNS, the pods' network.
pub struct Node {
    /// The set as created; `update` replaces it once applied, and each further apply swaps
    /// them back (see `rollout`).
    pub initial: HaSpec,
    pub update: Option<HaSpec>,
    pub applied: std::sync::atomic::AtomicBool,
    /// The Secrets as they are now: the spec's, unless a scenario changed one since.
    pub secrets: std::sync::RwLock<std::collections::BTreeMap<String, SecretData>>,
    pub run_dir: PathBuf,
    pub bin_dir: PathBuf,
    pub dns: Dns,
    pub netns: Vec<String>,
    /// The set's directory in each cgroup controller this machine offers.
    pub cgroup_roots: Roots,
    /// `pids.max` of each container's cgroup.
    pub pids_limit: u32,
    /// BusyBox applets for containers of Alpine images (see `userland`).
    pub busybox_dir: Option<PathBuf>,
    /// UIDs, groups and volume ownership of the pods (see `security`).
    pub security: PodSecurity,
}

impl Node {
    /// The set's objects as they are now: the pods started from here on follow them.
    pub fn spec(&self) -> &HaSpec {
        match &self.update {
            Some(update) if self.applied.load(Ordering::SeqCst) => update,
            _ => &self.initial,
        }
    }

    pub fn log_path(&self, ordinal: usize, container: &str) -> PathBuf {
        self.run_dir
            .join("logs")
            .join(self.spec().pod_name(ordinal))
            .join(format!("{container}.log"))
    }
}

#[derive(Default)]
struct ContainerState {
    process: Option<Process>,
    /// Stopped by a fault: the kubelet leaves it stopped.
    held: bool,
    restarts: u32,
    next_start: Option<Instant>,
    started: Option<Instant>,
    ready: bool,
    /// The startup probe passed (or there is none): readiness and liveness probes run.
    started_up: bool,
    startup_due: Option<Instant>,
    readiness_due: Option<Instant>,
    liveness_due: Option<Instant>,
    /// Consecutive failures of the startup or liveness probe.
    failures: i32,
    /// OOM kills of the container's cgroup seen so far.
    oom_kills: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ProbeKind {
    Startup,
    Readiness,
    Liveness,
}

fn first_due(probe: &Option<Probe>, now: Instant) -> Option<Instant> {
    probe
        .as_ref()
        .map(|p| now + seconds(p.initial_delay_seconds, 0))
}

#[derive(Default)]
struct PodState {
    running: bool,
    initialized: bool,
    volumes: BTreeMap<String, HostVolume>,
    containers: BTreeMap<String, ContainerState>,
    kubelet: Option<JoinHandle<()>>,
    /// The pause of a pod sharing its PID namespace.
    pause: Option<Process>,
}

pub struct Pod {
    pub ordinal: usize,
    node: Arc<Node>,
    state: Mutex<PodState>,
    /// Bumped by every start/stop: a kubelet loop of an older generation ends.
    generation: AtomicU64,
    /// Host pid of the pause's init (PID 1 of the pod's shared PID namespace), or 0.
    pause_pid: AtomicI32,
}

const TICK: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

fn seconds(value: Option<i32>, default: i32) -> Duration {
    Duration::from_secs(u64::try_from(value.unwrap_or(default)).unwrap_or(0))
}

impl Pod {
    pub fn new(node: Arc<Node>, ordinal: usize) -> Arc<Pod> {
        Arc::new(Pod {
            ordinal,
            node,
            state: Mutex::new(PodState::default()),
            generation: AtomicU64::new(0),
            pause_pid: AtomicI32::new(0),
        })
    }

    fn state(&self) -> MutexGuard<'_, PodState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn name(&self) -> String {
        self.node.spec().pod_name(self.ordinal)
    }

    pub fn is_running(&self) -> bool {
        self.state().running
    }

    /// Running, initialized, and every container running and ready.
    pub fn is_ready(&self) -> bool {
        let state = self.state();
        state.running
            && state.initialized
            && state
                .containers
                .values()
                .all(|c| c.process.is_some() && c.ready)
    }

    fn grace(&self) -> Duration {
        seconds(
            self.node
                .spec()
                .pod
                .termination_grace_period_seconds
                .map(|s| s as i32),
            30,
        )
    }

    fn sandbox(
        &self,
        container: &Container,
        volumes: &BTreeMap<String, HostVolume>,
    ) -> anyhow::Result<Sandbox> {
        let node = &self.node;
        let identity = node.security.identity(&node.spec().pod, container)?;
        self.sandbox_as(container, volumes, identity)
    }

    /// The sandbox of `container` on this pod's network, running as `identity`.
    fn sandbox_as(
        &self,
        container: &Container,
        volumes: &BTreeMap<String, HostVolume>,
        identity: Identity,
    ) -> anyhow::Result<Sandbox> {
        let node = &self.node;
        let mut mounts = Vec::new();
        for mount in container.volume_mounts.iter().flatten() {
            let volume = volumes.get(&mount.name).with_context(|| {
                format!(
                    "container {:?} mounts volume {:?}, which the pod does not define",
                    container.name, mount.name
                )
            })?;
            let host = match mount.sub_path.as_deref() {
                Some(sub) if !sub.is_empty() => volume.path.join(sub),
                _ => volume.path.clone(),
            };
            if !host.exists() {
                std::fs::create_dir_all(&host)?;
            }
            mounts.push(Mount {
                host,
                path: mount.mount_path.clone(),
                read_only: volume.read_only || mount.read_only.unwrap_or(false),
            });
        }
        let busybox_dir = container
            .image
            .as_deref()
            .filter(|image| is_alpine_image(image))
            .and(node.busybox_dir.clone());
        let path_prefix = match busybox_dir {
            Some(_) => format!("{DRILL_BIN}:{DRILL_BUSYBOX}"),
            None => DRILL_BIN.to_string(),
        };
        Ok(Sandbox {
            netns: node.netns[self.ordinal].clone(),
            hostname: self.name(),
            etc_dir: node.dns.etc_dir(self.ordinal).to_path_buf(),
            bin_dir: node.bin_dir.clone(),
            mounts,
            env: env::environment(
                node.spec(),
                &node.secrets.read().unwrap_or_else(|p| p.into_inner()),
                container,
                self.ordinal,
                node.dns.ip(self.ordinal),
                &path_prefix,
            )?,
            working_dir: container.working_dir.clone(),
            pid: if self.shares_pids() {
                PidNamespace::Pod
            } else {
                PidNamespace::Own
            },
            busybox_dir,
            identity: Some(identity),
        })
    }

    fn shares_pids(&self) -> bool {
        self.node.spec().pod.share_process_namespace == Some(true)
    }

    /// The cgroups of `container`: the set's pid limit, its memory and CPU limits.
    fn cgroup(&self, container: &str) -> anyhow::Result<Option<Cgroup>> {
        let roots = &self.node.cgroup_roots;
        if roots.all().next().is_none() {
            return Ok(None);
        }
        let spec = self.node.spec().container(container);
        let resources = spec.and_then(|c| c.resources.as_ref());
        let quantity = |which: &str, limits: bool| -> Option<f64> {
            let map = if limits {
                resources?.limits.as_ref()?
            } else {
                resources?.requests.as_ref()?
            };
            crate::model::units::quantity(&map.get(which)?.0)
        };
        let limits = Limits {
            // One more than the limit: the sandbox's own process (`bwrap`, which a container
            // runtime's shim would be) sits in the cgroup too.
            pids_max: self.node.pids_limit + 1,
            memory_bytes: quantity("memory", true).map(|b| b as u64),
            cpu_limit_millis: quantity("cpu", true).map(|c| (c * 1000.0).ceil() as u64),
            cpu_request_millis: quantity("cpu", false).map(|c| (c * 1000.0).ceil() as u64),
        };
        Cgroup::create(roots, &self.name(), container, &limits).map(Some)
    }

    /// Where a process of `container` goes: its cgroup, the pod's PID namespace if shared.
    fn placement<'a>(&self, cgroup: Option<&'a Cgroup>) -> anyhow::Result<Placement<'a>> {
        let pid_namespace_of = if self.shares_pids() {
            match self.pause_pid.load(Ordering::SeqCst) {
                0 => anyhow::bail!("the pod's pause is not running"),
                pid => Some(pid),
            }
        } else {
            None
        };
        Ok(Placement {
            cgroup,
            pid_namespace_of,
        })
    }

    fn spawn(
        &self,
        container: &Container,
        volumes: &BTreeMap<String, HostVolume>,
    ) -> anyhow::Result<Process> {
        let sandbox = self.sandbox(container, volumes)?;
        let argv = env::argv(container, &sandbox.env);
        let cgroup = self.cgroup(&container.name)?;
        let placement = self.placement(cgroup.as_ref())?;
        Ok(Process::spawn_in(
            sandbox.command(&argv),
            &self.node.log_path(self.ordinal, &container.name),
            &placement,
        )?
        .owning(cgroup))
    }

    /// The pause of a pod with `shareProcessNamespace: true`: bwrap's init, which reaps
    /// every orphan, is PID 1 of the namespace the containers join.
    fn start_pause(&self) -> anyhow::Result<Process> {
        let node = &self.node;
        let sandbox = Sandbox {
            netns: node.netns[self.ordinal].clone(),
            hostname: self.name(),
            etc_dir: node.dns.etc_dir(self.ordinal).to_path_buf(),
            bin_dir: node.bin_dir.clone(),
            mounts: Vec::new(),
            env: vec![("PATH".into(), "/usr/bin:/bin".into())],
            working_dir: None,
            pid: PidNamespace::OwnWithInit,
            busybox_dir: None,
            identity: None,
        };
        let argv = ["sleep".to_string(), "infinity".to_string()];
        let pause = Process::spawn(
            sandbox.command(&argv),
            &node.log_path(self.ordinal, "pause"),
        )?;
        let init = process::main_pid_of(pause.leader())
            .context("the pod's pause did not start its init")?;
        self.pause_pid.store(init, Ordering::SeqCst);
        Ok(pause)
    }

    /// Write Secret `name`'s new `data` into this pod's volumes, if it runs (the kubelet
    /// updates Secret volumes of running pods).
    pub fn refresh_secret(&self, name: &str, data: &SecretData) -> anyhow::Result<()> {
        let state = self.state();
        if !state.running {
            return Ok(());
        }
        volumes::refresh_secret(
            self.node.spec(),
            &state.volumes,
            name,
            data,
            &self.node.security,
        )
    }

    /// Create the pod (as the StatefulSet controller would); the kubelet runs it.
    pub fn start(self: &Arc<Self>) -> anyhow::Result<()> {
        let mut state = self.state();
        if state.running {
            return Ok(());
        }
        state.volumes = volumes::prepare(
            &self.node.run_dir,
            self.node.spec(),
            &self.node.secrets.read().unwrap_or_else(|p| p.into_inner()),
            self.ordinal,
            &self.node.security,
        )?;
        if self.shares_pids() {
            state.pause = Some(self.start_pause()?);
        }
        state.running = true;
        state.initialized = false;
        state.containers = self
            .node
            .spec()
            .pod
            .containers
            .iter()
            .map(|c| (c.name.clone(), ContainerState::default()))
            .collect();
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let pod = Arc::clone(self);
        state.kubelet = Some(std::thread::spawn(move || pod.kubelet(generation)));
        drop(state);
        self.publish();
        Ok(())
    }

    fn current(&self, generation: u64) -> bool {
        self.generation.load(Ordering::SeqCst) == generation
    }

    fn publish(&self) {
        let running = self.is_running();
        self.node.dns.set(self.ordinal, running, self.is_ready());
    }

    fn kubelet(self: Arc<Self>, generation: u64) {
        if !self.run_init_containers(generation) {
            return;
        }
        while self.current(generation) {
            self.supervise(generation);
            self.publish();
            std::thread::sleep(TICK);
        }
    }

    /// Each init container to success, in order; a failing one is retried with back-off.
    fn run_init_containers(&self, generation: u64) -> bool {
        let node = Arc::clone(&self.node);
        for container in node.spec().pod.init_containers.iter().flatten() {
            let mut backoff = Duration::from_secs(1);
            loop {
                let volumes = self.state().volumes.clone();
                let mut process = match self.spawn(container, &volumes) {
                    Ok(p) => p,
                    Err(err) => {
                        self.note(&container.name, &format!("cannot start: {err:#}"));
                        return false;
                    }
                };
                let status = loop {
                    if !self.current(generation) {
                        process.kill();
                        return false;
                    }
                    if let Some(status) = process.exited() {
                        break status;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                };
                if status.success() {
                    break;
                }
                self.note(
                    &container.name,
                    &format!("init container exited: {status}; retrying"),
                );
                let until = Instant::now() + backoff;
                while Instant::now() < until {
                    if !self.current(generation) {
                        return false;
                    }
                    std::thread::sleep(TICK);
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
        let mut state = self.state();
        if self.current(generation) {
            state.initialized = true;
        }
        true
    }

    /// A line of the drill's own in the container's log (as `kubectl describe` events).
    fn note(&self, container: &str, message: &str) {
        use std::io::Write;
        let path = self.node.log_path(self.ordinal, container);
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "[drill] {} {container}: {message}", self.name());
        }
    }

    /// One kubelet pass: reap exited containers, (re)start due ones, run due probes.
    fn supervise(&self, generation: u64) {
        let node = Arc::clone(&self.node);
        let now = Instant::now();
        let mut due: Vec<(String, Probe, ProbeKind)> = Vec::new();
        {
            let mut state = self.state();
            if !self.current(generation) {
                return;
            }
            let volumes = state.volumes.clone();
            for container in &node.spec().pod.containers {
                let Some(cs) = state.containers.get_mut(&container.name) else {
                    continue;
                };
                if let Some(process) = cs.process.as_mut()
                    && let Some(status) = process.exited()
                {
                    let oom = self.oom_kills(&container.name);
                    let reason = if oom > cs.oom_kills {
                        cs.oom_kills = oom;
                        " (OOMKilled)"
                    } else {
                        ""
                    };
                    cs.process = None;
                    cs.ready = false;
                    // The kubelet restarts a container that exited for the first time at
                    // once, later ones after a doubling back-off (compressed here: 1 s, 2 s, …).
                    let backoff = match cs.restarts {
                        0 => Duration::ZERO,
                        n => Duration::from_secs(1 << (n - 1).min(4)).min(MAX_BACKOFF),
                    };
                    cs.restarts += 1;
                    cs.next_start = Some(now + backoff);
                    self.note(
                        &container.name,
                        &format!("exited: {status}{reason}; restart in {backoff:?}"),
                    );
                }
                if cs.process.is_none() && !cs.held && cs.next_start.is_none_or(|t| now >= t) {
                    match self.spawn(container, &volumes) {
                        Ok(process) => {
                            cs.process = Some(process);
                            cs.started = Some(now);
                            cs.ready = container.readiness_probe.is_none();
                            cs.started_up = container.startup_probe.is_none();
                            cs.startup_due = first_due(&container.startup_probe, now);
                            if cs.started_up {
                                cs.readiness_due = first_due(&container.readiness_probe, now);
                                cs.liveness_due = first_due(&container.liveness_probe, now);
                            }
                            cs.failures = 0;
                        }
                        Err(err) => {
                            self.note(&container.name, &format!("cannot start: {err:#}"));
                            cs.next_start = Some(now + MAX_BACKOFF);
                        }
                    }
                }
                if cs.process.is_none() {
                    continue;
                }
                let probes = if cs.started_up {
                    [
                        (
                            &container.readiness_probe,
                            &mut cs.readiness_due,
                            ProbeKind::Readiness,
                        ),
                        (
                            &container.liveness_probe,
                            &mut cs.liveness_due,
                            ProbeKind::Liveness,
                        ),
                    ]
                } else {
                    [
                        (
                            &container.startup_probe,
                            &mut cs.startup_due,
                            ProbeKind::Startup,
                        ),
                        (&None, &mut cs.liveness_due, ProbeKind::Liveness),
                    ]
                };
                for (probe, due_at, kind) in probes {
                    if let (Some(probe), Some(at)) = (probe, *due_at)
                        && now >= at
                    {
                        *due_at = Some(now + seconds(probe.period_seconds, 10));
                        due.push((container.name.clone(), probe.clone(), kind));
                    }
                }
            }
        }
        for (name, probe, kind) in due {
            let passed = self.probe(&name, &probe);
            let mut state = self.state();
            if !self.current(generation) {
                return;
            }
            let Some(cs) = state.containers.get_mut(&name) else {
                continue;
            };
            if cs.process.is_none() {
                continue;
            }
            if kind == ProbeKind::Readiness {
                cs.ready = passed;
                continue;
            }
            if kind == ProbeKind::Startup && passed {
                let container = node.spec().container(&name);
                cs.started_up = true;
                cs.readiness_due =
                    container.and_then(|c| first_due(&c.readiness_probe, Instant::now()));
                cs.liveness_due =
                    container.and_then(|c| first_due(&c.liveness_probe, Instant::now()));
                cs.failures = 0;
                continue;
            }
            cs.failures = if passed { 0 } else { cs.failures + 1 };
            if cs.failures >= probe.failure_threshold.unwrap_or(3) {
                self.note(
                    &name,
                    &format!(
                        "{kind:?} probe failed {} times; restarting the container",
                        cs.failures
                    ),
                );
                let process = cs.process.take();
                cs.restarts += 1;
                cs.next_start = None;
                cs.ready = false;
                drop(state);
                if let Some(mut process) = process {
                    process.terminate(self.grace());
                }
            }
        }
    }

    /// OOM kills in `container`'s memory cgroup since the set started.
    fn oom_kills(&self, container: &str) -> u64 {
        self.cgroup(container)
            .ok()
            .flatten()
            .map_or(0, |cgroup| cgroup.oom_kills())
    }

    /// Run one probe against a container of this pod.
    fn probe(&self, container: &str, probe: &Probe) -> bool {
        let timeout = seconds(probe.timeout_seconds, 1);
        if let Some(exec) = &probe.exec {
            let argv = exec.command.clone().unwrap_or_default();
            return self.exec(container, &argv, timeout).is_ok_and(|ok| ok);
        }
        if let Some(tcp) = &probe.tcp_socket {
            let port = match &tcp.port {
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(p) => *p,
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(_) => 0,
            };
            let Ok(port) = u16::try_from(port) else {
                return false;
            };
            let addr = SocketAddr::from((self.node.dns.ip(self.ordinal), port));
            return TcpStream::connect_timeout(&addr, timeout).is_ok();
        }
        // httpGet/grpc probes have nothing to answer them in a Redis pod: count as passing.
        true
    }

    /// `kubectl exec`: run `argv` in `container`; Ok(true) when it exits 0 within `timeout`.
    pub fn exec(
        &self,
        container: &str,
        argv: &[String],
        timeout: Duration,
    ) -> anyhow::Result<bool> {
        let spec = self
            .node
            .spec()
            .container(container)
            .with_context(|| format!("no container {container:?} in the pod"))?
            .clone();
        let (volumes, leader) = {
            let state = self.state();
            let leader = state
                .containers
                .get(container)
                .and_then(|cs| cs.process.as_ref())
                .map(Process::leader);
            (state.volumes.clone(), leader)
        };
        let leader = leader.with_context(|| format!("container {container:?} is not running"))?;
        let target = process::main_pid_of(leader)
            .with_context(|| format!("container {container:?} has no process"))?;
        let sandbox = self.sandbox(&spec, &volumes)?;
        let log = self
            .node
            .log_path(self.ordinal, &format!("{container}.exec"));
        // An exec joins the container's cgroup (and counts against its pid limit), as CRI's.
        let cgroup = self.cgroup(container)?;
        let placement = Placement {
            cgroup: cgroup.as_ref(),
            pid_namespace_of: None,
        };
        let mut process = Process::spawn_in(sandbox.exec_command(target, argv), &log, &placement)?;
        Ok(process.wait_for(timeout).is_some_and(|s| s.success()))
    }

    /// Run one pod of CronJob `job` on this pod's network (see `jobs`) until its container
    /// exits, at most `timeout`.
    pub fn run_job(&self, job: &JobTemplate, timeout: Duration) -> anyhow::Result<JobRun> {
        let node = &self.node;
        let container = job
            .pod
            .containers
            .first()
            .with_context(|| format!("CronJob {} has no container", job.name))?;
        let security = PodSecurity::of(&job.pod)?;
        let volumes = volumes::prepare_job(
            &node.run_dir,
            node.spec(),
            &node.secrets.read().unwrap_or_else(|p| p.into_inner()),
            &job.name,
            &job.pod,
            &security,
        )?;
        let mut sandbox =
            self.sandbox_as(container, &volumes, security.identity(&job.pod, container)?)?;
        sandbox.pid = PidNamespace::Own;
        let argv = env::argv(container, &sandbox.env);
        let log = node.run_dir.join("jobs").join(&job.name).join("log");
        let _ = std::fs::remove_file(&log);
        let mut process = Process::spawn(sandbox.command(&argv), &log)?;
        let succeeded = process.wait_for(timeout).is_some_and(|s| s.success());
        Ok(JobRun {
            succeeded,
            log: log_tail(&log, 40),
        })
    }

    /// Stop the kubelet loop and take every container process.
    fn stop_kubelet(&self) -> Vec<(String, Process)> {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let handle = self.state().kubelet.take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
        let mut state = self.state();
        state
            .containers
            .iter_mut()
            .filter_map(|(name, cs)| Some((name.clone(), cs.process.take()?)))
            .collect()
    }

    /// The pod's processes are gone: its pause goes too (and with its init, anything left
    /// in the shared PID namespace).
    fn gone(&self) {
        let mut state = self.state();
        state.running = false;
        state.initialized = false;
        let pause = state.pause.take();
        drop(state);
        if let Some(mut pause) = pause {
            pause.kill();
        }
        self.pause_pid.store(0, Ordering::SeqCst);
        self.publish();
    }

    /// Zombies and pids of every running container (and of the pause, which reaps).
    pub fn processes(&self) -> Vec<ProcessCount> {
        let table = procfs::table();
        let state = self.state();
        let mut counts: Vec<ProcessCount> = state
            .containers
            .iter()
            .filter_map(|(name, cs)| Some((name, cs.process.as_ref()?)))
            .map(|(name, process)| {
                let cgroup = self.cgroup(name).ok().flatten();
                let pids = cgroup.as_ref().and_then(Cgroup::pids_current);
                ProcessCount {
                    oom_kills: cgroup.as_ref().map_or(0, Cgroup::oom_kills),
                    ..ProcessCount::of(
                        &self.name(),
                        name,
                        &procfs::descendants(&table, process.leader()),
                        pids,
                    )
                }
            })
            .collect();
        if let Some(pause) = &state.pause {
            counts.push(ProcessCount::of(
                &self.name(),
                "pause",
                &procfs::descendants(&table, pause.leader()),
                None,
            ));
        }
        counts
    }

    /// SIGKILL every process of the pod, no preStop (a node crash, `kill -9`).
    pub fn kill(&self) {
        for (_, mut process) in self.stop_kubelet() {
            process.kill();
        }
        self.gone();
    }

    /// Graceful deletion: preStop hooks, SIGTERM, up to the grace period, SIGKILL.
    pub fn delete(&self) {
        if !self.is_running() {
            return;
        }
        let deadline = Instant::now() + self.grace();
        let hooks: Vec<(String, Vec<String>)> = self
            .node
            .spec()
            .pod
            .containers
            .iter()
            .filter_map(|c| {
                let exec = c.lifecycle.as_ref()?.pre_stop.as_ref()?.exec.as_ref()?;
                Some((c.name.clone(), exec.command.clone().unwrap_or_default()))
            })
            .collect();
        std::thread::scope(|scope| {
            for (name, argv) in &hooks {
                scope.spawn(move || {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if !self.exec(name, argv, left).unwrap_or(false) {
                        self.note(name, "preStop hook failed or timed out");
                    }
                });
            }
        });
        let processes = self.stop_kubelet();
        std::thread::scope(|scope| {
            for (_, mut process) in processes {
                // At least 2 s to exit, as the kubelet grants after a preStop that used it all.
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_secs(2));
                scope.spawn(move || process.terminate(left));
            }
        });
        self.gone();
    }

    /// SIGSTOP (or SIGCONT) every process of the pod.
    pub fn freeze(&self, frozen: bool) {
        let state = self.state();
        for cs in state.containers.values() {
            if let Some(process) = &cs.process {
                process.freeze(frozen);
            }
        }
    }

    /// SIGSTOP (or SIGCONT) the processes of one container.
    pub fn freeze_container(&self, container: &str, frozen: bool) {
        if let Some(process) = self
            .state()
            .containers
            .get(container)
            .and_then(|cs| cs.process.as_ref())
        {
            process.freeze(frozen);
        }
    }

    /// Stop one container and keep it stopped, or let the kubelet start it again.
    pub fn hold_container(&self, container: &str, held: bool) {
        self.stop_container(container, held, false);
    }

    /// SIGKILL one container (no grace) and keep it stopped until `hold_container(…, false)`.
    pub fn kill_container(&self, container: &str) {
        self.stop_container(container, true, true);
    }

    fn stop_container(&self, container: &str, held: bool, kill: bool) {
        let process = {
            let mut state = self.state();
            let Some(cs) = state.containers.get_mut(container) else {
                return;
            };
            cs.held = held;
            cs.next_start = None;
            cs.ready = false;
            if held { cs.process.take() } else { None }
        };
        if let Some(mut process) = process {
            if kill {
                process.kill();
            } else {
                process.terminate(self.grace());
            }
        }
    }

    /// SIGKILL one container and leave it to the kubelet, which sees it exit and restarts it
    /// in place with its back-off (a crash).
    pub fn crash_container(&self, container: &str) {
        let mut state = self.state();
        if let Some(process) = state
            .containers
            .get_mut(container)
            .and_then(|cs| cs.process.as_mut())
        {
            process.kill();
        }
    }

    /// The last `lines` lines of a container's log.
    pub fn log_tail(&self, container: &str, lines: usize) -> Vec<String> {
        log_tail(&self.node.log_path(self.ordinal, container), lines)
    }
}

pub fn log_tail(path: &Path, lines: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}
