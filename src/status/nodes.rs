//! What each instance says about itself: a Redis server, a Sentinel, or an address that did
//! not answer. `observe.rs` fills them in, `verdict.rs` judges them.

use super::Instance;
use serde::Serialize;

/// A Redis data server as it describes itself (`INFO replication`).
#[derive(Clone, Debug, Serialize)]
pub struct RedisNode {
    pub name: String,
    /// `master` or `replica`; `None` when it did not answer.
    pub role: Option<String>,
    /// Replication offset: `master_repl_offset` on a master, `slave_repl_offset` on a replica.
    pub offset: Option<i64>,
    /// Bytes behind the master (replicas, when there is exactly one master).
    pub lag: Option<i64>,
    /// Replicas: the `host:port` they replicate from.
    pub master: Option<String>,
    /// Replicas: `master_link_status` (`up` or `down`).
    pub link: Option<String>,
    /// Masters: `connected_slaves`.
    pub connected_replicas: Option<u32>,
    /// Masters: whether the isolated-master fence holds it (`min-replicas-to-write` set out
    /// of reach, so it refuses every write); `None` when `CONFIG GET` was not answered.
    pub fenced: Option<bool>,
    /// Why it did not answer.
    pub error: Option<String>,
    #[serde(skip)]
    pub(super) instance: Instance,
}

impl RedisNode {
    pub fn is_master(&self) -> bool {
        self.role.as_deref() == Some("master")
    }

    pub fn role_str(&self) -> &str {
        self.role.as_deref().unwrap_or("?")
    }

    /// Whether `host:port` (as Sentinel or a replica reports it) is this instance.
    pub fn is_at(&self, addr: &str) -> bool {
        addr.rsplit_once(':')
            .and_then(|(host, port)| Some((host, port.parse().ok()?)))
            .is_some_and(|(host, port)| self.instance.answers_to(host, port))
    }
}

/// What one Sentinel believes about the monitored master.
#[derive(Clone, Debug, Serialize)]
pub struct SentinelNode {
    pub name: String,
    /// `SENTINEL GET-MASTER-ADDR-BY-NAME`: the master it sends clients to, `host:port`.
    pub master: Option<String>,
    /// Why it names none (e.g. it does not monitor that master name).
    pub monitor_error: Option<String>,
    /// `SENTINEL MASTER`: its flags for the master (`master`, `s_down`, `o_down`, …).
    pub flags: Option<String>,
    pub quorum: Option<u32>,
    pub other_sentinels: Option<u32>,
    pub replicas: Option<u32>,
    /// `SENTINEL CKQUORUM`'s answer, verbatim.
    pub ckquorum: Option<String>,
    pub quorum_ok: Option<bool>,
    /// `INFO sentinel`'s `sentinel_tilt`: in TILT mode it neither marks instances down nor
    /// fails over.
    pub tilt: Option<bool>,
    /// Why it did not answer.
    pub error: Option<String>,
}

/// An address that did not answer at all, so not even its kind is known.
#[derive(Clone, Debug, Serialize)]
pub struct UnreachableNode {
    pub name: String,
    pub error: String,
}
