//! What `--dry-run` must do so that it never changes the database, and what it reports.
//!
//! A dry run runs every pending file in one transaction and rolls it back. Sequences are the
//! exception to "a rollback undoes everything": `nextval()` (a `serial`/identity default, or a
//! call in a function the migration runs) and `setval()` change a sequence outside any
//! transaction. Unless the transaction gave the sequence a new relation file first: then every
//! change to it lives in that file, and the rollback drops the file with them (PostgreSQL
//! documents this for `TRUNCATE … RESTART IDENTITY`; `ALTER SEQUENCE` does the same, and blocks
//! other sessions' `nextval()` on that sequence until the transaction ends).
//!
//! So the dry run *isolates* every sequence that exists before it ([`isolate_sequences`]: a
//! no-op `ALTER SEQUENCE … INCREMENT BY <its own increment>` inside the dry run's transaction),
//! and the rollback restores each exactly (last value, `is_called`, `log_cnt`). A sequence that
//! cannot be isolated (owned by another role, or a lock wait ran out) is reported; then a file
//! calling `setval()`/`nextval()` is not run ([`why_not`]), and a sequence the dry run still
//! advanced through a column default is reported after the run with its values ([`advanced`]).
//! `no-transaction` files cannot run inside the dry run's transaction and are skipped; so are
//! files calling a function whose effect is outside the transaction altogether
//! (`pg_terminate_backend()`, replication slots, `dblink_exec()`, … [`NON_TRANSACTIONAL_FUNCTIONS`])
//! or a `COPY` to a server file or program. A later file that then fails is reported as not
//! checkable, not as failing. (A function body the migration calls is not searched: only the
//! sequences it touches are covered, by the isolation.)

use super::plan::MigrationFile;
use crate::syntax::{self, Stmt};
use postgres::Client;
use std::time::Duration;

/// Functions whose effect on a sequence no rollback undoes (unless the sequence is isolated).
const SEQUENCE_FUNCTIONS: &[&str] = &["setval", "nextval"];

/// Functions whose effect no rollback undoes and a dry run cannot isolate: they act on other
/// sessions, the server, replication, statistics, files or other databases.
const NON_TRANSACTIONAL_FUNCTIONS: &[&str] = &[
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "pg_switch_wal",
    "pg_create_restore_point",
    "pg_promote",
    "pg_wal_replay_pause",
    "pg_wal_replay_resume",
    "pg_create_logical_replication_slot",
    "pg_create_physical_replication_slot",
    "pg_copy_logical_replication_slot",
    "pg_copy_physical_replication_slot",
    "pg_drop_replication_slot",
    "pg_replication_slot_advance",
    "pg_logical_emit_message",
    "pg_stat_reset",
    "pg_stat_reset_shared",
    "pg_stat_reset_single_table_counters",
    "pg_stat_reset_single_function_counters",
    "pg_stat_reset_slru",
    "pg_stat_reset_replication_slot",
    "pg_stat_statements_reset",
    "pg_file_write",
    "pg_file_rename",
    "pg_file_unlink",
    "lo_export",
    "dblink_exec",
    "dblink",
    "dblink_send_query",
];

/// `COPY … TO 'file'` writes a file on the server, `COPY … PROGRAM` runs a command there:
/// neither is undone by a rollback.
fn copy_outside_the_database(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_end_matches(';').to_ascii_lowercase())
        .collect();
    words.first().is_some_and(|w| w == "copy")
        && (words.iter().any(|w| w == "program")
            || words
                .windows(2)
                .any(|w| w[0] == "to" && (w[1].starts_with('\'') || w[1].starts_with("e'"))))
}

/// Why a dry run must not run `file`, or `None`. `sequences_isolated`: every sequence that
/// exists before the dry run is isolated (its changes roll back).
pub fn why_not(file: &MigrationFile, sequences_isolated: bool) -> Option<String> {
    if file.no_transaction {
        return Some("no-transaction files cannot run in a dry run".to_string());
    }
    for s in file.parsed.top_level() {
        let is_do = matches!(s.kind, Stmt::Do { .. });
        let text = file.source.slice(s.span);
        let at = file.source.lines.line_col(&file.source.text, s.span.start);
        if syntax::calls_function(text, NON_TRANSACTIONAL_FUNCTIONS, is_do) {
            let name = NON_TRANSACTIONAL_FUNCTIONS
                .iter()
                .find(|f| syntax::calls_function(text, &[**f], is_do))
                .copied()
                .unwrap_or("a function");
            return Some(format!(
                "line {}: {name}() acts outside the transaction (on other sessions, the server, \
                 replication, statistics, files or another database), so no rollback undoes it; \
                 this file runs only for real",
                at.line
            ));
        }
        if copy_outside_the_database(text) {
            return Some(format!(
                "line {}: COPY to a server file or with PROGRAM acts outside the database, so no \
                 rollback undoes it; this file runs only for real",
                at.line
            ));
        }
        if !sequences_isolated && syntax::calls_function(text, SEQUENCE_FUNCTIONS, is_do) {
            return Some(format!(
                "line {}: setval()/nextval() change a sequence outside any transaction, and not \
                 every sequence could be isolated for the dry run (see the note), so a dry run \
                 could change a live sequence; this file runs only for real",
                at.line
            ));
        }
    }
    None
}

/// A sequence the dry run could not isolate.
#[derive(Debug, Clone)]
pub struct NotIsolated {
    pub oid: u32,
    pub name: String,
    pub why: String,
}

/// What [`isolate_sequences`] did.
#[derive(Debug, Default)]
pub struct Isolation {
    pub isolated: usize,
    pub not_isolated: Vec<NotIsolated>,
}

/// Inside the dry run's transaction, before any file: give every existing sequence that the
/// role owns a new relation file (a no-op `ALTER SEQUENCE`), so the rollback undoes whatever the
/// run does to it. One round trip; each sequence in its own subtransaction, so one that cannot
/// be isolated (a lock wait longer than `lock_wait`) does not stop the others.
pub fn isolate_sequences(
    client: &mut Client,
    lock_wait: Duration,
) -> Result<Isolation, postgres::Error> {
    client.batch_execute(&format!(
        "SET LOCAL lock_timeout = {};
         DO $pgward$
         DECLARE r record; done int := 0; failed text := '';
         BEGIN
           FOR r IN SELECT c.oid, s.seqincrement FROM pg_class c
                    JOIN pg_sequence s ON s.seqrelid = c.oid
                    WHERE c.relkind = 'S' AND c.relpersistence <> 't'
                      AND pg_has_role(c.relowner, 'USAGE')
                    ORDER BY c.oid
           LOOP
             BEGIN
               EXECUTE format('ALTER SEQUENCE %s INCREMENT BY %s', r.oid::regclass, r.seqincrement);
               done := done + 1;
             EXCEPTION WHEN OTHERS THEN
               failed := failed || r.oid || chr(31) || SQLERRM || chr(30);
             END;
           END LOOP;
           PERFORM set_config('pgward.isolated', done::text, true);
           PERFORM set_config('pgward.not_isolated', failed, true);
         END
         $pgward$;",
        // 0 would wait forever behind a session holding the sequence: bounded here, whatever
        // --lock-timeout says (the statements' own timeout is set again for each file).
        match lock_wait.as_millis() {
            0 => 1000,
            ms => ms.min(1000),
        }
    ))?;
    let row = client.query_one(
        "SELECT current_setting('pgward.isolated')::int, current_setting('pgward.not_isolated')",
        &[],
    )?;
    let isolated: i32 = row.try_get(0)?;
    let failed: String = row.try_get(1)?;
    let mut out = Isolation {
        isolated: usize::try_from(isolated).unwrap_or(0),
        not_isolated: Vec::new(),
    };
    for entry in failed.split('\u{1e}').filter(|e| !e.is_empty()) {
        let (oid, why) = entry.split_once('\u{1f}').unwrap_or((entry, ""));
        if let Ok(oid) = oid.parse::<u32>() {
            out.not_isolated.push(NotIsolated {
                oid,
                name: String::new(),
                why: why.to_string(),
            });
        }
    }
    // Sequences of other roles: ALTER SEQUENCE needs ownership.
    for r in client.query(
        "SELECT c.oid, pg_get_userbyid(c.relowner)::text FROM pg_class c
         WHERE c.relkind = 'S' AND c.relpersistence <> 't' AND NOT pg_has_role(c.relowner, 'USAGE')
         ORDER BY c.oid",
        &[],
    )? {
        let owner: String = r.try_get(1)?;
        out.not_isolated.push(NotIsolated {
            oid: r.try_get(0)?,
            name: String::new(),
            why: format!("owned by role {owner}, not by this session's role"),
        });
    }
    for n in &mut out.not_isolated {
        n.name = client
            .query_one(
                "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
                &[&n.oid],
            )?
            .try_get(0)?;
    }
    Ok(out)
}

/// The notes a dry run prints about its isolation of sequences.
pub fn isolation_notes(iso: &Isolation) -> Vec<String> {
    let mut notes = Vec::new();
    if iso.isolated > 0 {
        notes.push(format!(
            "dry run: {} sequence(s) isolated, so the rollback restores them exactly; another \
             session's nextval() on them waits until the dry run ends",
            iso.isolated
        ));
    }
    if !iso.not_isolated.is_empty() {
        let list: Vec<String> = iso
            .not_isolated
            .iter()
            .map(|n| format!("{} ({})", n.name, n.why))
            .collect();
        notes.push(format!(
            "dry run: {} sequence(s) could not be isolated, so a change to them would survive the \
             rollback: files calling setval()/nextval() are not run, and an advance through a \
             column default is reported: {}",
            iso.not_isolated.len(),
            list.join("; ")
        ));
    }
    notes
}

/// The sequences of `not_isolated` with their last value (`None`: never called), before the run.
pub fn sequences(
    client: &mut Client,
    not_isolated: &[NotIsolated],
) -> Result<Vec<(u32, String, Option<i64>)>, postgres::Error> {
    let oids: Vec<u32> = not_isolated.iter().map(|n| n.oid).collect();
    if oids.is_empty() {
        return Ok(Vec::new());
    }
    // (`OFFSET 0` keeps the privilege test, which errors on other relations, after the filter.)
    let rows = client.query(
        "SELECT oid, name, pg_sequence_last_value(oid)
         FROM (SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind = 'S' AND c.oid = ANY($1) OFFSET 0) s
         WHERE has_sequence_privilege(oid, 'SELECT')",
        &[&oids],
    )?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// Before the rollback: which of `before` this session advanced (`currval()` is defined only
/// for sequences the session itself called `nextval()` on), as messages.
pub fn advanced(
    client: &mut Client,
    before: &[(u32, String, Option<i64>)],
) -> Result<Vec<String>, postgres::Error> {
    if before.is_empty() {
        return Ok(Vec::new());
    }
    // In a savepoint: a role without TEMP privilege gets a note, not a failed dry run.
    client.batch_execute("SAVEPOINT pgward_sequences")?;
    match advanced_inner(client, before) {
        Ok(found) => {
            client.batch_execute("RELEASE SAVEPOINT pgward_sequences")?;
            Ok(found)
        }
        Err(e) => {
            client.batch_execute("ROLLBACK TO SAVEPOINT pgward_sequences")?;
            Ok(vec![format!(
                "could not check whether the dry run advanced a sequence: {}",
                super::pg_error(&e)
            )])
        }
    }
}

fn advanced_inner(
    client: &mut Client,
    before: &[(u32, String, Option<i64>)],
) -> Result<Vec<String>, postgres::Error> {
    client.batch_execute(
        "CREATE FUNCTION pg_temp.pgward_called(s regclass) RETURNS bigint LANGUAGE plpgsql AS $f$
         BEGIN RETURN currval(s); EXCEPTION WHEN object_not_in_prerequisite_state THEN RETURN NULL; END
         $f$",
    )?;
    let mut out = Vec::new();
    for (oid, name, last) in before {
        let now: Option<i64> = client
            .query_one("SELECT pg_temp.pgward_called($1::oid::regclass)", &[oid])?
            .try_get(0)?;
        if let Some(now) = now {
            out.push(format!(
                "the dry run advanced sequence {name} (last value {} → {now}), which it could not \
                 isolate: nextval() through a column default is not undone by the rollback; those \
                 values are skipped, never reused (a gap, no duplicate); pgward does not set it \
                 back, because another session may have taken values meanwhile",
                last.map_or("none".to_string(), |v| v.to_string())
            ));
        }
    }
    Ok(out)
}
