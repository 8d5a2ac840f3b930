//! Command-line options (`redis-server FILE --name value… --other …`) as the directives
//! Redis appends to its configuration.

use super::conf::Setting;
use super::files::located;
use super::workload::Word;

/// `--name value… --other …` after the config path: directives, as Redis appends them.
pub fn options(words: &[Word]) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let Some(name) = words[i].text.strip_prefix("--") else {
            i += 1;
            continue;
        };
        let end = words[i + 1..]
            .iter()
            .position(|w| w.text.starts_with("--"))
            .map_or(words.len(), |p| i + 1 + p);
        if name != "sentinel" && !name.is_empty() {
            let line = std::iter::once(name.to_string())
                .chain(words[i + 1..end].iter().map(|w| quote(&w.text)))
                .collect::<Vec<_>>()
                .join(" ");
            let (mut settings, _) =
                located(&crate::redis_conf::parse(&line, 0).into(), &words[i].loc, 0);
            for s in &mut settings {
                s.loc = words[i].loc.clone();
            }
            out.extend(settings);
        }
        i = end;
    }
    out
}

/// Quote a command-line word so the config tokenizer reads it back as one word.
fn quote(word: &str) -> String {
    format!("\"{}\"", word.replace('\\', "\\\\").replace('"', "\\\""))
}
