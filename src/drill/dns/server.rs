//! The drill's cluster DNS server: one UDP socket on the pods' bridge (the address each pod's
//! `resolv.conf` names), answering from the zone as CoreDNS would with its default Corefile
//! (`kubernetes` with `ttl 5`, `cache 30`): the zone reaches the server `propagation` after
//! the endpoints change (the EndpointSlice watch), and each answer, positive or negative, is
//! cached for min(TTL, cache cap) — a lookup within that window gets the cached answer, even
//! when the pod has gone or got a new address since. Faults make it drop every query, answer
//! late, or keep serving the zone as it was (a stale cache); denials make it answer NXDOMAIN
//! for one name to one pod only, as a node-local cache (NodeLocal DNSCache) still holding a
//! denial does for the pods of its node.

use super::wire::{self, Answer};
use super::zone::Zone;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the server answers: the cluster's defaults, or the drill's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// TTL of every record and of the SOA minimum (CoreDNS kubernetes plugin: 5 s).
    pub ttl: Duration,
    /// Longest time an answer stays cached (CoreDNS `cache 30`).
    pub cache: Duration,
    /// Delay between an endpoint change and the server seeing it.
    pub propagation: Duration,
}

/// A DNS fault in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No answer at all (CoreDNS down or unreachable): resolvers time out.
    Down,
    /// Every answer this much late.
    Slow(Duration),
    /// Every name answered as the zone stood when the fault began, whatever changed since
    /// (a cache serving old addresses and old denials).
    Stale,
}

struct State {
    /// Zones by the time they were published, oldest first; the server answers from the
    /// newest one older than `propagation`.
    history: Vec<(Instant, Arc<Zone>)>,
    cache: HashMap<String, (Answer, Instant)>,
    fault: Option<Fault>,
    frozen: Option<Arc<Zone>>,
    /// (client address, name): answered NXDOMAIN to that client whatever the zone holds.
    denials: Vec<(Ipv4Addr, String)>,
    queries: u64,
}

pub struct Server {
    timing: Timing,
    domain: String,
    state: Mutex<State>,
    stop: AtomicBool,
}

impl Server {
    /// Bind `address`:53 and answer from `zone` in a thread until `shutdown`.
    pub fn start(
        address: Ipv4Addr,
        domain: &str,
        timing: Timing,
        zone: Zone,
    ) -> anyhow::Result<(Arc<Server>, std::thread::JoinHandle<()>)> {
        let socket = UdpSocket::bind((address, 53))
            .map_err(|e| anyhow::anyhow!("cannot serve the pods' DNS on {address}:53: {e}"))?;
        socket.set_read_timeout(Some(Duration::from_millis(200)))?;
        let server = Arc::new(Server::new(domain, timing, zone));
        let serving = Arc::clone(&server);
        let thread = std::thread::spawn(move || serving.serve(&socket));
        Ok((server, thread))
    }

    fn new(domain: &str, timing: Timing, zone: Zone) -> Server {
        Server {
            timing,
            domain: domain.to_string(),
            state: Mutex::new(State {
                // Seen at once: the endpoints before any pod started.
                history: vec![(
                    Instant::now()
                        .checked_sub(timing.propagation)
                        .unwrap_or_else(Instant::now),
                    Arc::new(zone),
                )],
                cache: HashMap::new(),
                fault: None,
                frozen: None,
                denials: Vec::new(),
                queries: 0,
            }),
            stop: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// The endpoints changed: the server sees `zone` after the propagation delay.
    pub fn publish(&self, zone: Zone) {
        let mut state = self.lock();
        if state.history.last().is_some_and(|(_, z)| **z == zone) {
            return;
        }
        state.history.push((Instant::now(), Arc::new(zone)));
    }

    pub fn set_fault(&self, fault: Option<Fault>) {
        let mut state = self.lock();
        state.frozen = match fault {
            Some(Fault::Stale) => Some(Self::visible(&mut state, self.timing.propagation)),
            _ => None,
        };
        state.fault = fault;
    }

    /// Answer NXDOMAIN for each (client, name) of `denials` to that client only, until the
    /// next call (an empty list lifts them). Names are lower case, without the trailing dot.
    pub fn set_denials(&self, denials: Vec<(Ipv4Addr, String)>) {
        self.lock().denials = denials;
    }

    /// The answer to `name` asked by `client`: a denial in force for that pair, or
    /// [`Server::resolve`].
    pub fn resolve_for(&self, client: Ipv4Addr, name: &str) -> (Answer, u32) {
        let denied = self
            .lock()
            .denials
            .iter()
            .any(|(ip, denied)| *ip == client && denied == name);
        if denied {
            return (Answer::NxDomain, self.ttl_secs());
        }
        self.resolve(name)
    }

    /// How many questions the server received (answered or not).
    pub fn queries(&self) -> u64 {
        self.lock().queries
    }

    /// The zone the server sees now: the newest one published at least `propagation` ago.
    fn visible(state: &mut State, propagation: Duration) -> Arc<Zone> {
        let now = Instant::now();
        let seen = state
            .history
            .iter()
            .rposition(|(at, _)| now.duration_since(*at) >= propagation)
            .unwrap_or(0);
        state.history.drain(..seen);
        Arc::clone(&state.history[0].1)
    }

    /// The answer to `name`, from the cache while it holds one, and what TTL to give it.
    pub fn resolve(&self, name: &str) -> (Answer, u32) {
        let mut state = self.lock();
        if let Some(zone) = &state.frozen {
            return (zone.answer(name), self.ttl_secs());
        }
        let now = Instant::now();
        if let Some((answer, expires)) = state.cache.get(name)
            && *expires > now
        {
            let left = expires.duration_since(now).as_secs().max(1);
            return (answer.clone(), left as u32);
        }
        let answer = Self::visible(&mut state, self.timing.propagation).answer(name);
        let keep = self.timing.ttl.min(self.timing.cache);
        state.cache.retain(|_, (_, expires)| *expires > now);
        if !keep.is_zero() {
            state
                .cache
                .insert(name.to_string(), (answer.clone(), now + keep));
        }
        (answer, self.ttl_secs())
    }

    fn ttl_secs(&self) -> u32 {
        u32::try_from(self.timing.ttl.as_secs()).unwrap_or(u32::MAX)
    }

    fn serve(self: Arc<Self>, socket: &UdpSocket) {
        let mut buf = [0u8; 512];
        while !self.stop.load(Ordering::SeqCst) {
            let Ok((len, peer)) = socket.recv_from(&mut buf) else {
                continue;
            };
            let fault = {
                let mut state = self.lock();
                state.queries += 1;
                state.fault
            };
            let Some(query) = wire::parse(&buf[..len]) else {
                continue;
            };
            match fault {
                Some(Fault::Down) => {}
                Some(Fault::Slow(delay)) => {
                    let server = Arc::clone(&self);
                    let Ok(socket) = socket.try_clone() else {
                        continue;
                    };
                    std::thread::spawn(move || {
                        std::thread::sleep(delay);
                        server.answer(&socket, &query, peer);
                    });
                }
                _ => self.answer(socket, &query, peer),
            }
        }
    }

    fn answer(&self, socket: &UdpSocket, query: &wire::Query, peer: SocketAddr) {
        let (answer, ttl) = match peer.ip() {
            std::net::IpAddr::V4(client) => self.resolve_for(client, &query.name),
            std::net::IpAddr::V6(_) => self.resolve(&query.name),
        };
        let _ = socket.send_to(&wire::response(query, &answer, &self.domain, ttl), peer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(names: &[(&str, u8)]) -> Zone {
        Zone::from_names(
            names
                .iter()
                .map(|&(n, last)| (n.to_string(), vec![Ipv4Addr::new(10, 0, 0, last)]))
                .collect(),
        )
    }

    fn a(last: u8) -> Answer {
        Answer::Addresses(vec![Ipv4Addr::new(10, 0, 0, last)])
    }

    fn server(ttl_ms: u64, propagation_ms: u64) -> Server {
        let timing = Timing {
            ttl: Duration::from_millis(ttl_ms),
            cache: Duration::from_secs(30),
            propagation: Duration::from_millis(propagation_ms),
        };
        Server::new("cluster.local", timing, zone(&[("x", 1)]))
    }

    #[test]
    fn answers_positive_and_negative_are_cached_for_the_ttl() {
        let server = server(300, 0);
        assert_eq!(server.resolve("x").0, a(1));
        assert_eq!(server.resolve("y").0, Answer::NxDomain);
        server.publish(zone(&[("x", 2), ("y", 3)]));
        assert_eq!(server.resolve("x").0, a(1), "cached old address");
        assert_eq!(server.resolve("y").0, Answer::NxDomain, "cached denial");
        std::thread::sleep(Duration::from_millis(350));
        assert_eq!(server.resolve("x").0, a(2));
        assert_eq!(server.resolve("y").0, a(3));
    }

    #[test]
    fn endpoint_changes_reach_the_server_after_the_propagation_delay() {
        let server = server(0, 300);
        server.publish(zone(&[("x", 2)]));
        assert_eq!(server.resolve("x").0, a(1));
        std::thread::sleep(Duration::from_millis(350));
        assert_eq!(server.resolve("x").0, a(2));
    }

    #[test]
    fn a_stale_cache_keeps_every_old_answer_until_lifted() {
        let server = server(0, 0);
        server.set_fault(Some(Fault::Stale));
        server.publish(zone(&[("x", 2), ("y", 3)]));
        assert_eq!(server.resolve("x").0, a(1));
        assert_eq!(server.resolve("y").0, Answer::NxDomain);
        server.set_fault(None);
        assert_eq!(server.resolve("x").0, a(2));
    }

    #[test]
    fn a_denial_answers_nxdomain_to_its_client_only_until_lifted() {
        let server = server(0, 0);
        let (denied, other) = (Ipv4Addr::new(10, 0, 0, 7), Ipv4Addr::new(10, 0, 0, 8));
        server.set_denials(vec![(denied, "x".to_string())]);
        assert_eq!(server.resolve_for(denied, "x").0, Answer::NxDomain);
        assert_eq!(server.resolve_for(other, "x").0, a(1));
        server.set_denials(Vec::new());
        assert_eq!(server.resolve_for(denied, "x").0, a(1));
    }
}
