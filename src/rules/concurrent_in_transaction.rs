//! `concurrent-in-transaction`: statements PostgreSQL refuses inside a transaction block.

use super::Rule;
use super::common::text::{execution, first_line};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::runner::{Runner, Wrapping};
use crate::source::Span;
use crate::syntax::{Statement, Stmt, TxControl};

pub static RULE: Rule = Rule {
    id: "concurrent-in-transaction",
    default_severity: Severity::Error,
    summary: "CREATE INDEX CONCURRENTLY, VACUUM and friends inside a transaction block",
    doc: include_str!("../../rules/concurrent-in-transaction.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let exec = execution(ctx);
    let top_level: Vec<&Statement> = ctx.top_level_commands();
    // Flyway runs a file without a transaction when it holds a statement of its own list, and
    // refuses a file that mixes those with other statements.
    let flyway_mixed = exec.runner == Runner::Flyway
        && exec.opted_out.is_none()
        && top_level
            .iter()
            .any(|s| Runner::flyway_non_transactional(s))
        && top_level.iter().any(|s| {
            !Runner::flyway_non_transactional(s) && !matches!(s.kind, Stmt::Transaction(_))
        });
    // Why the runner's own transaction surrounds a statement, if it does.
    let runner_tx = |stmt: &Statement| -> Option<String> {
        match exec.wrapping {
            Wrapping::None => None,
            _ if exec.runner.takes_out(stmt) => None,
            Wrapping::Implicit if top_level.len() <= 1 => None,
            _ if exec.runner == Runner::Flyway && Runner::flyway_non_transactional(stmt) => {
                flyway_mixed.then(|| {
                    "Flyway refuses a migration that mixes it with statements that run in a \
                     transaction (\"Detected both transactional and non-transactional \
                     statements\")"
                        .to_string()
                })
            }
            _ => Some(exec.why_wrapped()),
        }
    };
    // The BEGIN of the transaction open at the current statement, if any.
    let mut open: Option<Span> = None;
    for stmt in ctx.statements() {
        if stmt.context.in_do_block.is_none()
            && let Stmt::Transaction(t) = stmt.kind
        {
            open = match t {
                TxControl::Begin => open.or(Some(stmt.span)),
                TxControl::Commit | TxControl::Rollback => None,
            };
            continue;
        }
        let Some(what) = stmt.transaction_restriction() else {
            continue;
        };
        let (why, related) = if let Some(do_span) = stmt.context.in_do_block {
            (
                "a DO block always runs inside a transaction".to_string(),
                Some((do_span, "DO block starts here")),
            )
        } else if let Some(begin) = open {
            let line = ctx
                .source()
                .lines
                .line_col(&ctx.source().text, begin.start)
                .line;
            (
                format!("it is inside the transaction opened on line {line}"),
                Some((begin, "transaction opened here")),
            )
        } else if let Some(why) = runner_tx(stmt) {
            (why, None)
        } else {
            continue;
        };
        let mut d = ctx
            .diagnostic(
                &RULE,
                keyword_span(ctx, stmt),
                format!("{what} cannot run inside a transaction block: {why}"),
            )
            .with_help(help(what, exec.opt_out_hint()))
            .in_statement(stmt.span);
        if let Some((span, msg)) = related {
            d = d.with_related(ctx.file_id, span, msg);
        }
        out.push(d);
    }
}

fn help(what: &str, opt_out: Option<&str>) -> String {
    let opt_out = opt_out.map(|o| format!(" and {o}")).unwrap_or_default();
    if what.contains("CONCURRENTLY") {
        format!(
            "move the {what} into its own migration file without BEGIN/COMMIT{opt_out}, or drop CONCURRENTLY if blocking writes while it runs is acceptable"
        )
    } else {
        format!("move the {what} into its own migration file without BEGIN/COMMIT{opt_out}")
    }
}

/// Where to point: the `CONCURRENTLY` keyword when there is one, else the statement's first line.
fn keyword_span(ctx: &FileContext, stmt: &Statement) -> Span {
    let concurrently = match &stmt.kind {
        Stmt::CreateIndex(ci) => ci.concurrently_kw,
        Stmt::Drop(d) => d.concurrently_kw,
        Stmt::Reindex {
            concurrently_kw, ..
        } => *concurrently_kw,
        _ => None,
    };
    concurrently.unwrap_or_else(|| first_line(ctx, stmt.span))
}
