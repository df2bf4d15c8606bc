//! `rls-not-enabled`: a table the set created in an exposed schema without row level security at
//! the end of the set: anyone with the anon key reads and writes it.

use super::Rule;
use super::schema_util::{insert_after_statement, is_exposed, qualified, table_key_after};
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;

pub static RULE: Rule = Rule {
    id: "rls-not-enabled",
    default_severity: Severity::Error,
    summary: "A table in an exposed schema does not have row level security enabled",
    doc: include_str!("../../rules/rls-not-enabled.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for (_, table) in catalog.live_tables() {
        let Some(created) = table.created else {
            continue;
        };
        if created.file != ctx.file_id
            || table.temporary
            || table.rls_enabled
            || !is_exposed(ctx.config, &table.schema)
        {
            continue;
        }
        let Some(stmt) = ctx.statements().get(created.stmt) else {
            continue;
        };
        let help_sql = format!(
            "ALTER TABLE {} ENABLE ROW LEVEL SECURITY;",
            qualified(&table.key())
        );
        let fix_sql = format!(
            "ALTER TABLE {} ENABLE ROW LEVEL SECURITY;",
            qualified(&table_key_after(table, &created))
        );
        let mut d = ctx
            .diagnostic(
                &RULE,
                created.span,
                format!(
                    "table {} is in the exposed schema {} but row level security is not enabled \
                     on it: anyone with the anon key can read and change every row",
                    table.display(),
                    crate::syntax::quote_if_needed(&table.schema)
                ),
            )
            .with_help(format!(
                "enable it, then add policies for what each role may see: `{help_sql}`"
            ))
            .in_statement(stmt.span);
        if let Some(changed) = table.rls_changed {
            d = d.with_related(
                changed.file,
                changed.span,
                "row level security disabled here",
            );
        }
        if let Some(edit) = insert_after_statement(ctx, created.stmt, &fix_sql) {
            d = d.with_fix(format!("Add `{fix_sql}`"), vec![edit]);
        }
        out.push(d);
    }
}
