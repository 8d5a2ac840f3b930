//! What a scenario can do to a running set, whatever runs it: this machine's namespaces
//! (`local`) or a live cluster (`kubectl`).

use super::dns::Fault as DnsFault;
use super::network::Cut;
use super::spec::{HaSpec, SecretData};
use crate::resp::Reply;
use std::time::Duration;

/// A running Redis + Sentinel set of `spec.replicas` pods, addressed by ordinal.
pub trait Cluster: Sync {
    fn spec(&self) -> &HaSpec;
    /// Every ordinal the set may hold pods at: `spec().replicas`, or more when the set is
    /// resized during the rehearsal (see `rollout`).
    fn ordinals(&self) -> usize {
        self.spec().replicas
    }
    /// Replace the set's objects with the re-rendered ones it was created with, as
    /// `kubectl apply` does (ConfigMaps, Secrets, the StatefulSet's template and replicas);
    /// no pod is touched: the StatefulSet controller's part is `rollout::apply`. Applied
    /// again, the objects the set was created with come back (the explorer's `scale` fault
    /// re-renders up, then back down).
    fn apply_update(&self) -> anyhow::Result<()> {
        anyhow::bail!("this target cannot apply re-rendered manifests")
    }
    /// Create the pod (again); it keeps its volume claims.
    fn start_pod(&self, ordinal: usize) -> anyhow::Result<()>;
    fn is_ready(&self, ordinal: usize) -> bool;
    /// The pod exists and has not been deleted (its address is in the endpoints of a Service
    /// that publishes not-ready addresses).
    fn is_running(&self, ordinal: usize) -> bool {
        self.is_ready(ordinal)
    }

    /// The pods behind the Sentinel Service's endpoints, as the EndpointSlice controller
    /// computes them: running pods that are Ready, or every running pod when the Service
    /// publishes not-ready addresses. `None` when no Service serves the Sentinel port.
    fn sentinel_endpoints(&self) -> Option<Vec<usize>> {
        let spec = self.spec();
        let service = spec.sentinel_service()?;
        Some(
            (0..spec.replicas)
                .filter(|&i| {
                    if service.publish_not_ready {
                        self.is_running(i)
                    } else {
                        self.is_ready(i)
                    }
                })
                .collect(),
        )
    }
    /// A connection to `port` of Service `service`'s cluster IP from a client pod, as the
    /// gateway opens one: the Services' DNAT picks an endpoint, the NetworkPolicies decide
    /// whether it may connect. `None` where the drill cannot play a client pod (a live
    /// cluster through `kubectl`).
    fn connect_service(
        &self,
        _service: &str,
        _port: u16,
        _client: Client,
        _timeout: Duration,
    ) -> Option<anyhow::Result<Box<dyn Session + '_>>> {
        None
    }
    /// Graceful deletion: preStop, SIGTERM, grace period, SIGKILL.
    fn delete_pod(&self, ordinal: usize) -> anyhow::Result<()>;
    /// SIGKILL every process of the pod, no preStop.
    fn kill_pod(&self, ordinal: usize) -> anyhow::Result<()>;
    fn freeze_pod(&self, ordinal: usize, frozen: bool) -> anyhow::Result<()>;
    fn partition_pod(&self, ordinal: usize, partitioned: bool) -> anyhow::Result<()>;
    /// Cut the pod off its peers (both ways, frames silently dropped) while clients outside
    /// the set still reach it, or join it again.
    fn isolate_pod(&self, ordinal: usize, isolated: bool) -> anyhow::Result<()> {
        self.cut_pod(ordinal, Cut::Both, isolated)
    }
    /// Drop the traffic between the pod and its peers in one or both directions (frames
    /// silently dropped, clients outside the set unaffected), or lift that cut.
    fn cut_pod(&self, ordinal: usize, cut: Cut, on: bool) -> anyhow::Result<()> {
        let _ = (cut, on);
        anyhow::bail!(
            "this target cannot cut {} off its peers only",
            self.pod_name(ordinal)
        )
    }
    /// Drop every frame between pods `a` and `b` (both ways, silently), each still reaching
    /// the other pods and clients; or lift that cut.
    fn cut_between(&self, a: usize, b: usize, on: bool) -> anyhow::Result<()> {
        let _ = on;
        anyhow::bail!(
            "this target cannot cut the path between {} and {} only",
            self.pod_name(a),
            self.pod_name(b)
        )
    }
    /// Drop, both ways and silently, what every other pod's Sentinel exchanges with pod
    /// `ordinal`'s Redis, while its replicas, its own Sentinel and the clients still reach
    /// it; or lift that cut (`partition-master-sentinels`).
    fn cut_from_sentinels(&self, ordinal: usize, on: bool) -> anyhow::Result<()> {
        let _ = on;
        anyhow::bail!(
            "this target cannot cut {}'s Redis off the Sentinels only",
            self.pod_name(ordinal)
        )
    }
    /// Drop, both ways and silently, what pod `ordinal`'s Sentinel container (its Sentinel
    /// and the watchers beside it) exchanges with the Redis of each pod of `targets`, while
    /// its own Redis and every other pod still reach them; or lift that cut. A Sentinel that
    /// hears neither the master nor a replica, as one back from an isolation does while its
    /// links reconnect.
    fn cut_sentinel_off(&self, ordinal: usize, targets: &[usize], on: bool) -> anyhow::Result<()> {
        let _ = (targets, on);
        anyhow::bail!(
            "this target cannot cut {}'s Sentinel off other pods' Redis only",
            self.pod_name(ordinal)
        )
    }
    /// The pod's node is lost (it loses power): every frame to or from the pod silently
    /// dropped (no RST), its processes stopped, its kubelet gone, so the pod stays Running
    /// and Ready as last reported until the node lifecycle controller marks it NotReady, the
    /// node-monitor grace period later. A StatefulSet's pod on a lost node is not replaced.
    fn lose_node(&self, ordinal: usize) -> anyhow::Result<()> {
        anyhow::bail!(
            "this target cannot lose the node of {}",
            self.pod_name(ordinal)
        )
    }
    /// The lost node is back, rebooted: the pod starts again in a new sandbox (a new
    /// address), with its volume claims.
    fn restore_node(&self, ordinal: usize) -> anyhow::Result<()> {
        anyhow::bail!(
            "this target cannot bring back the node of {}",
            self.pod_name(ordinal)
        )
    }
    /// Put a fault of the cluster DNS in force (`None`: lift it).
    fn dns_fault(&self, fault: Option<DnsFault>) -> anyhow::Result<()> {
        let _ = fault;
        anyhow::bail!("this target cannot fault the cluster DNS")
    }
    /// For each (client, named) of `denials`, pod `client` gets NXDOMAIN for pod `named`'s
    /// name (a node-local DNS cache holding a denial) until the next call; `&[]` lifts them.
    fn dns_deny(&self, denials: &[(usize, usize)]) -> anyhow::Result<()> {
        let _ = denials;
        anyhow::bail!("this target cannot fault the cluster DNS")
    }
    /// How many questions the pods asked the cluster DNS so far; `None` where the drill
    /// cannot see them (a live cluster).
    fn dns_queries(&self) -> Option<u64> {
        None
    }
    /// Empty the pod's volume claims (the pod must not be running).
    fn wipe_volumes(&self, ordinal: usize) -> anyhow::Result<()>;
    /// Stop one container gracefully (SIGTERM, grace period, SIGKILL) and keep it stopped,
    /// or start it again.
    fn hold_container(&self, ordinal: usize, container: &str, held: bool) -> anyhow::Result<()>;
    /// SIGKILL one container (its process only, no grace) and keep it stopped until
    /// `hold_container(…, false)`.
    fn kill_container(&self, ordinal: usize, container: &str) -> anyhow::Result<()> {
        let _ = (ordinal, container);
        anyhow::bail!("killing a single container is not available on this target")
    }
    /// SIGSTOP (or SIGCONT) the processes of one container only.
    fn freeze_container(
        &self,
        ordinal: usize,
        container: &str,
        frozen: bool,
    ) -> anyhow::Result<()> {
        let _ = (ordinal, container, frozen);
        anyhow::bail!("freezing a single container is not available on this target")
    }
    /// SIGKILL one container and let the kubelet restart it in place, same pod and address,
    /// after its back-off (a crash).
    fn crash_container(&self, ordinal: usize, container: &str) -> anyhow::Result<()> {
        let _ = (ordinal, container);
        anyhow::bail!("crashing a single container is not available on this target")
    }
    /// Run one pod of CronJob `name`'s job template to its end (at most `timeout`), as
    /// `kubectl create job --from=cronjob/<name>` would (see `jobs`).
    fn run_job(&self, name: &str, timeout: Duration) -> anyhow::Result<super::jobs::JobRun> {
        let _ = timeout;
        anyhow::bail!("this target cannot run a pod of CronJob {name:?}")
    }
    /// A connection to the Redis (`sentinel == false`) or Sentinel of a pod, authenticated.
    fn connect(
        &self,
        ordinal: usize,
        sentinel: bool,
        timeout: Duration,
    ) -> anyhow::Result<Box<dyn Session + '_>>;
    /// Replace the data of Secret `name`, as `kubectl apply` of the Secret would: pods
    /// created afterwards get it in their env and volumes, and the Secret volumes of running
    /// pods are rewritten (the kubelet does so within its sync period; the drill at once).
    fn update_secret(&self, name: &str, data: SecretData) -> anyhow::Result<()> {
        let _ = data;
        anyhow::bail!("this target cannot change Secret {name:?}")
    }
    /// The data of Secret `name` as it is now: the manifests', unless `update_secret` changed it.
    fn secret(&self, name: &str) -> Option<SecretData> {
        self.spec().secrets.get(name).cloned()
    }
    /// The passwords `connect` tries, in turn, from now on (a client switching passwords).
    fn set_passwords(&self, passwords: Vec<String>) -> anyhow::Result<()> {
        let _ = passwords;
        anyhow::bail!("this target cannot switch the clients' password")
    }
    /// A connection that sends no password: what any pod the NetworkPolicy admits has.
    fn connect_anonymous(
        &self,
        ordinal: usize,
        sentinel: bool,
        timeout: Duration,
    ) -> anyhow::Result<Box<dyn Session + '_>>;
    /// The last lines of a container's log.
    fn logs(&self, ordinal: usize, container: &str, lines: usize) -> Vec<String>;

    /// What the execs in a container printed (its preStop hook's log lines, its exec
    /// probes'), which Kubernetes keeps nowhere; empty where the drill does not run them
    /// itself (a live cluster through `kubectl`).
    fn exec_logs(&self, _ordinal: usize, _container: &str) -> Vec<String> {
        Vec::new()
    }

    /// The body of `GET /metrics` on `port` of the pod, fetched from inside the pod network;
    /// `None` where the drill cannot reach pod ports (a live cluster through `kubectl`).
    fn scrape(&self, _ordinal: usize, _port: u16) -> Option<anyhow::Result<String>> {
        None
    }

    /// Zombies and pids of every running container; `None` where the drill cannot see the
    /// pods' processes (a live cluster through `kubectl`).
    fn processes(&self) -> Option<Vec<ProcessCount>> {
        None
    }

    /// Whether `connect` gives live connections that can hold a Pub/Sub subscription (the
    /// client models run only then): not through `kubectl exec`.
    fn live_connections(&self) -> bool {
        false
    }

    /// The ordinal of a host name or address as Redis or Sentinel reports it.
    fn ordinal_of(&self, host: &str) -> Option<usize>;

    fn pod_name(&self, ordinal: usize) -> String {
        self.spec().pod_name(ordinal)
    }

    /// One command on a fresh connection.
    fn call(
        &self,
        ordinal: usize,
        sentinel: bool,
        args: &[&str],
        timeout: Duration,
    ) -> anyhow::Result<Reply> {
        self.connect(ordinal, sentinel, timeout)?
            .call(args, timeout)
    }
}

/// The client pod a connection comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// Labelled like the gateway (the NetworkPolicy's client peer, `clientPodLabels`).
    Gateway,
    /// A pod of the same namespace with no label: what the NetworkPolicy keeps out.
    Unlabelled,
}

/// What runs in one container of one pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessCount {
    pub pod: String,
    /// A container's name, or `pause` for the pod's pause.
    pub container: String,
    /// Host pids of its processes in state `Z`.
    pub zombies: Vec<i32>,
    /// Its cgroup's `pids.current` (threads and zombies included), where there is one.
    pub pids: Option<u64>,
    /// Times the kernel's OOM killer killed one of its processes (memory cgroup).
    pub oom_kills: u64,
}

impl ProcessCount {
    /// The count of one container from its processes (see `procfs`).
    pub fn of(
        pod: &str,
        container: &str,
        processes: &[super::procfs::ProcessEntry],
        pids: Option<u64>,
    ) -> ProcessCount {
        ProcessCount {
            pod: pod.to_string(),
            container: container.to_string(),
            zombies: processes
                .iter()
                .filter(|p| p.state == 'Z')
                .map(|p| p.pid)
                .collect(),
            pids,
            oom_kills: 0,
        }
    }
}

/// A client connection; an `Err` means the connection is unusable (drop it, reconnect).
pub trait Session: Send {
    fn call(&mut self, args: &[&str], timeout: Duration) -> anyhow::Result<Reply>;
    /// One message pushed on a subscribed connection, waiting at most `timeout`
    /// (`Ok(None)`: none came). Targets that run one command per process cannot.
    fn receive(&mut self, timeout: Duration) -> anyhow::Result<Option<Reply>> {
        let _ = timeout;
        anyhow::bail!("this target cannot hold a Pub/Sub subscription")
    }
}
