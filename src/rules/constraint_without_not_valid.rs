//! `constraint-without-not-valid`: a `FOREIGN KEY` or `CHECK` added to an existing table
//! without `NOT VALID` scans the whole table under its lock; `VALIDATE CONSTRAINT` in the same
//! transaction as its `NOT VALID` add gains nothing.

use super::Rule;
use super::common::deploy::is_existing_table;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::source::Span;
use crate::syntax::{AlterTableAction, ConstraintKind, Stmt, TxControl};

pub static RULE: Rule = Rule {
    id: "constraint-without-not-valid",
    default_severity: Severity::Warning,
    summary: "ADD CONSTRAINT … FOREIGN KEY/CHECK on an existing table without NOT VALID",
    doc: include_str!("../../rules/constraint-without-not-valid.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    // `NOT VALID` constraints added in the current transaction: (name, span).
    let mut not_valid: Vec<(String, Span)> = Vec::new();
    for (i, stmt) in ctx.statements().iter().enumerate() {
        match &stmt.kind {
            Stmt::Transaction(TxControl::Commit | TxControl::Rollback)
                if stmt.context.in_do_block.is_none() =>
            {
                not_valid.clear();
            }
            Stmt::AlterTable(at) => {
                for action in &at.actions {
                    match &action.action {
                        AlterTableAction::AddConstraint(c) => {
                            let what = match c.kind {
                                ConstraintKind::ForeignKey(_) => "FOREIGN KEY",
                                ConstraintKind::Check => "CHECK",
                                _ => continue,
                            };
                            if c.not_valid {
                                if let Some(name) = &c.name {
                                    not_valid.push((name.value.clone(), c.span));
                                }
                                continue;
                            }
                            if !is_existing_table(ctx, i, &at.name) {
                                continue;
                            }
                            out.push(
                                ctx.diagnostic(
                                    &RULE,
                                    c.span,
                                    format!(
                                        "adding a {what} constraint checks every row of {} while it holds its lock",
                                        at.name.display()
                                    ),
                                )
                                .with_help(
                                    "add it with NOT VALID (new rows are checked at once), then run `ALTER TABLE … VALIDATE CONSTRAINT …` in a later transaction: validation takes only SHARE UPDATE EXCLUSIVE",
                                )
                                .in_statement(stmt.span),
                            );
                        }
                        AlterTableAction::ValidateConstraint { name } => {
                            if let Some((_, added)) = not_valid
                                .iter()
                                .find(|(n, _)| *n == name.value)
                                .filter(|_| is_existing_table(ctx, i, &at.name))
                            {
                                out.push(
                                    ctx.diagnostic(
                                        &RULE,
                                        action.span,
                                        format!(
                                            "constraint {} is validated in the same transaction that added it NOT VALID: the lock of the ADD is held during the scan",
                                            name.value
                                        ),
                                    )
                                    .with_help("move VALIDATE CONSTRAINT into a later migration file (or after COMMIT)")
                                    .with_related(ctx.file_id, *added, "added NOT VALID here")
                                    .in_statement(stmt.span),
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}
