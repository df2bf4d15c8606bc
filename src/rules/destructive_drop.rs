//! `destructive-drop`: `DROP TABLE`, `DROP COLUMN` and `TRUNCATE` of data that existed before
//! this migration. Objects the same file created are scratch and fine; protected tables
//! are `protected-table-drop`'s business.

use super::Rule;
use crate::catalog::{Fact, Loc, Pos, display_key, plain_key};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::{ObjectKind, Stmt, quote_if_needed};

/// `DROP SCHEMA/TYPE/DOMAIN/EXTENSION … CASCADE`: what goes with the object is whatever the
/// database holds at the time, tables and their rows included (every table of a schema, every
/// column of a type). The statement is reported whatever the set itself created.
fn cascades(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for stmt in ctx.statements() {
        let Stmt::Drop(d) = &stmt.kind else { continue };
        if !d.cascade {
            continue;
        }
        let takes = match d.kind {
            ObjectKind::Schema => "every table in it, with all their rows",
            ObjectKind::Type | ObjectKind::Domain => {
                "every column of that type, in every table, with its values"
            }
            ObjectKind::Extension => {
                "every column and table that uses the extension's types, with their data"
            }
            _ => continue,
        };
        for name in &d.names {
            let shown = match d.kind {
                ObjectKind::Schema | ObjectKind::Extension => name.name.value.clone(),
                _ => super::common::text::plain_name(name),
            };
            out.push(
                ctx.diagnostic(
                    &RULE,
                    name.span(),
                    format!(
                        "DROP {} \"{shown}\" CASCADE also destroys {takes}",
                        d.kind.sql()
                    ),
                )
                .with_help(
                    "drop the objects inside one by one (each reviewed), or archive their data \
                     first; `pgward apply` exports the rows a cascade destroys before it runs",
                )
                .in_statement(stmt.span),
            );
        }
    }
}

pub static RULE: Rule = Rule {
    id: "destructive-drop",
    default_severity: Severity::Warning,
    summary: "DROP TABLE, DROP COLUMN or TRUNCATE of data that existed before this migration",
    doc: include_str!("../../rules/destructive-drop.md"),
    check: Some(check),
};

/// Made before this file: in an earlier file, or before the set (`None`).
fn preexisting(created: Option<Loc>, file: usize) -> bool {
    created.is_none_or(|c| c.file() < file)
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    cascades(ctx, out);
    let catalog = ctx.catalog();
    let protected = ctx.config.protection();
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
        // `sql` goes into SQL help text, `plain` into messages (in double quotes).
        let sql = display_key(&key);
        let plain = plain_key(&key);
        let mut d = match (fact, column.and_then(|c| t.columns.get(c))) {
            (Fact::ColumnDropped { .. }, Some(c)) => {
                if !preexisting(c.created, ctx.file_id) {
                    continue;
                }
                let col = &c.name;
                // The copy keeps the primary key, so the values can be joined back.
                let mut keep: Vec<String> = t
                    .primary_key
                    .iter()
                    .flat_map(|pk| pk.columns.iter())
                    .filter_map(|&id| t.columns.get(id))
                    .map(|c| quote_if_needed(&c.name))
                    .collect();
                if keep.is_empty() {
                    keep.push("…".to_string());
                }
                keep.push(quote_if_needed(col));
                let d = ctx
                    .diagnostic(
                        &RULE,
                        span,
                        format!(
                            "DROP COLUMN \"{col}\" deletes its value in every row of \"{plain}\", \
                             a table that existed before this migration"
                        ),
                    )
                    .with_help(format!(
                        "keep a copy first (`CREATE TABLE archive.{} AS SELECT {} FROM {sql};`), \
                         or let `pgward apply` export the rows before it runs",
                        quote_if_needed(&format!("{}_{}", key.1, col)),
                        keep.join(", ")
                    ));
                match c.created {
                    Some(created) => d.with_related(
                        created.file(),
                        created.span(),
                        format!("column \"{col}\" defined here"),
                    ),
                    None => d,
                }
            }
            (Fact::ColumnDropped { .. }, None) => continue,
            (fact, _) => {
                // DROP TABLE / TRUNCATE of a protected table: protected-table-drop reports it.
                if protected.is_protected(&key.0, &key.1) {
                    continue;
                }
                let cascade = matches!(stmt.kind, Stmt::Truncate { cascade: true, .. });
                let d = if matches!(fact, Fact::Truncated { .. }) {
                    ctx.diagnostic(
                        &RULE,
                        span,
                        format!(
                            "TRUNCATE of \"{plain}\" deletes every row of a table that existed \
                             before this migration{}",
                            if cascade {
                                ", and CASCADE empties every table with a foreign key to it too"
                            } else {
                                ""
                            }
                        ),
                    )
                    .with_help(format!(
                        "keep a copy first (`CREATE SCHEMA IF NOT EXISTS archive; CREATE TABLE \
                         archive.{} AS TABLE {sql};`), or let `pgward apply` export the rows \
                         before it runs",
                        quote_if_needed(&key.1)
                    ))
                } else {
                    ctx.diagnostic(
                        &RULE,
                        span,
                        format!(
                            "DROP TABLE \"{plain}\" deletes a table that existed before this \
                             migration, with every row in it"
                        ),
                    )
                    .with_help(format!(
                        "archive it instead (`CREATE SCHEMA IF NOT EXISTS archive; ALTER TABLE \
                         {sql} SET SCHEMA archive;`), or let `pgward apply` export the rows \
                         before it runs"
                    ))
                };
                match t.created {
                    Some(created) => {
                        let original = t.original_key();
                        let message = if original == key {
                            "table created here".to_string()
                        } else {
                            format!("table created here as \"{}\"", plain_key(&original))
                        };
                        d.with_related(created.file(), created.span(), message)
                    }
                    None => d,
                }
            }
        };
        d = d.in_statement(stmt.span);
        out.push(d);
    }
}
