//! `missing-lock-timeout`: a statement that takes SHARE or a stronger lock on an existing table
//! with no `lock_timeout` in force: while it waits behind a long transaction, every query on
//! the table queues behind it.

use super::Rule;
use super::common::deploy::{index_on_existing_table, is_existing_table};
use super::common::text::execution;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::runner::Wrapping;
use crate::syntax::locks::{LockMode, On, statement_locks};
use crate::syntax::{Stmt, TxControl};

pub static RULE: Rule = Rule {
    id: "missing-lock-timeout",
    default_severity: Severity::Warning,
    summary: "A statement locking an existing table (SHARE or stronger) with no lock_timeout set before it",
    doc: include_str!("../../rules/missing-lock-timeout.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    // The runner sets one itself: `pgward apply` (`SET LOCAL lock_timeout`, `--lock-timeout`,
    // 5s by default); no other runner does (docs/runners.md).
    if ctx.config.runner().sets_lock_timeout() {
        return;
    }
    let wrapped = execution(ctx).wrapping != Wrapping::None;
    let mut in_tx = wrapped;
    // A session-level timeout, and a transaction-level (`SET LOCAL`) one.
    let mut session = false;
    let mut local = false;
    for (i, stmt) in ctx.statements().iter().enumerate() {
        match &stmt.kind {
            Stmt::Transaction(t) if stmt.context.in_do_block.is_none() => {
                match t {
                    TxControl::Begin => in_tx = true,
                    TxControl::Commit | TxControl::Rollback => {
                        in_tx = wrapped;
                        local = false;
                    }
                }
                continue;
            }
            Stmt::Session(s) if s.name == "lock_timeout" || s.name == "all" => {
                let on = s.duration_ms().is_some_and(|ms| ms > 0);
                if s.local {
                    // `SET LOCAL` outside a transaction block has no effect.
                    if in_tx || stmt.context.in_do_block.is_some() {
                        local = on;
                    }
                } else {
                    session = on;
                    local = local && on;
                }
                continue;
            }
            _ => {}
        }
        if session || local {
            continue;
        }
        // Locks on the statement's own target: a referenced table's SHARE ROW EXCLUSIVE
        // (`REFERENCES auth.users`) is held only while the new or altered table is checked.
        let strong = statement_locks(&stmt.kind).into_iter().find(|l| {
            l.mode >= LockMode::Share
                && crate::syntax::locks::rule(l.kind).on == On::Target
                && if l.index {
                    index_on_existing_table(ctx, i, l.relation)
                } else {
                    is_existing_table(ctx, i, l.relation)
                }
        });
        let Some(lock) = strong else { continue };
        out.push(
            ctx.diagnostic(
                &RULE,
                lock.relation.span(),
                format!(
                    "{} takes {} on {} with no lock_timeout set: if it has to wait, every query on the table waits behind it",
                    lock.what,
                    lock.mode.sql(),
                    lock.relation.display()
                ),
            )
            .with_help("set a timeout first, e.g. `SET lock_timeout = '5s';` at the top of the file (or `SET LOCAL lock_timeout = '5s';` after BEGIN), and retry the migration when it times out")
            .in_statement(stmt.span),
        );
        // Once per file: one SET fixes every statement after it.
        return;
    }
}
