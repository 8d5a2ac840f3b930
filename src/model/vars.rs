//! Shell variables of start scripts, as far as they are plain assignments
//! (`CONF_DIR=$DATA_DIR/conf`, `local conf=…`, `export X=…`): enough to follow paths.

use super::shell::Command;
use std::borrow::Cow;
use std::collections::HashMap;

pub type Vars = HashMap<String, String>;

/// Whether `s` is a shell variable name.
pub fn is_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Record the assignments of `commands` into `vars`, in order (the last one wins: the
/// scripts are read, not run, so branches and function scopes are merged).
pub fn assign(commands: &[Command], vars: &mut Vars) {
    for c in commands {
        let words = match c.words.first().map(String::as_str) {
            Some("local" | "export" | "readonly") => &c.words[1..],
            _ if c.words.len() == 1 => &c.words[..],
            _ => continue,
        };
        for w in words {
            if let Some((name, value)) = w.split_once('=')
                && is_name(name)
            {
                // A command substitution is only known at run time: keep `$NAME` as written.
                if value.contains("$(") || value.contains('`') {
                    vars.remove(name);
                    continue;
                }
                let value = expand(value, vars).into_owned();
                vars.insert(name.to_string(), value);
            }
        }
    }
}

/// Expand `$NAME`, `${NAME}` and `${NAME:-default}` where NAME is known; anything else
/// (command substitutions, pattern operators, unknown names) stays as written.
pub fn expand<'w>(word: &'w str, vars: &Vars) -> Cow<'w, str> {
    if !word.contains('$') {
        return Cow::Borrowed(word);
    }
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            let Some(end) = inner.find('}') else {
                out.push_str(&rest[i..]);
                return Cow::Owned(out);
            };
            let body = &inner[..end];
            let (name, default) = match body.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (body, None),
            };
            match (vars.get(name), default) {
                (Some(v), _) if is_name(name) => out.push_str(v),
                (None, Some(d)) if is_name(name) => out.push_str(&expand(d, vars)),
                _ => out.push_str(&rest[i..i + 2 + end + 1]),
            }
            rest = &inner[end + 1..];
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            match vars.get(&after[..len]) {
                Some(v) if len > 0 => out.push_str(v),
                _ => out.push_str(&rest[i..i + 1 + len]),
            }
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::shell::commands;

    #[test]
    fn assignments_and_expansion() {
        let mut vars = Vars::new();
        assign(
            &commands(
                "DATA_DIR=/data\nCONF_DIR=$DATA_DIR/conf\nlocal conf=${CONF_DIR}/s.conf\nORD=${POD_NAME##*-}\necho X=1\nSELF=$(hostname -f)\n",
            ),
            &mut vars,
        );
        assert!(!vars.contains_key("SELF"));
        assert_eq!(vars["CONF_DIR"], "/data/conf");
        assert_eq!(vars["conf"], "/data/conf/s.conf");
        assert_eq!(vars["ORD"], "${POD_NAME##*-}");
        assert!(!vars.contains_key("X"));
        assert_eq!(expand("$conf.new", &vars), "/data/conf/s.conf.new");
        assert_eq!(expand("${NOPE:-/tmp}/x $HOME", &vars), "/tmp/x $HOME");
    }
}
