//! TLS values (`tls.enabled`): where the certificate files are, and the cert-manager
//! `Certificate` naming every address clients, peers and probes connect to.

use crate::kube_names;
use crate::profile::Profile;
use serde::Serialize;
use serde_json::{Value, json};

/// Where the Secret is mounted (read-only) in every container that talks to Redis.
pub const TLS_DIR: &str = "/tls";

#[derive(Debug, Serialize)]
pub struct TlsContext {
    /// The volume's name in the pod.
    pub volume: &'static str,
    pub secret: String,
    pub dir: &'static str,
    pub cert_file: String,
    pub key_file: String,
    pub ca_file: String,
    /// `tls.certManager.enabled`: the Certificate that writes the Secret.
    pub certificate: Option<CertificateContext>,
}

#[derive(Debug, Serialize)]
pub struct CertificateContext {
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<&'static str>,
    pub issuer_ref: Value,
}

/// `None` unless the profile turns TLS on.
pub fn context(
    profile: &Profile,
    headless_service: &str,
    cluster_domain: &str,
) -> Option<TlsContext> {
    let tls = &profile.tls;
    if !tls.enabled {
        return None;
    }
    let issuer = &tls.cert_manager.issuer_ref;
    Some(TlsContext {
        volume: "tls",
        secret: tls.existing_secret.clone(),
        dir: TLS_DIR,
        cert_file: format!("{TLS_DIR}/tls.crt"),
        key_file: format!("{TLS_DIR}/tls.key"),
        ca_file: ca_file(),
        certificate: tls.cert_manager.enabled.then(|| CertificateContext {
            dns_names: dns_names(profile, headless_service, cluster_domain),
            // The probes, the scripts' own-pod calls and the exporters connect to localhost.
            ip_addresses: vec!["127.0.0.1"],
            issuer_ref: json!({"name": issuer.name, "kind": issuer.kind, "group": issuer.group}),
        }),
    })
}

/// Every name a connection may use: each pod through the headless Service (Sentinel and
/// replication use the FQDN; pods in the namespace may use the short forms), the client
/// Service in all its forms, and `localhost`.
fn dns_names(profile: &Profile, headless_service: &str, cluster_domain: &str) -> Vec<String> {
    let namespace = &profile.namespace;
    let qualified = |name: &str| kube_names::search_forms(name, namespace, cluster_domain);
    let mut names: Vec<String> = qualified(&format!("*.{headless_service}"))
        .into_iter()
        .rev()
        .collect();
    names.extend(qualified(&profile.name));
    names.push("localhost".into());
    names
}

/// The CA every TLS client here verifies the servers with.
pub fn ca_file() -> String {
    format!("{TLS_DIR}/ca.crt")
}
