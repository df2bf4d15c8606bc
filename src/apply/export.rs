//! Risk R-006: the rows a statement destroys, written to CSV inside the migration's own
//! transaction, immediately before that statement runs.
//!
//! What a statement destroys is asked of the live database, not guessed from the text:
//! `DROP TABLE/SCHEMA/TYPE/DOMAIN/EXTENSION` follow `pg_depend` (partitions, inheritance
//! children, columns of a dropped type, every table of a dropped schema; `deptype` `n` only
//! with `CASCADE`), `TRUNCATE` follows inheritance/partitions and, with `CASCADE`, every table
//! with a foreign key to a truncated one. The victims are locked (`ACCESS EXCLUSIVE`, the lock
//! the statement takes anyway) before they are read, so no row written by another session can
//! slip in between the export and the statement. Each CSV is written under a temporary name and
//! renamed when complete: a failed export never leaves a file that looks complete.

use super::backup::{create_private, ensure_dir, file_safe, fresh_path};
use super::plan::MigrationFile;
use super::preflight::TableName;
use crate::syntax::names::{quote_ident, sql_name};
use crate::syntax::{AlterTableAction, ObjectKind, Statement, Stmt};
use postgres::Client;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Something a statement destroys: a whole table (its own rows, `ONLY`) or one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub table: TableName,
    pub column: Option<String>,
}

/// One CSV written.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub table: String,
    pub column: Option<String>,
    pub rows: i64,
    pub path: String,
}

/// A catalog object a statement removes: (`pg_class`/`pg_namespace`/… as regclass text, oid, sub-id).
type Obj = (String, u32, i32);

/// Whether any statement within `stmt` (itself, or inside its `DO` body) may destroy data.
pub fn may_destroy(file: &MigrationFile, stmt: &Statement) -> bool {
    within(file, stmt).any(|s| destroys(&s.kind))
}

fn destroys(kind: &Stmt) -> bool {
    match kind {
        Stmt::Drop(d) => matches!(
            d.kind,
            ObjectKind::Table
                | ObjectKind::Schema
                | ObjectKind::Type
                | ObjectKind::Domain
                | ObjectKind::Extension
        ),
        Stmt::Truncate { .. } => true,
        Stmt::AlterTable(at) => at
            .actions
            .iter()
            .any(|a| matches!(a.action, AlterTableAction::DropColumn { .. })),
        _ => false,
    }
}

/// The statement and the statements of its `DO` body.
fn within<'a>(file: &'a MigrationFile, stmt: &'a Statement) -> impl Iterator<Item = &'a Statement> {
    file.parsed.statements.iter().filter(move |s| {
        std::ptr::eq(*s, stmt)
            || (s.context.in_do_block.is_some()
                && s.span.start >= stmt.span.start
                && s.span.end <= stmt.span.end)
    })
}

/// Everything `stmt` would destroy, as the live database sees it right now.
pub fn victims(
    client: &mut Client,
    file: &MigrationFile,
    stmt: &Statement,
) -> Result<Vec<Target>, postgres::Error> {
    let mut out: Vec<Target> = Vec::new();
    for s in within(file, stmt) {
        let found = match &s.kind {
            Stmt::Drop(d) => {
                let mut objs = Vec::new();
                for n in &d.names {
                    let (schema, name) = n.key();
                    let obj = match d.kind {
                        ObjectKind::Table => oid(
                            client,
                            "SELECT to_regclass($1)::oid",
                            &sql_name(&schema, &name),
                        )?
                        .map(|o| ("pg_class".to_string(), o, 0)),
                        ObjectKind::Type | ObjectKind::Domain => oid(
                            client,
                            "SELECT to_regtype($1)::oid",
                            &sql_name(&schema, &name),
                        )?
                        .map(|o| ("pg_type".to_string(), o, 0)),
                        ObjectKind::Schema => oid(
                            client,
                            "SELECT oid FROM pg_namespace WHERE nspname = $1",
                            &name,
                        )?
                        .map(|o| ("pg_namespace".to_string(), o, 0)),
                        ObjectKind::Extension => oid(
                            client,
                            "SELECT oid FROM pg_extension WHERE extname = $1",
                            &name,
                        )?
                        .map(|o| ("pg_extension".to_string(), o, 0)),
                        _ => None,
                    };
                    objs.extend(obj);
                }
                dependents(client, &objs, d.cascade)?
            }
            Stmt::AlterTable(at) => {
                let (schema, table) = at.name.key();
                let mut objs = Vec::new();
                let mut cascade = false;
                for a in &at.actions {
                    if let AlterTableAction::DropColumn {
                        name, cascade: c, ..
                    } = &a.action
                    {
                        cascade |= *c;
                        let row = client.query_opt(
                            "SELECT a.attrelid, a.attnum::int FROM pg_attribute a
                             WHERE a.attrelid = to_regclass($1) AND a.attname = $2
                               AND a.attnum > 0 AND NOT a.attisdropped",
                            &[&sql_name(&schema, &table), &name.value],
                        )?;
                        if let Some(r) = row {
                            objs.push(("pg_class".to_string(), r.try_get(0)?, r.try_get(1)?));
                        }
                    }
                }
                dependents(client, &objs, cascade)?
            }
            Stmt::Truncate { tables, cascade } => {
                let mut oids = Vec::new();
                for n in tables {
                    let (schema, name) = n.key();
                    oids.extend(oid(
                        client,
                        "SELECT to_regclass($1)::oid",
                        &sql_name(&schema, &name),
                    )?);
                }
                truncated(client, &oids, *cascade)?
            }
            _ => Vec::new(),
        };
        for t in found {
            let whole_done = out.iter().any(|o| o.table == t.table && o.column.is_none());
            if whole_done || out.contains(&t) {
                continue;
            }
            if t.column.is_none() {
                out.retain(|o| o.table != t.table);
            }
            out.push(t);
        }
    }
    Ok(out)
}

fn oid(client: &mut Client, sql: &str, arg: &str) -> Result<Option<u32>, postgres::Error> {
    match client.query_opt(sql, &[&arg])? {
        Some(r) => r.try_get(0),
        None => Ok(None),
    }
}

/// Tables and columns removed with `objs`: the `pg_depend` closure (`deptype` `a`/`i`/`e`
/// always, `n` with CASCADE), tables whole when they go, columns when only they go.
fn dependents(
    client: &mut Client,
    objs: &[Obj],
    cascade: bool,
) -> Result<Vec<Target>, postgres::Error> {
    if objs.is_empty() {
        return Ok(Vec::new());
    }
    let classes: Vec<&str> = objs.iter().map(|o| o.0.as_str()).collect();
    let ids: Vec<u32> = objs.iter().map(|o| o.1).collect();
    let subs: Vec<i32> = objs.iter().map(|o| o.2).collect();
    let deptypes = if cascade { "ainex" } else { "aie" };
    let rows = client.query(
        "WITH RECURSIVE obj(classid, objid, objsubid) AS (
             SELECT c::regclass::oid, o, s FROM unnest($1::text[], $2::oid[], $3::int[]) AS u(c, o, s)
           UNION
             SELECT d.classid, d.objid, d.objsubid
             FROM pg_depend d JOIN obj ON d.refclassid = obj.classid AND d.refobjid = obj.objid
                  AND (obj.objsubid = 0 OR d.refobjsubid = obj.objsubid)
             WHERE strpos($4, d.deptype::text) > 0
         ),
         rel AS (
             SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind,
                    bool_or(obj.objsubid = 0) AS whole,
                    array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE obj.objsubid > 0) AS cols
             FROM obj JOIN pg_class c ON obj.classid = 'pg_class'::regclass AND c.oid = obj.objid
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = obj.objsubid
                       AND obj.objsubid > 0
             WHERE c.relkind IN ('r', 'p')
             GROUP BY 1, 2, 3, 4
         )
         SELECT schema, name, whole, relkind = 'p', coalesce(cols, '{}') FROM rel ORDER BY schema, name",
        &[&classes, &ids, &subs, &deptypes],
    )?;
    let mut out = Vec::new();
    for r in rows {
        let table = TableName::new(&r.try_get::<_, String>(0)?, &r.try_get::<_, String>(1)?);
        let whole: bool = r.try_get(2)?;
        let partitioned: bool = r.try_get(3)?;
        let cols: Vec<String> = r.try_get(4)?;
        if whole {
            // A partitioned table has no rows of its own: its partitions are listed themselves.
            if !partitioned {
                out.push(Target {
                    table,
                    column: None,
                });
            }
        } else {
            // A column of a partitioned or inheritance parent: read through the parent, so
            // every child's value comes along.
            for c in cols {
                out.push(Target {
                    table: table.clone(),
                    column: Some(c),
                });
            }
        }
    }
    Ok(out)
}

/// Tables `TRUNCATE` empties: the named ones, their inheritance children and partitions, and
/// with CASCADE every table with a foreign key to one of those (transitively).
fn truncated(
    client: &mut Client,
    oids: &[u32],
    cascade: bool,
) -> Result<Vec<Target>, postgres::Error> {
    if oids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = client.query(
        "WITH RECURSIVE t(oid) AS (
             SELECT unnest($1::oid[])
           UNION
             SELECT x.oid FROM t, LATERAL (
                 SELECT inhrelid FROM pg_inherits WHERE inhparent = t.oid
                 UNION ALL
                 SELECT conrelid FROM pg_constraint
                 WHERE $2 AND contype = 'f' AND confrelid = t.oid
             ) AS x(oid)
         )
         SELECT n.nspname::text, c.relname::text FROM t
             JOIN pg_class c ON c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'r' ORDER BY 1, 2",
        &[&oids, &cascade],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Target {
                table: TableName::new(&r.try_get::<_, String>(0)?, &r.try_get::<_, String>(1)?),
                column: None,
            })
        })
        .collect()
}

/// Primary key columns of a table (to make a dropped column's export joinable back).
fn primary_key(client: &mut Client, t: &TableName) -> Result<Vec<String>, postgres::Error> {
    let rows = client.query(
        "SELECT a.attname::text FROM pg_index i
             JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ON true
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
         WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary ORDER BY k.ord",
        &[&t.schema, &t.name],
    )?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

/// Export what `stmt` is about to destroy. `lock`: take the statement's lock first (inside a
/// transaction; a `no-transaction` file runs in autocommit, where `LOCK` is refused).
pub fn before_statement(
    client: &mut Client,
    file: &MigrationFile,
    stmt: &Statement,
    dir: &Path,
    timestamp: &str,
    lock: bool,
) -> Result<Vec<Exported>, String> {
    let db = |e: postgres::Error| {
        format!(
            "exporting before {}: {}",
            file.source.name,
            super::pg_error(&e)
        )
    };
    let targets = victims(client, file, stmt).map_err(db)?;
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    if lock {
        let mut names: Vec<String> = targets.iter().map(|t| t.table.sql()).collect();
        names.dedup();
        client
            .batch_execute(&format!(
                "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
                names.join(", ")
            ))
            .map_err(db)?;
    }
    run(client, &targets, dir, timestamp)
}

/// Export every target that holds rows (empty tables are skipped).
pub fn run(
    client: &mut Client,
    targets: &[Target],
    dir: &Path,
    timestamp: &str,
) -> Result<Vec<Exported>, String> {
    let mut done = Vec::new();
    for t in targets {
        let db = |e: postgres::Error| {
            format!("exporting {}: {}", t.table.display(), super::pg_error(&e))
        };
        let (select, from) = match &t.column {
            Some(col) => {
                let mut cols: Vec<String> = primary_key(client, &t.table)
                    .map_err(db)?
                    .into_iter()
                    .filter(|c| c != col)
                    .collect();
                cols.push(col.clone());
                let list: Vec<String> = cols.iter().map(|c| quote_ident(c)).collect();
                (list.join(", "), t.table.sql())
            }
            None => ("*".to_string(), format!("ONLY {}", t.table.sql())),
        };
        let rows: i64 = client
            .query_one(&format!("SELECT count(*) FROM {from}"), &[])
            .and_then(|r| r.try_get(0))
            .map_err(db)?;
        if rows == 0 {
            continue;
        }
        ensure_dir(dir)?;
        let mut name = if t.table.schema == "public" {
            t.table.name.clone()
        } else {
            format!("{}.{}", t.table.schema, t.table.name)
        };
        if let Some(col) = &t.column {
            name = format!("{name}.{col}");
        }
        let path: PathBuf = fresh_path(
            dir,
            &format!("export-{}-{timestamp}", file_safe(&name)),
            ".csv",
        );
        write_csv(client, &format!("SELECT {select} FROM {from}"), &path)
            .map_err(|e| if let Some(pg) = e.1 { db(pg) } else { e.0 })?;
        done.push(Exported {
            table: t.table.display(),
            column: t.column.clone(),
            rows,
            path: path.display().to_string(),
        });
    }
    Ok(done)
}

/// `COPY (select) TO STDOUT` into `<path>.partial`, synced, then renamed to `path`. On any
/// failure the partial file is removed: nothing is left under a name that looks complete.
fn write_csv(
    client: &mut Client,
    select: &str,
    path: &Path,
) -> Result<(), (String, Option<postgres::Error>)> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let result = (|| {
        let mut file = create_private(&partial)
            .map_err(|e| (format!("cannot create {}: {e}", partial.display()), None))?;
        let mut reader = client
            .copy_out(&format!(
                "COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)"
            ))
            .map_err(|e| (String::new(), Some(e)))?;
        std::io::copy(&mut reader, &mut file)
            .and_then(|_| file.flush())
            .and_then(|_| file.sync_all())
            .map_err(|e| (format!("writing {}: {e}", path.display()), None))?;
        drop(reader);
        std::fs::rename(&partial, path).map_err(|e| {
            (
                format!("renaming {} into place: {e}", partial.display()),
                None,
            )
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}
