//! Cluster DNS as each pod's /etc/hosts: every pod's own name, plus the names the Services
//! publish — a pod's FQDN and short names while it runs (and is Ready, unless the headless
//! Service publishes not-ready addresses), and each Service's name to its published pods.
//! Each pod's directory of these files is bind-mounted; a file is replaced by rename, so a
//! lookup in a running pod sees the old or the new file, never a half-written one.

use super::spec::HaSpec;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct Dns {
    spec: HaSpec,
    etc_dirs: Vec<PathBuf>,
    records: Mutex<Records>,
}

/// Each pod's current address, and whether its names are published.
struct Records {
    ips: Vec<Ipv4Addr>,
    published: Vec<bool>,
}

impl Dns {
    pub fn new(run_dir: &Path, spec: &HaSpec, ips: Vec<Ipv4Addr>) -> anyhow::Result<Dns> {
        // One record per address: the set may hold more pods than `spec.replicas` (resized).
        let etc_dirs: Vec<PathBuf> = (0..ips.len())
            .map(|i| run_dir.join("pods").join(spec.pod_name(i)).join("etc"))
            .collect();
        for (ordinal, dir) in etc_dirs.iter().enumerate() {
            std::fs::create_dir_all(dir)?;
            std::fs::write(
                dir.join("hostname"),
                format!("{}\n", spec.pod_name(ordinal)),
            )?;
            // No nameserver answers: names outside /etc/hosts fail fast, nothing leaves the host.
            std::fs::write(
                dir.join("resolv.conf"),
                "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
            )?;
        }
        let records = Records {
            published: vec![false; ips.len()],
            ips,
        };
        let dns = Dns {
            spec: spec.clone(),
            etc_dirs,
            records: Mutex::new(Records {
                ips: Vec::new(),
                published: Vec::new(),
            }),
        };
        dns.write(&records)?;
        *dns.lock() = records;
        Ok(dns)
    }

    pub fn etc_dir(&self, ordinal: usize) -> &Path {
        &self.etc_dirs[ordinal]
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pod `ordinal`'s current address.
    pub fn ip(&self, ordinal: usize) -> Ipv4Addr {
        self.lock().ips[ordinal]
    }

    /// The ordinal whose current address is `ip`.
    pub fn ordinal_of_ip(&self, ip: &str) -> Option<usize> {
        self.lock().ips.iter().position(|a| a.to_string() == ip)
    }

    /// A recreated pod's new address (as a pod gets a new IP in Kubernetes).
    pub fn set_ip(&self, ordinal: usize, ip: Ipv4Addr) {
        let mut records = self.lock();
        records.ips[ordinal] = ip;
        let _ = self.write(&records);
    }

    /// Publish or withdraw pod `ordinal`'s records.
    pub fn set(&self, ordinal: usize, running: bool, ready: bool) {
        let publish = running && (ready || self.spec.publish_not_ready());
        let mut records = self.lock();
        if records.published[ordinal] != publish {
            records.published[ordinal] = publish;
            let _ = self.write(&records);
        }
    }

    fn pod_names(&self, ordinal: usize) -> Vec<String> {
        let pod = self.spec.pod_name(ordinal);
        let svc = &self.spec.headless_service;
        let ns = &self.spec.namespace;
        vec![
            format!("{pod}.{svc}.{ns}.svc.{}", self.spec.cluster_domain),
            format!("{pod}.{svc}.{ns}.svc"),
            format!("{pod}.{svc}.{ns}"),
            format!("{pod}.{svc}"),
        ]
    }

    fn write(&self, records: &Records) -> std::io::Result<()> {
        let published = &records.published;
        let mut shared = String::new();
        for (ordinal, ip) in records.ips.iter().enumerate() {
            if published[ordinal] {
                shared += &format!("{ip}\t{}\n", self.pod_names(ordinal).join(" "));
            }
        }
        let ns = &self.spec.namespace;
        let domain = &self.spec.cluster_domain;
        for svc in &self.spec.services {
            for (ordinal, ip) in records.ips.iter().enumerate() {
                if published[ordinal] {
                    let name = &svc.name;
                    shared += &format!(
                        "{ip}\t{name}.{ns}.svc.{domain} {name}.{ns}.svc {name}.{ns} {name}\n"
                    );
                }
            }
        }
        for (ordinal, dir) in self.etc_dirs.iter().enumerate() {
            let own = format!(
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{}\t{} {}\n",
                records.ips[ordinal],
                self.pod_names(ordinal)[0],
                self.spec.pod_name(ordinal)
            );
            let next = dir.join("hosts.next");
            std::fs::write(&next, own + &shared)?;
            std::fs::rename(next, dir.join("hosts"))?;
        }
        Ok(())
    }
}
