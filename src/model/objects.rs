//! Objects that relate to pods by selector: Services, PodDisruptionBudgets, NetworkPolicies.

use super::json::{array_at, int_of, str_at, string_map};
use super::selector::Selector;
use crate::manifest::Document;
use crate::manifest::JsonPointer;
use serde_json::Value;

/// An int-or-string field (`maxUnavailable: 1` or `"50%"`, `targetPort: redis`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntOrString {
    Int(i64),
    Str(String),
}

impl IntOrString {
    fn read(v: Option<&Value>) -> Option<IntOrString> {
        let v = v?;
        v.as_i64()
            .map(IntOrString::Int)
            .or_else(|| v.as_str().map(|s| IntOrString::Str(s.to_string())))
    }

    /// Resolve against a total as Kubernetes does for PDBs (percentages round up).
    pub fn scaled(&self, total: u32) -> Option<u32> {
        match self {
            IntOrString::Int(n) => Some((*n).clamp(0, u32::MAX as i64) as u32),
            IntOrString::Str(s) => {
                let pct: u64 = s.strip_suffix('%')?.trim().parse().ok()?;
                Some((pct * total as u64).div_ceil(100) as u32)
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePort {
    pub port: Option<i64>,
    pub target: Option<IntOrString>,
    pub name: Option<String>,
    pub pointer: String,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub doc: usize,
    pub name: String,
    pub namespace: String,
    /// Empty when the Service has no selector (endpoints managed elsewhere).
    pub selector: Selector,
    pub headless: bool,
    pub publish_not_ready: bool,
    pub ports: Vec<ServicePort>,
}

impl Service {
    /// The port the Service forwards to a pod's `port` (by number or by name).
    pub fn exposes(&self, port: i64, port_name: Option<&str>) -> Option<&ServicePort> {
        self.ports.iter().find(|p| match &p.target {
            Some(IntOrString::Int(n)) => *n == port,
            Some(IntOrString::Str(s)) => Some(s.as_str()) == port_name || s.parse() == Ok(port),
            None => p.port == Some(port),
        })
    }
}

#[derive(Clone, Debug)]
pub struct Pdb {
    pub doc: usize,
    pub namespace: String,
    pub selector: Selector,
    pub max_unavailable: Option<IntOrString>,
    pub min_available: Option<IntOrString>,
}

impl Pdb {
    /// How many of `pods` it lets be evicted at once, with the field that says so; `None`
    /// when it sets neither field or a value Kubernetes cannot read.
    pub fn evictable(&self, pods: u32) -> Option<(u32, &'static str)> {
        match (&self.max_unavailable, &self.min_available) {
            (Some(max), _) => Some((max.scaled(pods)?, "/spec/maxUnavailable")),
            (None, Some(min)) => {
                Some((pods.saturating_sub(min.scaled(pods)?), "/spec/minAvailable"))
            }
            (None, None) => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct NetworkPolicy {
    pub doc: usize,
    pub namespace: String,
    pub selector: Selector,
}

fn namespace(doc: &Document) -> String {
    doc.namespace().unwrap_or_default().to_string()
}

pub fn service(index: usize, doc: &Document) -> Service {
    let v = &doc.value;
    Service {
        doc: index,
        name: doc.name().to_string(),
        namespace: namespace(doc),
        selector: Selector::from_map(string_map(v.at("/spec/selector"))),
        headless: str_at(v, "/spec/clusterIP") == Some("None"),
        publish_not_ready: v
            .at("/spec/publishNotReadyAddresses")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        ports: array_at(v, "/spec/ports")
            .iter()
            .enumerate()
            .map(|(i, p)| ServicePort {
                port: p.get("port").and_then(int_of),
                target: IntOrString::read(p.get("targetPort")),
                name: str_at(p, "/name").map(str::to_string),
                pointer: format!("/spec/ports/{i}"),
            })
            .collect(),
    }
}

pub fn pdb(index: usize, doc: &Document) -> Pdb {
    let v = &doc.value;
    Pdb {
        doc: index,
        namespace: namespace(doc),
        selector: Selector::from_label_selector(v.at("/spec/selector")),
        max_unavailable: IntOrString::read(v.at("/spec/maxUnavailable")),
        min_available: IntOrString::read(v.at("/spec/minAvailable")),
    }
}

pub fn network_policy(index: usize, doc: &Document) -> NetworkPolicy {
    NetworkPolicy {
        doc: index,
        namespace: namespace(doc),
        selector: Selector::from_label_selector(doc.value.at("/spec/podSelector")),
    }
}
