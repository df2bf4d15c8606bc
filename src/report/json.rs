//! `--format json`: one JSON array, one object per diagnostic, in file (migration) order then
//! position. Field names and meaning are a public contract (issue 2, `related` from issue 3).

use super::{ReportOptions, Texts, line_cols};
use crate::engine::CheckOutput;
use serde::{Serialize, Serializer};
use std::io::{self, Write};

#[derive(Debug, Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    help: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Debug, Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

pub fn render(output: &CheckOutput, options: &ReportOptions, w: &mut dyn Write) -> io::Result<()> {
    let _ = options;
    let texts = Texts::new(&output.workspace);
    // Written as the items are made: a big report is not held twice.
    let items = output.diagnostics.iter().filter_map(|d| {
        // A diagnostic always points into the workspace it came from; skipping beats panicking.
        let (file, name) = (texts.get(d.file)?, texts.name(d.file)?);
        let (start, end) = line_cols(&file, d.span);
        let related = d
            .related
            .iter()
            .filter_map(|r| {
                let (rf, name) = (texts.get(r.file)?, texts.name(r.file)?);
                let (pos, _) = line_cols(&rf, r.span);
                Some(JsonRelated {
                    file: name,
                    line: pos.line,
                    column: pos.column,
                    message: &r.message,
                })
            })
            .collect();
        Some(JsonDiagnostic {
            file: name,
            rule: d.rule,
            severity: d.severity.as_str(),
            message: &d.message,
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            help: d.help.as_deref(),
            related,
        })
    });
    let mut json = serde_json::Serializer::pretty(&mut *w);
    json.collect_seq(items).map_err(io::Error::other)?;
    writeln!(w)
}
