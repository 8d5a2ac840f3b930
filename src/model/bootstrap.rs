//! Reading a start script's role decision: does it make a fixed pod the master without
//! first asking Sentinel who the master is?

use super::shell::Command;

const CONDITIONS: &[&str] = &["if", "elif", "while", "until", "case", "[", "[[", "test"];

/// Line of the first condition that compares the pod's own name or ordinal with ordinal 0,
/// unless the script asked Sentinel for the master before it.
pub fn static_master_line(commands: &[Command]) -> Option<usize> {
    // `$VAR` and `${VAR}` of variables assigned from the pod's name (`ORDINAL=${HOSTNAME##*-}`).
    let mut own_vars: Vec<(String, String)> = Vec::new();
    // A condition that first checks a Sentinel answers (`if [ "$(redis-cli -h sentinel -p
    // 5000 ping)" != PONG ]`), in a script that asks it for the master in the other branch:
    // ordinal 0 is only the fallback when no Sentinel answers.
    let asks_somewhere = commands.iter().any(asks_sentinel);
    let mut gated_on_sentinel = false;
    for c in commands {
        if asks_sentinel(c) {
            return None;
        }
        for w in &c.words {
            if let Some((var, value)) = w.split_once('=')
                && !var.is_empty()
                && var
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                && refers(&own_vars, value)
            {
                own_vars.push((format!("${var}"), format!("${{{var}}}")));
            }
        }
        let is_condition = c
            .words
            .first()
            .is_some_and(|w| CONDITIONS.contains(&w.as_str()));
        if is_condition && asks_somewhere && consults_sentinel(c) {
            gated_on_sentinel = true;
        }
        if is_condition
            && !gated_on_sentinel
            && c.words.iter().any(|w| refers(&own_vars, w))
            && compares_with_ordinal_zero(c, commands)
            // `&&` splits one condition into several commands on the same line.
            && !commands
                .iter()
                .filter(|o| o.line == c.line)
                .any(consults_sentinel)
        {
            return Some(c.line);
        }
    }
    None
}

/// Whether a word refers to the pod's own name, directly or through a variable.
fn refers(own_vars: &[(String, String)], word: &str) -> bool {
    names_own_pod(word)
        || own_vars
            .iter()
            .any(|(plain, braced)| word.contains(plain.as_str()) || word.contains(braced.as_str()))
}

/// Case-insensitive substring test without allocating.
fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len()
        && hay
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The command queries Sentinel: `redis-cli … SENTINEL get-master-addr-by-name`, or a
/// function of the script named after Sentinel (`ask_sentinels`).
fn asks_sentinel(c: &Command) -> bool {
    let calls_function = c
        .words
        .first()
        .is_some_and(|w| contains_ci(w, "sentinel") && !w.ends_with("redis-sentinel"));
    calls_function
        || c.words
            .iter()
            .any(|w| contains_ci(w, "get-master-addr-by-name") || contains_ci(w, "sentinel master"))
        || c.words.windows(2).any(|p| {
            p[0].eq_ignore_ascii_case("sentinel")
                && ["master", "masters", "get-master-addr-by-name"]
                    .iter()
                    .any(|s| p[1].eq_ignore_ascii_case(s))
        })
}

/// The condition also weighs what Sentinel said (`[ "$SENTINEL_MASTER" = "$SELF" ]`).
fn consults_sentinel(c: &Command) -> bool {
    c.words.iter().any(|w| contains_ci(w, "sentinel"))
}

fn names_own_pod(word: &str) -> bool {
    [
        "hostname",
        "pod_name",
        "podname",
        "ordinal",
        "pod_index",
        "statefulset.kubernetes.io/pod-name",
    ]
    .iter()
    .any(|k| contains_ci(word, k))
}

fn is_ordinal_zero(word: &str) -> bool {
    let w = word.trim_end_matches(')');
    w == "0" || (w.ends_with("-0") && !w.starts_with('-'))
}

/// `[ "$(hostname)" = "redis-0" ]`, `[ "${HOSTNAME##*-}" -eq 0 ]`, or `case $HOSTNAME in *-0)`.
fn compares_with_ordinal_zero(c: &Command, all: &[Command]) -> bool {
    if c.words.iter().any(|w| is_ordinal_zero(w)) {
        return true;
    }
    c.words.first().is_some_and(|w| w == "case")
        && all
            .iter()
            .skip_while(|o| o.line <= c.line)
            .take(3)
            .any(|o| {
                o.words
                    .first()
                    .is_some_and(|w| w.ends_with(')') && is_ordinal_zero(w))
            })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::shell::commands;

    #[test]
    fn hostname_comparisons_are_static_masters() {
        let seed =
            "if [ \"$(hostname)\" = \"redis-0\" ]; then\n  exec redis-server /etc/redis.conf\nfi\n";
        assert_eq!(static_master_line(&commands(seed)), Some(0));
        let ordinal = "ORD=${HOSTNAME##*-}\nif [ \"$ORD\" -eq 0 ]; then echo master; fi\n";
        assert_eq!(static_master_line(&commands(ordinal)), Some(1));
        let ordinal2 = "if [ \"${HOSTNAME##*-}\" -eq 0 ]; then echo master; fi\n";
        assert_eq!(static_master_line(&commands(ordinal2)), Some(0));
        let case = "case \"$POD_NAME\" in\n  *-0) ROLE=master ;;\nesac\n";
        assert_eq!(static_master_line(&commands(case)), Some(0));
    }

    #[test]
    fn a_condition_weighing_sentinels_answer_is_not_static() {
        let script = "ORDINAL=${POD_NAME##*-}\nif first_boot && [ \"$ORDINAL\" = 0 ] && [ \"$SENTINEL_MASTER\" = \"$SELF\" ]; then promote; fi\n";
        assert_eq!(static_master_line(&commands(script)), None);
        let asked = "ask_sentinels\nif [ \"$(hostname)\" = redis-0 ]; then promote; fi\n";
        assert_eq!(static_master_line(&commands(asked)), None);
    }

    #[test]
    fn a_fallback_when_no_sentinel_answers_is_not_static() {
        // Checks that a Sentinel answers before falling back to ordinal 0; asks it for the
        // master otherwise (the form of sourikghosh/redisHA's init container).
        let script = "if [ \"$(redis-cli -h sentinel -p 5000 ping)\" != \"PONG\" ]; then\n  if [ \"$(hostname)\" == \"redis-0\" ]; then\n    echo master\n  else\n    echo \"slaveof redis-0.redis 6379\" >> /etc/redis/redis.conf\n  fi\nelse\n  MASTER=\"$(redis-cli -h sentinel -p 5000 sentinel get-master-addr-by-name mymaster)\"\nfi\n";
        assert_eq!(static_master_line(&commands(script)), None);
        // The same ping with nothing asked of Sentinel anywhere stays static.
        let unasked = "if [ \"$(redis-cli -h sentinel -p 5000 ping)\" != \"PONG\" ]; then\n  if [ \"$(hostname)\" == \"redis-0\" ]; then echo master; fi\nfi\n";
        assert_eq!(static_master_line(&commands(unasked)), Some(1));
    }

    #[test]
    fn asking_sentinel_first_is_not_static() {
        let script = "M=$(redis-cli -h s -p 26379 sentinel get-master-addr-by-name mymaster)\nif [ -z \"$M\" ] && [ \"$(hostname)\" = \"redis-0\" ]; then echo first; fi\n";
        assert_eq!(static_master_line(&commands(script)), None);
    }
}
