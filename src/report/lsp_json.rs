//! `--format lsp`: a JSON array of LSP `PublishDiagnosticsParams`, one per reported file (files
//! without findings get an empty list), for editor plugins that shell out instead of speaking
//! LSP. Built from `lsp-types` structs; the language server uses the same conversion.

use super::ReportOptions;
use super::common::{file_uri, rule_doc_url};
use crate::diagnostic::{Diagnostic, FileId, Severity};
use crate::engine::{CheckOutput, Workspace};
use crate::source::{SourceFile, Span};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, PublishDiagnosticsParams, Range, Uri,
};
use std::io::{self, Write};
use std::str::FromStr;

/// 0-based line, UTF-16 code unit character.
pub fn lsp_position(source: &SourceFile, offset: usize) -> Position {
    let p = source.lines.utf16(&source.text, offset);
    Position {
        line: p.line,
        character: p.character,
    }
}

pub fn lsp_range(source: &SourceFile, span: Span) -> Range {
    Range {
        start: lsp_position(source, span.start),
        end: lsp_position(source, span.end),
    }
}

pub fn lsp_severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// A `file://` URI for a reported file name. Names that cannot form a URI (never expected:
/// every byte outside the safe set is percent-encoded) yield `None`.
pub fn uri_for_name(name: &str) -> Option<Uri> {
    Uri::from_str(&file_uri(name)).ok()
}

/// One of our diagnostics as an LSP diagnostic. `uri_of` names the document of a file of the
/// workspace (the server maps its open buffer to the URI the client sent).
pub fn to_lsp_diagnostic(
    d: &Diagnostic,
    workspace: &Workspace,
    uri_of: &dyn Fn(FileId) -> Option<Uri>,
) -> Option<lsp_types::Diagnostic> {
    let file = workspace.files.get(d.file)?.source.load();
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            let rf = workspace.files.get(r.file)?.source.load();
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: uri_of(r.file)?,
                    range: lsp_range(&rf, r.span),
                },
                message: r.message.clone(),
            })
        })
        .collect();
    Some(lsp_types::Diagnostic {
        range: lsp_range(&file, d.span),
        severity: Some(lsp_severity(d.severity)),
        code: Some(NumberOrString::String(d.rule.to_string())),
        code_description: Uri::from_str(&rule_doc_url(d.rule))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("pgward".to_string()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    })
}

/// Every reported file with its diagnostics, in file order.
pub fn publish_params(output: &CheckOutput) -> Vec<PublishDiagnosticsParams> {
    let workspace = &output.workspace;
    let uri_of = |id: FileId| {
        workspace
            .files
            .get(id)
            .and_then(|f| uri_for_name(f.source.name()))
    };
    workspace
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.report)
        .filter_map(|(id, _)| {
            let uri = uri_of(id)?;
            let diagnostics = output
                .diagnostics
                .iter()
                .filter(|d| d.file == id)
                .filter_map(|d| to_lsp_diagnostic(d, workspace, &uri_of))
                .collect();
            Some(PublishDiagnosticsParams {
                uri,
                diagnostics,
                version: None,
            })
        })
        .collect()
}

pub fn render(output: &CheckOutput, _options: &ReportOptions, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &publish_params(output))?;
    writeln!(w)
}
