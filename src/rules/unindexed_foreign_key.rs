//! `unindexed-foreign-key`: a foreign key whose columns are not the leading columns of any index
//! at the end of the set (R-007; Supabase's advisor reports the same on live databases).

use super::Rule;
use super::schema_util::{
    create_index_sql, foreign_key_span, insert_after_statement, leading_columns_indexed,
    table_key_after,
};
use crate::catalog::display_key;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::{FileContext, is_enabled};
use crate::syntax::quote_if_needed;

pub static RULE: Rule = Rule {
    id: "unindexed-foreign-key",
    default_severity: Severity::Warning,
    summary: "A foreign key's columns are not the leading columns of any index",
    doc: include_str!("../../rules/unindexed-foreign-key.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    let user_rule_on = is_enabled(&super::missing_user_id_index::RULE, ctx.config);
    for (table_id, table) in catalog.live_tables() {
        if table.temporary {
            continue;
        }
        for fk in table.live_foreign_keys() {
            if fk.created.file != ctx.file_id || fk.columns.is_empty() {
                continue;
            }
            // The column's own diagnostic already asks for this index.
            if let [only] = fk.columns.as_slice()
                && user_rule_on
                && super::missing_user_id_index::reports(ctx.config, catalog, table_id, *only)
            {
                continue;
            }
            if leading_columns_indexed(catalog, table_id, &fk.columns) {
                continue;
            }
            let Some(stmt) = ctx.statements().get(fk.created.stmt) else {
                continue;
            };
            let names: Vec<String> = fk
                .columns
                .iter()
                .filter_map(|&c| table.columns.get(c).map(|c| c.name.clone()))
                .collect();
            if names.len() != fk.columns.len() {
                continue;
            }
            let shown: Vec<String> = names.iter().map(|n| quote_if_needed(n)).collect();
            let now = table.key();
            let target = match fk.ref_table.and_then(|r| catalog.tables.get(r)) {
                Some(r) if r.is_live() => r.display(),
                _ => display_key(&fk.ref_key),
            };
            let help_sql = create_index_sql(&now, &names);
            let then_table = table_key_after(table, &fk.created);
            let then_names: Vec<String> = fk
                .columns
                .iter()
                .filter_map(|&c| table.columns.get(c))
                .map(|c| super::schema_util::column_name_after(c, &fk.created))
                .collect();
            let fix_sql = create_index_sql(&then_table, &then_names);
            let mut d = ctx
                .diagnostic(
                    &RULE,
                    foreign_key_span(ctx, &fk.created),
                    format!(
                        "foreign key {}({}) → {target} has no index that starts with its \
                         column{}: deleting or updating a {target} row scans {}, and joins on it \
                         are slow",
                        display_key(&now),
                        shown.join(", "),
                        if names.len() == 1 { "" } else { "s" },
                        display_key(&now),
                    ),
                )
                .with_help(format!("add the index: `{help_sql}`"))
                .in_statement(stmt.span);
            if let Some(edit) = insert_after_statement(ctx, fk.created.stmt, &fix_sql) {
                d = d.with_fix(format!("Add `{fix_sql}`"), vec![edit]);
            }
            out.push(d);
        }
    }
}
