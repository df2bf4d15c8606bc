//! `--format github`: GitHub Actions workflow commands (`::error file=…::message`), escaped the
//! way the Actions toolkit escapes them, followed by the full human report without colour,
//! because GitHub shows only the first ten annotations of each kind per step.

use super::common::char_range;
use super::{ReportOptions, human};
use crate::diagnostic::Severity;
use crate::engine::CheckOutput;
use std::io::{self, Write};

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// The toolkit's `escapeData`: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The toolkit's `escapeProperty`: `escapeData` plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(output: &CheckOutput, options: &ReportOptions, w: &mut dyn Write) -> io::Result<()> {
    for d in &output.diagnostics {
        let Some(file) = output.workspace.files.get(d.file) else {
            continue;
        };
        let (start, end) = char_range(&file.source, d.span);
        writeln!(
            w,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            command(d.severity),
            escape_property(&file.source.name),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("pgward ({})", d.rule)),
            escape_data(&d.message)
        )?;
    }
    let plain = ReportOptions {
        color: false,
        ..options.clone()
    };
    human::render(output, &plain, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_the_toolkit() {
        assert_eq!(escape_data("50%\r\nnext: a,b"), "50%25%0D%0Anext: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
