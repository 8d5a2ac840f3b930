//! ClusterIP allocation: each Service with a cluster IP gets one address of the drill's
//! service range, as the API server allocates one from `--service-cluster-ip-range`. The
//! address is a hash of `<namespace>/<name>` (probing on to the next free one on a
//! collision), so a Service keeps its address from run to run and the report is stable.

use super::super::spec::ServiceName;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// The drill's service range, kubeadm's and kind's default (`10.96.0.0/12` holds it). The
/// addresses exist only in the pods' and the client's namespaces: nothing on the host
/// routes them.
pub const SERVICE_CIDR: &str = "10.96.0.0/16";

/// Addresses 10.96.1.1 – 10.96.255.254: the first /24 is left to the cluster's own
/// Services (`kubernetes` at .1, the DNS at .10).
const FIRST: u32 = 256;
const SPAN: u32 = 255 * 256;

/// FNV-1a of `text`: a stable 32-bit hash (the same from run to run and machine to machine).
pub fn fnv(text: &str) -> u32 {
    text.bytes().fold(2_166_136_261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    })
}

fn usable(offset: u32) -> bool {
    let last = offset % 256;
    last != 0 && last != 255
}

/// The cluster IP of every Service of `services` that has one (not headless), by name.
pub fn allocate(namespace: &str, services: &[ServiceName]) -> BTreeMap<String, Ipv4Addr> {
    let mut names: Vec<&str> = services
        .iter()
        .filter(|s| !s.headless)
        .map(|s| s.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut taken = std::collections::BTreeSet::new();
    let mut ips = BTreeMap::new();
    for name in names {
        let mut offset = FIRST + fnv(&format!("{namespace}/{name}")) % SPAN;
        while !usable(offset) || taken.contains(&offset) {
            offset = FIRST + (offset - FIRST + 1) % SPAN;
        }
        taken.insert(offset);
        ips.insert(
            name.to_string(),
            Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 96, 0, 0)) + offset),
        );
    }
    ips
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, headless: bool) -> ServiceName {
        ServiceName {
            name: name.into(),
            headless,
            publish_not_ready: false,
            ports: vec![26379],
            target_ports: vec![26379],
            selects_pods: true,
        }
    }

    #[test]
    fn every_service_with_a_cluster_ip_gets_a_stable_distinct_address_in_the_range() {
        let services = [
            service("redis", false),
            service("redis-headless", true),
            service("redis-metrics", false),
        ];
        let ips = allocate("prod", &services);
        assert_eq!(ips.keys().collect::<Vec<_>>(), ["redis", "redis-metrics"]);
        assert_ne!(ips["redis"], ips["redis-metrics"]);
        for ip in ips.values() {
            let [a, b, c, d] = ip.octets();
            assert_eq!((a, b), (10, 96), "{ip}");
            assert!(c >= 1 && d != 0 && d != 255, "{ip}");
        }
        // The same names give the same addresses, whatever the order they come in.
        let reversed: Vec<ServiceName> = services.iter().rev().cloned().collect();
        assert_eq!(allocate("prod", &reversed), ips);
        // Another namespace, another address.
        assert_ne!(allocate("staging", &services)["redis"], ips["redis"]);
    }

    #[test]
    fn colliding_names_probe_to_the_next_free_address() {
        // Many Services: every address distinct, none a network or broadcast address.
        let services: Vec<ServiceName> = (0..2000)
            .map(|i| service(&format!("s{i}"), false))
            .collect();
        let ips = allocate("ns", &services);
        let distinct: std::collections::BTreeSet<_> = ips.values().collect();
        assert_eq!(distinct.len(), 2000);
        assert!(
            ips.values()
                .all(|ip| usable(u32::from(*ip) - u32::from(Ipv4Addr::new(10, 96, 0, 0))))
        );
    }
}
