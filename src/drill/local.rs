//! The local target: the set's pods as network namespaces and sandboxes on this machine.

use super::cgroup;
use super::cleanup::{self, Resource};
use super::cluster::{Client, Cluster, ProcessCount, Session};
use super::dns::{Dns, Fault as DnsFault, PodState};
use super::env;
use super::fidelity::{DnsFidelity, Fidelity, Settings};
use super::jobs::JobRun;
use super::network::{Cut, Network};
use super::nft;
use super::pods::{Pod, SharedSet};
use super::policy::{self, Port};
use super::security::{PodSecurity, SecurityFidelity};
use super::sentinel_cut;
use super::services::{self, Proxy};
use super::spec::{HaSpec, SecretData};
use super::userland::{self, is_alpine_image};
use super::volumes;
use super::which::which;
use crate::resp::{Connection, Reply, TlsClient};
use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Refuse to run without what the pods need: root (namespaces, links) and the binaries,
/// the engine's of `spec` among them.
pub fn check_host(spec: &HaSpec) -> anyhow::Result<()> {
    // SAFETY: geteuid(2) has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        bail!(
            "the drill needs root: it creates network namespaces, a bridge and veth links for the pods \
             (run it with sudo, or as root in CI)"
        );
    }
    super::engine::check_binaries(super::engine::of(spec))?;
    for (binary, package) in [
        ("bwrap", "bubblewrap"),
        ("ip", "iproute2"),
        ("sh", "dash"),
        ("nsenter", "util-linux"),
    ] {
        if which(binary).is_none() {
            bail!("`{binary}` is not on PATH: install it (Debian: apt-get install {package})");
        }
    }
    Ok(())
}

/// Whether this machine can cut the Sentinels off a pod's Redis only
/// (`Cluster::cut_from_sentinels`: it needs a writable cgroup v2 hierarchy).
pub fn can_cut_sentinels_only() -> bool {
    cgroup::unified_available()
}

/// A running set on this machine. Dropping it removes every process, namespace and link.
pub struct LocalSet {
    // Field order is drop order: processes first, then the network, then the files.
    pods: Vec<Arc<Pod>>,
    network: Network,
    node: Arc<SharedSet>,
    run_dir: PathBuf,
    /// How many times each pod was started (its address changes with each start).
    starts: std::sync::Mutex<Vec<usize>>,
    /// Trusts the set's CA, when Redis or Sentinel serve only TLS.
    tls: Option<TlsClient>,
    /// What `connect` tries, in turn: the spec's passwords, until a scenario switches them.
    passwords: std::sync::RwLock<Vec<String>>,
    /// `<pid><2-digit serial>`: in the name of every namespace, link, cgroup and directory
    /// of the set.
    id: String,
    /// How long a lost node's pods stay Ready (`Settings::node_monitor_grace`).
    node_monitor_grace: std::time::Duration,
}

static SETS: AtomicU32 = AtomicU32::new(0);

/// The machine's binaries the pods may call that Debian's packages do not all provide
/// under the name the images use: `redis-sentinel` is `redis-server` under another name, and
/// `redis_exporter` (the exporter image's entrypoint) is Debian's `prometheus-redis-exporter`.
fn bin_dir(run_dir: &Path, spec: &HaSpec) -> anyhow::Result<PathBuf> {
    let dir = run_dir.join("bin");
    std::fs::create_dir_all(&dir)?;
    // Only Redis sets may call `redis-sentinel`; a Valkey set runs `valkey-server --sentinel`.
    if let Some(server) = which("redis-server")
        && which("redis-sentinel").is_none()
    {
        std::os::unix::fs::symlink(&server, dir.join("redis-sentinel"))?;
    }
    let exporters: Vec<String> = spec
        .exporters
        .iter()
        .map(|(name, _)| {
            let image = spec.container(name).and_then(|c| c.image.as_deref());
            format!("{name:?} (image {})", image.unwrap_or_default())
        })
        .collect();
    if !exporters.is_empty() && which(env::EXPORTER).is_none() {
        let Some(binary) = which("prometheus-redis-exporter") else {
            bail!(
                "cannot run container {}: the drill runs the exporter image's `{}` with this \
                 machine's binary, and neither `{}` nor `prometheus-redis-exporter` is on PATH \
                 (Debian: apt-get install prometheus-redis-exporter)",
                exporters.join(", "),
                env::EXPORTER,
                env::EXPORTER
            );
        };
        std::os::unix::fs::symlink(binary, dir.join(env::EXPORTER))?;
    }
    Ok(dir)
}

/// Whether any container of the set runs an Alpine image (BusyBox userland).
fn runs_alpine(spec: &HaSpec) -> bool {
    spec.pod
        .containers
        .iter()
        .chain(spec.pod.init_containers.iter().flatten())
        .any(|c| c.image.as_deref().is_some_and(is_alpine_image))
}

/// What the local target enforces for `spec` with `settings` (the report's `fidelity`).
pub fn fidelity(spec: &HaSpec, settings: &Settings) -> Fidelity {
    Fidelity::local(
        settings,
        cgroup::pids_available(),
        cgroup::memory_and_cpu_available(),
        runs_alpine(spec),
        SecurityFidelity::of(&spec.pod),
        DnsFidelity::of(&settings.dns, &spec.namespace, &spec.cluster_domain),
        (
            services::fidelity::services(spec),
            services::fidelity::policies(spec),
            services::fidelity::client(spec),
        ),
    )
}

/// The client namespaces, in the order `Network` numbers them.
const CLIENTS: [Client; 2] = [Client::Gateway, Client::Unlabelled];

/// The labels of a client pod.
fn client_labels(spec: &HaSpec, client: Client) -> &policy::Labels {
    static NONE: policy::Labels = policy::Labels::new();
    match client {
        Client::Gateway => &spec.policies.client_labels,
        Client::Unlabelled => &NONE,
    }
}

/// The NetworkPolicies that select the pods, as bridge rules: the set's pods and the
/// client namespaces are the possible sources, with their labels.
fn enforce_policies(network: &Network, spec: &HaSpec, pods: usize) -> anyhow::Result<()> {
    let pod_links: Vec<String> = (0..pods).map(|i| network.pod_link(i)).collect();
    let client_links: Vec<String> = (0..CLIENTS.len()).map(|k| network.client_link(k)).collect();
    let targets: Vec<Port> = pod_links
        .iter()
        .map(|link| Port {
            link,
            labels: &spec.pod_labels,
        })
        .collect();
    let sources: Vec<Port> = targets
        .iter()
        .map(|p| Port {
            link: p.link,
            labels: p.labels,
        })
        .chain(client_links.iter().zip(CLIENTS).map(|(link, client)| Port {
            link,
            labels: client_labels(spec, client),
        }))
        .collect();
    network.set_policies(|table| {
        policy::bridge_ruleset(table, &spec.policies.enforced, &targets, &sources)
    })
}

impl LocalSet {
    /// Namespaces, links and files for the set with the default settings; no pod runs yet.
    pub fn create(spec: &HaSpec) -> anyhow::Result<LocalSet> {
        LocalSet::create_with(spec, &Settings::default())
    }

    /// Namespaces, links, cgroups and files for the set; no pod runs yet.
    pub fn create_with(spec: &HaSpec, settings: &Settings) -> anyhow::Result<LocalSet> {
        LocalSet::create_with_update(spec, settings, None)
    }

    /// The set, holding the re-rendered `update` that `apply_update` puts in place: room
    /// (namespaces, addresses, names) for the pods of both sizes.
    pub fn create_with_update(
        spec: &HaSpec,
        settings: &Settings,
        update: Option<HaSpec>,
    ) -> anyhow::Result<LocalSet> {
        if let Some(update) = &update
            && (&update.namespace, &update.name, &update.headless_service)
                != (&spec.namespace, &spec.name, &spec.headless_service)
        {
            bail!(
                "the re-rendered manifests name another set ({}/{}), not {}/{}",
                update.namespace,
                update.name,
                spec.namespace,
                spec.name
            );
        }
        let capacity = update
            .as_ref()
            .map_or(spec.replicas, |u| u.replicas.max(spec.replicas));
        let tls = spec.tls.as_ref().map(|t| t.client()).transpose()?;
        let serial = SETS.fetch_add(1, Ordering::SeqCst) % 100;
        let id = format!("{}{serial:02}", std::process::id());
        let run_dir = std::env::temp_dir().join(format!("redis-ha-gen-drill-{id}"));
        let _ = std::fs::remove_dir_all(&run_dir);
        std::fs::create_dir_all(&run_dir)
            .with_context(|| format!("cannot create {}", run_dir.display()))?;
        cleanup::register(Resource::Directory(run_dir.clone()));
        let bin_dir = bin_dir(&run_dir, spec)?;
        let busybox_dir = if runs_alpine(spec) {
            Some(userland::busybox_dir(&run_dir)?)
        } else {
            None
        };
        let cgroup_roots = cgroup::Roots::create(&id)?;
        let network = Network::create(&id, capacity, CLIENTS.len())?;
        let ips = (0..capacity)
            .map(|i| network.pod_ip(i, 0))
            .collect::<Vec<_>>();
        let netns: Vec<String> = (0..capacity).map(|i| network.namespace(i)).collect();
        let proxy = Proxy::start(
            &spec.services,
            services::allocate(&spec.namespace, &spec.services),
            netns
                .iter()
                .cloned()
                .chain((0..CLIENTS.len()).map(|k| network.client_namespace(k)))
                .collect(),
            settings.dns.propagation,
            PodState::absent(&ips),
        )?;
        enforce_policies(&network, spec, capacity)?;
        let node = Arc::new(SharedSet {
            initial: spec.clone(),
            update,
            applied: std::sync::atomic::AtomicBool::new(false),
            secrets: std::sync::RwLock::new(spec.secrets.clone()),
            bin_dir,
            dns: Dns::new(&run_dir, spec, ips, network.gateway(), settings.dns, proxy)?,
            netns,
            run_dir: run_dir.clone(),
            cgroup_roots,
            pids_limit: settings.pids_limit,
            busybox_dir,
            security: PodSecurity::of(&spec.pod)?,
        });
        let pods = (0..capacity)
            .map(|i| Pod::new(Arc::clone(&node), i))
            .collect();
        Ok(LocalSet {
            pods,
            network,
            node,
            run_dir,
            starts: std::sync::Mutex::new(vec![0; capacity]),
            tls,
            passwords: std::sync::RwLock::new(spec.passwords.clone()),
            id,
            node_monitor_grace: settings.node_monitor_grace,
        })
    }

    /// `<pid><2-digit serial>`, in the name of everything the set made on the machine.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn pod(&self, ordinal: usize) -> anyhow::Result<&Arc<Pod>> {
        self.pods
            .get(ordinal)
            .with_context(|| format!("no pod with ordinal {ordinal}"))
    }

    fn address(&self, ordinal: usize, sentinel: bool) -> SocketAddr {
        let spec = self.node.spec();
        let port = if sentinel {
            spec.sentinel_port
        } else {
            spec.redis_port
        };
        SocketAddr::from((self.node.dns.ip(ordinal), port))
    }

    /// In the network namespace of each pod of `pods`, drop (both ways, silently) what its
    /// Sentinel container exchanges with the Redis of each pod of `targets`, or lift that
    /// cut; checked once in place from the first pod.
    fn sentinel_cut(&self, pods: &[usize], targets: &[usize], on: bool) -> anyhow::Result<()> {
        let spec = self.node.spec();
        let container = spec
            .sentinel_container
            .as_deref()
            .context("the pods have no Sentinel container to cut off")?;
        let roots = &self.node.cgroup_roots;
        let (Some(cgroup), Some(unified)) = (roots.socket_cgroup(container)?, &roots.unified)
        else {
            bail!(
                "cutting the Sentinels off needs a writable cgroup v2 hierarchy (mounted at \
                 /sys/fs/cgroup or /sys/fs/cgroup/unified): nftables matches a socket's v2 cgroup"
            );
        };
        let addresses: Vec<_> = targets.iter().map(|&t| self.node.dns.ip(t)).collect();
        let port = spec.redis_port;
        let script = if on {
            sentinel_cut::script(&cgroup, &addresses, port)?
        } else {
            sentinel_cut::lift()
        };
        for &i in pods {
            nft::load(Some(&self.network.namespace(i)), &script)?;
        }
        let checked = unified.join(container);
        match pods.first() {
            Some(&i) if on => addresses.iter().try_for_each(|&address| {
                sentinel_cut::verify(&self.network.namespace(i), &checked, address, port)
            }),
            _ => Ok(()),
        }
    }
}

impl LocalSet {
    /// A connection to a pod's Redis or Sentinel that tries `passwords` in turn until one is
    /// accepted (Sentinel requires the set's password too when auth is on).
    fn open(
        &self,
        ordinal: usize,
        sentinel: bool,
        timeout: Duration,
        passwords: &[String],
    ) -> anyhow::Result<Box<dyn Session + '_>> {
        let spec = self.node.spec();
        let address = self.address(ordinal, sentinel);
        let tls_on = spec
            .tls
            .as_ref()
            .is_some_and(|t| if sentinel { t.sentinel } else { t.redis });
        let conn = match &self.tls {
            // By the pod's name, as a client following Sentinel's announced hostnames would.
            Some(client) if tls_on => {
                Connection::open_tls(address, timeout, client, &spec.fqdn(ordinal))?
            }
            _ => Connection::open(address, timeout)?,
        };
        authenticated(conn, passwords)
    }

    fn passwords(&self) -> Vec<String> {
        self.passwords
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn open_service(
        &self,
        service: &str,
        port: u16,
        client: Client,
        timeout: Duration,
    ) -> anyhow::Result<Box<dyn Session + '_>> {
        let spec = self.node.spec();
        let vip = *self
            .node
            .dns
            .cluster_ips()
            .get(service)
            .with_context(|| format!("Service {service:?} has no cluster IP"))?;
        let k = CLIENTS.iter().position(|&c| c == client).unwrap_or(0);
        let address = SocketAddr::from((vip, port));
        let stream = super::netns::connect(&self.network.client_namespace(k), address, timeout)
            .with_context(|| {
                format!("connect to Service {service} at {address} from the {client:?} client pod")
            })?;
        let tls_on = spec.tls.as_ref().is_some_and(|t| {
            (port == spec.sentinel_port && t.sentinel) || (port == spec.redis_port && t.redis)
        });
        let conn = match &self.tls {
            Some(tls) if tls_on => {
                let name =
                    crate::kube_names::service_fqdn(service, &spec.namespace, &spec.cluster_domain);
                Connection::over_tls(stream, timeout, tls, &name)?
            }
            _ => Connection::over(stream, timeout)?,
        };
        authenticated(conn, &self.passwords())
    }
}

/// `conn` after the first of `passwords` it accepts (none: as it is).
fn authenticated<'a>(
    mut conn: Connection,
    passwords: &[String],
) -> anyhow::Result<Box<dyn Session + 'a>> {
    for password in passwords {
        if matches!(conn.call(&["AUTH", password])?, Reply::Status(_)) {
            break;
        }
    }
    Ok(Box::new(TcpSession(conn)))
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        for pod in &self.pods {
            pod.kill();
        }
        self.node.dns.stop_services();
        self.network.remove();
        for root in self.node.cgroup_roots.all() {
            let cgroups = Resource::Cgroup(root.clone());
            cleanup::remove(&cgroups);
            cleanup::forget(&cgroups);
        }
        volumes::unmount_below(&self.run_dir);
        let dir = Resource::Directory(self.run_dir.clone());
        cleanup::remove(&dir);
        cleanup::forget(&dir);
    }
}

struct TcpSession(Connection);

impl Session for TcpSession {
    fn call(&mut self, args: &[&str], timeout: Duration) -> anyhow::Result<Reply> {
        self.0.set_timeout(timeout)?;
        Ok(self.0.call(args)?)
    }

    fn receive(&mut self, timeout: Duration) -> anyhow::Result<Option<Reply>> {
        self.0.set_timeout(timeout)?;
        Ok(self.0.receive()?)
    }
}

impl Cluster for LocalSet {
    fn spec(&self) -> &HaSpec {
        self.node.spec()
    }

    fn ordinals(&self) -> usize {
        self.pods.len()
    }

    fn apply_update(&self) -> anyhow::Result<()> {
        if self.node.update.is_none() {
            bail!(
                "no re-rendered manifests to apply: the scenario renders the profile again with \
                 another `redis.replicas`, which a manifest file cannot be (drill --profile)"
            );
        }
        self.node.applied.fetch_xor(true, Ordering::SeqCst);
        Ok(())
    }

    fn start_pod(&self, ordinal: usize) -> anyhow::Result<()> {
        let pod = self.pod(ordinal)?;
        if pod.is_running() {
            return Ok(());
        }
        let start = {
            let mut starts = self.starts.lock().unwrap_or_else(|p| p.into_inner());
            starts[ordinal] += 1;
            starts[ordinal] - 1
        };
        if start > 0 {
            let ip = self.network.pod_ip(ordinal, start);
            self.network.readdress(ordinal, ip)?;
            self.node.dns.set_ip(ordinal, ip);
        }
        pod.start()
    }

    fn is_ready(&self, ordinal: usize) -> bool {
        self.pods.get(ordinal).is_some_and(|p| p.is_ready())
    }

    fn dns_fault(&self, fault: Option<DnsFault>) -> anyhow::Result<()> {
        self.node.dns.set_fault(fault);
        Ok(())
    }

    fn dns_deny(&self, denials: &[(usize, usize)]) -> anyhow::Result<()> {
        self.node.dns.set_denials(denials);
        Ok(())
    }

    fn dns_queries(&self) -> Option<u64> {
        Some(self.node.dns.queries())
    }

    fn cut_pod(&self, ordinal: usize, cut: Cut, on: bool) -> anyhow::Result<()> {
        self.pod(ordinal)?;
        self.network.set_cut(ordinal, cut, on)
    }

    fn cut_between(&self, a: usize, b: usize, on: bool) -> anyhow::Result<()> {
        self.pod(a)?;
        self.pod(b)?;
        self.network.set_pair_cut(a, b, on)
    }

    fn cut_from_sentinels(&self, ordinal: usize, on: bool) -> anyhow::Result<()> {
        self.pod(ordinal)?;
        let others: Vec<usize> = (0..self.pods.len()).filter(|&i| i != ordinal).collect();
        self.sentinel_cut(&others, &[ordinal], on)
    }

    fn cut_sentinel_off(&self, ordinal: usize, targets: &[usize], on: bool) -> anyhow::Result<()> {
        self.pod(ordinal)?;
        for &t in targets {
            self.pod(t)?;
        }
        self.sentinel_cut(&[ordinal], targets, on)
    }

    fn is_running(&self, ordinal: usize) -> bool {
        self.pods.get(ordinal).is_some_and(|p| p.is_running())
    }

    fn lose_node(&self, ordinal: usize) -> anyhow::Result<()> {
        let pod = self.pod(ordinal)?;
        if !pod.is_running() || pod.node_lost() {
            bail!(
                "pod {} is not running on a live node: there is no node of it to lose",
                self.pod_name(ordinal)
            );
        }
        self.network.set_node_lost(ordinal, true)?;
        let loss = pod.lose_node();
        // The node lifecycle controller's part: a thread that holds nothing of the set, so a
        // set dropped meanwhile is gone at once.
        let pod = Arc::downgrade(pod);
        let grace = self.node_monitor_grace;
        std::thread::spawn(move || {
            std::thread::sleep(grace);
            if let Some(pod) = pod.upgrade() {
                pod.node_not_ready(loss);
            }
        });
        Ok(())
    }

    fn restore_node(&self, ordinal: usize) -> anyhow::Result<()> {
        let pod = self.pod(ordinal)?;
        if !pod.node_lost() {
            bail!("the node of {} is not lost", self.pod_name(ordinal));
        }
        self.network.set_node_lost(ordinal, false)?;
        pod.restore_node();
        self.start_pod(ordinal)
    }

    fn delete_pod(&self, ordinal: usize) -> anyhow::Result<()> {
        self.pod(ordinal)?.delete();
        Ok(())
    }

    fn kill_pod(&self, ordinal: usize) -> anyhow::Result<()> {
        self.pod(ordinal)?.kill();
        Ok(())
    }

    fn freeze_pod(&self, ordinal: usize, frozen: bool) -> anyhow::Result<()> {
        self.pod(ordinal)?.freeze(frozen);
        Ok(())
    }

    fn partition_pod(&self, ordinal: usize, partitioned: bool) -> anyhow::Result<()> {
        self.network.set_partitioned(ordinal, partitioned)
    }

    fn wipe_volumes(&self, ordinal: usize) -> anyhow::Result<()> {
        if self.pod(ordinal)?.is_running() {
            bail!(
                "pod {} is running: delete it before wiping its volumes",
                self.pod_name(ordinal)
            );
        }
        volumes::wipe_claims(&self.run_dir, self.node.spec(), ordinal)
    }

    fn hold_container(&self, ordinal: usize, container: &str, held: bool) -> anyhow::Result<()> {
        self.pod(ordinal)?.hold_container(container, held);
        Ok(())
    }

    fn kill_container(&self, ordinal: usize, container: &str) -> anyhow::Result<()> {
        self.pod(ordinal)?.kill_container(container);
        Ok(())
    }

    fn crash_container(&self, ordinal: usize, container: &str) -> anyhow::Result<()> {
        self.pod(ordinal)?.crash_container(container);
        Ok(())
    }

    fn freeze_container(
        &self,
        ordinal: usize,
        container: &str,
        frozen: bool,
    ) -> anyhow::Result<()> {
        self.pod(ordinal)?.freeze_container(container, frozen);
        Ok(())
    }

    /// A plain HTTP/1.0 GET from the host, which sits on the pods' bridge as a node would.
    fn scrape(&self, ordinal: usize, port: u16) -> Option<anyhow::Result<String>> {
        use std::io::{Read, Write};
        let address = SocketAddr::from((self.node.dns.ip(ordinal), port));
        let fetch = || -> anyhow::Result<String> {
            let timeout = Duration::from_secs(2);
            let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)
                .with_context(|| format!("connect to {address}"))?;
            stream.set_read_timeout(Some(timeout))?;
            stream.write_all(b"GET /metrics HTTP/1.0\r\n\r\n")?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            match response.split_once("\r\n\r\n") {
                Some((head, body)) if head.starts_with("HTTP/1.") && head.contains(" 200 ") => {
                    Ok(body.to_string())
                }
                _ => bail!(
                    "{address}: {}",
                    response.lines().next().unwrap_or("empty response")
                ),
            }
        };
        Some(fetch())
    }

    fn run_job(&self, name: &str, timeout: Duration) -> anyhow::Result<JobRun> {
        let job = self
            .node
            .spec()
            .jobs
            .iter()
            .find(|j| j.name == name)
            .with_context(|| format!("the manifests hold no CronJob {name:?}"))?;
        let host = self
            .pods
            .iter()
            .find(|p| p.is_running())
            .context("no pod of the set runs: a Job pod needs a node's network")?;
        host.run_job(job, timeout)
    }

    fn connect(
        &self,
        ordinal: usize,
        sentinel: bool,
        timeout: Duration,
    ) -> anyhow::Result<Box<dyn Session + '_>> {
        self.open(ordinal, sentinel, timeout, &self.passwords())
    }

    fn live_connections(&self) -> bool {
        true
    }

    fn connect_service(
        &self,
        service: &str,
        port: u16,
        client: Client,
        timeout: Duration,
    ) -> Option<anyhow::Result<Box<dyn Session + '_>>> {
        Some(self.open_service(service, port, client, timeout))
    }

    fn update_secret(&self, name: &str, data: SecretData) -> anyhow::Result<()> {
        if !self.node.spec().secrets.contains_key(name) {
            bail!("the pods reference no Secret {name:?}");
        }
        self.node
            .secrets
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), data.clone());
        self.pods
            .iter()
            .try_for_each(|pod| pod.refresh_secret(name, &data))
    }

    fn secret(&self, name: &str) -> Option<SecretData> {
        let secrets = self.node.secrets.read().unwrap_or_else(|p| p.into_inner());
        secrets.get(name).cloned()
    }

    fn set_passwords(&self, passwords: Vec<String>) -> anyhow::Result<()> {
        *self.passwords.write().unwrap_or_else(|p| p.into_inner()) = passwords;
        Ok(())
    }

    fn connect_anonymous(
        &self,
        ordinal: usize,
        sentinel: bool,
        timeout: Duration,
    ) -> anyhow::Result<Box<dyn Session + '_>> {
        self.open(ordinal, sentinel, timeout, &[])
    }

    fn logs(&self, ordinal: usize, container: &str, lines: usize) -> Vec<String> {
        self.pods
            .get(ordinal)
            .map(|p| p.log_tail(container, lines))
            .unwrap_or_default()
    }

    fn exec_logs(&self, ordinal: usize, container: &str) -> Vec<String> {
        self.pods
            .get(ordinal)
            .map(|p| p.exec_log(container))
            .unwrap_or_default()
    }

    fn processes(&self) -> Option<Vec<ProcessCount>> {
        Some(self.pods.iter().flat_map(|p| p.processes()).collect())
    }

    fn ordinal_of(&self, host: &str) -> Option<usize> {
        let spec = self.node.spec();
        (0..self.pods.len()).find(|&i| {
            self.node.dns.ordinal_of_ip(host) == Some(i)
                || crate::kube_names::names_pod(host, &spec.pod_name(i))
        })
    }
}
