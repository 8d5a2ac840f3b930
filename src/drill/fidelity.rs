//! How closely the local target behaves like a real cluster: the settings a run uses and
//! the `fidelity` object of the report, which says what was in force and what the drill
//! does not emulate (docs/drill.md, "How close to a real cluster"; docs/architecture.md "The drill").

use super::dns::Timing;
use super::security::SecurityFidelity;
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
}

/// CoreDNS's kubernetes plugin's record TTL (`ttl`, default 5 s).
pub const DEFAULT_DNS_TTL_SECS: u64 = 5;
/// The cache cap of the default Corefile (`cache 30`).
pub const DEFAULT_DNS_CACHE_SECS: u64 = 30;
/// Endpoint change to CoreDNS answer: the EndpointSlice watch (sub-second on an idle cluster).
pub const DEFAULT_DNS_PROPAGATION_MS: u64 = 500;

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            pids_limit: DEFAULT_PIDS_LIMIT,
            dns: Timing {
                ttl: Duration::from_secs(DEFAULT_DNS_TTL_SECS),
                cache: Duration::from_secs(DEFAULT_DNS_CACHE_SECS),
                propagation: Duration::from_millis(DEFAULT_DNS_PROPAGATION_MS),
            },
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
            search: vec![
                format!("{namespace}.svc.{domain}"),
                format!("svc.{domain}"),
                domain.to_string(),
            ],
            ndots: 5,
        }
    }
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
    /// What a real cluster does that this rehearsal does not.
    pub not_emulated: Vec<&'static str>,
}

/// The limits of the local target, in the words of docs/drill.md.
pub const NOT_EMULATED: &[&str] = &[
    "SCC admission checks other than the UID/fsGroup assignment of restricted-v2 (a pod that restricted-v2 would reject still runs); the image's USER (taken as root)",
    "sizeLimit of disk-backed emptyDirs (kubelet eviction); the node's allocatable memory and memory-pressure eviction",
    "cluster DNS: UDP only (no TCP fallback for truncated answers), A records only (AAAA and other types answer NODATA), no SRV or PTR records, no upstream (names outside the cluster domain are NXDOMAIN), dnsPolicy other than ClusterFirst; the pods' resolver is this machine's glibc (Debian's redis binaries), not the Alpine image's musl; a ClusterIP Service's name resolves to its ready endpoints, not to a VIP",
    "Services: no ClusterIP VIP; only the Sentinel Service's endpoints are modelled (failover-through-service), other clients reach pods directly",
    "kubelet timings: restart back-off capped at 10 s (not CrashLoopBackOff's 10 s doubling to 300 s); one failed readiness probe marks a container not ready (failureThreshold/successThreshold ignored for readiness); a pod's probes run one after another, not one thread each; no preStop before a liveness kill; on deletion every container's SIGTERM waits for all preStop hooks (a kubelet sends SIGTERM to a container without a hook, the Sentinel, at once)",
    "node loss (traffic silently dropped) and network policies",
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
            not_emulated: NOT_EMULATED.to_vec(),
        }
    }
}
