//! `table-rewrite`: statements that rewrite an existing table (every row copied) while holding
//! ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite.

use super::Rule;
use super::common::deploy::rewrites;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;

pub static RULE: Rule = Rule {
    id: "table-rewrite",
    default_severity: Severity::Warning,
    summary: "A statement that rewrites an existing table under ACCESS EXCLUSIVE",
    doc: include_str!("../../rules/table-rewrite.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for (i, stmt) in ctx.statements().iter().enumerate() {
        for (span, message, help) in rewrites(ctx, i) {
            out.push(
                ctx.diagnostic(&RULE, span, message)
                    .with_help(help)
                    .in_statement(stmt.span),
            );
        }
    }
}
