//! Redis's `sdssplitargs`: the tokenizer of configuration lines (and of `redis-cli`).

/// Split one line into words as Redis does; `None` when quotes are unbalanced or a closing
/// quote is not followed by a space (Redis refuses to load such a line).
pub fn split_args(line: &str) -> Option<Vec<String>> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let mut p = 0;
    loop {
        while p < bytes.len() && bytes[p].is_ascii_whitespace() {
            p += 1;
        }
        if p >= bytes.len() {
            return Some(words);
        }
        let (word, next) = split_word(bytes, p)?;
        words.push(String::from_utf8_lossy(&word).into_owned());
        p = next;
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Quote {
    None,
    Double,
    Single,
}

/// One word starting at `p`: its bytes and the index after it.
fn split_word(bytes: &[u8], mut p: usize) -> Option<(Vec<u8>, usize)> {
    let at = |i: usize| bytes.get(i).copied();
    let mut word = Vec::new();
    let mut quote = Quote::None;
    loop {
        let Some(c) = at(p) else {
            // End of line inside quotes is an error; outside it ends the word.
            return (quote == Quote::None).then_some((word, p));
        };
        match quote {
            Quote::Double => {
                if c == b'\\' && at(p + 1) == Some(b'x') && hex_byte(at(p + 2), at(p + 3)).is_some()
                {
                    word.extend(hex_byte(at(p + 2), at(p + 3)));
                    p += 3;
                } else if c == b'\\' && at(p + 1).is_some() {
                    p += 1;
                    word.push(match bytes[p] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    return closing_quote(bytes, p, word);
                } else {
                    word.push(c);
                }
            }
            Quote::Single => {
                if c == b'\\' && at(p + 1) == Some(b'\'') {
                    p += 1;
                    word.push(b'\'');
                } else if c == b'\'' {
                    return closing_quote(bytes, p, word);
                } else {
                    word.push(c);
                }
            }
            Quote::None => match c {
                b' ' | b'\n' | b'\r' | b'\t' => return Some((word, p)),
                b'"' => quote = Quote::Double,
                b'\'' => quote = Quote::Single,
                _ => word.push(c),
            },
        }
        p += 1;
    }
}

/// A closing quote must be followed by a space or the end of the line.
fn closing_quote(bytes: &[u8], p: usize, word: Vec<u8>) -> Option<(Vec<u8>, usize)> {
    match bytes.get(p + 1) {
        Some(c) if !c.is_ascii_whitespace() => None,
        _ => Some((word, p + 1)),
    }
}

fn hex_byte(hi: Option<u8>, lo: Option<u8>) -> Option<u8> {
    let digit = |c: Option<u8>| (c? as char).to_digit(16);
    Some((digit(hi)? * 16 + digit(lo)?) as u8)
}
