//! `prefer-text` (off by default): `varchar(n)` gains nothing over `text` in PostgreSQL (same
//! storage, same speed), and raising `n` later takes ACCESS EXCLUSIVE; a `CHECK` on the length
//! says the limit where it can be changed without touching the column.

use super::Rule;
use super::common::columns::{TypeName, declared_types};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::quote_if_needed;

pub static RULE: Rule = Rule {
    id: "prefer-text",
    default_severity: Severity::Warning,
    summary: "A column of type varchar(n)",
    doc: include_str!("../../rules/prefer-text.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for stmt in ctx.statements() {
        for t in declared_types(&stmt.kind) {
            let ty = TypeName::parse(t.data_type);
            let Some(n) = ty.modifiers.as_deref() else {
                continue;
            };
            if !matches!(ty.base.as_str(), "varchar" | "character varying") {
                continue;
            }
            out.push(
                ctx.diagnostic(
                    &RULE,
                    t.span,
                    format!(
                        "column {} is varchar({n}): PostgreSQL stores it like text, and changing the limit later means ALTER COLUMN … TYPE",
                        quote_if_needed(&t.column.value)
                    ),
                )
                .with_help(format!(
                    "use text{}, with `CHECK (char_length({}) <= {n})` if the limit matters",
                    ty.array, quote_if_needed(&t.column.value)
                ))
                .in_statement(stmt.span),
            );
        }
    }
}
