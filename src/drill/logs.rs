//! The whole logs of a failing scenario or schedule (`drill --out DIR`: `<scenario>.log`, or
//! beside a schedule's replay file): every line of every container of every pod the set held,
//! in pod and container order, each prefixed with `<pod>/<container>: `. The report keeps
//! only the last important lines; a loss that shows once in ten runs needs the rest to be
//! explained.

use crate::drill::rehearsal::Rehearsal;
use std::path::Path;

pub fn write(path: &Path, r: &Rehearsal) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::write(path, text(r)).with_context(|| format!("cannot write {}", path.display()))
}

/// Every line of every container of every pod the set held, each prefixed with
/// `<pod>/<container>: `.
pub fn text(r: &Rehearsal) -> String {
    let spec = r.cluster.spec();
    let mut text = String::new();
    for ordinal in 0..r.cluster.ordinals() {
        for container in spec.container_names() {
            for line in r.cluster.logs(ordinal, &container, usize::MAX) {
                text.push_str(&spec.pod_name(ordinal));
                text.push('/');
                text.push_str(&container);
                text.push_str(": ");
                text.push_str(&line);
                text.push('\n');
            }
        }
    }
    text
}
