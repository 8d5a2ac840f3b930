//! The pods' network: a private bridge on the host, one network namespace per pod joined to
//! it by a veth pair. Addresses come from 10.213.X.0/24 and exist only on that bridge and
//! inside the namespaces. No drill traffic leaves the machine: the namespaces have no route
//! out, and the host, which has one (its default route), gets a `blackhole` route for the
//! pods' and the Services' ranges from each network for as long as it exists, so a probe or
//! client of the host that still connects to a pod after its bridge is gone (a teardown
//! racing a thread), or to a cluster IP, is refused on the host instead of being sent to the
//! host's gateway (`contain`).
//! A partition is the pod's link set down; an isolation drops, silently (no RST), every frame
//! the bridge would forward between the pod and the other pods, while the host (where the
//! drill's clients run) still reaches it: nftables rules of the `bridge` family, one chain
//! per isolated pod in a table of this network's own. A lost node's pod loses every frame, to
//! and from the host too (`set_node_lost`). Client namespaces (pods of another
//! workload, the gateway's stand-in) join the same bridge at the top of the range. Each
//! namespace routes the Services' range (`services::SERVICE_CIDR`) to the bridge, so a
//! connection to a cluster IP gets past routing to the namespace's DNAT rules; the
//! NetworkPolicies are a second `bridge` table (`set_policies`).

use super::cleanup::{self, Resource};
use super::services::fnv;
use anyhow::{Context, bail};
use std::net::Ipv4Addr;
use std::process::Command;

pub struct Network {
    id: String,
    subnet: u8,
    pods: usize,
    clients: usize,
    /// Its `blackhole` routes (`contain`), removed after its links.
    contained: Vec<Resource>,
}

/// Run `program args…`; an error names the command and its own words.
fn run(program: &str, install: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("cannot run `{program}`: {install}"))?;
    if !out.status.success() {
        bail!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn nft(args: &[&str]) -> anyhow::Result<()> {
    run("nft", "install Debian's nftables package", args)
}

fn ip(args: &[&str]) -> anyhow::Result<()> {
    run("ip", "install iproute2", args)
}

/// The ranges the drill's addresses come from: the pods' bridges and the Services.
const CONTAINED: [&str; 2] = ["10.213.0.0/16", super::services::SERVICE_CIDR];

/// A `blackhole` route on the host for each of `CONTAINED`, registered for cleanup, which
/// removes it last. A bridge's own /24 route is longer, so it wins while the bridge exists.
/// Each network adds its own, with its id (`<pid><serial>`, digits) as the metric where it
/// fits one, so that two networks side by side each remove only theirs and a leftover names
/// its drill; a metric another holds already moves on to the next.
fn contain(id: &str) -> anyhow::Result<Vec<Resource>> {
    let first = id.parse::<u32>().unwrap_or_else(|_| fnv(id));
    let mut routes = Vec::new();
    for prefix in CONTAINED {
        let mut metric = first;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let metric_text = metric.to_string();
            let args = ["route", "add", "blackhole", prefix, "metric", &metric_text];
            match ip(&args) {
                Ok(()) => break,
                Err(err) if attempts >= 16 => return Err(err),
                Err(_) => metric = metric.wrapping_add(1),
            }
        }
        let route = Resource::Blackhole {
            prefix: prefix.to_string(),
            metric,
        };
        cleanup::register(route.clone());
        routes.push(route);
    }
    Ok(routes)
}

fn addresses() -> anyhow::Result<String> {
    let out = Command::new("ip").args(["-4", "-o", "addr"]).output()?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// How many interfaces hold an address in 10.213.`x`.0/24.
fn holders(x: u8) -> anyhow::Result<usize> {
    let needle = format!(" 10.213.{x}.");
    Ok(addresses()?.lines().filter(|l| l.contains(&needle)).count())
}

/// A /24 in 10.213.0.0/16 that no interface on the host uses yet.
fn free_subnet(seed: u32) -> anyhow::Result<u8> {
    let used = addresses()?;
    (0..=255u32)
        .map(|k| ((seed + k) % 256) as u8)
        .find(|x| !used.contains(&format!(" 10.213.{x}.")))
        .context("every 10.213.x.0/24 is in use: remove stale drill bridges (`ip link show type bridge`)")
}

impl Network {
    /// Bridge + `pods` namespaces and `clients` client namespaces, each with its address.
    /// Registered for cleanup at once.
    pub fn create(id: &str, pods: usize, clients: usize) -> anyhow::Result<Network> {
        if clients > 2 {
            bail!("the pods' network holds at most 2 client namespaces, not {clients}");
        }
        let contained = contain(id)?;
        let bridge = format!("rhg{id}br");
        ip(&["link", "add", &bridge, "type", "bridge"])?;
        cleanup::register(Resource::Link(bridge.clone()));
        // Another drill may pick the same free subnet at the same instant: the one that finds
        // a second holder after adding its address gives it up and picks again. The seed is
        // the set's id (`<pid><serial>`), not the pid alone: two sets of one process (tests
        // run side by side) would otherwise draw the same sequence and collide every time.
        let mut seed = fnv(id);
        let mut attempts = 0;
        let subnet = loop {
            attempts += 1;
            if attempts > 16 {
                bail!("no free 10.213.x.0/24 for the pods' bridge after 16 attempts");
            }
            let subnet = free_subnet(seed)?;
            let gateway = format!("10.213.{subnet}.1/24");
            ip(&["addr", "add", &gateway, "dev", &bridge])?;
            if holders(subnet)? == 1 {
                break subnet;
            }
            ip(&["addr", "del", &gateway, "dev", &bridge])?;
            seed = seed.wrapping_mul(31).wrapping_add(17);
        };
        let net = Network {
            id: id.to_string(),
            subnet,
            pods,
            clients,
            contained,
        };
        ip(&["link", "set", &bridge, "up"])?;
        for ordinal in 0..pods {
            net.join(
                &net.namespace(ordinal),
                &net.host_link(ordinal),
                &format!("rhg{}p{ordinal}", net.id),
                net.pod_ip(ordinal, 0),
            )?;
        }
        for k in 0..clients {
            net.join(
                &net.client_namespace(k),
                &net.client_link(k),
                &format!("rhg{}q{k}", net.id),
                net.client_ip(k),
            )?;
        }
        Ok(net)
    }

    /// The bridge's own address: the host side of the pods' network (their DNS server).
    pub fn gateway(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, 213, self.subnet, 1)
    }

    fn bridge(&self) -> String {
        format!("rhg{}br", self.id)
    }

    fn host_link(&self, ordinal: usize) -> String {
        format!("rhg{}h{ordinal}", self.id)
    }

    pub fn namespace(&self, ordinal: usize) -> String {
        format!("rhg-{}-{ordinal}", self.id)
    }

    /// Client namespace `k` (`k < clients`).
    pub fn client_namespace(&self, k: usize) -> String {
        format!("rhg-{}-c{k}", self.id)
    }

    /// The bridge port of pod `ordinal` (NetworkPolicy rules name it).
    pub fn pod_link(&self, ordinal: usize) -> String {
        self.host_link(ordinal)
    }

    /// The bridge port of client namespace `k`.
    pub fn client_link(&self, k: usize) -> String {
        format!("rhg{}c{k}", self.id)
    }

    /// Client `k`'s address: above every pod address (`pod_ip` stays below .250).
    pub fn client_ip(&self, k: usize) -> Ipv4Addr {
        Ipv4Addr::new(10, 213, self.subnet, 253 + u8::try_from(k).unwrap_or(0))
    }

    fn policy_table(&self) -> String {
        format!("rhg{}pol", self.id)
    }

    /// Put the NetworkPolicies' bridge rules in force (`script` from
    /// `policy::bridge_ruleset` for the table this returns; `None`: no policy).
    pub fn set_policies(&self, script: impl FnOnce(&str) -> Option<String>) -> anyhow::Result<()> {
        let table = self.policy_table();
        if let Some(script) = script(&table) {
            cleanup::register(Resource::BridgeTable(table));
            super::nft::load(None, &script)?;
        }
        Ok(())
    }

    /// Pod `ordinal`'s address in its `start`-th life: a recreated pod gets a new one, as
    /// in Kubernetes, so stale addresses in Redis or Sentinel state point at nothing.
    pub fn pod_ip(&self, ordinal: usize, start: usize) -> Ipv4Addr {
        let slots = 240 / self.pods.max(1);
        let host = 10 + (start % slots) * self.pods + ordinal;
        Ipv4Addr::new(10, 213, self.subnet, u8::try_from(host).unwrap_or(250))
    }

    /// Move pod `ordinal` to `ip` (its namespace has no process when this runs).
    pub fn readdress(&self, ordinal: usize, address: Ipv4Addr) -> anyhow::Result<()> {
        let ns = self.namespace(ordinal);
        ip(&["-n", &ns, "addr", "flush", "dev", "eth0"])?;
        ip(&[
            "-n",
            &ns,
            "addr",
            "add",
            &format!("{address}/24"),
            "dev",
            "eth0",
        ])
    }

    /// Namespace `ns` on the bridge through veth `host`/`peer`, at `address`, with the
    /// Services' range routed to the bridge.
    fn join(&self, ns: &str, host: &str, peer: &str, address: Ipv4Addr) -> anyhow::Result<()> {
        ip(&["netns", "add", ns])?;
        cleanup::register(Resource::NetworkNamespace(ns.to_string()));
        ip(&["link", "add", host, "type", "veth", "peer", "name", peer])?;
        cleanup::register(Resource::Link(host.to_string()));
        ip(&["link", "set", peer, "netns", ns])?;
        ip(&["-n", ns, "link", "set", peer, "name", "eth0"])?;
        ip(&[
            "-n",
            ns,
            "addr",
            "add",
            &format!("{address}/24"),
            "dev",
            "eth0",
        ])?;
        ip(&["-n", ns, "link", "set", "eth0", "up"])?;
        ip(&["-n", ns, "link", "set", "lo", "up"])?;
        ip(&[
            "-n",
            ns,
            "route",
            "add",
            super::services::SERVICE_CIDR,
            "via",
            &self.gateway().to_string(),
        ])?;
        ip(&["link", "set", host, "master", &self.bridge()])?;
        ip(&["link", "set", host, "up"])
    }

    /// Cut the pod off the bridge (both directions), or join it again.
    pub fn set_partitioned(&self, ordinal: usize, partitioned: bool) -> anyhow::Result<()> {
        let state = if partitioned { "down" } else { "up" };
        ip(&["link", "set", &self.host_link(ordinal), state])
    }

    fn table(&self) -> String {
        format!("rhg{}", self.id)
    }

    /// Drop the frames between the pod and the other pods in the `cut` direction(s),
    /// silently (no RST, as a lost route or a one-way firewall rule does), while the host
    /// still reaches it; or remove that cut again. nftables rules of the `bridge` family on
    /// the pod's bridge port.
    pub fn set_cut(&self, ordinal: usize, cut: Cut, on: bool) -> anyhow::Result<()> {
        let chain = format!("{}{ordinal}", cut.chain());
        self.set_drops(&chain, "forward", ordinal, cut.directions(), on)
    }

    /// Drop every frame between pods `a` and `b`, both ways, silently, while each still
    /// reaches every other pod and the host; or lift that cut. A link between two pods only
    /// (a broken path between two nodes): the master keeps streaming to its other replicas
    /// while this one falls behind (`lagging-replica-promoted`). One chain per pair.
    pub fn set_pair_cut(&self, a: usize, b: usize, on: bool) -> anyhow::Result<()> {
        let (a, b) = (a.min(b), a.max(b));
        let chain = format!("pair{a}x{b}");
        let Some(table) = self.set_chain(&chain, "forward", on)? else {
            return Ok(());
        };
        let (link_a, link_b) = (self.host_link(a), self.host_link(b));
        for (from, to) in [(&link_a, &link_b), (&link_b, &link_a)] {
            nft(&[
                "add", "rule", "bridge", &table, &chain, "iifname", from, "oifname", to, "drop",
            ])?;
        }
        Ok(())
    }

    /// The pod's node is lost (or back): every frame between the pod and anything else,
    /// the other pods, the client pods and the host (the drill's own checks) alike, dropped
    /// silently, as when a node loses power: no RST, no ICMP, connections hang until their
    /// timeouts. Frames the bridge forwards, and those it delivers to the host or sends from
    /// it (the `input` and `output` hooks of the `bridge` family).
    pub fn set_node_lost(&self, ordinal: usize, lost: bool) -> anyhow::Result<()> {
        const HOOKS: [(&str, &[&str]); 3] = [
            ("forward", &["iifname", "oifname"]),
            ("input", &["iifname"]),
            ("output", &["oifname"]),
        ];
        for (hook, directions) in HOOKS {
            let chain = format!("node{hook}{ordinal}");
            self.set_drops(&chain, hook, ordinal, directions, lost)?;
        }
        Ok(())
    }

    /// Chain `chain` on `hook` of this network's table, dropping the frames of the pod's
    /// bridge port in `directions`; or delete it.
    fn set_drops(
        &self,
        chain: &str,
        hook: &str,
        ordinal: usize,
        directions: &[&str],
        on: bool,
    ) -> anyhow::Result<()> {
        let Some(table) = self.set_chain(chain, hook, on)? else {
            return Ok(());
        };
        let link = self.host_link(ordinal);
        for direction in directions {
            nft(&[
                "add", "rule", "bridge", &table, chain, direction, &link, "drop",
            ])?;
        }
        Ok(())
    }

    /// Chain `chain` on `hook` of this network's table, empty, accepting by default; its
    /// table's name, to add rules to. Or, not `on`, the chain deleted (`None`).
    fn set_chain(&self, chain: &str, hook: &str, on: bool) -> anyhow::Result<Option<String>> {
        let table = self.table();
        if !on {
            nft(&["delete", "chain", "bridge", &table, chain])?;
            return Ok(None);
        }
        nft(&["add", "table", "bridge", &table])?;
        cleanup::register(Resource::BridgeTable(table.clone()));
        nft(&[
            "add",
            "chain",
            "bridge",
            &table,
            chain,
            &format!("{{ type filter hook {hook} priority 0; policy accept; }}"),
        ])?;
        Ok(Some(table))
    }

    /// Delete namespaces, then the host side of each veth (deleting a namespace does not
    /// always remove it at once), then the bridge.
    pub fn remove(&self) {
        let pods = (0..self.pods).map(|i| (self.namespace(i), self.host_link(i)));
        let clients = (0..self.clients).map(|k| (self.client_namespace(k), self.client_link(k)));
        for (ns, link) in pods.chain(clients) {
            for resource in [Resource::NetworkNamespace(ns), Resource::Link(link)] {
                cleanup::remove(&resource);
                cleanup::forget(&resource);
            }
        }
        for resource in [
            Resource::BridgeTable(self.table()),
            Resource::BridgeTable(self.policy_table()),
            Resource::Link(self.bridge()),
        ]
        .iter()
        .chain(&self.contained)
        {
            cleanup::remove(resource);
            cleanup::forget(resource);
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Which frames between a pod and its peers a cut drops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// Both ways: the pod and its peers no longer reach each other.
    Both,
    /// What the pod sends: its peers still reach it, but it answers no one.
    FromPod,
    /// What the pod receives: it still reaches its peers, but none reaches it.
    ToPod,
}

impl Cut {
    /// The nft chain of this cut (one per pod and kind, so cuts can be lifted one by one).
    fn chain(self) -> &'static str {
        match self {
            Cut::Both => "isolate",
            Cut::FromPod => "cutfrom",
            Cut::ToPod => "cutto",
        }
    }

    /// The bridge port directions dropped: frames that enter the bridge from the pod's
    /// port (`iifname`, sent by the pod) or leave through it (`oifname`, sent to the pod).
    fn directions(self) -> &'static [&'static str] {
        match self {
            Cut::Both => &["iifname", "oifname"],
            Cut::FromPod => &["iifname"],
            Cut::ToPod => &["oifname"],
        }
    }
}
