//! `long-exclusive-lock`: once a statement took ACCESS EXCLUSIVE on an existing table, the lock
//! is held until the transaction ends; a slow statement after it in the same transaction (a
//! rewrite, an index build, a data change, a validating scan) keeps every reader and writer of
//! that table waiting for all of it.

use super::Rule;
use super::common::deploy::{
    index_on_existing_table, is_existing_table, not_null_proven, rewrites, transactions,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::source::Span;
use crate::syntax::locks::{LockMode, On, rule, statement_locks};
use crate::syntax::{
    AlterTableAction, ConstraintKind, DataChangeKind, ObjectKind, QualifiedName, Stmt,
};

pub static RULE: Rule = Rule {
    id: "long-exclusive-lock",
    default_severity: Severity::Warning,
    summary: "A slow statement in the same transaction after ACCESS EXCLUSIVE was taken on an existing table",
    doc: include_str!("../../rules/long-exclusive-lock.md"),
    check: Some(check),
};

/// An ACCESS EXCLUSIVE lock held since an earlier statement of the transaction.
struct Held {
    tx: usize,
    /// The table's catalog key.
    key: crate::catalog::Key,
    table: String,
    what: &'static str,
    span: Span,
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let tx_of = transactions(ctx);
    let mut held: Option<Held> = None;
    for (i, stmt) in ctx.statements().iter().enumerate() {
        let Some(tx) = tx_of.get(i).copied().flatten() else {
            continue;
        };
        if held.as_ref().is_some_and(|h| h.tx != tx) {
            held = None;
        }
        if let Some(h) = &held
            && !relocks(&stmt.kind, &h.key)
            && let Some(why) = slow(ctx, i, &stmt.kind)
        {
            out.push(
                ctx.diagnostic(
                    &RULE,
                    stmt.span,
                    format!(
                        "{why} while this transaction holds ACCESS EXCLUSIVE on {} (taken by {}): reads and writes of {} wait until COMMIT",
                        h.table, h.what, h.table
                    ),
                )
                .with_help(format!(
                    "commit right after the {} (a migration file of its own, or COMMIT; BEGIN in between), and run the slow statement in a later transaction",
                    h.what
                ))
                .with_related(ctx.file_id, h.span, "ACCESS EXCLUSIVE taken here")
                .in_statement(stmt.span),
            );
        }
        if held.is_none() {
            held = exclusive_lock(ctx, i, &stmt.kind).map(|(key, table, what)| Held {
                tx,
                key,
                table,
                what,
                span: stmt.span,
            });
        }
    }
}

/// Whether the statement takes ACCESS EXCLUSIVE on that table itself: then its slowness is its
/// own (`table-rewrite`, `unique-without-index`, … report it), not the earlier statement's.
fn relocks(stmt: &Stmt, key: &crate::catalog::Key) -> bool {
    statement_locks(stmt)
        .iter()
        .any(|l| !l.index && l.mode == LockMode::AccessExclusive && l.relation.key() == *key)
}

/// The existing table this statement takes ACCESS EXCLUSIVE on (its key and name), with what
/// takes it.
fn exclusive_lock(
    ctx: &FileContext,
    i: usize,
    stmt: &Stmt,
) -> Option<(crate::catalog::Key, String, &'static str)> {
    statement_locks(stmt).into_iter().find_map(|l| {
        let existing = if l.index {
            index_on_existing_table(ctx, i, l.relation)
        } else {
            is_existing_table(ctx, i, l.relation)
        };
        (l.mode == LockMode::AccessExclusive && rule(l.kind).on == On::Target && existing)
            .then(|| (l.relation.key(), l.relation.display(), l.what))
    })
}

/// Why the statement is slow on a large table, if it is: it rewrites, builds an index, changes
/// rows or scans to validate, on an existing table.
fn slow(ctx: &FileContext, i: usize, stmt: &Stmt) -> Option<String> {
    let existing = |t: &QualifiedName| is_existing_table(ctx, i, t);
    match stmt {
        Stmt::CreateIndex(ci) if existing(&ci.table) => {
            Some(format!("CREATE INDEX reads all of {}", ci.table.display()))
        }
        Stmt::Reindex {
            target: Some((kind, name)),
            concurrently: false,
            ..
        } if if *kind == ObjectKind::Index {
            index_on_existing_table(ctx, i, name)
        } else {
            existing(name)
        } =>
        {
            Some(format!("REINDEX rebuilds {}", name.display()))
        }
        Stmt::DataChange(dc)
            if matches!(dc.kind, DataChangeKind::Update | DataChangeKind::Delete)
                && existing(&dc.table) =>
        {
            let verb = if dc.kind == DataChangeKind::Update {
                "UPDATE"
            } else {
                "DELETE"
            };
            Some(format!(
                "{verb} of {} touches every matching row",
                dc.table.display()
            ))
        }
        Stmt::VacuumFull { .. } | Stmt::Cluster { .. } => {
            rewrites(ctx, i).into_iter().next().map(|(_, m, _)| m)
        }
        Stmt::AlterTable(at) if existing(&at.name) => {
            if let Some((_, m, _)) = rewrites(ctx, i).into_iter().next() {
                return Some(m);
            }
            let t = at.name.display();
            at.actions.iter().find_map(|a| match &a.action {
                AlterTableAction::AddConstraint(c) if !c.not_valid => match c.kind {
                    ConstraintKind::ForeignKey(_) | ConstraintKind::Check => {
                        Some(format!("adding a constraint checks every row of {t}"))
                    }
                    ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_)
                        if c.using_index.is_none() =>
                    {
                        Some(format!("adding a unique constraint builds an index on {t}"))
                    }
                    _ => None,
                },
                AlterTableAction::ValidateConstraint { .. } => {
                    Some(format!("VALIDATE CONSTRAINT scans {t}"))
                }
                AlterTableAction::SetNotNull { column }
                    if !(ctx.config.postgres_version.major() >= 12
                        && not_null_proven(ctx, i, &at.name, &column.value)) =>
                {
                    Some(format!("SET NOT NULL scans {t}"))
                }
                _ => None,
            })
        }
        _ => None,
    }
}
