//! `destructive-drop`: `DROP TABLE`, `DROP COLUMN` and `TRUNCATE` of data that existed before
//! this migration. Objects the same file created are scratch and fine; protected tables
//! are `protected-table-drop`'s business.

use super::Rule;
use crate::catalog::{Fact, Loc, Pos, display_key};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::syntax::quote_if_needed;

pub static RULE: Rule = Rule {
    id: "destructive-drop",
    default_severity: Severity::Warning,
    summary: "DROP TABLE, DROP COLUMN or TRUNCATE of data that existed before this migration",
    doc: include_str!("../../rules/destructive-drop.md"),
    check: Some(check),
};

/// Made before this file: in an earlier file, or before the set (`None`).
fn preexisting(created: Option<Loc>, file: usize) -> bool {
    created.is_none_or(|c| c.file < file)
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for (stmt_index, fact) in catalog.file_facts(ctx.file_id) {
        let Some(stmt) = ctx.statements().get(*stmt_index) else {
            continue;
        };
        let pos = Pos {
            file: ctx.file_id,
            stmt: *stmt_index,
        };
        let (table, span, column) = match fact {
            Fact::TableDropped { table, span } => (*table, *span, None),
            Fact::Truncated { table, span } => (*table, *span, None),
            Fact::ColumnDropped {
                table,
                column,
                span,
            } => (*table, *span, Some(*column)),
            _ => continue,
        };
        let Some(t) = catalog.tables.get(table) else {
            continue;
        };
        if t.temporary || !preexisting(t.created, ctx.file_id) {
            continue;
        }
        let key = t.key_at(pos);
        let name = display_key(&key);
        let mut d = match (fact, column.and_then(|c| t.columns.get(c))) {
            (Fact::ColumnDropped { .. }, Some(c)) => {
                if !preexisting(c.created, ctx.file_id) {
                    continue;
                }
                let col = quote_if_needed(&c.name);
                let d = ctx
                    .diagnostic(
                        &RULE,
                        span,
                        format!(
                            "DROP COLUMN {col} deletes the column's data in every row of {name}, \
                             which existed before this migration"
                        ),
                    )
                    .with_help(format!(
                        "keep a copy first (e.g. `CREATE TABLE archive.{}_{} AS SELECT …, {col} \
                         FROM {name};`), or let `pgward apply` export the rows before it runs",
                        key.1, c.name
                    ));
                match c.created {
                    Some(created) => d.with_related(
                        created.file,
                        created.span,
                        format!("column {col} defined here"),
                    ),
                    None => d,
                }
            }
            (Fact::ColumnDropped { .. }, None) => continue,
            (fact, _) => {
                // DROP TABLE / TRUNCATE of a protected table: protected-table-drop reports it.
                if is_protected(ctx.config, &key.0, &key.1) {
                    continue;
                }
                let what = if matches!(fact, Fact::Truncated { .. }) {
                    format!("TRUNCATE {name} deletes every row")
                } else {
                    format!("DROP TABLE {name} deletes the table and every row")
                };
                let d = ctx
                    .diagnostic(
                        &RULE,
                        span,
                        format!("{what} of a table that existed before this migration"),
                    )
                    .with_help(format!(
                        "archive it instead (`CREATE SCHEMA IF NOT EXISTS archive; ALTER TABLE \
                         {name} SET SCHEMA archive;`), or let `pgward apply` export the rows \
                         before it runs"
                    ));
                match t.created {
                    Some(created) => {
                        d.with_related(created.file, created.span, "table created here")
                    }
                    None => d,
                }
            }
        };
        d = d.in_statement(stmt.span);
        out.push(d);
    }
}

/// `[protected] tables` (names or globs, unqualified meaning `public`) plus Supabase's `auth` and
/// `storage` schemas. Kept private until the shared matcher lands in `config`.
fn is_protected(config: &Config, schema: &str, table: &str) -> bool {
    if schema == "auth" || schema == "storage" {
        return true;
    }
    config.protected.tables.iter().any(|entry| {
        let entry = entry.trim();
        let (s, t) = match entry.rsplit_once('.') {
            Some((s, t)) => (s.trim_matches('"').to_string(), t),
            None => ("public".to_string(), entry),
        };
        let t = if t.starts_with('"') {
            t.trim_matches('"').to_string()
        } else {
            t.to_lowercase()
        };
        let s = s.to_lowercase();
        let fits = |pattern: &str, name: &str| {
            glob::Pattern::new(pattern).is_ok_and(|p| p.matches(name)) || pattern == name
        };
        fits(&s, schema) && fits(&t, table)
    })
}
