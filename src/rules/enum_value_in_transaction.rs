//! `enum-value-in-transaction`: `ALTER TYPE … ADD VALUE 'v'` followed, in the same transaction,
//! by a statement that uses `'v'`: PostgreSQL refuses it ("unsafe use of new value … New enum
//! values must be committed before they can be used"), so the migration fails half-way.

use super::Rule;
use super::common::deploy::transactions;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::source::Span;
use crate::syntax::{Stmt, string_literals};

pub static RULE: Rule = Rule {
    id: "enum-value-in-transaction",
    default_severity: Severity::Error,
    summary: "An enum value added by ALTER TYPE … ADD VALUE and used in the same transaction",
    doc: include_str!("../../rules/enum-value-in-transaction.md"),
    check: Some(check),
};

/// A value added earlier in the current transaction.
struct Added<'a> {
    tx: usize,
    value: &'a str,
    /// The enum's name, without schema, for messages and to skip casts to other types.
    type_name: &'a str,
    display: String,
    span: Span,
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let statements = ctx.statements();
    let tx_of = transactions(ctx);
    let mut added: Vec<Added> = Vec::new();
    for (i, stmt) in statements.iter().enumerate() {
        let Some(tx) = tx_of.get(i).copied().flatten() else {
            continue;
        };
        added.retain(|a| a.tx == tx);
        if let Stmt::AddEnumValue {
            name,
            value,
            value_span,
            ..
        } = &stmt.kind
        {
            added.push(Added {
                tx,
                value,
                type_name: &name.name.value,
                display: name.display(),
                span: *value_span,
            });
            continue;
        }
        // A `DO` statement's own text is its body, whose SQL statements follow it; text
        // assembled for `EXECUTE` is not the statement's text.
        if added.is_empty() || matches!(stmt.kind, Stmt::Do { .. }) || stmt.context.assembled {
            continue;
        }
        for lit in string_literals(ctx.text(stmt.span), stmt.span.start) {
            let Some(a) = added.iter().find(|a| {
                a.value == lit.value && lit.cast.as_deref().is_none_or(|c| c == a.type_name)
            }) else {
                continue;
            };
            out.push(
                ctx.diagnostic(
                    &RULE,
                    lit.span,
                    format!(
                        "'{}' was added to enum {} in this transaction: PostgreSQL refuses to use it before COMMIT (\"unsafe use of new value\")",
                        a.value, a.display
                    ),
                )
                .with_help(
                    "commit the ADD VALUE first: put it in a migration file of its own (or COMMIT after it), and use the value in a later one",
                )
                .with_related(ctx.file_id, a.span, "added here")
                .in_statement(stmt.span),
            );
            // One finding per statement is enough to make the point.
            break;
        }
    }
}
