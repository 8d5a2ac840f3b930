//! The time axis under a timeline: ticks at a round step (1, 2 or 5 × 10ⁿ seconds) chosen so
//! that a run of any length gets 4 to 10 of them, each labelled in seconds since the start.

use std::fmt::Write;

/// Ticks wanted at most; the step is the smallest round one that keeps within it.
const MAX_TICKS: f64 = 10.0;

/// The smallest round step (1, 2 or 5 × 10ⁿ seconds) that puts at most [`MAX_TICKS`]
/// intervals on `0..=end`.
pub fn step(end: f64) -> f64 {
    let raw = (end / MAX_TICKS).max(1e-3);
    let magnitude = 10f64.powf((raw.log10() + 1e-9).floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// Each tick's time and label (`0 s`, `2.5 s`, `10 s`): as many decimals as the step has.
pub fn ticks(end: f64) -> Vec<(f64, String)> {
    let step = step(end);
    let decimals = (-(step.log10() + 1e-9).floor()).max(0.0) as usize;
    let count = (end / step + 1e-9).floor() as usize;
    (0..=count)
        .map(|k| {
            let t = k as f64 * step;
            (t, format!("{t:.decimals$} s"))
        })
        .collect()
}

/// The axis at height `y`, from `x(0)` to `x(end)`, with a tick, a label and a faint grid
/// line (up to `top`) at each tick.
pub fn draw(out: &mut String, end: f64, y: f64, top: f64, x: impl Fn(f64) -> f64) {
    let _ = writeln!(out, r#"<g id="time-axis" class="axis">"#);
    let _ = writeln!(
        out,
        r##"<line x1="{:.1}" x2="{:.1}" y1="{y}" y2="{y}" stroke="#333"/>"##,
        x(0.0),
        x(end)
    );
    for (t, label) in ticks(end) {
        let at = x(t);
        let _ = writeln!(
            out,
            r##"<line class="grid" x1="{at:.1}" x2="{at:.1}" y1="{top}" y2="{y}" stroke="#eeeeee"/>"##
        );
        let _ = writeln!(
            out,
            r##"<line class="tick" x1="{at:.1}" x2="{at:.1}" y1="{y}" y2="{}" stroke="#333"/>"##,
            y + 4.0
        );
        let _ = writeln!(
            out,
            r#"<text class="tick-label" x="{at:.1}" y="{}" text-anchor="middle">{label}</text>"#,
            y + 15.0
        );
    }
    let _ = writeln!(out, "</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_and_keep_ticks_between_four_and_eleven() {
        for (end, want) in [
            (1.0, 0.1),
            (7.0, 1.0),
            (23.4, 5.0),
            (42.0, 5.0),
            (150.0, 20.0),
        ] {
            assert!((step(end) - want).abs() < 1e-9, "{end}: {}", step(end));
        }
        for end in [0.5, 1.0, 3.3, 9.99, 10.0, 61.0, 299.0, 1234.5] {
            let n = ticks(end).len();
            assert!((4..=11).contains(&n), "{end}: {n} ticks");
        }
    }

    #[test]
    fn labels_have_the_steps_decimals() {
        let labels: Vec<String> = ticks(23.4).into_iter().map(|(_, l)| l).collect();
        assert_eq!(labels, ["0 s", "5 s", "10 s", "15 s", "20 s"]);
        assert_eq!(ticks(1.0)[3].1, "0.3 s");
    }
}
