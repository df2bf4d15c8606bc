//! Reporters: one file per output format, each turning a [`CheckOutput`] into text.
//! Positions are converted here, at the edge (see `source::LineIndex`).

use crate::diagnostic::Diagnostic;
use crate::engine::{CheckOutput, Workspace};
use crate::source::{FileId, LineCol, SourceFile, Span};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::Arc;

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

/// The texts of a workspace's files as a reporter reads them. A file whose text a big check let
/// go ([`crate::engine::Source::released`]) is read again and kept only while it is among the
/// last few asked for: diagnostics come in file order, so a file's text is in memory while its
/// diagnostics are written, not to the end of the report.
pub struct Texts<'a> {
    workspace: &'a Workspace,
    recent: RefCell<VecDeque<(FileId, Arc<SourceFile>)>>,
}

/// How many re-read texts a reporter keeps (a diagnostic's file and its related places).
const KEEP_TEXTS: usize = 8;

impl<'a> Texts<'a> {
    pub fn new(workspace: &'a Workspace) -> Texts<'a> {
        Texts {
            workspace,
            recent: RefCell::new(VecDeque::new()),
        }
    }

    /// The text of a file of the workspace (`None` for an id it does not have).
    pub fn get(&self, file: FileId) -> Option<Arc<SourceFile>> {
        let source = &self.workspace.files.get(file)?.source;
        if source.is_read() {
            return Some(source.load());
        }
        let mut recent = self.recent.borrow_mut();
        if let Some((_, text)) = recent.iter().find(|(id, _)| *id == file) {
            return Some(text.clone());
        }
        let text = source.load();
        if recent.len() == KEEP_TEXTS {
            recent.pop_back();
        }
        recent.push_front((file, text.clone()));
        Some(text)
    }

    /// A file's name, without reading it.
    pub fn name(&self, file: FileId) -> Option<&'a str> {
        Some(self.workspace.files.get(file)?.source.name())
    }
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
