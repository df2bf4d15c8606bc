//! Step 6 (risk R-006): rows a pending drop or truncate would destroy, written to CSV first.

use super::backup::{create_private, ensure_dir, file_safe, fresh_path};
use super::plan::MigrationFile;
use super::preflight::{TableName, quote_ident, table_exists};
use crate::syntax::{AlterTableAction, ObjectKind, Stmt};
use postgres::Client;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Something a pending file destroys: a whole table (drop or truncate) or one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub table: TableName,
    pub column: Option<String>,
    /// `DROP TABLE`, `TRUNCATE`, `DROP COLUMN` (for messages).
    pub action: &'static str,
}

/// One CSV written.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub table: String,
    pub column: Option<String>,
    pub rows: i64,
    pub path: String,
}

/// Every table and column the files drop or truncate, top level or in DO blocks, in order.
pub fn targets<'a>(files: impl IntoIterator<Item = &'a MigrationFile>) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    let mut push = |t: Target| {
        let dup = out
            .iter()
            .any(|o| o.table == t.table && (o.column.is_none() || o.column == t.column));
        if !dup {
            // A whole-table export makes earlier column exports of the same table redundant.
            if t.column.is_none() {
                out.retain(|o| o.table != t.table);
            }
            out.push(t);
        }
    };
    for f in files {
        for s in &f.parsed.statements {
            match &s.kind {
                Stmt::Drop(d) if d.kind == ObjectKind::Table => {
                    for n in &d.names {
                        let (schema, name) = n.key();
                        push(Target {
                            table: TableName { schema, name },
                            column: None,
                            action: "DROP TABLE",
                        });
                    }
                }
                Stmt::Truncate { tables } => {
                    for n in tables {
                        let (schema, name) = n.key();
                        push(Target {
                            table: TableName { schema, name },
                            column: None,
                            action: "TRUNCATE",
                        });
                    }
                }
                Stmt::AlterTable(at) => {
                    for a in &at.actions {
                        if let AlterTableAction::DropColumn { name, .. } = &a.action {
                            let (schema, table) = at.name.key();
                            push(Target {
                                table: TableName {
                                    schema,
                                    name: table,
                                },
                                column: Some(name.value.clone()),
                                action: "DROP COLUMN",
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn column_exists(
    client: &mut Client,
    t: &TableName,
    column: &str,
) -> Result<bool, postgres::Error> {
    client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute a
                 JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3
                   AND a.attnum > 0 AND NOT a.attisdropped)",
            &[&t.schema, &t.name, &column],
        )?
        .try_get(0)
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

/// Export every target that exists and holds rows. Tables that do not exist yet (created by an
/// earlier pending file) or are empty are skipped.
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
        if !table_exists(client, &t.table).map_err(db)? {
            continue;
        }
        let select = match &t.column {
            Some(col) => {
                if !column_exists(client, &t.table, col).map_err(db)? {
                    continue;
                }
                let mut cols: Vec<String> = primary_key(client, &t.table)
                    .map_err(db)?
                    .into_iter()
                    .filter(|c| c != col)
                    .collect();
                cols.push(col.clone());
                let list: Vec<String> = cols.iter().map(|c| quote_ident(c)).collect();
                format!("SELECT {} FROM {}", list.join(", "), t.table.sql())
            }
            None => format!("SELECT * FROM {}", t.table.sql()),
        };
        let rows: i64 = client
            .query_one(&format!("SELECT count(*) FROM {}", t.table.sql()), &[])
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
        let mut file =
            create_private(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let mut reader = client
            .copy_out(&format!(
                "COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)"
            ))
            .map_err(db)?;
        std::io::copy(&mut reader, &mut file)
            .and_then(|_| file.flush())
            .and_then(|_| file.sync_all())
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        drop(reader);
        done.push(Exported {
            table: t.table.display(),
            column: t.column.clone(),
            rows,
            path: path.display().to_string(),
        });
    }
    Ok(done)
}
