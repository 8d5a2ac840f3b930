//! Throwaway certificates for a rehearsal: a CA and server certificates signed by it, made
//! with the `openssl` command line in a private temporary directory that is removed at once.
//! Nothing here is meant to outlive the drill: keys are P-256, valid for two days.

use anyhow::{Context, bail};
use std::net::IpAddr;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// The three keys of a cert-manager Secret (`kubernetes.io/tls` plus `ca.crt`).
#[derive(Clone, Debug)]
pub struct TlsSecret {
    pub ca_crt: Vec<u8>,
    pub tls_crt: Vec<u8>,
    pub tls_key: Vec<u8>,
}

impl TlsSecret {
    /// The Secret's data, keyed as Kubernetes and cert-manager name it.
    pub fn data(&self) -> [(&'static str, &[u8]); 3] {
        [
            ("ca.crt", &self.ca_crt),
            ("tls.crt", &self.tls_crt),
            ("tls.key", &self.tls_key),
        ]
    }

    /// Write the three files into `dir`, as a Secret volume would show them.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        self.data()
            .into_iter()
            .try_for_each(|(key, value)| std::fs::write(dir.join(key), value))
    }
}

/// A throwaway certificate authority; its key lives in a private directory until dropped.
pub struct ThrowawayCa {
    dir: PathBuf,
    ca_crt: Vec<u8>,
    serial: AtomicU32,
}

const CONFIG: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = redis-ha-gen drill
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
";

/// Arguments of `openssl req` that make a new P-256 key.
const NEW_KEY: [&str; 6] = [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-batch",
];

static CAS: AtomicU32 = AtomicU32::new(0);

impl ThrowawayCa {
    pub fn new() -> anyhow::Result<ThrowawayCa> {
        let dir = std::env::temp_dir().join(format!(
            "redis-ha-gen-ca-{}-{}",
            std::process::id(),
            CAS.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        // From here on, Drop removes the directory whatever fails.
        let mut ca = ThrowawayCa {
            dir,
            ca_crt: Vec::new(),
            serial: AtomicU32::new(1),
        };
        std::fs::write(ca.path("openssl.cnf"), CONFIG)?;
        openssl(
            &ca.dir,
            &[
                &[
                    "req",
                    "-x509",
                    "-new",
                    "-config",
                    "openssl.cnf",
                    "-extensions",
                    "ca",
                ],
                &NEW_KEY[..],
                &["-keyout", "ca.key", "-out", "ca.crt", "-days", "2"],
                &[
                    "-subj",
                    "/O=redis-ha-gen/CN=redis-ha-gen drill throwaway CA",
                ],
            ],
        )?;
        ca.ca_crt = std::fs::read(ca.path("ca.crt"))?;
        Ok(ca)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// The CA's certificate (what clients trust).
    pub fn certificate(&self) -> &[u8] {
        &self.ca_crt
    }

    /// A server (and client) certificate for `dns_names` and `ips`, signed by this CA.
    pub fn issue(&self, dns_names: &[String], ips: &[IpAddr]) -> anyhow::Result<TlsSecret> {
        if dns_names.is_empty() && ips.is_empty() {
            bail!("a certificate needs at least one DNS name or IP address");
        }
        for name in dns_names {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.*".contains(&b))
            {
                bail!("{name:?} is not a DNS name a certificate can carry");
            }
        }
        let serial = self.serial.fetch_add(1, Ordering::SeqCst);
        let alt_names: Vec<String> = dns_names
            .iter()
            .map(|n| format!("DNS:{n}"))
            .chain(ips.iter().map(|ip| format!("IP:{ip}")))
            .collect();
        let extensions = format!(
            "[server]\n\
             basicConstraints = critical,CA:FALSE\n\
             keyUsage = critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage = serverAuth,clientAuth\n\
             subjectKeyIdentifier = hash\n\
             authorityKeyIdentifier = keyid\n\
             subjectAltName = {}\n",
            alt_names.join(",")
        );
        let ext_file = format!("server-{serial}.ext");
        let (key, csr, crt) = (
            format!("server-{serial}.key"),
            format!("server-{serial}.csr"),
            format!("server-{serial}.crt"),
        );
        std::fs::write(self.path(&ext_file), extensions)?;
        openssl(
            &self.dir,
            &[
                &["req", "-new", "-config", "openssl.cnf"],
                &NEW_KEY[..],
                &["-keyout", &key, "-out", &csr],
                // Clients match the subjectAltNames; a long name would not fit a CN anyway.
                &["-subj", "/O=redis-ha-gen/CN=redis-ha-gen drill server"],
            ],
        )?;
        openssl(
            &self.dir,
            &[
                &[
                    "x509", "-req", "-in", &csr, "-CA", "ca.crt", "-CAkey", "ca.key",
                ],
                &["-set_serial", &(1000 + serial).to_string(), "-days", "2"],
                &["-extfile", &ext_file, "-extensions", "server", "-out", &crt],
            ],
        )?;
        Ok(TlsSecret {
            ca_crt: self.ca_crt.clone(),
            tls_crt: std::fs::read(self.path(&crt))?,
            tls_key: std::fs::read(self.path(&key))?,
        })
    }
}

impl Drop for ThrowawayCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Run `openssl` in `dir`; its stderr is the error when it fails.
fn openssl(dir: &Path, args: &[&[&str]]) -> anyhow::Result<()> {
    let args: Vec<&str> = args.concat();
    let out = Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .output()
        .context("cannot run `openssl` to make throwaway certificates: install it (Debian: apt-get install openssl)")?;
    if !out.status.success() {
        bail!(
            "`openssl {}` failed: {}",
            args.first().copied().unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_a_chain_openssl_verifies_and_cleans_up() {
        let ca = ThrowawayCa::new().expect("CA");
        let dir = ca.dir.clone();
        let secret = ca
            .issue(
                &[
                    "redis-0.redis-headless.ns.svc.cluster.local".into(),
                    "localhost".into(),
                ],
                &["127.0.0.1".parse().unwrap()],
            )
            .expect("issue");
        assert!(secret.tls_key.starts_with(b"-----BEGIN PRIVATE KEY-----"));
        std::fs::write(dir.join("check.crt"), &secret.tls_crt).unwrap();
        let verify = Command::new("openssl")
            .args(["verify", "-CAfile", "ca.crt", "check.crt"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(verify.status.success(), "{verify:?}");
        let text = Command::new("openssl")
            .args([
                "x509",
                "-noout",
                "-ext",
                "subjectAltName",
                "-in",
                "check.crt",
            ])
            .current_dir(&dir)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains("DNS:redis-0.redis-headless.ns.svc.cluster.local")
                && text.contains("IP Address:127.0.0.1"),
            "{text}"
        );
        assert!(ca.issue(&["bad name;rm".into()], &[]).is_err());
        assert!(ca.issue(&[], &[]).is_err());
        drop(ca);
        assert!(!dir.exists(), "the CA's key outlived it");
    }
}
