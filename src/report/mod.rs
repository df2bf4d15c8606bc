//! Reporters: one file per output format, each turning a [`CheckOutput`] into text.
//! Positions are converted here, at the edge (see `source::LineIndex`).

use crate::engine::CheckOutput;
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
