//! `sentinel-repoint.sh`'s `majority_master` and `other_master` (docs/architecture.md §20):
//! which master a majority of the set's Sentinels name among the peers' `SENTINEL MASTER`
//! replies, and the only other one named at an epoch. Run under `dash` on reply files, with
//! common.sh's `sentinel_view` that parses them.

use crate::script_functions::{function, script};
use std::process::Command;

/// The `SENTINEL MASTER` reply files `gather_views` leaves: the local Sentinel's (101, naming
/// `local` at epoch 1), then one per peer naming `(host, epoch, flags)`.
fn views(local: &str, peers: &[(&str, u32, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let view = |(host, config_epoch, flags): &(&str, u32, &str)| {
        format!(
            "name\nmymaster\nip\n{host}\nport\n6379\nflags\n{flags}\nconfig-epoch\n{config_epoch}\nquorum\n2\n"
        )
    };
    std::fs::write(dir.path().join("101"), view(&(local, 1, "master"))).expect("write");
    for (i, peer) in peers.iter().enumerate() {
        std::fs::write(dir.path().join((102 + i).to_string()), view(peer)).expect("write");
    }
    dir
}

/// `majority_master EPOCH` over peers naming `(host, epoch, flags)`, in a set of `replicas`:
/// its status and MAJORITY_MASTER. The local Sentinel's own view (file 101, as `gather_views`
/// leaves it) names the first peer's master and must never be counted.
fn majority(replicas: usize, epoch: &str, peers: &[(&str, u32, &str)]) -> (i32, String) {
    let (first, _, _) = peers.first().expect("at least one peer");
    let dir = views(first, peers);
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

/// `other_master NAMED` after `majority_master EPOCH` over peers naming `(host, epoch,
/// flags)`: the one master the others name at EPOCH besides NAMED ("" for none or several).
fn other(epoch: &str, named: &str, peers: &[(&str, u32, &str)]) -> String {
    let dir = views(named, peers);
    let repoint = script("sentinel-repoint.sh");
    let text = format!(
        "MAJORITY=2\nVIEWS={views}\nLOCAL_VIEW={views}/101\n{view}\n{majority}\n{other}\nmajority_master \"$1\"\nother_master \"$2\"\necho \"$OTHER_MASTER\"\n",
        views = dir.path().display(),
        view = function(script("common.sh"), "sentinel_view"),
        majority = function(repoint, "majority_master"),
        other = function(repoint, "other_master"),
    );
    let out = Command::new("dash")
        .args(["-c", &text, "test", epoch, named])
        .output()
        .expect("dash is installed");
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

/// Two stale Sentinels of three (drill `forgotten-failover`): each names `x` at epoch 1, the
/// good one `y`. No majority names `y`, but `y` is the only other master named at that
/// epoch; the watcher re-points to it when `x` replicates `y` (master_of). Several other
/// masters, or one at another epoch, are no outcome.
#[test]
fn the_only_other_master_at_the_epoch_is_found_beside_a_stale_peer() {
    let stale_and_good = [("x", 1, "master"), ("y", 1, "master")];
    assert_eq!(majority(3, "1", &stale_and_good), (0, String::new()));
    assert_eq!(other("1", "x", &stale_and_good), "y");
    assert_eq!(
        other("1", "x", &[("z", 1, "master"), ("y", 1, "master")]),
        ""
    );
    assert_eq!(
        other("1", "x", &[("x", 1, "master"), ("y", 2, "master")]),
        ""
    );
}

/// `master_of HOST`: the master in a replica's `ROLE`, nothing for a master's.
#[test]
fn master_of_reads_a_replicas_role_only() {
    let master_of = function(script("sentinel-repoint.sh"), "master_of");
    let role = |reply: &str| {
        let text = format!(
            "redis_cmd() {{ printf '{reply}'; }}\n{master_of}\necho \"[$(master_of x)]\"\n"
        );
        let out = Command::new("dash")
            .args(["-c", &text])
            .output()
            .expect("dash is installed");
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    };
    assert_eq!(
        role(r"slave\r\ny.headless\r\n6379\r\nconnected\r\n42\r\n"),
        "[y.headless]"
    );
    assert_eq!(role(r"master\r\n42\r\n"), "[]");
    assert_eq!(role(""), "[]");
}
