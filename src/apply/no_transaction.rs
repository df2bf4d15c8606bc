//! Step 7 for a `-- pgward: no-transaction` file: statement by statement in autocommit, each
//! recorded in `pgward.statement_progress` so a failed run resumes after the last statement
//! that ran; verification and the history row then run in a short transaction of their own.

use super::outcome::{AppliedFile, ErrorInfo, Summary, fail, fail_list, fmt_ms, run_failure};
use super::plan::{self, MigrationFile};
use super::preflight::TableName;
use super::transactional::export_before;
use super::{Ctx, history, run, verify};
use crate::syntax::Statement;
use postgres::Client;
use std::time::Instant;

/// A `-- pgward: no-transaction` file: statement by statement in autocommit, each recorded in
/// `pgward.statement_progress` so a failed run resumes after the last statement that ran.
pub(crate) fn run_file(
    ctx: &Ctx,
    client: &mut Client,
    file: &MigrationFile,
    protected: &[TableName],
    summary: &mut Summary,
    label: &str,
) -> Result<AppliedFile, ErrorInfo> {
    let Ctx {
        opts,
        config,
        out,
        url,
        interrupt,
        ..
    } = *ctx;
    let db = |e: postgres::Error| ctx.db(e);
    let stmts = run::statements_to_send(file).map_err(|e| fail("unsupported", e))?;
    history::ensure(client).map_err(db)?;
    let done = history::progress(client, &file.file_name).map_err(db)?;
    let skip = done.len();
    for (pos, (i, sum)) in done.iter().enumerate() {
        let same = *i == pos
            && stmts
                .get(pos)
                .is_some_and(|s| plan::checksum(file.source.slice(s.span)) == *sum);
        if !same {
            return Err(fail(
                "drift",
                format!(
                    "{}: a previous run already ran {skip} statement(s) of this no-transaction file, and statement {} \
                     changed since (or the statements moved); restore what ran, or finish by hand and clear \
                     pgward.statement_progress for this file",
                    file.source.name,
                    pos + 1
                ),
            ));
        }
    }
    if skip > 0 {
        out.info(format!(
            "{label}: resuming after statement {skip}/{} (recorded by a previous run)",
            stmts.len()
        ));
    }
    let leftovers = verify::invalid_indexes(client, file).map_err(db)?;
    if !leftovers.is_empty() {
        return Err(fail_list(
            "verify",
            format!(
                "{}: an invalid index is left over from an earlier attempt: nothing was run",
                file.source.name
            ),
            leftovers,
        ));
    }
    // Invalid indexes that exist before this file runs: noted, and not blamed on this file.
    let invalid_before = verify::all_invalid_indexes(client).map_err(db)?;
    for idx in &invalid_before {
        let note = format!("invalid index {idx} exists in the database (not created by this run)");
        out.info(format!("note: {note}"));
        summary.notes.push(note);
    }
    let new_invalid = |c: &mut Client| -> Vec<String> {
        verify::all_invalid_indexes(c)
            .unwrap_or_default()
            .into_iter()
            .filter(|i| !invalid_before.contains(i))
            .map(|i| verify::invalid_index_message(&i))
            .collect()
    };
    super::session::clean_session(client, config).map_err(db)?;
    client
        .batch_execute(&format!(
            "SET lock_timeout = {}; SET statement_timeout = {};",
            opts.lock_timeout.as_millis(),
            opts.statement_timeout.as_millis()
        ))
        .map_err(db)?;
    let started = Instant::now();
    let name = file.file_name.clone();
    let exports = &mut summary.exports;
    let result = run::run_statements(
        client,
        file,
        &stmts,
        skip,
        &interrupt.flag,
        run::Hooks {
            before: |c: &mut Client, stmt: &Statement| {
                exports.extend(export_before(ctx, c, file, stmt, false)?);
                Ok(())
            },
            after: |c: &mut Client, i: usize| {
                let text = stmts
                    .get(i)
                    .map_or("", |s: &&Statement| file.source.slice(s.span));
                history::record_progress(c, &name, &plan::checksum(text), i)
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
    let reset = |c: &mut Client| {
        let _ = c.batch_execute("RESET lock_timeout; RESET statement_timeout;");
    };
    if let Err(e) = result {
        out.info(format!("{label} … FAILED ({})", fmt_ms(started.elapsed())));
        let mut info = run_failure(e, client, url, summary, file, false, false);
        summary.rolled_back = false;
        info.message = format!(
            "{} ran outside a transaction: the statements before the failing one stay applied and are recorded; \
             fix the problem and run apply again to resume",
            file.source.name
        );
        if !client.is_closed() {
            info.problems.extend(new_invalid(client));
            reset(client);
        }
        return Err(info);
    }
    reset(client);
    client.batch_execute("BEGIN").map_err(db)?;
    let one = [file];
    let mut problems = verify::check(client, config, &one, 0, protected).map_err(db)?;
    for p in new_invalid(client) {
        if !problems.contains(&p) {
            problems.push(p);
        }
    }
    if !problems.is_empty() {
        let _ = client.batch_execute("ROLLBACK");
        return Err(fail_list(
            "verify",
            format!(
                "{}: verification failed after a no-transaction file (its statements are applied: fix by hand)",
                file.source.name
            ),
            problems,
        ));
    }
    let duration = started.elapsed();
    history::record_applied(client, file, duration, summary.backup.as_deref()).map_err(db)?;
    client.batch_execute("COMMIT").map_err(db)?;
    out.info(format!(
        "{label} … ok ({}, no transaction)",
        fmt_ms(duration)
    ));
    Ok(AppliedFile::new(file, duration, stmts.len()))
}
