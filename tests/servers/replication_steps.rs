//! Replication steps on the real servers of this group (`local_servers`), as the tests play
//! them: writes, `REPLICAOF`, waiting for a replica to catch up, promotion.

use crate::local_servers::{cli, replication_field as field, until};
use std::time::Duration;

/// Keys `k{from}`..`k{to}` written to the server at `port`.
pub fn write(port: u16, from: u32, to: u32) {
    for i in from..to {
        assert_eq!(cli(port, &["SET", &format!("k{i}"), "v"]).trim(), "OK");
    }
}

/// `REPLICAOF host master` on `replica`.
pub fn replicate(replica: u16, host: &str, master: u16) {
    assert_eq!(
        cli(replica, &["REPLICAOF", host, &master.to_string()]).trim(),
        "OK"
    );
}

/// `replica` replicates `master` and holds its whole stream.
pub fn attach(replica: u16, master: u16) {
    replicate(replica, "127.0.0.1", master);
    assert!(
        until(Duration::from_secs(10), || {
            field(replica, "master_link_status") == "up"
                && field(replica, "master_repl_offset") == field(master, "master_repl_offset")
        }),
        "the replica never caught up"
    );
}

/// `REPLICAOF NO ONE`: a new history, the old one its second.
pub fn promote(port: u16) {
    assert_eq!(cli(port, &["REPLICAOF", "NO", "ONE"]).trim(), "OK");
}
