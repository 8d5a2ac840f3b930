//! What the `kubectl` target reads of a deployed pod (`kubectl get pod NAME -o json`) to pick
//! how to fault it: whether its containers share one PID namespace, each container's runtime
//! ID (how its processes are found) and restart count (how a kill is seen to have taken).

use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::Pod;

/// One deployed pod, as its status says now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodState {
    pub name: String,
    /// `spec.shareProcessNamespace: true`: PID 1 is the pause, every container's processes
    /// are ordinary members of one namespace and may be signalled from a sibling.
    pub shares_pids: bool,
    /// The regular containers, in the pod spec's order.
    pub containers: Vec<ContainerState>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerState {
    pub name: String,
    /// The runtime's ID without its `containerd://` (`cri-o://`, `docker://`) prefix: the
    /// name of the container's cgroup, which `/proc/PID/cgroup` of each of its processes shows.
    pub id: Option<String>,
    pub restarts: i32,
    pub running: bool,
}

impl PodState {
    pub fn parse(name: &str, json: &str) -> anyhow::Result<PodState> {
        let pod: Pod = serde_json::from_str(json)
            .with_context(|| format!("`kubectl get pod {name} -o json` is not a pod"))?;
        let spec = pod
            .spec
            .with_context(|| format!("pod {name} has no spec"))?;
        let statuses = pod
            .status
            .and_then(|s| s.container_statuses)
            .unwrap_or_default();
        let containers = spec
            .containers
            .iter()
            .map(|c| {
                let status = statuses.iter().find(|s| s.name == c.name);
                let id = status
                    .and_then(|s| s.container_id.as_deref())
                    .map(|id| id.rsplit("://").next().unwrap_or(id).to_string())
                    .filter(|id| !id.is_empty());
                if let Some(id) = &id
                    && !id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                {
                    bail!(
                        "pod {name}: container {} has an unexpected ID {id:?}",
                        c.name
                    );
                }
                Ok(ContainerState {
                    name: c.name.clone(),
                    id,
                    restarts: status.map_or(0, |s| s.restart_count),
                    running: status
                        .and_then(|s| s.state.as_ref())
                        .is_some_and(|s| s.running.is_some()),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(PodState {
            name: name.to_string(),
            shares_pids: spec.share_process_namespace == Some(true),
            containers,
        })
    }

    pub fn container(&self, name: &str) -> anyhow::Result<&ContainerState> {
        self.containers
            .iter()
            .find(|c| c.name == name)
            .with_context(|| format!("pod {} has no container {name:?}", self.name))
    }

    /// The runtime ID of a running container.
    pub fn running_id(&self, name: &str) -> anyhow::Result<&str> {
        let container = self.container(name)?;
        match (&container.id, container.running) {
            (Some(id), true) => Ok(id),
            _ => bail!(
                "container {name} of pod {} is not running: nothing to signal",
                self.name
            ),
        }
    }

    /// Refuse a signal fault where it would silently do nothing: without a shared PID
    /// namespace each container's main process is PID 1 of its own namespace, and the kernel
    /// drops a SIGSTOP or SIGKILL sent to it from inside that namespace (pid_namespaces(7)) —
    /// from `kubectl exec` and from an ephemeral `kubectl debug --target` container alike.
    pub fn require_shared_pids(&self, fault: &str) -> anyhow::Result<()> {
        if self.shares_pids {
            return Ok(());
        }
        bail!(
            "cannot {fault} on pod {}: it does not share its process namespace \
             (spec.shareProcessNamespace is not true), so each container's main process is PID 1 \
             of its own namespace and the kernel drops a SIGSTOP or SIGKILL sent to it from \
             inside the pod (pid_namespaces(7)): the fault would do nothing. Deploy the set with \
             `shareProcessNamespace: true` in the StatefulSet's pod template (the generated \
             manifests set it), or rehearse it with --target local",
            self.name
        )
    }

    /// The running container to send signals to `targets` from: a sibling when there is one
    /// (its own processes are not signalled), else the first target itself (not for SIGKILL:
    /// the shell would die with its container before it reports).
    pub fn signaller(&self, targets: &[&str], kill: bool) -> anyhow::Result<&str> {
        let running = |c: &&ContainerState| c.running && c.id.is_some();
        if let Some(c) = self
            .containers
            .iter()
            .filter(running)
            .find(|c| !targets.contains(&c.name.as_str()))
        {
            return Ok(&c.name);
        }
        match self
            .containers
            .iter()
            .filter(running)
            .find(|c| targets.contains(&c.name.as_str()))
        {
            Some(c) if !kill => Ok(&c.name),
            _ => bail!(
                "pod {} has no other running container to send SIGKILL to {} from",
                self.name,
                targets.join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(share: bool) -> String {
        serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "redis-0"},
            "spec": {
                "shareProcessNamespace": share,
                "containers": [{"name": "redis"}, {"name": "sentinel"}]
            },
            "status": {"containerStatuses": [
                {"name": "sentinel", "containerID": "containerd://b2", "restartCount": 3,
                 "ready": true, "image": "", "imageID": "", "state": {"running": {}}},
                {"name": "redis", "containerID": "cri-o://a1", "restartCount": 0,
                 "ready": false, "image": "", "imageID": "", "state": {"waiting": {}}}
            ]}
        })
        .to_string()
    }

    #[test]
    fn reads_ids_restarts_and_the_shared_namespace() {
        let state = PodState::parse("redis-0", &pod(true)).unwrap();
        assert!(state.shares_pids);
        assert_eq!(state.containers[0].name, "redis");
        assert_eq!(state.containers[0].id.as_deref(), Some("a1"));
        assert!(!state.containers[0].running);
        assert_eq!(state.containers[1].restarts, 3);
        assert_eq!(state.running_id("sentinel").unwrap(), "b2");
        let err = state.running_id("redis").unwrap_err().to_string();
        assert!(err.contains("not running"), "{err}");
        assert!(state.require_shared_pids("freeze").is_ok());
    }

    #[test]
    fn refuses_a_pod_without_a_shared_process_namespace() {
        let state = PodState::parse("redis-0", &pod(false)).unwrap();
        let err = state
            .require_shared_pids("SIGSTOP container redis")
            .unwrap_err()
            .to_string();
        assert!(err.contains("shareProcessNamespace"), "{err}");
        assert!(err.contains("pid_namespaces(7)"), "{err}");
    }

    #[test]
    fn signals_from_a_running_sibling() {
        let state = PodState::parse("redis-0", &pod(true)).unwrap();
        assert_eq!(state.signaller(&["redis"], true).unwrap(), "sentinel");
        // Every container a target: the running one, except for a SIGKILL.
        assert_eq!(
            state.signaller(&["redis", "sentinel"], false).unwrap(),
            "sentinel"
        );
        assert!(state.signaller(&["sentinel"], true).is_err());
        assert!(PodState::parse("redis-0", "{}").is_err());
    }
}
