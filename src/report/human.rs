//! `--format human`: compiler-style diagnostics with codespan-reporting: the header
//! `error[rule]: message`, the `file:line:col`, the source lines with the span underlined,
//! secondary labels for related places (in any file of the set), `= help:` notes, and a summary.

use super::Texts;
use super::{ReportOptions, Summary};
use crate::diagnostic::Severity;
use crate::engine::CheckOutput;
use crate::source::{SourceFile, Span};
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, Config as TermConfig, termcolor};
use std::collections::HashMap;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

/// The files one diagnostic quotes, as codespan's file database: its own file and those of its
/// related places (any file of the set). Lines and columns come from our own `LineIndex`, so
/// they match the JSON output exactly (CRLF, tabs, multi-byte characters). A file with a secret
/// under a diagnostic is quoted from a copy of its text with the secret's bytes replaced by `*`
/// (offsets unchanged), so no snippet prints it.
struct QuotedFiles<'a>(Vec<Quoted<'a>>);

struct Quoted<'a> {
    id: usize,
    name: &'a str,
    file: Arc<SourceFile>,
    redacted: Option<String>,
}

impl QuotedFiles<'_> {
    fn get(&self, id: usize) -> Result<&Quoted<'_>, FilesError> {
        self.0
            .iter()
            .find(|q| q.id == id)
            .ok_or(FilesError::FileMissing)
    }
}

impl<'a> Files<'a> for QuotedFiles<'_> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, FilesError> {
        Ok(self.get(id)?.name)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        let q = self.get(id)?;
        Ok(q.redacted.as_deref().unwrap_or(&q.file.text))
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.get(id)?.file.lines.line_of(byte_index))
    }

    fn column_number(
        &'a self,
        id: usize,
        _line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        let f = &self.get(id)?.file;
        Ok(f.lines.line_col(&f.text, byte_index).column)
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, FilesError> {
        let f = &self.get(id)?.file;
        let lines = &f.lines;
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
            f.text.len()
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

/// The spans of redacted diagnostics, per file.
fn redacted_spans(output: &CheckOutput) -> HashMap<usize, Vec<Span>> {
    let mut spans: HashMap<usize, Vec<Span>> = HashMap::new();
    for d in output.diagnostics.iter().filter(|d| d.redact) {
        spans.entry(d.file).or_default().push(d.span);
    }
    spans
}

/// `text` with `spans` turned into `*` (byte for byte).
fn redact(text: &str, spans: &[Span]) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    for span in spans {
        for b in bytes.get_mut(clamp(text, *span)).into_iter().flatten() {
            // Only whole characters are replaced (the range is on character boundaries), and
            // every byte of them: the text stays valid UTF-8 with the same offsets.
            *b = b'*';
        }
    }
    String::from_utf8(bytes).ok()
}

pub fn render(output: &CheckOutput, options: &ReportOptions, w: &mut dyn Write) -> io::Result<()> {
    let texts = Texts::new(&output.workspace);
    let secrets = redacted_spans(output);
    let quote = |id: usize| -> Option<Quoted> {
        let file = texts.get(id)?;
        let redacted = secrets.get(&id).and_then(|spans| redact(&file.text, spans));
        Some(Quoted {
            id,
            name: texts.name(id)?,
            file,
            redacted,
        })
    };
    let config = term_config();
    for d in &output.diagnostics {
        let Some(own) = quote(d.file) else {
            continue;
        };
        let mut labels = vec![Label::primary(d.file, clamp(&own.file.text, d.span))];
        let mut files = QuotedFiles(vec![own]);
        for r in &d.related {
            if files.get(r.file).is_err()
                && let Some(q) = quote(r.file)
            {
                files.0.push(q);
            }
            if let Ok(rf) = files.get(r.file) {
                labels.push(
                    Label::secondary(r.file, clamp(&rf.file.text, r.span)).with_message(&r.message),
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
