//! `duplicate-index`: two live indexes (or an index and a primary key or unique constraint) with
//! the same definition on a table: every write maintains both, and only one is ever used
//! (Supabase's advisor lint 0009).

use super::Rule;
use super::common::schema::{q, q_key};
use crate::catalog::{ColumnId, Index};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::{CreateIndex, Stmt};

pub static RULE: Rule = Rule {
    id: "duplicate-index",
    default_severity: Severity::Warning,
    summary: "Two indexes with the same definition (or a unique index that repeats a primary key / unique constraint)",
    doc: include_str!("../../rules/duplicate-index.md"),
    check: Some(check),
};

/// An index definition we can compare: plain columns in order, unique or not, btree or not.
#[derive(PartialEq, Eq)]
struct Definition {
    columns: Vec<ColumnId>,
    unique: bool,
    method: String,
}

fn create_index_at<'a>(ctx: &FileContext<'a>, index: &Index) -> Option<&'a CreateIndex> {
    let file = ctx.workspace.files.get(index.created.file())?;
    match &file.parsed.statements.get(index.created.stmt())?.kind {
        Stmt::CreateIndex(ci) => Some(ci),
        _ => None,
    }
}

/// The definition of a live index, when it is comparable: no `WHERE`, no `INCLUDE`, every
/// element a bare column (no expression, operator class, collation or ordering).
fn definition(ctx: &FileContext, index: &Index) -> Option<Definition> {
    if index.partial || index.dropped.is_some() {
        return None;
    }
    let ci = create_index_at(ctx, index)?;
    if ci.include || ci.columns.len() != index.columns.len() {
        return None;
    }
    let bare = ci
        .columns
        .iter()
        .all(|c| c.column.as_ref().is_some_and(|id| id.span == c.span));
    if !bare {
        return None;
    }
    let columns = index.columns.iter().copied().collect::<Option<Vec<_>>>()?;
    Some(Definition {
        columns,
        unique: index.unique,
        method: ci.method.clone().unwrap_or_else(|| "btree".to_string()),
    })
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for &id in catalog.created_in(ctx.file_id).indexes {
        let Some(index) = catalog.indexes.get(id) else {
            continue;
        };
        let Some(def) = definition(ctx, index) else {
            continue;
        };
        let Some(table) = catalog.tables.get(index.table) else {
            continue;
        };
        if !table.is_live() {
            continue;
        }
        let name = index
            .name
            .as_deref()
            .map_or_else(|| "this index".to_string(), |n| format!("index {}", q(n)));
        // An earlier live index with the same definition.
        let twin = catalog.indexes_on(index.table).find(|(other_id, other)| {
            *other_id != id
                && other.created.pos() < index.created.pos()
                && definition(ctx, other).is_some_and(|d| d == def)
        });
        let stmt = ctx
            .statements()
            .get(index.created.stmt())
            .map(|s| s.context.in_do_block.unwrap_or(s.span));
        let mut d = if let Some((_, other)) = twin {
            ctx.diagnostic(
                &RULE,
                index.created.span(),
                format!(
                    "{name} on {} duplicates index {}: same columns, same kind",
                    q_key(&table.key()),
                    q(other.name.as_deref().unwrap_or("(unnamed)"))
                ),
            )
            .with_related(
                other.created.file(),
                other.created.span(),
                "the same index created here",
            )
        } else {
            // A unique btree index on exactly the primary key or a unique constraint's columns.
            let key = std::iter::once(table.primary_key.as_deref())
                .flatten()
                .filter(|pk| pk.dropped.is_none())
                .map(|pk| (pk, "primary key"))
                .chain(table.live_uniques().map(|u| (u, "unique constraint")))
                .find(|(k, _)| def.unique && def.method == "btree" && *k.columns == *def.columns);
            let Some((key, what)) = key else { continue };
            ctx.diagnostic(
                &RULE,
                index.created.span(),
                format!(
                    "{name} on {} duplicates the index of its {what}: same columns, unique",
                    q_key(&table.key())
                ),
            )
            .with_related(
                key.created.file(),
                key.created.span(),
                format!("{what} defined here"),
            )
        };
        d = d.with_help("drop one of the two: every write maintains both, queries use only one");
        if let Some(stmt) = stmt {
            d = d.in_statement(stmt);
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{run, spans};

    const RULE: &str = "duplicate-index";

    #[test]
    fn duplicates() {
        let a = "CREATE TABLE t (id uuid PRIMARY KEY, user_id uuid, name text, email text UNIQUE);\n\
                 CREATE INDEX t_user ON t (user_id);\n\
                 CREATE INDEX t_user2 ON public.t USING btree (user_id);\n\
                 CREATE INDEX t_user_gin ON t USING gin (user_id);\n\
                 CREATE INDEX t_user_partial ON t (user_id) WHERE name IS NOT NULL;\n\
                 CREATE INDEX t_name_trgm ON t USING gin (name gin_trgm_ops);\n\
                 CREATE INDEX t_name_lower ON t (lower(name));\n\
                 CREATE UNIQUE INDEX t_id ON t (id);\n\
                 CREATE UNIQUE INDEX t_email ON t (email);\n\
                 CREATE INDEX t_user_name ON t (user_id, name);\n\
                 CREATE INDEX t_name_user ON t (name, user_id);\n";
        let out = run(&[("1.sql", a)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["t_user2", "t_id", "t_email"]);
    }
}
