//! What `--dry-run` cannot run without changing the database, and what it reports instead.
//!
//! A dry run runs every pending file in one transaction and rolls it back. Some effects survive a
//! rollback: `setval()` and `nextval()` change a sequence outside any transaction (PostgreSQL
//! never rolls them back), and a `no-transaction` file cannot run inside one. Such files are not
//! run (the reason is printed); a later file that then fails is reported as not checkable (it
//! may depend on the skipped one), not as failing. Sequences the dry run still advanced through
//! a column default (an `INSERT` into a table with a `serial` or identity column) are reported
//! after the run with their values.

use super::plan::MigrationFile;
use crate::syntax::{self, Stmt};
use postgres::Client;

/// Functions whose effect on a sequence no rollback undoes.
const SEQUENCE_FUNCTIONS: &[&str] = &["setval", "nextval"];

/// Why a dry run must not run `file`, or `None`.
pub fn why_not(file: &MigrationFile) -> Option<String> {
    if file.no_transaction {
        return Some("no-transaction files cannot run in a dry run".to_string());
    }
    for s in file.parsed.top_level() {
        let is_do = matches!(s.kind, Stmt::Do { .. });
        if syntax::calls_function(file.source.slice(s.span), SEQUENCE_FUNCTIONS, is_do) {
            let at = file.source.lines.line_col(&file.source.text, s.span.start);
            return Some(format!(
                "line {}: setval()/nextval() change a sequence outside any transaction, so a dry \
                 run would change the live sequence; this file runs only for real",
                at.line
            ));
        }
    }
    None
}

/// Sequences that exist before the dry run, with their last value (`None`: never called).
/// (`OFFSET 0` keeps the privilege test, which errors on other relations, after the filter.)
pub fn sequences(client: &mut Client) -> Result<Vec<(u32, String, Option<i64>)>, postgres::Error> {
    let rows = client.query(
        "SELECT oid, oid::regclass::text, pg_sequence_last_value(oid)
         FROM (SELECT c.oid FROM pg_class c WHERE c.relkind = 'S' OFFSET 0) s
         WHERE has_sequence_privilege(oid, 'SELECT')",
        &[],
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
                "the dry run advanced sequence {name} (last value {} → {now}): nextval() through a \
                 column default is not undone by the rollback; those values are skipped, never \
                 reused (a gap, no duplicate); pgward does not set it back, because another \
                 session may have taken values meanwhile",
                last.map_or("none".to_string(), |v| v.to_string())
            ));
        }
    }
    Ok(out)
}
