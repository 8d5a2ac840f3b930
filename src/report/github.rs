//! GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=<rule>::<message>`.
//! GitHub turns each into an annotation on the pull request's diff. Escaping follows the
//! runner's own rules (actions/toolkit `command.ts`): `%`, CR and LF everywhere, and also
//! `:` and `,` inside properties, where they would end a value; other control characters
//! (ESC, BEL) are shown as escapes (`crate::escape`).

use super::{Report, file_on_disk, summary_line};
use crate::escape::printable;
use crate::finding::Severity;
use std::io::{self, Write};

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut properties = Vec::new();
        // A line without a file (stdin) would annotate nothing; leave both out.
        if let Some(file) = file_on_disk(f) {
            properties.push(format!("file={}", escape_property(file)));
            properties.extend(f.line.map(|line| format!("line={line}")));
            properties.extend(f.column.map(|column| format!("col={column}")));
        }
        properties.push(format!("title={}", escape_property(&f.rule)));
        writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&f.message)
        )?;
    }
    writeln!(out, "redis-ha-gen: {}", summary_line(report.summary))
}

/// GitHub's data escaping, then every other control character shown as `\x..` (an ESC
/// would reach the log viewer, a lone control character garble the annotation).
fn escape_data(s: &str) -> String {
    let escaped = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    printable(&escaped).into_owned()
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_first_and_line_breaks() {
        assert_eq!(escape_data("50%\r\nnext: a,b"), "50%25%0D%0Anext: a,b");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
    }

    #[test]
    fn escape_and_bell_are_shown_not_sent() {
        assert_eq!(
            escape_data("x\x1b[2J\x07\n::error::y"),
            "x\\x1b[2J\\x07%0A::error::y"
        );
        assert_eq!(escape_property("a\x1b,b"), "a\\x1b%2Cb");
    }
}
