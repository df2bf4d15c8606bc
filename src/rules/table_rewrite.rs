//! `table-rewrite`: statements that rewrite an existing table (every row copied) while holding
//! ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite.

use super::Rule;
use super::common::deploy::is_existing_table;
use crate::catalog::Fact;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::source::Span;
use crate::syntax::{AlterTableAction, ColumnDef, Generated, Stmt, Volatility};

pub static RULE: Rule = Rule {
    id: "table-rewrite",
    default_severity: Severity::Warning,
    summary: "A statement that rewrites an existing table under ACCESS EXCLUSIVE",
    doc: include_str!("../../rules/table-rewrite.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let version = ctx.config.postgres_version.major();
    for (i, stmt) in ctx.statements().iter().enumerate() {
        let mut found: Vec<(Span, String, &str)> = Vec::new();
        match &stmt.kind {
            Stmt::AlterTable(at) if is_existing_table(ctx, i, &at.name) => {
                let t = at.name.display();
                for action in &at.actions {
                    match &action.action {
                        AlterTableAction::AddColumn { column, .. } => {
                            if let Some(why) = add_column_rewrites(column, version) {
                                found.push((
                                    column.span,
                                    format!("ADD COLUMN {} {why}: it rewrites {t}", column.name.value),
                                    "add the column without the default (or as a plain column), backfill it in batches, then set the default for new rows",
                                ));
                            }
                        }
                        AlterTableAction::AlterColumnType {
                            column,
                            data_type,
                            data_type_span,
                            ..
                        } => {
                            let before = ctx.catalog().facts_at(ctx.file_id, i).find_map(|f| match f {
                                Fact::ColumnTypeChanged { before, span, .. } if *span == column.span => {
                                    Some(before.clone())
                                }
                                _ => None,
                            });
                            if type_change_rewrites(before.as_deref().unwrap_or(""), data_type) {
                                let from = before
                                    .filter(|b| !b.is_empty())
                                    .map_or(String::new(), |b| format!(" from {b}"));
                                found.push((
                                    *data_type_span,
                                    format!(
                                        "changing the type of {}{from} to {data_type} rewrites {t} and its indexes under ACCESS EXCLUSIVE",
                                        column.value
                                    ),
                                    "add a new column of the new type, backfill it in batches, switch the code over, then drop the old column",
                                ));
                            }
                        }
                        AlterTableAction::SetLogged { logged } => found.push((
                            action.span,
                            format!(
                                "SET {} rewrites {t} under ACCESS EXCLUSIVE",
                                if *logged { "LOGGED" } else { "UNLOGGED" }
                            ),
                            "do it in a maintenance window, or create a new table and move the rows in batches",
                        )),
                        _ => {}
                    }
                }
            }
            Stmt::VacuumFull { tables } => {
                for t in tables.iter().filter(|t| is_existing_table(ctx, i, t)) {
                    found.push((
                        t.span(),
                        format!("VACUUM FULL rewrites {} under ACCESS EXCLUSIVE", t.display()),
                        "use plain VACUUM (no lock on reads or writes), or pg_repack, outside the migration",
                    ));
                }
            }
            Stmt::Cluster { table: Some(t) } if is_existing_table(ctx, i, t) => found.push((
                t.span(),
                format!("CLUSTER rewrites {} under ACCESS EXCLUSIVE", t.display()),
                "run it in a maintenance window, or use pg_repack, outside the migration",
            )),
            _ => {}
        }
        for (span, message, help) in found {
            out.push(
                ctx.diagnostic(&RULE, span, message)
                    .with_help(help)
                    .in_statement(stmt.span),
            );
        }
    }
}

/// Why `ADD COLUMN` rewrites the table, if it does (PostgreSQL 11+ stores a non-volatile
/// default in the catalog instead).
fn add_column_rewrites(column: &ColumnDef, version: u32) -> Option<String> {
    if column.is_serial() {
        return Some(format!(
            "of type {} (a nextval() default per row)",
            column.data_type
        ));
    }
    match column.generated {
        Some(Generated::Stored) => {
            return Some("GENERATED … STORED (computed for every row)".into());
        }
        Some(Generated::Identity) => {
            return Some("GENERATED … AS IDENTITY (a value per row)".into());
        }
        None => {}
    }
    let default = column.default.as_ref().filter(|d| !d.null)?;
    if version < 11 {
        return Some(format!(
            "with a DEFAULT on PostgreSQL {version} (before 11 every default rewrites)"
        ));
    }
    match default.volatility {
        Volatility::Stable => None,
        Volatility::Volatile => Some(format!(
            "with a volatile DEFAULT ({}() is evaluated for every row)",
            default.function.as_deref().unwrap_or("a function")
        )),
        Volatility::Unknown => Some(format!(
            "with a DEFAULT calling {}(), VOLATILE unless declared otherwise (evaluated for every row)",
            default.function.as_deref().unwrap_or("a function")
        )),
    }
}

/// The base name and the modifier numbers of a type: `varchar(20)` -> (`varchar`, [20]).
fn split_type(t: &str) -> (String, Vec<u32>) {
    let t = t.trim();
    let (base, mods) = match t.find('(') {
        Some(p) => (&t[..p], t[p + 1..].trim_end_matches(')')),
        None => (t, ""),
    };
    let base = match base.trim() {
        "character varying" => "varchar",
        "int" | "int4" => "integer",
        "int8" => "bigint",
        "int2" => "smallint",
        "decimal" => "numeric",
        other => other,
    }
    .to_string();
    let mods = mods
        .split(',')
        .filter_map(|m| m.trim().parse().ok())
        .collect();
    (base, mods)
}

/// Whether `ALTER COLUMN … TYPE new` rewrites a column of type `before` (`""` when unknown).
/// Binary-coercible changes PostgreSQL documents as not rewriting: the same type, a
/// `varchar(n)` to a longer or unlimited `varchar` or to `text`, `text` to unlimited
/// `varchar`, a `numeric(p, s)` to a larger precision with the same scale or to unconstrained
/// `numeric`, `cidr` to `inet`. An unknown old type is assumed to rewrite unless the new type
/// is one of those unlimited targets (`text`, `varchar`, `numeric`), which may be coercible.
pub fn type_change_rewrites(before: &str, new: &str) -> bool {
    let (nb, nm) = split_type(new);
    if before.is_empty() {
        return !(nm.is_empty() && matches!(nb.as_str(), "text" | "varchar" | "numeric"));
    }
    let (ob, om) = split_type(before);
    if (ob.as_str(), &om) == (nb.as_str(), &nm) {
        return false;
    }
    match (ob.as_str(), nb.as_str()) {
        ("varchar", "varchar") => {
            !(nm.is_empty() || om.first().zip(nm.first()).is_some_and(|(o, n)| n >= o))
        }
        ("varchar" | "text", "text") => false,
        ("text", "varchar") => !nm.is_empty(),
        ("numeric", "numeric") => {
            !(nm.is_empty()
                || (om.len() == nm.len()
                    && om.first().zip(nm.first()).is_some_and(|(o, n)| n >= o)
                    && om.get(1) == nm.get(1)))
        }
        ("cidr", "inet") => false,
        _ => true,
    }
}
