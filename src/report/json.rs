//! `{"findings": [...], "summary": {...}}` — the stable JSON contract of docs/contracts.md.

use super::Report;
use std::io::{self, Write};

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let document = serde_json::json!({
        "findings": report.findings,
        "summary": report.summary,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
