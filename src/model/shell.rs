//! Just enough of POSIX shell to read start scripts: simple commands with their words,
//! output redirections and here-documents. Anything fancier is read as plain words,
//! which is what the rules need (which binary runs, what is copied or written where).

use std::borrow::Cow;
use std::str::Chars;

/// One simple command of a script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    /// Words with quotes removed; `$VAR` and `$(...)` are kept verbatim.
    pub words: Vec<String>,
    /// 0-based line of the command inside the script.
    pub line: usize,
    /// `> path` or `>> path`.
    pub output: Option<String>,
    /// The output redirection appends (`>>`).
    pub append: bool,
    /// Body of a here-document (`<<EOF`) and the 0-based line of its first body line.
    pub heredoc: Option<(String, usize)>,
    /// The command opened a `{ …; }` or `( … )` group (the brace is not kept in `words`).
    pub opens_group: bool,
}

/// The `output` of a command whose standard output goes to another descriptor (`>&2`).
pub const DESCRIPTOR: &str = "&";

/// Split a script into simple commands.
pub fn commands(script: &str) -> Vec<Command> {
    let mut out = split(script);
    apply_group_redirects(&mut out);
    out
}

/// `{ …; } > file` and `( … ) > file`: the commands of the group write to the group's file
/// (the first one truncating it when the group does, the others appending).
fn apply_group_redirects(commands: &mut [Command]) {
    let mut open: Vec<usize> = Vec::new();
    for i in 0..commands.len() {
        let words = &commands[i].words;
        let first = words.first().map(String::as_str);
        if matches!(first, Some("{" | "(")) {
            commands[i].words.remove(0);
            commands[i].opens_group = true;
            open.push(i);
        } else if words.last().is_some_and(|w| w == "{") {
            open.push(i);
        } else if words.len() == 1 && matches!(first, Some("}" | ")")) {
            let Some(start) = open.pop() else { continue };
            let Some(target) = commands[i].output.clone() else {
                continue;
            };
            let mut append = commands[i].append;
            for c in &mut commands[start..i] {
                if c.output.is_none() && !c.words.is_empty() {
                    c.output = Some(target.clone());
                    c.append = append;
                    append = true;
                }
            }
        }
    }
}

fn split(script: &str) -> Vec<Command> {
    let lines: Vec<&str> = script.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let mut logical = Cow::Borrowed(lines[i]);
        while logical.ends_with('\\') && i + 1 < lines.len() {
            let joined = logical.to_mut();
            joined.pop();
            i += 1;
            joined.push(' ');
            joined.push_str(lines[i]);
        }
        i += 1;
        // A quoted word runs on over lines, its newlines kept (`echo "port 1
        // sentinel …" > f`): the shell reads on until the quote closes.
        while ends_in_quote(&logical) && i < lines.len() {
            let joined = logical.to_mut();
            joined.push('\n');
            joined.push_str(lines[i]);
            i += 1;
        }
        let first = out.len();
        split_line(&logical, start, &mut out);
        for command in &mut out[first..] {
            if let Some(delimiter) = command.heredoc.take().map(|(d, _)| d) {
                let body_start = i;
                while i < lines.len() && lines[i].trim() != delimiter {
                    i += 1;
                }
                // A second here-document on a line whose first ran to the end has no body.
                let body = lines
                    .get(body_start..i.min(lines.len()))
                    .unwrap_or_default()
                    .join("\n");
                command.heredoc = Some((body, body_start));
                i += 1;
            }
        }
    }
    out
}

#[derive(PartialEq)]
enum Pending {
    Nothing,
    Output,
    Heredoc,
}

/// Append the commands of one logical line to `commands`. A here-document's delimiter is
/// returned in `heredoc.0`.
fn split_line(line: &str, line_no: usize, commands: &mut Vec<Command>) {
    let mut command = Command {
        line: line_no,
        ..Command::default()
    };
    let mut word = String::new();
    let mut in_word = false;
    let mut pending = Pending::Nothing;
    let mut chars = line.chars();
    let mut depth = 0usize;

    let finish_word =
        |word: &mut String, in_word: &mut bool, command: &mut Command, pending: &mut Pending| {
            if !*in_word {
                return;
            }
            // A copy of the exact size; the buffer is reused for the next word.
            let w = word.as_str().to_owned();
            word.clear();
            match pending {
                Pending::Output => command.output = Some(w),
                Pending::Heredoc => command.heredoc = Some((w, 0)),
                Pending::Nothing => command.words.push(w),
            }
            *pending = Pending::Nothing;
            *in_word = false;
        };

    while let Some(c) = chars.next() {
        match c {
            '\'' if depth == 0 => {
                in_word = true;
                let rest = chars.as_str();
                let end = rest.find('\'').unwrap_or(rest.len());
                word.push_str(&rest[..end]);
                chars = rest.get(end + 1..).unwrap_or_default().chars();
            }
            '"' if depth == 0 => {
                in_word = true;
                loop {
                    push_run(&mut word, &mut chars, b"\"\\");
                    match chars.next() {
                        Some('\\') => {
                            if let Some(e) = chars.next() {
                                if !matches!(e, '"' | '\\' | '$' | '`') {
                                    word.push('\\');
                                }
                                word.push(e);
                            }
                        }
                        _ => break,
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    word.push(e);
                }
            }
            '$' if next_is(&chars, b'(') => {
                in_word = true;
                word.push(c);
                word.push('(');
                chars.next();
                depth += 1;
            }
            ')' if depth > 0 => {
                word.push(c);
                depth -= 1;
            }
            _ if depth > 0 => {
                word.push(c);
                push_run(&mut word, &mut chars, b"\\$)");
            }
            '#' if !in_word => break,
            // Indentation and runs of blanks end no word.
            ' ' | '\t' if !in_word => {}
            ' ' | '\t' => finish_word(&mut word, &mut in_word, &mut command, &mut pending),
            ';' | '&' | '|' => {
                finish_word(&mut word, &mut in_word, &mut command, &mut pending);
                push_command(commands, &mut command, line_no);
            }
            '>' => {
                // A digit prefix names a descriptor (`2>`): its target is not the output file.
                let fd_prefix = in_word && word.chars().all(|d| d.is_ascii_digit());
                if fd_prefix {
                    word.clear();
                    in_word = false;
                }
                // `>&2`, `2>&1` duplicate descriptors; they write no file.
                if next_is(&chars, b'&') {
                    chars.next();
                    while chars
                        .as_str()
                        .bytes()
                        .next()
                        .is_some_and(|d| d.is_ascii_digit() || d == b'-')
                    {
                        chars.next();
                    }
                    if !fd_prefix {
                        command.output = Some(DESCRIPTOR.to_string());
                    }
                    continue;
                }
                finish_word(&mut word, &mut in_word, &mut command, &mut pending);
                if next_is(&chars, b'>') {
                    chars.next();
                    command.append = !fd_prefix;
                }
                if fd_prefix {
                    // `2> file`: swallow the target word.
                    while next_is(&chars, b' ') {
                        chars.next();
                    }
                    for n in chars.by_ref() {
                        if n == ' ' {
                            break;
                        }
                    }
                } else {
                    pending = Pending::Output;
                }
            }
            '<' => {
                finish_word(&mut word, &mut in_word, &mut command, &mut pending);
                if next_is(&chars, b'<') {
                    chars.next();
                    if next_is(&chars, b'-') {
                        chars.next();
                    }
                    pending = Pending::Heredoc;
                }
            }
            _ => {
                in_word = true;
                word.push(c);
                push_run(&mut word, &mut chars, b"'\"\\$ \t;&|><");
            }
        }
    }
    finish_word(&mut word, &mut in_word, &mut command, &mut pending);
    push_command(commands, &mut command, line_no);
}

/// Whether `text` ends inside a quoted word: read as `split_line` reads it (`'…'` literal,
/// `"…"` with backslash escapes, a backslash escaping outside quotes, `#` at a word's start
/// a comment to the end of the line).
fn ends_in_quote(text: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('"'), '\\') | (None, '\\') => {
                chars.next();
                in_word = true;
            }
            (Some(_), _) => {}
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#') if !in_word => {
                // A comment runs to the end of its line.
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            (None, ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>') => in_word = false,
            (None, _) => in_word = true,
        }
    }
    quote.is_some()
}

/// Whether the next character is the ASCII `byte`.
fn next_is(chars: &Chars, byte: u8) -> bool {
    chars.as_str().as_bytes().first() == Some(&byte)
}

/// Move the characters up to the next of the ASCII `stops` from `chars` onto `word` in one
/// copy: most of a script is plain word characters, and pushing them one by one was the
/// slowest part of reading it.
fn push_run(word: &mut String, chars: &mut Chars, stops: &[u8]) {
    let rest = chars.as_str();
    let end = rest
        .bytes()
        .position(|b| stops.contains(&b))
        .unwrap_or(rest.len());
    word.push_str(&rest[..end]);
    *chars = rest[end..].chars();
}

fn push_command(commands: &mut Vec<Command>, command: &mut Command, line_no: usize) {
    let done = std::mem::replace(
        command,
        Command {
            line: line_no,
            ..Command::default()
        },
    );
    if !done.words.is_empty() || done.output.is_some() || done.heredoc.is_some() {
        commands.push(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_quotes_and_separators() {
        let c =
            commands("exec redis-server \"/etc/redis/redis.conf\" --port '6379'; echo a && echo b");
        assert_eq!(c.len(), 3);
        assert_eq!(
            c[0].words,
            [
                "exec",
                "redis-server",
                "/etc/redis/redis.conf",
                "--port",
                "6379"
            ]
        );
        assert_eq!(c[2].words, ["echo", "b"]);
    }

    #[test]
    fn redirections_heredocs_and_continuations() {
        let script = "#!/bin/sh\ncp /src/a.conf \\\n  /data/a.conf\ncat > /data/s.conf <<'EOF'\nport 1\nsentinel x\nEOF\necho \"x $(hostname -f) y\" >> /data/s.conf 2>&1\nif [ \"$(hostname)\" = \"redis-0\" ]; then # why\n  :\nfi\n";
        let c = commands(script);
        assert_eq!(c[0].words, ["cp", "/src/a.conf", "/data/a.conf"]);
        assert_eq!(c[0].line, 1);
        assert_eq!(c[1].output.as_deref(), Some("/data/s.conf"));
        assert_eq!(c[1].heredoc, Some(("port 1\nsentinel x".to_string(), 4)));
        assert_eq!(c[2].words, ["echo", "x $(hostname -f) y"]);
        assert_eq!(c[2].output.as_deref(), Some("/data/s.conf"));
        assert_eq!(c[2].line, 7);
        assert!(c[2].append && !c[1].append);
        assert_eq!(c[3].words, ["if", "[", "$(hostname)", "=", "redis-0", "]"]);
        assert_eq!(c[4].words, ["then"]);
    }

    /// A quoted word runs over lines as in the shell: `echo "port 1\nsentinel x" > f` is one
    /// command whose word keeps the newlines, and the commands after it keep their lines.
    #[test]
    fn a_quoted_word_spans_lines() {
        let script = "echo \"port 26379\nsentinel monitor m r-0.r 6379 2 # not a comment\" > /s.conf\necho 'a\n\nb' >> /s.conf\nexec redis-sentinel /s.conf # don't\n";
        let c = commands(script);
        assert_eq!(c.len(), 3, "{c:?}");
        assert_eq!(
            c[0].words,
            [
                "echo",
                "port 26379\nsentinel monitor m r-0.r 6379 2 # not a comment"
            ]
        );
        assert_eq!(c[0].output.as_deref(), Some("/s.conf"));
        assert_eq!(c[0].line, 0);
        assert_eq!(c[1].words, ["echo", "a\n\nb"]);
        assert_eq!(c[1].line, 2);
        assert_eq!(c[2].words, ["exec", "redis-sentinel", "/s.conf"]);
        assert_eq!(c[2].line, 5);
        // An escaped quote opens nothing; a quote that never closes ends at the script's end.
        assert_eq!(commands("echo \\\"a\necho b\n").len(), 2);
        assert_eq!(commands("echo \"a\necho b\n").len(), 1);
    }

    #[test]
    fn a_second_heredoc_after_an_unterminated_first_has_no_body() {
        let c = commands("cat <<A; cat <<B\n");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].heredoc, Some((String::new(), 1)));
        assert_eq!(c[1].heredoc, Some((String::new(), 2)));
    }

    #[test]
    fn group_redirections_reach_the_commands_inside() {
        let c = commands(
            "f() {\n  {\n    cat /config/a.conf\n    echo x >&2\n    echo \"b 1\"\n  } >\"$F.new\"\n  mv \"$F.new\" \"$F\"\n}\n",
        );
        let out: Vec<_> = c
            .iter()
            .map(|c| (c.words.join(" "), c.output.clone(), c.append))
            .collect();
        assert_eq!(
            out[2],
            ("cat /config/a.conf".into(), Some("$F.new".into()), false)
        );
        assert_eq!(out[3], ("echo x".into(), Some(DESCRIPTOR.into()), false));
        assert_eq!(out[4], ("echo b 1".into(), Some("$F.new".into()), true));
    }
}
