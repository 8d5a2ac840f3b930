//! The documents rules cite.

pub const SENTINEL: &str =
    "https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/";
pub const REPLICATION: &str =
    "https://redis.io/docs/latest/operate/oss_and_stack/management/replication/";
pub const EVICTION: &str = "https://redis.io/docs/latest/develop/reference/eviction/";
pub const ADMIN: &str = "https://redis.io/docs/latest/operate/oss_and_stack/management/admin/";
pub const PERSISTENCE: &str =
    "https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/";
pub const SECURITY: &str =
    "https://redis.io/docs/latest/operate/oss_and_stack/management/security/";
pub const CONFIG: &str = "https://redis.io/docs/latest/operate/oss_and_stack/management/config/";
pub const REDIS_CONF: &str = "https://raw.githubusercontent.com/redis/redis/7.0/redis.conf";
pub const SENTINEL_CONF: &str = "https://raw.githubusercontent.com/redis/redis/7.0/sentinel.conf";
pub const K8S_STATEFULSET: &str =
    "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/";
pub const K8S_HEADLESS: &str =
    "https://kubernetes.io/docs/concepts/services-networking/service/#headless-services";
pub const K8S_SERVICE: &str = "https://kubernetes.io/docs/concepts/services-networking/service/";
pub const K8S_DNS: &str =
    "https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/";
pub const K8S_CONFIGMAP: &str = "https://kubernetes.io/docs/concepts/configuration/configmap/#using-configmaps-as-files-from-a-pod";
pub const K8S_SECRET: &str = "https://kubernetes.io/docs/concepts/configuration/secret/";
pub const K8S_PROBES: &str = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/";
pub const K8S_TERMINATION: &str =
    "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination";
pub const K8S_RESOURCES: &str =
    "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/";
pub const K8S_PDB: &str = "https://kubernetes.io/docs/tasks/run-application/configure-pdb/";
pub const K8S_DISRUPTIONS: &str = "https://kubernetes.io/docs/concepts/workloads/pods/disruptions/";
pub const K8S_AFFINITY: &str = "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity";
pub const K8S_TAINTS: &str =
    "https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/";
pub const K8S_NODE_AFFINITY: &str =
    "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity";
pub const REDIS_LATENCY: &str =
    "https://redis.io/docs/latest/operate/oss_and_stack/management/optimization/latency/";
pub const K8S_SPREAD: &str =
    "https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/";
pub const K8S_NETPOL: &str =
    "https://kubernetes.io/docs/concepts/services-networking/network-policies/";
pub const K8S_SECURITY_CONTEXT: &str =
    "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/";
pub const K8S_POD_SECURITY: &str =
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted";
pub const K8S_IMAGES: &str = "https://kubernetes.io/docs/concepts/containers/images/#image-names";
pub const K8S_VOLUMES: &str = "https://kubernetes.io/docs/concepts/storage/volumes/";
pub const K8S_ANNOTATIONS: &str =
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/";
pub const K8S_YAML: &str = "https://kubernetes.io/docs/concepts/overview/working-with-objects/#describing-a-kubernetes-object";
pub const K8S_API: &str =
    "https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation";
pub const TLS: &str =
    "https://redis.io/docs/latest/operate/oss_and_stack/management/security/encryption/";
pub const K8S_NAMES: &str =
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/";
pub const CLUSTER_TUTORIAL: &str =
    "https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/";
pub const CLUSTER_SPEC: &str =
    "https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/";
/// Redis does not update a restarted node's IP in `nodes.conf` (the fix-ip scripts' origin).
pub const NODES_CONF_ISSUE: &str = "https://github.com/redis/redis/issues/4645";
pub const K8S_CUSTOM_RESOURCES: &str =
    "https://kubernetes.io/docs/concepts/extend-kubernetes/api-extension/custom-resources/";
pub const K8S_OPERATOR: &str = "https://kubernetes.io/docs/concepts/extend-kubernetes/operator/";
pub const REDIS_VERSIONS: &str =
    "https://redis.io/docs/latest/operate/oss_and_stack/install/version-mgmt/";
pub const VALKEY_RELEASES: &str = "https://valkey.io/topics/releases/";
pub const VALKEY_DOWNLOADS: &str = "https://valkey.io/download/";
pub const K8S_NAMESPACES: &str =
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/";
pub const KUSTOMIZE: &str =
    "https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/";
pub const ARGO_CD_SYNC_OPTIONS: &str =
    "https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#create-namespace";
