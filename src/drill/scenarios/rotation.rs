//! `password-rotation`: the documented two-step rotation (docs/runbook.md, "Rotating the password").
//! Step 1: the Secret gets a new password and the old one as `previous-<key>`; the set is
//! rolled as `kubectl rollout restart` does, while the probe still writes with the old
//! password. Clients then switch to the new one. Step 2: `previous-<key>` is removed and the
//! set rolled again. No pod may stall; step 1 may cost no more writes than a rolling restart
//! (≤ 2 s; from a fresh set the master is ordinal 0, rolled last: one hand-over), step 2 no
//! more per master hand-over (after step 1 the master may be any ordinal, and a rollout
//! that starts with it hands over twice when the first successor is rolled later); at the
//! end only the new password opens any Redis or Sentinel.

use super::planned;
use crate::drill::rehearsal::Rehearsal;
use crate::resp::Reply;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(2);

pub fn password_rotation(r: &mut Rehearsal) -> anyhow::Result<()> {
    let Some(old) = rotate(r)? else {
        r.check(
            "auth is off: no password to rotate, the set is rolled as a rolling restart",
            true,
            "no password in the manifests",
            "a password Secret (auth.enabled) to rehearse the rotation",
        );
        return Ok(());
    };
    for ordinal in 0..r.replicas() {
        for sentinel in [false, true] {
            let what = format!(
                "the old password refused by the {} of {}",
                if sentinel { "Sentinel" } else { "Redis" },
                r.cluster.pod_name(ordinal)
            );
            let reply = r
                .cluster
                .connect_anonymous(ordinal, sentinel, TIMEOUT)
                .and_then(|mut session| session.call(&["AUTH", &old], TIMEOUT));
            let (refused, measured) = match reply {
                Ok(Reply::Error(e)) => (e.starts_with("WRONGPASS"), e),
                Ok(other) => (false, format!("accepted: {other:?}")),
                Err(e) => (false, format!("no answer: {e:#}")),
            };
            r.check(&what, refused, measured, "WRONGPASS");
        }
    }
    Ok(())
}

/// Both steps of the rotation, the clients switching between them; the password it replaced,
/// or `None` when auth is off (then the set is rolled once, as a rolling restart). The
/// explorer's `password-rotation` fault plays this too.
pub fn rotate(r: &mut Rehearsal) -> anyhow::Result<Option<String>> {
    let spec = r.cluster.spec();
    let Some((secret, key)) = spec.password_source() else {
        planned::rolling_restart(r)?;
        return Ok(None);
    };
    // The Secret as it is now: an earlier rotation of the same rehearsal may have changed it.
    let mut data = r.cluster.secret(&secret).unwrap_or_default();
    let old = data
        .get(&key)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default();
    let new = format!("{old}-rotated");
    let previous = format!("previous-{key}");
    r.sleep(1.0);

    r.step(format!(
        "step 1: Secret {secret}: {key} = a new password, {previous} = the old one"
    ));
    data.insert(key.clone(), new.clone().into_bytes());
    data.insert(previous.clone(), old.clone().into_bytes());
    r.cluster.update_secret(&secret, data.clone())?;
    let from = r.now();
    planned::roll(r)?;
    r.settle("the set is whole after the first rollout", 30.0);
    r.planned_window = Some((from, r.now()));

    r.step("clients switch to the new password".to_string());
    r.cluster.set_passwords(vec![new])?;
    r.sleep(1.0);

    r.step(format!("step 2: Secret {secret}: {previous} removed"));
    data.remove(&previous);
    r.cluster.update_secret(&secret, data)?;
    let from = r.now();
    let handovers = planned::roll(r)?;
    r.settle("the set is whole after the second rollout", 30.0);
    r.sleep(1.0);
    r.planned_more.push(((from, r.now()), handovers));
    Ok(Some(old))
}
