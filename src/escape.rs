//! Attacker-controlled text made safe to print on a terminal or in a CI log.
//!
//! File names, object names, annotation keys, profile values and server replies reach our
//! output. Printed raw, a control character moves the cursor, clears the screen or retitles
//! the terminal (ESC, BEL, CR), and a line break followed by `::` is a GitHub Actions
//! workflow command (`::add-mask::`, `::stop-commands::`, a forged `::error`). Every such
//! string is printed through one of these functions, which show control characters as
//! visible escapes (`\n`, `\r`, `\x1b`, `\u{9b}`) instead.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` on one line: every control character (line breaks included, tab excepted) and every
/// bidirectional-override character shown as an escape.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_escape(c) || c == '\n') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// A message of ours that may span lines (an error with a hint on its second line) and may
/// quote user text: line breaks are kept, except one that would start a line with `::` (a
/// workflow command), which is shown as `\n` like every other control character.
pub fn message(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) && !s.contains("::") {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (at, c) in s.char_indices() {
        match c {
            '\n' if starts_command(&s[at + 1..]) => out.push_str("\\n"),
            '\n' => out.push('\n'),
            c => push_escaped(&mut out, c),
        }
    }
    Cow::Owned(out)
}

/// Whether a line of `rest` would be read as a workflow command: GitHub's runner trims
/// leading blanks before looking for `::`.
fn starts_command(rest: &str) -> bool {
    rest.trim_start_matches([' ', '\t']).starts_with("::")
}

/// Control characters other than tab and line feed, and the bidirectional controls that
/// make text display in another order than it is read ("Trojan Source").
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if c.is_ascii() && needs_escape(c) => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if needs_escape(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// `s` as XML 1.0 character data or attribute value: the five markup characters and line
/// feeds as references (a line feed is one of ours: input text reaches here through
/// `printable`, or is escaped now), other control characters and the non-characters
/// U+FFFE/U+FFFF, which XML 1.0 cannot carry at all, shown as escapes.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\u{fffe}' | '\u{ffff}' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push_str(&printable(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            xml("a<b>&\"c' \x1b[2J\x07 \u{ffff}\tok"),
            "a&lt;b&gt;&amp;&quot;c&apos; \\x1b[2J\\x07 \\u{ffff}\tok"
        );
        assert_eq!(xml("x\r\n::error::y"), "x\\r&#10;::error::y");
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(
            printable("a\n::error file=evil.yaml,line=1::INJECTED\x1b[2J\x07\r\x7f\u{9b}"),
            "a\\n::error file=evil.yaml,line=1::INJECTED\\x1b[2J\\x07\\r\\x7f\\u{9b}"
        );
        assert_eq!(printable("tab\tstays"), "tab\tstays");
        assert_eq!(printable("abc\u{202e}cba"), "abc\\u{202e}cba");
        assert!(matches!(printable("plain: text é"), Cow::Borrowed(_)));
    }

    #[test]
    fn messages_keep_their_lines_but_never_start_one_with_two_colons() {
        assert_eq!(
            message("unknown field `x`\n  valid fields: a, b"),
            "unknown field `x`\n  valid fields: a, b"
        );
        assert_eq!(
            message("bad `a\n::error::INJECTED` and\n \t::add-mask::x\x1b]0;title\x07"),
            "bad `a\\n::error::INJECTED` and\\n \t::add-mask::x\\x1b]0;title\\x07"
        );
        assert_eq!(message("a::b\nc"), "a::b\nc");
    }

    #[test]
    fn no_output_line_starts_a_workflow_command() {
        let hostile = "x\n::stop-commands::t\r\n::error::y\n\n::z";
        for shown in [printable(hostile), message(hostile)] {
            assert!(
                shown.lines().all(|l| !l.trim_start().starts_with("::")),
                "{shown}"
            );
        }
    }
}
