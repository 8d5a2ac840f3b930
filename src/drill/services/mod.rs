//! The set's Services as kube-proxy plays them: every Service with a cluster IP gets one
//! (`vip`), and each network namespace of the drill (the pods' and the client's) holds an
//! nftables table that sends a connection to that address to a ready endpoint (`rules`).
//! The table follows the pods' readiness after the same propagation delay as the cluster
//! DNS (the EndpointSlice watch), replaced whole in one nft transaction. The tables live in
//! the namespaces: deleting a namespace removes its table.

pub mod fidelity;
mod rules;
mod vip;

pub use vip::{SERVICE_CIDR, allocate, fnv};

use super::dns::PodState;
use super::spec::ServiceName;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The table's name in every namespace.
const TABLE: &str = "rhgservices";
/// How often the proxy looks for endpoint changes that are due.
const TICK: Duration = Duration::from_millis(50);

struct State {
    /// Pod states by the time they were published, oldest first (the newest kept).
    published: Vec<(Instant, Vec<PodState>)>,
    applied: Option<Vec<PodState>>,
}

/// kube-proxy for the drill's namespaces.
pub struct Proxy {
    services: Vec<ServiceName>,
    cluster_ips: BTreeMap<String, Ipv4Addr>,
    namespaces: Vec<String>,
    propagation: Duration,
    state: Mutex<State>,
    stop: AtomicBool,
}

impl Proxy {
    /// The Services' tables in `namespaces`, loaded at once for `pods` (so a broken nft
    /// fails the set's creation), then kept up to date by a thread until `shutdown`.
    pub fn start(
        services: &[ServiceName],
        cluster_ips: BTreeMap<String, Ipv4Addr>,
        namespaces: Vec<String>,
        propagation: Duration,
        pods: Vec<PodState>,
    ) -> anyhow::Result<(Arc<Proxy>, std::thread::JoinHandle<()>)> {
        let proxy = Arc::new(Proxy {
            services: services.to_vec(),
            cluster_ips,
            namespaces,
            propagation,
            state: Mutex::new(State {
                published: vec![(Instant::now(), pods.clone())],
                applied: None,
            }),
            stop: AtomicBool::new(false),
        });
        proxy.load(&pods)?;
        proxy.lock().applied = Some(pods);
        let thread = {
            let proxy = Arc::downgrade(&proxy);
            std::thread::spawn(move || Proxy::sync(&proxy))
        };
        Ok((proxy, thread))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn cluster_ips(&self) -> &BTreeMap<String, Ipv4Addr> {
        &self.cluster_ips
    }

    fn load(&self, pods: &[PodState]) -> anyhow::Result<()> {
        let script = rules::ruleset(TABLE, &self.services, &self.cluster_ips, pods);
        self.namespaces
            .iter()
            .try_for_each(|ns| super::nft::load(Some(ns), &script))
    }

    /// The pods changed: the rules follow after the propagation delay.
    pub fn publish(&self, pods: &[PodState]) {
        self.lock().published.push((Instant::now(), pods.to_vec()));
    }

    /// The newest pod states published at least `propagation` ago (older ones dropped).
    fn due(&self) -> Option<Vec<PodState>> {
        let mut state = self.lock();
        let now = Instant::now();
        let newest = state
            .published
            .iter()
            .rposition(|(at, _)| now.duration_since(*at) >= self.propagation)?;
        state.published.drain(..newest);
        let pods = state.published[0].1.clone();
        (state.applied.as_ref() != Some(&pods)).then_some(pods)
    }

    /// Until `shutdown`, or until the proxy is dropped (its owner failed before it could
    /// shut it down).
    fn sync(proxy: &std::sync::Weak<Proxy>) {
        while let Some(proxy) = proxy.upgrade()
            && !proxy.stop.load(Ordering::SeqCst)
        {
            if let Some(pods) = proxy.due() {
                if let Err(e) = proxy.load(&pods) {
                    eprintln!("drill: the Services' rules are out of date: {e:#}");
                }
                proxy.lock().applied = Some(pods);
            }
            drop(proxy);
            std::thread::sleep(TICK);
        }
    }

    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}
