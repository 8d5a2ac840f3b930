//! Real `redis-server` processes on loopback for the tests of this group: free ports, start,
//! wait, ask (`redis-cli`), and kill at the end whatever happened.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Processes killed when the test ends, passed or not.
pub struct Processes(pub Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A server's config file `name` in `dir`: `port`, loopback, no automatic snapshot, no
/// replication PINGs in the stream (the offsets compared are the writes' alone), its RDB
/// (`SAVE`, a full sync's) in `dir`; then `extra` (whole lines).
pub fn quiet_conf(dir: &Path, name: &str, port: u16, extra: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "port {port}\nbind 127.0.0.1\nsave \"\"\nrepl-ping-replica-period 3600\n\
             dir {}\ndbfilename {name}.rdb\n{extra}",
            dir.display()
        ),
    )
    .expect("write conf");
    path
}

/// `redis-server CONF`, as Sentinel with `sentinel`.
pub fn start(conf: &Path, sentinel: bool) -> Child {
    let mut cmd = Command::new("redis-server");
    cmd.arg(conf);
    if sentinel {
        // `redis-server --sentinel` is `redis-sentinel`, without Debian's extra package.
        cmd.arg("--sentinel");
    }
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is installed")
}

/// `redis-cli -p PORT ARGS…`'s output, CRs stripped.
pub fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .output()
        .expect("redis-cli is installed");
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

/// Field `name` of the `INFO replication` of the server at `port` ("" when absent).
pub fn replication_field(port: u16, name: &str) -> String {
    cli(port, &["INFO", "replication"])
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
        .unwrap_or_default()
}

/// Whether every server at `ports` answers `PING` within 10 s.
pub fn all_answer(ports: &[u16]) -> bool {
    until(Duration::from_secs(10), || {
        ports.iter().all(|&p| cli(p, &["PING"]).trim() == "PONG")
    })
}

/// Whether `done` held within `limit`, asked every 200 ms.
pub fn until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        sleep(Duration::from_millis(200));
    }
    false
}
