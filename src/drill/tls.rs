//! TLS in a drilled set. Whether Redis and Sentinel serve only TLS is read from their
//! configuration (`tls-port` set, `port 0`); the probe, the sampler and every other client of
//! the drill then connect over TLS and verify the pods against `tls-ca-cert-file`.
//!
//! A TLS Secret the pods mount but the manifests do not contain (an existing Secret, or one a
//! cert-manager `Certificate` would issue) is issued by the drill from a throwaway CA: what
//! cert-manager, or an operator, would have put there.

use super::certificates::{ThrowawayCa, TlsSecret};
use super::mounts::{SecretData, mounted_volume, projected_key};
use super::service_name::ServiceName;
use crate::kube_names;
use crate::manifest::Document;
use crate::redis_conf::{self, ConfText};
use crate::resp::TlsClient;
use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::PodSpec;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// How the drill's clients reach a set whose plain ports are off.
#[derive(Clone, Debug)]
pub struct TlsSettings {
    /// Redis serves only TLS.
    pub redis: bool,
    /// Sentinel serves only TLS.
    pub sentinel: bool,
    /// `tls-ca-cert-file` as the pods see it (what `redis-cli --cacert` reads in a pod).
    pub ca_file: String,
    /// That file's content from the Secret or ConfigMap mounted there: the local target's
    /// trust root. `None` when the manifests do not hold it (a live cluster's Secret).
    pub ca_pem: Option<Vec<u8>>,
}

impl TlsSettings {
    /// A client trusting the set's CA (the local target: the CA must be in the input).
    pub fn client(&self) -> anyhow::Result<TlsClient> {
        let pem = self.ca_pem.as_deref().with_context(|| {
            format!(
                "the pods verify TLS against {}, but no Secret or ConfigMap in the manifests is \
                 mounted there: add it to the input (the drill issues missing Secrets only when \
                 it can tell they hold tls.crt/tls.key)",
                self.ca_file
            )
        })?;
        TlsClient::from_ca_pem(pem)
            .with_context(|| format!("{} (the CA the pods trust)", self.ca_file))
    }
}

/// A Secret the drill issued, for its progress output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedSecret {
    pub secret: String,
    /// The cert-manager `Certificate` that asked for it, when one did.
    pub certificate: Option<String>,
    pub dns_names: Vec<String>,
    pub ips: Vec<IpAddr>,
}

impl IssuedSecret {
    /// One line for the drill's progress output.
    pub fn describe(&self) -> String {
        let mut names: Vec<String> = self.dns_names.iter().take(2).cloned().collect();
        if self.dns_names.len() > 2 {
            names.push(format!("{} more names", self.dns_names.len() - 2));
        }
        names.extend(self.ips.iter().map(IpAddr::to_string));
        match &self.certificate {
            Some(certificate) => format!(
                "playing cert-manager: issued Secret {:?} for Certificate {certificate:?} from a \
                 throwaway CA ({})",
                self.secret,
                names.join(", ")
            ),
            None => format!(
                "TLS Secret {:?} is not in the manifests: issued one from a throwaway CA for the \
                 rehearsal ({})",
                self.secret,
                names.join(", ")
            ),
        }
    }
}

/// What one configuration file says about TLS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfTls {
    /// `tls-port` when the plain port is off (`port 0`).
    pub tls_only_port: Option<u16>,
    /// The `tls-cert-file`, `tls-key-file` and `tls-ca-cert-file` paths.
    pub files: Vec<String>,
    pub ca_file: Option<String>,
}

/// Read the TLS directives of a redis.conf or sentinel.conf text.
pub fn conf_tls(text: &str) -> ConfTls {
    conf_tls_of(&redis_conf::parse(text, 0))
}

/// The TLS directives of a parsed configuration, as Redis applies them (the last wins).
pub fn conf_tls_of(conf: &ConfText) -> ConfTls {
    let plain_off = conf.value("port") == Some("0");
    let tls_port = conf
        .value("tls-port")
        .and_then(|v| v.parse::<u16>().ok())
        .filter(|p| *p > 0);
    let mut files = Vec::new();
    let mut ca_file = None;
    for directive in &conf.directives {
        let Some(value) = directive.arg(0) else {
            continue;
        };
        match directive.name.as_str() {
            "tls-cert-file" | "tls-key-file" => files.push(value.to_owned()),
            "tls-ca-cert-file" => {
                files.push(value.to_owned());
                ca_file = Some(value.to_owned());
            }
            _ => {}
        }
    }
    ConfTls {
        tls_only_port: tls_port.filter(|_| plain_off),
        files,
        ca_file,
    }
}

/// The settings of a set from its redis.conf and sentinel.conf, with the CA read from what
/// the Redis container mounts at `tls-ca-cert-file`.
pub fn settings(
    redis: &ConfTls,
    sentinel: &ConfTls,
    pod: &PodSpec,
    redis_container: &str,
    config_maps: &BTreeMap<String, SecretData>,
    secrets: &BTreeMap<String, SecretData>,
) -> anyhow::Result<Option<TlsSettings>> {
    let (redis_tls, sentinel_tls) = (
        redis.tls_only_port.is_some(),
        sentinel.tls_only_port.is_some(),
    );
    if !redis_tls && !sentinel_tls {
        return Ok(None);
    }
    let ca_file = [(redis_tls, redis), (sentinel_tls, sentinel)]
        .into_iter()
        .find_map(|(on, conf)| on.then(|| conf.ca_file.clone()).flatten())
        .context(
            "TLS is on (tls-port with port 0) but no tls-ca-cert-file is set: the drill verifies \
             the pods against that CA, as Redis replicas and Sentinels do",
        )?;
    Ok(Some(TlsSettings {
        redis: redis_tls,
        sentinel: sentinel_tls,
        ca_pem: mounted_file(pod, redis_container, &ca_file, config_maps, secrets),
        ca_file,
    }))
}

/// The content of the file a container sees at `path`, when a ConfigMap or Secret of the
/// manifests is mounted over it.
fn mounted_file(
    pod: &PodSpec,
    container: &str,
    path: &str,
    config_maps: &BTreeMap<String, SecretData>,
    secrets: &BTreeMap<String, SecretData>,
) -> Option<Vec<u8>> {
    let container = pod.containers.iter().find(|c| c.name == container)?;
    let (volume, relative) = mounted_volume(pod, container, path)?;
    let (data, items) = if let Some(secret) = &volume.secret {
        (
            secrets.get(secret.secret_name.as_deref()?)?,
            secret.items.as_deref(),
        )
    } else if let Some(cm) = &volume.config_map {
        (config_maps.get(&cm.name)?, cm.items.as_deref())
    } else {
        return None;
    };
    data.get(projected_key(items, relative)?).cloned()
}

/// The names of the set a certificate must carry when no `Certificate` lists them: every
/// name the drill's cluster DNS resolves for a pod or a Service, and localhost.
pub struct SetNames<'a> {
    pub namespace: &'a str,
    pub cluster_domain: &'a str,
    pub set: &'a str,
    pub replicas: usize,
    pub headless_service: &'a str,
    pub services: &'a [ServiceName],
}

impl SetNames<'_> {
    fn dns_names(&self) -> Vec<String> {
        let ns = self.namespace;
        let domain = self.cluster_domain;
        let mut names = Vec::new();
        for ordinal in 0..self.replicas {
            let pod = kube_names::pod_name(self.set, ordinal);
            let under_service = kube_names::pod_under_service(&pod, self.headless_service);
            names.extend(
                kube_names::search_forms(&under_service, ns, domain)
                    .into_iter()
                    .rev(),
            );
            names.push(pod);
        }
        for svc in self.services {
            names.extend(
                kube_names::search_forms(&svc.name, ns, domain)
                    .into_iter()
                    .rev(),
            );
        }
        names.push("localhost".into());
        names
    }
}

/// A cert-manager `Certificate` of the input.
struct CertificateRequest {
    name: String,
    secret: String,
    dns_names: Vec<String>,
    ips: Vec<IpAddr>,
}

fn certificates(documents: &[Document]) -> anyhow::Result<Vec<CertificateRequest>> {
    let mut requests = Vec::new();
    for doc in documents {
        let api = doc.value["apiVersion"].as_str().unwrap_or_default();
        if doc.kind() != "Certificate" || !api.starts_with("cert-manager.io/") {
            continue;
        }
        let spec = &doc.value["spec"];
        let strings = |field: &str| -> Vec<String> {
            spec[field]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        let name = doc.name().to_owned();
        let secret = spec["secretName"]
            .as_str()
            .filter(|s| !s.is_empty())
            .with_context(|| format!("{}: Certificate {name} has no spec.secretName", doc.file))?;
        let mut ips = Vec::new();
        for ip in strings("ipAddresses") {
            ips.push(ip.parse().with_context(|| {
                format!(
                    "{}: Certificate {name}: spec.ipAddresses has {ip:?}, not an IP address",
                    doc.file
                )
            })?);
        }
        let mut dns_names = strings("dnsNames");
        if let Some(cn) = spec["commonName"].as_str()
            && !dns_names.iter().any(|n| n == cn)
        {
            dns_names.push(cn.to_owned());
        }
        if dns_names.is_empty() && ips.is_empty() {
            bail!(
                "{}: Certificate {name} lists no spec.dnsNames or spec.ipAddresses: cert-manager \
                 would issue nothing a client can verify",
                doc.file
            );
        }
        requests.push(CertificateRequest {
            name,
            secret: secret.to_owned(),
            dns_names,
            ips,
        });
    }
    Ok(requests)
}

/// Issue, from one throwaway CA, every TLS Secret the pods need that the input lacks: those a
/// `Certificate` names (the drill plays cert-manager), and those mounted where the
/// configuration reads its certificate, or projecting `tls.crt`/`tls.key`.
pub fn issue_missing_secrets(
    documents: &[Document],
    pod: &PodSpec,
    tls_files: &[String],
    names: &SetNames,
    secrets: &mut BTreeMap<String, SecretData>,
) -> anyhow::Result<Vec<IssuedSecret>> {
    let mut wanted: Vec<IssuedSecret> = certificates(documents)?
        .into_iter()
        .filter(|c| !secrets.contains_key(&c.secret))
        .map(|c| IssuedSecret {
            secret: c.secret,
            certificate: Some(c.name),
            dns_names: c.dns_names,
            ips: c.ips,
        })
        .collect();
    for secret in tls_secret_volumes(pod, tls_files) {
        if !secrets.contains_key(&secret) && !wanted.iter().any(|w| w.secret == secret) {
            wanted.push(IssuedSecret {
                secret,
                certificate: None,
                dns_names: names.dns_names(),
                ips: vec![
                    IpAddr::from([127, 0, 0, 1]),
                    IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
                ],
            });
        }
    }
    if wanted.is_empty() {
        return Ok(wanted);
    }
    let ca = ThrowawayCa::new()?;
    for want in &wanted {
        let issued: TlsSecret = ca
            .issue(&want.dns_names, &want.ips)
            .with_context(|| format!("issuing Secret {:?}", want.secret))?;
        let data = issued
            .data()
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value.to_vec()))
            .collect();
        secrets.insert(want.secret.clone(), data);
    }
    Ok(wanted)
}

/// Secrets mounted over a directory the configuration reads TLS files from, or projecting
/// `tls.crt`/`tls.key`.
fn tls_secret_volumes(pod: &PodSpec, tls_files: &[String]) -> Vec<String> {
    let containers = pod
        .containers
        .iter()
        .chain(pod.init_containers.iter().flatten());
    let mounted_over_tls_files: Vec<&str> = containers
        .flat_map(|c| c.volume_mounts.iter().flatten())
        .filter(|m| {
            let dir = m.mount_path.trim_end_matches('/');
            tls_files.iter().any(|f| {
                f.strip_prefix(dir)
                    .is_some_and(|rest| rest.starts_with('/'))
            })
        })
        .map(|m| m.name.as_str())
        .collect();
    let mut found = Vec::new();
    for volume in pod.volumes.iter().flatten() {
        let Some(secret) = &volume.secret else {
            continue;
        };
        let Some(name) = secret.secret_name.clone() else {
            continue;
        };
        let projects_tls = secret
            .items
            .iter()
            .flatten()
            .any(|i| i.key == "tls.crt" || i.key == "tls.key");
        if (projects_tls || mounted_over_tls_files.contains(&volume.name.as_str()))
            && !found.contains(&name)
        {
            found.push(name);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::spec::{documents_from_text, ha_spec};

    #[test]
    fn reads_tls_only_ports_from_the_configuration() {
        let conf = conf_tls(
            "port 0\ntls-port 6379\ntls-cert-file /tls/tls.crt\ntls-key-file /tls/tls.key\n\
             tls-ca-cert-file \"/tls/ca.crt\"\ntls-replication yes\n",
        );
        assert_eq!(conf.tls_only_port, Some(6379));
        assert_eq!(conf.ca_file.as_deref(), Some("/tls/ca.crt"));
        assert_eq!(conf.files, ["/tls/tls.crt", "/tls/tls.key", "/tls/ca.crt"]);
        // Both ports open: plain clients still work, the drill keeps to the plain port.
        assert_eq!(conf_tls("port 6380\ntls-port 6379\n").tls_only_port, None);
        assert_eq!(conf_tls("port 0\ntls-port 0\n").tls_only_port, None);
        assert_eq!(conf_tls("port 6379\n"), ConfTls::default());
    }

    const FIXTURE: &str = include_str!("../../tests/drill/tls/redis-ha.yaml");

    fn spec_of(text: &str) -> crate::drill::spec::HaSpec {
        let documents = documents_from_text("tls.yaml", text).expect("parse");
        ha_spec(&documents, None).expect("spec")
    }

    #[test]
    fn a_missing_tls_secret_is_issued_for_every_name_the_pods_answer_to() {
        let spec = spec_of(FIXTURE);
        let tls = spec.tls.as_ref().expect("TLS detected");
        assert!(tls.redis && tls.sentinel);
        assert_eq!(tls.ca_file, "/tls/ca.crt");
        assert_eq!((spec.redis_port, spec.sentinel_port), (6379, 26379));
        let [issued] = spec.issued_secrets.as_slice() else {
            panic!("{:?}", spec.issued_secrets)
        };
        assert_eq!(issued.secret, "redis-tls");
        assert_eq!(issued.certificate, None);
        for name in [
            "redis-2.redis-headless.kubernaut-system.svc.cluster.local",
            "redis-0.redis-headless",
            "redis-1",
            "redis.kubernaut-system.svc.cluster.local",
            "localhost",
        ] {
            assert!(issued.dns_names.iter().any(|n| n == name), "{name}");
        }
        let keys: Vec<&String> = spec.secrets["redis-tls"].keys().collect();
        assert_eq!(keys, ["ca.crt", "tls.crt", "tls.key"]);
        assert_eq!(tls.ca_pem.as_ref(), spec.secrets["redis-tls"].get("ca.crt"));
        tls.client().expect("the issued CA is a usable trust root");
        // The password Secret is still made up as before.
        assert_eq!(spec.invented_secrets, ["redis-auth"]);
    }

    #[test]
    fn a_certificate_is_issued_as_cert_manager_would() {
        let certificate = "---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: redis
  namespace: kubernaut-system
spec:
  secretName: redis-tls
  dnsNames:
    - redis-0.redis-headless.kubernaut-system.svc.cluster.local
    - '*.redis-headless.kubernaut-system.svc.cluster.local'
  ipAddresses:
    - 127.0.0.1
  issuerRef:
    name: ca-issuer
    kind: Issuer
";
        let spec = spec_of(&format!("{FIXTURE}{certificate}"));
        let [issued] = spec.issued_secrets.as_slice() else {
            panic!("{:?}", spec.issued_secrets)
        };
        assert_eq!(issued.certificate.as_deref(), Some("redis"));
        assert_eq!(issued.dns_names.len(), 2);
        assert_eq!(issued.ips, [IpAddr::from([127, 0, 0, 1])]);
        assert!(
            issued
                .describe()
                .starts_with("playing cert-manager: issued Secret \"redis-tls\"")
        );

        let bad = certificate.replace("127.0.0.1", "not-an-ip");
        let documents = documents_from_text("tls.yaml", &format!("{FIXTURE}{bad}")).expect("parse");
        let err = ha_spec(&documents, None).unwrap_err();
        assert!(format!("{err:#}").contains("not-an-ip"), "{err:#}");
    }
}
