//! The DNS wire format (RFC 1035) of the drill's cluster DNS: one question in, the answer
//! out. Hand-written on purpose: the pods' resolvers (glibc, musl) ask only A and AAAA
//! questions over UDP, which takes ~100 lines, while `hickory-proto` with no default features
//! brings 33 crates this project does not build yet (ICU's idna tables, url, tracing …),
//! measured with `cargo tree -e normal` against this Cargo.lock.

use std::net::Ipv4Addr;

pub const TYPE_A: u16 = 1;
const TYPE_SOA: u16 = 6;
const CLASS_IN: u16 = 1;
const HEADER: usize = 12;

/// A parsed query: its id, flags, the question as sent, and the name (lower case, no
/// trailing dot) and type asked.
#[derive(Debug, PartialEq, Eq)]
pub struct Query {
    id: u16,
    flags: u16,
    question: Vec<u8>,
    pub name: String,
    pub qtype: u16,
}

/// What the server says to a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The name exists; these are its A records (none for another type: NODATA).
    Addresses(Vec<Ipv4Addr>),
    /// No such name (NXDOMAIN).
    NxDomain,
}

/// The query in `packet`, or `None` for anything that is not one standard query with one
/// question (the server drops those, as a resolver then retries or gives up).
pub fn parse(packet: &[u8]) -> Option<Query> {
    if packet.len() < HEADER {
        return None;
    }
    let word = |at: usize| u16::from_be_bytes([packet[at], packet[at + 1]]);
    let flags = word(2);
    // A response, or an opcode other than QUERY.
    if flags & 0x8000 != 0 || (flags >> 11) & 0xf != 0 || word(4) != 1 {
        return None;
    }
    let mut at = HEADER;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*packet.get(at)?);
        at += 1;
        if len == 0 {
            break;
        }
        // Compression pointers (0xc0) have no place in a question; labels are ≤ 63 bytes.
        if len > 63 {
            return None;
        }
        let label = packet.get(at..at + len)?;
        labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
        at += len;
    }
    let fixed = packet.get(at..at + 4)?;
    let qtype = u16::from_be_bytes([fixed[0], fixed[1]]);
    Some(Query {
        id: word(0),
        flags,
        question: packet[HEADER..at + 4].to_vec(),
        name: labels.join("."),
        qtype,
    })
}

fn encode_name(out: &mut Vec<u8>, name: &str) {
    for label in name.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len().min(63) as u8);
        out.extend_from_slice(&label.as_bytes()[..label.len().min(63)]);
    }
    out.push(0);
}

/// The response to `query`: authoritative, recursion available; A records with `ttl`, or,
/// for NXDOMAIN and NODATA, the zone's SOA whose minimum is `ttl` (how long a cache keeps the
/// denial, RFC 2308), as CoreDNS's kubernetes plugin answers.
pub fn response(query: &Query, answer: &Answer, zone: &str, ttl: u32) -> Vec<u8> {
    let addresses: &[Ipv4Addr] = match answer {
        Answer::Addresses(ips) if query.qtype == TYPE_A => ips,
        _ => &[],
    };
    let nxdomain = *answer == Answer::NxDomain;
    let soa = addresses.is_empty();
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(&query.id.to_be_bytes());
    // QR, the query's opcode and RD, AA, RA; RCODE 3 (NXDOMAIN) or 0.
    let flags = 0x8000 | (query.flags & 0x7900) | 0x0400 | 0x0080 | (u16::from(nxdomain) * 3);
    out.extend_from_slice(&flags.to_be_bytes());
    for count in [1, addresses.len() as u16, u16::from(soa), 0] {
        out.extend_from_slice(&count.to_be_bytes());
    }
    out.extend_from_slice(&query.question);
    for ip in addresses {
        // The name: a pointer to the question's (offset 12).
        out.extend_from_slice(&[0xc0, 0x0c]);
        out.extend_from_slice(&TYPE_A.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&ttl.to_be_bytes());
        out.extend_from_slice(&4u16.to_be_bytes());
        out.extend_from_slice(&ip.octets());
    }
    if soa {
        encode_name(&mut out, zone);
        out.extend_from_slice(&TYPE_SOA.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&ttl.to_be_bytes());
        let mut rdata = Vec::new();
        encode_name(&mut rdata, &format!("ns.dns.{zone}"));
        encode_name(&mut rdata, &format!("hostmaster.{zone}"));
        // serial, refresh, retry, expire, minimum: CoreDNS's values, the minimum its TTL.
        for value in [1u32, 7200, 1800, 86400, ttl] {
            rdata.extend_from_slice(&value.to_be_bytes());
        }
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(&rdata);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str, qtype: u16) -> Vec<u8> {
        let mut out = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        encode_name(&mut out, name);
        out.extend_from_slice(&qtype.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out
    }

    #[test]
    fn parses_a_question_in_lower_case() {
        let q = parse(&query("Redis-0.Redis-Headless.ns.svc.cluster.local", 28)).unwrap();
        assert_eq!(q.name, "redis-0.redis-headless.ns.svc.cluster.local");
        assert_eq!(q.qtype, 28);
        assert_eq!(q.id, 0x1234);
    }

    #[test]
    fn drops_what_is_not_a_query() {
        assert_eq!(parse(&[0; 5]), None);
        let mut answer = query("a.b", TYPE_A);
        answer[2] |= 0x80;
        assert_eq!(parse(&answer), None);
        let mut truncated = query("a.b", TYPE_A);
        truncated.truncate(15);
        assert_eq!(parse(&truncated), None);
    }

    #[test]
    fn answers_a_records_with_the_ttl() {
        let q = parse(&query("redis.ns.svc.cluster.local", TYPE_A)).unwrap();
        let ips = vec![Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2)];
        let out = response(&q, &Answer::Addresses(ips), "cluster.local", 5);
        assert_eq!(&out[..2], &[0x12, 0x34]);
        assert_eq!(out[3] & 0x0f, 0, "NOERROR");
        assert_eq!(&out[6..8], &[0, 2], "two answers");
        assert_eq!(&out[8..10], &[0, 0], "no SOA");
        let tail = &out[out.len() - 4..];
        assert_eq!(tail, &[10, 0, 0, 2]);
        let ttl_at = out.len() - 4 - 2 - 4;
        assert_eq!(&out[ttl_at..ttl_at + 4], &5u32.to_be_bytes());
    }

    #[test]
    fn nxdomain_and_nodata_carry_the_soa() {
        let q = parse(&query("nope.ns.svc.cluster.local", TYPE_A)).unwrap();
        let out = response(&q, &Answer::NxDomain, "cluster.local", 5);
        assert_eq!(out[3] & 0x0f, 3, "NXDOMAIN");
        assert_eq!(&out[8..10], &[0, 1]);
        let aaaa = parse(&query("redis.ns.svc.cluster.local", 28)).unwrap();
        let ips = vec![Ipv4Addr::new(10, 0, 0, 1)];
        let out = response(&aaaa, &Answer::Addresses(ips), "cluster.local", 5);
        assert_eq!(out[3] & 0x0f, 0, "NODATA is NOERROR");
        assert_eq!(&out[6..8], &[0, 0]);
        assert_eq!(&out[8..10], &[0, 1]);
    }
}
