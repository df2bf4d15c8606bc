//! Steps 7–9 for ordinary files: run a file's statements inside a transaction, verify, record
//! the history row in the same transaction, commit. One transaction per file, or one for the
//! whole run (`--single-transaction`, and every `--dry-run`, which ends in a rollback).

use super::outcome::{
    AppliedFile, ErrorInfo, Summary, fail, fail_list, fmt_ms, rolled_back_message, run_failure,
};
use super::plan::MigrationFile;
use super::preflight::{self, TableName};
use super::url::DbUrl;
use super::{Ctx, export, history, isolation, run, trace, verify};
use crate::syntax::Statement;
use postgres::Client;
use std::time::Instant;

/// How the transactions of a run are laid out.
pub(crate) struct Transactions {
    /// One transaction for the whole run (opened by [`Transactions::begin_run`]).
    pub one_txn: bool,
    settings: String,
}

impl Transactions {
    pub fn new(ctx: &Ctx) -> Transactions {
        Transactions {
            one_txn: ctx.opts.single_transaction || ctx.opts.dry_run,
            settings: format!(
                "SET LOCAL lock_timeout = {}; SET LOCAL statement_timeout = {};",
                ctx.opts.lock_timeout.as_millis(),
                ctx.opts.statement_timeout.as_millis()
            ),
        }
    }

    fn begin(&self, ctx: &Ctx, client: &mut Client) -> Result<(), ErrorInfo> {
        client.batch_execute("BEGIN").map_err(|e| ctx.db(e))?;
        client.batch_execute(&self.settings).map_err(|e| ctx.db(e))
    }

    /// Open the run's single transaction, when there is one.
    pub fn begin_run(&self, ctx: &Ctx, client: &mut Client) -> Result<(), ErrorInfo> {
        if self.one_txn {
            self.begin(ctx, client)?;
        }
        Ok(())
    }

    /// Run `pending[idx]`, verify and record it; commit unless the run is one transaction.
    /// `protected` grows by the protected tables this file creates.
    #[allow(clippy::too_many_arguments)]
    pub fn run_file(
        &self,
        ctx: &Ctx,
        client: &mut Client,
        pending: &[&MigrationFile],
        idx: usize,
        protected: &mut Vec<TableName>,
        summary: &mut Summary,
        label: &str,
    ) -> Result<(), ErrorInfo> {
        let Ctx {
            opts,
            config,
            out,
            url,
            interrupt,
            ..
        } = *ctx;
        let one_txn = self.one_txn;
        let Some(file) = pending.get(idx).copied() else {
            return Ok(());
        };
        let stmts = run::statements_to_send(file).map_err(|e| fail("unsupported", e))?;
        let started = Instant::now();
        if !one_txn {
            self.begin(ctx, client)?;
        }
        // Every file starts from a clean session, whatever the file before it SET.
        super::session::clean_session(client, config).map_err(|e| ctx.db(e))?;
        client
            .batch_execute(&self.settings)
            .map_err(|e| ctx.db(e))?;
        let exports = &mut summary.exports;
        // Dry run: the locks each statement takes (`trace`).
        let held_before = std::cell::RefCell::new(Vec::new());
        let traced = std::cell::RefCell::new(Vec::new());
        let result = run::run_statements(
            client,
            file,
            &stmts,
            0,
            &interrupt.flag,
            run::Hooks {
                before: |c: &mut Client, stmt: &Statement| {
                    if opts.dry_run {
                        *held_before.borrow_mut() = trace::held(c).map_err(run::RunError::Db)?;
                    } else {
                        exports.extend(export_before(ctx, c, file, stmt, true)?);
                    }
                    Ok(())
                },
                after: |c: &mut Client, i: usize| {
                    if !opts.dry_run {
                        return Ok(());
                    }
                    let locks = trace::taken(&held_before.borrow(), &trace::held(c)?);
                    if let (Some(stmt), false) = (stmts.get(i), locks.is_empty()) {
                        let src = &file.source;
                        let at = src.lines.line_col(&src.text, stmt.span.start);
                        let s = trace::StatementLocks {
                            line: at.line,
                            column: at.column,
                            statement: trace::abbreviate(src.slice(stmt.span)),
                            locks,
                        };
                        out.info(format!("      locks: {}", trace::describe(&s)));
                        traced.borrow_mut().push(s);
                    }
                    Ok(())
                },
                on_slow: |i, n, line, el| {
                    out.info(format!(
                        "      {}: statement {i}/{n} (line {line}) ok ({})",
                        file.source.name,
                        fmt_ms(el)
                    ))
                },
            },
        );
        if let Err(e) = result {
            out.info(format!("{label} … FAILED ({})", fmt_ms(started.elapsed())));
            return Err(run_failure(
                e,
                client,
                url,
                summary,
                file,
                one_txn,
                opts.dry_run,
            ));
        }
        // Protected tables created by this file (or earlier in this run) must survive from now on.
        let protection = config.protection();
        for t in preflight::created_tables([file]) {
            if protection.is_protected(&t.schema, &t.name) && !protected.contains(&t) {
                protected.push(t);
            }
        }
        let mut problems =
            verify::check(client, config, pending, idx, protected).map_err(|e| ctx.db(e))?;
        // The multi-user test runs on the data as this file left it, before COMMIT.
        let isolation = isolation::check(client, config).map_err(|e| ctx.db(e))?;
        for note in &isolation.untestable {
            out.info(format!("      rls isolation: {note}"));
        }
        problems.extend(isolation.problems);
        if !problems.is_empty() {
            out.info(format!(
                "{label} … FAILED verification ({})",
                fmt_ms(started.elapsed())
            ));
            summary.rolled_back = true;
            return Err(fail_list(
                "verify",
                rolled_back_message(summary, file, one_txn, opts.dry_run, "verification failed"),
                problems,
            ));
        }
        let duration = started.elapsed();
        if !opts.dry_run {
            history::record_applied(client, file, duration, summary.backup.as_deref())
                .map_err(|e| ctx.db(e))?;
        }
        if !one_txn {
            commit(client, url, summary, file, false)?;
        }
        out.info(format!("{label} … ok ({})", fmt_ms(duration)));
        let mut applied = AppliedFile::new(file, duration, stmts.len());
        applied.locks = traced.into_inner();
        summary.applied.push(applied);
        Ok(())
    }

    /// After the last file: commit the run's single transaction, or roll back a dry run.
    pub fn finish(
        &self,
        ctx: &Ctx,
        client: &mut Client,
        pending: &[&MigrationFile],
        summary: &mut Summary,
    ) -> Result<&'static str, ErrorInfo> {
        let Ctx { opts, out, url, .. } = *ctx;
        if opts.dry_run {
            // What COMMIT would check: deferred constraints. A dry run must not pass what COMMIT fails.
            if let Err(e) = client.batch_execute("SET CONSTRAINTS ALL IMMEDIATE") {
                let mut info = fail(
                    "sql",
                    "deferred constraints fail at COMMIT (dry run): rolled back, nothing was changed",
                );
                info.problems.push(url.redact(&match e.as_db_error() {
                    Some(d) => format!("[SQLSTATE {}] {}", d.code().code(), d.message()),
                    None => e.to_string(),
                }));
                summary.rolled_back = true;
                return Err(info);
            }
            client.batch_execute("ROLLBACK").map_err(|e| ctx.db(e))?;
            out.info(format!(
                "dry run: {} file(s) ran and passed verification, then were rolled back: nothing was changed (no backup, no export, no history)",
                summary.applied.len()
            ));
            return Ok("dry_run");
        }
        if self.one_txn
            && let Some(last) = pending.last()
        {
            commit(client, url, summary, last, true)?;
        }
        out.info(format!(
            "applied {} file(s){}",
            summary.applied.len(),
            summary
                .backup
                .as_ref()
                .map(|b| format!("; backup: {b}"))
                .unwrap_or_default()
        ));
        Ok("applied")
    }
}

/// COMMIT can fail too (deferred constraints, serialization): then nothing of the transaction
/// was applied, and the summary must not say otherwise.
pub(crate) fn commit(
    client: &mut Client,
    url: &DbUrl,
    summary: &mut Summary,
    file: &MigrationFile,
    one_txn: bool,
) -> Result<(), ErrorInfo> {
    client.batch_execute("COMMIT").map_err(|e| {
        let mut info = fail(
            if client.is_closed() {
                "connection_lost"
            } else {
                "sql"
            },
            rolled_back_message(summary, file, one_txn, false, "COMMIT failed"),
        );
        if let Some(db) = e.as_db_error() {
            info.problems.push(url.redact(&format!(
                "[SQLSTATE {}] {}{}",
                db.code().code(),
                db.message(),
                db.detail().map(|d| format!(" ({d})")).unwrap_or_default()
            )));
        } else {
            info.problems.push(url.redact(&e.to_string()));
        }
        info
    })
}

/// Export what `stmt` is about to destroy (the rows of tables and columns it drops or
/// truncates, cascades included), printing one line per CSV. `lock`: inside a transaction.
pub(crate) fn export_before(
    ctx: &Ctx,
    client: &mut Client,
    file: &MigrationFile,
    stmt: &Statement,
    lock: bool,
) -> Result<Vec<export::Exported>, run::RunError> {
    if !export::may_destroy(file, stmt) {
        return Ok(Vec::new());
    }
    let done = export::before_statement(
        client,
        file,
        stmt,
        &ctx.opts.backup_dir,
        &ctx.timestamp,
        lock,
    )
    .map_err(run::RunError::Export)?;
    for e in &done {
        let what = match &e.column {
            Some(c) => format!("{}.{c}", e.table),
            None => e.table.clone(),
        };
        ctx.out
            .info(format!("export: {what} ({} rows) -> {}", e.rows, e.path));
    }
    Ok(done)
}
