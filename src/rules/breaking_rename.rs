//! `breaking-rename`: renaming an existing table or column breaks the application code that is
//! still running against the old name during (and after) the deploy.

use super::Rule;
use super::common::deploy::is_existing_table;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::syntax::{AlterTableAction, Stmt};

pub static RULE: Rule = Rule {
    id: "breaking-rename",
    default_severity: Severity::Warning,
    summary: "RENAME COLUMN / RENAME TO of an existing table or column: running code breaks",
    doc: include_str!("../../rules/breaking-rename.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for (i, stmt) in ctx.statements().iter().enumerate() {
        let Stmt::AlterTable(at) = &stmt.kind else {
            continue;
        };
        if !is_existing_table(ctx, i, &at.name) {
            continue;
        }
        for action in &at.actions {
            let message = match &action.action {
                AlterTableAction::RenameColumn { from, to } => format!(
                    "renaming column {}.{} to {}: queries that still use the old name fail as soon as this commits",
                    at.name.display(),
                    from.value,
                    to.value
                ),
                AlterTableAction::RenameTable { to } => format!(
                    "renaming table {} to {}: queries that still use the old name fail as soon as this commits",
                    at.name.display(),
                    to.value
                ),
                _ => continue,
            };
            out.push(
                ctx.diagnostic(&RULE, action.span, message)
                    .with_help("expand and contract: add the new name (a new column kept in sync by a trigger, or a view with the new name), move the code over, then drop the old name in a later deploy")
                    .in_statement(stmt.span),
            );
        }
    }
}
