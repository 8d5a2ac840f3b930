//! Shell functions a script defines but never calls. Chart scripts often hold every mode's
//! functions and call only those of the mode rendered (groundhog2k/redis defines the
//! replication set-up, `echo "replicaof $MASTER 6379" >> $REDIS_CONFIG`, also in its
//! standalone render, and never calls it there): what such a body writes or runs does not
//! happen, so it is not read.

use super::shell::Command;
use std::collections::HashMap;

/// The function `name() {`, `name () {` or `function name {` opens.
fn opened(words: &[String]) -> Option<&str> {
    match words {
        [name, brace] if brace == "{" => name.strip_suffix("()").filter(|n| !n.is_empty()),
        [name, parens, brace] if parens == "()" && brace == "{" => Some(name),
        [keyword, name, brace] if keyword == "function" && brace == "{" => Some(name),
        [keyword, name, parens, brace]
            if keyword == "function" && parens == "()" && brace == "{" =>
        {
            Some(name)
        }
        _ => None,
    }
}

/// A function definition: its name and the commands from its opening line to its `}`.
struct Definition<'a> {
    name: &'a str,
    start: usize,
    end: usize,
}

/// Every definition, matching braces in one pass (a script of unclosed `f() {` lines must
/// not cost a scan per line).
fn definitions(commands: &[Command]) -> Vec<Definition<'_>> {
    let mut open: Vec<(usize, Option<&str>)> = Vec::new();
    let mut found = Vec::new();
    for (i, c) in commands.iter().enumerate() {
        if c.words.last().is_some_and(|w| w == "{") {
            open.push((i, opened(&c.words)));
        } else if c.words.len() == 1 && c.words[0] == "}" {
            if let Some((start, Some(name))) = open.pop() {
                found.push(Definition {
                    name,
                    start,
                    end: i,
                });
            }
        }
    }
    found
}

/// For each word, the commands that name it: as a command, an argument (`trap cleanup
/// EXIT`, `if ! test_alive`) or at the start of a command substitution (`$(name …)`).
fn uses(commands: &[Command]) -> HashMap<&str, Vec<usize>> {
    let mut uses: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in commands.iter().enumerate() {
        for w in &c.words {
            uses.entry(w.as_str()).or_default().push(i);
            for (at, _) in w.match_indices("$(") {
                let rest = &w[at + 2..];
                let end = rest
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
                    .unwrap_or(rest.len());
                uses.entry(&rest[..end]).or_default().push(i);
            }
        }
    }
    uses
}

/// Rounds of dropping: a function called only from an uncalled one goes in the next round.
/// Deeper chains of uncalled functions are kept (read, as before this module), so a hostile
/// chain of 10,000 functions costs 8 passes, not 10,000.
const ROUNDS: usize = 8;

/// `commands` without the bodies of functions nothing calls.
pub fn drop_uncalled(mut commands: Vec<Command>) -> Vec<Command> {
    for _ in 0..ROUNDS {
        let defs = definitions(&commands);
        let uses = uses(&commands);
        let mut unused: Vec<(usize, usize)> = defs
            .iter()
            .filter(|d| {
                !uses
                    .get(d.name)
                    .is_some_and(|at| at.iter().any(|i| !(d.start..=d.end).contains(i)))
            })
            .map(|d| (d.start, d.end))
            .collect();
        if unused.is_empty() {
            break;
        }
        unused.sort_unstable();
        let mut keep = vec![true; commands.len()];
        for (start, end) in unused {
            keep[start..=end].fill(false);
        }
        let mut index = 0;
        commands.retain(|_| {
            index += 1;
            keep[index - 1]
        });
    }
    commands
}

#[cfg(test)]
mod tests {
    use super::super::shell::commands;

    fn words(script: &str) -> Vec<String> {
        commands(script)
            .into_iter()
            .map(|c| c.words.join(" "))
            .collect()
    }

    #[test]
    fn the_bodies_of_functions_nothing_calls_are_not_read() {
        let script = "base() {\n  echo port 6379 >> $C\n}\nreplicate() {\n  alive || exit 1\n  echo replicaof $M 6379 >> $C\n}\nalive() {\n  redis-cli ping\n}\nfunction trapped {\n  rm -f /tmp/x\n}\ntrap trapped EXIT\nbase\nexec redis-server $C\n";
        let read = words(script);
        assert!(read.contains(&"echo port 6379".to_string()), "{read:?}");
        assert!(read.contains(&"rm -f /tmp/x".to_string()), "{read:?}");
        assert!(!read.iter().any(|w| w.contains("replicaof")), "{read:?}");
        assert!(
            !read.iter().any(|w| w.contains("redis-cli")),
            "called only from an uncalled function: {read:?}"
        );
        let called =
            words(&script.replace("base\nexec", "base\nif ! replicate; then exit 1; fi\nexec"));
        assert!(called.iter().any(|w| w.contains("replicaof")), "{called:?}");
        assert!(called.iter().any(|w| w.contains("redis-cli")), "{called:?}");
    }
}
