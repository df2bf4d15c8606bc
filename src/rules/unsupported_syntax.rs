use super::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::Stmt;

pub static RULE: Rule = Rule {
    id: "unsupported-syntax",
    default_severity: Severity::Info,
    summary: "Valid PostgreSQL that pgward cannot analyse, so no rule checked it",
    doc: include_str!("../../rules/unsupported-syntax.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for stmt in ctx.statements() {
        let message = match &stmt.kind {
            Stmt::Unsupported { keyword, message } => {
                format!(
                    "pgward cannot analyse this {keyword} statement ({message}); no rule checked it"
                )
            }
            Stmt::DynamicSql => {
                "dynamic SQL (EXECUTE) is opaque to pgward; no rule checked what it runs"
                    .to_string()
            }
            _ => continue,
        };
        out.push(
            ctx.diagnostic(&RULE, stmt.span, message)
                .in_statement(stmt.span),
        );
    }
}
