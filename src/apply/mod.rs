//! `pgward apply` and `pgward status`: apply migrations to a real PostgreSQL, all or nothing.
//!
//! One run, in order: plan ▶ lint gate ▶ lock ▶ pre-flight ▶ backup ▶ run in a transaction
//! (each destroying statement preceded by the export of what it destroys) ▶ verify ▶ record +
//! commit. Each step lives in its own module; this one only sequences them. Where to look: `plan` (files, history, drift), `gate` (lint gate),
//! `session` (connection, interrupts), `preflight`, `backup`, `export`, `transactional` and
//! `no_transaction` (the two run paths), `verify`, `history` (the one function that records a
//! file as applied), `outcome` (summary, failure wording, exit codes).
//!
//! Decisions worth knowing (issue 4 leaves them open):
//! - Files are identified in the history by file name (not path) and, for a file not in the
//!   history, by checksum and version too: a renamed applied file and a version used twice
//!   refuse the run (`plan`). Checksums are SHA-256 of the
//!   text with BOM removed and CRLF → LF. History: `pgward.schema_history` (one row per file) and
//!   `pgward.statement_progress` (statements done of a `no-transaction` file). The schema is
//!   created inside the first migration's transaction, so a failed first run leaves nothing.
//! - psql meta-commands cannot be sent: `\set ON_ERROR_STOP …` is skipped (pgward always stops at
//!   the first error), any other refuses the run (exit 1), as does `COPY … FROM STDIN` and a
//!   file whose own `ROLLBACK`/`COMMIT` ends its transaction early (`run::statements_to_send`).
//! - A protected table that a pending file creates is not required to exist before (fresh
//!   databases); from then on it is verified like the others. Glob patterns are not required to
//!   exist; the tables they match are verified. Tables in `auth` and `storage` are always verified.
//! - Verification skips what a later file of the same run fixes (RLS enabled, publication added
//!   by a later pending file); a check runs only when its rule is "fatal at apply"
//!   (`engine::rule_fatal_at_apply`, the definition the lint gate refuses by) and the file does
//!   not silence it with a `pgward-ignore` comment.
//! - Every file starts from a clean session (`session::clean_session`).
//! - `--dry-run` runs every pending file in ONE transaction (later files depend on earlier
//!   ones), then rolls back; `no-transaction` files are skipped in a dry run. Sequences are
//!   isolated first so the rollback restores them too (`dry_run`).
//! - `--lock-timeout` bounds every lock wait after the advisory lock: pre-flight, the CSV export
//!   (`SET LOCAL` of the file's transaction), pg_dump (`--lock-wait-timeout`; 60 s when the flag is 0) and each
//!   file (`SET LOCAL`). Pre-flight also refuses a read-only session (`default_transaction_read_only`).
//! - The backup directory is made absolute, so the path recorded in the history finds the file.
//! - `sslmode=require` encrypts without verifying the certificate (as libpq does); `prefer`
//!   (the default) tries TLS first.
//! - Output: progress on stdout (stderr with `--format json`, whose summary is stdout); server
//!   notices and errors on stderr. Exit: 0 applied / nothing to do / dry run passed; 1 refused
//!   (drift, lint gate, unsupported content, lock wait, pre-flight, backup, export) or failed and
//!   rolled back (SQL error, verification, lost connection, Ctrl-C/SIGTERM/SIGHUP); 2 usage,
//!   config or connection error.
//! - `pgward status` exits 1 when apply would refuse (modified or renamed applied file, a
//!   version used twice), else 0.

pub mod backup;
pub mod blocking;
pub mod cli;
mod dry_run;
pub mod export;
mod gate;
pub mod history;
pub mod isolation;
pub mod lock;
mod no_transaction;
pub mod outcome;
pub mod plan;
pub mod preflight;
pub mod run;
pub mod session;
pub mod trace;
mod transactional;
pub mod url;
pub mod verify;

pub use outcome::{AppliedFile, ErrorInfo, Summary, exit_code, fmt_duration, fmt_ms, pg_error};
pub use plan::read_files;
pub use session::connect;

use crate::config::Config;
use outcome::{Out, fail, fail_list};
use plan::{MigrationFile, Plan, check_drift};
use postgres::Client;
use session::Interrupt;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use url::DbUrl;

/// Everything a run needs, resolved from flags, environment and config.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub paths: Vec<PathBuf>,
    pub database_url: String,
    pub dry_run: bool,
    pub backup_dir: PathBuf,
    pub no_backup: bool,
    pub single_transaction: bool,
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
    pub lock_wait: Duration,
    pub allow_out_of_order: bool,
    /// Let statements that block writes to a table larger than `[apply] max_blocking_size` run.
    pub allow_blocking: bool,
    pub json: bool,
}

/// What every step of one run shares.
pub(crate) struct Ctx<'a> {
    pub opts: &'a ApplyOptions,
    pub config: &'a Config,
    pub out: &'a Out,
    pub url: &'a DbUrl,
    pub interrupt: &'a Interrupt,
    /// UTC time of the run, in the names of the backup and the exports.
    pub timestamp: String,
}

impl Ctx<'_> {
    /// A database error (not a migration's SQL error), redacted.
    pub fn db(&self, e: postgres::Error) -> ErrorInfo {
        fail(
            "database",
            self.url
                .redact(&format!("database error: {}", pg_error(&e))),
        )
    }
}

/// Run `pgward apply`. Returns the summary and the exit code; human output is printed as the
/// run goes, the JSON summary is printed by the caller.
pub fn apply(opts: &ApplyOptions, config: &Config) -> (Summary, i32) {
    let out = Out { json: opts.json };
    let mut summary = Summary::new(opts.dry_run);
    let result = apply_inner(opts, config, &out, &mut summary);
    let code = outcome::finish(result, &out, &mut summary);
    (summary, code)
}

fn apply_inner(
    opts: &ApplyOptions,
    config: &Config,
    out: &Out,
    summary: &mut Summary,
) -> Result<&'static str, ErrorInfo> {
    let interrupt = session::interrupt();
    let files = read_files(&opts.paths, config).map_err(|e| fail("usage", e))?;
    if files.is_empty() {
        return Err(fail("usage", "no migration files found (*.sql)"));
    }
    let url = DbUrl::parse(&opts.database_url).map_err(|e| fail("usage", e))?;
    summary.database = Some(url.redacted.clone());
    if url.config.get_ports().contains(&6543) {
        // Supabase's transaction pooler hands each transaction to any server session: a
        // session-level advisory lock and named prepared statements do not survive that.
        let note = "port 6543 is Supabase's transaction pooler: migrations need a session; \
                    use the direct connection or the session pooler (port 5432)"
            .to_string();
        out.error(format!("pgward: warning: {note}"));
        summary.notes.push(note);
    }

    let (mut client, tls) = connect(&url).map_err(|e| fail("connection", e))?;
    if let Ok(mut slot) = interrupt.slot.lock() {
        *slot = Some((client.cancel_token(), tls.clone()));
    }
    let db = |e: postgres::Error| {
        fail(
            "database",
            url.redact(&format!("database error: {}", pg_error(&e))),
        )
    };

    // 1. Plan.
    let history = history::read(&mut client).map_err(db)?;
    let plan = Plan::new(files.clone(), &history);
    check_drift(&plan, &history, opts.allow_out_of_order)?;
    if !plan.missing.is_empty() {
        let names: Vec<&str> = plan.missing.iter().map(|h| h.file_name.as_str()).collect();
        let note = format!(
            "{} applied migration(s) recorded in the history are not among the files: {}",
            names.len(),
            names.join(", ")
        );
        out.info(format!("note: {note}"));
        summary.notes.push(note);
    }
    let pending = plan.pending();
    summary.pending = pending
        .iter()
        .filter_map(|&i| files.get(i).map(|f| f.source.name.clone()))
        .collect();
    if pending.is_empty() {
        out.info(format!(
            "nothing to apply: no pending migrations, the database is up to date (all {} migration file(s) applied; {})",
            files.len(),
            url.redacted
        ));
        return Ok("up_to_date");
    }
    out.info(format!(
        "{} pending migration file(s) ({} applied) on {}{}",
        pending.len(),
        files.len() - pending.len(),
        url.redacted,
        if opts.dry_run { " [dry run]" } else { "" }
    ));

    // 2. Lint gate, then what pgward itself cannot send (psql meta-commands).
    let workspace = gate::lint_gate(&files, &plan, config, out, summary)?;
    for f in pending.iter().filter_map(|&i| files.get(i)) {
        run::statements_to_send(f).map_err(|e| fail("unsupported", e))?;
    }

    // 3. Lock, then plan again: another apply may have finished meanwhile.
    let waited = lock::acquire(&mut client, opts.lock_wait, &interrupt.flag, || {
        out.info(format!(
            "another pgward apply holds the lock on this database; waiting up to {}…",
            fmt_duration(opts.lock_wait)
        ))
    })
    .map_err(db)?;
    match waited {
        lock::LockOutcome::Acquired { .. } => {}
        lock::LockOutcome::TimedOut => {
            return Err(fail(
                "lock",
                format!(
                    "another pgward apply still holds the migration lock after {} (--lock-wait): nothing was changed",
                    fmt_duration(opts.lock_wait)
                ),
            ));
        }
        lock::LockOutcome::Interrupted => {
            return Err(fail(
                "interrupted",
                "interrupted while waiting for the lock: nothing was changed",
            ));
        }
    }
    let ctx = Ctx {
        opts,
        config,
        out,
        url: &url,
        interrupt: &interrupt,
        timestamp: backup::utc_timestamp(),
    };
    let result = locked(&ctx, summary, &mut client, &files, &workspace);
    if result.is_err() && !client.is_closed() {
        let _ = client.batch_execute("ROLLBACK");
    }
    lock::release(&mut client);
    result
}

/// Everything done while holding the migration lock.
fn locked(
    ctx: &Ctx,
    summary: &mut Summary,
    client: &mut Client,
    files: &[MigrationFile],
    workspace: &crate::rules::Workspace,
) -> Result<&'static str, ErrorInfo> {
    let Ctx {
        opts,
        config,
        out,
        url,
        interrupt,
        ..
    } = *ctx;
    let db = |e: postgres::Error| ctx.db(e);
    let history = history::read(client).map_err(db)?;
    let plan = Plan::new(files.to_vec(), &history);
    check_drift(&plan, &history, opts.allow_out_of_order)?;
    let pending_idx = plan.pending();
    if pending_idx.is_empty() {
        out.info("nothing to apply: no pending migrations left (another pgward apply applied them meanwhile); the database is up to date");
        summary.pending.clear();
        return Ok("up_to_date");
    }
    let pending: Vec<&MigrationFile> = pending_idx.iter().filter_map(|&i| files.get(i)).collect();
    summary.pending = pending.iter().map(|f| f.source.name.clone()).collect();

    let no_txn: Vec<&str> = pending
        .iter()
        .filter(|f| f.no_transaction)
        .map(|f| f.source.name.as_str())
        .collect();
    if opts.single_transaction && !no_txn.is_empty() {
        return Err(fail_list(
            "usage",
            "--single-transaction cannot include files marked `-- pgward: no-transaction`",
            no_txn.iter().map(|s| s.to_string()).collect(),
        ));
    }

    // Pre-flight and export read the tables too: waiting behind another session's lock is
    // bounded by --lock-timeout there as well, instead of hanging.
    client
        .batch_execute(&format!(
            "SET lock_timeout = {}",
            opts.lock_timeout.as_millis()
        ))
        .map_err(db)?;

    // 4. Pre-flight.
    let pf = preflight::run(client, config, &pending).map_err(db)?;
    for n in &pf.notes {
        out.info(format!("note: {n}"));
    }
    summary.notes.extend(pf.notes.iter().cloned());
    if !pf.problems.is_empty() {
        return Err(fail_list(
            "preflight",
            "pre-flight checks failed: nothing was changed",
            pf.problems,
        ));
    }
    blocking_gate(ctx, summary, client, workspace, &pending)?;
    out.info(format!(
        "pre-flight: ok ({} protected table(s) present, server writable)",
        pf.protected_present.len()
    ));
    let mut protected = pf.protected_present.clone();

    let interrupted = || {
        if interrupt.flag.load(Ordering::SeqCst) {
            Err(fail(
                "interrupted",
                "interrupted (Ctrl-C): nothing was changed",
            ))
        } else {
            Ok(())
        }
    };
    interrupted()?;
    let timestamp = &ctx.timestamp;
    if !opts.dry_run {
        // 5. Backup.
        if opts.no_backup {
            out.info("backup: skipped (--no-backup)");
            summary
                .notes
                .push("backup skipped (--no-backup)".to_string());
        } else {
            let server_major: i32 = client
                .query_one(
                    "SELECT current_setting('server_version_num')::int / 10000",
                    &[],
                )
                .and_then(|r| r.try_get(0))
                .map_err(db)?;
            let pg_dump = backup::find_pg_dump(
                config.apply.pg_dump.as_deref(),
                u32::try_from(server_major).unwrap_or(0),
            )
            .map_err(|e| {
                fail(
                    "backup",
                    format!("cannot take the backup: {e}; nothing was changed"),
                )
            })?;
            let started = Instant::now();
            let path = backup::dump(
                url,
                &pg_dump,
                &opts.backup_dir,
                timestamp,
                opts.lock_timeout,
            )
            .map_err(|e| {
                if interrupt.flag.load(Ordering::SeqCst) {
                    fail(
                        "interrupted",
                        "interrupted (Ctrl-C) during the backup: nothing was changed",
                    )
                } else {
                    fail("backup", format!("backup failed: {e}; nothing was changed"))
                }
            })?;
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            out.info(format!(
                "backup: {} ({} bytes, {} ms, verified)",
                path.display(),
                size,
                started.elapsed().as_millis()
            ));
            summary.backup = Some(path.display().to_string());
            // After recording it: an interrupted run still names the backup it finished.
            interrupted()?;
        }
        // 6. The export of what a statement destroys happens in the run, just before it.
    }
    // 7–9. Run, verify, record.
    let total = pending.len();
    let txns = transactional::Transactions::new(ctx);
    txns.begin_run(ctx, client)?;
    // Dry run: sequences changed by the run must roll back too (`dry_run`).
    let mut sequences_isolated = true;
    let mut sequences_before = Vec::new();
    if opts.dry_run {
        let iso = dry_run::isolate_sequences(client, opts.lock_timeout).map_err(db)?;
        for note in dry_run::isolation_notes(&iso) {
            out.info(format!("note: {note}"));
            summary.notes.push(note);
        }
        sequences_isolated = iso.not_isolated.is_empty();
        sequences_before = dry_run::sequences(client, &iso.not_isolated).map_err(db)?;
    }
    // Dry run: files not run, and (after one) files that failed and may depend on it.
    let mut skipped: Vec<String> = Vec::new();
    for (idx, file) in pending.iter().enumerate() {
        let label = format!("[{}/{}] {}", idx + 1, total, file.file_name);
        if opts.dry_run {
            if let Some(why) = dry_run::why_not(file, sequences_isolated) {
                out.info(format!("{label} … skipped ({why})"));
                summary.notes.push(format!(
                    "{} not run in the dry run: {why}",
                    file.source.name
                ));
                skipped.push(file.source.name.clone());
                continue;
            }
            if !skipped.is_empty() {
                dry_run_after_skip(
                    ctx,
                    &txns,
                    client,
                    &pending,
                    idx,
                    &mut protected,
                    summary,
                    &label,
                    &skipped,
                )?;
                continue;
            }
        }
        if !file.no_transaction {
            txns.run_file(ctx, client, &pending, idx, &mut protected, summary, &label)?;
        } else {
            let applied = no_transaction::run_file(ctx, client, file, &protected, summary, &label)?;
            summary.applied.push(applied);
        }
    }
    if opts.dry_run {
        for note in dry_run::advanced(client, &sequences_before).map_err(db)? {
            out.info(format!("note: {note}"));
            summary.notes.push(note);
        }
    }
    txns.finish(ctx, client, &pending, summary)
}

/// Pre-flight's size gate: print the real size of every existing table a pending statement
/// rewrites, indexes or scans under a lock that blocks writes; refuse when one is larger than
/// `[apply] max_blocking_size`, unless `--allow-blocking`.
fn blocking_gate(
    ctx: &Ctx,
    summary: &mut Summary,
    client: &mut Client,
    workspace: &crate::rules::Workspace,
    pending: &[&MigrationFile],
) -> Result<(), ErrorInfo> {
    let found = blocking::find(client, ctx.config, workspace, pending).map_err(|e| ctx.db(e))?;
    let limit = crate::config::ByteSize::human(ctx.config.apply.max_blocking_bytes());
    let mut over = Vec::new();
    for b in &found {
        ctx.out.info(format!("pre-flight: {}", b.describe()));
        if b.over_limit {
            over.push(format!(
                "{}: larger than [apply] max_blocking_size ({limit})",
                b.describe()
            ));
        }
    }
    summary.blocking = found;
    if over.is_empty() {
        return Ok(());
    }
    if ctx.opts.allow_blocking {
        let note = format!(
            "{} statement(s) block writes to a table larger than [apply] max_blocking_size ({limit}) \
             while they run: allowed by --allow-blocking",
            over.len()
        );
        ctx.out.info(format!("note: {note}"));
        summary.notes.push(note);
        return Ok(());
    }
    Err(fail_list(
        "preflight",
        format!(
            "pre-flight: {} statement(s) would block writes to a table larger than [apply] \
             max_blocking_size ({limit}) for as long as they run: nothing was changed (rewrite \
             them the non-blocking way, raise max_blocking_size, or pass --allow-blocking)",
            over.len()
        ),
        over,
    ))
}

/// A dry-run file after a skipped one: run in a savepoint; a failure may come from the skipped
/// file's absence, so it is reported as not checkable (and rolled back to the savepoint), not
/// as a failure of the dry run.
#[allow(clippy::too_many_arguments)]
fn dry_run_after_skip(
    ctx: &Ctx,
    txns: &transactional::Transactions,
    client: &mut Client,
    pending: &[&MigrationFile],
    idx: usize,
    protected: &mut Vec<preflight::TableName>,
    summary: &mut Summary,
    label: &str,
    skipped: &[String],
) -> Result<(), ErrorInfo> {
    let db = |e: postgres::Error| ctx.db(e);
    client
        .batch_execute("SAVEPOINT pgward_dry_run_file")
        .map_err(db)?;
    match txns.run_file(ctx, client, pending, idx, protected, summary, label) {
        Ok(()) => client
            .batch_execute("RELEASE SAVEPOINT pgward_dry_run_file")
            .map_err(db),
        Err(e) if matches!(e.kind, "sql" | "verify") && !client.is_closed() => {
            client
                .batch_execute("ROLLBACK TO SAVEPOINT pgward_dry_run_file")
                .map_err(db)?;
            summary.rolled_back = false;
            let reason = match &e.sql {
                Some(f) => format!("{}:{}:{}: {}", f.file, f.line, f.column, f.message),
                None => e.problems.join("; "),
            };
            let name = pending.get(idx).map_or("", |f| f.source.name.as_str());
            let note = format!(
                "{name} not checkable in the dry run: it failed after {} was not run, and may \
                 depend on it ({reason})",
                skipped.join(", ")
            );
            ctx.out.info(format!("{label} … not checkable (see below)"));
            ctx.out.info(format!("note: {note}"));
            summary.notes.push(note);
            Ok(())
        }
        Err(e) => Err(e),
    }
}
