//! `--dry-run`'s lock trace: after each statement, the relation locks the dry run's own
//! transaction holds (`pg_locks` of this backend), minus those it held before the statement:
//! the real lock footprint of each statement, with relation names resolved. Locks on the system
//! catalogs are left out (every DDL statement takes some; they say nothing about the service).

use crate::syntax::locks::LockMode;
use postgres::Client;
use serde::Serialize;

/// One relation a statement locked, in the strongest mode it newly took on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedRelation {
    /// `schema.name`; a relation the statement dropped shows as `oid 16384 (dropped)`.
    pub relation: String,
    /// table | partitioned table | index | sequence | view | materialized view | …
    pub kind: &'static str,
    /// As SQL writes it: `ACCESS EXCLUSIVE`.
    pub mode: &'static str,
    /// The mode conflicts with `INSERT`/`UPDATE`/`DELETE` (SHARE or stronger).
    pub blocks_writes: bool,
    /// The mode conflicts with `SELECT` too (ACCESS EXCLUSIVE).
    pub blocks_reads: bool,
}

/// The locks one statement of the dry run took.
#[derive(Debug, Clone, Serialize)]
pub struct StatementLocks {
    pub line: usize,
    pub column: usize,
    /// The statement's start, whitespace collapsed (at most 60 characters).
    pub statement: String,
    pub locks: Vec<LockedRelation>,
}

/// A relation lock held by this backend: (relation oid, mode, name, relkind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    oid: u32,
    mode: LockMode,
    name: Option<String>,
    relkind: Option<i8>,
}

/// The relation locks this backend holds now, outside the system schemas.
pub fn held(client: &mut Client) -> Result<Vec<Held>, postgres::Error> {
    let rows = client.query(
        "SELECT l.relation, l.mode, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind
         FROM pg_locks l
         LEFT JOIN pg_class c ON c.oid = l.relation
         LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND coalesce(n.nspname, '') NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
        &[],
    )?;
    let mut out = Vec::new();
    for r in rows {
        let mode: String = r.try_get(1)?;
        let Some(mode) = LockMode::from_pg_name(&mode) else {
            continue;
        };
        out.push(Held {
            oid: r.try_get(0)?,
            mode,
            name: r.try_get(2)?,
            relkind: r.try_get(3)?,
        });
    }
    Ok(out)
}

fn kind_name(relkind: Option<i8>) -> &'static str {
    match relkind.map(|k| k as u8 as char) {
        Some('r') => "table",
        Some('p') => "partitioned table",
        Some('i') => "index",
        Some('I') => "partitioned index",
        Some('S') => "sequence",
        Some('v') => "view",
        Some('m') => "materialized view",
        Some('f') => "foreign table",
        Some('c') => "composite type",
        _ => "dropped relation",
    }
}

/// What is held `after` a statement and was not `before` it: one entry per relation, in the
/// strongest new mode, strongest first.
pub fn taken(before: &[Held], after: &[Held]) -> Vec<LockedRelation> {
    let mut by_rel: Vec<&Held> = Vec::new();
    for h in after.iter().filter(|h| !before.contains(h)) {
        match by_rel.iter_mut().find(|b| b.oid == h.oid) {
            Some(b) if h.mode > b.mode => *b = h,
            Some(_) => {}
            None => by_rel.push(h),
        }
    }
    by_rel.sort_by(|a, b| b.mode.cmp(&a.mode).then_with(|| a.name.cmp(&b.name)));
    by_rel
        .into_iter()
        .map(|h| LockedRelation {
            relation: h
                .name
                .clone()
                .unwrap_or_else(|| format!("oid {} (dropped)", h.oid)),
            kind: kind_name(h.relkind),
            mode: h.mode.sql(),
            blocks_writes: h.mode.blocks_writes(),
            blocks_reads: h.mode.blocks_reads(),
        })
        .collect()
}

/// The human line for one statement: `line 4: ALTER TABLE orders … → public.orders ACCESS
/// EXCLUSIVE (blocks reads and writes), …`.
pub fn describe(s: &StatementLocks) -> String {
    let locks: Vec<String> = s
        .locks
        .iter()
        .map(|l| {
            let effect = if l.blocks_reads {
                " (blocks reads and writes)"
            } else if l.blocks_writes {
                " (blocks writes)"
            } else {
                ""
            };
            format!("{} {} {}{effect}", l.kind, l.relation, l.mode)
        })
        .collect();
    format!("line {}: {} → {}", s.line, s.statement, locks.join(", "))
}

/// The first 60 characters of a statement, whitespace collapsed.
pub fn abbreviate(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= 60 {
        collapsed
    } else {
        format!("{}…", collapsed.chars().take(59).collect::<String>())
    }
}
