//! One command to a pod's Sentinel or Redis, for scenarios that steer Sentinel (`SENTINEL
//! SET`, `CONFIG SET`) or read what it decided: an error reply is an error.

use crate::drill::rehearsal::Rehearsal;
use crate::resp::Reply;
use anyhow::bail;
use std::time::Duration;

/// How long the drill waits for a Sentinel's or a Redis's answer.
const ASK: Duration = Duration::from_secs(2);

/// One command to pod `ordinal`'s Sentinel.
pub fn sentinel(r: &Rehearsal, ordinal: usize, args: &[&str]) -> anyhow::Result<Reply> {
    ask(r, ordinal, true, args)
}

/// One command to pod `ordinal`'s Redis.
pub fn redis(r: &Rehearsal, ordinal: usize, args: &[&str]) -> anyhow::Result<Reply> {
    ask(r, ordinal, false, args)
}

fn ask(r: &Rehearsal, ordinal: usize, to_sentinel: bool, args: &[&str]) -> anyhow::Result<Reply> {
    match r.cluster.call(ordinal, to_sentinel, args, ASK)? {
        Reply::Error(e) => bail!("{} {args:?}: {e}", r.cluster.pod_name(ordinal)),
        reply => Ok(reply),
    }
}
