//! Pods as a kubelet runs them: init containers in order, then the containers, restarted
//! when they exit (CrashLoopBackOff, see `backoff`) or fail liveness (preStop first); one
//! thread per probe (see `prober`); readiness decides the pod's DNS records (see `dns`).
//! Deletion stops every container at once, each with its own `preStop` hook, then SIGTERM,
//! what is left of the grace period (at least 2 s), SIGKILL.
//! Each container is PID 1 of its own PID namespace, in its own cgroup; a pod with
//! `shareProcessNamespace: true` gets a pause whose reaping init is the PID 1 its
//! containers share. Probes and hooks run inside the container (`nsenter`).

use super::backoff::{self, BackOff};
use super::cgroup::{Cgroup, Limits, Roots};
use super::cluster::ProcessCount;
use super::dns::Dns;
use super::env;
use super::jobs::{JobRun, JobTemplate};
use super::prober::{self, Due, Kind};
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
pub struct SharedSet {
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

impl SharedSet {
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
    /// Being stopped by the kubelet after a liveness or startup failure (preStop, SIGTERM):
    /// started again once that is done.
    killing: bool,
    /// Bumped at each start: the probe workers count results of one instance only.
    instance: u64,
    /// When the newest exited instance finished (the status the kubelet judges back-off by).
    last_finished: Option<Instant>,
    /// The exit the next start is judged by: the back-off entry grows when it starts.
    restart_after: Option<Instant>,
    backoff: BackOff,
    next_start: Option<Instant>,
    started: Option<Instant>,
    ready: bool,
    /// The startup probe passed (or there is none): readiness and liveness probes run.
    started_up: bool,
    /// The readiness probe is to run now (the startup probe just passed).
    readiness_trigger: bool,
    /// OOM kills of the container's cgroup seen so far.
    oom_kills: u64,
}

#[derive(Default)]
struct PodState {
    running: bool,
    initialized: bool,
    volumes: BTreeMap<String, HostVolume>,
    containers: BTreeMap<String, ContainerState>,
    kubelet: Option<JoinHandle<()>>,
    /// The probe workers of the running generation (joined when the pod is gone, so none
    /// runs an exec after its containers).
    probers: Vec<JoinHandle<()>>,
    /// The pause of a pod sharing its PID namespace.
    pause: Option<Process>,
    /// Its node is lost (`Pod::lose_node`): the serial of that loss.
    node_lost: Option<u64>,
    /// The node lifecycle controller marked the lost node's pod NotReady.
    node_not_ready: bool,
}

pub struct Pod {
    pub ordinal: usize,
    node: Arc<SharedSet>,
    state: Mutex<PodState>,
    /// Bumped by every start/stop: a kubelet loop of an older generation ends.
    generation: AtomicU64,
    /// Host pid of the pause's init (PID 1 of the pod's shared PID namespace), or 0.
    pause_pid: AtomicI32,
}

const TICK: Duration = Duration::from_millis(100);
/// A container that cannot even be started is tried again this much later.
const START_RETRY: Duration = Duration::from_secs(10);
/// What a container gets after its preStop hook, however long the hook took
/// (`minimumGracePeriodInSeconds` in the kubelet's `kuberuntime_container.go`).
pub const MIN_GRACE: Duration = Duration::from_secs(2);

fn seconds(value: Option<i32>, default: i32) -> Duration {
    Duration::from_secs(u64::try_from(value.unwrap_or(default)).unwrap_or(0))
}

impl Pod {
    pub fn new(node: Arc<SharedSet>, ordinal: usize) -> Arc<Pod> {
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
            && !state.node_not_ready
            && state
                .containers
                .values()
                .all(|c| c.process.is_some() && c.started_up && c.ready)
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
        self.start_probers(generation);
        let epoch = Instant::now();
        if !self.run_init_containers(generation, epoch) {
            return;
        }
        let mut next_relist = Instant::now();
        while self.current(generation) {
            let now = Instant::now();
            let relist = now >= next_relist;
            if relist {
                next_relist = backoff::next_relist(epoch, now + TICK);
            }
            self.supervise(generation, relist);
            self.publish();
            std::thread::sleep(TICK);
        }
    }

    /// One worker thread per probe of each container, for this generation of the pod (the
    /// kubelet adds them when the pod is added).
    fn start_probers(self: &Arc<Self>, generation: u64) {
        let target = Arc::new(PodProbes {
            pod: Arc::clone(self),
            generation,
        });
        for container in &self.node.spec().pod.containers {
            for (kind, probe) in [
                (Kind::Startup, &container.startup_probe),
                (Kind::Readiness, &container.readiness_probe),
                (Kind::Liveness, &container.liveness_probe),
            ] {
                if let Some(probe) = probe {
                    let worker = prober::spawn(
                        Arc::clone(&target),
                        container.name.clone(),
                        kind,
                        probe.clone(),
                    );
                    self.state().probers.push(worker);
                }
            }
        }
    }

    /// Each init container to success, in order; a failing one is retried with the
    /// container back-off. The kubelet notices each exit at its next relist.
    fn run_init_containers(&self, generation: u64, epoch: Instant) -> bool {
        let node = Arc::clone(&self.node);
        for container in node.spec().pod.init_containers.iter().flatten() {
            let mut backoff = BackOff::default();
            let mut restart_after = None;
            loop {
                let volumes = self.state().volumes.clone();
                let mut process = match self.spawn(container, &volumes) {
                    Ok(p) => p,
                    Err(err) => {
                        self.note(&container.name, &format!("cannot start: {err:#}"));
                        return false;
                    }
                };
                if let Some(finished) = restart_after.take() {
                    backoff.restarted(finished, Instant::now());
                }
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
                let noticed = backoff::next_relist(epoch, Instant::now());
                let until = if status.success() {
                    noticed
                } else {
                    backoff.restart_at(noticed)
                };
                if !status.success() {
                    self.note(
                        &container.name,
                        &format!(
                            "init container exited: {status}; restart in {:?}",
                            until.saturating_duration_since(Instant::now())
                        ),
                    );
                    restart_after = Some(noticed);
                }
                while Instant::now() < until {
                    if !self.current(generation) {
                        return false;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                if status.success() {
                    break;
                }
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

    /// One kubelet pass: on a relist, note exited containers and when their back-off lets
    /// them start again; start due ones. Probes run in their own threads (`prober`).
    fn supervise(&self, generation: u64, relist: bool) {
        let node = Arc::clone(&self.node);
        let now = Instant::now();
        let mut state = self.state();
        if !self.current(generation) {
            return;
        }
        let volumes = state.volumes.clone();
        for container in &node.spec().pod.containers {
            let Some(cs) = state.containers.get_mut(&container.name) else {
                continue;
            };
            if cs.killing {
                continue;
            }
            if relist
                && let Some(process) = cs.process.as_mut()
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
                cs.last_finished = Some(now);
                cs.restart_after = Some(now);
                let at = cs.backoff.restart_at(now);
                cs.next_start = Some(at);
                self.note(
                    &container.name,
                    &format!(
                        "exited: {status}{reason}; restart in {:?}",
                        at.duration_since(now)
                    ),
                );
            }
            if cs.process.is_none() && !cs.held && cs.next_start.is_none_or(|t| now >= t) {
                match self.spawn(container, &volumes) {
                    Ok(process) => {
                        if let Some(finished) = cs.restart_after.take() {
                            cs.backoff.restarted(finished, now);
                        }
                        cs.process = Some(process);
                        cs.instance += 1;
                        cs.started = Some(now);
                        cs.next_start = None;
                        cs.ready = container.readiness_probe.is_none();
                        cs.started_up = container.startup_probe.is_none();
                        cs.readiness_trigger = cs.started_up;
                    }
                    Err(err) => {
                        self.note(&container.name, &format!("cannot start: {err:#}"));
                        cs.next_start = Some(now + START_RETRY);
                    }
                }
            }
        }
    }

    /// Whether the `kind` probe of `container` is to run now, and on which instance.
    fn probe_due(&self, generation: u64, container: &str, kind: Kind, probe: &Probe) -> Due {
        let state = self.state();
        if !self.current(generation) {
            return Due::Stop;
        }
        let Some(cs) = state.containers.get(container) else {
            return Due::Stop;
        };
        let Some(started) = cs.started.filter(|_| cs.process.is_some() && !cs.killing) else {
            return Due::Skip;
        };
        // Readiness and liveness wait for the startup probe, which stops once it passed.
        let gated = match kind {
            Kind::Startup => cs.started_up,
            Kind::Readiness | Kind::Liveness => !cs.started_up,
        };
        if gated || started.elapsed() < seconds(probe.initial_delay_seconds, 0) {
            return Due::Skip;
        }
        Due::Run(cs.instance)
    }

    /// A probe result that reached its threshold, for `instance` of `container`.
    fn probe_result(
        &self,
        generation: u64,
        (container, instance): (&str, u64),
        kind: Kind,
        passed: bool,
        probe: &Probe,
    ) {
        let mut state = self.state();
        if !self.current(generation) {
            return;
        }
        let Some(cs) = state
            .containers
            .get_mut(container)
            .filter(|cs| cs.instance == instance && cs.process.is_some() && !cs.killing)
        else {
            return;
        };
        match (kind, passed) {
            (Kind::Readiness, _) => cs.ready = passed,
            (Kind::Startup, true) => {
                cs.started_up = true;
                cs.readiness_trigger = true;
            }
            (Kind::Liveness, true) => {}
            (Kind::Startup | Kind::Liveness, false) => {
                cs.killing = true;
                cs.ready = false;
                drop(state);
                self.note(
                    container,
                    &format!(
                        "{kind:?} probe failed {} times; restarting the container (preStop, SIGTERM)",
                        probe.failure_threshold.unwrap_or(3)
                    ),
                );
                self.kill_to_restart(container, probe);
            }
        }
    }

    /// Stop a container the kubelet restarts (a liveness or startup failure): its preStop
    /// hook, SIGTERM, the grace period (the probe's `terminationGracePeriodSeconds`, else the
    /// pod's), then a start, as soon as the back-off allows.
    fn kill_to_restart(&self, container: &str, probe: &Probe) {
        let grace = probe
            .termination_grace_period_seconds
            .map_or_else(|| self.grace(), |s| seconds(i32::try_from(s).ok(), 0));
        self.stop_with_hook(container, Instant::now() + grace);
        let now = Instant::now();
        let mut state = self.state();
        if let Some(cs) = state.containers.get_mut(container) {
            let (at, judged_by) = cs.backoff.after_kill(cs.last_finished, now);
            cs.killing = false;
            cs.last_finished = Some(now);
            cs.restart_after = judged_by;
            cs.next_start = Some(at);
        }
    }

    /// `container`'s preStop hook (exec), then SIGTERM with what is left until `deadline`
    /// (at least 2 s), then SIGKILL — what the kubelet's `killContainer` does.
    fn stop_with_hook(&self, container: &str, deadline: Instant) {
        let hook = self
            .node
            .spec()
            .container(container)
            .and_then(|c| c.lifecycle.as_ref()?.pre_stop.as_ref()?.exec.as_ref())
            .map(|exec| exec.command.clone().unwrap_or_default());
        if let Some(argv) = hook {
            let left = deadline.saturating_duration_since(Instant::now());
            if !self.exec(container, &argv, left).unwrap_or(false) {
                self.note(container, "preStop hook failed or timed out");
            }
        }
        let process = self
            .state()
            .containers
            .get_mut(container)
            .and_then(|cs| cs.process.take());
        if let Some(mut process) = process {
            let left = deadline
                .saturating_duration_since(Instant::now())
                .max(MIN_GRACE);
            process.terminate(left);
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
        let log = self.node.log_path(self.ordinal, &exec_log_name(container));
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
        let status = process.wait_for(timeout);
        Ok(JobRun {
            succeeded: status.is_some_and(|s| s.success()),
            log: log_tail(&log, 40),
            exit: status.and_then(|s| s.code()),
        })
    }

    /// Stop the kubelet loop (nothing is restarted from here on; the probe workers end).
    fn stop_kubelet(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let handle = self.state().kubelet.take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }

    /// The pod's processes are gone: its pause goes too (and with its init, anything left
    /// in the shared PID namespace).
    fn gone(&self) {
        let mut state = self.state();
        state.running = false;
        state.initialized = false;
        let pause = state.pause.take();
        let probers = std::mem::take(&mut state.probers);
        drop(state);
        // Their generation is over: each ends at its next look (an exec in flight ends with
        // its container's cgroup).
        for worker in probers {
            let _ = worker.join();
        }
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
        self.stop_kubelet();
        let processes: Vec<Process> = self
            .state()
            .containers
            .values_mut()
            .filter_map(|cs| cs.process.take())
            .collect();
        for mut process in processes {
            process.kill();
        }
        self.gone();
    }

    /// Its node is lost (power, kernel, hardware): every process of the pod stops where it
    /// is and the kubelet is gone with the node, so nothing probes, restarts or reports the
    /// pod: it stays Running and Ready, as last reported, until `node_not_ready`. The frames
    /// are the network's part (`Network::set_node_lost`). Returns the loss's serial.
    pub fn lose_node(&self) -> u64 {
        self.stop_kubelet();
        let loss = self.generation.load(Ordering::SeqCst);
        let mut state = self.state();
        for process in state
            .containers
            .values()
            .filter_map(|cs| cs.process.as_ref())
        {
            process.freeze(true);
        }
        if let Some(pause) = &state.pause {
            pause.freeze(true);
        }
        state.node_lost = Some(loss);
        loss
    }

    /// Whether its node is lost now.
    pub fn node_lost(&self) -> bool {
        self.state().node_lost.is_some()
    }

    /// The node lifecycle controller, the node-monitor grace period after the node's last
    /// status, marks its pods NotReady (`loss`: `lose_node`'s; nothing if the node came back
    /// since). Services that publish only Ready addresses drop the pod; the pod is not
    /// deleted, so those that publish not-ready addresses keep it.
    pub fn node_not_ready(&self, loss: u64) {
        let mut state = self.state();
        if state.node_lost == Some(loss) {
            state.node_not_ready = true;
            drop(state);
            self.publish();
        }
    }

    /// The lost node is back, rebooted: the pod's processes are gone (SIGKILL to the
    /// stopped ones) and the kubelet starts it again (`start`), in a new sandbox.
    pub fn restore_node(&self) {
        self.kill();
        let mut state = self.state();
        state.node_lost = None;
        state.node_not_ready = false;
    }

    /// Graceful deletion as the kubelet's `killContainersWithSyncResult`: every container at
    /// once, each its own preStop hook, then SIGTERM with what is left of the grace period
    /// (at least 2 s), then SIGKILL. A container without a hook (the Sentinel) gets SIGTERM at
    /// once, while Redis's preStop hands the master role over.
    pub fn delete(&self) {
        if !self.is_running() {
            return;
        }
        let deadline = Instant::now() + self.grace();
        self.stop_kubelet();
        let running: Vec<String> = self
            .state()
            .containers
            .iter()
            .filter(|(_, cs)| cs.process.is_some())
            .map(|(name, _)| name.clone())
            .collect();
        std::thread::scope(|scope| {
            for name in &running {
                scope.spawn(move || self.stop_with_hook(name, deadline));
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

    /// Every line the execs in `container` printed (`exec` writes them there).
    pub fn exec_log(&self, container: &str) -> Vec<String> {
        log_tail(
            &self.node.log_path(self.ordinal, &exec_log_name(container)),
            usize::MAX,
        )
    }
}

/// The probe workers' view of one generation of a pod.
struct PodProbes {
    pod: Arc<Pod>,
    generation: u64,
}

impl prober::Target for PodProbes {
    fn alive(&self) -> bool {
        self.pod.current(self.generation)
    }

    fn due(&self, container: &str, kind: Kind, probe: &Probe) -> Due {
        self.pod.probe_due(self.generation, container, kind, probe)
    }

    fn triggered(&self, container: &str, kind: Kind) -> bool {
        kind == Kind::Readiness
            && self
                .pod
                .state()
                .containers
                .get_mut(container)
                .is_some_and(|cs| std::mem::take(&mut cs.readiness_trigger))
    }

    fn run(&self, container: &str, probe: &Probe) -> bool {
        self.pod.probe(container, probe)
    }

    fn publish(&self, container: &str, instance: u64, kind: Kind, passed: bool, probe: &Probe) {
        self.pod
            .probe_result(self.generation, (container, instance), kind, passed, probe);
    }
}

/// The log the execs in `container` write to, beside the container's own.
fn exec_log_name(container: &str) -> String {
    format!("{container}.exec")
}

pub fn log_tail(path: &Path, lines: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}
