//! The nftables rules kube-proxy's nftables mode would install for the set's Services, as a
//! pure function of the Services, their cluster IPs and the pods' state: a connection to
//! `<cluster IP>:<port>` is DNATed (in `output` for the namespace's own clients, in
//! `prerouting` for what is routed through it) to a ready endpoint's `targetPort`, picked at
//! random per connection (`numgen random`, as kube-proxy's random balancing does); a
//! connection to a cluster IP with no endpoint, or to a port the Service does not serve, is
//! rejected with an ICMP port unreachable (the client sees "connection refused").

use super::super::dns::PodState;
use super::super::spec::ServiceName;
use super::vip::SERVICE_CIDR;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::Ipv4Addr;

/// The endpoints of `service`: running pods that are Ready (every running pod when it
/// publishes not-ready addresses), as the EndpointSlice controller lists them.
pub fn endpoints(service: &ServiceName, pods: &[PodState]) -> Vec<Ipv4Addr> {
    if !service.selects_pods {
        return Vec::new();
    }
    pods.iter()
        .filter(|p| p.running && (p.ready || service.publish_not_ready))
        .map(|p| p.ip)
        .collect()
}

/// The whole table `table` (family `ip`) as one nft transaction that replaces it.
pub fn ruleset(
    table: &str,
    services: &[ServiceName],
    cluster_ips: &BTreeMap<String, Ipv4Addr>,
    pods: &[PodState],
) -> String {
    let mut dnat = String::new();
    for service in services {
        let Some(vip) = cluster_ips.get(&service.name) else {
            continue;
        };
        let backends = endpoints(service, pods);
        if backends.is_empty() {
            continue;
        }
        for (port, target) in service.ports.iter().zip(&service.target_ports) {
            let map: Vec<String> = backends
                .iter()
                .enumerate()
                .map(|(i, ip)| format!("{i} : {ip} . {target}"))
                .collect();
            let _ = writeln!(
                dnat,
                "    ip daddr {vip} tcp dport {port} dnat ip addr . port to numgen random mod {} map {{ {} }}",
                backends.len(),
                map.join(", ")
            );
        }
    }
    format!(
        "table ip {table}\ndelete table ip {table}\ntable ip {table} {{\n  chain services {{\n{dnat}  }}\n  \
         chain prerouting {{\n    type nat hook prerouting priority -100; policy accept;\n    jump services\n  }}\n  \
         chain output {{\n    type nat hook output priority -100; policy accept;\n    jump services\n  }}\n  \
         chain refuse {{\n    type filter hook output priority 0; policy accept;\n    ip daddr {SERVICE_CIDR} reject with icmp type port-unreachable\n  }}\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, publish_not_ready: bool, target: u16) -> ServiceName {
        ServiceName {
            name: name.into(),
            headless: false,
            publish_not_ready,
            ports: vec![26379],
            target_ports: vec![target],
            selects_pods: true,
        }
    }

    fn pod(last: u8, running: bool, ready: bool) -> PodState {
        PodState {
            ip: Ipv4Addr::new(10, 213, 7, last),
            running,
            ready,
        }
    }

    fn vips() -> BTreeMap<String, Ipv4Addr> {
        BTreeMap::from([
            ("redis".to_string(), Ipv4Addr::new(10, 96, 3, 4)),
            ("all".to_string(), Ipv4Addr::new(10, 96, 5, 6)),
        ])
    }

    #[test]
    fn a_cluster_ip_is_dnated_at_random_to_its_ready_endpoints_target_port() {
        let pods = [
            pod(10, true, true),
            pod(11, true, false),
            pod(12, false, false),
        ];
        let text = ruleset("t", &[service("redis", false, 36379)], &vips(), &pods);
        assert!(
            text.contains(
                "ip daddr 10.96.3.4 tcp dport 26379 dnat ip addr . port to numgen random mod 1 map { 0 : 10.213.7.10 . 36379 }"
            ),
            "{text}"
        );
        assert!(
            !text.contains("10.213.7.11"),
            "a pod that is not Ready is an endpoint: {text}"
        );
        assert!(text.contains("type nat hook prerouting"), "{text}");
        assert!(text.contains("type nat hook output"), "{text}");
    }

    #[test]
    fn publish_not_ready_is_each_services_own() {
        let pods = [
            pod(10, true, true),
            pod(11, true, false),
            pod(12, false, false),
        ];
        let text = ruleset("t", &[service("all", true, 26379)], &vips(), &pods);
        assert!(
            text.contains("mod 2 map { 0 : 10.213.7.10 . 26379, 1 : 10.213.7.11 . 26379 }"),
            "{text}"
        );
    }

    #[test]
    fn a_service_without_endpoints_has_no_dnat_and_its_cluster_ip_is_rejected() {
        let pods = [pod(10, true, false)];
        let text = ruleset("t", &[service("redis", false, 26379)], &vips(), &pods);
        assert!(!text.contains("dnat"), "{text}");
        assert!(
            text.contains("ip daddr 10.96.0.0/16 reject with icmp type port-unreachable"),
            "{text}"
        );
        // A Service whose selector does not pick the pods has no endpoints either.
        let mut other = service("redis", false, 26379);
        other.selects_pods = false;
        assert!(endpoints(&other, &[pod(10, true, true)]).is_empty());
    }
}
