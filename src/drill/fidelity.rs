//! How closely the local target behaves like a real cluster: the settings a run uses and
//! the `fidelity` object of the report, which says what was in force and what the drill
//! does not emulate (docs/drill.md, "How close to a real cluster"; docs/architecture.md "The drill").

use super::dns::Timing;
use super::security::SecurityFidelity;
use super::services::fidelity::{ClientFidelity, PolicyFidelity, ServicesFidelity};
use serde::Serialize;
use std::time::Duration;

/// CRI-O's default pid limit per container.
pub const DEFAULT_PIDS_LIMIT: u32 = 1024;

/// What the local target enforces.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `pids.max` of each container's cgroup (`--pids-limit`).
    pub pids_limit: u32,
    /// The cluster DNS's record TTL, cache cap and propagation delay (`--dns-*`).
    pub dns: Timing,
    /// How long a lost node's pods stay Ready (`--node-monitor-grace`).
    pub node_monitor_grace: Duration,
}

/// CoreDNS's kubernetes plugin's record TTL (`ttl`, default 5 s).
pub const DEFAULT_DNS_TTL_SECS: u64 = 5;
/// The cache cap of the default Corefile (`cache 30`).
pub const DEFAULT_DNS_CACHE_SECS: u64 = 30;
/// Endpoint change to CoreDNS answer: the EndpointSlice watch (sub-second on an idle cluster).
pub const DEFAULT_DNS_PROPAGATION_MS: u64 = 500;
/// kube-controller-manager's `--node-monitor-grace-period`: how long a node that stopped
/// reporting stays Ready before the node lifecycle controller marks it (and its pods)
/// NotReady. 50 s since Kubernetes 1.32 (40 s before; kubernetes/kubernetes#121793, #127352).
pub const DEFAULT_NODE_MONITOR_GRACE_SECS: u64 = 50;

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            pids_limit: DEFAULT_PIDS_LIMIT,
            dns: Timing {
                ttl: Duration::from_secs(DEFAULT_DNS_TTL_SECS),
                cache: Duration::from_secs(DEFAULT_DNS_CACHE_SECS),
                propagation: Duration::from_millis(DEFAULT_DNS_PROPAGATION_MS),
            },
            node_monitor_grace: Duration::from_secs(DEFAULT_NODE_MONITOR_GRACE_SECS),
        }
    }
}

/// The report's `fidelity.dns`: how the pods resolve names.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DnsFidelity {
    /// A DNS server answers the pods from the modelled endpoints (no /etc/hosts shortcut).
    pub served: bool,
    /// The cluster domain the manifests use.
    pub cluster_domain: String,
    pub ttl_seconds: u64,
    /// How long an answer, positive or negative, is cached: min(TTL, cache cap).
    pub cache_seconds: u64,
    pub propagation_ms: u64,
    /// `search` and `options` of each pod's resolv.conf.
    pub search: Vec<String>,
    pub ndots: u8,
}

impl DnsFidelity {
    pub fn of(timing: &Timing, namespace: &str, domain: &str) -> DnsFidelity {
        DnsFidelity {
            served: true,
            cluster_domain: domain.to_string(),
            ttl_seconds: timing.ttl.as_secs(),
            cache_seconds: timing.ttl.min(timing.cache).as_secs(),
            propagation_ms: u64::try_from(timing.propagation.as_millis()).unwrap_or(u64::MAX),
            search: crate::kube_names::search_path(namespace, domain).to_vec(),
            ndots: 5,
        }
    }
}

/// The report's `fidelity.kubelet`: the kubelet behaviours the local target plays
/// (docs/drill.md, "How close to a real cluster").
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct KubeletFidelity {
    /// CrashLoopBackOff: the first restart at once, then this delay, doubling…
    pub restart_backoff_initial_seconds: u64,
    /// …up to this cap…
    pub restart_backoff_max_seconds: u64,
    /// …forgotten when a container exits this long after its last restart.
    pub restart_backoff_reset_seconds: u64,
    /// An exit is noticed at the next relist of the containers (the generic PLEG).
    pub relist_seconds: u64,
    /// One thread per probe, `periodSeconds`, `initialDelaySeconds`, `failureThreshold` and
    /// `successThreshold` of every probe.
    pub probe_workers: bool,
    /// A liveness or startup failure runs the container's preStop hook before SIGTERM.
    pub pre_stop_on_probe_kill: bool,
    /// On deletion every container gets its preStop hook and then SIGTERM in parallel.
    pub parallel_termination: bool,
    /// What a container gets after a preStop hook that used up the grace period.
    pub min_grace_seconds: u64,
}

impl KubeletFidelity {
    pub fn played() -> KubeletFidelity {
        use super::backoff;
        KubeletFidelity {
            restart_backoff_initial_seconds: backoff::INITIAL.as_secs(),
            restart_backoff_max_seconds: backoff::MAX.as_secs(),
            restart_backoff_reset_seconds: (backoff::MAX * 2).as_secs(),
            relist_seconds: backoff::RELIST.as_secs(),
            probe_workers: true,
            pre_stop_on_probe_kill: true,
            parallel_termination: true,
            min_grace_seconds: super::pods::MIN_GRACE.as_secs(),
        }
    }
}

/// The report's `fidelity.node_loss`: how a lost node is played (`Cluster::lose_node`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct NodeLossFidelity {
    /// Every frame to and from the node's pod is dropped without an answer (no RST, no
    /// ICMP), the host's included; its processes stop; its kubelet is gone.
    pub silent_drop: bool,
    /// The pod stays Ready this long, then NotReady (kube-controller-manager's
    /// `--node-monitor-grace-period`); it is never deleted nor replaced while the node is
    /// lost (a StatefulSet's pod on an unreachable node).
    pub node_monitor_grace_seconds: u64,
    /// The node comes back rebooted: the pod starts again in a new sandbox, at a new
    /// address, with its claims.
    pub returns_rebooted: bool,
}

/// The report's `fidelity` object (local target only).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Fidelity {
    /// Each container runs as PID 1 of its own PID namespace, or, in a pod with
    /// `shareProcessNamespace: true`, in the pod's namespace under a reaping pause.
    pub pid_namespaces: bool,
    /// Probes and hooks run inside the container's namespaces (`nsenter`), as CRI exec.
    pub exec_in_container: bool,
    /// Containers of Alpine images run BusyBox's applets (`sh`, `timeout`, …) first on PATH.
    pub busybox_userland: bool,
    /// `pids.max` of every container's cgroup; `None`: no pids controller on this machine.
    pub pids_limit: Option<u32>,
    /// Every scenario checks that no container keeps zombie processes.
    pub zombie_check: bool,
    /// `resources.limits.memory` is each container's `memory.limit_in_bytes` (an OOM kill
    /// is exit 137 and a restart in place); `false`: no memory controller on this machine.
    pub memory_limits: bool,
    /// `resources.limits.cpu` is each container's CFS quota, its request `cpu.shares`.
    pub cpu_limits: bool,
    /// UIDs/GIDs, fsGroup volume ownership, runAsNonRoot, capabilities, no_new_privs and
    /// read-only roots as the pods run them.
    pub security_context: SecurityFidelity,
    /// The cluster DNS the pods resolve names through.
    pub dns: DnsFidelity,
    /// The kubelet's restart, probe and termination timings.
    pub kubelet: KubeletFidelity,
    /// A lost node.
    pub node_loss: NodeLossFidelity,
    /// The Services with their cluster IPs (kube-proxy's DNAT in every namespace).
    pub services: ServicesFidelity,
    /// The NetworkPolicies selecting the pods, enforced or not.
    pub network_policies: PolicyFidelity,
    /// The client pod the probe discovers Sentinel from.
    pub client: ClientFidelity,
    /// What a real cluster does that this rehearsal does not.
    pub not_emulated: Vec<&'static str>,
}

/// The limits of the local target, in the words of docs/drill.md.
pub const NOT_EMULATED: &[&str] = &[
    "SCC admission checks other than the UID/fsGroup assignment of restricted-v2 (a pod that restricted-v2 would reject still runs); the image's USER (taken as root)",
    "sizeLimit of disk-backed emptyDirs (kubelet eviction); the node's allocatable memory and memory-pressure eviction",
    "cluster DNS: UDP only (no TCP fallback for truncated answers), A records only (AAAA and other types answer NODATA), no SRV or PTR records, no upstream (names outside the cluster domain are NXDOMAIN), dnsPolicy other than ClusterFirst; the pods' resolver is this machine's glibc (Debian's redis binaries), not the Alpine image's musl",
    "Services: cluster IPs answer in the pods' and the client's namespaces only (the host, where the drill's own checks run, reaches pods directly); no sessionAffinity, NodePort, LoadBalancer or externalTrafficPolicy; TCP only; the client models (go-redis, redis-py, Lettuce) ask every pod's Sentinel at its own address, where the probe goes through the client Service",
    "kubelet: the probe workers' phase (each ticks from the pod's start, not from a random offset after a kubelet restart); readiness runs triggered by pod status updates other than the startup probe's success; httpGet and grpc probes (taken as passing); the time a runtime takes to create and start a container; the Evented PLEG (exits are noticed at the 1 s relist only); the KubeletCrashLoopBackOffMax and ReduceDefaultCrashLoopBackOffDecay feature gates (off by default)",
    "node loss: the taint-based eviction (tolerationSeconds, 300 s) that marks a lost node's pod for deletion (it cannot end while the node is away, so the StatefulSet replaces nothing either way); a node that never comes back (the pod force-deleted and recreated elsewhere, its claim re-attached); a node partitioned with its processes running (played as `isolated-master`); pods sharing the lost node (each pod is on a node of its own, as a required anti-affinity places them: on a one-node cluster such as `kind` a lost node takes every pod, which `all-down` plays)",
    "NetworkPolicy: ingress to the set's pods from pods of its namespace only (podSelector peers; namespaceSelector, ipBlock and matchExpressions leave a policy unenforced and say so); new TCP connections only (no UDP or ICMP filtering); egress rules; traffic from the node (kubelet probes, the drill's checks) always passes, as on most CNIs",
    "seccomp profiles",
];

impl Fidelity {
    pub fn local(
        settings: &Settings,
        pids_cgroup: bool,
        (memory_cgroup, cpu_cgroup): (bool, bool),
        busybox: bool,
        security_context: SecurityFidelity,
        dns: DnsFidelity,
        (services, network_policies, client): (ServicesFidelity, PolicyFidelity, ClientFidelity),
    ) -> Fidelity {
        Fidelity {
            pid_namespaces: true,
            exec_in_container: true,
            busybox_userland: busybox,
            pids_limit: pids_cgroup.then_some(settings.pids_limit),
            zombie_check: true,
            memory_limits: memory_cgroup,
            cpu_limits: cpu_cgroup,
            security_context,
            dns,
            kubelet: KubeletFidelity::played(),
            node_loss: NodeLossFidelity {
                silent_drop: true,
                node_monitor_grace_seconds: settings.node_monitor_grace.as_secs(),
                returns_rebooted: true,
            },
            services,
            network_policies,
            client,
            not_emulated: NOT_EMULATED.to_vec(),
        }
    }
}
