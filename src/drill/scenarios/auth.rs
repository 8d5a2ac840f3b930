//! `sentinel-auth`: on a set with a password, a client without it can neither fail the set
//! over, retune it nor make it vanish from discovery at any Sentinel; a client with the
//! password discovers the master.

use crate::drill::rehearsal::Rehearsal;
use crate::resp::Reply;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(1);

/// What a stranger admitted by the NetworkPolicy would try, in the order that does the most
/// harm on an open Sentinel last (`REMOVE` takes the set out of its discovery).
fn attacks(master: &str) -> [(&'static str, Vec<String>); 3] {
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    [
        (
            "SENTINEL FAILOVER",
            words(&["SENTINEL", "FAILOVER", master]),
        ),
        (
            "SENTINEL SET quorum",
            words(&["SENTINEL", "SET", master, "quorum", "1"]),
        ),
        ("SENTINEL REMOVE", words(&["SENTINEL", "REMOVE", master])),
    ]
}

pub fn sentinel_auth(r: &mut Rehearsal) -> anyhow::Result<()> {
    let spec = r.cluster.spec();
    let master_name = spec.master_name.clone();
    if spec.passwords.is_empty() {
        r.check(
            "auth is off: Sentinel requires no password, nothing to refuse",
            true,
            "no password in the manifests",
            "a password Secret (auth.enabled) to rehearse this",
        );
        return Ok(());
    }
    r.sleep(1.0);
    for ordinal in 0..r.replicas() {
        let pod = r.cluster.pod_name(ordinal);
        for (what, args) in attacks(&master_name) {
            r.step(format!(
                "{what} without a password at the Sentinel of {pod}"
            ));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let reply = r
                .cluster
                .connect_anonymous(ordinal, true, TIMEOUT)
                .and_then(|mut session| session.call(&args, TIMEOUT));
            let (refused, measured) = match reply {
                Ok(Reply::Error(e)) => (e.starts_with("NOAUTH"), e),
                Ok(other) => (false, format!("accepted: {other:?}")),
                Err(e) => (false, format!("no answer: {e:#}")),
            };
            r.check(
                &format!("unauthenticated {what} refused by the Sentinel of {pod}"),
                refused,
                measured,
                "NOAUTH",
            );
        }
    }
    let expected = r.cluster.pod_name(r.master);
    for ordinal in 0..r.replicas() {
        let pod = r.cluster.pod_name(ordinal);
        let named = r.sentinel_names(ordinal);
        r.check(
            &format!("discovery with the client's password at the Sentinel of {pod}"),
            named == Some(r.master),
            named.map_or("no master named".into(), |m| r.cluster.pod_name(m)),
            expected.clone(),
        );
    }
    // Had any attempt got through, the set would move now: give it the time to show.
    r.sleep(r.down_after());
    r.settle("the set is unchanged", 15.0);
    Ok(())
}
