//! `--dry-run`'s lock trace: after each statement, the relation locks the dry run's own
//! transaction holds (`pg_locks` of this backend) on the relations the statement locked: those
//! with a lock entry the statement added, and those the lock table (`syntax::locks`) says it
//! locks (a lock the transaction already held adds no entry). Each is shown in the strongest
//! mode held after the statement (what other sessions wait for from then on) and the mode held
//! before it, if any. Locks on the system catalogs are left out (every DDL statement takes some;
//! they say nothing about the service), and so are relations that exist only while the
//! statement runs (the transient copy of a rewrite); a relation the statement dropped is shown
//! when the statement names it.

use crate::syntax::Stmt;
use crate::syntax::locks::{self, LockMode};
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
    /// The strongest mode the transaction already held on it before the statement.
    pub held_before: Option<&'static str>,
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
        _ => "relation",
    }
}

/// Before a statement: the locks held, and the relations the lock table says it locks
/// (resolved now, so a relation it drops keeps its name).
pub struct Snapshot {
    held: Vec<Held>,
    named: Vec<Held>,
}

pub fn before(client: &mut Client, stmt: &Stmt) -> Result<Snapshot, postgres::Error> {
    let mut named = Vec::new();
    for lock in locks::statement_locks(stmt) {
        let (schema, name) = lock.relation.key();
        if let Some(r) = client.query_opt(
            "SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = $2",
            &[&schema.as_str(), &name.as_str()],
        )? {
            named.push(Held {
                oid: r.try_get(0)?,
                mode: lock.mode,
                name: r.try_get(1)?,
                relkind: r.try_get(2)?,
            });
        }
    }
    Ok(Snapshot {
        held: held(client)?,
        named,
    })
}

/// After the statement: the relations it locked, strongest mode first.
pub fn after(client: &mut Client, snap: &Snapshot) -> Result<Vec<LockedRelation>, postgres::Error> {
    Ok(taken(snap, &held(client)?))
}

fn strongest(locks: &[Held], oid: u32) -> Option<&Held> {
    locks.iter().filter(|h| h.oid == oid).max_by_key(|h| h.mode)
}

fn taken(snap: &Snapshot, after: &[Held]) -> Vec<LockedRelation> {
    let mut oids: Vec<u32> = after
        .iter()
        .filter(|h| !snap.held.contains(h))
        .map(|h| h.oid)
        .chain(snap.named.iter().map(|n| n.oid))
        .collect();
    oids.sort_unstable();
    oids.dedup();
    let mut out: Vec<(LockMode, LockedRelation)> = Vec::new();
    for oid in oids {
        let named = snap.named.iter().find(|n| n.oid == oid);
        let Some(now) = strongest(after, oid) else {
            continue;
        };
        let (name, relkind, dropped) = match (&now.name, named) {
            (Some(n), _) => (n.clone(), now.relkind, false),
            (None, Some(n)) => (n.name.clone().unwrap_or_default(), n.relkind, true),
            // Existed only during the statement (a rewrite's transient copy).
            (None, None) => continue,
        };
        let kind = kind_name(relkind);
        out.push((
            now.mode,
            LockedRelation {
                relation: if dropped {
                    format!("{name} (dropped)")
                } else {
                    name
                },
                kind,
                mode: now.mode.sql(),
                blocks_writes: now.mode.blocks_writes(),
                blocks_reads: now.mode.blocks_reads(),
                held_before: strongest(&snap.held, oid).map(|h| h.mode.sql()),
            },
        ));
    }
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.relation.cmp(&b.1.relation)));
    out.into_iter().map(|(_, l)| l).collect()
}

/// The human line for one statement: `line 4: ALTER TABLE orders … → public.orders ACCESS
/// EXCLUSIVE (blocks reads and writes), …`.
pub fn describe(s: &StatementLocks) -> String {
    let locks: Vec<String> = s
        .locks
        .iter()
        .map(|l| {
            let mut notes = Vec::new();
            if l.blocks_reads {
                notes.push("blocks reads and writes".to_string());
            } else if l.blocks_writes {
                notes.push("blocks writes".to_string());
            }
            if let Some(before) = l.held_before {
                notes.push(if before == l.mode {
                    "held since an earlier statement".to_string()
                } else {
                    format!("{before} held since an earlier statement")
                });
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            };
            format!("{} {} {}{notes}", l.kind, l.relation, l.mode)
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
