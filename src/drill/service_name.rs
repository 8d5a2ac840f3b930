//! A Service of the set as the drill needs it: its name, whether it is headless or
//! publishes pods that are not ready, whether its selector picks the set's pods, and its
//! ports with the pod ports they forward to.

use k8s_openapi::api::core::v1::{PodSpec, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceName {
    pub name: String,
    pub headless: bool,
    pub publish_not_ready: bool,
    /// The Service's `port`s.
    pub ports: Vec<u16>,
    /// Each port's `targetPort` on the pods (a named one resolved through the containers'
    /// ports; the `port` itself when unset), in the order of `ports`.
    pub target_ports: Vec<u16>,
    /// Its `selector` picks the set's pods (a Service without one has no endpoints).
    pub selects_pods: bool,
}

/// Whether `selector` (matchLabels) picks pods labelled `labels`; an empty one picks all.
pub fn matches(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

impl ServiceName {
    /// The Service as the set's pods (labelled `pod_labels`, running `pod`) see it.
    pub fn of(svc: &Service, pod_labels: &BTreeMap<String, String>, pod: &PodSpec) -> ServiceName {
        let spec = svc.spec.clone().unwrap_or_default();
        let named = |name: &str| {
            pod.containers
                .iter()
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| p.name.as_deref() == Some(name))
                .and_then(|p| u16::try_from(p.container_port).ok())
        };
        let (ports, target_ports) = spec
            .ports
            .unwrap_or_default()
            .iter()
            .filter_map(|p| {
                let port = u16::try_from(p.port).ok()?;
                let target = match &p.target_port {
                    None => Some(port),
                    Some(IntOrString::Int(n)) => u16::try_from(*n).ok(),
                    Some(IntOrString::String(name)) => named(name),
                };
                Some((port, target.unwrap_or(port)))
            })
            .unzip();
        ServiceName {
            name: svc.metadata.name.clone().unwrap_or_default(),
            headless: spec.cluster_ip.as_deref() == Some("None"),
            publish_not_ready: spec.publish_not_ready_addresses.unwrap_or(false),
            ports,
            target_ports,
            selects_pods: spec
                .selector
                .as_ref()
                .is_some_and(|s| !s.is_empty() && matches(s, pod_labels)),
        }
    }
}
