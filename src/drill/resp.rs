//! A minimal RESP2 client over a `TcpStream`: enough for the probe (SET/WAIT/EXISTS), the
//! role sampler (ROLE, INFO) and Sentinel queries. Every call has a deadline, so a frozen or
//! partitioned instance costs a timeout, never a hang.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One RESP reply.
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

/// A connection to one Redis or Sentinel instance.
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    pub fn open(addr: SocketAddr, timeout: Duration) -> std::io::Result<Connection> {
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            reader: BufReader::new(stream),
        })
    }

    /// Change the deadline of the next calls (a `WAIT` needs longer than a `ROLE`).
    pub fn set_timeout(&mut self, timeout: Duration) -> std::io::Result<()> {
        self.reader.get_ref().set_read_timeout(Some(timeout))
    }

    /// Send one command and read its reply. An I/O error means the connection is unusable.
    pub fn call<S: AsRef<str>>(&mut self, args: &[S]) -> std::io::Result<Reply> {
        self.send(args)?;
        read_reply(&mut self.reader)
    }

    /// Send several commands in one write, then read their replies in order.
    pub fn pipeline<S: AsRef<str>>(&mut self, commands: &[Vec<S>]) -> std::io::Result<Vec<Reply>> {
        let mut out = Vec::new();
        for args in commands {
            encode(&mut out, args);
        }
        self.reader.get_mut().write_all(&out)?;
        commands
            .iter()
            .map(|_| read_reply(&mut self.reader))
            .collect()
    }

    fn send<S: AsRef<str>>(&mut self, args: &[S]) -> std::io::Result<()> {
        let mut out = Vec::new();
        encode(&mut out, args);
        self.reader.get_mut().write_all(&out)
    }
}

fn encode<S: AsRef<str>>(out: &mut Vec<u8>, args: &[S]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("bad RESP reply: {what}"),
    )
}

fn read_line(reader: &mut impl BufRead) -> std::io::Result<String> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn read_reply(reader: &mut impl BufRead) -> std::io::Result<Reply> {
    let line = read_line(reader)?;
    let (kind, rest) = line.split_at_checked(1).ok_or_else(|| bad("empty line"))?;
    let number = || rest.parse::<i64>().map_err(|_| bad(&line));
    Ok(match kind {
        "+" => Reply::Status(rest.to_string()),
        "-" => Reply::Error(rest.to_string()),
        ":" => Reply::Int(number()?),
        "$" => match usize::try_from(number()?) {
            Err(_) => Reply::Bulk(None),
            Ok(len) => {
                let mut buf = vec![0; len + 2];
                reader.read_exact(&mut buf)?;
                buf.truncate(len);
                Reply::Bulk(Some(String::from_utf8_lossy(&buf).into_owned()))
            }
        },
        "*" => match usize::try_from(number()?) {
            Err(_) => Reply::Array(None),
            Ok(len) => Reply::Array(Some(
                (0..len)
                    .map(|_| read_reply(reader))
                    .collect::<std::io::Result<_>>()?,
            )),
        },
        _ => return Err(bad(&line)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_replies() {
        let text =
            b"*3\r\n$6\r\nmaster\r\n:42\r\n*1\r\n*3\r\n$4\r\nhost\r\n$4\r\n6379\r\n$1\r\n0\r\n";
        let reply = read_reply(&mut &text[..]).unwrap();
        assert_eq!(reply.items()[0].text(), Some("master"));
        assert_eq!(reply.items()[1], Reply::Int(42));
        assert_eq!(reply.items()[2].items()[0].items()[1].text(), Some("6379"));
    }

    #[test]
    fn null_bulk_and_errors() {
        assert_eq!(read_reply(&mut &b"$-1\r\n"[..]).unwrap(), Reply::Bulk(None));
        assert_eq!(
            read_reply(&mut &b"-NOREPLICAS Not enough good replicas\r\n"[..]).unwrap(),
            Reply::Error("NOREPLICAS Not enough good replicas".into())
        );
        assert!(read_reply(&mut &b"?x\r\n"[..]).is_err());
    }

    #[test]
    fn field_of_flat_map() {
        let reply = Reply::Array(Some(vec![
            Reply::Bulk(Some("name".into())),
            Reply::Bulk(Some("mymaster".into())),
            Reply::Bulk(Some("num-slaves".into())),
            Reply::Bulk(Some("2".into())),
        ]));
        assert_eq!(reply.field("num-slaves"), Some("2"));
        assert_eq!(reply.field("nope"), None);
    }
}
