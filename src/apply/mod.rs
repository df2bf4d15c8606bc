//! `pgward apply` and `pgward status`: apply migrations to a real PostgreSQL, all or nothing.
//!
//! One run, in order: plan ▶ lint gate ▶ lock ▶ pre-flight ▶ backup ▶ export ▶ run in a
//! transaction ▶ verify ▶ record + commit. Each step lives in its own module; this one only
//! sequences them, prints progress and builds the summary.
//!
//! Decisions worth knowing (issue 4 leaves them open):
//! - Files are identified in the history by file name (not path); checksums are SHA-256 of the
//!   text with BOM removed and CRLF → LF. History: `pgward.schema_history` (one row per file) and
//!   `pgward.statement_progress` (statements done of a `no-transaction` file). The schema is
//!   created inside the first migration's transaction, so a failed first run leaves nothing.
//! - psql meta-commands cannot be sent: `\set ON_ERROR_STOP …` is skipped (pgward always stops at
//!   the first error), any other refuses the run (exit 1), as does `COPY … FROM STDIN`.
//! - A protected table that a pending file creates is not required to exist before (fresh
//!   databases); from then on it is verified like the others. Glob patterns are not required to
//!   exist; the tables they match are verified. Tables in `auth` and `storage` are always verified.
//! - Verification skips what a later file of the same run fixes (RLS enabled, publication added
//!   by a later pending file); RLS is verified only when `rls-not-enabled` is active at error level
//!   and the file does not silence it with a `pgward-ignore` comment.
//! - `--dry-run` runs every pending file in ONE transaction (later files depend on earlier
//!   ones), then rolls back; `no-transaction` files are skipped in a dry run.
//! - `--lock-timeout` bounds every lock wait after the advisory lock: pre-flight, the CSV export
//!   (session `lock_timeout`), pg_dump (`--lock-wait-timeout`; 60 s when the flag is 0) and each
//!   file (`SET LOCAL`). Pre-flight also refuses a read-only session (`default_transaction_read_only`).
//! - The backup directory is made absolute, so the path recorded in the history finds the file.
//! - `sslmode=require` encrypts without verifying the certificate (as libpq does); `prefer`
//!   (the default) tries TLS first.
//! - Output: progress on stdout (stderr with `--format json`, whose summary is stdout); server
//!   notices and errors on stderr. Exit: 0 applied / nothing to do / dry run passed; 1 refused
//!   (drift, lint gate, unsupported content, lock wait, pre-flight, backup, export) or failed and
//!   rolled back (SQL error, verification, lost connection, Ctrl-C); 2 usage, config or
//!   connection error.
//! - `pgward status` exits 1 when an applied file was modified (apply would refuse), else 0.

pub mod backup;
pub mod cli;
pub mod export;
pub mod history;
pub mod lock;
pub mod plan;
pub mod preflight;
pub mod run;
pub mod url;
pub mod verify;

use crate::config::Config;
use crate::diagnostic::Severity;
use crate::engine::{self, CheckInput};
use plan::{MigrationFile, Plan};
use postgres::Client;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
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
    pub json: bool,
}

/// One file applied (or run and rolled back, in a dry run).
#[derive(Debug, Clone, Serialize)]
pub struct AppliedFile {
    pub file: String,
    pub version: Option<String>,
    pub checksum: String,
    pub duration_ms: u64,
    pub statements: usize,
}

/// Why a run stopped.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorInfo {
    /// usage | config | connection | drift | lint | unsupported | lock | preflight | backup | export |
    /// sql | verify | interrupted | connection_lost | database
    pub kind: &'static str,
    pub message: String,
    /// Every problem found (pre-flight, drift, verification list them all).
    pub problems: Vec<String>,
    /// For `sql`: where in which file, SQLSTATE, detail, hint.
    pub sql: Option<Box<run::SqlFailure>>,
}

/// The JSON summary of `pgward apply --format json` (also what the human output is built from).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// applied | up_to_date | dry_run | refused | failed | error
    pub status: &'static str,
    pub dry_run: bool,
    /// The database URL with the password redacted.
    pub database: Option<String>,
    pub pending: Vec<String>,
    pub applied: Vec<AppliedFile>,
    pub backup: Option<String>,
    pub exports: Vec<export::Exported>,
    /// Whether a transaction was rolled back because of the error.
    pub rolled_back: bool,
    pub error: Option<ErrorInfo>,
    /// Lint-gate diagnostics (as `check --format json` gives them) when the gate refused the run.
    pub diagnostics: Vec<serde_json::Value>,
    pub notes: Vec<String>,
}

impl Summary {
    fn new(dry_run: bool) -> Summary {
        Summary {
            status: "error",
            dry_run,
            database: None,
            pending: Vec::new(),
            applied: Vec::new(),
            backup: None,
            exports: Vec::new(),
            rolled_back: false,
            error: None,
            diagnostics: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Exit code of a failure kind: 2 for usage, config and connection errors, 1 otherwise.
pub fn exit_code(kind: &str) -> i32 {
    match kind {
        "usage" | "config" | "connection" => 2,
        _ => 1,
    }
}

/// Human progress goes to stdout, or to stderr when stdout carries JSON.
pub(crate) struct Out {
    pub json: bool,
}

impl Out {
    pub fn info(&self, msg: impl AsRef<str>) {
        if self.json {
            eprintln!("{}", msg.as_ref());
        } else {
            println!("{}", msg.as_ref());
            let _ = std::io::stdout().flush();
        }
    }
    pub fn error(&self, msg: impl AsRef<str>) {
        eprintln!("{}", msg.as_ref().trim_end());
    }
}

/// What the Ctrl-C handler needs to cancel the running query.
type CancelSlot = Arc<Mutex<Option<(postgres::CancelToken, url::TlsConnector)>>>;

struct Interrupt {
    flag: Arc<AtomicBool>,
    slot: CancelSlot,
}

/// Install the Ctrl-C handler (once per process, shared by every run): set the flag and cancel
/// the running query; the statement then fails, and the run rolls back and releases the lock.
fn interrupt() -> Interrupt {
    static SHARED: std::sync::OnceLock<(Arc<AtomicBool>, CancelSlot)> = std::sync::OnceLock::new();
    let (flag, slot) = SHARED.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let slot: CancelSlot = Arc::new(Mutex::new(None));
        let (f, s) = (flag.clone(), slot.clone());
        let _ = ctrlc::set_handler(move || {
            f.store(true, Ordering::SeqCst);
            eprintln!("\ninterrupted: cancelling the running statement and rolling back…");
            if let Ok(guard) = s.lock()
                && let Some((token, tls)) = guard.as_ref()
            {
                let _ = token.cancel_query(tls.clone());
            }
        });
        (flag, slot)
    });
    // A new run starts uninterrupted, with nothing to cancel yet.
    flag.store(false, Ordering::SeqCst);
    if let Ok(mut guard) = slot.lock() {
        *guard = None;
    }
    Interrupt {
        flag: flag.clone(),
        slot: slot.clone(),
    }
}

/// Connect with notices printed as they arrive (`RAISE NOTICE` / `WARNING`).
pub fn connect(url: &DbUrl) -> Result<(Client, url::TlsConnector), String> {
    let tls = url::tls_connector()?;
    let mut config = url.config.clone();
    config.notice_callback(|notice| {
        // pgward's own cleanup ROLLBACK outside a transaction: not the migration's business.
        if notice.code() == &postgres::error::SqlState::NO_ACTIVE_SQL_TRANSACTION {
            return;
        }
        eprintln!("{}: {}", notice.severity(), notice.message());
    });
    let client = config.connect(tls.clone()).map_err(|e| {
        let mut msg = format!("cannot connect to {}: {e}", url.redacted);
        if let Some(source) = std::error::Error::source(&e) {
            let s = source.to_string();
            if !msg.contains(&s) {
                msg.push_str(&format!(" ({s})"));
            }
        }
        url.redact(&msg)
    })?;
    Ok((client, tls))
}

/// Read the files of `paths` in migration order.
pub fn read_files(paths: &[PathBuf]) -> Result<Vec<MigrationFile>, String> {
    let found = plan::discover(paths)?;
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for (path, name) in &found {
        match plan::read_file(path, name) {
            Ok(f) => files.push(f),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    let mut seen = std::collections::HashSet::new();
    for f in &files {
        if !seen.insert(f.file_name.clone()) {
            return Err(format!(
                "two migration files are named `{}`: the history identifies files by name",
                f.file_name
            ));
        }
    }
    Ok(files)
}

/// The lint gate: `check` over the whole set, reporting pending files only.
fn lint_gate(
    files: &[MigrationFile],
    plan: &Plan,
    config: &Config,
    out: &Out,
    summary: &mut Summary,
) -> Result<(), ErrorInfo> {
    let mut cfg = config.clone();
    cfg.assume_in_transaction = true;
    let pending = plan.pending();
    let inputs: Vec<CheckInput> = files
        .iter()
        .enumerate()
        .map(|(i, f)| CheckInput {
            source: f.source.clone(),
            report: pending.contains(&i),
        })
        .collect();
    let mut output = engine::check(inputs, &cfg);
    // A `no-transaction` file runs outside a transaction: the transaction rules do not apply.
    output.diagnostics.retain(|d| {
        let no_txn = files.get(d.file).is_some_and(|f| f.no_transaction);
        !(no_txn && (d.rule == "concurrent-in-transaction" || d.rule == "transaction-wrapper"))
    });
    let errors = output
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = output
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    if errors == 0 {
        if warnings > 0 {
            out.info(format!(
                "lint: {warnings} warning(s) in pending files (run `pgward check` to see them)"
            ));
        }
        return Ok(());
    }
    // Refused: show everything `check` would show (warnings help fix the file too).
    for d in &output.diagnostics {
        if let Some(f) = output.workspace.files.get(d.file) {
            let s = f.source.lines.line_col(&f.source.text, d.span.start);
            let e = f.source.lines.line_col(&f.source.text, d.span.end);
            summary.diagnostics.push(serde_json::json!({
                "file": f.source.name, "rule": d.rule, "severity": d.severity.as_str(),
                "message": d.message, "line": s.line, "column": s.column,
                "end_line": e.line, "end_column": e.column, "help": d.help,
            }));
        }
    }
    if !out.json {
        let mut buf = Vec::new();
        // Colour like `check`: only on a terminal, and never with NO_COLOR.
        let color = std::io::IsTerminal::is_terminal(&std::io::stdout())
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let opts = crate::report::ReportOptions {
            color,
            quiet: false,
        };
        let _ = crate::report::render(crate::report::Format::Human, &output, &opts, &mut buf);
        let text = String::from_utf8_lossy(&buf);
        if text.trim().is_empty() {
            // Fallback if the human reporter printed nothing.
            for d in &summary.diagnostics {
                println!(
                    "{}:{}:{}: error[{}]: {}",
                    d["file"].as_str().unwrap_or(""),
                    d["line"],
                    d["column"],
                    d["rule"].as_str().unwrap_or(""),
                    d["message"].as_str().unwrap_or("")
                );
            }
        } else {
            print!("{text}");
        }
    }
    Err(ErrorInfo {
        kind: "lint",
        message: format!(
            "the lint gate found {errors} error(s) in the pending migrations: nothing was changed \
             (fix them, or suppress with `-- pgward-ignore RULE -- reason`)"
        ),
        problems: Vec::new(),
        sql: None,
    })
}

fn fail(kind: &'static str, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo {
        kind,
        message: message.into(),
        problems: Vec::new(),
        sql: None,
    }
}

fn fail_list(kind: &'static str, message: impl Into<String>, problems: Vec<String>) -> ErrorInfo {
    ErrorInfo {
        kind,
        message: message.into(),
        problems,
        sql: None,
    }
}

/// Run `pgward apply`. Returns the summary and the exit code; human output is printed as the
/// run goes, the JSON summary is printed by the caller.
pub fn apply(opts: &ApplyOptions, config: &Config) -> (Summary, i32) {
    let out = Out { json: opts.json };
    let mut summary = Summary::new(opts.dry_run);
    let result = apply_inner(opts, config, &out, &mut summary);
    let code = match result {
        Ok(status) => {
            summary.status = status;
            0
        }
        Err(e) => {
            let code = exit_code(e.kind);
            summary.status = match e.kind {
                "usage" | "config" | "connection" => "error",
                "drift" | "lint" | "unsupported" | "lock" | "preflight" | "backup" | "export" => {
                    "refused"
                }
                _ => "failed",
            };
            if !opts.json {
                let mut text = match &e.sql {
                    Some(sql) => sql.render(),
                    None => format!("pgward: error: {}\n", e.message),
                };
                for p in &e.problems {
                    text.push_str(&format!("  - {p}\n"));
                }
                if e.sql.is_some() {
                    text.push_str(&format!("{}\n", e.message));
                }
                if let Some(b) = &summary.backup {
                    text.push_str(&format!("backup taken before this run: {b}\n"));
                }
                out.error(text);
            }
            summary.error = Some(e);
            code
        }
    };
    (summary, code)
}

fn apply_inner(
    opts: &ApplyOptions,
    config: &Config,
    out: &Out,
    summary: &mut Summary,
) -> Result<&'static str, ErrorInfo> {
    let interrupt = interrupt();
    let files = read_files(&opts.paths).map_err(|e| fail("usage", e))?;
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
    check_drift(&plan, &history, opts)?;
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
    lint_gate(&files, &plan, config, out, summary)?;
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
    let result = locked(
        opts,
        config,
        out,
        summary,
        &mut client,
        &url,
        &files,
        &interrupt,
    );
    if result.is_err() && !client.is_closed() {
        let _ = client.batch_execute("ROLLBACK");
    }
    lock::release(&mut client);
    result
}

fn check_drift(
    plan: &Plan,
    history: &[history::HistoryRow],
    opts: &ApplyOptions,
) -> Result<(), ErrorInfo> {
    let drift = plan.drift(history, opts.allow_out_of_order);
    if drift.is_empty() {
        Ok(())
    } else {
        Err(fail_list(
            "drift",
            "the migration files do not match the database's history: nothing was changed",
            drift,
        ))
    }
}

#[allow(clippy::too_many_arguments)]
fn locked(
    opts: &ApplyOptions,
    config: &Config,
    out: &Out,
    summary: &mut Summary,
    client: &mut Client,
    url: &DbUrl,
    files: &[MigrationFile],
    interrupt: &Interrupt,
) -> Result<&'static str, ErrorInfo> {
    let db = |e: postgres::Error| {
        fail(
            "database",
            url.redact(&format!("database error: {}", pg_error(&e))),
        )
    };
    let history = history::read(client).map_err(db)?;
    let plan = Plan::new(files.to_vec(), &history);
    check_drift(&plan, &history, opts)?;
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
    let timestamp = backup::utc_timestamp();
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
                &timestamp,
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
        // 6. Export rows that drops would destroy.
        let targets = export::targets(pending.iter().copied());
        let exported = export::run(client, &targets, &opts.backup_dir, &timestamp)
            .map_err(|e| fail("export", url.redact(&format!("{e}; nothing was changed"))))?;
        for e in &exported {
            let what = match &e.column {
                Some(c) => format!("{}.{c}", e.table),
                None => e.table.clone(),
            };
            out.info(format!("export: {what} ({} rows) -> {}", e.rows, e.path));
        }
        summary.exports = exported;
        interrupted()?;
    }

    // 7–9. Run, verify, record.
    let total = pending.len();
    let one_txn = opts.single_transaction || opts.dry_run;
    let txn_settings = format!(
        "SET LOCAL lock_timeout = {}; SET LOCAL statement_timeout = {};",
        opts.lock_timeout.as_millis(),
        opts.statement_timeout.as_millis()
    );
    if one_txn {
        client.batch_execute("BEGIN").map_err(db)?;
        client.batch_execute(&txn_settings).map_err(db)?;
    }
    // Protected tables a file of this run creates are protected from then on.
    for (idx, file) in pending.iter().enumerate() {
        let label = format!("[{}/{}] {}", idx + 1, total, file.file_name);
        if file.no_transaction {
            if opts.dry_run {
                out.info(format!(
                    "{label} … skipped (no-transaction files cannot run in a dry run)"
                ));
                summary.notes.push(format!(
                    "{} not run: no-transaction file in a dry run",
                    file.source.name
                ));
                continue;
            }
            let applied = run_no_transaction(
                opts, config, out, client, url, file, &protected, interrupt, summary, &label,
            )?;
            summary.applied.push(applied);
            continue;
        }
        let stmts = run::statements_to_send(file).map_err(|e| fail("unsupported", e))?;
        let started = Instant::now();
        if !one_txn {
            client.batch_execute("BEGIN").map_err(db)?;
            client.batch_execute(&txn_settings).map_err(db)?;
        }
        let result = run::run_statements(
            client,
            file,
            &stmts,
            0,
            &interrupt.flag,
            |i, n, line, el| {
                out.info(format!(
                    "      {}: statement {i}/{n} (line {line}) ok ({})",
                    file.source.name,
                    fmt_ms(el)
                ))
            },
            |_, _| Ok(()),
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
        for t in preflight::created_tables([*file]) {
            if protection.is_protected(&t.schema, &t.name) && !protected.contains(&t) {
                protected.push(t);
            }
        }
        let problems = verify::check(client, config, &pending, idx, &protected).map_err(db)?;
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
            history::ensure(client).map_err(db)?;
            history::insert(
                client,
                file.version.as_deref(),
                &file.file_name,
                &file.checksum,
                i64::try_from(duration.as_millis()).unwrap_or(i64::MAX),
                summary.backup.as_deref(),
            )
            .map_err(db)?;
        }
        if !one_txn {
            commit(client, url, summary, file, false)?;
        }
        out.info(format!("{label} … ok ({})", fmt_ms(duration)));
        summary.applied.push(AppliedFile {
            file: file.source.name.clone(),
            version: file.version.clone(),
            checksum: file.checksum.clone(),
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            statements: stmts.len(),
        });
    }
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
        client.batch_execute("ROLLBACK").map_err(db)?;
        out.info(format!(
            "dry run: {} file(s) ran and passed verification, then were rolled back: nothing was changed (no backup, no export, no history)",
            summary.applied.len()
        ));
        return Ok("dry_run");
    }
    if one_txn && let Some(last) = pending.last() {
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

/// COMMIT can fail too (deferred constraints, serialization): then nothing of the transaction
/// was applied, and the summary must not say otherwise.
fn commit(
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

fn rolled_back_message(
    summary: &mut Summary,
    file: &MigrationFile,
    one_txn: bool,
    dry_run: bool,
    what: &str,
) -> String {
    summary.rolled_back = true;
    if dry_run {
        format!(
            "{what} in {} (dry run): rolled back, nothing was changed",
            file.source.name
        )
    } else if one_txn {
        summary.applied.clear();
        format!(
            "{what} in {}: rolled back the single transaction, nothing was changed",
            file.source.name
        )
    } else if summary.applied.is_empty() {
        format!(
            "{what} in {}: rolled back, nothing was changed",
            file.source.name
        )
    } else {
        format!(
            "{what} in {}: rolled back this file; the {} file(s) before it remain applied and recorded",
            file.source.name,
            summary.applied.len()
        )
    }
}

fn run_failure(
    e: run::RunError,
    client: &mut Client,
    url: &DbUrl,
    summary: &mut Summary,
    file: &MigrationFile,
    one_txn: bool,
    dry_run: bool,
) -> ErrorInfo {
    match e {
        run::RunError::Sql(f) => {
            let (kind, what) = if f.canceled {
                ("interrupted", "interrupted (Ctrl-C)")
            } else if f.connection_lost || client.is_closed() {
                (
                    "connection_lost",
                    "the connection to the server was lost (the server rolls back the open transaction)",
                )
            } else {
                ("sql", "statement failed")
            };
            let mut f = f;
            f.message = url.redact(&f.message);
            // The server gives no hint for pgward's own timeouts: say which flag decides.
            if f.hint.is_none() && !f.canceled {
                f.hint = match f.sqlstate.as_deref() {
                    Some("55P03") => Some(
                        "another session holds a lock this statement needs, and --lock-timeout ran out: \
                         retry when that session is done, or raise --lock-timeout"
                            .to_string(),
                    ),
                    Some("57014") if f.message.contains("statement timeout") => Some(
                        "the statement ran longer than --statement-timeout allows".to_string(),
                    ),
                    _ => None,
                };
            }
            ErrorInfo {
                kind,
                message: rolled_back_message(summary, file, one_txn, dry_run, what),
                problems: Vec::new(),
                sql: Some(f),
            }
        }
        run::RunError::Interrupted => fail(
            "interrupted",
            rolled_back_message(summary, file, one_txn, dry_run, "interrupted (Ctrl-C)"),
        ),
        run::RunError::Db(e) => fail(
            "database",
            url.redact(&format!("database error: {}", pg_error(&e))),
        ),
    }
}

/// A `-- pgward: no-transaction` file: statement by statement in autocommit, each recorded in
/// `pgward.statement_progress` so a failed run resumes after the last statement that ran.
#[allow(clippy::too_many_arguments)]
fn run_no_transaction(
    opts: &ApplyOptions,
    config: &Config,
    out: &Out,
    client: &mut Client,
    url: &DbUrl,
    file: &MigrationFile,
    protected: &[preflight::TableName],
    interrupt: &Interrupt,
    summary: &mut Summary,
    label: &str,
) -> Result<AppliedFile, ErrorInfo> {
    let db = |e: postgres::Error| {
        fail(
            "database",
            url.redact(&format!("database error: {}", pg_error(&e))),
        )
    };
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
    client
        .batch_execute(&format!(
            "SET lock_timeout = {}; SET statement_timeout = {};",
            opts.lock_timeout.as_millis(),
            opts.statement_timeout.as_millis()
        ))
        .map_err(db)?;
    let started = Instant::now();
    let name = file.file_name.clone();
    let result = run::run_statements(
        client,
        file,
        &stmts,
        skip,
        &interrupt.flag,
        |i, n, line, el| {
            out.info(format!(
                "      {}: statement {i}/{n} (line {line}) ok ({})",
                file.source.name,
                fmt_ms(el)
            ))
        },
        |c, i| {
            let text = stmts.get(i).map_or("", |s| file.source.slice(s.span));
            history::record_progress(c, &name, &plan::checksum(text), i)
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
    history::insert(
        client,
        file.version.as_deref(),
        &file.file_name,
        &file.checksum,
        i64::try_from(duration.as_millis()).unwrap_or(i64::MAX),
        summary.backup.as_deref(),
    )
    .map_err(db)?;
    history::clear_progress(client, &file.file_name).map_err(db)?;
    client.batch_execute("COMMIT").map_err(db)?;
    out.info(format!(
        "{label} … ok ({}, no transaction)",
        fmt_ms(duration)
    ));
    Ok(AppliedFile {
        file: file.source.name.clone(),
        version: file.version.clone(),
        checksum: file.checksum.clone(),
        duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        statements: stmts.len(),
    })
}

/// A PostgreSQL client error as text with the server's message: `postgres::Error`'s own
/// Display says only "db error", the message is in its source.
pub fn pg_error(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("[SQLSTATE {}] {}", db.code().code(), db.message());
        if let Some(d) = db.detail() {
            s.push_str(&format!(" (detail: {d})"));
        }
        if let Some(h) = db.hint() {
            s.push_str(&format!(" (hint: {h})"));
        }
        return s;
    }
    match std::error::Error::source(e) {
        Some(src) if !e.to_string().contains(&src.to_string()) => format!("{e}: {src}"),
        _ => e.to_string(),
    }
}

pub fn fmt_ms(d: Duration) -> String {
    if d >= Duration::from_secs(10) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

pub fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// `5s`, `500ms`, `2m`, `1h`, `0`; a bare number means seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("invalid duration `{s}` (expected e.g. 5s, 500ms, 2m, 1h)"))?;
    let secs = match unit.trim() {
        "" | "s" | "sec" | "secs" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "invalid duration `{s}` (expected e.g. 5s, 500ms, 2m, 1h)"
            ));
        }
    };
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(format!("invalid duration `{s}`"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
    }
}
