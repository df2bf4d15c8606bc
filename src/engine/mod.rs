//! The lint pipeline: parse every file, replay the catalog, run the rules on the files being
//! reported, apply suppressions and severity overrides, sort.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::rules::{self, Rule};
use crate::syntax::{self, ParseOptions};
use rayon::prelude::*;
use std::sync::Arc;

pub mod suppress;

// The types the engine's callers hand in and get back live in the layer that owns them.
pub use crate::rules::{FileContext, Workspace, WorkspaceFile};
pub use crate::source::CheckInput;

/// The result of a check: the parsed set (reporters need the sources) and the diagnostics, in
/// file order then position.
#[derive(Debug)]
pub struct CheckOutput {
    pub workspace: Workspace,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parse a set of files (in migration order) for the default target version and replay them
/// into a catalog.
pub fn build_workspace(inputs: Vec<CheckInput>) -> Workspace {
    build_workspace_with(inputs, &ParseOptions::default())
}

/// Parse a set of files (in migration order) and replay them into a catalog.
pub fn build_workspace_with(inputs: Vec<CheckInput>, options: &ParseOptions) -> Workspace {
    // Files parse independently; rayon keeps the output in input (migration) order.
    let files: Vec<WorkspaceFile> = inputs
        .into_par_iter()
        .map(|input| {
            let parsed = syntax::parse_file_with(&input.source.text, options);
            WorkspaceFile {
                source: Arc::new(input.source),
                parsed: Arc::new(parsed),
                report: input.report,
            }
        })
        .collect();
    workspace_from_files(files)
}

/// A workspace from files parsed earlier (in migration order): the language server keeps the
/// parsed context files cached and only re-parses the buffer being edited.
pub fn workspace_from_files(files: Vec<WorkspaceFile>) -> Workspace {
    let catalog = Catalog::replay(files.iter().map(|f| &*f.parsed));
    Workspace { files, catalog }
}

/// Check a migration set with a config.
pub fn check(inputs: Vec<CheckInput>, config: &Config) -> CheckOutput {
    let workspace = build_workspace_with(inputs, &config.parse_options());
    let diagnostics = run_rules(&workspace, config);
    CheckOutput {
        workspace,
        diagnostics,
    }
}

/// Run the enabled rules over every reported file of a workspace.
pub fn run_rules(workspace: &Workspace, config: &Config) -> Vec<Diagnostic> {
    let enabled: Vec<&Rule> = rules::all()
        .iter()
        .copied()
        .filter(|r| rules::is_enabled(r, config))
        .collect();
    // Rules see the finished catalog and one file each, so files are checked in parallel; the
    // final sort makes the output independent of the thread count.
    let per_file: Vec<Vec<Diagnostic>> = (0..workspace.files.len())
        .into_par_iter()
        .filter(|&file_id| workspace.files[file_id].report)
        .map(|file_id| {
            let ctx = FileContext {
                file_id,
                workspace,
                config,
            };
            let mut found = Vec::new();
            for rule in &enabled {
                if let Some(check) = rule.check {
                    check(&ctx, &mut found);
                }
            }
            let mut kept = suppress::apply(&ctx, found);
            kept.retain(|d| rules::find(d.rule).is_none_or(|r| rules::is_enabled(r, config)));
            for d in &mut kept {
                if let Some(severity) = rules::severity_override(d.rule, config) {
                    d.severity = severity;
                }
            }
            kept
        })
        .collect();
    let mut all: Vec<Diagnostic> = per_file.into_iter().flatten().collect();
    all.sort_by(|a, b| {
        (a.file, a.span.start, a.span.end, a.rule).cmp(&(b.file, b.span.start, b.span.end, b.rule))
    });
    all.dedup();
    all
}
