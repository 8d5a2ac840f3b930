//! The typed profile: every field a user can set, with its default and its meaning.
//!
//! YAML keys are camelCase. Unknown keys are rejected (`deny_unknown_fields`). Every field has
//! a default, so a profile file only says what differs from the defaults (chosen for the gateway's deduplication store: README).
//! The doc comment on each field is the documentation users see in `schema profile`.

pub use super::engine::Engine;
use super::grammar::{self, *};
pub use super::kube::*;
pub use super::resources::{CpuMemory, Resources};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A Redis + Sentinel HA deployment profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Profile {
    /// Name of a profile (built-in name or path) this one is merged over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// Short description shown by `redis-ha-gen profiles`.
    pub description: String,
    /// Namespace every object is created in.
    #[schemars(regex(pattern = DNS_LABEL))]
    pub namespace: String,
    /// Base name of the objects: StatefulSet `<name>`, Services `<name>` and `<name>-headless`.
    #[schemars(regex(pattern = DNS_LABEL))]
    pub name: String,
    /// The cluster the profile targets (used by render-only checks).
    pub cluster: Cluster,
    /// The server the pods run: `redis` (default) or `valkey`. Picks the official image
    /// (when `image.repository` / `image.tag` are not set) and the binaries the scripts call;
    /// see README, "Engines and versions".
    pub engine: Engine,
    /// The failover the gateway must see, in seconds: kill of the master to a new master named.
    pub failover_target_seconds: u32,
    /// Container image for Redis, Sentinel and the init container.
    pub image: Image,
    /// The Redis data servers.
    pub redis: Redis,
    /// The Sentinels, one co-located in each Redis pod.
    pub sentinel: Sentinel,
    /// Where pods may run relative to each other.
    pub scheduling: Scheduling,
    /// Pod and container security context.
    pub security: Security,
    /// Password authentication from an existing Secret.
    pub auth: Auth,
    /// PodDisruptionBudget.
    pub pod_disruption_budget: PodDisruptionBudget,
    /// NetworkPolicy admitting only the client pods and the Redis pods themselves.
    pub network_policy: NetworkPolicy,
    /// Prometheus metrics and alerts (needs the Prometheus Operator's CRDs).
    pub metrics: Metrics,
    /// TLS for Redis, Sentinel, replication and the probes.
    pub tls: Tls,
    /// Extra labels put on every object.
    #[schemars(schema_with = "grammar::label_map")]
    pub labels: BTreeMap<String, String>,
    /// Annotations on the pods (the StatefulSet's pod template), e.g. a service mesh's or a
    /// backup tool's. Keys are qualified names (`example.com/key`); values any text.
    #[schemars(schema_with = "grammar::annotation_map")]
    pub pod_annotations: BTreeMap<String, String>,
    /// The client Service (the Sentinel port only).
    pub service: Service,
    /// The pods' ServiceAccount.
    pub service_account: ServiceAccount,
    /// The cluster's DNS domain: pod addresses are
    /// `<pod>.<name>-headless.<namespace>.svc.<clusterDomain>` (Sentinel announces them, the
    /// TLS certificate names them). Only change it if your cluster's kubelets use another
    /// (`--cluster-domain`).
    #[schemars(regex(pattern = DNS_SUBDOMAIN), length(max = 253))]
    pub cluster_domain: String,
    /// Scheduled RDB snapshots onto a claim, and restore from them (docs/runbook.md).
    pub backup: super::backup::Backup,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            extends: None,
            description: String::new(),
            namespace: DEFAULT_NAMESPACE.into(),
            name: "redis".into(),
            cluster: Cluster::default(),
            engine: Engine::default(),
            failover_target_seconds: 10,
            image: Image::default(),
            redis: Redis::default(),
            sentinel: Sentinel::default(),
            scheduling: Scheduling::default(),
            security: Security::default(),
            auth: Auth::default(),
            pod_disruption_budget: PodDisruptionBudget::default(),
            network_policy: NetworkPolicy::default(),
            metrics: Metrics::default(),
            tls: Tls::default(),
            labels: BTreeMap::new(),
            pod_annotations: BTreeMap::new(),
            service: Service::default(),
            service_account: ServiceAccount::default(),
            cluster_domain: "cluster.local".into(),
            backup: super::backup::Backup::default(),
        }
    }
}

/// Facts about the target cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Cluster {
    /// Number of schedulable nodes (required anti-affinity needs at least one per pod).
    pub nodes: u32,
    /// OpenShift: no fixed UID/GID (restricted-v2 SCC assigns them).
    pub openshift: bool,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster {
            nodes: 3,
            openshift: false,
        }
    }
}

/// A container image reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Image {
    /// Registry and path, e.g. `docker.io/library/redis`. Unset: the engine's official image
    /// (`docker.io/library/redis` or `docker.io/valkey/valkey`).
    #[schemars(regex(pattern = IMAGE_REPOSITORY), length(max = 255))]
    pub repository: String,
    /// Unset: the engine's pinned release (`7.2.15-alpine` for Redis, `8.1.11-alpine` for
    /// Valkey).
    #[schemars(regex(pattern = IMAGE_TAG))]
    pub tag: String,
    /// `sha256:…` digest; when set the image is pinned by digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = IMAGE_DIGEST))]
    pub digest: Option<String>,
    /// `Always`, `IfNotPresent` or `Never`.
    #[schemars(extend("enum" = PULL_POLICIES))]
    pub pull_policy: String,
    /// Names of existing `kubernetes.io/dockerconfigjson` Secrets the kubelet pulls this
    /// image with (the pod's `imagePullSecrets`: the union of `image.pullSecrets` and, with
    /// metrics on, `metrics.image.pullSecrets`, sorted).
    #[schemars(inner(regex(pattern = DNS_SUBDOMAIN), length(max = 253)))]
    pub pull_secrets: Vec<String>,
}

impl Default for Image {
    fn default() -> Self {
        Image {
            repository: Engine::Redis.repository().into(),
            tag: Engine::Redis.tag().into(),
            digest: None,
            pull_policy: "IfNotPresent".into(),
            pull_secrets: Vec::new(),
        }
    }
}

/// The namespace of every object unless the profile or `--namespace` says otherwise (and the
/// one `status --target kubectl` looks in).
pub const DEFAULT_NAMESPACE: &str = "kubernaut-system";

/// The rule `redis.maxmemoryPolicyReason` suppresses on the StatefulSet (reported by the
/// rule of that id, `src/rules/memory.rs`).
pub const MAXMEMORY_POLICY_EVICTS_STATE: &str = "maxmemory-policy-evicts-state";

/// The Redis data servers (one per pod).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Redis {
    /// Number of Redis pods (each also runs a Sentinel).
    pub replicas: u32,
    /// Data port (not the Sentinel's, nor a metrics exporter's).
    #[schemars(range(min = 1))]
    pub port: u16,
    /// `maxmemory`, in Redis units (`256mb`).
    #[schemars(regex(pattern = REDIS_SIZE))]
    pub maxmemory: String,
    /// `maxmemory-policy`: one of Redis's eight eviction policies.
    #[schemars(extend("enum" = MAXMEMORY_POLICIES))]
    pub maxmemory_policy: String,
    /// Reason written on the objects when `maxmemoryPolicy` is an `allkeys-*` policy
    /// (suppresses `maxmemory-policy-evicts-state` with that reason). Empty: no suppression.
    pub maxmemory_policy_reason: String,
    /// RDB save points, each `"<seconds> <changes>"`. Empty list: RDB off.
    #[schemars(inner(regex(pattern = SAVE_POINT)))]
    pub save: Vec<String>,
    /// `appendonly yes|no`.
    pub appendonly: bool,
    /// `min-replicas-to-write`: an isolated master stops accepting writes. At most
    /// `replicas` − 1 (a master has no more replicas than that).
    pub min_replicas_to_write: u32,
    /// `min-replicas-max-lag`, seconds: how long an isolated master keeps accepting writes.
    /// Below `sentinel.downAfterMilliseconds`, so it stops before the Sentinels promote
    /// another (rule `min-replicas-max-lag-exceeds-down-after`).
    pub min_replicas_max_lag: u32,
    /// `repl-diskless-sync-delay`, seconds (Redis's default 5 delays every full sync).
    pub repl_diskless_sync_delay: u32,
    /// Replicas the gateway waits for with `WAIT` after each write (0: no `WAIT`).
    pub wait_replicas: u32,
    /// `client-output-buffer-limit replica`: how much a master may buffer for a replica
    /// during a full sync (outside `maxmemory`). Unset: derived so that `maxmemory` + the
    /// hard limit + a fork copy-on-write estimate (half of `maxmemory`) stay within
    /// `resources.limits.memory` (`64mb 16mb 60` for 256mb in 512Mi); see
    /// `docs/architecture.md`, "Memory during a full sync".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_output_buffer: Option<ReplicaOutputBuffer>,
    /// Redis container resources.
    pub resources: Resources,
    /// Data volume (PVC template).
    pub storage: Storage,
    /// `terminationGracePeriodSeconds` of the pods.
    pub termination_grace_period_seconds: u32,
    /// More `redis.conf` directives: directive → arguments (`appendfsync: everysec`),
    /// appended in directive order. Directives the generator writes itself (the template's
    /// and the start script's: `port`, `dir`, `replicaof`, `requirepass`, `maxmemory`, …)
    /// are refused, with the profile field to use where there is one; so are `include`,
    /// `rename-command`, the data files' names (`dbfilename`, `appendfilename`,
    /// `appenddirname`: the start scripts find a node's data by the default names) and
    /// values with control characters. `redis-ha-gen lint` sees them.
    #[schemars(schema_with = "grammar::directive_map")]
    pub extra_config: BTreeMap<String, String>,
}

impl Default for Redis {
    fn default() -> Self {
        Redis {
            replicas: 3,
            port: 6379,
            maxmemory: "256mb".into(),
            maxmemory_policy: "allkeys-lru".into(),
            maxmemory_policy_reason: "the gateway's keys all expire within minutes; under memory \
                pressure availability matters more than a rare duplicate"
                .into(),
            save: vec!["900 1".into()],
            appendonly: false,
            min_replicas_to_write: 1,
            min_replicas_max_lag: 3,
            repl_diskless_sync_delay: 0,
            wait_replicas: 0,
            replica_output_buffer: None,
            resources: Resources {
                requests: CpuMemory {
                    cpu: "100m".into(),
                    memory: "128Mi".into(),
                },
                limits: CpuMemory {
                    cpu: "500m".into(),
                    memory: "512Mi".into(),
                },
            },
            storage: Storage::default(),
            termination_grace_period_seconds: 30,
            extra_config: BTreeMap::new(),
        }
    }
}

/// `client-output-buffer-limit replica <hardLimit> <softLimit> <softSeconds>`: a replica
/// whose buffer passes the hard limit, or stays above the soft limit for `softSeconds`, is
/// disconnected (its full sync starts over).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplicaOutputBuffer {
    /// Hard limit in Redis units (`64mb`); not `0`, which Redis reads as "no limit".
    pub hard_limit: String,
    /// Soft limit in Redis units (`16mb`; `0`: none).
    pub soft_limit: String,
    /// Seconds the soft limit may be exceeded.
    pub soft_seconds: u32,
}

/// The PersistentVolumeClaim template of each Redis pod.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Storage {
    pub size: String,
    /// StorageClass; empty: the cluster's default class.
    #[schemars(regex(pattern = DNS_SUBDOMAIN_OR_EMPTY), length(max = 253))]
    pub storage_class_name: String,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            size: "1Gi".into(),
            storage_class_name: String::new(),
        }
    }
}

/// The Sentinels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Sentinel {
    /// Sentinel port (not Redis's, nor a metrics exporter's).
    #[schemars(range(min = 1))]
    pub port: u16,
    /// The monitored master set's name: letters, digits, `.`, `_` and `-`, 64 at most.
    #[schemars(regex(pattern = MASTER_NAME))]
    pub master_name: String,
    /// Sentinels that must agree the master is down.
    pub quorum: u32,
    pub down_after_milliseconds: u32,
    pub failover_timeout: u32,
    pub parallel_syncs: u32,
    /// Sentinel container resources.
    pub resources: Resources,
    /// More `sentinel.conf` directives: directive → arguments (`loglevel: warning`,
    /// `sentinel deny-scripts-reconfig: "yes"`). Applied at every Sentinel start over its
    /// stored state, like the ConfigMap's listener lines. Directives the generator writes are
    /// refused (`sentinel monitor`, `sentinel auth-pass`, `port`, …), as are the per-master
    /// `sentinel <option> <master>` ones, the scripts (`notification-script`,
    /// `client-reconfig-script`) and values with control characters.
    #[schemars(schema_with = "grammar::directive_map")]
    pub extra_config: BTreeMap<String, String>,
}

impl Default for Sentinel {
    fn default() -> Self {
        Sentinel {
            port: 26379,
            master_name: "mymaster".into(),
            quorum: 2,
            down_after_milliseconds: 5000,
            failover_timeout: 10000,
            parallel_syncs: 1,
            resources: Resources {
                requests: CpuMemory {
                    cpu: "50m".into(),
                    memory: "32Mi".into(),
                },
                // The container runs Sentinel and its four watchers (crash-watch, master-fence,
                // replica-detach, sentinel-repoint), whose `redis-cli` processes cost 7–9 ms of
                // CPU each: at 200m (20 ms per 100 ms period) the kernel throttled them on the
                // crash path and in the replica's detach. 500m measured on `production`, three
                // runs each alternated: master-crash failover 1.52–1.58 s → 1.19–1.27 s
                // (docs/architecture.md §17). A limit does not change scheduling; the request
                // stays 50m.
                limits: CpuMemory {
                    cpu: "500m".into(),
                    memory: "64Mi".into(),
                },
            },
            extra_config: BTreeMap::new(),
        }
    }
}

/// Pod anti-affinity strength.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AntiAffinity {
    /// `preferredDuringSchedulingIgnoredDuringExecution` (one-node dev clusters).
    Preferred,
    /// `requiredDuringSchedulingIgnoredDuringExecution`: one pod per node.
    Required,
}

/// Scheduling constraints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Scheduling {
    pub anti_affinity: AntiAffinity,
    /// Topology key of the anti-affinity (a label key).
    #[schemars(regex(pattern = LABEL_KEY))]
    pub topology_key: String,
    /// Also spread pods across `topology.kubernetes.io/zone`.
    pub zone_spread: bool,
    /// Node selector labels.
    #[schemars(schema_with = "grammar::label_map")]
    pub node_selector: BTreeMap<String, String>,
    /// Taints the pods tolerate (Kubernetes `Toleration` list). A toleration only lets the
    /// pods onto tainted nodes; pinning them to a node pool takes `nodeAffinity` or
    /// `nodeSelector` as well (rule `toleration-without-node-affinity`).
    pub tolerations: Vec<Toleration>,
    /// Kubernetes `NodeAffinity` of the pods (e.g. a dedicated node pool).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_affinity: Option<NodeAffinity>,
    /// `priorityClassName` of the pods; empty: the cluster's default priority.
    #[schemars(regex(pattern = DNS_SUBDOMAIN_OR_EMPTY), length(max = 253))]
    pub priority_class_name: String,
}

impl Default for Scheduling {
    fn default() -> Self {
        Scheduling {
            anti_affinity: AntiAffinity::Preferred,
            topology_key: "kubernetes.io/hostname".into(),
            zone_spread: false,
            node_selector: BTreeMap::new(),
            tolerations: Vec::new(),
            node_affinity: None,
            priority_class_name: String::new(),
        }
    }
}

/// Security context.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Security {
    /// Fixed UID (ignored on OpenShift, where the SCC assigns one). 10001: above the
    /// host's users (checkov CKV_K8S_40), not the image's own `redis` user (999); the
    /// `fsGroup` gives it the claim and the projected files.
    pub run_as_user: u32,
    /// Fixed GID and fsGroup (ignored on OpenShift).
    pub fs_group: u32,
    pub read_only_root_filesystem: bool,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            run_as_user: 10001,
            fs_group: 10001,
            read_only_root_filesystem: true,
        }
    }
}

/// Password auth. The password is never written by this tool: it comes from an existing Secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Auth {
    pub enabled: bool,
    /// Name of the existing Secret holding the password.
    #[schemars(regex(pattern = DNS_SUBDOMAIN), length(max = 253))]
    pub existing_secret: String,
    /// Key in that Secret.
    #[schemars(regex(pattern = SECRET_KEY))]
    pub secret_key: String,
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            enabled: false,
            existing_secret: "redis-auth".into(),
            secret_key: "password".into(),
        }
    }
}

/// PodDisruptionBudget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PodDisruptionBudget {
    pub enabled: bool,
    pub max_unavailable: u32,
}

impl Default for PodDisruptionBudget {
    fn default() -> Self {
        PodDisruptionBudget {
            enabled: true,
            max_unavailable: 1,
        }
    }
}

/// NetworkPolicy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NetworkPolicy {
    pub enabled: bool,
    /// Labels of the client (gateway) pods admitted to Redis and Sentinel.
    #[schemars(schema_with = "grammar::label_map")]
    pub client_pod_labels: BTreeMap<String, String>,
}

impl Default for NetworkPolicy {
    fn default() -> Self {
        NetworkPolicy {
            enabled: false,
            client_pod_labels: BTreeMap::from([("app".into(), "gateway".into())]),
        }
    }
}

/// The port the Redis `redis_exporter` sidecar serves metrics on.
pub const REDIS_EXPORTER_PORT: u16 = 9121;
/// The port the Sentinel `redis_exporter` sidecar serves metrics on.
pub const SENTINEL_EXPORTER_PORT: u16 = 9355;

/// Prometheus metrics: a `redis_exporter` sidecar for Redis and one for Sentinel, a
/// `ServiceMonitor`, and a `PrometheusRule` with the alerts of docs/monitoring.md.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Metrics {
    /// Off by default: the `ServiceMonitor` and `PrometheusRule` kinds exist only where the
    /// Prometheus Operator is installed.
    pub enabled: bool,
    /// The `redis_exporter` image (pinned).
    pub image: Image,
    /// Resources of each exporter container.
    pub resources: Resources,
    /// Prometheus scrape interval.
    pub scrape_interval: String,
    /// Page each alert's `runbook_url` points into (plus `#<section>`): the project's
    /// runbook, docs/runbook.md. An `http://` or `https://` URL.
    #[schemars(regex(pattern = HTTP_URL))]
    pub runbook_base_url: String,
    /// Labels of the namespaces Prometheus runs in (the NetworkPolicy, when enabled, admits
    /// scrapes from there).
    #[schemars(schema_with = "grammar::label_map")]
    pub prometheus_namespace_labels: BTreeMap<String, String>,
    /// Extra labels on the `ServiceMonitor` and `PrometheusRule` (e.g. `release: prometheus`,
    /// which kube-prometheus-stack selects on).
    #[schemars(schema_with = "grammar::label_map")]
    pub labels: BTreeMap<String, String>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            enabled: false,
            image: Image {
                repository: "docker.io/oliver006/redis_exporter".into(),
                tag: "v1.67.0".into(),
                digest: None,
                pull_policy: "IfNotPresent".into(),
                pull_secrets: Vec::new(),
            },
            resources: Resources {
                requests: CpuMemory {
                    cpu: "10m".into(),
                    memory: "16Mi".into(),
                },
                limits: CpuMemory {
                    cpu: "100m".into(),
                    memory: "64Mi".into(),
                },
            },
            scrape_interval: "15s".into(),
            // Cargo.toml's `repository` is the one place the project's address is written.
            runbook_base_url: concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/runbook.md")
                .into(),
            prometheus_namespace_labels: BTreeMap::from([(
                "kubernetes.io/metadata.name".into(),
                "monitoring".into(),
            )]),
            labels: BTreeMap::new(),
        }
    }
}

/// TLS: Redis and Sentinel listen only on TLS (the plain port is off), replication and
/// Sentinel's connections use TLS, and the scripts and probes connect with
/// `redis-cli --tls`. Clients present no certificate (`tls-auth-clients no`): the password
/// (`auth`) is the client's identity, TLS protects it and the data on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Tls {
    /// Off by default (opt-in, as in the charts people use today): turning it on changes
    /// what every client must speak.
    pub enabled: bool,
    /// Secret of type `kubernetes.io/tls` with `tls.crt`, `tls.key` and `ca.crt`, mounted
    /// read-only at `/tls`. Its certificate must name the pods
    /// (`*.<name>-headless.<namespace>.svc.<clusterDomain>`), the client Service and
    /// `localhost` (the metrics exporter verifies the name it connects to).
    #[schemars(regex(pattern = DNS_SUBDOMAIN), length(max = 253))]
    pub existing_secret: String,
    /// Have cert-manager issue that Secret.
    pub cert_manager: CertManager,
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            enabled: false,
            existing_secret: "redis-tls".into(),
            cert_manager: CertManager::default(),
        }
    }
}

/// A cert-manager `Certificate` (`cert-manager.io/v1`) whose `spec.secretName` is
/// `tls.existingSecret`, naming every address clients and peers use. Needs cert-manager's
/// CRDs and an issuer; only used with `tls.enabled`.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CertManager {
    /// Render the `Certificate` (off: the Secret is yours to create).
    pub enabled: bool,
    /// The issuer that signs the certificate (`name` is required when enabled).
    pub issuer_ref: IssuerRef,
}

/// A cert-manager issuer reference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct IssuerRef {
    /// The issuer's name; required with `tls.certManager.enabled`.
    #[schemars(regex(pattern = DNS_SUBDOMAIN_OR_EMPTY), length(max = 253))]
    pub name: String,
    /// `Issuer` (same namespace) or `ClusterIssuer`; external issuers name their own kind.
    #[schemars(regex(pattern = KIND))]
    pub kind: String,
    /// API group of the issuer: `cert-manager.io`, or an external issuer's group.
    #[schemars(regex(pattern = DNS_SUBDOMAIN), length(max = 253))]
    pub group: String,
}

impl Default for IssuerRef {
    fn default() -> Self {
        IssuerRef {
            name: String::new(),
            kind: "Issuer".into(),
            group: "cert-manager.io".into(),
        }
    }
}

/// The client Service's type. Clients find the master by asking Sentinel, which answers with
/// pod addresses (`<pod>.<name>-headless.<namespace>.svc.<clusterDomain>`): `NodePort` or
/// `LoadBalancer` make Sentinel reachable from outside the cluster, but only clients that
/// can also resolve and reach those pod addresses (a flat network, multi-cluster DNS) can
/// use its answers. `ExternalName` and headless Services cannot carry Sentinel at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer,
}

/// The client Service (`<name>`): the Sentinel port, for master discovery.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Service {
    /// `ClusterIP` (default), `NodePort` or `LoadBalancer`; see `ServiceType`.
    #[serde(rename = "type")]
    pub service_type: ServiceType,
    /// Annotations on the Service (e.g. a cloud load balancer's settings).
    #[schemars(schema_with = "grammar::annotation_map")]
    pub annotations: BTreeMap<String, String>,
}

impl Default for Service {
    fn default() -> Self {
        Service {
            service_type: ServiceType::ClusterIP,
            annotations: BTreeMap::new(),
        }
    }
}

/// The pods' ServiceAccount (`<name>`; its token is not mounted).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ServiceAccount {
    /// Annotations on the ServiceAccount (e.g. a workload identity binding).
    #[schemars(schema_with = "grammar::annotation_map")]
    pub annotations: BTreeMap<String, String>,
}
