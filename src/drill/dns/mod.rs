//! Cluster DNS for the pods: a DNS server on the pods' bridge (`server`) answering the zone
//! the modelled endpoints make (`zone`), each pod's `resolv.conf` as the kubelet writes it
//! (the namespace's search domains, `ndots:5`, the cluster DNS as nameserver) and its
//! `/etc/hosts` as the kubelet writes it (localhost and the pod's own name only: every other
//! name goes through DNS). Each pod's directory of these files is bind-mounted; a file is
//! replaced by rename, so a reader never sees a half-written one. The pods' states are the
//! endpoints the Services' rules (`services::Proxy`) follow too.

mod server;
pub mod wire;
mod zone;

pub use server::{Fault, Timing};
pub use zone::PodState;

use super::services::Proxy;
use super::spec::HaSpec;
use server::Server;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use zone::Zone;

pub struct Dns {
    spec: HaSpec,
    etc_dirs: Vec<PathBuf>,
    pods: Mutex<Vec<PodState>>,
    server: Arc<Server>,
    proxy: Arc<Proxy>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    proxy_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Dns {
    /// The pods' name files, and the DNS server on `nameserver` (the bridge's address);
    /// `proxy` (and its thread) plays the Services' cluster IPs from the same endpoints.
    pub fn new(
        run_dir: &Path,
        spec: &HaSpec,
        ips: Vec<Ipv4Addr>,
        nameserver: Ipv4Addr,
        timing: Timing,
        (proxy, proxy_thread): (Arc<Proxy>, std::thread::JoinHandle<()>),
    ) -> anyhow::Result<Dns> {
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
            std::fs::write(dir.join("resolv.conf"), resolv_conf(spec, nameserver))?;
        }
        let pods = PodState::absent(&ips);
        let (server, thread) = Server::start(
            nameserver,
            &spec.cluster_domain,
            timing,
            Zone::of(spec, &pods, proxy.cluster_ips()),
        )?;
        let dns = Dns {
            spec: spec.clone(),
            etc_dirs,
            pods: Mutex::new(pods),
            server,
            proxy,
            thread: Mutex::new(Some(thread)),
            proxy_thread: Mutex::new(Some(proxy_thread)),
        };
        for (ordinal, &ip) in ips.iter().enumerate() {
            dns.write_hosts(ordinal, ip)?;
        }
        Ok(dns)
    }

    pub fn etc_dir(&self, ordinal: usize) -> &Path {
        &self.etc_dirs[ordinal]
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<PodState>> {
        self.pods.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pod `ordinal`'s current address.
    pub fn ip(&self, ordinal: usize) -> Ipv4Addr {
        self.lock()[ordinal].ip
    }

    /// The ordinal whose current address is `ip`.
    pub fn ordinal_of_ip(&self, ip: &str) -> Option<usize> {
        self.lock().iter().position(|p| p.ip.to_string() == ip)
    }

    /// A recreated pod's new address (as a pod gets a new IP in Kubernetes); its /etc/hosts
    /// names it, and the zone has it once the pod is an endpoint again.
    pub fn set_ip(&self, ordinal: usize, ip: Ipv4Addr) {
        let mut pods = self.lock();
        pods[ordinal].ip = ip;
        let _ = self.write_hosts(ordinal, ip);
        self.publish(&pods);
    }

    /// The endpoints changed: the zone and the Services' rules follow.
    fn publish(&self, pods: &[PodState]) {
        self.server
            .publish(Zone::of(&self.spec, pods, self.proxy.cluster_ips()));
        self.proxy.publish(pods);
    }

    /// Stop following the endpoints with the Services' rules (before the namespaces that
    /// hold them are deleted); returns once no rule is being loaded.
    pub fn stop_services(&self) {
        self.proxy.shutdown();
        let thread = self
            .proxy_thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }

    /// Each Service's cluster IP, by name (headless Services have none).
    pub fn cluster_ips(&self) -> &std::collections::BTreeMap<String, Ipv4Addr> {
        self.proxy.cluster_ips()
    }

    /// Whether pod `ordinal` runs and is Ready: the endpoints, and so the zone, follow.
    pub fn set(&self, ordinal: usize, running: bool, ready: bool) {
        let mut pods = self.lock();
        if (pods[ordinal].running, pods[ordinal].ready) != (running, ready) {
            pods[ordinal].running = running;
            pods[ordinal].ready = ready;
            self.publish(&pods);
        }
    }

    /// Put a DNS fault in force, or lift it (`None`).
    pub fn set_fault(&self, fault: Option<Fault>) {
        self.server.set_fault(fault);
    }

    /// Answer NXDOMAIN for pod `named`'s name to pod `client`, for each (client, named) of
    /// `denials`, until the next call (an empty list lifts them): a node-local DNS cache
    /// holding a denial for a pod's name, seen only by the pods of that node.
    pub fn set_denials(&self, denials: &[(usize, usize)]) {
        let pods = self.lock();
        let denials = denials
            .iter()
            .map(|&(client, named)| {
                let name = crate::kube_names::pod_fqdn(
                    &self.spec.pod_name(named),
                    &self.spec.headless_service,
                    &self.spec.namespace,
                    &self.spec.cluster_domain,
                );
                (pods[client].ip, name)
            })
            .collect();
        self.server.set_denials(denials);
    }

    /// How many questions the pods asked the server so far.
    pub fn queries(&self) -> u64 {
        self.server.queries()
    }

    /// The kubelet's /etc/hosts of a pod with a `hostname` and `subdomain`: its own FQDN.
    fn write_hosts(&self, ordinal: usize, ip: Ipv4Addr) -> std::io::Result<()> {
        let hosts = format!(
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{ip}\t{}\t{}\n",
            self.spec.fqdn(ordinal),
            self.spec.pod_name(ordinal)
        );
        let dir = &self.etc_dirs[ordinal];
        let next = dir.join("hosts.next");
        std::fs::write(&next, hosts)?;
        std::fs::rename(next, dir.join("hosts"))
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        self.server.shutdown();
        self.stop_services();
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// The kubelet's resolv.conf for a pod with `dnsPolicy: ClusterFirst`.
fn resolv_conf(spec: &HaSpec, nameserver: Ipv4Addr) -> String {
    let search = crate::kube_names::search_path(&spec.namespace, &spec.cluster_domain);
    format!(
        "search {}\nnameserver {nameserver}\noptions ndots:5\n",
        search.join(" ")
    )
}
