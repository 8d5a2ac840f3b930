//! The Redis and Sentinel settings the drill depends on, read from the manifests'
//! configuration texts through [`redis_conf`](crate::redis_conf): parsed and queried as
//! Redis loads them, as the linter's model reads them.

use super::super::tls::{self, ConfTls};
use crate::redis_conf::{self, ConfText};
use k8s_openapi::api::core::v1::PodSpec;

/// Every ConfigMap text, as written and as Redis parses it.
pub struct ConfTexts {
    texts: Vec<(String, ConfText)>,
}

impl ConfTexts {
    pub fn new(texts: Vec<String>) -> ConfTexts {
        let texts = texts
            .into_iter()
            .map(|text| {
                let conf = redis_conf::parse(&text, 0);
                (text, conf)
            })
            .collect();
        ConfTexts { texts }
    }

    fn confs(&self) -> impl Iterator<Item = &ConfText> {
        self.texts.iter().map(|(_, conf)| conf)
    }

    /// The first answer a text gives.
    fn first<'a, T>(&'a self, query: impl Fn(&'a ConfText) -> Option<T>) -> Option<T> {
        self.confs().find_map(query)
    }

    /// The master the Sentinels monitor (`sentinel monitor <name> …`), else `mymaster`.
    pub fn master_name(&self) -> String {
        self.first(ConfText::monitored_master)
            .unwrap_or("mymaster")
            .to_string()
    }

    /// `sentinel down-after-milliseconds <master>`, else Sentinel's default 30 s.
    pub fn down_after_ms(&self, master: &str) -> u64 {
        self.first(|c| c.sentinel_value("down-after-milliseconds", master))
            .and_then(|v| v.parse().ok())
            .unwrap_or(30_000)
    }

    /// `sentinel failover-timeout <master>`, else Sentinel's default 180 s.
    pub fn failover_timeout_ms(&self, master: &str) -> u64 {
        self.first(|c| c.sentinel_value("failover-timeout", master))
            .and_then(|v| v.parse().ok())
            .unwrap_or(180_000)
    }

    /// `min-replicas-to-write`, else 0.
    pub fn min_replicas_to_write(&self) -> u32 {
        self.first(|c| c.value("min-replicas-to-write"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// `min-replicas-max-lag` (seconds; Redis's default 10).
    pub fn min_replicas_max_lag(&self) -> u32 {
        self.first(|c| c.value("min-replicas-max-lag"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(10)
    }

    /// What the Redis configuration (a text setting a port, without `sentinel monitor`) and
    /// the Sentinel one (with it) say about TLS: the first of each that serves only TLS.
    pub fn tls(&self) -> (ConfTls, ConfTls) {
        let is_sentinel = |conf: &ConfText| conf.sentinel("monitor").next().is_some();
        let first = |sentinel: bool| {
            self.confs()
                .filter(|c| is_sentinel(c) == sentinel && c.sets_any(&["port", "tls-port"]))
                .map(tls::conf_tls_of)
                .find(|c| c.tls_only_port.is_some())
                .unwrap_or_default()
        };
        (first(false), first(true))
    }

    /// The cluster domain the manifests use: a container's `CLUSTER_DOMAIN` env value (the
    /// generated manifests' scripts build names with it), else the suffix after
    /// `.<headless>.<namespace>.svc.` in a configuration text, else Kubernetes' default.
    pub fn cluster_domain(&self, pod: &PodSpec, headless: &str, namespace: &str) -> String {
        let from_env = pod
            .containers
            .iter()
            .chain(pod.init_containers.iter().flatten())
            .flat_map(|c| c.env.iter().flatten())
            .find(|e| e.name == "CLUSTER_DOMAIN")
            .and_then(|e| e.value.clone());
        let marker = format!(".{headless}.{namespace}.svc.");
        let from_text = || {
            self.texts.iter().find_map(|(text, _)| {
                let (_, rest) = text.split_once(&marker)?;
                let domain: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                    .collect();
                let domain = domain.trim_end_matches('.');
                (!domain.is_empty()).then(|| domain.to_string())
            })
        };
        from_env
            .filter(|d| !d.is_empty())
            .or_else(from_text)
            .unwrap_or_else(|| "cluster.local".to_string())
    }
}
