//! `protected-table-drop`: a migration destroys, empties or moves a protected table.

use super::Rule;
use super::common::text::{one_line, plain_name};
use crate::catalog::Pos;
use crate::config::{ALWAYS_PROTECTED_SCHEMAS, ProtectedTables, Protection};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::source::Span;
use crate::syntax::{AlterTableAction, ObjectKind, QualifiedName, Statement, Stmt};

pub static RULE: Rule = Rule {
    id: "protected-table-drop",
    default_severity: Severity::Error,
    summary: "DROP, TRUNCATE, rename or SET SCHEMA of a protected table (also in DO blocks, and DROP SCHEMA of its schema)",
    doc: include_str!("../../rules/protected-table-drop.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let protected = ctx.config.protection();
    for (index, stmt) in ctx.statements().iter().enumerate() {
        match &stmt.kind {
            Stmt::Drop(drop) if drop.kind == ObjectKind::Table => {
                for name in &drop.names {
                    table(ctx, &protected, stmt, name, Action::Drop(&drop.names), out);
                }
            }
            Stmt::Truncate { tables, .. } => {
                for name in tables {
                    table(ctx, &protected, stmt, name, Action::Truncate(tables), out);
                }
            }
            Stmt::AlterTable(alter) => {
                for action in &alter.actions {
                    let what = match &action.action {
                        AlterTableAction::RenameTable { to } => Action::Rename(to.value.clone()),
                        AlterTableAction::SetSchema { schema } => {
                            Action::SetSchema(schema.value.clone())
                        }
                        _ => continue,
                    };
                    table(ctx, &protected, stmt, &alter.name, what, out);
                }
            }
            Stmt::Drop(drop) if drop.kind == ObjectKind::Schema => {
                let pos = Pos {
                    file: ctx.file_id,
                    stmt: index,
                };
                for name in &drop.names {
                    schema(ctx, &protected, stmt, pos, name, drop.cascade, out);
                }
            }
            _ => {}
        }
    }
}

/// What the statement does to the table; `Drop` and `Truncate` carry the statement's whole list.
enum Action<'a> {
    Drop(&'a [QualifiedName]),
    Truncate(&'a [QualifiedName]),
    Rename(String),
    SetSchema(String),
}

fn table(
    ctx: &FileContext,
    protected: &ProtectedTables,
    stmt: &Statement,
    name: &QualifiedName,
    action: Action<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let (schema, table) = name.key();
    let Some(why) = protected.protection(&schema, &table) else {
        return;
    };
    let shown = plain_name(name);
    let effect = match &action {
        Action::Drop(_) => "DROP TABLE would destroy it and all its rows".to_string(),
        Action::Truncate(_) => "TRUNCATE would delete all its rows".to_string(),
        Action::Rename(to) => {
            format!("renaming it to \"{to}\" breaks everything that uses it by name")
        }
        Action::SetSchema(to) => format!(
            "moving it to schema \"{to}\" breaks everything that uses it by its current name"
        ),
    };
    let reason = reason(&why);
    let alternative = match &action {
        Action::Drop(list) => match without_protected(ctx, protected, stmt, list) {
            Some(safe) => format!("drop only the other tables: `{safe}`"),
            None => "remove this statement: protected tables are never dropped by a migration"
                .to_string(),
        },
        Action::Truncate(list) => match without_protected(ctx, protected, stmt, list) {
            Some(safe) => format!("truncate only the other tables: `{safe}`"),
            None => "delete only the rows you mean to remove (DELETE … WHERE …)".to_string(),
        },
        Action::Rename(_) | Action::SetSchema(_) => {
            format!("leave \"{shown}\" where it is (a view can offer the new name)")
        }
    };
    let help = format!("{alternative}; {reason}");
    out.push(
        ctx.diagnostic(
            &RULE,
            name.span(),
            format!("table \"{shown}\" is protected: {effect}"),
        )
        .with_help(help)
        .in_statement(stmt.span),
    );
}

fn schema(
    ctx: &FileContext,
    protected: &ProtectedTables,
    stmt: &Statement,
    pos: Pos,
    name: &QualifiedName,
    cascade: bool,
    out: &mut Vec<Diagnostic>,
) {
    let schema = &name.name.value;
    // Protected tables the schema holds: the config's literal entries, and every table the
    // migration set knows in that schema (just before this statement) that an entry matches.
    let mut tables: Vec<String> = protected
        .literal_tables()
        .into_iter()
        .filter(|(s, _)| s == schema)
        .map(|(_, t)| t)
        .collect();
    for table in &ctx.catalog().tables {
        let (s, t) = table.key_at(pos);
        if s == *schema
            && table.alive_at(pos)
            && protected.is_protected(&s, &t)
            && !tables.iter().any(|known| t == *known)
        {
            tables.push(t.to_string());
        }
    }
    let supabase = ALWAYS_PROTECTED_SCHEMAS.contains(&schema.as_str());
    if !supabase && tables.is_empty() && !protected.is_schema_protected(schema) {
        return;
    }
    let what = if supabase {
        format!("schema \"{schema}\" belongs to Supabase and all its tables are protected")
    } else if tables.is_empty() {
        format!("schema \"{schema}\" holds protected tables")
    } else {
        format!(
            "schema \"{schema}\" holds protected table{} {}",
            if tables.len() == 1 { "" } else { "s" },
            tables
                .iter()
                .map(|t| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let them = if tables.len() == 1 { "it" } else { "them" };
    let effect = if cascade {
        format!("DROP SCHEMA … CASCADE would destroy {them}")
    } else {
        format!("dropping the schema would destroy {them} (or fail and abort the migration)")
    };
    out.push(
        ctx.diagnostic(&RULE, name.span(), format!("{what}: {effect}"))
            .with_help(
                "drop the individual objects this migration replaces instead of the whole schema",
            )
            .in_statement(stmt.span),
    );
}

fn reason(why: &Protection) -> String {
    match why {
        Protection::Configured(entry) => {
            format!("protected by the [protected] tables entry `{entry}` in pgward.toml")
        }
        Protection::Flag(entry) => format!("protected by `--protect {entry}`"),
        Protection::SupabaseSchema(schema) => {
            format!("tables in the \"{schema}\" schema belong to Supabase and are always protected")
        }
    }
}

/// The statement rewritten without its protected names (`DROP TABLE IF EXISTS meetings,
/// users CASCADE` → `DROP TABLE IF EXISTS meetings CASCADE`), or `None` when every name is
/// protected.
fn without_protected(
    ctx: &FileContext,
    protected: &ProtectedTables,
    stmt: &Statement,
    list: &[QualifiedName],
) -> Option<String> {
    let (first, last) = (list.first()?, list.last()?);
    let keep: Vec<&str> = list
        .iter()
        .filter(|n| {
            let (schema, table) = n.key();
            !protected.is_protected(&schema, &table)
        })
        .map(|n| ctx.text(n.span()))
        .collect();
    if keep.is_empty() {
        return None;
    }
    let head = ctx.text(Span::new(stmt.span.start, first.span().start));
    let tail = ctx.text(Span::new(last.span().end, stmt.span.end));
    Some(one_line(&format!("{head}{}{tail};", keep.join(", "))))
}
