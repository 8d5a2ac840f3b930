//! A small, blocking RESP2 client over a `TcpStream`: enough for the drill's probe
//! (SET/WAIT/EXISTS), its role sampler (ROLE, INFO), Sentinel queries and `status`. Every
//! call has a deadline, so a frozen or partitioned instance costs a timeout, never a hang.
//!
//! Replies from the network are untrusted: lines, lengths and each reply's total size are
//! bounded and nesting is limited, so a misbehaving peer gives an error, never a panic or an
//! unbounded allocation. A connection may also carry a deadline: a peer that trickles a
//! byte at a time cannot keep a call alive past it.
//!
//! A connection is plain TCP or TLS ([`TlsClient`], for sets with `tls-port` and `port 0`).

mod tls;

pub use tls::TlsClient;

use rustls::{ClientConnection, StreamOwned};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Bulk strings larger than this are refused (INFO is a few KiB).
const MAX_BULK: usize = 64 * 1024 * 1024;
/// One reply, all its parts together (bytes, plus [`ELEMENT_COST`] per array element), is
/// refused past this: a peer cannot make a client hold more than this per call.
pub const MAX_REPLY_BYTES: usize = 16 * 1024 * 1024;
/// What an array element costs the reply's budget besides its bytes (its `Reply` in memory).
const ELEMENT_COST: usize = std::mem::size_of::<Reply>();
/// Arrays longer than this are refused.
const MAX_ARRAY: usize = 1024 * 1024;
/// Status lines longer than this are refused.
const MAX_LINE: u64 = 64 * 1024;
/// Replies nested deeper than this are refused (ROLE nests three levels).
const MAX_DEPTH: usize = 16;

/// One RESP2 reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<String>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The reply as text (status or bulk), if it is one.
    pub fn text(&self) -> Option<&str> {
        match self {
            Reply::Status(s) | Reply::Bulk(Some(s)) => Some(s),
            _ => None,
        }
    }

    /// The elements of an array reply (none for anything else).
    pub fn items(&self) -> &[Reply] {
        match self {
            Reply::Array(Some(items)) => items,
            _ => &[],
        }
    }

    /// A flat `[key, value, key, value…]` array (Sentinel's `SENTINEL MASTER`) as pairs.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.items()
            .chunks(2)
            .find(|pair| pair.first().and_then(Reply::text) == Some(name))
            .and_then(|pair| pair.get(1).and_then(Reply::text))
    }
}

/// A TCP socket whose every read waits at most the per-call timeout and never past the
/// deadline, however slowly the peer sends (TLS records are read through it too).
struct Socket {
    tcp: TcpStream,
    timeout: Duration,
    deadline: Option<Instant>,
}

impl Socket {
    /// Set the read timeout for the next read: what is left of the deadline, at most
    /// `timeout`; an error once the deadline has passed.
    fn arm(&self) -> io::Result<()> {
        let wait = match self.deadline {
            None => self.timeout,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "no complete reply before the deadline",
                    ));
                }
                left.min(self.timeout)
            }
        };
        self.tcp.set_read_timeout(Some(wait))
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.arm()?;
        self.tcp.read(buf)
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// The byte stream under a connection.
enum Stream {
    Plain(Socket),
    Tls(Box<StreamOwned<ClientConnection, Socket>>),
}

impl Stream {
    /// The socket, whose timeouts bound every read and write (TLS records included).
    fn socket(&mut self) -> &mut Socket {
        match self {
            Stream::Plain(socket) => socket,
            Stream::Tls(tls) => &mut tls.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.read(buf),
            Stream::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.write(buf),
            Stream::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(tcp) => tcp.flush(),
            Stream::Tls(tls) => tls.flush(),
        }
    }
}

/// A connection to one Redis or Sentinel instance.
pub struct Connection {
    reader: BufReader<Stream>,
}

/// A TCP connection with `timeout` for the connect and for every later read and write.
fn tcp(addr: SocketAddr, timeout: Duration) -> io::Result<Socket> {
    socket(TcpStream::connect_timeout(&addr, timeout)?, timeout)
}

/// A connected stream with `timeout` for every read and write.
fn socket(stream: TcpStream, timeout: Duration) -> io::Result<Socket> {
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_nodelay(true)?;
    Ok(Socket {
        tcp: stream,
        timeout,
        deadline: None,
    })
}

impl Connection {
    /// Connect over plain TCP with `timeout` for the connection and every later read and write.
    pub fn open(addr: SocketAddr, timeout: Duration) -> io::Result<Connection> {
        Ok(Connection {
            reader: BufReader::new(Stream::Plain(tcp(addr, timeout)?)),
        })
    }

    /// Plain RESP over a stream connected elsewhere (from another network namespace).
    pub fn over(stream: TcpStream, timeout: Duration) -> io::Result<Connection> {
        Ok(Connection {
            reader: BufReader::new(Stream::Plain(socket(stream, timeout)?)),
        })
    }

    /// TLS over a stream connected elsewhere; see `open_tls`.
    pub fn over_tls(
        stream: TcpStream,
        timeout: Duration,
        tls: &TlsClient,
        server_name: &str,
    ) -> io::Result<Connection> {
        let stream = tls.handshake(socket(stream, timeout)?, server_name)?;
        Ok(Connection {
            reader: BufReader::new(Stream::Tls(Box::new(stream))),
        })
    }

    /// Connect over TLS: the server's certificate must chain to `tls`'s CA and name
    /// `server_name`. `timeout` bounds the connection, the handshake and every later call.
    pub fn open_tls(
        addr: SocketAddr,
        timeout: Duration,
        tls: &TlsClient,
        server_name: &str,
    ) -> io::Result<Connection> {
        let stream = tls.handshake(tcp(addr, timeout)?, server_name)?;
        Ok(Connection {
            reader: BufReader::new(Stream::Tls(Box::new(stream))),
        })
    }

    /// Change the deadline of the next calls (a `WAIT` needs longer than a `ROLE`).
    pub fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        let socket = self.reader.get_mut().socket();
        socket.timeout = timeout;
        socket.tcp.set_read_timeout(Some(timeout))
    }

    /// No read of this connection waits past `deadline` (`status --timeout`).
    pub fn set_deadline(&mut self, deadline: Instant) {
        self.reader.get_mut().socket().deadline = Some(deadline);
    }

    /// Send one command and read its reply. An error *reply* is `Ok(Reply::Error)`; an I/O
    /// error means the connection is unusable.
    pub fn call<S: AsRef<str>>(&mut self, args: &[S]) -> io::Result<Reply> {
        let mut out = Vec::new();
        encode(&mut out, args);
        self.send(&out)?;
        let mut budget = MAX_REPLY_BYTES;
        read_reply(&mut self.reader, 0, &mut budget)
    }

    /// Read one message the server pushes (Pub/Sub), waiting at most the connection's
    /// timeout: `Ok(None)` when none came in that time.
    pub fn receive(&mut self) -> io::Result<Option<Reply>> {
        let mut budget = MAX_REPLY_BYTES;
        match read_reply(&mut self.reader, 0, &mut budget) {
            Ok(reply) => Ok(Some(reply)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Send several commands in one write, then read their replies in order.
    pub fn pipeline<S: AsRef<str>>(&mut self, commands: &[Vec<S>]) -> io::Result<Vec<Reply>> {
        let mut out = Vec::new();
        for args in commands {
            encode(&mut out, args);
        }
        self.send(&out)?;
        commands
            .iter()
            .map(|_| {
                let mut budget = MAX_REPLY_BYTES;
                read_reply(&mut self.reader, 0, &mut budget)
            })
            .collect()
    }

    /// Write the whole request; TLS buffers records, so flush them onto the socket.
    fn send(&mut self, request: &[u8]) -> io::Result<()> {
        let stream = self.reader.get_mut();
        stream.write_all(request)?;
        stream.flush()
    }
}

fn encode<S: AsRef<str>>(out: &mut Vec<u8>, args: &[S]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
}

fn bad(what: impl Into<String>) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("bad RESP reply: {}", what.into()),
    )
}

fn read_line(reader: &mut impl BufRead) -> io::Result<String> {
    let mut line = Vec::new();
    reader
        .by_ref()
        .take(MAX_LINE)
        .read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    if !line.ends_with(b"\r\n") {
        return Err(bad("line cut short or too long"));
    }
    line.truncate(line.len() - 2);
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// A length header: `None` for RESP's null (-1), an error above `max`.
fn length(text: &str, max: usize) -> io::Result<Option<usize>> {
    let n: i64 = text.parse().map_err(|_| bad(format!("length {text:?}")))?;
    match usize::try_from(n) {
        Ok(n) if n <= max => Ok(Some(n)),
        Ok(n) => Err(bad(format!("{n} elements/bytes is too large"))),
        Err(_) if n == -1 => Ok(None),
        Err(_) => Err(bad(format!("length {n}"))),
    }
}

/// Take `cost` from what is left of the reply's budget.
fn spend(budget: &mut usize, cost: usize) -> io::Result<()> {
    *budget = budget.checked_sub(cost).ok_or_else(|| {
        bad(format!(
            "larger than {} MiB in all",
            MAX_REPLY_BYTES / (1024 * 1024)
        ))
    })?;
    Ok(())
}

fn read_reply(reader: &mut impl BufRead, depth: usize, budget: &mut usize) -> io::Result<Reply> {
    if depth > MAX_DEPTH {
        return Err(bad("nested too deeply"));
    }
    let line = read_line(reader)?;
    spend(budget, line.len() + 2)?;
    let (kind, rest) = line.split_at_checked(1).ok_or_else(|| bad("empty line"))?;
    Ok(match kind {
        "+" => Reply::Status(rest.to_owned()),
        "-" => Reply::Error(rest.to_owned()),
        ":" => Reply::Int(rest.parse().map_err(|_| bad(line.as_str()))?),
        "$" => match length(rest, MAX_BULK)? {
            None => Reply::Bulk(None),
            Some(len) => {
                spend(budget, len + 2)?;
                let mut data = vec![0; len + 2];
                reader.read_exact(&mut data)?;
                if !data.ends_with(b"\r\n") {
                    return Err(bad("bulk string not terminated by CRLF"));
                }
                data.truncate(len);
                Reply::Bulk(Some(String::from_utf8_lossy(&data).into_owned()))
            }
        },
        "*" => match length(rest, MAX_ARRAY)? {
            None => Reply::Array(None),
            Some(len) => {
                spend(budget, len.saturating_mul(ELEMENT_COST))?;
                Reply::Array(Some(
                    (0..len)
                        .map(|_| read_reply(reader, depth + 1, budget))
                        .collect::<io::Result<_>>()?,
                ))
            }
        },
        _ => return Err(bad(line.as_str())),
    })
}

#[cfg(test)]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> io::Result<Reply> {
        let mut budget = MAX_REPLY_BYTES;
        read_reply(&mut BufReader::new(bytes), 0, &mut budget)
    }

    fn bulk(s: &str) -> Reply {
        Reply::Bulk(Some(s.into()))
    }

    #[test]
    fn parses_every_reply_type() {
        assert_eq!(parse(b"+OK\r\n").unwrap(), Reply::Status("OK".into()));
        assert_eq!(
            parse(b"-NOREPLICAS Not enough good replicas\r\n").unwrap(),
            Reply::Error("NOREPLICAS Not enough good replicas".into())
        );
        assert_eq!(parse(b":-3\r\n").unwrap(), Reply::Int(-3));
        assert_eq!(parse(b"$-1\r\n").unwrap(), Reply::Bulk(None));
        assert_eq!(parse(b"*-1\r\n").unwrap(), Reply::Array(None));
        assert_eq!(
            parse(b"*2\r\n$4\r\na\r\nb\r\n:1\r\n").unwrap(),
            Reply::Array(Some(vec![bulk("a\r\nb"), Reply::Int(1)]))
        );
    }

    #[test]
    fn parses_nested_replies() {
        let text =
            b"*3\r\n$6\r\nmaster\r\n:42\r\n*1\r\n*3\r\n$4\r\nhost\r\n$4\r\n6379\r\n$1\r\n0\r\n";
        let reply = parse(text).unwrap();
        assert_eq!(reply.items()[0].text(), Some("master"));
        assert_eq!(reply.items()[1], Reply::Int(42));
        assert_eq!(reply.items()[2].items()[0].items()[1].text(), Some("6379"));
    }

    #[test]
    fn field_of_flat_map() {
        let reply = Reply::Array(Some(vec![
            bulk("name"),
            bulk("mymaster"),
            bulk("num-slaves"),
            bulk("2"),
        ]));
        assert_eq!(reply.field("num-slaves"), Some("2"));
        assert_eq!(reply.field("nope"), None);
    }

    #[test]
    fn refuses_malformed_and_hostile_replies() {
        for bad in [
            &b""[..],
            b"+OK",
            b"?\r\n",
            b"\r\n",
            b"$5\r\nab\r\n",
            b"$3\r\nabcde",
            b"$-2\r\n",
            b"$99999999999\r\n",
            b"$9223372036854775807\r\n",
            b"*99999999\r\n",
            b":x\r\n",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "*1\r\n".repeat(MAX_DEPTH + 2);
        assert!(parse(deep.as_bytes()).is_err());
        let long = format!("+{}\r\n", "x".repeat(MAX_LINE as usize));
        assert!(parse(long.as_bytes()).is_err());
    }

    #[test]
    fn a_reply_is_bounded_in_total_not_only_per_part() {
        // Three bulk strings of 6 MiB each: every one is under MAX_BULK, together they are
        // over the reply's budget; the third is refused before it is allocated.
        let part = 6 * 1024 * 1024;
        let mut text = b"*3\r\n".to_vec();
        for _ in 0..2 {
            text.extend_from_slice(format!("${part}\r\n").as_bytes());
            text.extend(std::iter::repeat_n(b'x', part));
            text.extend_from_slice(b"\r\n");
        }
        text.extend_from_slice(format!("${part}\r\n").as_bytes());
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("larger than 16 MiB in all"), "{err}");
        // A million-element array costs its elements' memory up front.
        let err = parse(b"*1000000\r\n").unwrap_err().to_string();
        assert!(err.contains("larger than"), "{err}");
    }
}
