//! The gateway's stand-in: finds the master through Sentinel, as a Sentinel-aware client
//! does, writes a unique key every ~20 ms (`SET <key> 1 NX EX 300`, then `WAIT` where the
//! gateway asks for replicated acknowledgements), and logs every outcome. At the end it reads
//! every acknowledged key back from the final master.

use super::cluster::{Client, Cluster, Session};
use crate::resp::Reply;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const PERIOD: Duration = Duration::from_millis(20);
const DISCOVERY_TIMEOUT: Duration = Duration::from_millis(250);
const WRITE_TIMEOUT: Duration = Duration::from_millis(1000);
/// How long `WAIT` may block for the replica acknowledgements.
pub const WAIT_MS: u64 = 1000;

/// One write of the probe.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// Seconds since the scenario's start.
    pub start: f64,
    pub end: f64,
    /// The master it went to, when one was found.
    pub master: Option<usize>,
    /// `None`: acknowledged. Otherwise why not.
    pub error: Option<String>,
}

impl Attempt {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

#[derive(Clone, Debug, Default)]
pub struct ProbeLog {
    pub attempts: Vec<Attempt>,
    pub acknowledged: Vec<String>,
    /// With [`Discovery::SentinelService`] `watch_endpoints`: (seconds since the start, how
    /// many pods are behind the Sentinel Service), each time that number changed.
    pub endpoints: Vec<(f64, usize)>,
}

/// Where the probe finds the Sentinels it asks for the master.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discovery {
    /// Every pod's Sentinel, at its own address.
    EveryPod,
    /// The Sentinel Service `<service>.<namespace>.svc:26379`, as the gateway is given it:
    /// one connection to its cluster IP from the client pod, which the Services' DNAT sends
    /// to a ready endpoint. Where the target plays no client pod (a live cluster through
    /// `kubectl`), the pods behind the Service's endpoints, asked in turn; where no Service
    /// serves the Sentinel port, every pod's Sentinel (the addresses such a set gives its
    /// clients). Every scenario and the explorer discover so (docs/drill.md "Services").
    SentinelService {
        /// Also record, before each write, how many pods are behind the Service (on a live
        /// cluster a `kubectl get pod` each): the check that it never drops to none.
        watch_endpoints: bool,
    },
}

impl Discovery {
    fn sentinels(self, cluster: &dyn Cluster) -> Vec<usize> {
        let every_pod = || (0..cluster.spec().replicas).collect();
        match self {
            Discovery::EveryPod => every_pod(),
            // A set with no Service on the Sentinel port gives its clients the pods'
            // addresses: they ask every pod's Sentinel.
            Discovery::SentinelService { .. } => {
                cluster.sentinel_endpoints().unwrap_or_else(every_pod)
            }
        }
    }
}

/// Ask the Sentinels, in turn, which instance is the master.
pub fn sentinel_master(cluster: &dyn Cluster, discovery: Discovery) -> Option<usize> {
    let spec = cluster.spec();
    let question = ["SENTINEL", "get-master-addr-by-name", &spec.master_name];
    let named = |reply: Reply| cluster.ordinal_of(reply.items().first()?.text()?);
    if matches!(discovery, Discovery::SentinelService { .. })
        && let Some(service) = spec.sentinel_service()
        && let Some(session) = cluster.connect_service(
            &service.name,
            spec.sentinel_port,
            Client::Gateway,
            DISCOVERY_TIMEOUT,
        )
    {
        return named(session.ok()?.call(&question, DISCOVERY_TIMEOUT).ok()?);
    }
    discovery
        .sentinels(cluster)
        .into_iter()
        .find_map(|i| named(cluster.call(i, true, &question, DISCOVERY_TIMEOUT).ok()?))
}

/// Connect to the master the Sentinels name, and check it says it is one (`ROLE`).
fn discover(
    cluster: &dyn Cluster,
    discovery: Discovery,
) -> Result<(usize, Box<dyn Session + '_>), String> {
    let master =
        sentinel_master(cluster, discovery).ok_or("no Sentinel names a reachable master")?;
    let mut session = cluster
        .connect(master, false, DISCOVERY_TIMEOUT)
        .map_err(|e| format!("connect to the master: {e}"))?;
    let role = session
        .call(&["ROLE"], DISCOVERY_TIMEOUT)
        .map_err(|e| format!("ROLE: {e}"))?;
    match role.items().first().and_then(Reply::text) {
        Some("master") => Ok((master, session)),
        other => Err(format!(
            "the instance Sentinel names answers ROLE {other:?}"
        )),
    }
}

/// Write until `stop` is set. `prefix` makes keys unique per scenario.
pub fn run(
    cluster: &dyn Cluster,
    t0: Instant,
    prefix: &str,
    discovery: Discovery,
    stop: &AtomicBool,
) -> ProbeLog {
    let wait_replicas = cluster.spec().wait_replicas.to_string();
    let wait_ms = WAIT_MS.to_string();
    let mut log = ProbeLog::default();
    let mut master: Option<(usize, Box<dyn Session + '_>)> = None;
    let mut serial = 0u64;
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        serial += 1;
        let key = format!("{prefix}:{serial}");
        if let Discovery::SentinelService {
            watch_endpoints: true,
        } = discovery
        {
            let behind = cluster.sentinel_endpoints().map_or(0, |pods| pods.len());
            if log.endpoints.last().is_none_or(|&(_, n)| n != behind) {
                log.endpoints
                    .push((started.duration_since(t0).as_secs_f64(), behind));
            }
        }
        if master.is_none() {
            master = discover(cluster, discovery)
                .map_err(|e| log_failure(&mut log, t0, started, None, e))
                .ok();
        }
        if let Some((ordinal, session)) = master.as_mut() {
            let ordinal = *ordinal;
            let mut outcome =
                match session.call(&["SET", &key, "1", "NX", "EX", "300"], WRITE_TIMEOUT) {
                    Ok(Reply::Status(s)) if s == "OK" => None,
                    Ok(Reply::Error(e)) => Some(e),
                    Ok(other) => Some(format!("unexpected reply {other:?}")),
                    Err(e) => Some(format!("{e}")),
                };
            if outcome.is_none() && cluster.spec().wait_replicas > 0 {
                outcome = match session.call(
                    &["WAIT", &wait_replicas, &wait_ms],
                    WRITE_TIMEOUT + Duration::from_millis(WAIT_MS),
                ) {
                    Ok(Reply::Int(n)) if n >= i64::from(cluster.spec().wait_replicas) => None,
                    Ok(Reply::Int(n)) => Some(format!("WAIT: {n} replicas acknowledged")),
                    Ok(other) => Some(format!("WAIT: {other:?}")),
                    Err(e) => Some(format!("WAIT: {e}")),
                };
            }
            let end = t0.elapsed().as_secs_f64();
            let start = started.duration_since(t0).as_secs_f64();
            if outcome.is_none() {
                log.acknowledged.push(key);
            } else {
                master = None;
            }
            log.attempts.push(Attempt {
                start,
                end,
                master: Some(ordinal),
                error: outcome,
            });
        }
        let spent = started.elapsed();
        if spent < PERIOD {
            std::thread::sleep(PERIOD - spent);
        }
    }
    log
}

fn log_failure(
    log: &mut ProbeLog,
    t0: Instant,
    started: Instant,
    master: Option<usize>,
    error: String,
) {
    log.attempts.push(Attempt {
        start: started.duration_since(t0).as_secs_f64(),
        end: t0.elapsed().as_secs_f64(),
        master,
        error: Some(error),
    });
}

/// How many of `keys` the final master still holds (`None` when no master answers).
pub fn count_present(cluster: &dyn Cluster, keys: &[String]) -> Option<usize> {
    missing(cluster, keys).map(|gone| keys.len() - gone.len())
}

/// The positions in `keys` of those the final master does not hold (`None` when no master
/// answers within 15 s).
pub fn missing(cluster: &dyn Cluster, keys: &[String]) -> Option<Vec<usize>> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok((_, mut session)) = discover(cluster, Discovery::EveryPod) {
            let mut gone = Vec::new();
            let mut failed = false;
            for (k, chunk) in keys.chunks(500).enumerate() {
                let mut args = vec!["MGET"];
                args.extend(chunk.iter().map(String::as_str));
                match session.call(&args, Duration::from_secs(2)) {
                    Ok(reply @ Reply::Array(Some(_))) => gone.extend(
                        reply
                            .items()
                            .iter()
                            .enumerate()
                            .filter(|(_, v)| v.text().is_none())
                            .map(|(i, _)| k * 500 + i),
                    ),
                    _ => failed = true,
                }
            }
            if !failed {
                return Some(gone);
            }
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
