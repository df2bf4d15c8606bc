//! Step 4: checks against the live database before anything changes.

use super::plan::MigrationFile;
use crate::config::{Config, ProtectedTables, Protection};
use crate::syntax::{Stmt, names};
use postgres::Client;

/// A table name from the config, resolved the PostgreSQL way (unquoted parts fold to lower case;
/// no schema means `public`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableName {
    pub schema: String,
    pub name: String,
}

impl TableName {
    pub fn new(schema: &str, name: &str) -> TableName {
        TableName {
            schema: schema.to_string(),
            name: name.to_string(),
        }
    }
    /// `"schema"."name"`: safe to splice into SQL.
    pub fn sql(&self) -> String {
        names::sql_name(&self.schema, &self.name)
    }
    pub fn display(&self) -> String {
        names::display(&self.schema, &self.name)
    }
}

pub use crate::syntax::names::quote_ident;

/// A config entry like `users`, `public.users`, `"Users"`, `auth."Users"`. `None` for globs.
/// For `[preflight] require_rows` and `[realtime] tables`; `[protected] tables` go through the
/// shared matcher (`Config::protection()`), like `check`.
pub fn parse_config_table(entry: &str) -> Option<TableName> {
    if entry.contains(['*', '?', '[']) {
        return None;
    }
    let (schema, name) = crate::syntax::names::table_name(entry)?;
    Some(TableName { schema, name })
}

pub fn table_exists(client: &mut Client, t: &TableName) -> Result<bool, postgres::Error> {
    let row = client.query_one(
        "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p'))",
        &[&t.schema, &t.name],
    )?;
    row.try_get(0)
}

/// Tables the given files create (top level or in DO blocks).
pub fn created_tables<'a>(files: impl IntoIterator<Item = &'a MigrationFile>) -> Vec<TableName> {
    let mut out = Vec::new();
    for f in files {
        for s in &f.parsed.statements {
            if let Stmt::CreateTable(ct) = &s.kind
                && !ct.temporary
            {
                let (schema, name) = ct.name.key();
                out.push(TableName::new(&schema, &name));
            }
        }
    }
    out
}

/// What pre-flight found: problems refuse the run; notes are printed.
#[derive(Debug, Default)]
pub struct Preflight {
    pub problems: Vec<String>,
    pub notes: Vec<String>,
    /// Protected tables that exist now (they must still exist after each file).
    pub protected_present: Vec<TableName>,
}

pub fn run(
    client: &mut Client,
    config: &Config,
    pending: &[&MigrationFile],
) -> Result<Preflight, postgres::Error> {
    let mut out = Preflight::default();

    let in_recovery: bool = client
        .query_one("SELECT pg_is_in_recovery()", &[])?
        .try_get(0)?;
    if in_recovery {
        out.problems.push(
            "the server is a read-only replica (pg_is_in_recovery() is true): point --database-url at the primary"
                .to_string(),
        );
        return Ok(out);
    }
    // A writable primary can still refuse writes: `default_transaction_read_only` (Supabase sets
    // it when the disk is full). Every statement would fail after the backup; refuse now.
    let read_only: String = client
        .query_one("SELECT current_setting('transaction_read_only')", &[])?
        .try_get(0)?;
    if read_only == "on" {
        out.problems.push(
            "the session is read-only (default_transaction_read_only is on for this database or role; \
             Supabase does this when the disk is full): nothing can be written"
                .to_string(),
        );
        return Ok(out);
    }

    // The same matcher as `check`'s protected-table rules, so both agree on what is protected.
    let protection = config.protection();
    let created = created_tables(pending.iter().copied());
    for (schema, name) in protection.literal_tables() {
        let table = TableName::new(&schema, &name);
        if table_exists(client, &table)? {
            if !out.protected_present.contains(&table) {
                out.protected_present.push(table);
            }
        } else if created.contains(&table) {
            // Created by a pending file (a fresh database): nothing to protect yet.
        } else {
            out.problems.push(format!(
                "protected table {} does not exist in this database: is --database-url the right database? \
                 (a missing protected table means something already went wrong; refusing to change anything)",
                table.display()
            ));
        }
    }

    // Globs are not required to exist, but the tables they match now must survive; so must
    // everything in Supabase's `auth` and `storage` schemas (always protected).
    let rows = client.query(
        "SELECT schemaname::text, tablename::text FROM pg_tables
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
        &[],
    )?;
    let mut existing = Vec::new();
    for r in rows {
        existing.push(TableName {
            schema: r.try_get(0)?,
            name: r.try_get(1)?,
        });
    }
    for entry in &config.protected.tables {
        let single = ProtectedTables::new(std::slice::from_ref(entry));
        if !entry.contains(['*', '?', '[']) || !single.literal_tables().is_empty() {
            continue;
        }
        let configured = |t: &&TableName| {
            matches!(
                single.protection(&t.schema, &t.name),
                Some(Protection::Configured(_))
            )
        };
        let matched = existing.iter().filter(configured).count();
        out.notes.push(format!(
            "protected pattern `{entry}` is a glob: not required to exist; the {matched} table(s) it matches now are verified after each file"
        ));
    }
    for t in existing {
        if protection.is_protected(&t.schema, &t.name) && !out.protected_present.contains(&t) {
            out.protected_present.push(t);
        }
    }

    for entry in &config.preflight.require_rows {
        let Some(table) = parse_config_table(entry) else {
            out.problems.push(format!(
                "[preflight] require_rows: `{entry}` is not a table name"
            ));
            continue;
        };
        if !table_exists(client, &table)? {
            out.problems.push(format!(
                "[preflight] require_rows: table {} does not exist",
                table.display()
            ));
            continue;
        }
        let has_rows: bool = client
            .query_one(
                &format!("SELECT EXISTS (SELECT 1 FROM {})", table.sql()),
                &[],
            )?
            .try_get(0)?;
        if !has_rows {
            out.problems.push(format!(
                "[preflight] require_rows: table {} is empty (expected data before this migration: is this the right database?)",
                table.display()
            ));
        }
    }

    let mut seen = Vec::new();
    for f in pending {
        for s in &f.parsed.statements {
            let Stmt::CreateExtension { name, .. } = &s.kind else {
                continue;
            };
            // The same guard and "declared available" as `unguarded-extension`; the server is
            // asked about the rest, contrib included (a server without the contrib package
            // lacks them).
            if crate::runner::extensions::guarded(s) {
                continue;
            }
            let ext = name.value.clone();
            if seen.contains(&ext) || config.extension_always_available(&ext) {
                continue;
            }
            seen.push(ext.clone());
            let available: bool = client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = $1)",
                    &[&ext],
                )?
                .try_get(0)?;
            if !available {
                let line = f.source.lines.line_col(&f.source.text, s.span.start);
                let mut msg = format!(
                    "{}:{}:{}: extension \"{ext}\" is not available on this server (not in pg_available_extensions)",
                    f.source.name, line.line, line.column
                );
                if ext == "vector" {
                    msg.push_str(
                        "; pgvector is not installed on the server (on Supabase, enable it under Database > Extensions \
                         or upgrade the plan). To fall back, create it inside a DO block with an EXCEPTION handler \
                         and store embeddings as JSONB (e.g. `embedding jsonb`, a JSON array of floats) until pgvector is available",
                    );
                } else {
                    msg.push_str(
                        "; install it on the server, or guard the CREATE EXTENSION (DO block with an EXCEPTION handler, or a check of pg_available_extensions) with a fallback",
                    );
                }
                out.problems.push(msg);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_table_names_fold_like_postgres() {
        assert_eq!(
            parse_config_table("Users"),
            Some(TableName::new("public", "users"))
        );
        assert_eq!(
            parse_config_table("auth.\"Users\""),
            Some(TableName::new("auth", "Users"))
        );
        assert_eq!(parse_config_table("us*"), None);
        assert_eq!(TableName::new("a", "b\"c").sql(), "\"a\".\"b\"\"c\"");
    }
}
