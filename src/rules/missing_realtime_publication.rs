//! `missing-realtime-publication`: a table that should stream changes to Supabase Realtime
//! (`[realtime] tables`) is not in the realtime publication at the end of the set.

use super::Rule;
use super::schema_util::{
    config_ident, config_table, insert_after_statement, is_exposed, qualified, table_key_after,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::syntax::quote_if_needed;

pub static RULE: Rule = Rule {
    id: "missing-realtime-publication",
    default_severity: Severity::Warning,
    summary: "A table listed in [realtime] tables is not in the realtime publication",
    doc: include_str!("../../rules/missing-realtime-publication.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    // Without a `[realtime]` section nobody asked for Realtime.
    let Some(realtime) = &ctx.config.realtime else {
        return;
    };
    let catalog = ctx.catalog();
    let every = realtime.tables.iter().any(|t| t.trim() == "*");
    let listed: Vec<_> = realtime
        .tables
        .iter()
        .filter(|t| t.trim() != "*")
        .map(|t| config_table(t))
        .collect();
    let publication_name = config_ident(&realtime.publication);
    let publication = catalog.publication(&publication_name);
    for (table_id, table) in catalog.live_tables() {
        let Some(created) = table.created else {
            continue;
        };
        if created.file != ctx.file_id || table.temporary {
            continue;
        }
        let wanted =
            listed.contains(&table.key()) || (every && is_exposed(ctx.config, &table.schema));
        if !wanted || publication.is_some_and(|p| catalog.publishes(p, table_id)) {
            continue;
        }
        let Some(stmt) = ctx.statements().get(created.stmt) else {
            continue;
        };
        let pubname = quote_if_needed(&publication_name);
        let help_sql = format!(
            "ALTER PUBLICATION {pubname} ADD TABLE {};",
            qualified(&table.key())
        );
        let fix_sql = format!(
            "ALTER PUBLICATION {pubname} ADD TABLE {};",
            qualified(&table_key_after(table, &created))
        );
        let mut d = ctx
            .diagnostic(
                &RULE,
                created.span,
                format!(
                    "table {} is not in the publication {pubname} at the end of the migrations: \
                     Realtime subscribers receive none of its changes",
                    table.display()
                ),
            )
            .with_help(format!("add it to the publication: `{help_sql}`"))
            .in_statement(stmt.span);
        // Say where it went missing, when the set removed it.
        let p = publication.and_then(|p| catalog.publications.get(p));
        let removed = p.and_then(|p| {
            p.members
                .iter()
                .filter(|m| m.table == table_id)
                .filter_map(|m| m.removed)
                .next_back()
        });
        if let Some(removed) = removed {
            d = d.with_related(
                removed.file,
                removed.span,
                format!("removed from {pubname} here"),
            );
        }
        let dropped = catalog
            .publications
            .iter()
            .filter(|p| p.name == publication_name)
            .filter_map(|p| p.dropped)
            .next_back();
        if let (None, Some(dropped)) = (publication, dropped) {
            d = d.with_related(
                dropped.file,
                dropped.span,
                format!("publication {pubname} dropped here"),
            );
        }
        if let Some(edit) = insert_after_statement(ctx, created.stmt, &fix_sql) {
            d = d.with_fix(format!("Add `{fix_sql}`"), vec![edit]);
        }
        out.push(d);
    }
}
