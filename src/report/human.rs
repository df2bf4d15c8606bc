//! `--format human`: compiler-style diagnostics with codespan-reporting: the header
//! `error[rule]: message`, the `file:line:col`, the source lines with the span underlined,
//! secondary labels for related places (in any file of the set), `= help:` notes, and a summary.

use super::{ReportOptions, Summary};
use crate::diagnostic::Severity;
use crate::engine::{CheckOutput, Workspace};
use crate::source::Span;
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, Config as TermConfig, termcolor};
use std::io::{self, Write};
use std::ops::Range;

/// The workspace as codespan's file database: every file of the set (context files too), so
/// related labels can point anywhere. Lines and columns come from our own `LineIndex`, so they
/// match the JSON output exactly (CRLF, tabs, multi-byte characters).
/// Files with a secret under a diagnostic get a copy of their text with the secret's bytes
/// replaced by `*` (offsets unchanged), so no snippet prints it.
struct WorkspaceFiles<'a>(&'a Workspace, Vec<Option<String>>);

impl<'a> Files<'a> for WorkspaceFiles<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, FilesError> {
        let f = self.0.files.get(id).ok_or(FilesError::FileMissing)?;
        Ok(&f.source.name)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        let f = self.0.files.get(id).ok_or(FilesError::FileMissing)?;
        match self.1.get(id) {
            Some(Some(redacted)) => Ok(redacted),
            _ => Ok(&f.source.text),
        }
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, FilesError> {
        let f = self.0.files.get(id).ok_or(FilesError::FileMissing)?;
        Ok(f.source.lines.line_of(byte_index))
    }

    fn column_number(
        &'a self,
        id: usize,
        _line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        let f = self.0.files.get(id).ok_or(FilesError::FileMissing)?;
        Ok(f.source.lines.line_col(&f.source.text, byte_index).column)
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, FilesError> {
        let f = self.0.files.get(id).ok_or(FilesError::FileMissing)?;
        let lines = &f.source.lines;
        if line_index >= lines.line_count() {
            return Err(FilesError::LineTooLarge {
                given: line_index,
                max: lines.line_count().saturating_sub(1),
            });
        }
        let start = lines.line_start(line_index);
        let end = if line_index + 1 < lines.line_count() {
            lines.line_start(line_index + 1)
        } else {
            f.source.text.len()
        };
        Ok(start..end)
    }
}

/// A span made safe for slicing: inside the text and on character boundaries.
fn clamp(text: &str, span: Span) -> Range<usize> {
    let fix = |mut at: usize| {
        at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let start = fix(span.start);
    start..fix(span.end).max(start)
}

fn severity(s: Severity) -> CsSeverity {
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
    }
}

fn term_config() -> TermConfig {
    TermConfig {
        // Tabs to the next multiple of 4: what most SQL editors show.
        tab_width: 4,
        ..TermConfig::default()
    }
}

/// Every file's text with the spans of redacted diagnostics turned into `*` (byte for byte).
fn redacted_texts(output: &CheckOutput) -> Vec<Option<String>> {
    let mut texts: Vec<Option<String>> = vec![None; output.workspace.files.len()];
    for d in output.diagnostics.iter().filter(|d| d.redact) {
        let (Some(file), Some(slot)) = (output.workspace.files.get(d.file), texts.get_mut(d.file))
        else {
            continue;
        };
        let mut bytes = slot
            .take()
            .unwrap_or_else(|| file.source.text.clone())
            .into_bytes();
        let range = clamp(&file.source.text, d.span);
        for b in bytes.get_mut(range).into_iter().flatten() {
            // Only whole characters are replaced (the range is on character boundaries), and
            // every byte of them: the text stays valid UTF-8 with the same offsets.
            *b = b'*';
        }
        *slot = String::from_utf8(bytes).ok();
    }
    texts
}

pub fn render(output: &CheckOutput, options: &ReportOptions, w: &mut dyn Write) -> io::Result<()> {
    let files = WorkspaceFiles(&output.workspace, redacted_texts(output));
    let config = term_config();
    for d in &output.diagnostics {
        let Some(file) = output.workspace.files.get(d.file) else {
            continue;
        };
        let mut labels = vec![Label::primary(d.file, clamp(&file.source.text, d.span))];
        for r in &d.related {
            if let Some(rf) = output.workspace.files.get(r.file) {
                labels.push(
                    Label::secondary(r.file, clamp(&rf.source.text, r.span))
                        .with_message(&r.message),
                );
            }
        }
        let mut cs = CsDiagnostic::new(severity(d.severity))
            .with_code(d.rule)
            .with_message(&d.message)
            .with_labels(labels);
        if let Some(help) = &d.help {
            cs = cs.with_note(format!("help: {help}"));
        }
        let result = if options.color {
            let mut ansi = termcolor::Ansi::new(&mut *w);
            term::emit_to_write_style(&mut ansi, &config, &files, &cs)
        } else {
            term::emit_to_io_write(&mut *w, &config, &files, &cs)
        };
        result.map_err(|e| match e {
            FilesError::Io(io) => io,
            other => io::Error::other(other.to_string()),
        })?;
    }
    if !options.quiet {
        let summary = Summary::of(output);
        if summary.files > 0 {
            if options.color {
                let bold = if summary.errors > 0 {
                    "\x1b[1;31m"
                } else if summary.warnings > 0 {
                    "\x1b[1;33m"
                } else {
                    "\x1b[1;32m"
                };
                writeln!(w, "{bold}{summary}\x1b[0m")?;
            } else {
                writeln!(w, "{summary}")?;
            }
        }
    }
    Ok(())
}
