//! The faults an exploration draws from (their names are the `--faults` and JSON contract),
//! and those it cannot inject yet. `docs/explore.md` describes each.

use anyhow::bail;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// SIGKILL the Redis container only; it stays down `duration`, then the kubelet starts it.
    KillRedis,
    /// SIGKILL the Sentinel container only, likewise.
    KillSentinel,
    /// SIGKILL every process of the pod (no preStop); the pod is recreated after `duration`.
    KillPod,
    /// SIGSTOP the pod for less than down-after.
    FreezeShort,
    /// SIGSTOP the pod for longer than down-after.
    FreezeLong,
    /// Cut the pod's link: it reaches nobody and nobody reaches it.
    Partition,
    /// Kill the pod, empty its volume claims, recreate it after `duration`.
    WipePvc,
    /// Delete every pod gracefully, then start them in a random order with random delays.
    RestartAll,
    /// `restart-all`, and the target's claims are emptied while every pod is down.
    RestartAllWipe,
    /// Delete the pods gracefully one after another (`stops`: a random order, 0–3 s apart,
    /// each deletion starting at its time), empty the target's claims once every pod is
    /// down, then start them as `restart-all` does: the shape where the master acknowledges
    /// writes with one replica left before a whole-set restart loses its volume.
    StaggeredStopWipe,
    /// Delete every pod gracefully; start all but the target at once, the target `duration` later.
    OneMissing,
    /// Recreate the pod with one of its containers starting `duration` after the other.
    DelayedStart,
    /// Delete and recreate each pod, highest ordinal first, each Ready before the next.
    RollingRestart,
    /// Cut the pod off its peers, both ways, while clients outside the set still reach it.
    Isolate,
    /// Drop what the pod sends to its peers (`direction` `from-pod`) or what they send it
    /// (`to-pod`); clients outside the set still reach it both ways.
    OneWayCut,
    /// Drop every frame between the pod and one other pod (`peer`), both ways, silently;
    /// each still reaches the rest of the set and the clients (a broken path between two
    /// nodes): a master cut from one replica streams on to the others, which that replica
    /// then lags.
    CutBetween,
    /// Re-render with two more pods and apply as a user would (`rollout`); `duration` later,
    /// re-render with the original size and apply again (the two pods are deleted, their
    /// claims kept, as the StatefulSet controller does). Needs a profile to re-render.
    Scale,
    /// The documented two-step password rotation (`password-rotation` scenario): a new
    /// password with the old one as `previous-<key>`, a rollout, clients switch, the previous
    /// key removed, a second rollout. A rolling restart when auth is off.
    PasswordRotation,
    /// The cluster DNS answers nothing for `duration`.
    DnsNone,
    /// The cluster DNS answers every question `DNS_LATE_SECONDS` late for `duration`.
    DnsLate,
    /// The pod is recreated at once (a new address) while the cluster DNS keeps serving every
    /// old answer for `duration`.
    DnsStale,
    /// The pod's node is lost for `duration` (every frame dropped without an answer, its
    /// processes stopped, its kubelet gone: the pod stays Ready), then comes back rebooted:
    /// the pod starts again at a new address with its claims (`Cluster::lose_node`).
    NodeLoss,
    /// The master (the pod the Sentinels name when it starts; target `master`) cut off from
    /// the other pods' Sentinels only, both ways, silently, for `duration`: its replicas
    /// keep streaming from it, the clients keep writing to it, its own Sentinel keeps it
    /// (`Cluster::cut_from_sentinels`). Nothing else runs beside it.
    PartitionMasterSentinels,
}

/// How late `dns-late` answers: within the resolvers' 5 s timeout, but most of the 2 s a
/// script's `timeout 2 redis-cli` has.
pub const DNS_LATE_SECONDS: f64 = 1.5;

pub const ALL: [FaultKind; 23] = [
    FaultKind::KillRedis,
    FaultKind::KillSentinel,
    FaultKind::KillPod,
    FaultKind::FreezeShort,
    FaultKind::FreezeLong,
    FaultKind::Partition,
    FaultKind::WipePvc,
    FaultKind::RestartAll,
    FaultKind::RestartAllWipe,
    FaultKind::StaggeredStopWipe,
    FaultKind::OneMissing,
    FaultKind::DelayedStart,
    FaultKind::RollingRestart,
    FaultKind::Isolate,
    FaultKind::OneWayCut,
    FaultKind::CutBetween,
    FaultKind::Scale,
    FaultKind::PasswordRotation,
    FaultKind::DnsNone,
    FaultKind::DnsLate,
    FaultKind::DnsStale,
    FaultKind::NodeLoss,
    FaultKind::PartitionMasterSentinels,
];

/// Faults of the catalogue the pod runner cannot inject yet: named so that asking for
/// one says so instead of pretending (`--faults`), and listed in every report
/// (`not_available`). None today: the last one, `partition-master-sentinels`, is injected
/// since cgroup v2 lets a rule tell a Sentinel's socket from its pod's Redis's.
pub const NOT_YET: [(&str, &str); 0] = [];

impl FaultKind {
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::KillRedis => "kill-redis",
            FaultKind::KillSentinel => "kill-sentinel",
            FaultKind::KillPod => "kill-pod",
            FaultKind::FreezeShort => "freeze-short",
            FaultKind::FreezeLong => "freeze-long",
            FaultKind::Partition => "partition",
            FaultKind::WipePvc => "wipe-pvc",
            FaultKind::RestartAll => "restart-all",
            FaultKind::RestartAllWipe => "restart-all-wipe",
            FaultKind::StaggeredStopWipe => "staggered-stop-wipe",
            FaultKind::OneMissing => "one-missing",
            FaultKind::DelayedStart => "delayed-start",
            FaultKind::RollingRestart => "rolling-restart",
            FaultKind::Isolate => "isolate",
            FaultKind::OneWayCut => "one-way-cut",
            FaultKind::CutBetween => "cut-between",
            FaultKind::Scale => "scale",
            FaultKind::PasswordRotation => "password-rotation",
            FaultKind::DnsNone => "dns-none",
            FaultKind::DnsLate => "dns-late",
            FaultKind::DnsStale => "dns-stale",
            FaultKind::NodeLoss => "node-loss",
            FaultKind::PartitionMasterSentinels => "partition-master-sentinels",
        }
    }

    /// Faults that cut the target off from its peers while clients may still reach it (or
    /// reach it again when it thaws): a master without `min-replicas-to-write` takes writes
    /// the failover on the other side discards.
    pub fn cuts_off(self) -> bool {
        matches!(
            self,
            FaultKind::Partition
                | FaultKind::Isolate
                | FaultKind::OneWayCut
                | FaultKind::NodeLoss
                | FaultKind::FreezeLong
        )
    }

    /// Faults that run alone: those of the whole set, and the one whose target is whichever
    /// pod is the master when it starts (no other fault may hold that pod meanwhile).
    pub fn exclusive(self) -> bool {
        self.whole_set() || self == FaultKind::PartitionMasterSentinels
    }

    /// Faults that involve every pod (the cluster DNS serves them all): nothing else runs
    /// beside them.
    pub fn whole_set(self) -> bool {
        matches!(
            self,
            FaultKind::RestartAll
                | FaultKind::RestartAllWipe
                | FaultKind::StaggeredStopWipe
                | FaultKind::OneMissing
                | FaultKind::RollingRestart
                | FaultKind::Scale
                | FaultKind::PasswordRotation
                | FaultKind::DnsNone
                | FaultKind::DnsLate
                | FaultKind::DnsStale
        )
    }
}

/// `--faults`: `all`, or comma-separated names of the catalogue (in the catalogue's order).
pub fn select(names: &str) -> anyhow::Result<Vec<FaultKind>> {
    if names.trim() == "all" {
        return Ok(ALL.to_vec());
    }
    let mut kinds = Vec::new();
    for name in names.split(',').map(str::trim) {
        if let Some(kind) = ALL.iter().find(|k| k.name() == name) {
            kinds.push(*kind);
        } else if let Some((_, what)) = NOT_YET.iter().find(|(n, _)| *n == name) {
            bail!(
                "fault {name:?} ({what}) is not available yet: the drill's pod runner cannot inject it"
            );
        } else {
            bail!(
                "unknown fault {name:?}{}: use `all`, or one or more (comma-separated) of {}",
                crate::profile::suggest::did_you_mean(name, ALL.map(FaultKind::name)),
                ALL.map(FaultKind::name).join(", ")
            );
        }
    }
    kinds.sort();
    kinds.dedup();
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_known_faults_and_names_those_not_available() {
        assert_eq!(select("all").expect("all").len(), ALL.len());
        assert_eq!(
            select("partition, kill-pod,partition").expect("two"),
            [FaultKind::KillPod, FaultKind::Partition]
        );
        assert_eq!(
            select("scale,password-rotation").expect("whole-set faults"),
            [FaultKind::Scale, FaultKind::PasswordRotation]
        );
        assert!(FaultKind::Scale.whole_set() && FaultKind::PasswordRotation.whole_set());
        assert_eq!(
            select("partition-master-sentinels").expect("injected"),
            [FaultKind::PartitionMasterSentinels]
        );
        assert!(FaultKind::PartitionMasterSentinels.exclusive());
        assert!(!FaultKind::PartitionMasterSentinels.whole_set());
        let err = select("kill-everything").expect_err("unknown").to_string();
        assert!(
            err.contains("comma-separated") && err.contains("wipe-pvc"),
            "{err}"
        );
        for kind in ALL {
            let json = serde_json::to_string(&kind).expect("serialize");
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
    }
}
