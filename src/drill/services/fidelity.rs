//! The report's `fidelity.services`, `fidelity.network_policies` and `fidelity.client`:
//! the Services the drill plays with their cluster IPs, the NetworkPolicies it enforces,
//! and the labels of the client pod the probe connects from.

use super::super::policy::{Labels, Unenforced};
use super::super::spec::HaSpec;
use super::{SERVICE_CIDR, allocate};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ClusterIpService {
    pub name: String,
    pub cluster_ip: String,
    pub ports: Vec<u16>,
    /// Its selector picks the set's pods (otherwise it has no endpoints).
    pub selects_pods: bool,
}

/// How the Services are played.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ServicesFidelity {
    pub service_cidr: &'static str,
    /// Services with a cluster IP: DNAT to a ready endpoint, at random per connection.
    pub cluster_ip: Vec<ClusterIpService>,
    /// Headless Services: their names resolve to the endpoints.
    pub headless: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PolicyFidelity {
    /// Policies selecting the set's pods, enforced on the pods' bridge (new TCP connections).
    pub enforced: Vec<String>,
    pub not_enforced: Vec<Unenforced>,
}

/// The client pod the probe's Service discovery connects from.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ClientFidelity {
    pub namespace: String,
    pub labels: Labels,
}

pub fn services(spec: &HaSpec) -> ServicesFidelity {
    let ips = allocate(&spec.namespace, &spec.services);
    ServicesFidelity {
        service_cidr: SERVICE_CIDR,
        cluster_ip: spec
            .services
            .iter()
            .filter_map(|s| {
                Some(ClusterIpService {
                    name: s.name.clone(),
                    cluster_ip: ips.get(&s.name)?.to_string(),
                    ports: s.ports.clone(),
                    selects_pods: s.selects_pods,
                })
            })
            .collect(),
        headless: spec
            .services
            .iter()
            .filter(|s| s.headless)
            .map(|s| s.name.clone())
            .collect(),
    }
}

pub fn policies(spec: &HaSpec) -> PolicyFidelity {
    PolicyFidelity {
        enforced: spec
            .policies
            .enforced
            .iter()
            .map(|p| p.name.clone())
            .collect(),
        not_enforced: spec.policies.not_enforced.clone(),
    }
}

pub fn client(spec: &HaSpec) -> ClientFidelity {
    ClientFidelity {
        namespace: spec.namespace.clone(),
        labels: spec.policies.client_labels.clone(),
    }
}
