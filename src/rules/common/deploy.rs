//! The deploy-safety rules' shared question: is this table *existing* (it may hold rows and
//! serve traffic while the migration runs), or new (created earlier in the same file, so empty
//! and unused)?

use super::text::execution;
use crate::catalog::{Fact, Pos};
use crate::rules::FileContext;
use crate::runner::Wrapping;
use crate::source::Span;
use crate::syntax::{
    AlterTableAction, ColumnDef, ConstraintKind, Generated, QualifiedName, Stmt, TxControl,
    Volatility,
};

/// The table named at statement `stmt` of the file existed before this file: created by an
/// earlier file, or unknown to the set (made before the first migration). A table created
/// earlier in the same file is new.
pub fn is_existing_table(ctx: &FileContext, stmt: usize, name: &QualifiedName) -> bool {
    let pos = Pos {
        file: ctx.file_id,
        stmt,
    };
    let catalog = ctx.catalog();
    match catalog.table_at(&name.key(), pos) {
        Some(id) => catalog
            .tables
            .get(id)
            .and_then(|t| t.created)
            .is_none_or(|created| created.file() != ctx.file_id),
        // A view, materialized view, sequence or temporary table (which the catalog does not
        // keep) created earlier in this file is new too; a temporary table is named without
        // its `pg_temp` schema.
        None => !ctx.statements().iter().take(stmt).any(|s| match &s.kind {
            Stmt::CreateView { name: n, .. } | Stmt::CreateSequence { name: n, .. } => {
                same_key(n, name)
            }
            Stmt::CreateTable(ct) => {
                same_key(&ct.name, name) || (ct.temporary && ct.name.name.value == name.name.value)
            }
            _ => false,
        }),
    }
}

/// `a.key() == b.key()`, without building the keys.
fn same_key(a: &QualifiedName, b: &QualifiedName) -> bool {
    a.name.value == b.name.value && a.schema_or_public() == b.schema_or_public()
}

/// The table of the index named at statement `stmt`, when the set knows the index: is it an
/// existing table? Unknown indexes are taken to be on existing tables.
pub fn index_on_existing_table(ctx: &FileContext, stmt: usize, index: &QualifiedName) -> bool {
    let pos = Pos {
        file: ctx.file_id,
        stmt,
    };
    let catalog = ctx.catalog();
    let found = catalog
        .indexes
        .iter()
        .find(|i| i.name.as_deref() == Some(index.name.value.as_str()) && i.alive_at(pos));
    match found.and_then(|i| catalog.tables.get(i.table)) {
        Some(t) => t.created.is_none_or(|c| c.file() != ctx.file_id),
        None => true,
    }
}

/// Which transaction each statement of the file runs in (indexed like `ctx.statements()`):
/// `Some(n)` for the file's n-th transaction (an explicit `BEGIN … COMMIT`, the runner's own
/// transaction around the file, or a `DO` block run on its own), `None` for a statement that
/// commits by itself. Statements of a `DO` body share the `DO` statement's transaction.
pub fn transactions(ctx: &FileContext) -> Vec<Option<usize>> {
    let exec = execution(ctx);
    let statements = ctx.statements();
    let top_level = statements
        .iter()
        .filter(|s| {
            s.context.in_do_block.is_none()
                && !matches!(
                    s.kind,
                    Stmt::PsqlMeta { .. } | Stmt::Invalid { .. } | Stmt::Transaction(_)
                )
        })
        .count();
    let wrapped = match exec.wrapping {
        Wrapping::None => false,
        // One multi-statement query is one implicit transaction.
        Wrapping::Implicit => top_level > 1,
        Wrapping::Transaction => true,
    };
    let mut next = 0;
    let mut fresh = || {
        next += 1;
        Some(next - 1)
    };
    let mut current = if wrapped { fresh() } else { None };
    let mut out = Vec::with_capacity(statements.len());
    // The last `DO` statement and its transaction.
    let mut do_block: Option<(Span, Option<usize>)> = None;
    for stmt in statements {
        if let Some(span) = stmt.context.in_do_block {
            out.push(do_block.filter(|(s, _)| *s == span).and_then(|(_, tx)| tx));
            continue;
        }
        let tx = match &stmt.kind {
            Stmt::Transaction(TxControl::Begin) => {
                if current.is_none() {
                    current = fresh();
                }
                current
            }
            Stmt::Transaction(TxControl::Commit | TxControl::Rollback) => current.take(),
            _ if exec.runner.takes_out(stmt) => None,
            // A DO block is one statement: one transaction at least.
            Stmt::Do { .. } => current.or_else(&mut fresh),
            _ => current,
        };
        if matches!(stmt.kind, Stmt::Do { .. }) {
            do_block = Some((stmt.span, tx));
        }
        out.push(tx);
    }
    out
}

/// The rewrites of existing tables that statement `stmt` of the file does (every row copied
/// under ACCESS EXCLUSIVE): where, what (for a message) and what to do instead. `table-rewrite`
/// reports them; `long-exclusive-lock` counts them as slow.
pub fn rewrites(ctx: &FileContext, i: usize) -> Vec<(Span, String, &'static str)> {
    let version = ctx.config.postgres_version.major();
    let Some(stmt) = ctx.statements().get(i) else {
        return Vec::new();
    };
    let mut found: Vec<(Span, String, &'static str)> = Vec::new();
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
    found
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

/// A validated `CHECK (column IS NOT NULL)` on the table before statement `stmt` of this file:
/// added without `NOT VALID`, or added `NOT VALID` and validated, in this file or an earlier one.
pub fn not_null_proven(
    ctx: &FileContext,
    stmt: usize,
    table: &QualifiedName,
    column: &str,
) -> bool {
    let mut added_valid = false;
    let mut pending: Vec<String> = Vec::new();
    for (file_id, file) in ctx.workspace.files.iter().enumerate().take(ctx.file_id + 1) {
        let statements = &file.parsed.statements;
        let end = if file_id == ctx.file_id {
            stmt
        } else {
            statements.len()
        };
        for s in statements.iter().take(end) {
            let Stmt::AlterTable(at) = &s.kind else {
                continue;
            };
            if at.name.key() != table.key() {
                continue;
            }
            for action in &at.actions {
                match &action.action {
                    AlterTableAction::AddConstraint(c)
                        if c.kind == ConstraintKind::Check
                            && c.check_not_null.as_ref().is_some_and(|n| n.value == column) =>
                    {
                        if c.not_valid {
                            pending.extend(c.name.as_ref().map(|n| n.value.clone()));
                        } else {
                            added_valid = true;
                        }
                    }
                    AlterTableAction::ValidateConstraint { name }
                        if pending.contains(&name.value) =>
                    {
                        added_valid = true;
                    }
                    _ => {}
                }
            }
        }
    }
    added_valid
}
