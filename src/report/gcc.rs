//! `--format gcc`: `path:line:col: severity: message [rule-id]`, one line per diagnostic, so
//! editors' and CI problem matchers that understand compiler output can read it.

use super::common::{char_range, one_line};
use super::{ReportOptions, Texts};
use crate::diagnostic::Severity;
use crate::engine::CheckOutput;
use std::io::{self, Write};

/// gcc's own words: its third level is `note`.
fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(output: &CheckOutput, _options: &ReportOptions, w: &mut dyn Write) -> io::Result<()> {
    let texts = Texts::new(&output.workspace);
    for d in &output.diagnostics {
        let Some(file) = texts.get(d.file) else {
            continue;
        };
        let (start, _) = char_range(&file, d.span);
        writeln!(
            w,
            "{}:{}:{}: {}: {} [{}]",
            file.name,
            start.line,
            start.column,
            severity_word(d.severity),
            one_line(&d.message),
            d.rule
        )?;
    }
    Ok(())
}
