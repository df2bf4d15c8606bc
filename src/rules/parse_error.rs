use super::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::Stmt;

pub static RULE: Rule = Rule {
    id: "parse-error",
    default_severity: Severity::Error,
    summary: "A statement that is not valid SQL",
    doc: include_str!("../../rules/parse-error.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for stmt in ctx.statements() {
        if let Stmt::Invalid { message, at } = &stmt.kind {
            out.push(
                ctx.diagnostic(&RULE, *at, message.clone())
                    .in_statement(stmt.span),
            );
        }
    }
}
