//! The rendered NetworkPolicies that select the set's pods, as the drill enforces them on
//! the pods' bridge: who may open a TCP connection to which port of a Redis pod. A policy
//! the drill cannot model faithfully (label expressions, namespace selectors, IP blocks,
//! port ranges) is listed as not enforced rather than half-applied.

use super::service_name::matches;
use crate::manifest::Document;
use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

pub use crate::model::selector::Labels;

/// One `ingress` rule: who (`None`: any source) may reach which ports (`None`: every port).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressRule {
    /// The peers' pod labels (`podSelector.matchLabels`).
    pub from: Option<Vec<Labels>>,
    pub ports: Option<Vec<u16>>,
}

/// A policy selecting the set's pods for ingress; no rule means no ingress at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressPolicy {
    pub name: String,
    pub rules: Vec<IngressRule>,
}

/// A policy that selects the pods but that the drill does not enforce, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unenforced {
    pub name: String,
    pub reason: String,
}

/// The set's NetworkPolicies and the client the drill plays.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policies {
    pub enforced: Vec<IngressPolicy>,
    pub not_enforced: Vec<Unenforced>,
    /// The labels of the drill's client pod: the first peer of an enforced policy that is not
    /// the set's own pods (the gateway's `clientPodLabels`); none without such a peer.
    pub client_labels: Labels,
}

fn plain_labels(selector: &LabelSelector, what: &str) -> Result<Labels, String> {
    if selector
        .match_expressions
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        return Err(format!("{what} uses matchExpressions"));
    }
    Ok(selector.match_labels.clone().unwrap_or_default())
}

fn peer(peer: &NetworkPolicyPeer) -> Result<Labels, String> {
    if peer.ip_block.is_some() {
        return Err("an ingress peer is an ipBlock".into());
    }
    if let Some(ns) = &peer.namespace_selector
        && (ns.match_labels.as_ref().is_some_and(|l| !l.is_empty())
            || ns.match_expressions.as_ref().is_some_and(|e| !e.is_empty()))
    {
        return Err("an ingress peer selects namespaces by label".into());
    }
    match &peer.pod_selector {
        Some(selector) => plain_labels(selector, "an ingress peer's podSelector"),
        None => Ok(Labels::new()),
    }
}

/// A TCP port of the rule (`None`: every port); other protocols match nothing here (the
/// set serves TCP only).
fn port(port: &NetworkPolicyPort, pod: &PodSpec) -> Result<Option<Option<u16>>, String> {
    if port.protocol.as_deref().is_some_and(|p| p != "TCP") {
        return Ok(None);
    }
    if port.end_port.is_some() {
        return Err("a port range (endPort)".into());
    }
    Ok(Some(match &port.port {
        None => None,
        Some(IntOrString::Int(n)) => Some(u16::try_from(*n).unwrap_or(0)),
        Some(IntOrString::String(name)) => Some(
            pod.containers
                .iter()
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| p.name.as_deref() == Some(name.as_str()))
                .and_then(|p| u16::try_from(p.container_port).ok())
                .unwrap_or(0),
        ),
    }))
}

fn ingress_policy(
    policy: &NetworkPolicy,
    pod_labels: &Labels,
    pod: &PodSpec,
) -> Result<Option<IngressPolicy>, String> {
    let spec = policy.spec.clone().unwrap_or_default();
    let selector = spec.pod_selector.clone().unwrap_or_default();
    if !matches(&plain_labels(&selector, "podSelector")?, pod_labels) {
        return Ok(None);
    }
    if spec
        .policy_types
        .as_ref()
        .is_some_and(|t| !t.iter().any(|t| t == "Ingress"))
    {
        return Ok(None);
    }
    let mut rules = Vec::new();
    for rule in spec.ingress.iter().flatten() {
        let from = match rule.from.as_deref() {
            None | Some([]) => None,
            Some(peers) => Some(peers.iter().map(peer).collect::<Result<Vec<_>, _>>()?),
        };
        let ports = match rule.ports.as_deref() {
            None | Some([]) => None,
            Some(ports) => {
                // A TCP entry without a port opens every port; entries of other
                // protocols open nothing here.
                let mut tcp = Vec::new();
                let mut every = false;
                for p in ports {
                    match port(p, pod)? {
                        Some(Some(n)) => tcp.push(n),
                        Some(None) => every = true,
                        None => {}
                    }
                }
                (!every).then_some(tcp)
            }
        };
        rules.push(IngressRule { from, ports });
    }
    Ok(Some(IngressPolicy {
        name: policy.metadata.name.clone().unwrap_or_default(),
        rules,
    }))
}

/// The policies among `documents` that select pods labelled `pod_labels` in `namespace`.
pub fn of(documents: &[Document], namespace: &str, pod_labels: &Labels, pod: &PodSpec) -> Policies {
    let mut policies = Policies::default();
    for doc in documents.iter().filter(|d| d.kind() == "NetworkPolicy") {
        let name = doc.name().to_string();
        let Ok(policy) = serde_json::from_value::<NetworkPolicy>(doc.value.clone()) else {
            policies.not_enforced.push(Unenforced {
                name,
                reason: "not a valid NetworkPolicy".into(),
            });
            continue;
        };
        if policy
            .metadata
            .namespace
            .as_deref()
            .is_some_and(|n| n != namespace)
        {
            continue;
        }
        match ingress_policy(&policy, pod_labels, pod) {
            Ok(Some(p)) => policies.enforced.push(p),
            Ok(None) => {}
            Err(reason) => policies.not_enforced.push(Unenforced { name, reason }),
        }
    }
    policies.client_labels = policies
        .enforced
        .iter()
        .flat_map(|p| &p.rules)
        .flat_map(|r| r.from.iter().flatten())
        .find(|peer| !matches(peer, pod_labels))
        .cloned()
        .unwrap_or_default();
    policies
}

/// A bridge port of the pods' network and the labels of the pod behind it.
pub struct Port<'a> {
    pub link: &'a str,
    pub labels: &'a Labels,
}

fn set(items: &[String]) -> String {
    format!("{{ {} }}", items.join(", "))
}

/// The nft script (one transaction: the table replaced whole) that enforces `policies` on
/// the bridge: a new TCP connection (a SYN) forwarded to one of `targets` (the set's pods)
/// passes when a rule admits its source port and destination port, else is dropped; the
/// host (the node: kubelet probes, the drill's own checks) is not forwarded and always
/// passes. `None` when no policy selects the pods.
pub fn bridge_ruleset(
    table: &str,
    policies: &[IngressPolicy],
    targets: &[Port],
    sources: &[Port],
) -> Option<String> {
    if policies.is_empty() || targets.is_empty() {
        return None;
    }
    let quoted = |ports: &[&Port]| -> Vec<String> {
        ports.iter().map(|p| format!("\"{}\"", p.link)).collect()
    };
    let to = format!(
        "oifname {} tcp flags & (syn | ack) == syn",
        set(&quoted(&targets.iter().collect::<Vec<_>>()))
    );
    let mut rules = Vec::new();
    for rule in policies.iter().flat_map(|p| &p.rules) {
        let mut line = to.clone();
        if let Some(from) = &rule.from {
            let admitted: Vec<&Port> = sources
                .iter()
                .filter(|s| from.iter().any(|peer| matches(peer, s.labels)))
                .collect();
            if admitted.is_empty() {
                continue;
            }
            line += &format!(" iifname {}", set(&quoted(&admitted)));
        }
        if let Some(ports) = &rule.ports {
            if ports.is_empty() {
                continue;
            }
            let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
            line += &format!(" tcp dport {}", set(&ports));
        }
        rules.push(format!("    {line} accept\n"));
    }
    rules.push(format!("    {to} drop\n"));
    Some(format!(
        "table bridge {table}\ndelete table bridge {table}\ntable bridge {table} {{\n  chain forward {{\n    type filter hook forward priority -10; policy accept;\n{}  }}\n}}\n",
        rules.concat()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::selector::labels_of as labels;

    fn documents(extra: &str) -> Vec<Document> {
        let text = format!(
            "{}\n---\n{extra}",
            include_str!("../../tests/drill/tls/redis-ha.yaml")
        );
        crate::drill::spec::documents_from_text("t.yaml", &text).expect("parse")
    }

    fn spec_policies(extra: &str) -> Policies {
        crate::drill::spec::ha_spec(&documents(extra), None)
            .expect("spec")
            .policies
    }

    const OTHER_PODS: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: kubernaut-system}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress: []\n";
    const BY_NAMESPACE: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: monitoring, namespace: kubernaut-system}\nspec:\n  podSelector: {}\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {team: obs}}}]\n";

    #[test]
    fn the_rendered_policy_is_enforced_and_names_the_gateway_as_client() {
        let policies = spec_policies(OTHER_PODS);
        assert_eq!(
            policies.enforced,
            [IngressPolicy {
                name: "redis".into(),
                rules: vec![IngressRule {
                    from: Some(vec![
                        labels(&[("app", "gateway")]),
                        labels(&[("app", "redis")])
                    ]),
                    ports: Some(vec![6379, 26379]),
                }],
            }],
            "a policy of other pods must not count"
        );
        assert!(policies.not_enforced.is_empty());
        assert_eq!(policies.client_labels, labels(&[("app", "gateway")]));
    }

    #[test]
    fn a_policy_the_drill_cannot_model_is_reported_not_half_applied() {
        let policies = spec_policies(BY_NAMESPACE);
        assert_eq!(policies.enforced.len(), 1);
        assert_eq!(
            policies.not_enforced,
            [Unenforced {
                name: "monitoring".into(),
                reason: "an ingress peer selects namespaces by label".into(),
            }]
        );
    }

    #[test]
    fn only_admitted_ports_may_open_connections_to_the_pods() {
        let redis = labels(&[("app", "redis"), ("x", "y")]);
        let gateway = labels(&[("app", "gateway")]);
        let none = Labels::new();
        let targets = [
            Port {
                link: "h0",
                labels: &redis,
            },
            Port {
                link: "h1",
                labels: &redis,
            },
        ];
        let sources = [
            Port {
                link: "h0",
                labels: &redis,
            },
            Port {
                link: "h1",
                labels: &redis,
            },
            Port {
                link: "c0",
                labels: &gateway,
            },
            Port {
                link: "c1",
                labels: &none,
            },
        ];
        let policy = spec_policies("").enforced;
        let text = bridge_ruleset("t", &policy, &targets, &sources).expect("a policy");
        let syn = "oifname { \"h0\", \"h1\" } tcp flags & (syn | ack) == syn";
        assert!(
            text.contains(&format!(
                "{syn} iifname {{ \"h0\", \"h1\", \"c0\" }} tcp dport {{ 6379, 26379 }} accept\n"
            )),
            "{text}"
        );
        assert!(text.contains(&format!("{syn} drop\n")), "{text}");
        assert!(
            !text.contains("\"c1\""),
            "the unlabelled client is admitted: {text}"
        );
        assert!(
            text.starts_with("table bridge t\ndelete table bridge t\n"),
            "{text}"
        );
        // No policy selecting the pods: no table at all.
        assert_eq!(bridge_ruleset("t", &[], &targets, &sources), None);
        // A policy admitting nobody: every new connection to the pods is dropped.
        let closed = [IngressPolicy {
            name: "deny".into(),
            rules: vec![],
        }];
        let text = bridge_ruleset("t", &closed, &targets, &sources).expect("a policy");
        assert!(!text.contains("accept\n"), "{text}");
        assert!(text.contains(&format!("{syn} drop\n")), "{text}");
    }
}
