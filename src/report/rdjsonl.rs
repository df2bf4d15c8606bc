//! `--format rdjsonl`: reviewdog's Diagnostic Format as JSON Lines, one object per diagnostic,
//! for `pgward check --format rdjsonl | reviewdog -f=rdjsonl -reporter=github-pr-review`.
//! Positions follow reviewdog.proto: 1-based line, 1-based column counted in UTF-8 bytes, end
//! exclusive. A rule's mechanical fix becomes `suggestions`.

use super::common::{TOOL_URL, byte_line_col, rule_doc_url};
use super::{ReportOptions, Texts};
use crate::diagnostic::Severity;
use crate::engine::CheckOutput;
use crate::source::{SourceFile, Span};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct RdDiagnostic<'a> {
    message: &'a str,
    location: RdLocation<'a>,
    severity: &'static str,
    source: RdSource,
    code: RdCode<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<RdSuggestion<'a>>,
}

#[derive(Serialize)]
struct RdLocation<'a> {
    path: &'a str,
    range: RdRange,
}

#[derive(Serialize)]
struct RdRange {
    start: RdPosition,
    end: RdPosition,
}

#[derive(Serialize)]
struct RdPosition {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct RdSource {
    name: &'static str,
    url: &'static str,
}

#[derive(Serialize)]
struct RdCode<'a> {
    value: &'a str,
    url: String,
}

#[derive(Serialize)]
struct RdSuggestion<'a> {
    range: RdRange,
    text: &'a str,
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

fn range(source: &SourceFile, span: Span) -> RdRange {
    let start = byte_line_col(source, span.start);
    let end = byte_line_col(source, span.end);
    RdRange {
        start: RdPosition {
            line: start.line,
            column: start.column,
        },
        end: RdPosition {
            line: end.line,
            column: end.column,
        },
    }
}

pub fn render(output: &CheckOutput, _options: &ReportOptions, w: &mut dyn Write) -> io::Result<()> {
    let texts = Texts::new(&output.workspace);
    for d in &output.diagnostics {
        let Some(source) = texts.get(d.file) else {
            continue;
        };
        let source = &*source;
        let suggestions = d
            .fix
            .iter()
            .flat_map(|fix| &fix.edits)
            .map(|e| RdSuggestion {
                range: range(source, e.span),
                text: &e.replacement,
            })
            .collect();
        let line = RdDiagnostic {
            message: &d.message,
            location: RdLocation {
                path: &source.name,
                range: range(source, d.span),
            },
            severity: severity(d.severity),
            source: RdSource {
                name: "pgward",
                url: TOOL_URL,
            },
            code: RdCode {
                value: d.rule,
                url: rule_doc_url(d.rule),
            },
            suggestions,
        };
        // serde_json escapes every control character, so one object stays on one line.
        serde_json::to_writer(&mut *w, &line)?;
        writeln!(w)?;
    }
    Ok(())
}
