//! Security contexts as the kubelet and the container runtime apply them: each container's
//! processes (its command, probes and hooks) run with the UID, primary GID and
//! supplementary groups the pod and container `securityContext` give (`setpriv`), the
//! capability bounding set the runtime grants less `capabilities.drop` plus `add`,
//! `no_new_privs` when `allowPrivilegeEscalation: false`; `runAsNonRoot` refuses a
//! container that would run as UID 0. A pod whose manifests fix no UID anywhere is taken as
//! made for OpenShift and gets what the restricted-v2 SCC assigns: a UID and an fsGroup from
//! the namespace's range, GID 0. Volume ownership (fsGroup) is `volumes`' part.

use anyhow::bail;
use k8s_openapi::api::core::v1::{Container, PodSpec};
use serde::Serialize;

/// First UID (and supplemental group) of the namespace range the restricted-v2 SCC
/// assigns from (`openshift.io/sa.scc.uid-range: 1000650000/10000`, a typical project).
pub const OPENSHIFT_RANGE_START: u32 = 1_000_650_000;

/// The capabilities CRI-O grants a container by default (`default_capabilities`).
const RUNTIME_CAPABILITIES: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "KILL",
];

/// Which admission assigned what the manifests leave open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// The manifests' own values; an unset UID is the image's user (root for `redis`).
    Kubernetes,
    /// No UID set anywhere: OpenShift's restricted-v2 SCC assigns UID and fsGroup.
    OpenshiftRestrictedV2,
}

/// What the pod as a whole runs with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodSecurity {
    pub platform: Platform,
    /// The group the kubelet gives the pod's volumes (`fsGroup`, or the SCC's).
    pub fs_group: Option<u32>,
    /// `fsGroupChangePolicy: OnRootMismatch`.
    pub on_root_mismatch: bool,
    supplemental_groups: Vec<u32>,
}

/// The identity one container's processes run with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
    /// The bounding set, lower-case names without `cap_` (`setpriv`'s spelling).
    pub capabilities: Vec<String>,
    pub no_new_privs: bool,
    pub read_only_root: bool,
}

fn id(value: Option<i64>, what: &str) -> anyhow::Result<Option<u32>> {
    value
        .map(|v| u32::try_from(v).map_err(|_| anyhow::anyhow!("{what} {v} is not a valid id")))
        .transpose()
}

impl PodSecurity {
    pub fn of(pod: &PodSpec) -> anyhow::Result<PodSecurity> {
        let context = pod.security_context.clone().unwrap_or_default();
        let sets_uid = context.run_as_user.is_some()
            || pod
                .containers
                .iter()
                .chain(pod.init_containers.iter().flatten())
                .any(|c| {
                    c.security_context
                        .as_ref()
                        .is_some_and(|s| s.run_as_user.is_some())
                });
        let platform = if sets_uid {
            Platform::Kubernetes
        } else {
            Platform::OpenshiftRestrictedV2
        };
        let mut fs_group = id(context.fs_group, "fsGroup")?;
        if platform == Platform::OpenshiftRestrictedV2 && fs_group.is_none() {
            fs_group = Some(OPENSHIFT_RANGE_START);
        }
        let supplemental_groups = context
            .supplemental_groups
            .unwrap_or_default()
            .into_iter()
            .map(|g| id(Some(g), "supplementalGroups").map(Option::unwrap_or_default))
            .collect::<anyhow::Result<Vec<u32>>>()?;
        Ok(PodSecurity {
            platform,
            fs_group,
            on_root_mismatch: context.fs_group_change_policy.as_deref() == Some("OnRootMismatch"),
            supplemental_groups,
        })
    }

    /// `container`'s identity, or why the kubelet refuses to start it.
    pub fn identity(&self, pod: &PodSpec, container: &Container) -> anyhow::Result<Identity> {
        let pod_context = pod.security_context.clone().unwrap_or_default();
        let own = container.security_context.clone().unwrap_or_default();
        let uid = match id(own.run_as_user.or(pod_context.run_as_user), "runAsUser")? {
            Some(uid) => uid,
            None if self.platform == Platform::OpenshiftRestrictedV2 => OPENSHIFT_RANGE_START,
            // The image's user: the official Redis images set none, so root.
            None => 0,
        };
        let gid = id(own.run_as_group.or(pod_context.run_as_group), "runAsGroup")?.unwrap_or(0);
        let non_root = own
            .run_as_non_root
            .or(pod_context.run_as_non_root)
            .unwrap_or(false);
        if non_root && uid == 0 {
            bail!(
                "container has runAsNonRoot and image will run as root (pod: {:?}, container: \
                 {}): set runAsUser (CreateContainerConfigError)",
                pod_context.run_as_user,
                container.name
            );
        }
        let mut groups: Vec<u32> = self.fs_group.into_iter().collect();
        groups.extend(&self.supplemental_groups);
        groups.sort_unstable();
        groups.dedup();
        let privileged = own.privileged == Some(true);
        let capabilities = if privileged {
            vec!["all".to_string()]
        } else {
            let caps = own.capabilities.unwrap_or_default();
            let norm = |c: &String| c.trim_start_matches("CAP_").to_ascii_uppercase();
            let drop: Vec<String> = caps.drop.iter().flatten().map(norm).collect();
            let add: Vec<String> = caps.add.iter().flatten().map(norm).collect();
            let mut set: Vec<String> = if drop.iter().any(|c| c == "ALL") {
                Vec::new()
            } else {
                RUNTIME_CAPABILITIES
                    .iter()
                    .map(|c| c.to_string())
                    .filter(|c| !drop.contains(c))
                    .collect()
            };
            set.extend(add.into_iter().filter(|c| c != "ALL"));
            set.sort();
            set.dedup();
            set.into_iter().map(|c| c.to_ascii_lowercase()).collect()
        };
        Ok(Identity {
            uid,
            gid,
            groups,
            capabilities,
            no_new_privs: own.allow_privilege_escalation == Some(false),
            read_only_root: own.read_only_root_filesystem == Some(true),
        })
    }
}

impl Identity {
    /// `argv` run through `setpriv` with this identity (a new exec, as the runtime's).
    pub fn wrap(&self, argv: &[String]) -> Vec<String> {
        let mut out = vec![
            "/usr/bin/setpriv".to_string(),
            format!("--reuid={}", self.uid),
            format!("--regid={}", self.gid),
        ];
        if self.groups.is_empty() {
            out.push("--clear-groups".into());
        } else {
            let groups: Vec<String> = self.groups.iter().map(u32::to_string).collect();
            out.push(format!("--groups={}", groups.join(",")));
        }
        let bounding: String = std::iter::once("-all".to_string())
            .chain(self.capabilities.iter().map(|c| format!("+{c}")))
            .collect::<Vec<_>>()
            .join(",");
        out.push(format!("--bounding-set={bounding}"));
        out.push("--inh-caps=-all".into());
        if self.no_new_privs {
            out.push("--no-new-privs".into());
        }
        out.push("--".into());
        out.extend(argv.iter().cloned());
        out
    }
}

/// The report's `fidelity.security_context`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SecurityFidelity {
    /// `kubernetes`, or `openshift-restricted-v2` for manifests that fix no UID.
    pub platform: Platform,
    /// UID:GID of each container (init containers included), as it runs.
    pub identities: Vec<String>,
    /// The pod's volumes' group (`fsGroup`), if any.
    pub fs_group: Option<u32>,
    /// Enforced: runAsUser/runAsGroup, fsGroup ownership of volumes, runAsNonRoot,
    /// capabilities, allowPrivilegeEscalation, readOnlyRootFilesystem.
    pub enforced: bool,
}

impl SecurityFidelity {
    pub fn of(pod: &PodSpec) -> SecurityFidelity {
        let security = PodSecurity::of(pod);
        let (platform, fs_group) = match &security {
            Ok(s) => (s.platform, s.fs_group),
            Err(_) => (Platform::Kubernetes, None),
        };
        let identities = pod
            .init_containers
            .iter()
            .flatten()
            .chain(&pod.containers)
            .map(|c| {
                let who = security
                    .as_ref()
                    .map_err(|e| format!("{e:#}"))
                    .and_then(|s| s.identity(pod, c).map_err(|e| format!("{e:#}")));
                match who {
                    Ok(who) => format!("{}: {}:{}", c.name, who.uid, who.gid),
                    Err(err) => format!("{}: refused ({err})", c.name),
                }
            })
            .collect();
        SecurityFidelity {
            platform,
            identities,
            fs_group,
            enforced: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Capabilities, PodSecurityContext, SecurityContext};

    fn pod(uid: Option<i64>, fs_group: Option<i64>, non_root: bool) -> PodSpec {
        PodSpec {
            security_context: Some(PodSecurityContext {
                run_as_user: uid,
                run_as_group: uid,
                fs_group,
                run_as_non_root: Some(non_root),
                ..Default::default()
            }),
            containers: vec![Container {
                name: "redis".into(),
                security_context: Some(SecurityContext {
                    capabilities: Some(Capabilities {
                        drop: Some(vec!["ALL".into()]),
                        add: None,
                    }),
                    allow_privilege_escalation: Some(false),
                    read_only_root_filesystem: Some(true),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn fixed_uid_runs_as_given_with_no_capabilities() {
        let spec = pod(Some(999), Some(999), true);
        let security = PodSecurity::of(&spec).unwrap();
        assert_eq!(security.platform, Platform::Kubernetes);
        let who = security.identity(&spec, &spec.containers[0]).unwrap();
        assert_eq!(
            (who.uid, who.gid, who.groups.clone()),
            (999, 999, vec![999])
        );
        assert!(who.capabilities.is_empty() && who.no_new_privs && who.read_only_root);
        let argv = who.wrap(&["sh".into()]);
        assert!(
            argv.contains(&"--bounding-set=-all".to_string()),
            "{argv:?}"
        );
        assert!(argv.contains(&"--no-new-privs".to_string()), "{argv:?}");
    }

    #[test]
    fn no_uid_anywhere_is_restricted_v2() {
        let spec = pod(None, None, true);
        let security = PodSecurity::of(&spec).unwrap();
        assert_eq!(security.platform, Platform::OpenshiftRestrictedV2);
        assert_eq!(security.fs_group, Some(OPENSHIFT_RANGE_START));
        let who = security.identity(&spec, &spec.containers[0]).unwrap();
        assert_eq!((who.uid, who.gid), (OPENSHIFT_RANGE_START, 0));
    }

    #[test]
    fn run_as_non_root_refuses_uid_zero() {
        let spec = pod(Some(0), None, true);
        let security = PodSecurity::of(&spec).unwrap();
        let err = security
            .identity(&spec, &spec.containers[0])
            .unwrap_err()
            .to_string();
        assert!(err.contains("runAsNonRoot"), "{err}");
    }

    #[test]
    fn runtime_capabilities_less_the_dropped_ones() {
        let mut spec = pod(Some(0), None, false);
        spec.containers[0].security_context = Some(SecurityContext {
            capabilities: Some(Capabilities {
                drop: Some(vec!["KILL".into(), "CAP_CHOWN".into()]),
                add: Some(vec!["NET_ADMIN".into()]),
            }),
            ..Default::default()
        });
        let security = PodSecurity::of(&spec).unwrap();
        let who = security.identity(&spec, &spec.containers[0]).unwrap();
        assert!(who.capabilities.contains(&"net_admin".to_string()));
        assert!(!who.capabilities.contains(&"kill".to_string()));
        assert!(!who.capabilities.contains(&"chown".to_string()));
        assert!(who.capabilities.contains(&"setuid".to_string()));
    }
}
