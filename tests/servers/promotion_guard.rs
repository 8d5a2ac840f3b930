//! "A replica behind its sibling refuses the promotion" (replica-detach.sh's
//! `guard_promotion`, docs/architecture.md §18): a detached replica that hears no sibling, or
//! hears one holding more of the stream, sets `replica-priority 0`; one that hears its
//! siblings and none is ahead, or that follows a master again, gets the serving priority
//! back; a priority someone else chose is never touched, and a record left by another
//! `redis-server` (restarted meanwhile) is dropped without touching it. On real
//! `redis-server` processes, under `dash`, with the functions as shipped (replica_detach.rs's
//! prelude: hosts are loopback ports).

use crate::local_servers::{all_answer, cli, free_port, quiet_conf, start};
use crate::replica_detach::{SYNC_AT_ONCE, prelude, replica_detached_behind_a_sibling};
use crate::replication_steps::replicate;
use crate::script_functions::dash_ok;
use std::path::Path;

/// `script` run on `local` with `peers` as its siblings and the guard's record at `record`;
/// what it logged.
fn run(local: u16, peers: &str, record: &Path, script: &str) -> String {
    let text = format!(
        "{prelude}\nPEER_HOSTS=\"{peers}\"\nGUARD_RECORD={record}\n{script}\n",
        prelude = prelude(local),
        record = record.display()
    );
    dash_ok::<&str>(&text, &[]).trim_end().to_string()
}

/// One check of the detached replica `local`: the siblings asked, then the guard.
const CHECK: &str = "follow_sibling || guard_promotion";

fn priority(port: u16) -> String {
    cli(port, &["CONFIG", "GET", "replica-priority"])
        .lines()
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[test]
fn a_detached_replica_behind_its_sibling_or_hearing_none_refuses_the_promotion() {
    let dir = tempfile::tempdir().expect("temp dir");
    let record = dir.path().join("refused");
    // `behind` lets go first; `ahead` acknowledges 50 more writes, then lets go too.
    let (_master, behind, ahead, mut servers) = replica_detached_behind_a_sibling(dir.path());
    replicate(ahead, "127.0.0.1", 2);
    assert_eq!(priority(behind), "100");

    // A sibling holds more (its link down, so it is not followed): refused, once.
    let logged = run(behind, &ahead.to_string(), &record, CHECK);
    assert!(
        logged.contains("a sibling holds more of the stream"),
        "{logged}"
    );
    assert!(logged.contains("replica-priority 0"), "{logged}");
    assert_eq!(priority(behind), "0");
    assert!(
        record.exists(),
        "the record is kept for a restarted watcher"
    );
    assert_eq!(run(behind, &ahead.to_string(), &record, CHECK), "");

    // The sibling ahead hears the one behind and none ahead of it: its priority stays.
    let unrecorded = dir.path().join("ahead-refused");
    assert_eq!(run(ahead, &behind.to_string(), &unrecorded, CHECK), "");
    assert_eq!(priority(ahead), "100");
    // Hearing nobody (a sibling that does not answer) counts as behind.
    let logged = run(ahead, &free_port().to_string(), &unrecorded, CHECK);
    assert!(logged.contains("no other pod answered"), "{logged}");
    assert_eq!(priority(ahead), "0");
    // Hearing the sibling again, none ahead: the serving priority back, the record gone.
    let logged = run(ahead, &behind.to_string(), &unrecorded, CHECK);
    assert!(
        logged.contains("replica-priority 100 again: 1 other pod(s) answered"),
        "{logged}"
    );
    assert_eq!(priority(ahead), "100");
    assert!(!unrecorded.exists());
    // A pod on another history (restarted empty: a master of nothing) holds none of this
    // stream: hearing it is enough, the one behind gets its priority back; refused again
    // once it hears the sibling ahead.
    let other = free_port();
    servers.0.push(start(
        &quiet_conf(dir.path(), "other.conf", other, SYNC_AT_ONCE),
        false,
    ));
    assert!(all_answer(&[other]));
    let logged = run(behind, &other.to_string(), &record, CHECK);
    assert!(
        logged.contains("replica-priority 100 again: 1 other pod(s) answered"),
        "{logged}"
    );
    assert_eq!(priority(behind), "100");
    let both = format!("{other} {ahead}");
    let logged = run(behind, &both, &record, CHECK);
    assert!(
        logged.contains("a sibling holds more of the stream"),
        "{logged}"
    );
    assert_eq!(priority(behind), "0");

    // Following a master again: the priority back.
    let logged = run(behind, "", &record, "allow_promotion 'no longer detached'");
    assert!(
        logged.contains("replica-priority 100 again: no longer detached"),
        "{logged}"
    );
    assert_eq!(priority(behind), "100");
    assert!(!record.exists());

    // A priority someone else chose (preStop's successor, a drill's steering) stays.
    assert_eq!(
        cli(behind, &["CONFIG", "SET", "replica-priority", "1"]).trim(),
        "OK"
    );
    assert_eq!(run(behind, &ahead.to_string(), &record, CHECK), "");
    assert_eq!(priority(behind), "1");
    assert!(!record.exists());

    // A record of another redis-server (this one restarted since): dropped, and the 0 this
    // one holds (redis-start.sh's, for an empty node) is not the guard's to lift.
    assert_eq!(
        cli(behind, &["CONFIG", "SET", "replica-priority", "0"]).trim(),
        "OK"
    );
    std::fs::write(&record, "0123456789abcdef\n").expect("record");
    assert_eq!(
        run(behind, "", &record, "allow_promotion 'no longer detached'"),
        ""
    );
    assert_eq!(priority(behind), "0");
    assert!(!record.exists());
}
