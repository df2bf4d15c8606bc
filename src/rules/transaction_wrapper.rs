//! `transaction-wrapper`: the file must run as one transaction, so a failure half-way leaves
//! nothing behind.

use super::Rule;
use super::common::text::{execution, first_line, no_transaction_marker};
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::rules::FileContext;
use crate::runner::{Execution, Runner};
use crate::source::Span;
use crate::syntax::{Statement, Stmt, TxControl};

pub static RULE: Rule = Rule {
    id: "transaction-wrapper",
    default_severity: Severity::Error,
    summary: "A file that does not run as exactly one transaction (BEGIN … COMMIT)",
    doc: include_str!("../../rules/transaction-wrapper.md"),
    check: Some(check),
};

/// Statements that only change session settings: harmless outside the transaction. pg_dump
/// writes `SELECT pg_catalog.set_config('search_path', '', false);` among its `SET`s (a
/// [`Stmt::Session`] in the model, like `SET` and `RESET`).
fn is_session_setting(_ctx: &FileContext, stmt: &Statement) -> bool {
    match &stmt.kind {
        Stmt::Session(_) => true,
        Stmt::Other { keyword } => {
            let first = keyword.split_whitespace().next().unwrap_or("");
            matches!(first, "SET" | "RESET" | "SHOW")
        }
        _ => false,
    }
}

fn tx(stmt: &Statement) -> Option<TxControl> {
    match stmt.kind {
        Stmt::Transaction(t) => Some(t),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum State {
    /// No `BEGIN` seen yet.
    Before,
    /// Inside the transaction opened at this span.
    Open(Span),
    /// The transaction was closed by the `COMMIT`/`ROLLBACK` at this span.
    Closed(Span),
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let stmts: Vec<&Statement> = ctx.top_level_commands();
    let exec = execution(ctx);
    let assume = exec.runner_wraps();
    let has_tx = stmts.iter().any(|s| tx(s).is_some());
    if !has_tx {
        if assume {
            taken_out(ctx, &exec, &stmts, out);
        } else {
            missing_wrapper(ctx, &exec, &stmts, out);
        }
        return;
    }
    let line = |span: Span| {
        ctx.source()
            .lines
            .line_col(&ctx.source().text, span.start)
            .line
    };
    let first_begin = stmts.iter().position(|s| tx(s) == Some(TxControl::Begin));
    let last = stmts.len() - 1;
    let mut state = State::Before;
    // In assume mode, once a COMMIT in the middle is reported, what follows is the same problem.
    let mut reported_early_close = false;
    for (i, stmt) in stmts.iter().enumerate() {
        let diag = |msg: String| {
            ctx.diagnostic(&RULE, first_line(ctx, stmt.span), msg)
                .in_statement(stmt.span)
        };
        match (tx(stmt), state) {
            (Some(TxControl::Begin), State::Open(open)) => out.push(
                diag(format!(
                    "nested BEGIN: a transaction is already open (BEGIN on line {}); PostgreSQL ignores this one",
                    line(open)
                ))
                .with_help("remove this BEGIN; the file needs exactly one BEGIN … COMMIT around all its statements")
                .with_related(ctx.file_id, open, "transaction opened here"),
            ),
            (Some(TxControl::Begin), State::Closed(close)) => {
                if !assume {
                    out.push(
                        diag(format!(
                            "second transaction in the file: the first one ended on line {}, so a failure here cannot undo what was already committed",
                            line(close)
                        ))
                        .with_help("merge the file into one BEGIN … COMMIT, or split it into separate migration files")
                        .with_related(ctx.file_id, close, "first transaction ends here"),
                    );
                }
                state = State::Open(stmt.span);
            }
            (Some(TxControl::Begin), State::Before) => state = State::Open(stmt.span),
            (Some(TxControl::Commit), State::Open(_)) => {
                if assume && i != last && !reported_early_close {
                    reported_early_close = true;
                    out.push(
                        diag("COMMIT before the end of the file: the runner wraps the file in a transaction, and the statements after this COMMIT run outside it".to_string())
                            .with_help("move this COMMIT to the end of the file, or remove it (the runner commits)"),
                    );
                }
                state = State::Closed(stmt.span);
            }
            (Some(TxControl::Commit), State::Before | State::Closed(_)) => {
                if !(assume && reported_early_close) {
                    out.push(
                        diag(
                            "COMMIT without BEGIN: there is no transaction for it to commit"
                                .to_string(),
                        )
                        .with_help(if assume {
                            "remove this COMMIT (the runner commits the file's transaction itself)"
                        } else {
                            "put BEGIN; before the file's first statement, or remove this COMMIT"
                        }),
                    );
                }
            }
            (Some(TxControl::Rollback), State::Open(open)) => {
                let d = if i == last {
                    diag("the file ends with ROLLBACK: the migration would do nothing".to_string())
                        .with_help("end the file with COMMIT;")
                } else {
                    diag("ROLLBACK in the middle of the file undoes everything before it, and the statements after it run outside the transaction".to_string())
                        .with_help("remove this ROLLBACK; the file needs exactly one BEGIN … COMMIT around all its statements")
                };
                if !(assume && reported_early_close) {
                    out.push(d.with_related(ctx.file_id, open, "transaction opened here"));
                }
                reported_early_close |= assume;
                state = State::Closed(stmt.span);
            }
            (Some(TxControl::Rollback), State::Before | State::Closed(_)) => {
                if !(assume && reported_early_close) {
                    out.push(
                        diag("ROLLBACK without BEGIN: there is no transaction for it to roll back".to_string())
                            .with_help("remove this ROLLBACK"),
                    );
                }
            }
            (None, State::Before) => {
                if !assume
                    && first_begin.is_some_and(|b| i < b)
                    && !is_session_setting(ctx, stmt)
                {
                    let begin = first_begin
                        .and_then(|b| stmts.get(b))
                        .map_or(stmt.span, |s| s.span);
                    out.push(
                        diag(format!(
                            "this statement runs before BEGIN (line {}), outside the transaction: a failure later in the file cannot undo it",
                            line(begin)
                        ))
                        .with_help("move it after BEGIN;")
                        .with_related(ctx.file_id, begin, "transaction opened here"),
                    );
                }
            }
            (None, State::Open(_)) => {}
            (None, State::Closed(close)) => {
                if !assume && !is_session_setting(ctx, stmt) {
                    out.push(
                        diag(format!(
                            "this statement runs after the transaction ended (line {}), outside it: a failure here cannot be rolled back with the rest of the file",
                            line(close)
                        ))
                        .with_help("move it inside the transaction, before the COMMIT")
                        .with_related(ctx.file_id, close, "transaction ends here"),
                    );
                }
            }
        }
    }
    // An unterminated string, comment or parenthesis swallows the rest of the file (its COMMIT
    // too): the parse error says so, and "BEGIN without COMMIT" would only repeat it.
    let text_end = ctx.source().text.trim_end().len();
    let end_unreadable = ctx
        .statements()
        .iter()
        .any(|s| matches!(s.kind, Stmt::Invalid { .. }) && s.span.end >= text_end);
    if let State::Open(open) = state
        && !end_unreadable
    {
        let end = ctx.source().text.len();
        out.push(
            ctx.diagnostic(
                &RULE,
                first_line(ctx, open),
                "BEGIN without COMMIT: the transaction is never committed, so PostgreSQL rolls it back when the session ends",
            )
            .with_help("end the file with COMMIT;")
            .with_fix("add COMMIT; at the end of the file", vec![Edit {
                span: Span::empty(end),
                replacement: commit_suffix(&ctx.source().text),
            }])
            .in_statement(open),
        );
    }
}

/// The runner wraps the file, but takes some statements out of its transaction and runs them
/// alone (the Supabase CLI since v2.109): with other statements around them, the file is no
/// longer atomic.
fn taken_out(ctx: &FileContext, exec: &Execution, stmts: &[&Statement], out: &mut Vec<Diagnostic>) {
    let Some(first) = stmts.iter().find(|s| exec.runner.takes_out(s)) else {
        return;
    };
    let others = stmts
        .iter()
        .filter(|s| !exec.runner.takes_out(s) && !is_session_setting(ctx, s))
        .count();
    if others == 0 {
        return;
    }
    let what = first.transaction_restriction().unwrap_or("this statement");
    let mut d = ctx
        .diagnostic(
            &RULE,
            first_line(ctx, first.span),
            format!(
                "the file is not atomic: {} runs this {what} on its own, outside the file's \
                 transaction, so the statements before it are committed first and a failure \
                 after it leaves the file half applied",
                exec.runner.display_name()
            ),
        )
        .with_help(format!(
            "move the {what} into a migration file of its own (nothing else in it)"
        ))
        .in_statement(first.span);
    d.severity = Severity::Warning;
    out.push(d);
}

/// The file has no transaction control at all, and the runner does not wrap it.
fn missing_wrapper(
    ctx: &FileContext,
    exec: &Execution,
    stmts: &[&Statement],
    out: &mut Vec<Diagnostic>,
) {
    // A file that must run outside a transaction (CREATE INDEX CONCURRENTLY, VACUUM …, or marked
    // `-- pgward: no-transaction` or the runner's own opt-out) cannot be wrapped;
    // concurrent-in-transaction covers it.
    if exec.opted_out.is_some()
        || no_transaction_marker(ctx)
        || stmts.iter().any(|s| s.transaction_restriction().is_some())
    {
        return;
    }
    let mut changes = stmts.iter().filter(|s| !is_session_setting(ctx, s));
    let Some(first) = changes.next() else {
        return;
    };
    // One statement is atomic on its own.
    if changes.next().is_none() {
        return;
    }
    let how = match exec.runner {
        Runner::Prisma => {
            "Prisma Migrate (7.4 and later) runs each statement of migration.sql on its own"
        }
        Runner::Psql => "psql runs each statement on its own (autocommit)",
        _ => "each statement runs on its own",
    };
    let text = &ctx.source().text;
    let newline = super::common::text::newline(text);
    let insert_at = super::common::text::line_start(ctx, first.span.start);
    out.push(
        ctx.diagnostic(
            &RULE,
            first_line(ctx, first.span),
            format!("the file is not wrapped in a transaction and {how}: if a statement fails, the ones before it stay applied"),
        )
        .with_help("wrap the file in BEGIN; … COMMIT; so a failure rolls everything back")
        .with_fix(
            "wrap the file in BEGIN; … COMMIT;",
            vec![
                Edit {
                    span: Span::empty(insert_at),
                    replacement: format!("BEGIN;{newline}{newline}"),
                },
                Edit {
                    span: Span::empty(text.len()),
                    replacement: commit_suffix(text),
                },
            ],
        )
        .in_statement(first.span),
    );
}

/// `COMMIT;` on a line of its own at the end of `text`.
fn commit_suffix(text: &str) -> String {
    let newline = super::common::text::newline(text);
    if text.is_empty() || text.ends_with('\n') {
        format!("{newline}COMMIT;{newline}")
    } else {
        format!("{newline}{newline}COMMIT;{newline}")
    }
}

#[cfg(test)]
mod tests {
    //! The state machine on hand-made statements (one per line); the fixtures test real text.
    use crate::config::Config;
    use crate::engine::{Workspace, WorkspaceFile, run_rules};
    use crate::source::{SourceFile, Span};
    use crate::syntax::{ParsedFile, Statement, StmtContext};
    use crate::syntax::{Stmt, TxControl};

    fn statements(text: &str) -> Vec<Statement> {
        let mut out = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_end();
            let kind = match trimmed.trim_end_matches(';') {
                "BEGIN" => Stmt::Transaction(TxControl::Begin),
                "COMMIT" => Stmt::Transaction(TxControl::Commit),
                "ROLLBACK" => Stmt::Transaction(TxControl::Rollback),
                "SET x" => Stmt::Other {
                    keyword: "SET".to_string(),
                },
                "VACUUM" => Stmt::Vacuum,
                _ => Stmt::Other {
                    keyword: "INSERT".to_string(),
                },
            };
            if !trimmed.is_empty() {
                out.push(Statement {
                    span: Span::new(offset, offset + trimmed.trim_end_matches(';').len()),
                    kind,
                    context: StmtContext::default(),
                });
            }
            offset += line.len();
        }
        out
    }

    fn run(text: &str, assume: bool) -> Vec<(String, usize)> {
        let source = SourceFile::new("t.sql", text);
        let parsed = ParsedFile {
            statements: statements(text),
            comments: Vec::new(),
        };
        let workspace = Workspace {
            files: vec![WorkspaceFile {
                source: source.into(),
                parsed: parsed.into(),
                report: true,
            }],
            catalog: crate::catalog::Catalog::replay(std::iter::empty()),
        };
        let config = Config {
            assume_in_transaction: Some(assume),
            ..Config::default()
        };
        run_rules(&workspace, &config)
            .into_iter()
            .filter(|d| d.rule == super::RULE.id)
            .map(|d| {
                let line = text[..d.span.start].matches('\n').count() + 1;
                (d.message.split(':').next().unwrap_or("").to_string(), line)
            })
            .collect()
    }

    fn lines(text: &str, assume: bool) -> Vec<usize> {
        run(text, assume).into_iter().map(|(_, l)| l).collect()
    }

    #[test]
    fn plain_mode() {
        assert_eq!(lines("BEGIN;\nx;\nCOMMIT;\n", false), Vec::<usize>::new());
        assert_eq!(lines("", false), Vec::<usize>::new());
        assert_eq!(lines("SET x;\n", false), Vec::<usize>::new());
        assert_eq!(lines("x;\ny;\n", false), vec![1]);
        assert_eq!(lines("VACUUM;\n", false), Vec::<usize>::new());
        assert_eq!(lines("BEGIN;\nx;\n", false), vec![1]);
        assert_eq!(lines("x;\nCOMMIT;\n", false), vec![2]);
        assert_eq!(lines("BEGIN;\nx;\nCOMMIT;\ny;\nz;\n", false), vec![4, 5]);
        assert_eq!(lines("SET x;\ny;\nBEGIN;\nx;\nCOMMIT;\n", false), vec![2]);
        assert_eq!(lines("BEGIN;\nx;\nBEGIN;\ny;\nCOMMIT;\n", false), vec![3]);
        assert_eq!(lines("BEGIN;\nx;\nROLLBACK;\n", false), vec![3]);
        assert_eq!(lines("BEGIN;\nx;\nROLLBACK;\ny;\n", false), vec![3, 4]);
        assert_eq!(
            lines("BEGIN;\nx;\nCOMMIT;\nBEGIN;\ny;\nCOMMIT;\n", false),
            vec![4]
        );
    }

    #[test]
    fn assume_mode() {
        assert_eq!(lines("x;\ny;\n", true), Vec::<usize>::new());
        assert_eq!(lines("BEGIN;\nx;\nCOMMIT;\n", true), Vec::<usize>::new());
        assert_eq!(lines("BEGIN;\nx;\nCOMMIT;\ny;\nz;\n", true), vec![3]);
        assert_eq!(lines("BEGIN;\nx;\n", true), vec![1]);
        assert_eq!(lines("x;\nCOMMIT;\n", true), vec![2]);
        assert_eq!(lines("BEGIN;\nx;\nROLLBACK;\n", true), vec![3]);
        assert_eq!(lines("BEGIN;\nBEGIN;\nx;\nCOMMIT;\n", true), vec![2]);
    }
}
