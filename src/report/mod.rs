//! Reporters: one file per output format, each turning a [`CheckOutput`] into text.
//! Positions are converted here, at the edge (see `source::LineIndex`).

use crate::diagnostic::Diagnostic;
use crate::engine::{CheckOutput, Workspace};
use crate::source::{LineCol, SourceFile, Span};
use std::io::{self, Write};

pub mod common;
mod gcc;
pub mod github;
mod human;
mod json;
pub mod lsp_json;
mod rdjsonl;
pub mod sarif;

pub use common::{RULE_DOC_URL_PREFIX, TOOL_URL, rule_doc_url};

/// An output format of `pgward check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Gcc,
    Github,
    Sarif,
    Lsp,
    Rdjsonl,
}

impl Format {
    pub const ALL: &'static [(&'static str, Format)] = &[
        ("human", Format::Human),
        ("json", Format::Json),
        ("gcc", Format::Gcc),
        ("github", Format::Github),
        ("sarif", Format::Sarif),
        ("lsp", Format::Lsp),
        ("rdjsonl", Format::Rdjsonl),
    ];
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Format::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown format `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// ANSI colour (human output only).
    pub color: bool,
    /// Diagnostics only, no summary.
    pub quiet: bool,
}

/// Write the report for `output` in `format`.
pub fn render(
    format: Format,
    output: &CheckOutput,
    options: &ReportOptions,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(output, options, w),
        Format::Json => json::render(output, options, w),
        Format::Gcc => gcc::render(output, options, w),
        Format::Github => github::render(output, options, w),
        Format::Sarif => sarif::render(output, options, w),
        Format::Lsp => lsp_json::render(output, options, w),
        Format::Rdjsonl => rdjsonl::render(output, options, w),
    }
}

/// Start and end (exclusive) of a span as 1-based lines and character columns.
pub fn line_cols(file: &SourceFile, span: Span) -> (LineCol, LineCol) {
    (
        file.lines.line_col(&file.text, span.start),
        file.lines.line_col(&file.text, span.end),
    )
}

/// The source file a diagnostic (or a related location) points into, if the workspace has it.
pub fn file_of(workspace: &Workspace, file: crate::diagnostic::FileId) -> Option<&SourceFile> {
    workspace.files.get(file).map(|f| &f.source)
}

/// Counts for the summary line every human-facing format prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Files that were checked and reported (context-only files are not counted).
    pub files: usize,
}

impl Summary {
    pub fn of(output: &CheckOutput) -> Summary {
        let mut s = Summary {
            files: output.workspace.files.iter().filter(|f| f.report).count(),
            ..Summary::default()
        };
        for d in &output.diagnostics {
            count(&mut s, d);
        }
        s
    }
}

fn count(s: &mut Summary, d: &Diagnostic) {
    use crate::diagnostic::Severity;
    match d.severity {
        Severity::Error => s.errors += 1,
        Severity::Warning => s.warnings += 1,
        Severity::Info => s.infos += 1,
    }
}

impl std::fmt::Display for Summary {
    /// `2 errors, 3 warnings in 14 files` / `No problems found in 14 files`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let files = plural(self.files, "file", "files");
        let mut parts = Vec::new();
        if self.errors > 0 {
            parts.push(plural(self.errors, "error", "errors"));
        }
        if self.warnings > 0 {
            parts.push(plural(self.warnings, "warning", "warnings"));
        }
        if self.infos > 0 {
            parts.push(plural(self.infos, "info", "info"));
        }
        if parts.is_empty() {
            write!(f, "No problems found in {files}")
        } else {
            write!(f, "{} in {files}", parts.join(", "))
        }
    }
}
