//! A rollout that stopped because a pod did not become Ready: a finding about the set (the
//! StatefulSet controller would stop there too), not a failure of the drill. Typed, so that
//! callers that judge the set (the explorer's faults) can tell it from the drill's own errors.

use std::fmt;

#[derive(Debug)]
pub struct Stalled(pub String);

impl fmt::Display for Stalled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Stalled {}

/// The finding `err` carries when it is a stalled rollout.
pub fn finding(err: &anyhow::Error) -> Option<String> {
    err.downcast_ref::<Stalled>().map(ToString::to_string)
}
