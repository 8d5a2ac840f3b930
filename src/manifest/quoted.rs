//! Single-line quoted scalars (`'…'`, `"…"`), for the block-style reader.
//!
//! A quoted scalar that goes on past its line folds line breaks by rules the reader leaves to
//! saphyr; on one line the rules are short: `''` in single quotes, and YAML 1.2's escapes
//! (§5.7) in double quotes, which saphyr knows all of.

/// The quoted scalar at the start of `text` (which starts with its quote): its value and its
/// length in bytes, quotes included. `None` when it does not close on this line or has an
/// escape saphyr refuses.
pub(crate) fn read(text: &str) -> Option<(String, usize)> {
    match text.as_bytes().first()? {
        b'\'' => single(text),
        b'"' => double(text),
        _ => None,
    }
}

fn single(text: &str) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut rest = &text[1..];
    loop {
        let close = rest.find('\'')?;
        value.push_str(&rest[..close]);
        if rest[close + 1..].starts_with('\'') {
            value.push('\'');
            rest = &rest[close + 2..];
        } else {
            let len = text.len() - rest.len() + close + 1;
            return Some((value, len));
        }
    }
}

fn double(text: &str) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, i + 1)),
            '\\' => {
                let (_, escape) = chars.next()?;
                let code_length = match escape {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    _ => {
                        value.push(simple_escape(escape)?);
                        continue;
                    }
                };
                let mut code = 0u32;
                for _ in 0..code_length {
                    let (_, digit) = chars.next()?;
                    code = (code << 4) + digit.to_digit(16)?;
                }
                value.push(char::from_u32(code)?);
            }
            _ => value.push(c),
        }
    }
    None
}

/// The character of a one-letter escape (`\n`, `\t`, `\"`…).
fn simple_escape(escape: char) -> Option<char> {
    Some(match escape {
        '0' => '\0',
        'a' => '\x07',
        'b' => '\x08',
        't' | '\t' => '\t',
        'n' => '\n',
        'v' => '\x0b',
        'f' => '\x0c',
        'r' => '\r',
        'e' => '\x1b',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        _ => return None,
    })
}
