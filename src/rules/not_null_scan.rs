//! `not-null-scan`: `SET NOT NULL` on an existing table scans every row under ACCESS EXCLUSIVE,
//! unless a validated `CHECK (col IS NOT NULL)` proves it first (PostgreSQL 12 and later).

use super::Rule;
use super::common::deploy::{is_existing_table, not_null_proven};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::{AlterTableAction, Stmt};

pub static RULE: Rule = Rule {
    id: "not-null-scan",
    default_severity: Severity::Warning,
    summary: "SET NOT NULL on an existing table without a validated CHECK (col IS NOT NULL) first",
    doc: include_str!("../../rules/not-null-scan.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let proof_counts = ctx.config.postgres_version.major() >= 12;
    for (i, stmt) in ctx.statements().iter().enumerate() {
        let Stmt::AlterTable(at) = &stmt.kind else {
            continue;
        };
        for action in &at.actions {
            let AlterTableAction::SetNotNull { column } = &action.action else {
                continue;
            };
            if !is_existing_table(ctx, i, &at.name)
                || (proof_counts && not_null_proven(ctx, i, &at.name, &column.value))
            {
                continue;
            }
            out.push(
                ctx.diagnostic(
                    &RULE,
                    action.span,
                    format!(
                        "SET NOT NULL scans every row of {} under ACCESS EXCLUSIVE (reads and writes wait)",
                        at.name.display()
                    ),
                )
                .with_help(format!(
                    "first `ALTER TABLE {t} ADD CONSTRAINT {c}_not_null CHECK ({c} IS NOT NULL) NOT VALID;`, then `ALTER TABLE {t} VALIDATE CONSTRAINT {c}_not_null;` in a later transaction; SET NOT NULL then skips the scan (PostgreSQL 12+) and the check can be dropped",
                    t = at.name.display(),
                    c = column.value
                ))
                .in_statement(stmt.span),
            );
        }
    }
}
