//! `--timeline DIR`: one SVG per scenario — each pod's role over time (as the sampler saw it),
//! the probe's writes (acknowledged or failed), and the scenario's steps as marks.

use super::probe::Attempt;
use super::sampler::Sample;
use super::scenarios::Rehearsed;
use std::fmt::Write;

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 90.0;
const ROW: f64 = 28.0;

fn colour(role: Option<&str>) -> &'static str {
    match role {
        Some("master") => "#d62728",
        Some("slave") => "#1f77b4",
        Some(_) => "#9467bd",
        None => "#dddddd",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// What a timeline shows.
pub struct Picture<'a> {
    pub title: &'a str,
    pub passed: bool,
    pub samples: &'a [Sample],
    pub attempts: &'a [Attempt],
    pub events: &'a [(f64, String)],
    pub end: f64,
}

/// The SVG of one rehearsal of a set of `pods` pods named by `pod_name`.
pub fn svg(rehearsed: &Rehearsed, pods: usize, pod_name: impl Fn(usize) -> String) -> String {
    let picture = Picture {
        title: &rehearsed.report.name,
        passed: rehearsed.report.passed,
        samples: &rehearsed.samples,
        attempts: &rehearsed.probe.attempts,
        events: &rehearsed.events,
        end: rehearsed.end,
    };
    draw(&picture, pods, pod_name)
}

/// The SVG of `rehearsed`.
pub fn draw(rehearsed: &Picture, pods: usize, pod_name: impl Fn(usize) -> String) -> String {
    let end = rehearsed.end.max(1.0);
    let x = |t: f64| LEFT + (t / end) * (WIDTH - LEFT - 10.0);
    let writes_row = pods as f64 * ROW + 40.0;
    let height = writes_row + ROW + 30.0 + rehearsed.events.len() as f64 * 14.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        out,
        r#"<text x="4" y="16" font-size="14">{} — {}</text>"#,
        escape(rehearsed.title),
        if rehearsed.passed { "passed" } else { "FAILED" }
    );
    for pod in 0..pods {
        let y = 30.0 + pod as f64 * ROW;
        let _ = writeln!(
            out,
            r#"<text x="4" y="{}">{}</text>"#,
            y + 14.0,
            escape(&pod_name(pod))
        );
        let mut samples: Vec<_> = rehearsed
            .samples
            .iter()
            .filter(|s| s.ordinal == pod)
            .collect();
        samples.sort_by(|a, b| a.t.total_cmp(&b.t));
        for pair in samples.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let _ = writeln!(
                out,
                r#"<rect x="{:.1}" y="{y}" width="{:.1}" height="{}" fill="{}"/>"#,
                x(a.t),
                (x(b.t) - x(a.t)).max(0.5),
                ROW - 8.0,
                colour(a.role.as_deref())
            );
        }
    }
    let _ = writeln!(
        out,
        r#"<text x="4" y="{}">writes</text>"#,
        writes_row + 14.0
    );
    for attempt in rehearsed.attempts {
        let fill = if attempt.ok() { "#2ca02c" } else { "#d62728" };
        let _ = writeln!(
            out,
            r#"<rect x="{:.1}" y="{writes_row}" width="{:.1}" height="{}" fill="{fill}"/>"#,
            x(attempt.start),
            (x(attempt.end) - x(attempt.start)).max(0.5),
            ROW - 8.0
        );
    }
    let legend_y = writes_row + ROW + 12.0;
    for (k, (t, what)) in rehearsed.events.iter().enumerate() {
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" x2="{0:.1}" y1="26" y2="{1}" stroke="#333" stroke-dasharray="2,2"/>"##,
            x(*t),
            writes_row + ROW
        );
        let _ = writeln!(
            out,
            r#"<text x="4" y="{:.1}">{t:6.1} s  {}</text>"#,
            legend_y + k as f64 * 14.0,
            escape(what)
        );
    }
    out.push_str("</svg>\n");
    out
}
