//! What the colours and marks of a timeline mean: one row of swatches under the time axis.

use std::fmt::Write;

/// A pod whose instance reports the master role.
pub const MASTER: &str = "#d62728";
/// A pod whose instance reports the replica role (`ROLE` says `slave`).
pub const REPLICA: &str = "#1f77b4";
/// Any other role `ROLE` reports.
pub const OTHER: &str = "#9467bd";
/// No answer to the sampler.
pub const NO_ANSWER: &str = "#dddddd";
/// A write the probe had acknowledged.
pub const WRITE_OK: &str = "#2ca02c";
/// A write refused, timed out or not sent (no master found): not the master's red.
pub const WRITE_FAILED: &str = "#ff7f0e";

/// The entries, in the order shown: (swatch colour, label). The scenario's steps are the
/// dashed line drawn after them.
pub const ENTRIES: [(&str, &str); 6] = [
    (MASTER, "master"),
    (REPLICA, "replica"),
    (OTHER, "other role"),
    (NO_ANSWER, "no answer"),
    (WRITE_OK, "write acknowledged"),
    (WRITE_FAILED, "write failed"),
];

/// The label of the dashed line that marks each of the scenario's steps.
pub const STEP: &str = "scenario step";

/// Width given to each entry.
const SPACING: f64 = 135.0;

/// The legend as one row starting at (`left`, `y`).
pub fn draw(out: &mut String, left: f64, y: f64) {
    let _ = writeln!(out, r#"<g id="legend" class="legend">"#);
    for (k, (colour, label)) in ENTRIES.iter().enumerate() {
        let x = left + k as f64 * SPACING;
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="{}" width="10" height="10" fill="{colour}"/>"#,
            y - 9.0
        );
        let _ = writeln!(
            out,
            r#"<text class="legend-entry" x="{}" y="{y}">{label}</text>"#,
            x + 14.0
        );
    }
    let x = left + ENTRIES.len() as f64 * SPACING;
    let _ = writeln!(
        out,
        r##"<line x1="{x}" x2="{}" y1="{}" y2="{}" stroke="#333" stroke-dasharray="2,2"/>"##,
        x + 10.0,
        y - 4.0,
        y - 4.0
    );
    let _ = writeln!(
        out,
        r#"<text class="legend-entry" x="{}" y="{y}">{STEP}</text>"#,
        x + 14.0
    );
    let _ = writeln!(out, "</g>");
}
