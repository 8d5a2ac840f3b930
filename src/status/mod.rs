//! `status`: ask every Redis and Sentinel of a running set what it is and what it believes,
//! and turn the answers into one verdict a script can branch on.
//!
//! Backends only fetch replies (`direct`: TCP to `host:port`; `kubectl`: `kubectl exec …
//! redis-cli`); `observe` reads them into [`RedisNode`]/[`SentinelNode`]; `verdict` judges;
//! `report` prints. The same judgement runs whichever way the replies arrived.

pub mod direct;
pub mod kubectl;
mod nodes;
mod observe;
mod report;
mod verdict;

pub use nodes::{RedisNode, SentinelNode, UnreachableNode};
pub use observe::{Status, observe};
pub use report::{json, text};
pub use verdict::Verdict;

use crate::resp::Reply;

/// What kind of server an instance is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Redis,
    Sentinel,
}

/// One server a backend can ask questions.
#[derive(Clone, Debug)]
pub struct Instance {
    /// How the report names it: the address given, or the pod name.
    pub name: String,
    /// `None` when it could not even be asked what it is.
    pub kind: Option<Kind>,
    /// Host names and addresses it is known by, to recognise it in what Sentinel and
    /// replicas report (`127.0.0.1`, a pod IP, `redis-0` for `redis-0.redis-headless…`).
    pub hosts: Vec<String>,
    pub port: u16,
    /// Why it cannot be asked (pod not running, connection refused); `None`: ask it.
    pub down: Option<String>,
}

impl Instance {
    /// Whether `host:port`, as Redis or Sentinel reports it, is this instance.
    pub fn answers_to(&self, host: &str, port: u16) -> bool {
        port == self.port
            && self
                .hosts
                .iter()
                .any(|known| crate::kube_names::names_pod(host, known))
    }
}

/// How a reply is shaped; `kubectl` needs it to read `redis-cli`'s plain output back (the
/// drill's kubectl target reads it the same way: crate::kubectl_exec).
pub use crate::kubectl_exec::Shape;

/// One command to send to an instance.
#[derive(Clone, Debug)]
pub struct Query {
    pub args: Vec<String>,
    pub shape: Shape,
}

/// What `status` says when `containers` refused the current password and accepted the
/// previous one: a rotation's first rollout has not reached them yet (README "Rotating the
/// password"), or it stalled.
pub fn previous_password_note(containers: &[String]) -> Option<String> {
    if containers.is_empty() {
        return None;
    }
    Some(format!(
        "{}: refused the current password and accepted the previous one: a password rotation \
         is under way (README \"Rotating the password\"); restart these pods (`kubectl rollout \
         restart`) before clients switch to the new password",
        containers.join(", ")
    ))
}

/// Where the replies come from.
pub trait Backend {
    /// Every instance of the set. `Err` means the command could not run (exit 2).
    fn instances(&mut self) -> anyhow::Result<Vec<Instance>>;
    /// Ask one instance. `Err` is a transport failure (it is reported as not answering); an
    /// error *reply* is `Ok(Reply::Error)`.
    fn ask(&mut self, instance: &Instance, query: &Query) -> Result<Reply, String>;
    /// Why the answers cannot be judged, naming the instance: one still answering when the
    /// overall deadline passed, or one answering with something that is not RESP. The run
    /// could not finish as asked (exit 2).
    fn fatal(&self) -> Option<&str> {
        None
    }
    /// Problems the backend saw around the servers (the pods' spec), after `instances`.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}
