//! `required-column-without-default`: `ADD COLUMN … NOT NULL` without a default on an existing
//! table fails as soon as the table has a row.

use super::Rule;
use super::common::deploy::is_existing_table;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::syntax::{AlterTableAction, Stmt};

pub static RULE: Rule = Rule {
    id: "required-column-without-default",
    default_severity: Severity::Error,
    summary: "ADD COLUMN … NOT NULL without a default on an existing table: fails when the table has rows",
    doc: include_str!("../../rules/required-column-without-default.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for (i, stmt) in ctx.statements().iter().enumerate() {
        let Stmt::AlterTable(at) = &stmt.kind else {
            continue;
        };
        for action in &at.actions {
            let AlterTableAction::AddColumn { column, .. } = &action.action else {
                continue;
            };
            let has_default = column.default.as_ref().is_some_and(|d| !d.null)
                || column.generated.is_some()
                || column.is_serial();
            if !column.not_null || has_default || !is_existing_table(ctx, i, &at.name) {
                continue;
            }
            out.push(
                ctx.diagnostic(
                    &RULE,
                    column.span,
                    format!(
                        "column {} is NOT NULL without a default: adding it fails if {} has any row",
                        column.name.value,
                        at.name.display()
                    ),
                )
                .with_help(format!(
                    "add a DEFAULT (a constant is cheap since PostgreSQL 11), or add the column nullable, backfill it in batches, then `ALTER TABLE {} ALTER COLUMN {} SET NOT NULL`",
                    at.name.display(),
                    column.name.value
                ))
                .in_statement(stmt.span),
            );
        }
    }
}
