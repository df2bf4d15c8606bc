//! `policy-name-collision`: a policy name already in use, on the same table (PostgreSQL rejects
//! the statement) or on another table (R-005: copy-pasted policies that protect the wrong thing).

use super::Rule;
use crate::catalog::{Fact, Pos, display_key, plain_key};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::{Stmt, quote_if_needed};

pub static RULE: Rule = Rule {
    id: "policy-name-collision",
    default_severity: Severity::Error,
    summary: "A policy name created twice on a table (error), or reused on another table (warning)",
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
        // `DO $$ BEGIN CREATE POLICY …; EXCEPTION WHEN duplicate_object THEN NULL; END $$` and
        // `IF NOT EXISTS (SELECT FROM pg_policies …)` are the idempotent spellings: they cannot
        // fail, so only the name reuse across tables is worth saying.
        if *same_table && (stmt.context.exception_handler || stmt.context.existence_guard) {
            continue;
        }
        let (Some(policy), Some(this_table)) =
            (catalog.policies.get(*existing), catalog.tables.get(*table))
        else {
            continue;
        };
        let pos = Pos {
            file: ctx.file_id,
            stmt: *stmt_index,
        };
        let this_key = this_table.key_at(pos);
        let this_name = plain_key(&this_key);
        let what = match &stmt.kind {
            Stmt::AlterPolicy(_) => "ALTER POLICY … RENAME",
            _ => "CREATE POLICY",
        };
        let mut d = if *same_table {
            ctx.diagnostic(
                &RULE,
                *span,
                format!(
                    "policy \"{name}\" already exists on table \"{this_name}\": PostgreSQL \
                     rejects this {what}"
                ),
            )
            .with_help(format!(
                "drop the old policy first (`DROP POLICY IF EXISTS {} ON {};`) or give this one \
                 its own name",
                quote_if_needed(name),
                display_key(&this_key)
            ))
        } else {
            let other = catalog
                .tables
                .get(policy.table)
                .map(|t| plain_key(&t.key_at(pos)))
                .unwrap_or_default();
            let command = match &stmt.kind {
                Stmt::CreatePolicy(cp) => cp.command,
                // ALTER POLICY … RENAME: the renamed policy's own command.
                _ => this_table
                    .policy_ids
                    .iter()
                    .filter_map(|&id| catalog.policies.get(id))
                    .find(|p| p.renames.iter().any(|r| r.at.pos() == pos))
                    .map_or(policy.command, |p| p.command),
            };
            let mut d = ctx
                .diagnostic(
                    &RULE,
                    *span,
                    format!(
                        "policy name \"{name}\" is already used on table \"{other}\"; reusing \
                         it on \"{this_name}\" makes the two policies easy to confuse"
                    ),
                )
                .with_help(format!(
                    "name policies after their table, e.g. `{}_{}_own`",
                    this_key.1,
                    command.as_str()
                ));
            d.severity = Severity::Warning;
            d
        };
        d = d
            .with_related(
                policy.created.file(),
                policy.created.span(),
                format!("policy \"{name}\" first created here"),
            )
            .in_statement(stmt.span);
        out.push(d);
    }
}
