//! `--timeline DIR`: one SVG per scenario — each pod's role over time (as the sampler saw it),
//! the probe's writes (acknowledged or failed), the scenario's steps as marks, a time axis in
//! seconds since the start and a legend of the colours.
//!
//! Written by hand rather than with a plotting crate: the picture is rectangles, lines and
//! text on one linear time scale (an axis of round ticks is [`axis`]); the output must be
//! byte-identical for the same rehearsal; and every text in it comes from outside (pod
//! names, the steps' descriptions) and goes through one XML escape
//! ([`crate::escape::xml`]).

mod axis;
mod legend;

use super::probe::Attempt;
use super::sampler::Sample;
use super::scenarios::Rehearsed;
use crate::escape::xml;
use std::fmt::Write;

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 90.0;
const ROW: f64 = 28.0;
/// Height of the axis (tick and label) and of the legend row.
const AXIS: f64 = 24.0;
const LEGEND: f64 = 22.0;

fn colour(role: Option<&str>) -> &'static str {
    match role {
        Some("master") => legend::MASTER,
        Some("slave") => legend::REPLICA,
        Some(_) => legend::OTHER,
        None => legend::NO_ANSWER,
    }
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
    let axis_y = writes_row + ROW - 4.0;
    let legend_y = axis_y + AXIS + 14.0;
    let steps_y = legend_y + LEGEND;
    let height = steps_y + rehearsed.events.len() as f64 * 14.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        out,
        r#"<text x="4" y="16" font-size="14">{} — {}</text>"#,
        xml(rehearsed.title),
        if rehearsed.passed { "passed" } else { "FAILED" }
    );
    axis::draw(&mut out, end, axis_y, 26.0, x);
    for pod in 0..pods {
        let y = 30.0 + pod as f64 * ROW;
        let _ = writeln!(
            out,
            r#"<text x="4" y="{}">{}</text>"#,
            y + 14.0,
            xml(&pod_name(pod))
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
        let fill = match attempt.ok() {
            true => legend::WRITE_OK,
            false => legend::WRITE_FAILED,
        };
        let _ = writeln!(
            out,
            r#"<rect x="{:.1}" y="{writes_row}" width="{:.1}" height="{}" fill="{fill}"/>"#,
            x(attempt.start),
            (x(attempt.end) - x(attempt.start)).max(0.5),
            ROW - 8.0
        );
    }
    legend::draw(&mut out, 4.0, legend_y);
    for (k, (t, what)) in rehearsed.events.iter().enumerate() {
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" x2="{0:.1}" y1="26" y2="{1}" stroke="#333" stroke-dasharray="2,2"/>"##,
            x(*t),
            axis_y
        );
        let _ = writeln!(
            out,
            r#"<text x="4" y="{:.1}">{t:6.1} s  {}</text>"#,
            steps_y + k as f64 * 14.0,
            xml(what)
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: f64, ordinal: usize, role: Option<&str>) -> Sample {
        Sample {
            t,
            ordinal,
            role: role.map(str::to_string),
            accepts_writes: role == Some("master"),
            link_up: role == Some("slave"),
            keys: None,
            sentinel_master: None,
        }
    }

    /// A 23.4 s failover of pod 0 to pod 1, with hostile text where text comes from outside;
    /// the samples in the sampler threads' order or `reversed`.
    fn picture(reversed: bool) -> String {
        let mut samples = [
            sample(0.0, 0, Some("master")),
            sample(5.0, 0, None),
            sample(23.4, 0, Some("slave")),
            sample(0.0, 1, Some("slave")),
            sample(12.0, 1, Some("master")),
            sample(23.4, 1, Some("master")),
        ];
        if reversed {
            samples.reverse();
        }
        let attempt = |start: f64, error: Option<&str>| Attempt {
            start,
            end: start + 0.5,
            master: None,
            error: error.map(str::to_string),
        };
        let attempts = [attempt(1.0, None), attempt(6.0, Some("READONLY"))];
        let events = [
            (5.0, "kill redis-0 <&> \"q\" \x1b[2J".to_string()),
            (12.0, "failover seen".to_string()),
        ];
        draw(
            &Picture {
                title: "master-down",
                passed: true,
                samples: &samples,
                attempts: &attempts,
                events: &events,
                end: 23.4,
            },
            2,
            |i| format!("redis-{i}"),
        )
    }

    fn texts<'a>(doc: &'a roxmltree::Document, class: &str) -> Vec<&'a str> {
        doc.descendants()
            .filter(|n| n.attribute("class") == Some(class))
            .filter_map(|n| n.text())
            .collect()
    }

    #[test]
    fn the_svg_is_xml_with_a_legend_and_a_time_axis() {
        let svg = picture(false);
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let mut want: Vec<&str> = legend::ENTRIES.iter().map(|(_, label)| *label).collect();
        want.push(legend::STEP);
        assert_eq!(texts(&doc, "legend-entry"), want);
        assert_eq!(
            texts(&doc, "tick-label"),
            ["0 s", "5 s", "10 s", "15 s", "20 s"]
        );
        // Each legend swatch is a colour the picture uses, and failed writes are not the
        // master's colour.
        for colour in [
            legend::MASTER,
            legend::REPLICA,
            legend::NO_ANSWER,
            legend::WRITE_OK,
            legend::WRITE_FAILED,
        ] {
            let drawn = doc
                .descendants()
                .filter(|n| n.attribute("fill") == Some(colour))
                .count();
            assert!(drawn >= 2, "{colour}: swatch and at least one bar, {drawn}");
        }
        assert_ne!(legend::MASTER, legend::WRITE_FAILED);
        // The step's text arrives whole, with the escape sequence shown, not sent.
        assert!(
            doc.descendants().any(|n| n
                .text()
                .is_some_and(|t| t.contains("kill redis-0 <&> \"q\" \\x1b[2J"))),
            "{svg}"
        );
    }

    /// The sampler's threads deliver samples in any order: the bytes do not depend on it.
    #[test]
    fn the_same_rehearsal_draws_the_same_bytes() {
        assert_eq!(picture(false), picture(true));
    }
}
