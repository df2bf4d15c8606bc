//! The deploy-safety rules' shared question: is this table *existing* (it may hold rows and
//! serve traffic while the migration runs), or new (created earlier in the same file, so empty
//! and unused)?

use crate::catalog::Pos;
use crate::engine::FileContext;
use crate::syntax::{QualifiedName, Stmt};

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
            .is_none_or(|created| created.file != ctx.file_id),
        // A view, materialized view or sequence created earlier in this file is new too.
        None => !ctx.statements().iter().take(stmt).any(|s| match &s.kind {
            Stmt::CreateView { name: n, .. } | Stmt::CreateSequence { name: n, .. } => {
                n.key() == name.key()
            }
            _ => false,
        }),
    }
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
        Some(t) => t.created.is_none_or(|c| c.file != ctx.file_id),
        None => true,
    }
}
