//! What a run reports: the JSON summary, why it stopped, how failures are worded (what was
//! rolled back, what stays applied) and the exit code.

use super::export;
use super::plan::MigrationFile;
use super::run;
use super::url::DbUrl;
use postgres::Client;
use serde::Serialize;
use std::io::Write;
use std::time::Duration;

/// One file applied (or run and rolled back, in a dry run).
#[derive(Debug, Clone, Serialize)]
pub struct AppliedFile {
    pub file: String,
    pub version: Option<String>,
    pub checksum: String,
    pub duration_ms: u64,
    pub statements: usize,
    /// Dry run: the relation locks each statement took (`pg_locks` after it), statements that
    /// took none left out. Empty for a real run.
    pub locks: Vec<super::trace::StatementLocks>,
}

impl AppliedFile {
    pub(crate) fn new(file: &MigrationFile, duration: Duration, statements: usize) -> AppliedFile {
        AppliedFile {
            file: file.source.name.clone(),
            version: file.version.clone(),
            checksum: file.checksum.clone(),
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            statements,
            locks: Vec::new(),
        }
    }
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
    /// Statements that block writes to an existing table while their work grows with its size,
    /// with the table's size (pre-flight; `[apply] max_blocking_size`).
    pub blocking: Vec<super::blocking::BlockingStatement>,
    /// Whether a transaction was rolled back because of the error.
    pub rolled_back: bool,
    pub error: Option<ErrorInfo>,
    /// Lint-gate diagnostics (as `check --format json` gives them) when the gate refused the run.
    pub diagnostics: Vec<serde_json::Value>,
    pub notes: Vec<String>,
}

impl Summary {
    pub(crate) fn new(dry_run: bool) -> Summary {
        Summary {
            status: "error",
            dry_run,
            database: None,
            pending: Vec::new(),
            applied: Vec::new(),
            backup: None,
            exports: Vec::new(),
            blocking: Vec::new(),
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
pub struct Out {
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

pub(crate) fn fail(kind: &'static str, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo {
        kind,
        message: message.into(),
        problems: Vec::new(),
        sql: None,
    }
}

pub(crate) fn fail_list(
    kind: &'static str,
    message: impl Into<String>,
    problems: Vec<String>,
) -> ErrorInfo {
    ErrorInfo {
        kind,
        message: message.into(),
        problems,
        sql: None,
    }
}

/// Turn the run's result into the summary's status and the exit code, printing the error for
/// humans (the JSON summary is printed by the caller).
pub(crate) fn finish(
    result: Result<&'static str, ErrorInfo>,
    out: &Out,
    summary: &mut Summary,
) -> i32 {
    let e = match result {
        Ok(status) => {
            summary.status = status;
            return 0;
        }
        Err(e) => e,
    };
    let code = exit_code(e.kind);
    summary.status = match e.kind {
        "usage" | "config" | "connection" => "error",
        "drift" | "lint" | "unsupported" | "lock" | "preflight" | "backup" | "export" => "refused",
        _ => "failed",
    };
    if !out.json {
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

pub(crate) fn rolled_back_message(
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

pub(crate) fn run_failure(
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
        run::RunError::Export(e) => {
            let what = format!(
                "the export of the rows it destroys failed ({}), so the statement did not run",
                url.redact(&e)
            );
            fail(
                "export",
                rolled_back_message(summary, file, one_txn, dry_run, &what),
            )
        }
    }
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
