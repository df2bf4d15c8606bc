//! The lint pipeline: parse every file, replay the catalog, run the rules on the files being
//! reported, apply suppressions and severity overrides, sort.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{self, Rule};
use crate::syntax::{self, ParseOptions, ParsedFile};
use rayon::prelude::*;
use std::borrow::Cow;

pub mod baseline;
pub mod cache;
pub mod fix;
pub mod suppress;

// The types the engine's callers hand in and get back live in the layer that owns them.
pub use crate::rules::{FileContext, Parsed, Source, Workspace, WorkspaceFile};
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
    workspace_from_files(parse_inputs(inputs, options))
}

/// Parse files in parallel; rayon keeps the output in input (migration) order.
fn parse_inputs(inputs: Vec<CheckInput>, options: &ParseOptions) -> Vec<WorkspaceFile> {
    inputs
        .into_par_iter()
        .map(|input| {
            let parsed = syntax::parse_file_with(&input.source.text, options);
            WorkspaceFile {
                source: input.source.into(),
                parsed: parsed.into(),
                report: input.report,
            }
        })
        .collect()
}

/// A workspace from files parsed earlier (in migration order): the language server keeps the
/// parsed context files cached and only re-parses the buffer being edited.
pub fn workspace_from_files(files: Vec<WorkspaceFile>) -> Workspace {
    let catalog = Catalog::replay(files.iter().map(|f| &*f.parsed));
    Workspace { files, catalog }
}

/// A workspace whose replay leaves out what the runner only runs backwards: down/undo files
/// and dbmate's `-- migrate:down` sections are checked, but their statements do not change the
/// forward schema.
pub fn workspace_for_runner(files: Vec<WorkspaceFile>, config: &Config) -> Workspace {
    let mut catalog = Catalog::default();
    replay_for_runner(&mut catalog, &files, config);
    Workspace { files, catalog }
}

/// Replay `files` after what `catalog` holds, leaving out what the runner only runs backwards.
pub fn replay_for_runner(catalog: &mut Catalog, files: &[WorkspaceFile], config: &Config) {
    let replayed: Vec<Cow<ParsedFile>> = files.iter().map(|f| forward_part(f, config)).collect();
    catalog.replay_more(replayed.iter().map(|p| &**p));
}

/// A file as the forward replay sees it: down sections kept in place (statement indices stay
/// valid) but turned into no-ops.
fn forward_part<'f>(file: &'f WorkspaceFile, config: &Config) -> Cow<'f, ParsedFile> {
    let ranges = config.reversal_ranges(&file.source.name, &file.source.text);
    if ranges.is_empty() {
        return Cow::Borrowed(&*file.parsed);
    }
    let mut parsed = (*file.parsed).clone();
    for stmt in &mut parsed.statements {
        if ranges.iter().any(|r| r.contains(&stmt.span.start)) {
            stmt.kind = syntax::Stmt::Other {
                keyword: "REVERSAL".to_string(),
            };
        }
    }
    Cow::Owned(parsed)
}

/// The rules that look at a reversal on its own: syntax and transaction handling. The
/// schema-aware rules speak about the forward schema, which a reversal is not part of.
const REVERSAL_RULES: &[&str] = &[
    "parse-error",
    "unsupported-syntax",
    "transaction-wrapper",
    "concurrent-in-transaction",
];

/// Check a migration set with a config.
pub fn check(inputs: Vec<CheckInput>, config: &Config) -> CheckOutput {
    let files = parse_inputs(inputs, &config.parse_options());
    let workspace = workspace_for_runner(files, config);
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
            drop_fixes_inside_execute(&ctx, &mut found);
            let mut kept = suppress::apply(&ctx, found);
            let file = &workspace.files[file_id];
            let reversal = config.reversal_ranges(&file.source.name, &file.source.text);
            if !reversal.is_empty() {
                kept.retain(|d| {
                    REVERSAL_RULES.contains(&d.rule)
                        || !reversal.iter().any(|r| r.contains(&d.span.start))
                });
            }
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
/// A statement run by `EXECUTE '…'` stands inside a string literal: an edit there would need
/// quoting, so its diagnostics carry no fix. One assembled from several pieces (`format()`
/// arguments, `||`) has no text of its own in the file either, so help that quotes the file
/// around it would be garbled: it gets none.
fn drop_fixes_inside_execute(ctx: &FileContext, found: &mut [Diagnostic]) {
    let executed: Vec<(crate::source::Span, bool)> = ctx
        .statements()
        .iter()
        .filter(|s| s.context.in_execute.is_some())
        .map(|s| (s.span, s.context.assembled))
        .collect();
    if executed.is_empty() {
        return;
    }
    for d in found.iter_mut() {
        let Some(&(_, assembled)) = executed.iter().find(|(span, _)| d.statement == Some(*span))
        else {
            continue;
        };
        d.fix = None;
        if assembled {
            d.help = None;
        }
    }
}

/// Rules whose findings `pgward apply` refuses at any configured severity: its verification
/// step checks the same thing in the live database after a file ran (protected tables still
/// exist, `[realtime] tables` are published), and a refusal then comes after earlier files were
/// committed. Refusing in the lint gate, before anything runs, is the only refusal that changes
/// nothing.
const VERIFIED_AT_APPLY: &[&str] = &["protected-table-drop", "missing-realtime-publication"];

/// "Fatal at apply", the one definition: whether a finding of `rule` at `severity` stops
/// `pgward apply`. Apply's lint gate refuses every diagnostic for which this holds, and apply's
/// verification enforces a rule's check in the live database only when
/// [`rule_fatal_at_apply`] holds, so the gate refuses before the first file is committed
/// everything verification would refuse later.
pub fn fatal_at_apply(rule: &str, severity: Severity) -> bool {
    severity == Severity::Error || VERIFIED_AT_APPLY.contains(&rule)
}

/// [`fatal_at_apply`] for a rule under a config: false when the rule does not run.
pub fn rule_fatal_at_apply(rule_id: &str, config: &Config) -> bool {
    rules::find(rule_id)
        .and_then(|rule| rules::effective_severity(rule, config))
        .is_some_and(|severity| fatal_at_apply(rule_id, severity))
}
