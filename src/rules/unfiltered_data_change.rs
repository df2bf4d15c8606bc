//! `unfiltered-data-change`: `UPDATE`/`DELETE` without `WHERE` on an existing table in a
//! migration locks and rewrites every row (and `DELETE` loses them).

use super::Rule;
use super::common::deploy::is_existing_table;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::syntax::{DataChangeKind, Stmt};

pub static RULE: Rule = Rule {
    id: "unfiltered-data-change",
    default_severity: Severity::Warning,
    summary: "UPDATE or DELETE without WHERE on an existing table",
    doc: include_str!("../../rules/unfiltered-data-change.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for (i, stmt) in ctx.statements().iter().enumerate() {
        let Stmt::DataChange(change) = &stmt.kind else {
            continue;
        };
        if change.filtered || !is_existing_table(ctx, i, &change.table) {
            continue;
        }
        let (what, harm, help) = match change.kind {
            DataChangeKind::Update => (
                "UPDATE",
                "locks and rewrites every row",
                "add a WHERE clause, or backfill in batches (`UPDATE … WHERE id BETWEEN …`) outside the schema migration",
            ),
            DataChangeKind::Delete => (
                "DELETE",
                "deletes every row (and locks them all)",
                "add a WHERE clause; to empty a table on purpose say so with TRUNCATE",
            ),
            DataChangeKind::Insert => continue,
        };
        out.push(
            ctx.diagnostic(
                &RULE,
                change.table.span(),
                format!(
                    "{what} without WHERE on {}: it {harm} in one transaction",
                    change.table.display()
                ),
            )
            .with_help(help)
            .in_statement(stmt.span),
        );
    }
}
