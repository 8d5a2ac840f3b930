//! Whole-set outages that do not end the way they began: a volume lost while every pod was
//! down, or a pod that does not come back (docs/scenarios.md).

use super::planned::{delete_pods, stop_all};
use super::{start_all, wait_failover};
use crate::drill::rehearsal::Rehearsal;

/// Seconds between pod 0 starting alone and its first peer returning (`pvc-lost-peers-down`).
const PEERS_LATE: f64 = 10.0;
/// Seconds the master writes with one replica already stopped, and seconds between the first
/// peer returning and the last one, which holds those writes (`pvc-lost-peers-down`).
const AHEAD_FOR: f64 = 1.5;
const AHEAD_LATE: f64 = 10.0;
/// Seconds the promoted replica takes writes before the set is stopped, and seconds the pods
/// that forgot the failover are up alone before it returns (`forgotten-failover`): several of
/// the start script's rounds (~1 s each), long enough for a pod that takes the master role
/// on their word to do so.
const NEW_MASTER_WRITES: f64 = 2.0;
const FORGETFUL_ALONE: f64 = 12.0;
/// Writes succeed again within down-after + this many seconds of the pods' start (issue H2).
/// The start script asks every Sentinel and peer at once, so a peer that is missing or not
/// yet in the cluster DNS costs one `timeout 2`, not one per question (measured on
/// production: `all-down-one-missing` 2.36–6.28 s, `all-down` 5.37–5.49 s; 11.31–12.33 s
/// and 7.45 s when it asked them one after the other).
const WRITES_BACK_AFTER_DOWN_AFTER: f64 = 5.0;

/// Pod 1 stopped first, so that the last writes reach only the highest ordinal; then every
/// pod stopped; pod 0's (the master's) volume lost; pod 0 starts alone, pod 1 ~10 s later
/// and the highest ordinal ~10 s after it. The peers hold every acknowledged key, the last
/// ones only the peer that comes back last: pod 0 must neither take the master role on its
/// empty disk nor be the source its peers resync from, and the replica the Sentinels promote
/// must be the one holding the most data.
pub fn pvc_lost_peers_down(r: &mut Rehearsal) -> anyhow::Result<()> {
    let ahead = r.replicas() - 1;
    r.sleep(1.5);
    r.step(format!(
        "deleting {} first: the next writes reach {} only",
        r.cluster.pod_name(1),
        r.cluster.pod_name(ahead)
    ));
    r.cluster.delete_pod(1)?;
    r.sleep(AHEAD_FOR);
    let rest: Vec<usize> = (0..r.replicas()).filter(|&i| i != 1).collect();
    r.step(format!("deleting the {} other pods gracefully", rest.len()));
    r.mark_fault(r.master);
    delete_pods(r.cluster, &rest)?;
    r.step(format!(
        "wiping the volume of {} while every pod is down",
        r.cluster.pod_name(0)
    ));
    r.cluster.wipe_volumes(0)?;
    r.step(format!("starting {} alone", r.cluster.pod_name(0)));
    r.cluster.start_pod(0)?;
    r.sleep(PEERS_LATE);
    for i in 1..ahead {
        r.step(format!("starting {}", r.cluster.pod_name(i)));
        r.cluster.start_pod(i)?;
    }
    r.sleep(AHEAD_LATE);
    r.step(format!(
        "starting {}, which holds the last writes",
        r.cluster.pod_name(ahead)
    ));
    r.cluster.start_pod(ahead)?;
    r.settle("the set is whole again, with its peers' data", 60.0);
    Ok(())
}

/// The master's pod killed (no preStop, no snapshot), the Sentinels promote a replica, which
/// takes writes; while the killed pod is still down, the set is stopped, the other replica's
/// volume lost. The killed pod and the wiped one start first: the killed pod's Sentinel,
/// from its disk, names it (it missed the failover) and so does the wiped pod's, from the
/// ConfigMap's first guess. Two of three Sentinels and two of three pods: a majority, but
/// not one that knows anything the promoted replica did. The killed pod must not take the
/// master role on their word while the pod holding the data is down (its data is older, or
/// none at all), and the promoted one, back ~12 s later, must not resync from it. Found by
/// `drill --explore` (seed 37, `kind` schedule 17); docs/architecture.md §3, case 5.
pub fn forgotten_failover(r: &mut Rehearsal) -> anyhow::Result<()> {
    let first = r.master;
    r.sleep(1.5);
    r.step(format!(
        "SIGKILL of {}'s pod (the master; kept down)",
        r.cluster.pod_name(first)
    ));
    r.mark_fault(first);
    r.cluster.kill_pod(first)?;
    let Some(promoted) = wait_failover(r, first, r.down_after() + 10.0) else {
        r.cluster.start_pod(first)?;
        anyhow::bail!(
            "the Sentinels did not replace {}",
            r.cluster.pod_name(first)
        );
    };
    r.sleep(NEW_MASTER_WRITES);
    let wiped: Vec<usize> = (0..r.replicas())
        .filter(|&i| i != first && i != promoted)
        .collect();
    r.step(format!(
        "deleting the other pods gracefully, {} last; wiping the volumes of all but {} and {}",
        r.cluster.pod_name(promoted),
        r.cluster.pod_name(promoted),
        r.cluster.pod_name(first)
    ));
    delete_pods(r.cluster, &wiped)?;
    delete_pods(r.cluster, &[promoted])?;
    for &i in &wiped {
        r.cluster.wipe_volumes(i)?;
    }
    r.step(format!(
        "starting {} and the wiped pods; {}, which holds the last writes, stays down",
        r.cluster.pod_name(first),
        r.cluster.pod_name(promoted)
    ));
    r.cluster.start_pod(first)?;
    for &i in &wiped {
        r.cluster.start_pod(i)?;
    }
    r.sleep(FORGETFUL_ALONE);
    r.step(format!("starting {}", r.cluster.pod_name(promoted)));
    r.cluster.start_pod(promoted)?;
    r.settle(
        "the set is whole again, with the promoted replica's data",
        60.0,
    );
    Ok(())
}

/// Every pod stopped; all but the highest ordinal start again (the last one stays Pending).
/// Writes must come back within down-after + 5 s of the start, with the data.
pub fn all_down_one_missing(r: &mut Rehearsal) -> anyhow::Result<()> {
    r.sleep(1.5);
    stop_all(r)?;
    r.sleep(1.0);
    let missing = r.replicas() - 1;
    r.expect_writes_back(WRITES_BACK_AFTER_DOWN_AFTER);
    for i in 0..missing {
        r.step(format!("starting {}", r.cluster.pod_name(i)));
        r.cluster.start_pod(i)?;
    }
    r.step(format!("{} stays Pending", r.cluster.pod_name(missing)));
    r.sleep(r.down_after() + 8.0);
    r.step(format!("starting {}", r.cluster.pod_name(missing)));
    r.cluster.start_pod(missing)?;
    r.settle("the set is whole again", 60.0);
    Ok(())
}

/// `all-down` with the bound of `all-down-one-missing`: every pod back at once.
pub fn all_down(r: &mut Rehearsal) -> anyhow::Result<()> {
    r.sleep(1.5);
    stop_all(r)?;
    r.sleep(1.0);
    r.expect_writes_back(WRITES_BACK_AFTER_DOWN_AFTER);
    start_all(r, 60.0)?;
    r.settle("exactly one master within 60 s, Sentinels agree", 60.0);
    Ok(())
}
