//! `unique-without-index`: `ADD UNIQUE` / `ADD PRIMARY KEY` on an existing table builds its
//! index under ACCESS EXCLUSIVE; building it `CONCURRENTLY` first and attaching it with
//! `USING INDEX` takes the lock only for a moment.

use super::Rule;
use super::common::deploy::is_existing_table;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::source::Span;
use crate::syntax::locks::{LockKind, rule};
use crate::syntax::{AlterTableAction, ConstraintKind, Stmt, TableConstraint, quote_if_needed};

pub static RULE: Rule = Rule {
    id: "unique-without-index",
    default_severity: Severity::Warning,
    summary: "ADD UNIQUE / PRIMARY KEY on an existing table not USING INDEX of a concurrently built index",
    doc: include_str!("../../rules/unique-without-index.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let statements = ctx.statements();
    let lock = rule(LockKind::AddUniqueOrPrimaryKey);
    for (i, stmt) in statements.iter().enumerate() {
        let Stmt::AlterTable(at) = &stmt.kind else {
            continue;
        };
        if !is_existing_table(ctx, i, &at.name) {
            continue;
        }
        let t = at.name.display();
        // The constraints the statement adds: table constraints and column constraints of
        // added columns.
        // (constraint, the column it belongs to is added by the same statement)
        let added: Vec<(&TableConstraint, bool)> = at
            .actions
            .iter()
            .flat_map(|a| match &a.action {
                AlterTableAction::AddConstraint(c) => vec![(c, false)],
                AlterTableAction::AddColumn { column, .. } => {
                    column.constraints.iter().map(|c| (c, true)).collect()
                }
                _ => Vec::new(),
            })
            .collect();
        for (c, new_column) in added {
            let what = match c.kind {
                ConstraintKind::PrimaryKey(_) => "PRIMARY KEY",
                ConstraintKind::Unique(_) => "UNIQUE",
                _ => continue,
            };
            let (message, related): (String, Option<Span>) = match &c.using_index {
                None => (
                    format!(
                        "adding a {what} constraint builds its index on {t} under {}: reads and writes wait for the whole build",
                        lock.mode.sql()
                    ),
                    None,
                ),
                Some(index) => {
                    // Built earlier in this file without CONCURRENTLY: the build blocked writes
                    // during this deploy. One built before (or concurrently) is what we want.
                    let blocking = statements[..i].iter().find_map(|s| match &s.kind {
                        Stmt::CreateIndex(ci)
                            if !ci.concurrently
                                && ci.name.as_ref().is_some_and(|n| n.value == index.value) =>
                        {
                            Some(s.span)
                        }
                        _ => None,
                    });
                    let Some(built) = blocking else { continue };
                    (
                        format!(
                            "{what} USING INDEX {} attaches an index this file builds without CONCURRENTLY: the build blocks writes to {t}",
                            index.value
                        ),
                        Some(built),
                    )
                }
            };
            let help = match &c.using_index {
                Some(index) => format!(
                    "build {} with CREATE UNIQUE INDEX CONCURRENTLY, in a migration file of its own marked `-- pgward: no-transaction`, before attaching it",
                    quote_if_needed(&index.value)
                ),
                None => {
                    let cols: Vec<&str> = match &c.kind {
                        ConstraintKind::PrimaryKey(cols) | ConstraintKind::Unique(cols) => {
                            cols.iter().map(|c| c.value.as_str()).collect()
                        }
                        _ => Vec::new(),
                    };
                    // PostgreSQL's own name for an unnamed one: `t_pkey`, `t_col_key`.
                    let name = c.name.as_ref().map_or_else(
                        || match c.kind {
                            ConstraintKind::PrimaryKey(_) => format!("{}_pkey", at.name.name.value),
                            _ => format!("{}_{}_key", at.name.name.value, cols.join("_")),
                        },
                        |n| n.value.clone(),
                    );
                    let name = quote_if_needed(&name);
                    let cols = cols
                        .iter()
                        .map(|c| quote_if_needed(c))
                        .collect::<Vec<_>>()
                        .join(", ");
                    format!(
                        "{}build the index first, in a migration file of its own marked `-- pgward: no-transaction`: `CREATE UNIQUE INDEX CONCURRENTLY {name} ON {t} ({cols});`, then `ALTER TABLE {t} ADD CONSTRAINT {name} {what} USING INDEX {name};` (a short ACCESS EXCLUSIVE lock, no build)",
                        if new_column {
                            "add the column without the constraint, then "
                        } else {
                            ""
                        }
                    )
                }
            };
            let mut d = ctx
                .diagnostic(&RULE, c.span, message)
                .with_help(help)
                .in_statement(stmt.span);
            if let Some(built) = related {
                d = d.with_related(ctx.file_id, built, "built here without CONCURRENTLY");
            }
            out.push(d);
        }
    }
}
