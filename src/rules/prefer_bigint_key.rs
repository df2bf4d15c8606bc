//! `prefer-bigint-key` (off by default): a primary key of type `integer`/`smallint` (or
//! `serial`/`smallserial`) runs out at about 2.1 billion rows, and widening it later rewrites
//! the table and every table that references it.

use super::Rule;
use super::common::columns::{TypeName, declared_types};
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::rules::FileContext;
use crate::syntax::quote_if_needed;

pub static RULE: Rule = Rule {
    id: "prefer-bigint-key",
    default_severity: Severity::Warning,
    summary: "A primary key of type integer, smallint, serial or smallserial",
    doc: include_str!("../../rules/prefer-bigint-key.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for stmt in ctx.statements() {
        for t in declared_types(&stmt.kind)
            .into_iter()
            .filter(|t| t.primary_key)
        {
            let ty = TypeName::parse(t.data_type);
            if !ty.array.is_empty() {
                continue;
            }
            let wide = match ty.base.as_str() {
                "int" | "integer" | "int4" | "smallint" | "int2" => "bigint",
                "serial" | "serial4" | "smallserial" | "serial2" => "bigserial",
                _ => continue,
            };
            out.push(
                ctx.diagnostic(
                    &RULE,
                    t.span,
                    format!(
                        "primary key {} is {}: it runs out at {} values, and widening it later rewrites the table and every table referencing it",
                        quote_if_needed(&t.column.value),
                        t.data_type,
                        if ty.base.contains("small") || ty.base.ends_with('2') {
                            "32,767"
                        } else {
                            "2,147,483,647"
                        }
                    ),
                )
                .with_help(format!("declare it {wide} (8 bytes, no practical limit)"))
                .with_fix(
                    format!("Use {wide}"),
                    vec![Edit {
                        span: t.span,
                        replacement: wide.to_string(),
                    }],
                )
                .in_statement(stmt.span),
            );
        }
    }
}
