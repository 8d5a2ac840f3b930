//! The direct backend: `host:port` addresses of Redis and Sentinel instances, asked over TCP.
//! Which is which is read from `INFO server` (`redis_mode:sentinel`).
//!
//! A password, when the set needs one, comes from `REDISCLI_AUTH` — the variable `redis-cli`
//! itself reads — so it never appears on a command line. Redis and Sentinel get it (the
//! generated sets' Sentinels require the same password); an instance that requires none
//! answers `AUTH` with "without any password configured" and is asked anyway. One that
//! refuses it is asked with `REDIS_PREVIOUS_PASSWORD`, when set (during a password
//! rotation), and the report says which accepted only that one.
//!
//! Over TLS, each server's certificate must chain to the given CA and name the address's host
//! (or one name given for all: the generated sets share one certificate).

use super::observe::info_fields;
use super::{Backend, Instance, Kind, Query};
use crate::resp::{Connection, Reply, TlsClient};
use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Per connect, per read, per write.
const TIMEOUT: Duration = Duration::from_secs(2);

pub struct Direct {
    addresses: Vec<(String, String, u16)>,
    password: Option<String>,
    /// Tried when `password` is refused (`REDIS_PREVIOUS_PASSWORD`, during a rotation).
    previous: Option<String>,
    /// The addresses that refused `password` and accepted `previous`.
    previous_used: Vec<String>,
    connections: BTreeMap<String, Connection>,
    /// The CA to verify servers with, and the name to expect instead of each host.
    tls: Option<(TlsClient, Option<String>)>,
    /// No read waits past this, however slowly a server answers (`--timeout`).
    deadline: Instant,
    /// Why the run cannot be judged: the first address still answering when the deadline
    /// passed, or answering with something that is not RESP (or too large to be).
    fatal: Option<String>,
}

impl Direct {
    /// Check every address's syntax up front: a typo is a usage error, not a down instance.
    /// Every answer must be complete by `deadline`.
    pub fn new(
        addresses: &[String],
        password: Option<String>,
        deadline: Instant,
    ) -> anyhow::Result<Direct> {
        let mut parsed = Vec::new();
        for address in addresses {
            let (host, port) = split_address(address)?;
            parsed.push((address.clone(), host, port));
        }
        Ok(Direct {
            addresses: parsed,
            password,
            previous: None,
            previous_used: Vec::new(),
            connections: BTreeMap::new(),
            tls: None,
            deadline,
            fatal: None,
        })
    }

    /// The password to try when the first one is refused: a rotation's previous password.
    pub fn with_previous_password(self, previous: Option<String>) -> Direct {
        Direct { previous, ..self }
    }

    /// After a failed call to `name`: remember it if it is why the run cannot be judged
    /// (the deadline has passed, or the peer does not speak RESP within our bounds).
    fn note_failure(&mut self, name: &str, error: &std::io::Error) {
        if self.fatal.is_some() {
            return;
        }
        let shown = crate::escape::printable(name);
        if Instant::now() >= self.deadline {
            self.fatal = Some(format!(
                "{shown}: no complete answer before the deadline (--timeout)"
            ));
        } else if error.kind() == std::io::ErrorKind::InvalidData {
            self.fatal = Some(format!(
                "{shown}: {error}; is it a Redis or Sentinel server?"
            ));
        }
    }

    /// Connect over TLS, verifying each server against `client`'s CA and `server_name` (by
    /// default the host of its address).
    pub fn with_tls(self, client: TlsClient, server_name: Option<String>) -> Direct {
        Direct {
            tls: Some((client, server_name)),
            ..self
        }
    }

    /// `AUTH` with the password, then with the previous one if the first is refused.
    /// `Ok(true)`: only the previous one was accepted.
    fn authenticate(&self, connection: &mut Connection) -> Result<bool, String> {
        let Some(password) = &self.password else {
            return Ok(false);
        };
        let refused = match connection.call(&["AUTH", password.as_str()]) {
            // A Sentinel (or Redis) that requires no password: go on.
            Ok(Reply::Error(e)) if e.contains("without any password configured") => {
                return Ok(false);
            }
            Ok(Reply::Error(e)) => format!("AUTH failed: {e}"),
            Ok(_) => return Ok(false),
            Err(e) => return Err(e.to_string()),
        };
        let Some(previous) = &self.previous else {
            return Err(refused);
        };
        match connection.call(&["AUTH", previous.as_str()]) {
            Ok(Reply::Error(_)) => Err(format!("{refused} (and with the previous password)")),
            Ok(_) => Ok(true),
            Err(e) => Err(e.to_string()),
        }
    }

    fn connect(
        &self,
        host: &str,
        port: u16,
    ) -> Result<(Connection, Vec<SocketAddr>, bool), String> {
        let resolved: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect();
        let mut last = format!("{host} resolves to no address");
        for addr in &resolved {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err("not asked: the deadline (--timeout) had passed".to_owned());
            }
            let timeout = TIMEOUT.min(left);
            let connection = match &self.tls {
                Some((client, name)) => {
                    Connection::open_tls(*addr, timeout, client, name.as_deref().unwrap_or(host))
                }
                None => Connection::open(*addr, timeout),
            };
            match connection {
                Ok(mut connection) => {
                    connection.set_deadline(self.deadline);
                    let previous = self.authenticate(&mut connection)?;
                    return Ok((connection, resolved, previous));
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }
}

/// `host:port` or `[v6]:port`.
fn split_address(address: &str) -> anyhow::Result<(String, u16)> {
    let usage = || format!("address {address:?}: expected HOST:PORT, e.g. 127.0.0.1:6379");
    let (host, port) = address.rsplit_once(':').with_context(usage)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port: u16 = port.parse().ok().with_context(usage)?;
    if host.is_empty() || port == 0 {
        bail!(usage());
    }
    Ok((host.to_owned(), port))
}

impl Backend for Direct {
    fn instances(&mut self) -> anyhow::Result<Vec<Instance>> {
        let mut instances = Vec::new();
        for (name, host, port) in self.addresses.clone() {
            let mut instance = Instance {
                name: name.clone(),
                kind: None,
                hosts: vec![host.clone()],
                port,
                down: None,
            };
            match self.connect(&host, port) {
                Ok((mut connection, resolved, previous)) => {
                    if previous {
                        self.previous_used.push(name.clone());
                    }
                    instance
                        .hosts
                        .extend(resolved.iter().map(|a| a.ip().to_string()));
                    match connection.call(&["INFO", "server"]) {
                        Ok(Reply::Error(e)) => instance.down = Some(e),
                        Ok(value) => {
                            let text = value.text().unwrap_or_default();
                            let sentinel = info_fields(text).get("redis_mode") == Some(&"sentinel");
                            instance.kind = Some(if sentinel {
                                Kind::Sentinel
                            } else {
                                Kind::Redis
                            });
                            self.connections.insert(name, connection);
                        }
                        Err(e) => {
                            self.note_failure(&name, &e);
                            instance.down = Some(e.to_string());
                        }
                    }
                }
                Err(e) => {
                    let error = std::io::Error::other(e.clone());
                    self.note_failure(&name, &error);
                    instance.down = Some(e);
                }
            }
            instances.push(instance);
        }
        Ok(instances)
    }

    fn ask(&mut self, instance: &Instance, query: &Query) -> Result<Reply, String> {
        let connection = self
            .connections
            .get_mut(&instance.name)
            .ok_or_else(|| "no connection".to_owned())?;
        let reply = connection.call(&query.args);
        reply.map_err(|e| {
            self.connections.remove(&instance.name);
            self.note_failure(&instance.name, &e);
            e.to_string()
        })
    }

    fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }

    fn notes(&self) -> Vec<String> {
        super::previous_password_note(&self.previous_used)
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::split_address;

    #[test]
    fn addresses_need_a_host_and_a_port() {
        assert_eq!(
            split_address("10.0.0.1:6379").unwrap(),
            ("10.0.0.1".into(), 6379)
        );
        assert_eq!(split_address("[::1]:26379").unwrap(), ("::1".into(), 26379));
        assert_eq!(
            split_address("redis-0.svc:1").unwrap(),
            ("redis-0.svc".into(), 1)
        );
        for bad in ["redis", ":6379", "h:", "h:0", "h:99999", "h:x"] {
            assert!(split_address(bad).is_err(), "{bad}");
        }
    }
}
