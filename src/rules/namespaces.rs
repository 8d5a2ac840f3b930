//! Addresses that name the set's own Service in another namespace: what a Kustomize
//! `namespace:` overlay on a rendered chart leaves behind (`redis-0.redis.default.svc…` in
//! a set moved to `shop`, or redis-ha's `NAMESPACE="default"` that its scripts build
//! `${SERVICE}-announce-0.${NAMESPACE}.svc` from).

use super::rule::{Category, Rule};
use super::sources::{K8S_DNS, SENTINEL};
use crate::finding::Severity;
use crate::model::{Loc, Model, VolumeSource, Workload, token};
use serde_json::Value;

/// `(service, namespace)` of a cluster DNS name `[pod.]service.namespace.svc[.zone]`.
fn service_and_namespace(host: &str) -> Option<(&str, &str)> {
    let labels: Vec<&str> = host.split('.').collect();
    let svc = labels.iter().position(|l| *l == "svc")?;
    if svc < 2 {
        return None;
    }
    let (service, namespace) = (labels[svc - 2], labels[svc - 1]);
    (!service.is_empty() && !namespace.is_empty()).then_some((service, namespace))
}

/// Cluster DNS names in a text, with the 0-based line each is on.
fn dns_names(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().flat_map(|(n, line)| {
        line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
            .filter(|w| w.contains(".svc"))
            .map(move |w| (n, w.trim_matches('.')))
    })
}

/// Shell assignments `NAME="value"` (or `NAME=value`, `NAME='value'`) in a script whose
/// variable builds cluster DNS names (`….${NAME}.svc`, `….$NAME.svc`): (line, name, value).
fn namespace_variables(text: &str) -> Vec<(usize, &str, &str)> {
    if !text.contains(".svc") {
        return Vec::new();
    }
    // The variables that build names, found in one pass: `.${NAME}.svc` or `.$NAME.svc`.
    let used: std::collections::HashSet<&str> = text
        .match_indices(".svc")
        .filter_map(|(i, _)| {
            let before = text[..i].strip_suffix('}').unwrap_or(&text[..i]);
            let start = before
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |j| j + 1);
            let name = &before[start..];
            let prefix = &before[..start];
            (prefix.ends_with(".${") || prefix.ends_with(".$")).then_some(name)
        })
        .collect();
    if used.is_empty() {
        return Vec::new();
    }
    text.lines()
        .enumerate()
        .filter_map(|(n, line)| {
            let (name, value) = line.trim().split_once('=')?;
            let value = value.trim().trim_matches(['"', '\'']);
            let literal = !value.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            (literal && used.contains(name)).then_some((n, name, value))
        })
        .collect()
}

/// Every string in a document with its JSON pointer.
fn strings_at<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::String(s) => out.push((at, s)),
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                strings_at(v, format!("{at}/{i}"), out);
            }
        }
        Value::Object(o) => {
            for (k, v) in o {
                strings_at(v, format!("{at}/{}", token(k)), out);
            }
        }
        _ => {}
    }
}

/// The documents whose text a workload runs with: itself and the ConfigMaps/Secrets it mounts.
fn documents_of(model: &Model, w: &Workload) -> Vec<usize> {
    let mut docs = vec![w.doc];
    for v in &w.volumes {
        if let VolumeSource::Object { kind, name, .. } = &v.source
            && let Some(&doc) = model
                .sources
                .get(&(w.namespace.clone(), *kind, name.clone()))
        {
            docs.push(doc);
        }
    }
    docs
}

/// Findings reported for one string at most.
const PER_STRING: usize = 8;

pub const ADDRESS_IN_OTHER_NAMESPACE: Rule = Rule {
    id: "address-in-other-namespace",
    category: Category::Wiring,
    severity: Severity::Error,
    summary: "a Redis/Sentinel address names the set's own Service in another namespace",
    rationale: "Pods, Sentinels and replicas find each other by cluster DNS names \
        (`<pod>.<service>.<namespace>.svc.cluster.local`). A name that points at the set's own \
        headless Service but in another namespace is what a Kustomize `namespace:` overlay \
        (or a copy to a new namespace) leaves in rendered scripts and configs: kustomize \
        rewrites `metadata.namespace`, not the text inside a ConfigMap or an env value. \
        The same goes for a namespace a script assigns literally and builds such names from \
        (redis-ha's `NAMESPACE=\"default\"` and `${SERVICE}-announce-0.${NAMESPACE}.svc`). \
        Such a name does not resolve, or resolves to another deployment: `sentinel monitor` \
        watches the wrong master or none, `replicaof` replicates from nobody, and Sentinel \
        cannot fail over what it cannot reach. (Redis Sentinel docs, \"Sentinel, Docker, NAT, \
        and possible issues\"; Kubernetes DNS for Services and Pods.)",
    fix: "Write the namespace the objects are applied to (render the chart with `--namespace`, \
        or use a Kustomize replacement for the strings), or a name without the namespace \
        (`<pod>.<service>`), which resolves in the pod's own namespace.",
    references: &[SENTINEL, K8S_DNS],
    check: |cx, sink| {
        // One finding per stale name (or variable) and string, at its first line, and at most
        // `PER_STRING` per string: a hostile script of thousands of such lines stays cheap.
        let mut seen = std::collections::BTreeSet::new();
        for set in &cx.model.sets {
            if set.namespace.is_empty() {
                continue;
            }
            let own: Vec<&str> = cx
                .model
                .services_in(&set.namespace)
                .map(|s| s.name.as_str())
                .collect();
            for w in cx.model.workloads_of(set) {
                for doc in documents_of(cx.model, w) {
                    let mut strings = Vec::new();
                    strings_at(&cx.docs[doc].value, String::new(), &mut strings);
                    for (pointer, text) in strings {
                        for (line, name, ns) in namespace_variables(text) {
                            let nothing_there = cx.model.namespace(ns).services.is_empty();
                            if ns == set.namespace
                                || !nothing_there
                                || seen
                                    .iter()
                                    .filter(|(d, p, _)| *d == doc && *p == pointer)
                                    .count()
                                    >= PER_STRING
                                || !seen.insert((doc, pointer.clone(), name.to_string()))
                            {
                                continue;
                            }
                            let at = Loc {
                                line: Some(line),
                                ..Loc::new(doc, pointer.as_str())
                            };
                            sink.report_for(
                                &at,
                                Some(w.doc),
                                format!(
                                    "`{name}={ns}` builds `….${{{name}}}.svc` names in namespace `{ns}`, but {} `{}` is in `{}`: they do not reach this set",
                                    w.kind, w.name, set.namespace
                                ),
                            );
                        }
                        for (line, host) in dns_names(text) {
                            let Some((service, ns)) = service_and_namespace(host) else {
                                continue;
                            };
                            let elsewhere = cx.model.services_in(ns).any(|s| s.name == service);
                            if ns == set.namespace || !own.contains(&service) || elsewhere {
                                continue;
                            }
                            let full = seen
                                .iter()
                                .filter(|(d, p, _)| *d == doc && *p == pointer)
                                .count()
                                >= PER_STRING;
                            if full || !seen.insert((doc, pointer.clone(), host.to_string())) {
                                continue;
                            }
                            let at = Loc {
                                line: text.contains('\n').then_some(line),
                                ..Loc::new(doc, pointer.as_str())
                            };
                            sink.report_for(
                                &at,
                                Some(w.doc),
                                format!(
                                    "`{host}` names Service `{service}` in namespace `{ns}`, but {} `{}` and its Service are in `{}`: the name does not reach this set",
                                    w.kind, w.name, set.namespace
                                ),
                            );
                        }
                    }
                }
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use super::{dns_names, service_and_namespace};

    #[test]
    fn service_and_namespace_of_cluster_names() {
        assert_eq!(
            service_and_namespace("redis-0.redis-headless.default.svc.cluster.local"),
            Some(("redis-headless", "default"))
        );
        assert_eq!(
            service_and_namespace("redis.shop.svc"),
            Some(("redis", "shop"))
        );
        assert_eq!(service_and_namespace("redis-0.redis-headless"), None);
        assert_eq!(service_and_namespace("shop.svc"), None);
    }

    #[test]
    fn namespace_variables_that_build_service_names() {
        let text =
            "NAMESPACE=\"default\"\nSERVICE=redis\nOTHER=x\nM=\"${SERVICE}-0.${NAMESPACE}.svc\"\n";
        assert_eq!(
            super::namespace_variables(text),
            vec![(0, "NAMESPACE", "default")]
        );
        assert!(
            super::namespace_variables("NAMESPACE=\"$(cat /ns)\"\nx=a.${NAMESPACE}.svc").is_empty()
        );
    }

    #[test]
    fn names_in_scripts_and_config_lines() {
        let text =
            "sentinel monitor m redis-0.r.default.svc.cluster.local 6379 2\nx=\"$(H).r.${NS}.svc\"";
        let names: Vec<(usize, &str)> = dns_names(text).collect();
        assert_eq!(names[0], (0, "redis-0.r.default.svc.cluster.local"));
        assert!(
            names[1..]
                .iter()
                .all(|(_, n)| service_and_namespace(n).is_none())
        );
    }
}
