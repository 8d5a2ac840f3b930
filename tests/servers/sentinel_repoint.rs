//! `sentinel-repoint.sh`'s `majority_master` (docs/architecture.md §20): which master a
//! majority of the set's Sentinels name among the peers' `SENTINEL MASTER` replies. Run
//! under `dash` on reply files, with common.sh's `sentinel_view` that parses them.

use crate::script_functions::{function, script};
use std::process::Command;

/// `majority_master EPOCH` over peers naming `(host, epoch, flags)`, in a set of `replicas`:
/// its status and MAJORITY_MASTER. The local Sentinel's own view (file 101, as `gather_views`
/// leaves it) names the first peer's master and must never be counted.
fn majority(replicas: usize, epoch: &str, peers: &[(&str, u32, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let view = |(host, config_epoch, flags): &(&str, u32, &str)| {
        format!(
            "name\nmymaster\nip\n{host}\nport\n6379\nflags\n{flags}\nconfig-epoch\n{config_epoch}\nquorum\n2\n"
        )
    };
    let (first, _, _) = peers.first().expect("at least one peer");
    std::fs::write(dir.path().join("101"), view(&(first, 1, "master"))).expect("write");
    for (i, peer) in peers.iter().enumerate() {
        std::fs::write(dir.path().join((102 + i).to_string()), view(peer)).expect("write");
    }
    let text = format!(
        "MAJORITY=$(({replicas} / 2 + 1))\nVIEWS={views}\nLOCAL_VIEW={views}/101\n{view}\n{majority}\nmajority_master \"$1\"\nstatus=$?\necho \"$status $MAJORITY_MASTER\"\n",
        views = dir.path().display(),
        view = function(script("common.sh"), "sentinel_view"),
        majority = function(script("sentinel-repoint.sh"), "majority_master"),
    );
    let out = Command::new("dash")
        .args(["-c", &text, "test", epoch])
        .output()
        .expect("dash is installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (status, master) = stdout
        .trim_end_matches('\n')
        .split_once(' ')
        .unwrap_or_else(|| panic!("{stdout:?} {}", String::from_utf8_lossy(&out.stderr)));
    (status.parse().expect("status"), master.to_string())
}

#[test]
fn the_master_most_peers_name_at_the_epoch_wins_wherever_it_stands_in_the_list() {
    // Five pods: one other stale peer names x first, three name y. y has the majority (3).
    let peers = [
        ("x", 1, "master"),
        ("y", 1, "master"),
        ("y", 1, "master"),
        ("y", 1, "master"),
    ];
    assert_eq!(majority(5, "1", &peers), (0, "y".into()));
    // Three pods: both peers must agree.
    assert_eq!(
        majority(3, "1", &[("y", 1, "master"), ("y", 1, "master")]),
        (0, "y".into())
    );
    assert_eq!(
        majority(3, "1", &[("x", 1, "master"), ("y", 1, "master")]),
        (0, String::new())
    );
}

#[test]
fn only_peers_at_the_epoch_count_and_a_failover_stops_the_count() {
    let peers = [("y", 2, "master"), ("y", 1, "master")];
    assert_eq!(majority(3, "1", &peers), (0, String::new()));
    assert_eq!(majority(3, "", &peers), (0, "y".into()), "any epoch");
    let failing = [("y", 1, "master,failover_in_progress"), ("y", 1, "master")];
    assert_eq!(majority(3, "1", &failing).0, 1);
}
