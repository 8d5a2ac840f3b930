//! Property tests of the RESP reader: whatever a server sends, the reader answers with a
//! reply or an error — never a panic, never more than the reply budget — and a well-formed
//! reply reads back as what was sent, while any cut of it is an error.

use super::{MAX_DEPTH, MAX_REPLY_BYTES, Reply, read_reply};
use proptest::prelude::*;
use std::io::{self, BufReader};

fn parse(bytes: &[u8]) -> io::Result<Reply> {
    let mut budget = MAX_REPLY_BYTES;
    read_reply(&mut BufReader::new(bytes), 0, &mut budget)
}

/// What a server would send for `reply`.
fn encode(reply: &Reply, out: &mut Vec<u8>) {
    match reply {
        Reply::Status(s) => out.extend_from_slice(format!("+{s}\r\n").as_bytes()),
        Reply::Error(s) => out.extend_from_slice(format!("-{s}\r\n").as_bytes()),
        Reply::Int(n) => out.extend_from_slice(format!(":{n}\r\n").as_bytes()),
        Reply::Bulk(None) => out.extend_from_slice(b"$-1\r\n"),
        Reply::Bulk(Some(s)) => {
            out.extend_from_slice(format!("${}\r\n{s}\r\n", s.len()).as_bytes());
        }
        Reply::Array(None) => out.extend_from_slice(b"*-1\r\n"),
        Reply::Array(Some(items)) => {
            out.extend_from_slice(format!("*{}\r\n", items.len()).as_bytes());
            items.iter().for_each(|item| encode(item, out));
        }
    }
}

/// Replies as Redis and Sentinel send them: simple strings without CR/LF, bulk strings with
/// anything, arrays nested a few levels.
fn reply() -> impl Strategy<Value = Reply> {
    let line = "[^\r\n]{0,40}";
    let leaf = prop_oneof![
        line.prop_map(Reply::Status),
        line.prop_map(Reply::Error),
        any::<i64>().prop_map(Reply::Int),
        proptest::option::of(".{0,60}").prop_map(Reply::Bulk),
        Just(Reply::Array(None)),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        proptest::collection::vec(inner, 0..8).prop_map(|items| Reply::Array(Some(items)))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_give_a_reply_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(&bytes);
    }

    #[test]
    fn any_header_with_any_body_gives_a_reply_or_an_error(
        kind in prop_oneof![Just('+'), Just('-'), Just(':'), Just('$'), Just('*')],
        header in "-?[0-9]{0,20}",
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut bytes = format!("{kind}{header}\r\n").into_bytes();
        bytes.extend(body);
        let _ = parse(&bytes);
    }

    #[test]
    fn a_reply_reads_back_as_sent(reply in reply()) {
        let mut bytes = Vec::new();
        encode(&reply, &mut bytes);
        prop_assert_eq!(parse(&bytes).expect("a well-formed reply"), reply);
    }

    #[test]
    fn a_reply_cut_short_is_an_error(reply in reply(), cut in any::<prop::sample::Index>()) {
        let mut bytes = Vec::new();
        encode(&reply, &mut bytes);
        let cut = cut.index(bytes.len());
        prop_assert!(parse(&bytes[..cut]).is_err(), "{:?}", String::from_utf8_lossy(&bytes[..cut]));
    }
}

#[test]
fn nesting_past_the_limit_is_an_error_at_any_depth() {
    for depth in MAX_DEPTH + 1..MAX_DEPTH + 40 {
        let text = format!("{}:1\r\n", "*1\r\n".repeat(depth));
        assert!(parse(text.as_bytes()).is_err(), "depth {depth}");
    }
}
