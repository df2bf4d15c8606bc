//! The history of applied migrations, in the `pgward` schema of the target database.
//!
//! `pgward.schema_history` has one row per applied file, inserted in the same transaction as the
//! file's statements. `pgward.statement_progress` records, for `no-transaction` files, which
//! statements already ran, so a failed run resumes where it stopped.

use super::plan::MigrationFile;
use postgres::Client;
use std::time::Duration;

pub const SCHEMA: &str = "pgward";

/// One applied file.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub version: Option<String>,
    pub file_name: String,
    pub checksum: String,
    /// `applied_at` formatted by the server as ISO 8601 UTC.
    pub applied_at: String,
    pub duration_ms: i64,
    pub backup_path: Option<String>,
}

/// Whether the history table exists (without creating anything: `status` and `--dry-run` never write).
pub fn exists(client: &mut Client) -> Result<bool, postgres::Error> {
    let row = client.query_one(
        "SELECT to_regclass('pgward.schema_history') IS NOT NULL",
        &[],
    )?;
    row.try_get(0)
}

/// Create the schema and tables on first use. Run while holding the advisory lock, so two
/// first-time applies do not race on `CREATE SCHEMA`, and inside the first migration's
/// transaction, so a failed first run leaves no `pgward` schema behind.
pub fn ensure(client: &mut Client) -> Result<(), postgres::Error> {
    // Checked first so that an existing history does not print "already exists, skipping" notices.
    let present: bool = client
        .query_one(
            "SELECT to_regclass('pgward.schema_history') IS NOT NULL
                AND to_regclass('pgward.statement_progress') IS NOT NULL",
            &[],
        )?
        .try_get(0)?;
    if present {
        return Ok(());
    }
    client.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS pgward;
         CREATE TABLE IF NOT EXISTS pgward.schema_history (
             version text,
             file_name text PRIMARY KEY,
             checksum text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now(),
             duration_ms bigint NOT NULL,
             backup_path text,
             pgward_version text NOT NULL
         );
         CREATE TABLE IF NOT EXISTS pgward.statement_progress (
             file_name text NOT NULL,
             checksum text NOT NULL,
             statement_index integer NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now(),
             PRIMARY KEY (file_name, statement_index)
         );",
    )
}

/// Every applied file, oldest first. An absent history means nothing was applied.
pub fn read(client: &mut Client) -> Result<Vec<HistoryRow>, postgres::Error> {
    if !exists(client)? {
        return Ok(Vec::new());
    }
    let rows = client.query(
        "SELECT version, file_name, checksum,
                to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                duration_ms, backup_path
         FROM pgward.schema_history ORDER BY applied_at, file_name",
        &[],
    )?;
    rows.iter()
        .map(|r| {
            Ok(HistoryRow {
                version: r.try_get(0)?,
                file_name: r.try_get(1)?,
                checksum: r.try_get(2)?,
                applied_at: r.try_get(3)?,
                duration_ms: r.try_get(4)?,
                backup_path: r.try_get(5)?,
            })
        })
        .collect()
}

/// Record `file` as applied: the one place a history row is written, by both run paths.
/// Called inside the transaction that ran the file (or, for a `no-transaction` file, the short
/// transaction after its statements), so the row commits exactly when the file does. Creates
/// the history on first use and clears the file's statement progress.
pub fn record_applied(
    client: &mut Client,
    file: &MigrationFile,
    duration: Duration,
    backup_path: Option<&str>,
) -> Result<(), postgres::Error> {
    ensure(client)?;
    insert(
        client,
        file.version.as_deref(),
        &file.file_name,
        &file.checksum,
        i64::try_from(duration.as_millis()).unwrap_or(i64::MAX),
        backup_path,
    )?;
    clear_progress(client, &file.file_name)
}

/// Insert the history row (inside the migration's transaction).
fn insert(
    client: &mut Client,
    version: Option<&str>,
    file_name: &str,
    checksum: &str,
    duration_ms: i64,
    backup_path: Option<&str>,
) -> Result<(), postgres::Error> {
    client.execute(
        "INSERT INTO pgward.schema_history
             (version, file_name, checksum, duration_ms, backup_path, pgward_version)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &version,
            &file_name,
            &checksum,
            &duration_ms,
            &backup_path,
            &env!("CARGO_PKG_VERSION"),
        ],
    )?;
    Ok(())
}

/// Statements of a `no-transaction` file that already ran: (statement index, checksum of the
/// statement's text), in order. The statements not run yet may be edited before a rerun.
pub fn progress(
    client: &mut Client,
    file_name: &str,
) -> Result<Vec<(usize, String)>, postgres::Error> {
    if !exists(client)? {
        return Ok(Vec::new());
    }
    let rows = client.query(
        "SELECT statement_index, checksum FROM pgward.statement_progress
         WHERE file_name = $1 ORDER BY statement_index",
        &[&file_name],
    )?;
    rows.iter()
        .map(|r| {
            let i: i32 = r.try_get(0)?;
            Ok((usize::try_from(i).unwrap_or(usize::MAX), r.try_get(1)?))
        })
        .collect()
}

/// Record one finished statement of a `no-transaction` file (autocommit); `checksum` is the
/// statement text's.
pub fn record_progress(
    client: &mut Client,
    file_name: &str,
    checksum: &str,
    statement_index: usize,
) -> Result<(), postgres::Error> {
    let index = i32::try_from(statement_index).unwrap_or(i32::MAX);
    client.execute(
        "INSERT INTO pgward.statement_progress (file_name, checksum, statement_index)
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        &[&file_name, &checksum, &index],
    )?;
    Ok(())
}

pub fn clear_progress(client: &mut Client, file_name: &str) -> Result<(), postgres::Error> {
    client.execute(
        "DELETE FROM pgward.statement_progress WHERE file_name = $1",
        &[&file_name],
    )?;
    Ok(())
}
