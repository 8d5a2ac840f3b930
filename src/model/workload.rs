//! Pod-bearing objects (StatefulSet, Deployment, ReplicaSet, ReplicationController,
//! DaemonSet, Job, CronJob, Pod): their pod template, volumes, mounts and containers.

use super::Loc;
use super::conf::Storage;
use super::json::{array_at, int_of, str_at, string_map, token};
use super::selector::{Labels, Selector};
use super::server::Server;
pub use super::source_kind::SourceKind;
use crate::manifest::Document;
use crate::manifest::JsonPointer;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VolumeSource {
    /// A ConfigMap or Secret; `items` maps keys to file paths.
    Object {
        kind: SourceKind,
        name: String,
        items: Vec<(String, String)>,
        optional: bool,
    },
    EmptyDir,
    /// A PersistentVolumeClaim (a volume or a `volumeClaimTemplates` entry).
    Claim,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Volume {
    pub name: String,
    pub source: VolumeSource,
    pub pointer: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub volume: String,
    pub path: String,
    pub sub_path: Option<String>,
    pub pointer: String,
}

/// A word of a command line, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Container {
    /// Position in `Workload::containers` (init containers first).
    pub index: usize,
    pub pointer: String,
    pub name: String,
    pub init: bool,
    pub image: Option<String>,
    /// `command` followed by `args`.
    pub words: Vec<Word>,
    /// `command` is written (not only `args`): the image's entrypoint is replaced.
    pub command_given: bool,
    pub mounts: Vec<Mount>,
    /// Environment variables with literal values (`value:`; not `valueFrom`).
    pub env: Vec<(String, String)>,
    /// Set when the container runs `redis-server` or Sentinel.
    pub server: Option<Server>,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub doc: usize,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub replicas: u32,
    /// `/spec/replicas`, or the object when it is not written (default 1).
    pub replicas_loc: Loc,
    /// Pointer to the pod spec (`/spec/template/spec` or `/spec`).
    pub pod: String,
    pub labels: Labels,
    pub service_name: Option<String>,
    pub volumes: Vec<Volume>,
    pub containers: Vec<Container>,
    /// Pods are recreated after they die (every controller; a bare Pod unless `Never`).
    pub restarts: bool,
}

impl Workload {
    pub fn loc(&self, pointer: impl Into<Rc<str>>) -> Loc {
        Loc::new(self.doc, pointer)
    }

    /// Whether `selector` picks at least one pod of this workload: its template's labels,
    /// or for a StatefulSet the labels its controller adds to pod N (N < replicas):
    /// `statefulset.kubernetes.io/pod-name: NAME-N` and `apps.kubernetes.io/pod-index: N`
    /// (Kubernetes StatefulSet docs, "Pod Name Label" and "Pod index label").
    pub fn selected_by(&self, selector: &Selector) -> bool {
        if selector.matches(&self.labels) {
            return true;
        }
        if self.kind != "StatefulSet" {
            return false;
        }
        let by_name = selector
            .required(POD_NAME_LABEL)
            .and_then(|pod| pod.strip_prefix(self.name.as_str())?.strip_prefix('-'))
            .and_then(|n| n.parse::<u32>().ok());
        let by_index = selector
            .required(POD_INDEX_LABEL)
            .and_then(|n| n.parse::<u32>().ok());
        by_name.or(by_index).is_some_and(|n| {
            let mut labels = self.labels.clone();
            labels.insert(POD_NAME_LABEL.to_string(), format!("{}-{n}", self.name));
            labels.insert(POD_INDEX_LABEL.to_string(), n.to_string());
            n < self.replicas && selector.matches(&labels)
        })
    }

    pub fn volume(&self, name: &str) -> Option<&Volume> {
        self.volumes.iter().find(|v| v.name == name)
    }

    /// What kind of storage `path` is on in container `c`.
    pub fn storage(&self, c: usize, path: &str) -> Storage {
        let Some(container) = self.containers.get(c) else {
            return Storage::Other;
        };
        match self.mount_for(container, path) {
            None => Storage::Container,
            Some((m, _)) => match self.volume(&m.volume).map(|v| &v.source) {
                Some(VolumeSource::Claim) => Storage::Claim,
                Some(VolumeSource::EmptyDir) => Storage::EmptyDir,
                Some(VolumeSource::Object { .. }) => Storage::ReadOnly,
                _ => Storage::Other,
            },
        }
    }

    /// The mount whose path covers `path` (longest mount path wins), and `path` relative to it.
    pub fn mount_for<'a>(
        &self,
        container: &'a Container,
        path: &str,
    ) -> Option<(&'a Mount, String)> {
        container
            .mounts
            .iter()
            .filter_map(|m| {
                let base = m.path.trim_end_matches('/');
                if path == base {
                    Some((m, String::new()))
                } else {
                    let rest = path.strip_prefix(base)?.strip_prefix('/')?;
                    m.sub_path.is_none().then(|| (m, rest.to_string()))
                }
            })
            .max_by_key(|(m, _)| m.path.len())
    }
}

const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

/// The workload in `doc`, if its kind carries pods.
pub fn read(index: usize, doc: &Document) -> Option<Workload> {
    let v = &doc.value;
    let (template, default_replicas) = match doc.kind() {
        "StatefulSet"
        | "Deployment"
        | "ReplicaSet"
        | "ReplicationController"
        | "DaemonSet"
        | "Job" => ("/spec/template", 1),
        "CronJob" => ("/spec/jobTemplate/spec/template", 1),
        "Pod" => ("", 1),
        _ => return None,
    };
    let pod = format!("{template}/spec");
    let spec = v.at(&pod)?;
    let replicas_ptr = "/spec/replicas";
    let (replicas, replicas_loc) = match v.at(replicas_ptr).and_then(int_of) {
        Some(n) => (
            n.clamp(0, u32::MAX as i64) as u32,
            Loc::new(index, replicas_ptr),
        ),
        None => (default_replicas, Loc::new(index, "/spec")),
    };
    let mut volumes: Vec<Volume> = array_at(spec, "/volumes")
        .iter()
        .enumerate()
        .map(|(i, vol)| Volume {
            name: str_at(vol, "/name").unwrap_or_default().to_string(),
            source: volume_source(vol),
            pointer: format!("{pod}/volumes/{i}"),
        })
        .collect();
    for (i, claim) in array_at(v, "/spec/volumeClaimTemplates").iter().enumerate() {
        volumes.push(Volume {
            name: str_at(claim, "/metadata/name")
                .unwrap_or_default()
                .to_string(),
            source: VolumeSource::Claim,
            pointer: format!("/spec/volumeClaimTemplates/{i}"),
        });
    }
    let mut containers = Vec::new();
    for (field, init) in [("initContainers", true), ("containers", false)] {
        for (i, c) in array_at(spec, &format!("/{field}")).iter().enumerate() {
            containers.push(container(
                index,
                containers.len(),
                c,
                format!("{pod}/{field}/{i}"),
                init,
            ));
        }
    }
    // Controllers recreate their pods; a bare Pod or a Job's pods only restart in place, and
    // not at all with `restartPolicy: Never`.
    let restarts = !matches!(doc.kind(), "Pod" | "Job" | "CronJob")
        || str_at(spec, "/restartPolicy") != Some("Never");
    Some(Workload {
        doc: index,
        kind: doc.kind().to_string(),
        name: doc.name().to_string(),
        namespace: doc.namespace().unwrap_or_default().to_string(),
        replicas,
        replicas_loc,
        labels: string_map(v.at(&format!("{template}/metadata/labels"))),
        service_name: str_at(v, "/spec/serviceName").map(str::to_string),
        pod,
        volumes,
        containers,
        restarts,
    })
}

fn volume_source(vol: &serde_json::Value) -> VolumeSource {
    let object = |kind, key: &str, name_field: &str| {
        let src = vol.get(key)?;
        Some(VolumeSource::Object {
            kind,
            name: str_at(src, &format!("/{name_field}"))
                .unwrap_or_default()
                .to_string(),
            items: array_at(src, "/items")
                .iter()
                .filter_map(|it| {
                    Some((
                        str_at(it, "/key")?.to_string(),
                        str_at(it, "/path")?.to_string(),
                    ))
                })
                .collect(),
            optional: src
                .get("optional")
                .and_then(|o| o.as_bool())
                .unwrap_or(false),
        })
    };
    object(SourceKind::ConfigMap, "configMap", "name")
        .or_else(|| object(SourceKind::Secret, "secret", "secretName"))
        .unwrap_or(if vol.get("emptyDir").is_some() {
            VolumeSource::EmptyDir
        } else if vol.get("persistentVolumeClaim").is_some() || vol.get("ephemeral").is_some() {
            VolumeSource::Claim
        } else {
            VolumeSource::Other
        })
}

fn container(
    doc: usize,
    position: usize,
    c: &serde_json::Value,
    pointer: String,
    init: bool,
) -> Container {
    let mut words = Vec::new();
    for field in ["command", "args"] {
        for (i, w) in array_at(c, &format!("/{field}")).iter().enumerate() {
            if let Some(text) = w.as_str() {
                words.push(Word {
                    text: text.to_string(),
                    loc: Loc::new(doc, format!("{pointer}/{field}/{i}")),
                });
            }
        }
    }
    let mounts = array_at(c, "/volumeMounts")
        .iter()
        .enumerate()
        .map(|(i, m)| Mount {
            volume: str_at(m, "/name").unwrap_or_default().to_string(),
            path: str_at(m, "/mountPath").unwrap_or_default().to_string(),
            sub_path: str_at(m, "/subPath")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            pointer: format!("{pointer}/volumeMounts/{i}"),
        })
        .collect();
    let env = array_at(c, "/env")
        .iter()
        .filter_map(|e| {
            Some((
                str_at(e, "/name")?.to_string(),
                str_at(e, "/value")?.to_string(),
            ))
        })
        .collect();
    Container {
        command_given: !array_at(c, "/command").is_empty(),
        index: position,
        env,
        name: str_at(c, "/name").unwrap_or_default().to_string(),
        image: str_at(c, "/image").map(str::to_string),
        pointer,
        init,
        words,
        mounts,
        server: None,
    }
}

/// JSON pointer of a data key inside a ConfigMap or Secret.
pub fn data_pointer(field: &str, key: &str) -> String {
    format!("/{field}/{}", token(key))
}
