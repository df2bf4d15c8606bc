//! `schema-conflict`: statements that fail against the schema the earlier statements built
//! (a second `CREATE TABLE`, an `ADD COLUMN` of an existing column, a table added twice to a
//! publication, a second `DROP` without `IF EXISTS`).

use super::Rule;
use crate::catalog::{Fact, Loc, Pos, plain_key};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::{ObjectKind, Statement, Stmt, quote_if_needed};

pub static RULE: Rule = Rule {
    id: "schema-conflict",
    default_severity: Severity::Error,
    summary: "A statement that fails against the schema built by the earlier migrations",
    doc: include_str!("../../rules/schema-conflict.md"),
    check: Some(check),
};

/// The `CREATE` kinds whose duplicates the rule reports (issue 3's list).
fn reported_create(kind: ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::Table
            | ObjectKind::Index
            | ObjectKind::Schema
            | ObjectKind::Type
            | ObjectKind::Domain
    )
}

fn kind_word(kind: ObjectKind) -> String {
    match kind {
        ObjectKind::Other => "column".to_string(),
        k => k.sql().to_ascii_lowercase(),
    }
}

/// A statement that cannot fail the migration: PL/pgSQL catches its error, or it runs only
/// after an existence check.
fn guarded(stmt: &Statement) -> bool {
    stmt.context.exception_handler || stmt.context.existence_guard
}

/// Whether the statement at `at` is the table's `SET SCHEMA` (rather than `ALTER INDEX … RENAME`).
fn moved_with_table(ctx: &FileContext, at: &Loc) -> bool {
    ctx.workspace
        .files
        .get(at.file())
        .and_then(|f| f.parsed.statements.get(at.stmt()))
        .is_some_and(|s| !matches!(s.kind, Stmt::RenameObject(_)))
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for (stmt_index, fact) in catalog.file_facts(ctx.file_id) {
        let Some(stmt) = ctx.statements().get(*stmt_index) else {
            continue;
        };
        if guarded(stmt) {
            continue;
        }
        let pos = Pos {
            file: ctx.file_id,
            stmt: *stmt_index,
        };
        let d = match fact {
            Fact::AlreadyExists {
                kind,
                existing_kind,
                name,
                span,
                if_not_exists: false,
                existing,
                renamed,
            } if reported_create(*kind) => {
                let what = kind_word(*kind);
                let message = if kind == existing_kind {
                    let per_schema = if *kind == ObjectKind::Index {
                        " (index names are unique per schema, not per table)"
                    } else {
                        ""
                    };
                    format!(
                        "{what} \"{name}\" already exists{per_schema}: this CREATE {} fails",
                        kind.sql()
                    )
                } else {
                    format!(
                        "\"{name}\" is already the name of a {} in this schema: this CREATE {} \
                         fails",
                        kind_word(*existing_kind),
                        kind.sql()
                    )
                };
                let help = if *kind == ObjectKind::Type || *kind == ObjectKind::Domain {
                    "remove the duplicate, or give this one another name".to_string()
                } else {
                    format!(
                        "remove the duplicate, or write `CREATE {} IF NOT EXISTS` if the \
                         statement must be re-runnable",
                        kind.sql()
                    )
                };
                let existing_word = kind_word(*existing_kind);
                let d = ctx.diagnostic(&RULE, *span, message).with_help(help);
                match renamed {
                    // Created under another name (or schema): say where it got this one.
                    Some(renamed) => d
                        .with_related(
                            existing.file(),
                            existing.span(),
                            format!("{existing_word} created here"),
                        )
                        .with_related(
                            renamed.file(),
                            renamed.span(),
                            if *existing_kind == ObjectKind::Index && moved_with_table(ctx, renamed)
                            {
                                "moved to this schema with its table here".to_string()
                            } else {
                                format!("renamed to \"{name}\" here")
                            },
                        ),
                    None => d.with_related(
                        existing.file(),
                        existing.span(),
                        format!("{existing_word} \"{name}\" created here"),
                    ),
                }
            }
            Fact::ColumnExists {
                table,
                column,
                span,
                if_not_exists: false,
            } => {
                let Some(t) = catalog.tables.get(*table) else {
                    continue;
                };
                let Some(c) = t.columns.get(*column) else {
                    continue;
                };
                // A column the set never defined is a guess; say nothing.
                let Some(created) = c.created else { continue };
                let name = &c.name;
                ctx.diagnostic(
                    &RULE,
                    *span,
                    format!(
                        "column \"{name}\" already exists on table \"{}\": this ADD COLUMN fails",
                        plain_key(&t.key_at(pos))
                    ),
                )
                .with_help(format!(
                    "remove the duplicate, or write `ADD COLUMN IF NOT EXISTS {} …`",
                    quote_if_needed(name)
                ))
                .with_related(
                    created.file(),
                    created.span(),
                    format!("column \"{name}\" defined here"),
                )
            }
            Fact::AlreadyMember {
                publication,
                table,
                span,
                added,
            } => {
                let (Some(p), Some(t)) = (
                    catalog.publications.get(*publication),
                    catalog.tables.get(*table),
                ) else {
                    continue;
                };
                ctx.diagnostic(
                    &RULE,
                    *span,
                    format!(
                        "table \"{}\" is already a member of publication \"{}\": this ADD TABLE \
                         fails",
                        plain_key(&t.key_at(pos)),
                        p.name
                    ),
                )
                .with_help(
                    "remove this ADD TABLE, or guard it with a DO block that checks \
                     pg_publication_tables",
                )
                .with_related(
                    added.file(),
                    added.span(),
                    "added to the publication here",
                )
            }
            Fact::AlreadyDropped {
                kind,
                name,
                span,
                if_exists: false,
                dropped,
            } => {
                let what = kind_word(*kind);
                // A policy's table: from the statement's `ON t`.
                let on = match &stmt.kind {
                    Stmt::Drop(d) if *kind == ObjectKind::Policy => d
                        .on_table
                        .as_ref()
                        .map(|t| format!(" on table \"{}\"", plain_key(&t.key())))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let drop = if *kind == ObjectKind::Other {
                    "DROP COLUMN".to_string()
                } else {
                    format!("DROP {}", kind.sql())
                };
                ctx.diagnostic(
                    &RULE,
                    *span,
                    format!("{what} \"{name}\"{on} was already dropped: this {drop} fails"),
                )
                .with_help(format!(
                    "remove the second drop, or write `{} IF EXISTS`",
                    drop
                ))
                .with_related(
                    dropped.file(),
                    dropped.span(),
                    format!("{what} \"{name}\" dropped here"),
                )
            }
            _ => continue,
        };
        out.push(d.in_statement(stmt.span));
    }
}
