//! `policy-without-rls`: a policy on a table whose row level security is off at the end of the
//! set: PostgreSQL ignores the policy, so it protects nothing.

use super::Rule;
use super::schema_util::qualified;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::syntax::quote_if_needed;

pub static RULE: Rule = Rule {
    id: "policy-without-rls",
    default_severity: Severity::Error,
    summary: "A policy on a table whose row level security is not enabled protects nothing",
    doc: include_str!("../../rules/policy-without-rls.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for policy in catalog.policies.iter().filter(|p| p.dropped.is_none()) {
        if policy.created.file != ctx.file_id {
            continue;
        }
        let Some(table) = catalog.tables.get(policy.table) else {
            continue;
        };
        // Tables made outside the set may well have RLS on: unknown, never reported.
        let Some(table_created) = table.created else {
            continue;
        };
        if !table.is_live() || table.rls_enabled {
            continue;
        }
        let Some(stmt) = ctx.statements().get(policy.created.stmt) else {
            continue;
        };
        let mut d = ctx
            .diagnostic(
                &RULE,
                policy.created.span,
                format!(
                    "policy {} on table {} has no effect: row level security is not enabled on \
                     {} at the end of the migrations",
                    quote_if_needed(&policy.name),
                    table.display(),
                    table.display()
                ),
            )
            .with_help(format!(
                "enable row level security: `ALTER TABLE {} ENABLE ROW LEVEL SECURITY;`",
                qualified(&table.key())
            ))
            .with_related(
                table_created.file,
                table_created.span,
                format!("table {} created here", table.display()),
            )
            .in_statement(stmt.span);
        if let Some(changed) = table.rls_changed {
            d = d.with_related(
                changed.file,
                changed.span,
                "row level security disabled here",
            );
        }
        out.push(d);
    }
}
