//! Sentinel wiring on Kubernetes: writable config, hostnames, bootstrap, Services.

use super::facts::{confs, is_ip, monitors, number, port};
use super::partial::{missing_sources, service_absent_from_partial_input};
use super::rule::{Category, Rule};
use super::sink::Context;
use super::sources::{
    K8S_CONFIGMAP, K8S_DNS, K8S_HEADLESS, K8S_SERVICE, K8S_STATEFULSET, K8S_VOLUMES, SENTINEL,
    SENTINEL_CONF,
};
use crate::finding::Severity;
use crate::manifest::JsonPointer;
use crate::model::{Loc, Origin, Role, SourceKind, Storage, Topology};

pub const SENTINEL_CONFIG_READ_ONLY: Rule = Rule {
    id: "sentinel-config-read-only",
    category: Category::Wiring,
    severity: Severity::Error,
    summary: "Sentinel is started on a config file in a ConfigMap/Secret mount",
    rationale: "Sentinel rewrites its configuration file to persist its state (epochs, known \
        replicas and Sentinels, the current master) and refuses to start when the file is not \
        writable: `Sentinel config file … is not writable` (measured on Redis 7.0.15). ConfigMap \
        and Secret volumes are always mounted read-only. (Redis Sentinel docs, \"Running \
        Sentinel\"; Kubernetes ConfigMap docs.)",
    fix: "Mount the ConfigMap elsewhere and copy the file at start (init container or start \
        script: `cp /config/sentinel.conf /data/sentinel.conf`) onto a writable volume — \
        preferably the PVC, so Sentinel state survives restarts — and start Sentinel on the copy.",
    references: &[SENTINEL, K8S_CONFIGMAP],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Sentinel) {
                if let Origin::Mounted { kind, mount } = &conf.origin {
                    sink.report_for(
                        mount,
                        Some(w.doc),
                        format!(
                            "Sentinel in container `{}` starts on {} read straight from a {} volume (read-only); Sentinel must rewrite it and exits",
                            c.name,
                            conf.path.as_deref().unwrap_or("its config"),
                            kind.as_str()
                        ),
                    );
                }
            }
        }
    },
};

pub const SENTINEL_CONFIG_NOT_PERSISTED: Rule = Rule {
    id: "sentinel-config-not-persisted",
    category: Category::Wiring,
    severity: Severity::Warning,
    summary: "Sentinel's writable config lives on an emptyDir or the container filesystem",
    rationale: "Sentinel keeps its state in its config file: the current master, the configuration \
        epoch, the known replicas and Sentinels. On an emptyDir it is reset to the ConfigMap's \
        bootstrap master whenever the pod is recreated, so a restarted Sentinel monitors ordinal \
        0 instead of the current master and votes with a stale epoch (docs/architecture.md §1, \
        `sentinel-restart`). (Redis Sentinel docs, \"Sentinel state persistence\".)",
    fix: "Copy sentinel.conf onto the pod's PersistentVolumeClaim (e.g. `/data/sentinel.conf`), \
        only when it is not there yet, and start Sentinel on that copy.",
    references: &[SENTINEL],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Sentinel) {
                if let Origin::Written {
                    storage: storage @ (Storage::EmptyDir | Storage::Container),
                    at,
                } = &conf.origin
                {
                    let on = if *storage == Storage::EmptyDir {
                        "an emptyDir"
                    } else {
                        "the container filesystem"
                    };
                    sink.report_for(at, Some(w.doc), format!("Sentinel in container `{}` keeps its state in {} on {on}: it is forgotten when the pod is recreated", c.name, conf.path.as_deref().unwrap_or("its config")));
                }
            }
        }
    },
};

pub const SENTINEL_HOSTNAMES_UNRESOLVED: Rule = Rule {
    id: "sentinel-hostnames-unresolved",
    category: Category::Wiring,
    severity: Severity::Error,
    summary: "sentinel monitor/announce uses a DNS name and `sentinel resolve-hostnames yes` is not set",
    rationale: "Sentinel accepts hostnames only with `sentinel resolve-hostnames yes`; without it \
        loading `sentinel monitor mymaster redis-0.redis-headless… 6379 2` is `FATAL CONFIG FILE \
        ERROR … Can't resolve instance hostname` and Sentinel exits. Since Redis 7.0 Sentinel \
        applies `resolve-hostnames` before any `monitor` line wherever it stands in the file \
        (measured on Redis 7.0.15: the flag after the monitor line starts fine, no flag exits). \
        (Redis Sentinel docs, \"IP Addresses and DNS names\".)",
    fix: "Add `sentinel resolve-hostnames yes` and `sentinel announce-hostnames yes` to \
        sentinel.conf (at the top, so Sentinels before 7.0 read it too).",
    references: &[SENTINEL, SENTINEL_CONF],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, _, conf) in confs(cx.model, set, Role::Sentinel) {
                // Redis ≥ 7.0 applies the flag before every monitor line (rationale).
                let resolves = conf.sentinel_flag_before("resolve-hostnames", conf.settings.len());
                for s in &conf.settings {
                    let host = if s.directive.is_sentinel("monitor") {
                        s.arg(2)
                    } else if s.directive.is_sentinel("announce-ip") {
                        s.arg(1)
                    } else {
                        None
                    };
                    // A `$VAR` the start script left unresolved (an address it looks up at
                    // start, `$(getent hosts …)`) is no hostname lint can judge.
                    let Some(host) = host.filter(|h| !is_ip(h) && !h.starts_with('$')) else {
                        continue;
                    };
                    if !resolves {
                        sink.report_for(&s.loc, Some(w.doc), format!("`{host}` is a hostname but `sentinel resolve-hostnames yes` is not set: Sentinel exits with \"Can't resolve instance hostname\""));
                    }
                }
            }
        }
    },
};

pub const SENTINEL_ANNOUNCE_HOSTNAMES_OFF: Rule = Rule {
    id: "sentinel-announce-hostnames-off",
    category: Category::Wiring,
    severity: Severity::Warning,
    summary: "hostnames resolved but not announced (announce-hostnames no)",
    rationale: "With `resolve-hostnames yes` but `announce-hostnames no`, Sentinel resolves names \
        once and then announces and remembers IP addresses. Pod IPs change on every restart, so \
        Sentinels keep stale addresses: ghost replicas and Sentinels that inflate the majority, \
        and clients sent to an address that no longer exists. (Redis Sentinel docs, \"IP \
        Addresses and DNS names\".)",
    fix: "Add `sentinel announce-hostnames yes` (and announce stable names: \
        `replica-announce-ip`/`sentinel announce-ip` with the pod's FQDN).",
    references: &[SENTINEL, K8S_DNS],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, _, conf) in confs(cx.model, set, Role::Sentinel) {
                let resolve = conf.sentinel("resolve-hostnames").last();
                let Some(resolve) =
                    resolve.filter(|s| s.arg(1).is_some_and(|v| v.eq_ignore_ascii_case("yes")))
                else {
                    continue;
                };
                let announced = conf
                    .sentinel("announce-hostnames")
                    .last()
                    .is_some_and(|s| s.arg(1).is_some_and(|v| v.eq_ignore_ascii_case("yes")));
                if !announced {
                    sink.report_for(&resolve.loc, Some(w.doc), "hostnames are resolved but `sentinel announce-hostnames yes` is missing: Sentinels announce pod IPs that go stale after restarts");
                }
            }
        }
    },
};

pub const SENTINEL_MONITORS_SERVICE: Rule = Rule {
    id: "sentinel-monitors-service",
    category: Category::Wiring,
    severity: Severity::Error,
    summary: "the monitored master address is a load-balanced Service, not one pod",
    rationale: "Sentinel must monitor one Redis instance. A Service name resolves to a virtual IP \
        that balances over several pods (or, for a headless Service, to all of them), so \
        Sentinel talks to a different instance on each connection and sees the \"master\" \
        flip between master and replica — failure detection and failover act on the wrong \
        node. (Redis Sentinel docs; Kubernetes Service docs.)",
    fix: "Monitor one pod by its stable name: `sentinel monitor mymaster \
        redis-0.redis-headless.<ns>.svc.cluster.local 6379 2` (with `resolve-hostnames yes`).",
    references: &[SENTINEL, K8S_SERVICE],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, _, conf) in confs(cx.model, set, Role::Sentinel) {
                for m in monitors(conf) {
                    let label = m.host.split('.').next().unwrap_or(m.host);
                    let service = cx
                        .model
                        .services_in(&set.namespace)
                        .find(|s| s.name == label);
                    if let Some(s) = service {
                        let how = if s.headless {
                            "a headless Service (every pod)"
                        } else {
                            "a load-balanced Service"
                        };
                        sink.report_for(
                            &m.setting.loc,
                            Some(w.doc),
                            format!(
                                "Sentinel monitors `{}`, which is {how} `{}`, not one Redis pod",
                                m.host, s.name
                            ),
                        );
                    }
                }
            }
        }
    },
};

pub const STATIC_MASTER_BOOTSTRAP: Rule = Rule {
    id: "static-master-bootstrap",
    category: Category::Wiring,
    severity: Severity::Error,
    summary: "start-up logic makes a fixed pod the master without first asking Sentinel",
    rationale: "After a failover the old master's pod restarts with the same name; a script \
        that says \"if I am redis-0, I am the master\" brings it back as a second master until \
        Sentinel demotes it (measured: 10.3 s of split brain), and writes that land there are \
        lost. On all-pods restarts each Sentinel may end up monitoring itself (bitnami/charts \
        #5418, #17047). (Redis Sentinel docs; docs/architecture.md.)",
    fix: "At start, ask the Sentinels (`SENTINEL get-master-addr-by-name`) and the peers' `ROLE` \
        for the current master and replicate it; become master as ordinal 0 only when nobody \
        knows a master (the very first boot).",
    references: &[SENTINEL, K8S_STATEFULSET],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for &wi in &set.workloads {
                let w = &cx.model.workloads[wi];
                for script in &cx.model.scripts[wi] {
                    if let Some(line) = script.parsed.static_master {
                        let container = w
                            .containers
                            .get(script.container)
                            .map(|c| c.name.as_str())
                            .unwrap_or_default();
                        sink.report_for(&script.at(line), Some(w.doc), format!("the start script of container `{container}` picks the master by pod name without asking Sentinel: a restarted old master comes back as a second master"));
                    }
                }
            }
        }
    },
};

pub const HEADLESS_SERVICE_MISSING: Rule = Rule {
    id: "headless-service-missing",
    category: Category::Wiring,
    severity: Severity::Error,
    summary: "the StatefulSet's serviceName is not a headless Service selecting its pods",
    rationale: "Stable pod names such as `redis-0.redis-headless.<ns>.svc.cluster.local` — which \
        replicas, Sentinels and `sentinel monitor` use — exist only through the headless \
        Service named in the StatefulSet's `serviceName` (`clusterIP: None`) that selects its \
        pods. When the input holds no Service at all in the StatefulSet's namespace and is \
        not declared complete (`--complete`), the Services were left out of a partial input: \
        `input-partial` says so at info instead. (Kubernetes StatefulSet docs, \"Stable \
        Network ID\".)",
    fix: "Add a Service with `clusterIP: None`, the name given in `spec.serviceName`, and a \
        selector matching the pod template's labels.",
    references: &[K8S_STATEFULSET, K8S_HEADLESS],
    check: |cx, sink| {
        for w in cx.model.set_workloads() {
            if w.kind != "StatefulSet" {
                continue;
            }
            let Some(name) = &w.service_name else {
                sink.report(
                    &w.loc("/spec"),
                    format!(
                        "StatefulSet `{}` has no serviceName: its pods get no stable DNS names",
                        w.name
                    ),
                );
                continue;
            };
            let at = w.loc("/spec/serviceName");
            let service = cx.model.services_in(&w.namespace).find(|s| &s.name == name);
            // No Service at all in the namespace: a partial input, said by `input-partial`.
            if service.is_none() && service_absent_from_partial_input(cx, w) {
                continue;
            }
            match service {
                None => sink.report(&at, format!("serviceName `{name}` names no Service in the input")),
                Some(s) if !s.headless => sink.report(&at, format!("Service `{name}` is not headless (`clusterIP: None`): pods get no per-pod DNS names")),
                Some(s) if !s.selector.matches(&w.labels) || s.selector.is_empty() => {
                    sink.report(&at, format!("headless Service `{name}` does not select the pods of StatefulSet `{}`", w.name))
                }
                Some(_) => {}
            }
        }
    },
};

pub const HEADLESS_SERVICE_NOT_READY_ADDRESSES: Rule = Rule {
    id: "headless-service-not-ready-addresses",
    category: Category::Wiring,
    severity: Severity::Warning,
    summary: "the headless Service lacks publishNotReadyAddresses: true",
    rationale: "Without `publishNotReadyAddresses: true`, a pod's DNS name exists only while it \
        is Ready. During bootstrap and after restarts peers and Sentinels cannot resolve each \
        other, so replication and `sentinel monitor` stall or fail (bitnami/charts #30578; \
        redis/redis #8300). Not said of a StatefulSet of Sentinels alone unless they \
        announce hostnames (`sentinel announce-hostnames yes`): Sentinels find each other \
        through the master's hello messages, which carry IP addresses otherwise, so nothing \
        resolves their pods' names; nor of servers whose start the input does not show (how \
        they find their peers is not known). (Kubernetes Service API reference; Redis Sentinel docs, \
        \"IP addresses and DNS names\".)",
    fix: "Set `publishNotReadyAddresses: true` on the headless Service.",
    references: &[K8S_HEADLESS, K8S_DNS],
    check: |cx, sink| {
        for w in cx.model.set_workloads() {
            let Some(name) = w.service_name.as_ref().filter(|_| w.kind == "StatefulSet") else {
                continue;
            };
            if !names_resolved_by_peers(w) {
                continue;
            }
            for s in cx.model.services_of(w) {
                if &s.name == name && s.headless && !s.publish_not_ready {
                    sink.report(&Loc::new(s.doc, "/spec"), format!("headless Service `{}` does not publish not-ready addresses: peers cannot resolve each other while starting", s.name));
                }
            }
        }
    },
};

/// Whether peers reach the pods of `w` by their DNS names: Redis servers replicate from a
/// name, but Sentinels alone find each other through the master's hello messages, which
/// carry IP addresses unless `sentinel announce-hostnames yes`. Not said of servers whose
/// start and configuration the input does not show (`redis-container-not-understood`):
/// how they find their peers is not known.
fn names_resolved_by_peers(w: &crate::model::Workload) -> bool {
    let servers = || w.containers.iter().filter_map(|c| c.server.as_ref());
    servers().any(|s| s.role == Role::Redis && s.conf.is_some())
        || servers().any(|s| {
            s.conf.as_ref().is_some_and(|conf| {
                conf.sentinel_flag_before("announce-hostnames", conf.settings.len())
            })
        })
}

pub const CLIENT_SERVICE_SELECTS_REPLICAS: Rule = Rule {
    id: "client-service-selects-replicas",
    category: Category::Wiring,
    severity: Severity::Warning,
    summary: "a non-headless Service exposes the Redis data port over every Redis pod",
    rationale: "A ClusterIP Service balances connections over all selected pods, master and \
        replicas alike: about two writes in three land on a replica and fail with `READONLY`, \
        and after a failover the Service does not follow the master. Clients must discover \
        the master through Sentinel. (Redis Sentinel docs, \"Sentinel clients\"; Kubernetes \
        Service docs.)",
    fix: "Point clients at Sentinel (port 26379) with a Sentinel-aware client; expose only the \
        Sentinel port on the client Service, or select the master only through a label a \
        controller keeps up to date.",
    references: &[SENTINEL, K8S_SERVICE],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Redis) {
                // Without Sentinel a workload started as replicas (`replicaof`) holds only
                // replicas: a Service over it is a read-only endpoint, as meant.
                let replicas_only = set.topology == Topology::Replication
                    && conf.value(&["replicaof", "slaveof"]).is_some();
                if w.replicas < 2 || replicas_only {
                    continue;
                }
                let data_port = port(conf);
                let port_name = port_name(cx, w.doc, &c.pointer, data_port);
                for s in cx.model.services_of(w).filter(|s| !s.headless) {
                    if let Some(p) = s.exposes(data_port, port_name.as_deref()) {
                        sink.report(&Loc::new(s.doc, p.pointer.clone()), format!("Service `{}` load-balances Redis port {data_port} over every pod of {} `{}`: writes land on replicas (READONLY)", s.name, w.kind, w.name));
                    }
                }
            }
        }
    },
};

pub const SENTINEL_SERVICE_FOLLOWS_REDIS_READINESS: Rule = Rule {
    id: "sentinel-service-follows-redis-readiness",
    category: Category::Wiring,
    severity: Severity::Warning,
    summary: "the Service clients reach Sentinel through drops pods whose Redis is not Ready",
    rationale: "A pod is Ready only when every one of its containers is. Where Redis and \
        Sentinel share a pod and the Redis container's readiness probe fails while replication \
        is broken (a replica's master link is down for seconds in every failover), the pod \
        leaves the endpoints of every Service that does not publish not-ready addresses, the \
        Sentinel port included: clients lose Sentinel exactly when they must ask it for the \
        new master. Measured with `redis-ha-gen drill --scenario failover-through-service` on \
        such manifests: no Sentinel endpoint left 2.5 s after the master's pod died. A \
        headless Service is not reported here: its DNS name also resolves only to Ready pods, \
        but the missing field is the one `headless-service-not-ready-addresses` reports on \
        that Service, with the same fix, and one cause is one finding. \
        (Kubernetes Service API reference, `publishNotReadyAddresses`; Redis Sentinel docs, \
        \"Sentinel clients\".)",
    fix: "Set `publishNotReadyAddresses: true` on the Service that exposes the Sentinel port \
        (Sentinel answers whatever Redis's replication state is), or run Sentinel in pods of \
        its own.",
    references: &[K8S_SERVICE, SENTINEL],
    check: |cx, sink| {
        for set in &cx.model.sets {
            for (w, c, conf) in confs(cx.model, set, Role::Sentinel) {
                let gated = cx.model.servers(set, Role::Redis).any(|(rw, rc, _)| {
                    rw.doc == w.doc
                        && cx.docs.get(rw.doc).is_some_and(|d| {
                            d.value
                                .at(&format!("{}/readinessProbe", rc.pointer))
                                .is_some()
                        })
                });
                if !gated {
                    continue;
                }
                let sentinel_port = number(conf, &["port"], 26379).0;
                let port_name = port_name(cx, w.doc, &c.pointer, sentinel_port);
                for s in cx
                    .model
                    .services_of(w)
                    .filter(|s| !s.headless && !s.publish_not_ready)
                {
                    if let Some(p) = s.exposes(sentinel_port, port_name.as_deref()) {
                        sink.report(&Loc::new(s.doc, p.pointer.clone()), format!("Service `{}` serves Sentinel port {sentinel_port} only from Ready pods, and the pods of {} `{}` are Ready only while their Redis container is: set `publishNotReadyAddresses: true`", s.name, w.kind, w.name));
                    }
                }
            }
        }
    },
};

/// The name of the container port `port`, for Services that target ports by name.
fn port_name(cx: &Context, doc: usize, container: &str, port: i64) -> Option<String> {
    let ports = cx
        .docs
        .get(doc)?
        .value
        .at(&format!("{container}/ports"))?
        .as_array()?;
    ports
        .iter()
        .find(|p| p.get("containerPort").and_then(|v| v.as_i64()) == Some(port))?
        .get("name")?
        .as_str()
        .map(str::to_string)
}

pub const SERVICE_SELECTS_NOTHING: Rule = Rule {
    id: "service-selects-nothing",
    category: Category::Wiring,
    severity: Severity::Error,
    summary: "a Service's selector matches no pod template in the input",
    rationale: "A Service whose selector matches no pod has no endpoints: clients connecting to \
        it time out or are refused. In a Redis HA namespace this is usually a label typo between \
        the Service and the StatefulSet's pod template. (Kubernetes Service docs.)",
    fix: "Make the Service's `spec.selector` a subset of the pod template's labels.",
    references: &[K8S_SERVICE],
    check: |cx, sink| {
        let namespaces: std::collections::BTreeSet<&str> = cx
            .model
            .sets
            .iter()
            .map(|set| set.namespace.as_str())
            .collect();
        for ns in namespaces {
            for s in cx.model.services_in(ns).filter(|s| !s.selector.is_empty()) {
                if !cx
                    .model
                    .workloads_in(ns)
                    .any(|w| w.selected_by(&s.selector))
                {
                    sink.report(
                        &Loc::new(s.doc, "/spec/selector"),
                        format!("Service `{}` selects no pod template in the input", s.name),
                    );
                }
            }
        }
    },
};

pub const VOLUME_SOURCE_MISSING: Rule = Rule {
    id: "volume-source-missing",
    category: Category::Wiring,
    severity: Severity::Error,
    summary: "a pod mounts a ConfigMap/Secret the input does not define (--complete only)",
    rationale: "A pod whose ConfigMap or Secret volume does not exist stays in \
        `ContainerCreating` (\"configmap not found\"): no Redis starts. Checked only when the \
        input is declared complete (`--complete`), since partial inputs legitimately refer to \
        objects applied elsewhere. (Kubernetes volumes docs.)",
    fix: "Add the missing ConfigMap/Secret to the manifests, fix the name, or mark the volume \
        `optional: true` if the pod can start without it.",
    references: &[K8S_VOLUMES],
    check: |cx, sink| {
        if !cx.options.complete {
            return;
        }
        let existing = cx
            .options
            .render
            .as_ref()
            .map_or(&[][..], |r| &r.existing_secrets[..]);
        for (w, v, kind, name) in missing_sources(cx.model) {
            if kind == SourceKind::Secret && existing.iter().any(|e| e == name) {
                continue;
            }
            sink.report(
                &w.loc(v.pointer.clone()),
                format!(
                    "volume `{}` mounts {} `{name}`, which the input does not define",
                    v.name,
                    kind.as_str()
                ),
            );
        }
    },
};
