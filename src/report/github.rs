//! `--format github`: GitHub Actions workflow commands (`::error file=…::message`), escaped the
//! way the Actions toolkit escapes them, followed by the full human report without colour,
//! because GitHub shows only the first ten annotations of each kind per step. The report is
//! wrapped in `::stop-commands::`, so text quoted from a migration is never run as a command.

use super::common::char_range;
use super::{ReportOptions, Texts, human};
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
    let texts = Texts::new(&output.workspace);
    for d in &output.diagnostics {
        let Some(file) = texts.get(d.file) else {
            continue;
        };
        let (start, end) = char_range(&file, d.span);
        // GitHub annotations take columns only on a one-line range (the checks API drops
        // `start_column`/`end_column` otherwise), so a multi-line span names lines only.
        let columns = if start.line == end.line {
            format!(
                ",col={},endLine={},endColumn={}",
                start.column, end.line, end.column
            )
        } else {
            format!(",endLine={}", end.line)
        };
        writeln!(
            w,
            "::{} file={},line={}{columns},title={}::{}",
            command(d.severity),
            escape_property(&file.name),
            start.line,
            escape_property(&format!("pgward ({})", d.rule)),
            escape_data(&d.message)
        )?;
    }
    let plain = ReportOptions {
        color: false,
        ..options.clone()
    };
    // The human report quotes the migrations, which a pull request controls: a line of it that
    // starts with `::` would be run as a workflow command. Stop command processing around it,
    // with a token the text cannot know in advance.
    let token = stop_token();
    writeln!(w, "::stop-commands::{token}")?;
    human::render(output, &plain, w)?;
    writeln!(w, "::{token}::")
}

/// A fresh, unpredictable token for `::stop-commands::` (std's per-process random hash keys).
fn stop_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("pgward-{:016x}", hasher.finish())
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
