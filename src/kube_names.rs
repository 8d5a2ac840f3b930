//! The names Kubernetes gives a StatefulSet's pods and a Service in cluster DNS
//! (<https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/>, "A/AAAA
//! records" and "Pods"): built here once for the rendered context, the drill's DNS zone,
//! its spec and the names its certificates carry.

/// A StatefulSet's pod: `<set>-<ordinal>`.
pub fn pod_name(set: &str, ordinal: usize) -> String {
    format!("{set}-{ordinal}")
}

/// A Service's fully qualified name: `<service>.<namespace>.svc.<domain>`.
pub fn service_fqdn(service: &str, namespace: &str, domain: &str) -> String {
    format!("{service}.{namespace}.svc.{domain}")
}

/// A pod's fully qualified name under its headless Service:
/// `<pod>.<service>.<namespace>.svc.<domain>`.
pub fn pod_fqdn(pod: &str, headless_service: &str, namespace: &str, domain: &str) -> String {
    service_fqdn(&format!("{pod}.{headless_service}"), namespace, domain)
}

/// Every form of a Service's name (or `<pod>.<headless Service>`) a client may use, shortest
/// first: `name`, `name.<namespace>`, `name.<namespace>.svc`, and the fully qualified one.
/// The short forms resolve only through the pod's DNS search path, in the namespace.
pub fn search_forms(name: &str, namespace: &str, domain: &str) -> [String; 4] {
    [
        name.to_string(),
        format!("{name}.{namespace}"),
        format!("{name}.{namespace}.svc"),
        service_fqdn(name, namespace, domain),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_cluster_dns_gives_them() {
        assert_eq!(pod_name("redis", 2), "redis-2");
        assert_eq!(
            pod_fqdn("redis-0", "redis-headless", "ns", "cluster.local"),
            "redis-0.redis-headless.ns.svc.cluster.local"
        );
        assert_eq!(
            service_fqdn("redis", "ns", "cluster.local"),
            "redis.ns.svc.cluster.local"
        );
        assert_eq!(
            search_forms("redis", "ns", "cluster.local"),
            [
                "redis",
                "redis.ns",
                "redis.ns.svc",
                "redis.ns.svc.cluster.local"
            ]
        );
    }
}
