//! `status` output: a table for people, JSON for scripts (field names are a contract).

use super::observe::Status;
use crate::escape::printable;
use std::fmt::Write;

pub fn json(status: &Status) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(status)? + "\n")
}

pub fn text(status: &Status) -> String {
    let dash = || "-".to_owned();
    let show = |v: Option<String>| v.unwrap_or_else(dash);
    let mut out = String::new();
    let redis: Vec<Vec<String>> = status
        .redis
        .iter()
        .map(|n| {
            vec![
                n.name.clone(),
                show(n.role.clone().map(|role| match n.fenced {
                    Some(true) => format!("{role} (fenced)"),
                    _ => role,
                })),
                show(n.offset.map(|o| o.to_string())),
                show(n.lag.map(|l| l.to_string())),
                show(n.link.clone()),
                show(n.master.clone()),
                n.error
                    .as_ref()
                    .map_or_else(String::new, |e| format!("not answering: {e}")),
            ]
        })
        .chain(status.unreachable.iter().map(|n| {
            let mut row = vec![n.name.clone()];
            row.extend(std::iter::repeat_n(dash(), 5));
            row.push(format!("not answering: {}", n.error));
            row
        }))
        .collect();
    let header = ["REDIS", "ROLE", "OFFSET", "LAG", "LINK", "REPLICATES", ""];
    out.push_str(&table(&header, &redis));
    let sentinels: Vec<Vec<String>> = status
        .sentinels
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                show(s.master.clone()),
                show(s.flags.clone().map(|flags| match s.tilt {
                    Some(true) => format!("{flags},tilt"),
                    _ => flags,
                })),
                show(s.quorum.map(|q| q.to_string())),
                show(s.other_sentinels.map(|q| q.to_string())),
                show(s.replicas.map(|q| q.to_string())),
                show(
                    s.ckquorum
                        .as_deref()
                        .and_then(|c| c.split(' ').next())
                        .map(str::to_owned),
                ),
                s.error
                    .as_ref()
                    .map_or_else(String::new, |e| format!("not answering: {e}")),
            ]
        })
        .collect();
    let header = [
        "SENTINEL",
        "MASTER",
        "FLAGS",
        "QUORUM",
        "OTHER-SENTINELS",
        "REPLICAS",
        "CKQUORUM",
        "",
    ];
    out.push('\n');
    out.push_str(&table(&header, &sentinels));
    if !status.problems.is_empty() {
        out.push_str("\nproblems:\n");
        for problem in &status.problems {
            let _ = writeln!(out, "  - {}", printable(problem));
        }
    }
    let _ = writeln!(
        out,
        "\n{}: {} (exit {})",
        printable(&status.master_name),
        status.verdict.as_str(),
        status.verdict.exit_code()
    );
    out
}

/// Columns padded to their widest cell; trailing spaces trimmed. Cells hold what servers
/// answered: control characters in them are shown as escapes, never sent to the terminal.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| printable(cell).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (cell, width) in cells.iter().zip(&widths) {
            let _ = write!(text, "{cell:<width$}  ");
        }
        text.trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
