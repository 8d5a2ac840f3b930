//! Security: authentication, network exposure, images and container privileges (secrets in
//! the open are in `secrets.rs`).

use super::facts::{confs, launch_loc, monitors};
use super::partial::policy_unjudged;
use super::rule::{Category, Rule};
use super::sources::{
    K8S_IMAGES, K8S_NETPOL, K8S_POD_SECURITY, K8S_SECURITY_CONTEXT, REDIS_CONF, SECURITY, SENTINEL,
};
use crate::finding::Severity;
use crate::manifest::JsonPointer;
use crate::model::{Conf, Role, Setting, Topology, Workload};
use serde_json::Value;

/// A password written in the configuration, if any (`requirepass`, or an ACL user with one).
fn password(conf: &Conf) -> Option<&Setting> {
    conf.last("requirepass")
        .filter(|s| s.arg(0).is_some_and(|p| !p.is_empty()))
        .or_else(|| conf.last("aclfile"))
        .or_else(|| {
            conf.all("user").find(|s| {
                s.directive
                    .args
                    .iter()
                    .any(|a| a.starts_with('>') || a.starts_with('#'))
            })
        })
}

/// Pointer to the pod template's labels of a workload.
fn labels_pointer(w: &Workload) -> String {
    format!(
        "{}/metadata/labels",
        w.pod.strip_suffix("/spec").unwrap_or("")
    )
}

pub const REDIS_AUTH_DISABLED: Rule = Rule {
    id: "redis-auth-disabled",
    category: Category::Security,
    severity: Severity::Error,
    summary: "no requirepass/ACL while Redis listens beyond loopback",
    rationale: "Redis without a password that accepts non-local connections (`protected-mode no`, \
        or an explicit `bind 0.0.0.0`/`*`, which also turns protected mode off) lets anyone who \
        reaches the pod read, change or wipe the data, and `REPLICAOF`/`CONFIG SET` turn it into \
        a foothold. (Redis security docs; redis.conf, \"protected-mode\".)",
    fix: "Set `requirepass` (and `masterauth`) from a Secret at start, read from the Secret \
        mounted as a volume (whole, no `subPath`, so a rotated password reaches running pods and \
        stays out of `/proc/*/environ`) or from a `secretKeyRef` variable, or define ACL users; \
        keep network access narrow with a NetworkPolicy.",
    references: &[SECURITY, REDIS_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                if password(conf).is_some() {
                    continue;
                }
                let unprotected = conf
                    .value(&["protected-mode"])
                    .filter(|(v, _)| v.eq_ignore_ascii_case("no"));
                let wide_bind = conf.last("bind").filter(|s| {
                    s.directive.args.iter().any(|a| {
                        let a = a.trim_start_matches('-');
                        !(a.starts_with("127.") || a == "::1" || a == "localhost")
                    })
                });
                if let Some(s) = unprotected.map(|(_, s)| s).or(wide_bind) {
                    sink.report_for(
                        &s.loc,
                        Some(w.doc),
                        format!(
                            "Redis in container `{}` accepts remote connections without a password",
                            c.name
                        ),
                    );
                }
            }
        }
    },
};

pub const SENTINEL_AUTH_MISSING: Rule = Rule {
    id: "sentinel-auth-missing",
    category: Category::Security,
    severity: Severity::Error,
    summary: "Redis requires a password but Sentinel has no auth-pass or requires none itself, \
        or replicas no masterauth",
    rationale: "When Redis requires a password, Sentinel needs `sentinel auth-pass <master> \
        <password>` to monitor it (otherwise it sees the master as failing with NOAUTH and can \
        neither check nor reconfigure instances), and every instance needs `masterauth` — any \
        of them may become a replica after a failover and must authenticate to the new master. \
        Sentinel itself must require a password too (`requirepass`, or ACL users since 6.2): \
        an open Sentinel lets any client that reaches its port run `SENTINEL FAILOVER`, \
        `SENTINEL SET <master> quorum` or `SENTINEL REMOVE <master>` (the set vanishes from \
        discovery), whatever the data port requires. (Redis Sentinel docs, \"Configuring \
        Sentinel instances with authentication\" and \"Sentinel password-only \
        authentication\"; replication docs.)",
    fix: "Add `sentinel auth-pass <master> <password>` and `requirepass <password>` (the same \
        on every Sentinel, which then also authenticates to its peers with it; or `sentinel \
        sentinel-pass`) to sentinel.conf and `masterauth <password>` to redis.conf, all \
        injected from the Secret at start.",
    references: &[SENTINEL, SECURITY],
    check: |cx, sink| {
        for set in &cx.model.sets {
            let redis: Vec<_> = confs(cx.model, set, Role::Redis).collect();
            if !redis.iter().any(|(_, _, c)| password(c).is_some()) {
                continue;
            }
            for (w, c, conf) in confs(cx.model, set, Role::Sentinel) {
                for m in monitors(conf) {
                    if conf.sentinel_value("auth-pass", m.master).is_none() {
                        sink.report_for(&m.setting.loc, Some(w.doc), format!("Redis requires a password but this Sentinel has no `sentinel auth-pass {}`", m.master));
                    }
                }
                if password(conf).is_none() {
                    let at = monitors(conf)
                        .next()
                        .map(|m| m.setting.loc.clone())
                        .unwrap_or_else(|| launch_loc(w, c));
                    sink.report_for(&at, Some(w.doc), "Redis requires a password but this Sentinel requires none: any client that reaches it can SENTINEL FAILOVER, SET or REMOVE the master set");
                }
            }
            // A standalone server never becomes a replica: it needs no masterauth.
            if set.topology == Topology::Standalone {
                continue;
            }
            for (w, c, conf) in redis {
                // Valkey 8 names it `primaryauth` (`masterauth` is its alias).
                if conf.value(&["masterauth", "primaryauth"]).is_none() {
                    let at = password(conf)
                        .map(|s| s.loc.clone())
                        .unwrap_or_else(|| launch_loc(w, c));
                    sink.report_for(&at, Some(w.doc), format!("Redis in container `{}` has no masterauth: as a replica after a failover it cannot authenticate to the new master", c.name));
                }
            }
        }
    },
};

pub const NETWORK_POLICY_MISSING: Rule = Rule {
    id: "network-policy-missing",
    category: Category::Security,
    severity: Severity::Warning,
    summary: "no NetworkPolicy selects the Redis pods",
    rationale: "Without a NetworkPolicy every pod in the cluster can connect to Redis and \
        Sentinel; a compromised or misconfigured workload can read the data or trigger a \
        failover. The seed asks to \"restrict Redis access to Gateway pods only\". \
        On a partial input (a mounted ConfigMap missing, or a StatefulSet's Services) that \
        holds no NetworkPolicy in the namespace, the policy may be in a file that was not \
        passed: `input-partial` says so once, at info, instead of this warning. \
        (Kubernetes NetworkPolicy docs; Redis security docs.)",
    fix: "Add a NetworkPolicy selecting the Redis pods that admits only the client pods and the \
        Redis pods themselves on 6379/26379 (`networkPolicy.enabled`).",
    references: &[K8S_NETPOL, SECURITY],
    check: |cx, sink| {
        for w in cx.model.set_workloads() {
            let covered = cx
                .model
                .policies_in(&w.namespace)
                .any(|p| p.selector.matches(&w.labels));
            if !covered && !policy_unjudged(cx, w) {
                sink.report(
                    &w.loc(labels_pointer(w)),
                    format!(
                        "no NetworkPolicy selects the pods of {} `{}`",
                        w.kind, w.name
                    ),
                );
            }
        }
    },
};

/// Why an image reference floats, if it does. A reference that does not parse is
/// `image-reference-invalid`'s: its "tag" means nothing.
fn floating(image: &str) -> Option<String> {
    if image.contains('@') || super::image_reference::invalid(image).is_some() {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    let Some((_, tag)) = last.split_once(':') else {
        return Some("has no tag (`latest`)".into());
    };
    if tag == "latest" {
        return Some("uses `latest`".into());
    }
    // Go projects tag releases `v1.67.0`.
    let numeric = |part: &'_ str| -> Option<String> {
        let part = part
            .strip_prefix('v')
            .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or(part);
        part.starts_with(|c: char| c.is_ascii_digit())
            .then(|| part.to_string())
    };
    let first = tag.split('-').next().unwrap_or(tag);
    // The version first (`7.0.15-alpine`), or after a variant name (`server-3.0.1`, one image
    // for several programs: tarosky/k8s-redis-ha) when that names a full `x.y` version.
    let Some(version) = numeric(first).or_else(|| {
        tag.split('-')
            .skip(1)
            .filter_map(numeric)
            .find(|v| v.contains('.'))
    }) else {
        return Some(format!("tag `{tag}` names no version"));
    };
    // `5.0-rc`, `7.2-rc2`: a pre-release line, retagged as release candidates come out.
    let pre_release = tag.split('-').skip(1).any(|part| {
        let part = part.to_ascii_lowercase();
        ["rc", "alpha", "beta"].iter().any(|p| part.starts_with(p))
    });
    if pre_release {
        return Some(format!("tag `{tag}` names a pre-release, not a release"));
    }
    (!version.contains('.')).then(|| format!("tag `{tag}` names only a major version"))
}

pub const IMAGE_TAG_FLOATING: Rule = Rule {
    id: "image-tag-floating",
    category: Category::Security,
    severity: Severity::Warning,
    summary: "an image without a digest whose tag is latest, missing, major-only or a pre-release",
    rationale: "A floating tag (`redis`, `redis:latest`, `redis:7-alpine`, a pre-release line \
        such as `redis:5.0-rc`) resolves to a different \
        image as upstream publishes; pods of one StatefulSet can run different Redis minor \
        versions after a reschedule, and a rollback does not restore the old binary. A \
        version after a variant name (`server-3.0.1`, one image for several programs) is \
        pinned like one before it. (Kubernetes image docs, \"Image names\".)",
    fix: "Pin a full version (`redis:7.0.15-alpine`), or better a digest \
        (`redis@sha256:…`).",
    references: &[K8S_IMAGES],
    check: |cx, sink| {
        for w in cx.model.set_workloads() {
            for c in &w.containers {
                let Some(image) = &c.image else { continue };
                if let Some(why) = floating(image) {
                    sink.report(
                        &w.loc(format!("{}/image", c.pointer)),
                        format!("image `{image}` of container `{}` {why}", c.name),
                    );
                }
            }
        }
    },
};

pub const CONTAINER_SECURITY_CONTEXT_WEAK: Rule = Rule {
    id: "container-security-context-weak",
    category: Category::Security,
    severity: Severity::Warning,
    summary: "privilege escalation allowed, capabilities not dropped, root user, or no seccomp",
    rationale: "Redis needs no privileges. The Kubernetes \"restricted\" Pod Security Standard \
        (and OpenShift's restricted-v2 SCC) require `allowPrivilegeEscalation: false`, \
        `capabilities.drop: [ALL]`, a non-root user and a `RuntimeDefault` seccomp profile; \
        without them a Redis exploit (e.g. via `CONFIG SET dir` + `SAVE`) gets more than the pod \
        needs. (Kubernetes Pod Security Standards; security context docs.)",
    fix: "Set `allowPrivilegeEscalation: false`, `capabilities: {drop: [ALL]}`, \
        `runAsNonRoot: true` and `seccompProfile: {type: RuntimeDefault}` on every container \
        (or the pod, for the last two).",
    references: &[K8S_POD_SECURITY, K8S_SECURITY_CONTEXT],
    check: |cx, sink| {
        for w in cx.model.set_workloads() {
            let Some(doc) = cx.docs.get(w.doc) else {
                continue;
            };
            let pod = doc.value.at(&format!("{}/securityContext", w.pod));
            for c in &w.containers {
                let own = doc.value.at(&format!("{}/securityContext", c.pointer));
                let weak = weaknesses(pod, own);
                if !weak.is_empty() {
                    let at = if own.is_some() {
                        format!("{}/securityContext", c.pointer)
                    } else {
                        c.pointer.clone()
                    };
                    sink.report(
                        &w.loc(at),
                        format!("container `{}`: {}", c.name, weak.join(", ")),
                    );
                }
            }
        }
    },
};

fn weaknesses(pod: Option<&Value>, own: Option<&Value>) -> Vec<&'static str> {
    let get = |v: Option<&Value>, p: &str| v.and_then(|v| v.at(p)).cloned();
    let either = |p: &str| get(own, p).or_else(|| get(pod, p));
    let mut weak = Vec::new();
    if get(own, "/allowPrivilegeEscalation") != Some(Value::Bool(false)) {
        weak.push("privilege escalation allowed");
    }
    let drops_all = get(own, "/capabilities/drop")
        .and_then(|d| d.as_array().cloned())
        .is_some_and(|d| d.iter().any(|c| c.as_str() == Some("ALL")));
    if !drops_all {
        weak.push("capabilities not dropped");
    }
    let non_root = either("/runAsNonRoot") == Some(Value::Bool(true));
    let user = either("/runAsUser").and_then(|u| u.as_i64());
    if user == Some(0) || (!non_root && user.is_none()) {
        weak.push("may run as root");
    }
    let seccomp = either("/seccompProfile/type");
    if !matches!(
        seccomp.as_ref().and_then(|s| s.as_str()),
        Some("RuntimeDefault" | "Localhost")
    ) {
        weak.push("no seccomp profile");
    }
    weak
}

#[cfg(test)]
mod tests {
    use super::floating;

    #[test]
    fn floating_tags() {
        assert!(floating("redis").is_some());
        assert!(floating("redis:latest").is_some());
        assert!(floating("docker.io/library/redis:7-alpine").is_some());
        assert!(floating("redis:alpine").is_some());
        assert!(floating("redis:7.0.15-alpine").is_none());
        assert!(floating("registry:5000/redis:7.2").is_none());
        assert!(floating("redis:7@sha256:abcd").is_none());
        assert!(floating("oliver006/redis_exporter:v1.67.0").is_none());
        assert!(floating("oliver006/redis_exporter:v1").is_some());
        assert!(floating("example/tool:vnext").is_some());
        assert!(floating("redis:5.0-rc").is_some());
        assert!(floating("redis:7.2-rc2-alpine").is_some());
        assert!(floating("redis:7.2.4-bookworm").is_none());
        assert!(floating("tarosky/k8s-redis-ha:sword-3.0.1").is_none());
        assert!(floating("example/tool:server-3").is_some());
    }
}
