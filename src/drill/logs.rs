//! The whole logs of a failing scenario or schedule (`drill --out DIR`: `<scenario>.log`, or
//! beside a schedule's replay file): every line of every container of every pod the set held,
//! in pod and container order, each prefixed with `<pod>/<container>: `, then what the execs
//! in that container printed (its preStop hook's lines), prefixed `<pod>/<container> exec: `
//! (Kubernetes keeps those nowhere; the local target does). The report keeps only the last
//! important lines; a loss that shows once in ten runs needs the rest to be explained.

use crate::drill::rehearsal::Rehearsal;
use std::path::Path;

pub fn write(path: &Path, r: &Rehearsal) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::write(path, text(r)).with_context(|| format!("cannot write {}", path.display()))
}

/// Every line of every container of every pod the set held, each prefixed with
/// `<pod>/<container>: `, and its execs' lines, prefixed with `<pod>/<container> exec: `.
pub fn text(r: &Rehearsal) -> String {
    let spec = r.cluster.spec();
    let mut text = String::new();
    for ordinal in 0..r.cluster.ordinals() {
        let pod = spec.pod_name(ordinal);
        for container in spec.container_names() {
            let own = r.cluster.logs(ordinal, &container, usize::MAX);
            let execs = r.cluster.exec_logs(ordinal, &container);
            for (lines, source) in [
                (own, container.clone()),
                (execs, format!("{container} exec")),
            ] {
                for line in lines {
                    text.push_str(&format!("{pod}/{source}: {line}\n"));
                }
            }
        }
    }
    text
}
