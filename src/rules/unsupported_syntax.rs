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
                    "PostgreSQL accepts this, but pgward's model does not understand {}; no rule \
                     checked this statement ({message})",
                    construct(keyword, message)
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

/// The construct the model stopped at: the statement kind, and the word the model did not
/// expect (`ALTER SEQUENCE … OWNED`), when its message names one.
fn construct(keyword: &str, message: &str) -> String {
    let found = message
        .rsplit_once("found: ")
        .map(|(_, f)| f.trim().trim_end_matches('.'))
        .filter(|f| !f.is_empty() && *f != "EOF");
    match (keyword.is_empty(), found) {
        (false, Some(f)) => format!("{keyword} … {f}"),
        (false, None) => keyword.to_string(),
        (true, Some(f)) => format!("`{f}` here"),
        (true, None) => "this statement".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::construct;

    #[test]
    fn names_the_construct() {
        assert_eq!(
            construct("ALTER SEQUENCE", "Expected: end of statement, found: OWNED"),
            "ALTER SEQUENCE … OWNED"
        );
        assert_eq!(
            construct("CREATE STATISTICS", "Expected: an object type, found: EOF"),
            "CREATE STATISTICS"
        );
    }
}
