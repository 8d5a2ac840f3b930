//! The names Kubernetes gives a StatefulSet's pods and a Service in cluster DNS
//! (<https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/>, "A/AAAA
//! records" and "Pods"): built here once for the rendered context, the drill's DNS zone,
//! its spec, the pods' DNS search path and the names its certificates carry; and the test
//! of whether a host name a server reports is one pod's (`status`, the drill's targets).

/// A StatefulSet's pod: `<set>-<ordinal>`.
pub fn pod_name(set: &str, ordinal: usize) -> String {
    format!("{set}-{ordinal}")
}

/// The headless Service that governs the generated StatefulSet `<set>` and names its pods:
/// `<set>-headless`.
pub fn headless_service(set: &str) -> String {
    format!("{set}-headless")
}

/// A pod's name under its headless Service, as its DNS search path completes it:
/// `<pod>.<service>`.
pub fn pod_under_service(pod: &str, headless_service: &str) -> String {
    format!("{pod}.{headless_service}")
}

/// Whether `host`, as Redis or Sentinel reports it, names `pod`: the pod's name itself or any
/// DNS name under it (`<pod>.<service>…`).
pub fn names_pod(host: &str, pod: &str) -> bool {
    host.strip_prefix(pod)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The DNS search path the kubelet writes into a pod's resolv.conf (`dnsPolicy:
/// ClusterFirst`): `<namespace>.svc.<domain> svc.<domain> <domain>`.
pub fn search_path(namespace: &str, domain: &str) -> [String; 3] {
    [
        format!("{namespace}.svc.{domain}"),
        format!("svc.{domain}"),
        domain.to_string(),
    ]
}

/// A Service's fully qualified name: `<service>.<namespace>.svc.<domain>`.
pub fn service_fqdn(service: &str, namespace: &str, domain: &str) -> String {
    format!("{service}.{namespace}.svc.{domain}")
}

/// A pod's fully qualified name under its headless Service:
/// `<pod>.<service>.<namespace>.svc.<domain>`.
pub fn pod_fqdn(pod: &str, headless_service: &str, namespace: &str, domain: &str) -> String {
    service_fqdn(&pod_under_service(pod, headless_service), namespace, domain)
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
        assert_eq!(headless_service("redis"), "redis-headless");
        assert_eq!(
            pod_under_service("redis-0", "redis-headless"),
            "redis-0.redis-headless"
        );
        assert!(names_pod("redis-1", "redis-1"));
        assert!(names_pod("redis-1.redis-headless.ns.svc", "redis-1"));
        assert!(!names_pod("redis-10", "redis-1"));
        assert!(!names_pod("redis-1x.redis-headless", "redis-1"));
        assert_eq!(
            search_path("ns", "cluster.local"),
            ["ns.svc.cluster.local", "svc.cluster.local", "cluster.local"]
        );
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
