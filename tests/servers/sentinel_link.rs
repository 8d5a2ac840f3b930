//! Whether a Sentinel holds a live link to the master it names (common.sh `sentinel_view`'s
//! VIEW_LIVE), which redis-start.sh's case 5 waits for before a restarted master takes its
//! role back (docs/architecture.md §3, "Not while the Sentinels could fail it over"): on a
//! real Sentinel's `SENTINEL MASTER` replies, under `dash`.

use crate::local_servers::{Processes, free_port, start, until};
use crate::script_functions::{dash_ok, function, script};
use std::fs;
use std::process::Command;
use std::time::Duration;

/// `sentinel_view` on `reply`: "VIEW_LIVE VIEW_DOWN".
fn live_and_down(reply: &str) -> String {
    let text = format!(
        "MAJORITY=2\nLIVE_LINK_MS=2000\n{}\nsentinel_view \"$1\"\necho \"$VIEW_LIVE $VIEW_DOWN\"\n",
        function(script("common.sh"), "sentinel_view")
    );
    dash_ok(&text, &["test", reply]).trim_end().to_string()
}

fn sentinel_master(port: u16, name: &str) -> String {
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "SENTINEL", "MASTER", name])
        .output()
        .expect("redis-cli is installed");
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

/// A Sentinel 7.0 watching a master that answers (`up`), one whose name does not resolve
/// (the drill's late DNS for a restarted pod: `disconnected`, then `s_down` at down-after,
/// 4 s: far enough for the first check to see it not down yet on a loaded machine), and the
/// first again once its server is gone.
#[test]
fn only_a_connected_sentinel_that_sees_the_master_answer_holds_a_live_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (master, sentinel) = (free_port(), free_port());
    let conf = |name: &str, body: String| {
        let path = dir.path().join(name);
        fs::write(&path, body).expect("write conf");
        path
    };
    let server = start(
        &conf(
            "master.conf",
            format!("port {master}\nbind 127.0.0.1\nsave \"\"\n"),
        ),
        false,
    );
    let watcher = start(
        &conf(
            "sentinel.conf",
            format!(
                "port {sentinel}\nbind 127.0.0.1\nsentinel resolve-hostnames yes\n\
                 sentinel announce-hostnames yes\n\
                 sentinel monitor up 127.0.0.1 {master} 2\n\
                 sentinel down-after-milliseconds up 1500\n\
                 sentinel monitor unresolved redis-2.headless.invalid 6379 2\n\
                 sentinel down-after-milliseconds unresolved 4000\n"
            ),
        ),
        true,
    );
    let mut processes = Processes(vec![watcher, server]);
    let mut last = String::new();
    assert!(
        until(Duration::from_secs(10), || {
            last = live_and_down(&sentinel_master(sentinel, "up"));
            last == "1 0"
        }),
        "never live: {last}\n{}",
        sentinel_master(sentinel, "up")
    );
    let unresolved = sentinel_master(sentinel, "unresolved");
    assert!(unresolved.contains("disconnected"), "{unresolved}");
    assert_eq!(live_and_down(&unresolved), "0 0", "{unresolved}");
    assert!(until(Duration::from_secs(10), || live_and_down(
        &sentinel_master(sentinel, "unresolved")
    ) == "0 s"));
    // The master's server stops: the link drops at once (and `s_down` may follow, down-after
    // after the last answered PING): not live either way.
    let mut server = processes.0.pop().expect("the server");
    server.kill().expect("kill the server");
    server.wait().expect("reap the server");
    assert!(
        until(Duration::from_secs(1), || {
            last = live_and_down(&sentinel_master(sentinel, "up"));
            last.starts_with('0')
        }),
        "still live after its server stopped: {last}"
    );
}

/// Replies varied in the fields the view reads: an old answered PING is not live, an error
/// or no reply is not live.
#[test]
fn a_stale_ping_or_no_reply_is_no_live_link() {
    let reply = |flags: &str, ok_ping: &str| {
        format!(
            "name\nmymaster\nip\nredis-2\nport\n6379\nflags\n{flags}\n\
             last-ok-ping-reply\n{ok_ping}\nquorum\n2\n"
        )
    };
    assert_eq!(live_and_down(&reply("master", "400")), "1 0");
    assert_eq!(live_and_down(&reply("master", "2500")), "0 0");
    assert_eq!(live_and_down(&reply("master,disconnected", "400")), "0 0");
    assert_eq!(live_and_down(&reply("s_down,master", "400")), "0 s");
    assert_eq!(live_and_down(&reply("o_down,s_down,master", "400")), "0 o");
    assert_eq!(live_and_down(""), "0 0");
    assert_eq!(live_and_down("ERR No such master with that name\n"), "0 0");
}
