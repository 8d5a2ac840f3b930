//! Shell functions of start scripts: a server started inside a function (often one of a
//! library script the start script sources) gets its arguments from the function's call,
//! `start_redis /etc/redis/redis.conf --requirepass "$PASS"` →
//! `exec redis-server "$conf" "$@"`. Scripts are read, not run: the first call met in
//! reading order gives the arguments, and only plain forms are followed (`$1`…`$9`,
//! `${N}`, `"$@"`, `$*`, `shift [N]`, and `local NAME="$N"` before the `exec`).

use super::shell::Command;

/// The name a command defines a function with: `name() {`, `name () {`, `function name {`,
/// `function name() {`.
fn defines(cmd: &Command) -> Option<&str> {
    let words: Vec<&str> = cmd.words.iter().map(String::as_str).collect();
    let name = match *words.as_slice() {
        ["function", name, "{"] | ["function", name, "()", "{"] => {
            name.strip_suffix("()").unwrap_or(name)
        }
        [name, "()", "{"] => name,
        [name, "{"] => name.strip_suffix("()")?,
        _ => return None,
    };
    (!name.is_empty() && !name.contains('$')).then_some(name)
}

fn opens(cmd: &Command) -> bool {
    cmd.opens_group || cmd.words.last().is_some_and(|w| w == "{")
}

fn closes(cmd: &Command) -> bool {
    matches!(cmd.words.as_slice(), [w] if w == "}" || w == ")")
}

/// The function whose body holds command `index` of `commands`: its name and the index of
/// its defining command.
pub fn enclosing(commands: &[Command], index: usize) -> Option<(&str, usize)> {
    // Each open block, innermost last: the defining command's index, and the name when the
    // block is a function's body.
    let mut open: Vec<(usize, Option<&str>)> = Vec::new();
    for (i, cmd) in commands.iter().enumerate().take(index) {
        if closes(cmd) {
            open.pop();
        }
        if opens(cmd) {
            open.push((i, defines(cmd)));
        }
    }
    open.iter().rev().find_map(|&(i, name)| Some((name?, i)))
}

/// The arguments of the first call of `name` in `scripts` (in reading order), outside the
/// function's own body.
pub fn call_arguments<'a>(scripts: &[&'a [Command]], name: &str) -> Option<&'a [String]> {
    scripts.iter().find_map(|commands| {
        commands.iter().enumerate().find_map(|(i, cmd)| {
            let words = match cmd.words.first().map(String::as_str) {
                Some("exec") => &cmd.words[1..],
                _ => &cmd.words[..],
            };
            let inside = enclosing(commands, i).is_some_and(|(f, _)| f == name);
            (words.first().is_some_and(|w| w == name) && !inside).then(|| &words[1..])
        })
    })
}

/// Positional parameter `$N`/`${N}` (1-based) named by `word`, if the whole word is one.
fn positional(word: &str) -> Option<usize> {
    let digits = word
        .strip_prefix("${")
        .and_then(|w| w.strip_suffix('}'))
        .or_else(|| word.strip_prefix('$'))?;
    let n: usize = digits.parse().ok()?;
    (1..=9).contains(&n).then_some(n)
}

/// `words` (of command `index` inside the function defined at `start`) with the function's
/// parameters replaced by `args`, the arguments of its call: `shift`s and `local NAME="$N"`
/// between the definition and the command are followed.
pub fn bind(
    commands: &[Command],
    start: usize,
    index: usize,
    words: &[String],
    args: &[String],
) -> Vec<String> {
    let mut shifted = 0usize;
    let mut named: Vec<(String, usize)> = Vec::new();
    for cmd in commands.get(start + 1..index).unwrap_or_default() {
        let w: Vec<&str> = cmd.words.iter().map(String::as_str).collect();
        match w.as_slice() {
            ["shift"] => shifted += 1,
            ["shift", n] => shifted += n.parse::<usize>().unwrap_or(0),
            [first, rest @ ..] => {
                let assignments = match *first {
                    "local" | "declare" | "readonly" | "export" => rest,
                    _ if rest.is_empty() => &w[..],
                    _ => continue,
                };
                for a in assignments {
                    if let Some((name, value)) = a.split_once('=')
                        && let Some(n) = positional(value)
                    {
                        named.retain(|(k, _)| k != name);
                        named.push((name.to_string(), n - 1 + shifted));
                    }
                }
            }
            [] => {}
        }
    }
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let mut out = Vec::with_capacity(words.len() + args.len());
    for word in words {
        match word.as_str() {
            "$@" | "${@}" | "$*" | "${*}" => {
                out.extend(args.iter().skip(shifted).cloned());
                continue;
            }
            _ => {}
        }
        if let Some(n) = positional(word) {
            out.push(arg(n - 1 + shifted));
            continue;
        }
        let local = named.iter().rev().find(|(name, _)| {
            word.strip_prefix('$').map(|w| {
                w.strip_prefix('{')
                    .and_then(|w| w.strip_suffix('}'))
                    .unwrap_or(w)
            }) == Some(name.as_str())
        });
        match local {
            Some((_, i)) => out.push(arg(*i)),
            None => out.push(word.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::shell::commands;

    #[test]
    fn functions_and_their_bodies() {
        let cmds = commands(
            "f() {\n  { echo a; } > /tmp/x\n  exec redis-server\n}\nfunction g {\n  exec redis-server\n}\nexec redis-server\n",
        );
        let at = |text: &str, nth: usize| {
            cmds.iter()
                .enumerate()
                .filter(|(_, c)| c.words.join(" ") == text)
                .nth(nth)
                .map(|(i, _)| i)
                .expect(text)
        };
        let first = at("exec redis-server", 0);
        assert_eq!(enclosing(&cmds, first).map(|(n, _)| n), Some("f"));
        assert_eq!(
            enclosing(&cmds, at("exec redis-server", 1)).map(|(n, _)| n),
            Some("g")
        );
        assert_eq!(enclosing(&cmds, at("exec redis-server", 2)), None);
    }

    #[test]
    fn arguments_of_the_call_are_bound() {
        let lib = commands(
            "start() {\n  local conf=\"$1\"\n  shift\n  exec redis-server \"$conf\" --port \"${2}\" \"$@\"\n}\n",
        );
        let main = commands("start /c/r.conf --appendonly yes\nstart_other x\n");
        let args = call_arguments(&[lib.as_slice(), main.as_slice()], "start").expect("called");
        assert_eq!(args, ["/c/r.conf", "--appendonly", "yes"]);
        let exec = lib.iter().position(|c| c.words[0] == "exec").expect("exec");
        let (_, start) = enclosing(&lib, exec).expect("in start");
        assert_eq!(
            bind(&lib, start, exec, &lib[exec].words[1..], args).join(" "),
            "redis-server /c/r.conf --port yes --appendonly yes"
        );
        // Never called: no arguments to bind.
        assert_eq!(call_arguments(&[lib.as_slice()], "start"), None);
    }
}
