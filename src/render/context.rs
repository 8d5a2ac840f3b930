//! The template context: every decision the templates need, made here in typed Rust from the
//! profile (affinity kind, security context, image reference, suppressions), so the templates
//! only place values and never choose between them.

use super::backup::{self, BackupContext};
use super::container::{image_reference, resources};
use super::metrics::{self, MetricsContext};
use super::placement;
use super::tls::{self, TlsContext};
use super::{ping, tilt};
use crate::finding::ignore_check_annotation;
use crate::kube_names;
use crate::memory_budget::{ReplicaBufferLimit, redis_size};
use crate::model::units::{quantity, redis_bytes};
use crate::profile::{AntiAffinity, MAXMEMORY_POLICY_EVICTS_STATE, Profile, extra_config};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Where Redis and Sentinel keep their writable, persistent config (on the PVC).
const DATA_DIR: &str = "/data";
/// Time the pod keeps after `preStop` for Redis's shutdown save (SIGTERM → SAVE → exit).
const SHUTDOWN_RESERVE_SECONDS: u32 = 10;
/// The shortest useful planned-failover budget in `preStop`.
const MIN_PRESTOP_SECONDS: u32 = 5;

/// The start scripts, shipped verbatim in the `<name>-scripts` ConfigMap. They are plain
/// POSIX sh, parameterised by pod env only, so they can be run and tested outside Kubernetes.
pub const SCRIPTS: [(&str, &str); 14] = [
    (
        "common.sh",
        include_str!("../../templates/scripts/common.sh"),
    ),
    ("init.sh", include_str!("../../templates/scripts/init.sh")),
    (
        "redis-start.sh",
        include_str!("../../templates/scripts/redis-start.sh"),
    ),
    (
        "sentinel-start.sh",
        include_str!("../../templates/scripts/sentinel-start.sh"),
    ),
    (
        "redis-prestop.sh",
        include_str!("../../templates/scripts/redis-prestop.sh"),
    ),
    ("probe.sh", include_str!("../../templates/scripts/probe.sh")),
    (
        "crash-watch.sh",
        include_str!("../../templates/scripts/crash-watch.sh"),
    ),
    (
        "replica-align.sh",
        include_str!("../../templates/scripts/replica-align.sh"),
    ),
    (
        "replica-detach.sh",
        include_str!("../../templates/scripts/replica-detach.sh"),
    ),
    (
        "master-fence.sh",
        include_str!("../../templates/scripts/master-fence.sh"),
    ),
    (
        "sentinel-repoint.sh",
        include_str!("../../templates/scripts/sentinel-repoint.sh"),
    ),
    (
        "backup.sh",
        include_str!("../../templates/scripts/backup.sh"),
    ),
    (
        "restore.sh",
        include_str!("../../templates/scripts/restore.sh"),
    ),
    ("aof.sh", include_str!("../../templates/scripts/aof.sh")),
];

/// Everything the templates read. Field names are the template variable names.
#[derive(Debug, Serialize)]
pub struct RenderContext {
    pub namespace: String,
    pub name: String,
    pub headless_service: String,
    pub redis_config_map: String,
    pub sentinel_config_map: String,
    pub scripts_config_map: String,
    pub replicas: u32,
    pub redis_port: u16,
    pub sentinel_port: u16,
    pub master_name: String,
    /// The Sentinels' first guess of the master: ordinal 0's FQDN. Only used when no
    /// Sentinel state exists yet (see `docs/architecture.md`).
    pub initial_master_fqdn: String,
    pub data_dir: &'static str,
    /// Labels on every object.
    pub labels: BTreeMap<String, String>,
    /// The pods' identity labels: selector of the StatefulSet, Services, PDB, NetworkPolicy.
    pub selector: BTreeMap<String, String>,
    /// Annotations on the objects that carry `redis.conf` (ConfigMap and StatefulSet).
    pub redis_conf_annotations: BTreeMap<String, String>,
    /// The StatefulSet's own annotations: those, plus the peer scanners' skips that are
    /// decisions of this design (`scanner_skips`).
    pub statefulset_annotations: BTreeMap<String, String>,
    /// The pod template's annotations: `redis_conf_annotations` and `podAnnotations`.
    pub pod_annotations: BTreeMap<String, String>,
    /// The client Service's `type` and annotations (none: no `annotations` key).
    pub service_type: crate::profile::ServiceType,
    pub service_annotations: Option<BTreeMap<String, String>>,
    /// The ServiceAccount's annotations (none: no `annotations` key).
    pub service_account_annotations: Option<BTreeMap<String, String>>,
    pub redis: RedisConf,
    pub sentinel: SentinelConf,
    pub scripts: BTreeMap<&'static str, &'static str>,
    pub pod: PodSpec,
    pub pdb_max_unavailable: Option<u32>,
    /// Label sets admitted by the NetworkPolicy (client pods, then the Redis pods themselves).
    pub network_policy_peers: Option<Vec<BTreeMap<String, String>>>,
    /// Exporters, ServiceMonitor, PrometheusRule (`metrics.enabled`).
    pub metrics: Option<MetricsContext>,
    /// Certificate files and the cert-manager Certificate (`tls.enabled`).
    pub tls: Option<TlsContext>,
    /// The password Secret's volume (`auth.enabled`).
    pub auth: Option<AuthContext>,
    /// The backup CronJob and its claim (`backup.enabled`).
    pub backup: Option<BackupContext>,
}

/// The password Secret, mounted whole (no `subPath`, no `items`: the kubelet updates the
/// files of running pods when the Secret changes) where the scripts read it. The password is
/// never in the env, so it stays out of `/proc/*/environ` (checkov CKV_K8S_35).
#[derive(Debug, Serialize)]
pub struct AuthContext {
    /// The volume's name in the pod.
    pub volume: &'static str,
    pub secret: String,
    pub dir: &'static str,
}

/// Where the password Secret is mounted (read-only).
pub const AUTH_DIR: &str = "/auth";

/// The Secret key holding the password being rotated out, beside `secret_key`: set during a
/// rotation, every Redis and Sentinel accepts both (docs/runbook.md, "Rotating the password").
pub fn previous_secret_key(secret_key: &str) -> String {
    format!("previous-{secret_key}")
}

/// The values written into `redis.conf`.
#[derive(Debug, Serialize)]
pub struct RedisConf {
    pub maxmemory: String,
    pub maxmemory_policy: String,
    /// `save` lines; empty: `save ""` (RDB off).
    pub save: Vec<String>,
    pub appendonly: &'static str,
    pub min_replicas_to_write: u32,
    pub min_replicas_max_lag: u32,
    pub repl_diskless_sync_delay: u32,
    /// `client-output-buffer-limit replica` arguments: `<hard> <soft> <seconds>`.
    pub replica_output_buffer: String,
    /// `redis.extraConfig` lines, in directive order.
    pub extra_config: Vec<String>,
}

/// The values written into `sentinel.conf`.
#[derive(Debug, Serialize)]
pub struct SentinelConf {
    pub quorum: u32,
    pub down_after_milliseconds: u32,
    pub failover_timeout: u32,
    pub parallel_syncs: u32,
    /// `sentinel.extraConfig` lines, in directive order.
    pub extra_config: Vec<String>,
}

/// The StatefulSet's pod template, with every choice already made.
#[derive(Debug, Serialize)]
pub struct PodSpec {
    pub image: String,
    pub image_pull_policy: String,
    pub env: Vec<Value>,
    pub pod_security_context: Value,
    pub container_security_context: Value,
    pub affinity: Value,
    pub topology_spread_constraints: Option<Value>,
    pub node_selector: Option<BTreeMap<String, String>>,
    pub tolerations: Option<Value>,
    pub priority_class_name: Option<String>,
    pub image_pull_secrets: Option<Value>,
    pub redis_resources: Value,
    pub sentinel_resources: Value,
    pub termination_grace_period_seconds: u32,
    pub storage_size: String,
    pub storage_class_name: Option<String>,
}

impl RenderContext {
    pub fn from_profile(profile: &Profile) -> RenderContext {
        let name = profile.name.clone();
        let headless_service = kube_names::headless_service(&name);
        let selector = BTreeMap::from([("app".to_string(), name.clone())]);
        let mut labels = profile.labels.clone();
        labels.extend(selector.clone());
        labels.insert("app.kubernetes.io/name".into(), "redis".into());
        labels.insert("app.kubernetes.io/instance".into(), name.clone());
        labels.insert("app.kubernetes.io/managed-by".into(), "redis-ha-gen".into());
        let initial_master_fqdn = kube_names::pod_fqdn(
            &kube_names::pod_name(&name, 0),
            &headless_service,
            &profile.namespace,
            &profile.cluster_domain,
        );
        let pod = pod_spec(profile, &name, &headless_service, &selector);
        // redis_exporter reads its password only from the env (its password file is a JSON
        // map of addresses), so the exporter sidecars alone get it that way.
        let password_env = profile.auth.enabled.then(|| {
            json!({
                "name": "REDIS_PASSWORD",
                "valueFrom": {"secretKeyRef": {
                    "name": profile.auth.existing_secret,
                    "key": profile.auth.secret_key,
                }},
            })
        });
        let metrics = metrics::context(profile, &name, &labels, password_env.as_ref());
        let backup = backup::context(profile, &name, &labels, &selector, &pod_env_of(profile));
        RenderContext {
            namespace: profile.namespace.clone(),
            redis_config_map: format!("{name}-config"),
            sentinel_config_map: format!("{name}-sentinel-config"),
            scripts_config_map: format!("{name}-scripts"),
            replicas: profile.redis.replicas,
            redis_port: profile.redis.port,
            sentinel_port: profile.sentinel.port,
            master_name: profile.sentinel.master_name.clone(),
            initial_master_fqdn,
            data_dir: DATA_DIR,
            redis_conf_annotations: redis_conf_annotations(profile),
            statefulset_annotations: redis_conf_annotations(profile)
                .into_iter()
                .chain(scanner_skips(profile))
                .collect(),
            pod_annotations: profile
                .pod_annotations
                .clone()
                .into_iter()
                .chain(redis_conf_annotations(profile))
                .collect(),
            service_type: profile.service.service_type,
            service_annotations: non_empty(&profile.service.annotations),
            service_account_annotations: non_empty(&profile.service_account.annotations),
            redis: RedisConf {
                maxmemory: profile.redis.maxmemory.clone(),
                maxmemory_policy: profile.redis.maxmemory_policy.clone(),
                save: profile.redis.save.clone(),
                appendonly: if profile.redis.appendonly {
                    "yes"
                } else {
                    "no"
                },
                min_replicas_to_write: profile.redis.min_replicas_to_write,
                min_replicas_max_lag: profile.redis.min_replicas_max_lag,
                repl_diskless_sync_delay: profile.redis.repl_diskless_sync_delay,
                replica_output_buffer: replica_output_buffer(profile),
                extra_config: extra_config::lines(&profile.redis.extra_config),
            },
            sentinel: SentinelConf {
                quorum: profile.sentinel.quorum,
                down_after_milliseconds: profile.sentinel.down_after_milliseconds,
                failover_timeout: profile.sentinel.failover_timeout,
                parallel_syncs: profile.sentinel.parallel_syncs,
                extra_config: extra_config::lines(&profile.sentinel.extra_config),
            },
            scripts: SCRIPTS.into_iter().collect(),
            pod,
            metrics,
            tls: tls::context(profile, &headless_service, &profile.cluster_domain),
            auth: profile.auth.enabled.then(|| AuthContext {
                volume: "auth",
                secret: profile.auth.existing_secret.clone(),
                dir: AUTH_DIR,
            }),
            pdb_max_unavailable: profile
                .pod_disruption_budget
                .enabled
                .then_some(profile.pod_disruption_budget.max_unavailable),
            network_policy_peers: profile.network_policy.enabled.then(|| {
                let mut peers = vec![
                    profile.network_policy.client_pod_labels.clone(),
                    selector.clone(),
                ];
                // The backup Job asks the Sentinels and streams a snapshot from a replica.
                peers.extend(backup.as_ref().map(|b| b.pod_labels.clone()));
                peers
            }),
            backup,
            headless_service,
            selector,
            labels,
            name,
        }
    }
}

fn non_empty(map: &BTreeMap<String, String>) -> Option<BTreeMap<String, String>> {
    (!map.is_empty()).then(|| map.clone())
}

/// The profile's replica output buffer limit, or the one derived from `maxmemory` and the
/// memory limit (`memory_budget`). Both sizes were checked when the profile was resolved.
fn replica_output_buffer(profile: &Profile) -> String {
    if let Some(b) = &profile.redis.replica_output_buffer {
        return format!("{} {} {}", b.hard_limit, b.soft_limit, b.soft_seconds);
    }
    let maxmemory = redis_bytes(&profile.redis.maxmemory).unwrap_or(0);
    let limit = quantity(&profile.redis.resources.limits.memory).unwrap_or(0.0) as u64;
    let derived = ReplicaBufferLimit::derived(maxmemory, limit);
    format!(
        "{} {} {}",
        redis_size(derived.hard),
        redis_size(derived.soft),
        derived.soft_seconds
    )
}

/// Suppressions written where operators see them: the defaults' own trade-offs, with the
/// profile's reason. No reason, no suppression (the rule then reports the choice).
fn redis_conf_annotations(profile: &Profile) -> BTreeMap<String, String> {
    let mut annotations = BTreeMap::new();
    let reason = profile.redis.maxmemory_policy_reason.trim();
    if profile.redis.maxmemory_policy.starts_with("allkeys-") && !reason.is_empty() {
        annotations.insert(
            ignore_check_annotation(MAXMEMORY_POLICY_EVICTS_STATE),
            reason.to_string(),
        );
    }
    annotations
}

/// checkov's checks that this design fails on purpose, each skipped on the StatefulSet with
/// its reason (checkov reads `checkov.io/skipN: CHECK=reason` on the resource), so a scan of
/// the output shows the decision instead of an unexplained failure. Only image-digest
/// pinning (CKV_K8S_43) is left to the user: `image.digest`.
fn scanner_skips(profile: &Profile) -> Vec<(String, String)> {
    let mut skips = Vec::new();
    if profile.image.pull_policy == "IfNotPresent" {
        skips.push((
            "CKV_K8S_15",
            "imagePullPolicy IfNotPresent: a crashed Redis must restart while the registry is \
             down; pin image.digest to fix which image runs",
        ));
    }
    if profile.cluster.openshift {
        skips.push((
            "CKV_K8S_40",
            "OpenShift: the restricted-v2 SCC assigns the UID from the namespace's range \
             (1000000000 and up)",
        ));
    }
    skips
        .into_iter()
        .enumerate()
        .map(|(i, (check, reason))| {
            (
                format!("checkov.io/skip{}", i + 1),
                format!("{check}={reason}"),
            )
        })
        .collect()
}

fn pod_spec(
    profile: &Profile,
    name: &str,
    headless_service: &str,
    selector: &BTreeMap<String, String>,
) -> PodSpec {
    let grace = profile.redis.termination_grace_period_seconds;
    let storage = &profile.redis.storage;
    PodSpec {
        image: image_reference(&profile.image),
        image_pull_policy: profile.image.pull_policy.clone(),
        env: pod_env(profile, name, headless_service, grace)
            .into_iter()
            .chain(backup::restore_env(profile))
            .collect(),
        pod_security_context: pod_security_context(profile),
        container_security_context: container_security_context(profile),
        affinity: affinity(profile, selector),
        topology_spread_constraints: profile.scheduling.zone_spread.then(|| {
            // Soft: a zone outage must not leave the replacement pod Pending; hard
            // one-pod-per-node is the anti-affinity's job.
            json!([{
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector},
            }])
        }),
        node_selector: non_empty(&profile.scheduling.node_selector),
        tolerations: placement::tolerations(profile),
        priority_class_name: placement::priority_class_name(profile),
        image_pull_secrets: placement::image_pull_secrets(profile),
        redis_resources: resources(&profile.redis.resources),
        sentinel_resources: resources(&profile.sentinel.resources),
        termination_grace_period_seconds: grace,
        storage_size: storage.size.clone(),
        storage_class_name: (!storage.storage_class_name.is_empty())
            .then(|| storage.storage_class_name.clone()),
    }
}

/// The pods' env without the restore mode's additions (the backup Job's starts from it).
fn pod_env_of(profile: &Profile) -> Vec<Value> {
    let name = &profile.name;
    pod_env(
        profile,
        name,
        &kube_names::headless_service(name),
        profile.redis.termination_grace_period_seconds,
    )
}

/// The scripts' only inputs. Pod identity comes from the downward API so the scripts never
/// trust a hostname the image might set differently.
fn pod_env(profile: &Profile, name: &str, headless_service: &str, grace: u32) -> Vec<Value> {
    let field = |env: &str, path: &str| json!({"name": env, "valueFrom": {"fieldRef": {"fieldPath": path}}});
    let value = |env: &str, value: String| json!({"name": env, "value": value});
    let prestop = grace
        .saturating_sub(SHUTDOWN_RESERVE_SECONDS)
        .max(MIN_PRESTOP_SECONDS);
    let mut env = vec![
        field("POD_NAME", "metadata.name"),
        field("POD_NAMESPACE", "metadata.namespace"),
        value("SET_NAME", name.to_string()),
        value("HEADLESS_SERVICE", headless_service.to_string()),
        value("CLUSTER_DOMAIN", profile.cluster_domain.clone()),
        value("REPLICAS", profile.redis.replicas.to_string()),
        value("REDIS_PORT", profile.redis.port.to_string()),
        value("SENTINEL_PORT", profile.sentinel.port.to_string()),
        value("MASTER_NAME", profile.sentinel.master_name.clone()),
        value("PRESTOP_TIMEOUT_SECONDS", prestop.to_string()),
        value(
            "SENTINEL_TILT_PERIOD_MS",
            tilt::tilt_period_ms(profile.sentinel.down_after_milliseconds).to_string(),
        ),
        value(
            "SENTINEL_PING_PERIOD_MS",
            ping::ping_period_ms(profile.sentinel.down_after_milliseconds).to_string(),
        ),
    ];
    // common.sh: the engine's server and CLI binaries (profile/engine.rs).
    env.extend(
        profile
            .engine
            .env()
            .map(|(name, binary)| value(name, binary.to_string())),
    );
    if profile.tls.enabled {
        // common.sh: set, every redis-cli call speaks TLS and verifies with this CA.
        env.push(value("TLS_CA_CERT_FILE", tls::ca_file()));
    }
    if profile.auth.enabled {
        // common.sh reads the password from these files at every script start.
        let key = &profile.auth.secret_key;
        env.push(value("REDIS_PASSWORD_FILE", format!("{AUTH_DIR}/{key}")));
        env.push(value(
            "REDIS_PREVIOUS_PASSWORD_FILE",
            format!("{AUTH_DIR}/{}", previous_secret_key(key)),
        ));
    }
    env
}

/// OpenShift's restricted-v2 SCC assigns the UID/GID from the namespace range and rejects
/// fixed ones, so there only the non-negotiable parts remain.
fn pod_security_context(profile: &Profile) -> Value {
    let mut context = json!({
        "runAsNonRoot": true,
        "seccompProfile": {"type": "RuntimeDefault"},
    });
    if !profile.cluster.openshift {
        context["runAsUser"] = json!(profile.security.run_as_user);
        context["runAsGroup"] = json!(profile.security.fs_group);
        context["fsGroup"] = json!(profile.security.fs_group);
        context["fsGroupChangePolicy"] = json!("OnRootMismatch");
    }
    context
}

fn container_security_context(profile: &Profile) -> Value {
    json!({
        "allowPrivilegeEscalation": false,
        "capabilities": {"drop": ["ALL"]},
        "privileged": false,
        "readOnlyRootFilesystem": profile.security.read_only_root_filesystem,
        "runAsNonRoot": true,
        "seccompProfile": {"type": "RuntimeDefault"},
    })
}

fn affinity(profile: &Profile, selector: &BTreeMap<String, String>) -> Value {
    let term = json!({
        "labelSelector": {"matchLabels": selector},
        "topologyKey": profile.scheduling.topology_key,
    });
    let anti_affinity = match profile.scheduling.anti_affinity {
        AntiAffinity::Preferred => json!({
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": term}
            ],
        }),
        AntiAffinity::Required => json!({
            "requiredDuringSchedulingIgnoredDuringExecution": [term],
        }),
    };
    let mut affinity = json!({ "podAntiAffinity": anti_affinity });
    if let Some(node_affinity) = placement::node_affinity(profile) {
        affinity["nodeAffinity"] = node_affinity;
    }
    affinity
}
