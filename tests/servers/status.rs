//! `redis-ha-gen status` against real Redis and Sentinel processes on loopback (the direct
//! backend), and against a stand-in `kubectl` answering from fixtures (the kubectl backend).

use crate::common::BIN;
use redis_ha_gen::drill::certificates::ThrowawayCa;
use serde_json::Value;
use std::fs;
use std::net::TcpListener;

use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Run `status ARGS --format json`: exit code and the parsed report (Null if not JSON).
fn status(args: &[&str]) -> (i32, Value) {
    status_with_env(args, &[])
}

fn status_with_env(args: &[&str], env: &[(&str, &str)]) -> (i32, Value) {
    let out = Command::new(BIN)
        .arg("status")
        .args(args)
        .args(["--format", "json"])
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs");
    let code = out.status.code().expect("exited");
    (
        code,
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Three Redis (0 master, 1 and 2 replicas) and three Sentinels on loopback, killed on drop.
struct Set {
    dir: tempfile::TempDir,
    redis: Vec<(u16, Option<Child>)>,
    sentinels: Vec<(u16, Option<Child>)>,
    /// TLS only (`port 0`): the flags `status` and `redis-cli` need.
    tls: Vec<String>,
}

impl Set {
    fn start() -> Set {
        Set::start_with(false)
    }

    /// With `tls`, every server listens only on a TLS port, with a certificate for localhost
    /// and 127.0.0.1 from a CA made now, and replication and Sentinel links use TLS.
    fn start_with(tls: bool) -> Set {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut set = Set {
            dir,
            redis: Vec::new(),
            sentinels: Vec::new(),
            tls: Vec::new(),
        };
        // The directives, as `--name value` flags and as config lines.
        let mut tls_conf = Vec::new();
        if tls {
            let ca = ThrowawayCa::new().expect("openssl makes a CA (make test-deps)");
            ca.issue(&["localhost".into()], &["127.0.0.1".parse().unwrap()])
                .expect("issue")
                .write_to(set.dir.path())
                .expect("write");
            let file = |key: &str| set.dir.path().join(key).display().to_string();
            set.tls = vec!["--tls".into(), "--cacert".into(), file("ca.crt")];
            tls_conf = vec![
                ("tls-cert-file", file("tls.crt")),
                ("tls-key-file", file("tls.key")),
                ("tls-ca-cert-file", file("ca.crt")),
                ("tls-replication", "yes".into()),
                ("tls-auth-clients", "no".into()),
            ];
        }
        let listen = |port: u16| -> Vec<(&str, String)> {
            if tls {
                vec![("port", "0".into()), ("tls-port", port.to_string())]
            } else {
                vec![("port", port.to_string())]
            }
        };
        let master = free_port();
        for i in 0..3 {
            let port = if i == 0 { master } else { free_port() };
            let data = set.dir.path().join(format!("redis-{i}"));
            fs::create_dir(&data).expect("data dir");
            let mut cmd = Command::new("redis-server");
            for (name, value) in listen(port).iter().chain(&tls_conf) {
                cmd.arg(format!("--{name}")).arg(value);
            }
            cmd.args(["--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(&data);
            if i > 0 {
                cmd.args(["--replicaof", "127.0.0.1", &master.to_string()]);
            }
            set.redis.push((port, Some(spawn(cmd))));
        }
        wait_for_port(master);
        for i in 0..3 {
            let port = free_port();
            let dir = set.dir.path().join(format!("sentinel-{i}"));
            fs::create_dir(&dir).expect("sentinel dir");
            let conf = dir.join("sentinel.conf");
            let tls_lines: String = listen(port)
                .iter()
                .chain(&tls_conf)
                .map(|(name, value)| format!("{name} {value}\n"))
                .collect();
            fs::write(
                &conf,
                format!(
                    "{tls_lines}bind 127.0.0.1\ndir {}\n\
                     sentinel monitor mymaster 127.0.0.1 {master} 2\n\
                     sentinel down-after-milliseconds mymaster 1000\n\
                     sentinel failover-timeout mymaster 4000\n",
                    dir.display()
                ),
            )
            .expect("sentinel.conf");
            // `redis-server --sentinel` is `redis-sentinel`, without Debian's extra package.
            let mut cmd = Command::new("redis-server");
            cmd.arg(&conf).arg("--sentinel");
            set.sentinels.push((port, Some(spawn(cmd))));
        }
        set
    }

    fn addresses(&self) -> Vec<String> {
        self.redis
            .iter()
            .chain(&self.sentinels)
            .map(|(port, _)| format!("127.0.0.1:{port}"))
            .collect()
    }

    /// The addresses and the TLS flags, for `status`.
    fn status_args(&self) -> Vec<String> {
        [self.addresses(), self.tls.clone()].concat()
    }

    /// `status` of this set until `done` holds for its exit code and report, or 30 s pass.
    fn status_until(&self, done: impl Fn(i32, &Value) -> bool) -> (i32, Value) {
        self.status_within(Duration::from_secs(30), done)
    }

    fn status_within(&self, limit: Duration, done: impl Fn(i32, &Value) -> bool) -> (i32, Value) {
        let addresses = self.status_args();
        let args: Vec<&str> = addresses.iter().map(String::as_str).collect();
        let start = Instant::now();
        loop {
            let (code, report) = status(&args);
            if done(code, &report) || start.elapsed() > limit {
                return (code, report);
            }
            sleep(Duration::from_millis(200));
        }
    }

    /// Healthy, and every Sentinel has learnt both replicas from the master's INFO (every
    /// 10 s): before that a killed master has no replica a Sentinel could promote.
    fn wait_healthy(&self) -> Value {
        let (code, report) = self.status_until(|code, report| {
            code == 0
                && report["sentinels"]
                    .as_array()
                    .is_some_and(|s| s.iter().all(|s| s["replicas"] == 2))
        });
        assert_eq!(code, 0, "never healthy: {report:#}");
        report
    }

    fn kill_redis(&mut self, i: usize) {
        kill(&mut self.redis[i].1);
    }

    fn kill_sentinel(&mut self, i: usize) {
        kill(&mut self.sentinels[i].1);
    }

    fn redis_cli(&self, i: usize, args: &[&str]) {
        let out = Command::new("redis-cli")
            .args(["-p", &self.redis[i].0.to_string()])
            .args(&self.tls)
            .args(args)
            .output()
            .expect("redis-cli runs");
        assert!(out.status.success(), "{out:?}");
    }
}

impl Drop for Set {
    fn drop(&mut self) {
        for (_, child) in self.redis.iter_mut().chain(self.sentinels.iter_mut()) {
            kill(child);
        }
    }
}

fn spawn(mut cmd: Command) -> Child {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is installed (make test-deps)")
}

fn kill(child: &mut Option<Child>) {
    if let Some(mut child) = child.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn wait_for_port(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "port {port} never opened"
        );
        sleep(Duration::from_millis(20));
    }
}

fn roles(report: &Value) -> Vec<String> {
    report["redis"]
        .as_array()
        .expect("redis list")
        .iter()
        .map(|n| n["role"].as_str().unwrap_or("down").to_owned())
        .collect()
}

fn problems(report: &Value) -> String {
    report["problems"].to_string()
}

/// The isolated-master fence's mark (`min-replicas-to-write` 999999, master-fence.sh) is
/// reported: the master refuses every write, so clients cannot write.
#[test]
fn a_fenced_master_is_no_master_until_the_fence_lifts() {
    let set = Set::start();
    set.wait_healthy();
    set.redis_cli(0, &["CONFIG", "SET", "min-replicas-to-write", "999999"]);
    let (code, report) = status(
        &set.addresses()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(report["verdict"], "no-master", "{report:#}");
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(report["redis"][0]["fenced"], true, "{report:#}");
    assert!(
        problems(&report).contains("fenced, refuses every write"),
        "{report:#}"
    );
    set.redis_cli(0, &["CONFIG", "SET", "min-replicas-to-write", "0"]);
    let report = set.wait_healthy();
    assert_eq!(report["redis"][0]["fenced"], false, "{report:#}");
}

/// A Sentinel whose timer stalled (here: SIGSTOP for 3 s, over its 2 s TILT trigger) is in
/// TILT mode and `status` says so.
#[test]
fn a_sentinel_in_tilt_is_reported() {
    let set = Set::start();
    set.wait_healthy();
    let pid = set.sentinels[0]
        .1
        .as_ref()
        .expect("running")
        .id()
        .to_string();
    let signal = |sig: &str| {
        let ok = Command::new("kill")
            .args([sig, &pid])
            .status()
            .expect("kill runs");
        assert!(ok.success());
    };
    signal("-STOP");
    sleep(Duration::from_secs(3));
    signal("-CONT");
    let (code, report) = set.status_until(|_, report| problems(report).contains("TILT"));
    assert_eq!(report["sentinels"][0]["tilt"], true, "{report:#}");
    assert_eq!(report["sentinels"][1]["tilt"], false, "{report:#}");
    assert_eq!(report["verdict"], "degraded", "{report:#}");
    assert_eq!(code, 1, "{report:#}");
}

#[test]
fn healthy_set_then_a_replica_down_is_degraded() {
    let mut set = Set::start();
    let report = set.wait_healthy();
    let master = format!("127.0.0.1:{}", set.redis[0].0);
    assert_eq!(report["verdict"], "healthy");
    assert_eq!(roles(&report), ["master", "replica", "replica"]);
    assert_eq!(report["problems"], serde_json::json!([]));
    for replica in &report["redis"].as_array().unwrap()[1..] {
        assert_eq!(replica["link"], "up");
        assert_eq!(replica["master"], master.as_str());
        assert!(replica["lag"].as_i64().is_some());
    }
    for sentinel in report["sentinels"].as_array().unwrap() {
        assert_eq!(sentinel["master"], master.as_str());
        assert_eq!(sentinel["quorum_ok"], true, "{sentinel}");
        assert_eq!(sentinel["quorum"], 2);
    }

    let text = Command::new(BIN)
        .arg("status")
        .args(set.addresses())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("mymaster: healthy (exit 0)"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with(&master) && l.contains("master"))
    );

    set.kill_redis(2);
    let replica = format!("127.0.0.1:{}", set.redis[2].0);
    let (code, report) = set.status_until(|code, _| code != 0);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["verdict"], "degraded");
    assert!(
        problems(&report).contains(&format!("{replica}: not answering")),
        "{report:#}"
    );
}

#[test]
fn a_replica_promoted_by_hand_is_split_brain() {
    let set = Set::start();
    set.wait_healthy();
    set.redis_cli(1, &["REPLICAOF", "NO", "ONE"]);
    let (code, report) = set.status_until(|code, _| code != 0);
    assert_eq!(code, 4, "{report:#}");
    assert_eq!(report["verdict"], "split-brain");
    assert_eq!(roles(&report), ["master", "master", "replica"]);
    assert!(problems(&report).contains("2 instances answer ROLE master"));
}

#[test]
fn master_down_is_no_master_until_sentinel_promotes_a_replica() {
    let mut set = Set::start();
    set.wait_healthy();
    set.kill_redis(0);
    let (code, report) = set.status_until(|code, _| code != 0);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(report["verdict"], "no-master");

    // down-after 1 s: Sentinel promotes a replica, the old master stays down → degraded.
    // On a loaded machine Sentinel enters TILT mode (30 s without acting) whenever its timer
    // runs 2 s late, possibly more than once: allow for it.
    let (code, report) = set.status_within(Duration::from_secs(150), |code, _| code == 1);
    assert_eq!(code, 1, "no failover seen: {report:#}");
    assert_eq!(roles(&report).iter().filter(|r| *r == "master").count(), 1);
    let new_master = report["redis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["role"] == "master")
        .map(|n| n["name"].clone())
        .unwrap();
    let named: Vec<&Value> = report["sentinels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["master"])
        .collect();
    assert!(named.iter().any(|m| **m == new_master), "{report:#}");
}

#[test]
fn two_sentinels_down_is_degraded_with_quorum_lost() {
    let mut set = Set::start();
    set.wait_healthy();
    set.kill_sentinel(0);
    set.kill_sentinel(1);
    // A direct address that does not answer cannot say what it is: it is listed as
    // unreachable, and the one Sentinel left is the only one in the list.
    let (code, report) = set.status_until(|_, report| report["sentinels"][0]["quorum_ok"] == false);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["verdict"], "degraded");
    let problems = problems(&report);
    assert!(problems.contains("CKQUORUM failed: NOQUORUM"), "{problems}");
    assert_eq!(report["unreachable"].as_array().map(Vec::len), Some(2));
    assert_eq!(report["sentinels"].as_array().map(Vec::len), Some(1));
}

#[test]
fn nothing_answering_is_no_master() {
    let (code, report) = status(&[&format!("127.0.0.1:{}", free_port())]);
    assert_eq!(code, 3);
    assert_eq!(
        report["unreachable"][0]["error"]
            .as_str()
            .map(|e| e.contains("refused")),
        Some(true)
    );
}

#[test]
fn tls_set_is_checked_over_tls_only_with_its_ca_and_names() {
    let mut set = Set::start_with(true);
    let report = set.wait_healthy();
    assert_eq!(roles(&report), ["master", "replica", "replica"]);
    for sentinel in report["sentinels"].as_array().unwrap() {
        assert_eq!(sentinel["quorum_ok"], true, "{sentinel}");
    }
    let addresses = set.addresses();
    let unreachable = |extra: &[&str]| {
        let mut args: Vec<&str> = addresses.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        let (code, report) = status(&args);
        assert_eq!(code, 3, "{extra:?}: {report:#}");
        assert_eq!(
            report["unreachable"].as_array().map(Vec::len),
            Some(6),
            "{extra:?}: {report:#}"
        );
        report["unreachable"][0].to_string()
    };
    // Plain RESP to TLS-only ports: nothing answers.
    unreachable(&[]);
    // Servers another CA signed are refused, and the report says why.
    let stranger = ThrowawayCa::new().expect("CA");
    let other_ca = set.dir.path().join("other-ca.crt");
    fs::write(&other_ca, stranger.certificate()).expect("write");
    let other_ca = other_ca.display().to_string();
    let why = unreachable(&["--tls", "--cacert", &other_ca]);
    assert!(why.contains("certificate"), "{why}");
    // So are certificates that do not carry the name asked for.
    let ca = set.tls[2].clone();
    let why = unreachable(&[
        "--tls",
        "--cacert",
        &ca,
        "--tls-server-name",
        "redis-9.example",
    ]);
    assert!(why.contains("redis-9.example"), "{why}");

    // Sentinels fail over over TLS; status follows (see the plain test for the TILT allowance).
    set.kill_redis(0);
    let (code, report) = set.status_within(Duration::from_secs(150), |code, report| {
        code == 1 && roles(report).iter().filter(|r| *r == "master").count() == 1
    });
    assert_eq!(code, 1, "no failover seen: {report:#}");
    let old_master = format!("127.0.0.1:{}", set.redis[0].0);
    let master = report["redis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["role"] == "master")
        .map(|n| n["name"].clone());
    assert!(
        master.is_some_and(|m| m != old_master.as_str()),
        "{report:#}"
    );
}

#[test]
fn bad_invocations_exit_2_with_nothing_on_stdout() {
    for args in [
        &[][..],
        &["redis"],
        &["127.0.0.1:0"],
        &["--target", "helm"],
        &["--target", "kubectl", "127.0.0.1:6379"],
        &["--namespace", "ns", "127.0.0.1:6379"],
        &["--tls", "127.0.0.1:6379"],
        &["--cacert", "ca.crt", "127.0.0.1:6379"],
        &["--tls", "--cacert", "/nonexistent/ca.crt", "127.0.0.1:6379"],
        &["--target", "kubectl", "--tls", "--tls-server-name", "x"],
    ] {
        let out = Command::new(BIN)
            .arg("status")
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("error: "),
            "{args:?}"
        );
    }
}

// ---- kubectl backend ----------------------------------------------------------------------

/// A `kubectl` on PATH that logs its arguments and answers `get pods` and `exec … redis-cli`
/// from files in its directory.
const FAKE_KUBECTL: &str = r#"#!/bin/sh
echo "$*" >> "$FAKE_KUBECTL_DIR/calls.log"
while [ $# -gt 0 ]; do
  case "$1" in --namespace) shift 2 ;; --request-timeout=*) shift ;; *) break ;; esac
done
case "$1" in
  get) [ -f "$FAKE_KUBECTL_DIR/get.err" ] && { cat "$FAKE_KUBECTL_DIR/get.err" >&2; exit 1; }
       cat "$FAKE_KUBECTL_DIR/pods.json" ;;
  exec) pod=$2 container=$4; shift 5
        [ -f "$FAKE_KUBECTL_DIR/hang" ] && sleep 60
        [ "$1" = sh ] && shift 3   # sh -c SCRIPT redis-cli …: the password and TLS from the pod env
        shift 3                    # redis-cli -p PORT
        [ "$1" = --tls ] && shift 3  # --tls --cacert FILE
        answer="$FAKE_KUBECTL_DIR/$pod.$container.$(echo "$*" | tr ' ' '_')"
        [ -f "$answer" ] || { echo "error: no answer $answer" >&2; exit 1; }
        cat "$answer" ;;
  *) exit 1 ;;
esac
"#;

struct FakeCluster {
    dir: tempfile::TempDir,
    pods: Vec<Value>,
}

impl FakeCluster {
    fn new() -> FakeCluster {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = dir.path().join("kubectl");
        fs::write(&script, FAKE_KUBECTL).expect("write kubectl");
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
        FakeCluster {
            dir,
            pods: Vec::new(),
        }
    }

    fn answer(&self, pod: &str, container: &str, command: &str, output: &str) {
        let name = format!("{pod}.{container}.{}", command.replace(' ', "_"));
        fs::write(self.dir.path().join(name), output).expect("fixture");
    }

    /// A pod with a redis and a sentinel container; `role` None: the pod is Pending.
    fn pod(&mut self, i: u32, role: Option<&str>, sentinel_master: &str) {
        let name = format!("redis-{i}");
        let phase = if role.is_some() { "Running" } else { "Pending" };
        self.pods.push(serde_json::json!({
            "metadata": {"name": name},
            "spec": {"containers": [
                {"name": "redis", "ports": [{"containerPort": 6379}]},
                {"name": "sentinel", "ports": [{"containerPort": 26379}]}
            ]},
            "status": {"phase": phase, "podIP": format!("10.0.0.{}", 10 + i)}
        }));
        let Some(role) = role else { return };
        let info = match role {
            "master" => "# Replication\r\nrole:master\r\nconnected_slaves:2\r\nmaster_repl_offset:5000\r\n".to_owned(),
            _ => "# Replication\r\nrole:slave\r\nmaster_host:redis-0.redis-headless.ns1.svc.cluster.local\r\nmaster_port:6379\r\nmaster_link_status:up\r\nslave_repl_offset:4900\r\n".to_owned(),
        };
        self.answer(&name, "redis", "INFO replication", &format!("{info}\n"));
        self.answer(
            &name,
            "sentinel",
            "SENTINEL GET-MASTER-ADDR-BY-NAME mymaster",
            &format!("{sentinel_master}\n6379\n"),
        );
        self.answer(
            &name,
            "sentinel",
            "SENTINEL MASTER mymaster",
            &format!("name\nmymaster\nip\n{sentinel_master}\nport\n6379\nflags\nmaster\nnum-slaves\n2\nnum-other-sentinels\n2\nquorum\n2\n"),
        );
        self.answer(
            &name,
            "sentinel",
            "SENTINEL CKQUORUM mymaster",
            "OK 3 usable Sentinels. Quorum and failover authorization can be reached\n",
        );
    }

    fn status(&self, args: &[&str]) -> (i32, Value) {
        fs::write(
            self.dir.path().join("pods.json"),
            serde_json::json!({"items": self.pods}).to_string(),
        )
        .expect("pods.json");
        let path = format!(
            "{}:{}",
            self.dir.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let dir = self.dir.path().to_string_lossy().into_owned();
        let mut all = vec!["--target", "kubectl"];
        all.extend_from_slice(args);
        status_with_env(&all, &[("PATH", &path), ("FAKE_KUBECTL_DIR", &dir)])
    }

    fn calls(&self) -> String {
        fs::read_to_string(self.dir.path().join("calls.log")).unwrap_or_default()
    }
}

const FQDN0: &str = "redis-0.redis-headless.ns1.svc.cluster.local";

#[test]
fn kubectl_backend_healthy_set() {
    let mut cluster = FakeCluster::new();
    cluster.pod(0, Some("master"), FQDN0);
    cluster.pod(1, Some("replica"), FQDN0);
    cluster.pod(2, Some("replica"), "10.0.0.10");
    let (code, report) = cluster.status(&["--namespace", "ns1"]);
    assert_eq!(code, 0, "{report:#}\n{}", cluster.calls());
    assert_eq!(report["verdict"], "healthy");
    assert_eq!(report["redis"][0]["name"], "redis-0/redis");
    assert_eq!(report["redis"][1]["lag"], 100);
    let calls = cluster.calls();
    assert!(
        // kubectl's own limit is what is left of `--timeout` (default 10 s).
        calls.lines().next().is_some_and(|first| first
            .starts_with("--namespace ns1 --request-timeout=")
            && first.ends_with("s get pods -l app=redis -o json")),
        "{calls}"
    );
    assert!(
        calls.contains("redis-cli -p 26379 SENTINEL CKQUORUM mymaster"),
        "{calls}"
    );
    let redis_call = calls
        .lines()
        .find(|l| l.contains("exec redis-0 -c redis -- sh -c"))
        .expect("the Redis container is asked through the auth wrapper");
    assert!(
        redis_call.contains("REDISCLI_AUTH=\"$REDIS_PASSWORD\""),
        "{redis_call}"
    );
    assert!(
        redis_call.ends_with("redis-cli -p 6379 INFO replication"),
        "{redis_call}"
    );
}

#[test]
fn kubectl_backend_pending_pod_and_stray_sentinel_are_degraded() {
    let mut cluster = FakeCluster::new();
    cluster.pod(0, Some("master"), FQDN0);
    cluster.pod(
        1,
        Some("replica"),
        "redis-1.redis-headless.ns1.svc.cluster.local",
    );
    cluster.pod(2, None, FQDN0);
    let (code, report) = cluster.status(&["--namespace", "ns1"]);
    assert_eq!(code, 1, "{report:#}");
    let problems = problems(&report);
    assert!(
        problems.contains("redis-2/redis: not answering (pod is Pending)"),
        "{problems}"
    );
    assert!(
        problems.contains("Sentinel redis-1/sentinel: names redis-1/redis, which answers ROLE replica; the master is redis-0/redis"),
        "{problems}"
    );
    assert!(
        !cluster.calls().contains("exec redis-2"),
        "a Pending pod is not exec'd into"
    );
}

/// `kubectl scale --replicas=3` of a set rendered for 5: the pods still say REPLICAS=5 and
/// every Sentinel still counts the two departed ones.
#[test]
fn kubectl_backend_scaled_without_re_rendering_is_degraded_and_explained() {
    let mut cluster = FakeCluster::new();
    cluster.pod(0, Some("master"), FQDN0);
    cluster.pod(1, Some("replica"), FQDN0);
    cluster.pod(2, Some("replica"), FQDN0);
    for pod in &mut cluster.pods {
        for container in pod["spec"]["containers"]
            .as_array_mut()
            .expect("containers")
        {
            container["env"] = serde_json::json!([{"name": "REPLICAS", "value": "5"}]);
        }
    }
    for i in 0..3 {
        cluster.answer(
            &format!("redis-{i}"),
            "sentinel",
            "SENTINEL MASTER mymaster",
            &format!("name\nmymaster\nip\n{FQDN0}\nport\n6379\nflags\nmaster\nnum-slaves\n4\nnum-other-sentinels\n4\nquorum\n2\n"),
        );
    }
    let (code, report) = cluster.status(&["--namespace", "ns1"]);
    assert_eq!(code, 1, "{report:#}");
    let problems = problems(&report);
    assert!(
        problems.contains("the pods say REPLICAS=5 but 3 pod(s) run"),
        "{problems}"
    );
    assert!(
        problems.contains(
            "Sentinel redis-0/sentinel: knows 5 Sentinels (itself included) but the set has 3"
        ),
        "{problems}"
    );
    assert!(problems.contains("replicas-out-of-sync"), "{problems}");
}

#[test]
fn kubectl_backend_two_masters_are_split_brain() {
    let mut cluster = FakeCluster::new();
    cluster.pod(0, Some("master"), FQDN0);
    cluster.pod(1, Some("master"), FQDN0);
    cluster.pod(2, Some("replica"), FQDN0);
    let (code, report) = cluster.status(&[]);
    assert_eq!(code, 4, "{report:#}");
    assert!(cluster.calls().contains("--namespace kubernaut-system"));
}

#[test]
fn kubectl_failing_is_could_not_run() {
    let cluster = FakeCluster::new();
    fs::write(
        cluster.dir.path().join("get.err"),
        "Error from server: namespace gone\n",
    )
    .unwrap();
    let out_dir = cluster.dir.path().to_string_lossy().into_owned();
    let path = format!("{out_dir}:{}", std::env::var("PATH").unwrap_or_default());
    let out = Command::new(BIN)
        .args(["status", "--target", "kubectl", "--namespace", "gone"])
        .env("PATH", &path)
        .env("FAKE_KUBECTL_DIR", &out_dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("namespace gone"), "{err}");
}

/// A `kubectl exec` that never returns (a stuck API server, a hung container): the whole run
/// ends at `--timeout`, exit 2 naming the call, however many calls are left.
#[test]
fn kubectl_that_hangs_is_stopped_at_the_deadline() {
    let mut cluster = FakeCluster::new();
    for i in 0..3 {
        cluster.pod(i, Some(if i == 0 { "master" } else { "replica" }), FQDN0);
    }
    fs::write(cluster.dir.path().join("hang"), "").unwrap();
    fs::write(
        cluster.dir.path().join("pods.json"),
        serde_json::json!({"items": cluster.pods}).to_string(),
    )
    .unwrap();
    let dir = cluster.dir.path().to_string_lossy().into_owned();
    let path = format!("{dir}:{}", std::env::var("PATH").unwrap_or_default());
    let started = std::time::Instant::now();
    let out = Command::new(BIN)
        .args(["status", "--target", "kubectl", "--timeout", "1"])
        .env("PATH", &path)
        .env("FAKE_KUBECTL_DIR", &dir)
        .output()
        .expect("runs");
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("still running when the deadline passed"),
        "{err}"
    );
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
}

#[test]
fn kubectl_missing_is_could_not_run() {
    let empty = tempfile::tempdir().expect("temp dir");
    let out = Command::new(BIN)
        .args(["status", "--target", "kubectl"])
        .env("PATH", empty.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not run kubectl"));
}

#[test]
fn kubectl_backend_over_tls_with_a_ca_given_passes_it_to_redis_cli() {
    let mut cluster = FakeCluster::new();
    cluster.pod(0, Some("master"), FQDN0);
    cluster.pod(1, Some("replica"), FQDN0);
    cluster.pod(2, Some("replica"), FQDN0);
    let (code, report) = cluster.status(&["--namespace", "ns1", "--tls"]);
    assert_eq!(code, 0, "{report:#}\n{}", cluster.calls());
    let calls = cluster.calls();
    assert!(
        calls.contains("redis-cli -p 26379 --tls --cacert /tls/ca.crt SENTINEL CKQUORUM mymaster"),
        "{calls}"
    );
    assert!(!calls.contains("TLS_CA_CERT_FILE"), "{calls}");
    assert!(
        calls.contains("redis-cli -p 6379 --tls --cacert /tls/ca.crt INFO replication"),
        "{calls}"
    );
    let (_, _) = cluster.status(&[
        "--namespace",
        "ns1",
        "--tls",
        "--cacert",
        "/etc/redis/ca.pem",
    ]);
    assert!(
        cluster
            .calls()
            .contains("--tls --cacert /etc/redis/ca.pem SENTINEL CKQUORUM"),
        "{}",
        cluster.calls()
    );
}

/// A `kubectl` that runs `exec`'s command here, with its own environment as the pod's env,
/// and answers `get pods` from a file: the kubectl backend against real servers.
const PASS_THROUGH_KUBECTL: &str = r#"#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in --namespace) shift 2 ;; --request-timeout=*) shift ;; *) break ;; esac
done
case "$1" in
  get) cat "$FAKE_KUBECTL_DIR/pods.json" ;;
  exec) shift 5; exec "$@" ;;   # exec POD -c CONTAINER -- COMMAND…
  *) exit 1 ;;
esac
"#;

/// A directory holding [`PASS_THROUGH_KUBECTL`] that lists `set`'s servers as the pods
/// `redis-0..2`, and the `PATH` that puts it first.
fn pass_through_kubectl(set: &Set) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("kubectl");
    fs::write(&script, PASS_THROUGH_KUBECTL).expect("write kubectl");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
    let pods: Vec<Value> = (0..3)
        .map(|i| {
            serde_json::json!({
                "metadata": {"name": format!("redis-{i}")},
                "spec": {"containers": [
                    {"name": "redis", "ports": [{"containerPort": set.redis[i].0}]},
                    {"name": "sentinel", "ports": [{"containerPort": set.sentinels[i].0}]}
                ]},
                "status": {"phase": "Running", "podIP": "127.0.0.1"}
            })
        })
        .collect();
    fs::write(
        dir.path().join("pods.json"),
        serde_json::json!({ "items": pods }).to_string(),
    )
    .expect("pods.json");
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (dir, path)
}

#[test]
fn kubectl_backend_speaks_tls_when_the_pods_env_names_a_ca() {
    let set = Set::start_with(true);
    set.wait_healthy();
    let (dir, path) = pass_through_kubectl(&set);
    let dir_name = dir.path().display().to_string();
    let ca = set.tls[2].clone();
    let env = [
        ("PATH", path.as_str()),
        ("FAKE_KUBECTL_DIR", dir_name.as_str()),
    ];
    let args = ["--target", "kubectl"];

    let (code, report) = status_with_env(&args, &[env[0], env[1], ("TLS_CA_CERT_FILE", &ca)]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(roles(&report), ["master", "replica", "replica"]);
    // Without it the pods' redis-cli speaks plain text to TLS-only ports: nothing answers.
    let (code, report) = status_with_env(&args, &env);
    assert_eq!(code, 3, "{report:#}");
}

/// The first rollout of a password rotation, half done: one replica restarted with the new
/// password and the others not yet (here: the others open to any password, replica 2 knowing
/// only the old one). `status` given the new password is refused by replica 2; given the
/// previous one too, it asks again with it and says so — through both backends.
#[test]
fn a_server_refusing_the_password_is_asked_with_the_previous_one_and_named() {
    let set = Set::start();
    set.wait_healthy();
    set.redis_cli(2, &["CONFIG", "SET", "requirepass", "old-secret"]);
    let replica = format!("127.0.0.1:{}", set.redis[2].0);
    let addresses = set.addresses();
    let args: Vec<&str> = addresses.iter().map(String::as_str).collect();
    let role_of_2 = |report: &Value| report["redis"][2]["role"].clone();

    // Direct: REDISCLI_AUTH is the new password; REDIS_PREVIOUS_PASSWORD the old one.
    let (_, report) = status_with_env(&args, &[("REDISCLI_AUTH", "new-secret")]);
    assert!(
        problems(&report).contains(&format!("{replica}: not answering (AUTH failed: WRONGPASS")),
        "{report:#}"
    );
    let (code, report) = status_with_env(
        &args,
        &[
            ("REDISCLI_AUTH", "new-secret"),
            ("REDIS_PREVIOUS_PASSWORD", "old-secret"),
        ],
    );
    assert_eq!(role_of_2(&report), "replica", "{report:#}");
    assert_ne!(code, 0, "a rotation under way is not healthy: {report:#}");
    assert!(
        problems(&report).contains(&format!(
            "{replica}: refused the current password and accepted the previous one"
        )),
        "{report:#}"
    );
    // A wrong previous password changes nothing.
    let (_, report) = status_with_env(
        &args,
        &[
            ("REDISCLI_AUTH", "new-secret"),
            ("REDIS_PREVIOUS_PASSWORD", "other"),
        ],
    );
    assert!(role_of_2(&report).is_null(), "{report:#}");

    // kubectl: the pods' password files, as the generated manifests mount them.
    let (dir, path) = pass_through_kubectl(&set);
    let current = dir.path().join("password");
    let previous = dir.path().join("previous-password");
    fs::write(&current, "new-secret").expect("password file");
    fs::write(&previous, "old-secret").expect("previous file");
    let dir_name = dir.path().display().to_string();
    let current = current.display().to_string();
    let previous = previous.display().to_string();
    let env = [
        ("PATH", path.as_str()),
        ("FAKE_KUBECTL_DIR", dir_name.as_str()),
        ("REDIS_PASSWORD_FILE", current.as_str()),
    ];
    let kubectl = ["--target", "kubectl"];
    let (_, report) = status_with_env(&kubectl, &env);
    assert!(role_of_2(&report).is_null(), "{report:#}");
    assert!(
        problems(&report).contains("redis-2/redis: not answering (NOAUTH"),
        "{report:#}"
    );
    let with_previous = [
        env[0],
        env[1],
        env[2],
        ("REDIS_PREVIOUS_PASSWORD_FILE", &previous),
    ];
    let (code, report) = status_with_env(&kubectl, &with_previous);
    assert_eq!(role_of_2(&report), "replica", "{report:#}");
    assert_ne!(code, 0, "{report:#}");
    assert!(
        problems(&report)
            .contains("redis-2/redis: refused the current password and accepted the previous one"),
        "{report:#}"
    );
    assert!(
        !problems(&report).contains("redis-0/redis: refused"),
        "{report:#}"
    );
}
