//! Step 4b (pre-flight): the real size of every existing table that a pending statement
//! rewrites, builds an index on or scans while holding a lock that blocks writes, and the
//! `[apply] max_blocking_size` gate (`--allow-blocking` lets it pass). The sizes of the tables
//! other deploy findings name (a required column, a rename, an unfiltered change) are shown too.
//!
//! Which statements do that is said by the deploy-safety rules (the one owner of "this rewrites",
//! "this scans", "this builds an index without CONCURRENTLY", "existing table"): their check
//! functions run on the pending files whatever the config and suppressions say (the gate is
//! about the table's real size, which the author could not see). Which table and which lock
//! mode comes from the lock table (`syntax::locks`). The size is read from the live database:
//! `pg_table_size` (heap and TOAST, what a rewrite copies and a scan reads) and `reltuples` (the
//! planner's row estimate), summed over the partitions of a partitioned table.

use super::plan::MigrationFile;
use crate::config::{ByteSize, Config};
use crate::rules::{self, FileContext, Workspace};
use crate::syntax::Statement;
use crate::syntax::locks::{self, LockKind, LockMode, On};
use postgres::Client;
use serde::Serialize;

/// The rules whose findings are work proportional to the table's size under a lock that blocks
/// writes, with what the statement does to the table.
const SIZE_RULES: &[(&str, &str)] = &[
    ("table-rewrite", "rewrites"),
    ("blocking-index", "builds an index on"),
    ("constraint-without-not-valid", "scans"),
    ("not-null-scan", "scans"),
    ("unique-without-index", "builds a unique index on"),
];

/// Deploy rules whose findings name an existing table whose real size the operator wants to
/// see next to them, though the work does not grow with it (not gated); run when enabled.
const CONTEXT_RULES: &[(&str, &str)] = &[
    ("required-column-without-default", "on"),
    ("breaking-rename", "on"),
    ("unfiltered-data-change", "on"),
    ("long-exclusive-lock", "on"),
];

/// Lock kinds whose work does not grow with the table (dropping an index is a catalog change).
fn size_independent(kind: LockKind) -> bool {
    matches!(kind, LockKind::DropIndex | LockKind::DropIndexConcurrently)
}

/// One statement that blocks writes to a table for a time proportional to its size.
#[derive(Debug, Clone, Serialize)]
pub struct BlockingStatement {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub rule: &'static str,
    /// What the statement is, from the lock table: `ALTER COLUMN … TYPE`, `CREATE INDEX`.
    pub statement: &'static str,
    /// The table, `schema.name`.
    pub table: String,
    /// The lock mode the statement holds on it (`ACCESS EXCLUSIVE`).
    pub lock: &'static str,
    /// The planner's estimate (`reltuples`); `None` when the table was never analyzed.
    pub estimated_rows: Option<u64>,
    pub bytes: u64,
    /// The statement's work grows with the table under a lock that blocks writes: subject to
    /// `[apply] max_blocking_size`. (Otherwise the size is shown for context only.)
    pub gated: bool,
    /// Gated and larger than `[apply] max_blocking_size`.
    pub over_limit: bool,
}

impl BlockingStatement {
    /// `0002_x.sql:4:1: ALTER COLUMN … TYPE rewrites public.orders: ~12.4M rows, 3.1 GB,
    /// under ACCESS EXCLUSIVE (table-rewrite)`.
    pub fn describe(&self) -> String {
        let verb = SIZE_RULES
            .iter()
            .chain(CONTEXT_RULES)
            .find(|(id, _)| *id == self.rule)
            .map_or("locks", |(_, v)| *v);
        let rows = match self.estimated_rows {
            Some(n) => format!("~{} rows", human_count(n)),
            None => "rows not estimated yet (never analyzed)".to_string(),
        };
        format!(
            "{}:{}:{}: {} {verb} {}: {rows}, {}, under {} ({})",
            self.file,
            self.line,
            self.column,
            self.statement,
            self.table,
            ByteSize::human(self.bytes),
            self.lock,
            self.rule
        )
    }
}

/// `12.4M`, `3.2k`, `815`.
fn human_count(n: u64) -> String {
    let f = n as f64;
    if n >= 1_000_000_000 {
        format!("{:.1}G", f / 1e9)
    } else if n >= 1_000_000 {
        format!("{:.1}M", f / 1e6)
    } else if n >= 1_000 {
        format!("{:.1}k", f / 1e3)
    } else {
        n.to_string()
    }
}

/// The statement of `file` that a finding belongs to.
fn statement_of<'a>(
    parsed: &'a crate::syntax::ParsedFile,
    d: &crate::diagnostic::Diagnostic,
) -> Option<&'a Statement> {
    let span = d.statement.unwrap_or(d.span);
    parsed
        .statements
        .iter()
        .filter(|s| s.span.start <= span.start && span.end <= s.span.end)
        .min_by_key(|s| s.span.end - s.span.start)
}

/// Every statement of the pending files that blocks writes to an existing table while its work
/// grows with the table, with that table's size now.
pub fn find(
    client: &mut Client,
    config: &Config,
    workspace: &Workspace,
    pending: &[&MigrationFile],
) -> Result<Vec<BlockingStatement>, postgres::Error> {
    let limit = config.apply.max_blocking_bytes();
    let mut out: Vec<BlockingStatement> = Vec::new();
    for (file_id, wf) in workspace.files.iter().enumerate() {
        if !pending.iter().any(|p| p.source.name == wf.source.name) {
            continue;
        }
        let ctx = FileContext {
            file_id,
            workspace,
            config,
        };
        let mut found = Vec::new();
        for (id, _) in SIZE_RULES {
            if let Some(check) = rules::find(id).and_then(|r| r.check) {
                check(&ctx, &mut found);
            }
        }
        for (id, _) in CONTEXT_RULES {
            if let Some(rule) = rules::find(id).filter(|r| rules::is_enabled(r, config))
                && let Some(check) = rule.check
            {
                check(&ctx, &mut found);
            }
        }
        found.sort_by_key(|d| (d.span.start, d.rule));
        for d in &found {
            let Some(stmt) = statement_of(&wf.parsed, d) else {
                continue;
            };
            let src = &wf.source;
            let at = src.lines.line_col(&src.text, stmt.span.start);
            let gated = SIZE_RULES.iter().any(|(id, _)| *id == d.rule);
            for lock in locks::statement_locks(&stmt.kind) {
                let row = locks::rule(lock.kind);
                if row.on != On::Target || (gated && size_independent(lock.kind)) {
                    continue;
                }
                let (schema, name) = lock.relation.key();
                let Some(size) = table_size(client, &schema, &name, lock.index)? else {
                    // Not in the database (yet): created by an earlier pending file, so empty.
                    continue;
                };
                // One line per statement and table; a gated finding wins over a context one.
                if let Some(i) = out
                    .iter()
                    .position(|b| b.file == src.name && b.line == at.line && b.table == size.table)
                {
                    if gated && !out[i].gated {
                        out.remove(i);
                    } else {
                        continue;
                    }
                }
                out.push(BlockingStatement {
                    file: src.name.clone(),
                    line: at.line,
                    column: at.column,
                    rule: d.rule,
                    statement: row.what,
                    table: size.table,
                    lock: strongest_on(stmt, &lock.relation.key()).sql(),
                    estimated_rows: size.rows,
                    bytes: size.bytes,
                    gated,
                    over_limit: gated && size.bytes > limit,
                });
            }
        }
    }
    Ok(out)
}

/// The strongest mode `stmt` takes on the relation `key`.
fn strongest_on(stmt: &Statement, key: &crate::syntax::Key) -> LockMode {
    locks::statement_locks(&stmt.kind)
        .iter()
        .filter(|l| &l.relation.key() == key)
        .map(|l| l.mode)
        .max()
        .unwrap_or(LockMode::AccessExclusive)
}

struct TableSize {
    table: String,
    rows: Option<u64>,
    bytes: u64,
}

/// The table `schema.name` (or, for an index, its table): its size now, `None` if absent.
fn table_size(
    client: &mut Client,
    schema: &str,
    name: &str,
    index: bool,
) -> Result<Option<TableSize>, postgres::Error> {
    let row = client.query_opt(
        "WITH rel AS (
           SELECT CASE WHEN c.relkind IN ('i', 'I') THEN i.indrelid ELSE c.oid END AS oid
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_index i ON i.indexrelid = c.oid
           WHERE n.nspname = $1 AND c.relname = $2
             AND (c.relkind IN ('i', 'I') OR NOT $3)
             AND c.relkind IN ('r', 'p', 'm', 'i', 'I')
         ),
         tree AS (
           SELECT rel.oid AS relid FROM rel
           UNION SELECT t.relid FROM rel, pg_partition_tree(rel.oid) t
         )
         SELECT (SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
                   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE c.oid = rel.oid),
                (SELECT coalesce(sum(pg_table_size(t.relid)), 0)::bigint FROM tree t),
                (SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::float8
                   FROM tree t JOIN pg_class c ON c.oid = t.relid WHERE c.relkind <> 'p'),
                (SELECT bool_or(c.reltuples < 0)
                   FROM tree t JOIN pg_class c ON c.oid = t.relid WHERE c.relkind <> 'p')
         FROM rel",
        &[&schema, &name, &index],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    let table: String = row.try_get(0)?;
    let bytes: i64 = row.try_get(1)?;
    let rows: f64 = row.try_get(2)?;
    let unknown: Option<bool> = row.try_get(3)?;
    // A table not analyzed yet with pages on disk: the estimate is unknown, not zero.
    let rows = if unknown == Some(true) && bytes > 0 {
        None
    } else {
        Some(rows.max(0.0) as u64)
    };
    Ok(Some(TableSize {
        table,
        rows,
        bytes: u64::try_from(bytes).unwrap_or(0),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_like_people_write_them() {
        assert_eq!(human_count(815), "815");
        assert_eq!(human_count(12_400_000), "12.4M");
        assert_eq!(human_count(3_200), "3.2k");
    }
}
