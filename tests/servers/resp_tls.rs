//! The RESP client over TLS against a real `redis-server --tls-port`, with a CA made at run
//! time by the drill's own throwaway issuer (no key is ever committed).

use redis_ha_gen::drill::certificates::ThrowawayCa;
use redis_ha_gen::resp::{Connection, Reply, TlsClient};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_millis(800);

/// A TLS-only redis-server on loopback with a certificate for `localhost` and 127.0.0.1.
struct TlsRedis {
    _dir: tempfile::TempDir,
    ca: std::path::PathBuf,
    addr: SocketAddr,
    child: Child,
}

impl TlsRedis {
    fn start() -> TlsRedis {
        let dir = tempfile::tempdir().expect("temp dir");
        let issuer = ThrowawayCa::new().expect("openssl makes a CA (make test-deps)");
        issuer
            .issue(&["localhost".into()], &["127.0.0.1".parse().unwrap()])
            .expect("issue")
            .write_to(dir.path())
            .expect("write");
        let port = free_port();
        let file = |name: &str| dir.path().join(name).display().to_string();
        let child = Command::new("redis-server")
            .args(["--port", "0", "--tls-port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--tls-cert-file", &file("tls.crt")])
            .args(["--tls-key-file", &file("tls.key")])
            .args(["--tls-ca-cert-file", &file("ca.crt")])
            .args(["--tls-auth-clients", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (make test-deps)");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let start = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(start.elapsed() < Duration::from_secs(10), "never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
        TlsRedis {
            ca: dir.path().join("ca.crt"),
            _dir: dir,
            addr,
            child,
        }
    }

    fn client(&self) -> TlsClient {
        TlsClient::from_ca_file(&self.ca).expect("CA file")
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid; no memory is shared.
        unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        self.signal(libc::SIGCONT);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[test]
fn talks_resp_over_tls_verified_by_name_and_address() {
    let redis = TlsRedis::start();
    let client = redis.client();
    for name in ["localhost", "127.0.0.1"] {
        let mut conn =
            Connection::open_tls(redis.addr, TIMEOUT, &client, name).expect("TLS connection");
        assert_eq!(conn.call(&["PING"]).unwrap(), Reply::Status("PONG".into()));
        let replies = conn
            .pipeline(&[
                vec!["SET", "k", "v"],
                vec!["GET", "k"],
                vec!["INFO", "server"],
            ])
            .unwrap();
        assert_eq!(replies[0], Reply::Status("OK".into()));
        assert_eq!(replies[1], Reply::Bulk(Some("v".into())));
        // A reply larger than one TLS record (16 KiB) arrives whole.
        let big = "x".repeat(100_000);
        assert_eq!(
            conn.call(&["SET", "big", &big]).unwrap(),
            Reply::Status("OK".into())
        );
        assert_eq!(conn.call(&["GET", "big"]).unwrap(), Reply::Bulk(Some(big)));
    }
}

#[test]
fn refuses_a_server_the_ca_did_not_sign_or_that_has_another_name() {
    let redis = TlsRedis::start();
    let err = Connection::open_tls(redis.addr, TIMEOUT, &redis.client(), "redis-9.example")
        .err()
        .expect("a name the certificate does not carry is refused");
    assert!(err.to_string().contains("redis-9.example"), "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");

    let stranger = ThrowawayCa::new().expect("CA");
    let other = TlsClient::from_ca_pem(stranger.certificate()).expect("CA");
    let err = Connection::open_tls(redis.addr, TIMEOUT, &other, "localhost")
        .err()
        .expect("another CA's server is refused");
    assert!(err.to_string().contains("certificate"), "{err}");

    // Plain RESP to the TLS port gets an error, not a hang.
    let start = Instant::now();
    let plain = Connection::open(redis.addr, TIMEOUT).and_then(|mut c| c.call(&["PING"]));
    assert!(plain.is_err(), "{plain:?}");
    assert!(start.elapsed() < TIMEOUT * 3);
}

#[test]
fn bad_ca_input_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope.crt");
    let err = TlsClient::from_ca_file(&missing).unwrap_err();
    assert!(err.to_string().contains("nope.crt"), "{err}");
    let garbage = dir.path().join("garbage.crt");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let err = TlsClient::from_ca_file(&garbage).unwrap_err();
    assert!(err.to_string().contains("no PEM certificate"), "{err}");
    let broken = "-----BEGIN CERTIFICATE-----\nAAAA!!!\n-----END CERTIFICATE-----\n";
    assert!(TlsClient::from_ca_pem(broken.as_bytes()).is_err());
}

#[test]
fn timeouts_bound_the_handshake_and_every_call() {
    let redis = TlsRedis::start();
    let client = redis.client();
    // A listener that accepts and never answers: the handshake gives up after the timeout.
    let silent = TcpListener::bind("127.0.0.1:0").expect("listener");
    let start = Instant::now();
    let result = Connection::open_tls(silent.local_addr().unwrap(), TIMEOUT, &client, "localhost");
    assert!(result.is_err());
    let took = start.elapsed();
    assert!(took >= TIMEOUT && took < TIMEOUT * 3, "{took:?}");

    // A frozen server after the handshake: the call gives up after the (changed) timeout.
    let mut conn = Connection::open_tls(redis.addr, TIMEOUT, &client, "localhost").unwrap();
    conn.set_timeout(Duration::from_millis(300)).unwrap();
    redis.signal(libc::SIGSTOP);
    let start = Instant::now();
    assert!(conn.call(&["PING"]).is_err());
    let took = start.elapsed();
    redis.signal(libc::SIGCONT);
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(1500),
        "{took:?}"
    );
}
