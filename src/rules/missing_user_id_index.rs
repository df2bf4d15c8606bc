//! `missing-user-id-index`: a table that has a `user_id` column (or another `[indexes]
//! user_columns` column) at the end of the set, with no index that starts with it.

use super::Rule;
use super::schema_util::{
    config_ident, create_index_sql, insert_after_statement, leading_columns_indexed,
    table_key_after,
};
use crate::catalog::{Catalog, ColumnId, TableId, display_key};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::syntax::quote_if_needed;

pub static RULE: Rule = Rule {
    id: "missing-user-id-index",
    default_severity: Severity::Warning,
    summary: "A user_id column (see [indexes] user_columns) has no index that starts with it",
    doc: include_str!("../../rules/missing-user-id-index.md"),
    check: Some(check),
};

/// Whether a column name is one of `[indexes] user_columns`.
pub fn is_user_column(config: &Config, name: &str) -> bool {
    config
        .indexes
        .user_columns
        .iter()
        .any(|c| config_ident(c) == name)
}

/// Whether this rule reports the column (wherever it was defined): a live user column the set
/// defined, on a live non-temporary table, with no index starting with it.
pub fn reports(config: &Config, catalog: &Catalog, table: TableId, column: ColumnId) -> bool {
    let (Some(t), Some(c)) = (
        catalog.tables.get(table),
        catalog
            .tables
            .get(table)
            .and_then(|t| t.columns.get(column)),
    ) else {
        return false;
    };
    t.is_live()
        && !t.temporary
        && c.is_live()
        && c.created.is_some()
        && is_user_column(config, &c.name)
        && !leading_columns_indexed(catalog, table, &[column])
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for (table_id, table) in catalog.live_tables() {
        for (column_id, column) in table.live_columns() {
            let Some(created) = column.created else {
                continue;
            };
            if created.file != ctx.file_id || !reports(ctx.config, catalog, table_id, column_id) {
                continue;
            }
            let Some(stmt) = ctx.statements().get(created.stmt) else {
                continue;
            };
            let now = table.key();
            let col = quote_if_needed(&column.name);
            let help_sql = create_index_sql(&now, std::slice::from_ref(&column.name));
            // The fix goes right after the defining statement, with the names as they were there.
            let then_table = table_key_after(table, &created);
            let then_column = super::schema_util::column_name_after(column, &created);
            let fix_sql = create_index_sql(&then_table, std::slice::from_ref(&then_column));
            let mut d = ctx
                .diagnostic(
                    &RULE,
                    created.span,
                    format!(
                        "column {col} of table {} has no index that starts with it: every query \
                         filtering by {col} (as RLS policies do) reads the whole table",
                        display_key(&now)
                    ),
                )
                .with_help(format!("add the index: `{help_sql}`"))
                .in_statement(stmt.span);
            if let Some(edit) = insert_after_statement(ctx, created.stmt, &fix_sql) {
                d = d.with_fix(format!("Add `{fix_sql}`"), vec![edit]);
            }
            out.push(d);
        }
    }
}
