//! `blocking-index`: `CREATE INDEX`, `DROP INDEX`, `REINDEX` without `CONCURRENTLY` on an
//! existing table block its writes (or reads and writes) for the whole build.

use super::Rule;
use super::common::deploy::{index_on_existing_table, is_existing_table};
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::syntax::locks::{LockKind, rule};
use crate::syntax::{ObjectKind, Stmt};

pub static RULE: Rule = Rule {
    id: "blocking-index",
    default_severity: Severity::Warning,
    summary: "CREATE INDEX, DROP INDEX, REINDEX without CONCURRENTLY on an existing table",
    doc: include_str!("../../rules/blocking-index.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for (i, stmt) in ctx.statements().iter().enumerate() {
        let (span, kind, table, fix) = match &stmt.kind {
            Stmt::CreateIndex(ci) if !ci.concurrently && is_existing_table(ctx, i, &ci.table) => (
                ci.table.span(),
                LockKind::CreateIndex,
                ci.table.display(),
                "CREATE INDEX CONCURRENTLY",
            ),
            Stmt::Drop(d) if d.kind == ObjectKind::Index && !d.concurrently => {
                let Some(name) = d.names.iter().find(|n| index_on_existing_table(ctx, i, n)) else {
                    continue;
                };
                (
                    name.span(),
                    LockKind::DropIndex,
                    format!("the table of {}", name.display()),
                    "DROP INDEX CONCURRENTLY",
                )
            }
            Stmt::Reindex {
                concurrently: false,
                many_tables: None,
                target: Some((kind, name)),
                ..
            } => {
                let existing = if *kind == ObjectKind::Index {
                    index_on_existing_table(ctx, i, name)
                } else {
                    is_existing_table(ctx, i, name)
                };
                if !existing {
                    continue;
                }
                let lock = if *kind == ObjectKind::Index {
                    LockKind::ReindexIndex
                } else {
                    LockKind::ReindexTable
                };
                (name.span(), lock, name.display(), "REINDEX … CONCURRENTLY")
            }
            _ => continue,
        };
        let lock = rule(kind);
        let blocks = if lock.mode.blocks_reads() {
            "reads and writes"
        } else {
            "writes"
        };
        out.push(
            ctx.diagnostic(
                &RULE,
                span,
                format!(
                    "{} takes {} on {table}: it blocks {blocks} until it finishes",
                    lock.what,
                    lock.mode.sql()
                ),
            )
            .with_help(format!(
                "use {fix} in a migration file of its own, without BEGIN/COMMIT, marked `-- pgward: no-transaction`"
            ))
            .in_statement(stmt.span),
        );
    }
}
