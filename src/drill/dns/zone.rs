//! The cluster zone as CoreDNS's kubernetes plugin serves it from the EndpointSlices: each
//! pod's `<pod>.<headless>.<ns>.svc.<domain>` under the StatefulSet's governing Service, and
//! each Service's `<svc>.<ns>.svc.<domain>` to its endpoints; a pod is an endpoint while it
//! runs and is Ready, or while it runs when that Service publishes not-ready addresses.
//! A Service with a cluster IP answers with that address, endpoints or not (the
//! `services` proxy sends its connections on); a headless one with its endpoints.

use super::wire::Answer;
use crate::drill::spec::HaSpec;
use crate::kube_names::{pod_fqdn, service_fqdn};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// One pod as the endpoints controller sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodState {
    pub ip: Ipv4Addr,
    pub running: bool,
    pub ready: bool,
}

impl PodState {
    /// Pods at `ips` that do not run yet.
    pub fn absent(ips: &[Ipv4Addr]) -> Vec<PodState> {
        ips.iter()
            .map(|&ip| PodState {
                ip,
                running: false,
                ready: false,
            })
            .collect()
    }
}

/// Every name of the zone and its addresses, at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Zone {
    names: BTreeMap<String, Vec<Ipv4Addr>>,
}

impl Zone {
    pub fn of(spec: &HaSpec, pods: &[PodState], cluster_ips: &BTreeMap<String, Ipv4Addr>) -> Zone {
        let ns = &spec.namespace;
        let domain = &spec.cluster_domain;
        let mut names = BTreeMap::new();
        for service in &spec.services {
            if let Some(&vip) = cluster_ips.get(&service.name) {
                names.insert(service_fqdn(&service.name, ns, domain), vec![vip]);
                continue;
            }
            let endpoints: Vec<(usize, Ipv4Addr)> = pods
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    service.selects_pods && p.running && (p.ready || service.publish_not_ready)
                })
                .map(|(i, p)| (i, p.ip))
                .collect();
            if service.name == spec.headless_service {
                for &(ordinal, ip) in &endpoints {
                    let pod = spec.pod_name(ordinal);
                    names.insert(pod_fqdn(&pod, &service.name, ns, domain), vec![ip]);
                }
            }
            // A headless Service without endpoints has no record.
            if !endpoints.is_empty() {
                let ips = endpoints.iter().map(|&(_, ip)| ip).collect();
                names.insert(service_fqdn(&service.name, ns, domain), ips);
            }
        }
        Zone { names }
    }

    #[cfg(test)]
    pub fn from_names(names: BTreeMap<String, Vec<Ipv4Addr>>) -> Zone {
        Zone { names }
    }

    /// The answer to a question for `name` (lower case, no trailing dot). A name outside
    /// the cluster domain would go to the node's upstream resolvers: there is none here.
    pub fn answer(&self, name: &str) -> Answer {
        match self.names.get(name) {
            Some(ips) => Answer::Addresses(ips.clone()),
            None => Answer::NxDomain,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::spec::ServiceName;

    fn spec(publish_not_ready: bool) -> HaSpec {
        let text = include_str!("../../../tests/drill/tls/redis-ha.yaml");
        let documents = crate::drill::spec::documents_from_text("t.yaml", text).expect("parse");
        let mut spec = crate::drill::spec::ha_spec(&documents, None).expect("spec");
        spec.namespace = "ns".into();
        assert_eq!(spec.cluster_domain, "cluster.local");
        spec.services = vec![
            ServiceName {
                name: "redis-headless".into(),
                headless: true,
                publish_not_ready,
                ports: vec![6379],
                target_ports: vec![6379],
                selects_pods: true,
            },
            ServiceName {
                name: "redis".into(),
                headless: false,
                publish_not_ready: false,
                ports: vec![26379],
                target_ports: vec![26379],
                selects_pods: true,
            },
        ];
        spec
    }

    fn vips() -> BTreeMap<String, Ipv4Addr> {
        BTreeMap::from([("redis".to_string(), Ipv4Addr::new(10, 96, 1, 2))])
    }

    fn pod(last: u8, running: bool, ready: bool) -> PodState {
        PodState {
            ip: Ipv4Addr::new(10, 0, 0, last),
            running,
            ready,
        }
    }

    #[test]
    fn ready_pods_have_their_names_and_the_services_list_them() {
        let zone = Zone::of(
            &spec(false),
            &[pod(1, true, true), pod(2, true, false)],
            &vips(),
        );
        let a = |ips: &[u8]| {
            Answer::Addresses(ips.iter().map(|&l| Ipv4Addr::new(10, 0, 0, l)).collect())
        };
        assert_eq!(
            zone.answer("redis-0.redis-headless.ns.svc.cluster.local"),
            a(&[1])
        );
        assert_eq!(
            zone.answer("redis-1.redis-headless.ns.svc.cluster.local"),
            Answer::NxDomain
        );
        // The headless Service lists its endpoints; the client Service is its cluster IP.
        assert_eq!(zone.answer("redis-headless.ns.svc.cluster.local"), a(&[1]));
        assert_eq!(
            zone.answer("redis.ns.svc.cluster.local"),
            Answer::Addresses(vec![Ipv4Addr::new(10, 96, 1, 2)])
        );
        assert_eq!(zone.answer("redis-0.redis-headless"), Answer::NxDomain);
    }

    #[test]
    fn publish_not_ready_is_each_services_own() {
        let zone = Zone::of(
            &spec(true),
            &[pod(1, true, false), pod(2, false, false)],
            &vips(),
        );
        assert_eq!(
            zone.answer("redis-0.redis-headless.ns.svc.cluster.local"),
            Answer::Addresses(vec![Ipv4Addr::new(10, 0, 0, 1)])
        );
        assert_eq!(
            zone.answer("redis-1.redis-headless.ns.svc.cluster.local"),
            Answer::NxDomain
        );
        // The client Service has no endpoint, but its name is its cluster IP all the same
        // (a connection to it is refused, see `services`).
        assert_eq!(
            zone.answer("redis.ns.svc.cluster.local"),
            Answer::Addresses(vec![Ipv4Addr::new(10, 96, 1, 2)])
        );
    }
}
