//! `prefer-timestamptz` (off by default): `timestamp` (without time zone) stores a wall-clock
//! reading with no zone; the same instant reads differently depending on the session's
//! `TimeZone`, and comparisons with `now()` shift by the server's offset.

use super::Rule;
use super::common::columns::{TypeName, declared_types};
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::rules::FileContext;
use crate::syntax::quote_if_needed;

pub static RULE: Rule = Rule {
    id: "prefer-timestamptz",
    default_severity: Severity::Warning,
    summary: "A column of type timestamp without time zone",
    doc: include_str!("../../rules/prefer-timestamptz.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for stmt in ctx.statements() {
        for t in declared_types(&stmt.kind) {
            let ty = TypeName::parse(t.data_type);
            if !matches!(
                ty.base.as_str(),
                "timestamp" | "timestamp without time zone"
            ) {
                continue;
            }
            let replacement = format!(
                "timestamptz{}{}",
                ty.modifiers
                    .as_ref()
                    .map_or(String::new(), |m| format!("({m})")),
                ty.array
            );
            out.push(
                ctx.diagnostic(
                    &RULE,
                    t.span,
                    format!(
                        "column {} is timestamp without time zone: the stored value has no zone, so it reads differently under each session TimeZone",
                        quote_if_needed(&t.column.value)
                    ),
                )
                .with_help(format!("use {replacement} (timestamp with time zone): it stores an instant"))
                .with_fix(
                    format!("Use {replacement}"),
                    vec![Edit {
                        span: t.span,
                        replacement,
                    }],
                )
                .in_statement(stmt.span),
            );
        }
    }
}
