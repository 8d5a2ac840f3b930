//! A small, blocking RESP2 client: enough to ask Redis and Sentinel questions (`INFO`, `ROLE`,
//! `SENTINEL …`) over TCP with timeouts. Shared by `status` and the drill's probes.
//!
//! Replies from the network are untrusted: lengths are bounded and nesting is limited, so a
//! misbehaving peer gives an error, never a panic or an unbounded allocation.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Bulk strings larger than this are refused (INFO is a few KiB).
const MAX_BULK: usize = 64 * 1024 * 1024;
/// Arrays longer than this are refused.
const MAX_ARRAY: usize = 1024 * 1024;
/// Status lines longer than this are refused.
const MAX_LINE: u64 = 64 * 1024;
/// Replies nested deeper than this are refused (ROLE nests three levels).
const MAX_DEPTH: usize = 16;

/// One RESP2 reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Simple(String),
    Error(String),
    Integer(i64),
    Bulk(Vec<u8>),
    Nil,
    Array(Vec<Value>),
}

impl Value {
    /// The reply as text, for simple, bulk and integer replies.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Simple(s) => Some(s.clone()),
            Value::Bulk(b) => Some(String::from_utf8_lossy(b).into_owned()),
            Value::Integer(i) => Some(i.to_string()),
            _ => None,
        }
    }

    /// The elements of an array reply as text (non-text elements are skipped).
    pub fn texts(&self) -> Option<Vec<String>> {
        match self {
            Value::Array(items) => Some(items.iter().filter_map(Value::text).collect()),
            _ => None,
        }
    }
}

/// One TCP connection to a Redis or Sentinel server.
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// Connect with `timeout` for the connection and for every later read and write.
    pub fn open(addr: SocketAddr, timeout: Duration) -> io::Result<Connection> {
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            reader: BufReader::new(stream),
        })
    }

    /// Send one command and read its reply. An error *reply* is `Ok(Value::Error)`; `Err` means
    /// the connection failed.
    pub fn call<S: AsRef<[u8]>>(&mut self, args: &[S]) -> io::Result<Value> {
        let mut request = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            let arg = arg.as_ref();
            request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            request.extend_from_slice(arg);
            request.extend_from_slice(b"\r\n");
        }
        self.reader.get_mut().write_all(&request)?;
        read_value(&mut self.reader, 0)
    }
}

fn protocol_error(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

fn read_line(reader: &mut impl BufRead) -> io::Result<String> {
    let mut line = Vec::new();
    reader
        .by_ref()
        .take(MAX_LINE)
        .read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\r\n") {
        return Err(protocol_error("connection closed in the middle of a reply"));
    }
    line.truncate(line.len() - 2);
    Ok(String::from_utf8_lossy(&line).into_owned())
}

fn read_length(text: &str, max: usize) -> io::Result<Option<usize>> {
    let n: i64 = text
        .parse()
        .map_err(|_| protocol_error(format!("bad length {text:?}")))?;
    match usize::try_from(n) {
        Ok(n) if n <= max => Ok(Some(n)),
        Ok(n) => Err(protocol_error(format!(
            "reply of {n} elements/bytes is too large"
        ))),
        Err(_) if n == -1 => Ok(None),
        Err(_) => Err(protocol_error(format!("bad length {n}"))),
    }
}

fn read_value(reader: &mut impl BufRead, depth: usize) -> io::Result<Value> {
    if depth > MAX_DEPTH {
        return Err(protocol_error("reply nested too deeply"));
    }
    let line = read_line(reader)?;
    let (kind, rest) = line.split_at_checked(1).unwrap_or(("", ""));
    match kind {
        "+" => Ok(Value::Simple(rest.to_owned())),
        "-" => Ok(Value::Error(rest.to_owned())),
        ":" => rest
            .parse()
            .map(Value::Integer)
            .map_err(|_| protocol_error(format!("bad integer {rest:?}"))),
        "$" => match read_length(rest, MAX_BULK)? {
            None => Ok(Value::Nil),
            Some(len) => {
                let mut data = vec![0; len + 2];
                reader.read_exact(&mut data)?;
                if !data.ends_with(b"\r\n") {
                    return Err(protocol_error("bulk string not terminated by CRLF"));
                }
                data.truncate(len);
                Ok(Value::Bulk(data))
            }
        },
        "*" => match read_length(rest, MAX_ARRAY)? {
            None => Ok(Value::Nil),
            Some(len) => (0..len)
                .map(|_| read_value(reader, depth + 1))
                .collect::<io::Result<Vec<_>>>()
                .map(Value::Array),
        },
        _ => Err(protocol_error(format!("unexpected reply line {line:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> io::Result<Value> {
        read_value(&mut BufReader::new(bytes), 0)
    }

    #[test]
    fn parses_every_reply_type() {
        assert_eq!(parse(b"+OK\r\n").unwrap(), Value::Simple("OK".into()));
        assert_eq!(
            parse(b"-ERR no\r\n").unwrap(),
            Value::Error("ERR no".into())
        );
        assert_eq!(parse(b":-3\r\n").unwrap(), Value::Integer(-3));
        assert_eq!(parse(b"$-1\r\n").unwrap(), Value::Nil);
        assert_eq!(parse(b"*-1\r\n").unwrap(), Value::Nil);
        assert_eq!(
            parse(b"*2\r\n$4\r\na\r\nb\r\n:1\r\n").unwrap(),
            Value::Array(vec![Value::Bulk(b"a\r\nb".to_vec()), Value::Integer(1)])
        );
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
            b"*99999999\r\n",
            b":x\r\n",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "*1\r\n".repeat(MAX_DEPTH + 2);
        assert!(parse(deep.as_bytes()).is_err());
    }
}
