//! `policy-name-collision`: a policy name already in use, on the same table (PostgreSQL rejects
//! the statement) or on another table (R-005: copy-pasted policies that protect the wrong thing).

use super::Rule;
use crate::catalog::{Fact, Pos, display_key};
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::syntax::{Stmt, quote_if_needed};

pub static RULE: Rule = Rule {
    id: "policy-name-collision",
    default_severity: Severity::Error,
    summary: "A policy name is already used on the same table (fails) or on another table",
    doc: include_str!("../../rules/policy-name-collision.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for (stmt_index, fact) in catalog.file_facts(ctx.file_id) {
        let Fact::PolicyNameTaken {
            name,
            span,
            table,
            existing,
            same_table,
        } = fact
        else {
            continue;
        };
        let Some(stmt) = ctx.statements().get(*stmt_index) else {
            continue;
        };
        let (Some(policy), Some(this_table)) =
            (catalog.policies.get(*existing), catalog.tables.get(*table))
        else {
            continue;
        };
        let pos = Pos {
            file: ctx.file_id,
            stmt: *stmt_index,
        };
        let shown = quote_if_needed(name);
        let this_name = display_key(&this_table.key_at(pos));
        let renaming = matches!(stmt.kind, Stmt::AlterPolicy(_));
        let mut d = if *same_table {
            let verb = if renaming {
                "rename a policy to"
            } else {
                "create"
            };
            ctx.diagnostic(
                &RULE,
                *span,
                format!(
                    "policy {shown} already exists on table {this_name}: PostgreSQL refuses to \
                     {verb} it again"
                ),
            )
            .with_help(format!(
                "drop the old policy first (`DROP POLICY IF EXISTS {shown} ON {this_name};`) or \
                 give this one its own name"
            ))
        } else {
            let other = catalog
                .tables
                .get(policy.table)
                .map(|t| display_key(&t.key_at(pos)))
                .unwrap_or_default();
            let mut d = ctx
                .diagnostic(
                    &RULE,
                    *span,
                    format!(
                        "policy name {shown} is already used on table {other}; reusing it on \
                         {this_name} makes the two policies easy to confuse"
                    ),
                )
                .with_help(format!(
                    "name policies after their table, e.g. `{}_{}_own`",
                    this_table.name,
                    policy.command.as_str()
                ));
            d.severity = Severity::Warning;
            d
        };
        d = d
            .with_related(
                policy.created.file,
                policy.created.span,
                format!("policy {shown} first created here"),
            )
            .in_statement(stmt.span);
        out.push(d);
    }
}
