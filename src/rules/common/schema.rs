//! Helpers shared by the schema-aware rules (indexes, RLS, realtime, foreign keys): names as they
//! were at a statement, config names, fix insertion points, foreign key spans.

use crate::catalog::{Catalog, ColumnId, Key, Loc, Pos, Table, TableId};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Edit};
use crate::rules::FileContext;
use crate::source::Span;
use crate::syntax::{ConstraintKind, ForeignKey, Stmt, TableConstraint, quote_if_needed};

/// `schema.name`, always qualified and quoted where needed: for SQL in help texts and fixes.
pub fn qualified(key: &Key) -> String {
    crate::syntax::names::qualified(&key.0, &key.1)
}

/// A name for messages: in double quotes, as PostgreSQL's own messages write it (`"clients"`).
pub fn q(name: &str) -> String {
    format!("\"{name}\"")
}

/// A table for messages: `"clients"`, `"app.jobs"` (public left out).
pub fn q_key(key: &Key) -> String {
    q(&crate::catalog::plain_key(key))
}

/// Whether a schema is exposed through the API (see [`Config::exposed_schemas`]).
pub fn is_exposed(config: &Config, schema: &str) -> bool {
    config.exposed_schemas().iter().any(|s| s == schema)
}

/// The position just after a statement (for "as it was right after this statement" questions).
pub fn after(loc: &Loc) -> Pos {
    Pos {
        file: loc.file(),
        stmt: loc.stmt() + 1,
    }
}

/// The table's name right after the statement at `loc` ran (renames followed).
pub fn table_key_after(table: &Table, loc: &Loc) -> Key {
    table.key_at(after(loc))
}

/// The name of `table`'s column `column` right after the statement at `loc` ran (renames
/// followed).
pub fn column_name_after(table: &Table, column: ColumnId, loc: &Loc) -> String {
    let renames = table.column_renames(column);
    let current = table.columns.get(column).map(|c| &c.name);
    let Some(mut name) = renames.first().map(|r| &r.from.1).or(current) else {
        return String::new();
    };
    let pos = after(loc);
    for r in renames {
        if r.at.pos() < pos {
            name = &r.to.1;
        }
    }
    name.to_string()
}

/// `d` with the fix "Add `sql`": `sql` on a new line after the statement at `stmt_index` (see
/// [`insert_after_statement`]); `d` unchanged when there is no place to put it.
pub fn with_statement_added(
    ctx: &FileContext,
    d: Diagnostic,
    stmt_index: usize,
    sql: &str,
) -> Diagnostic {
    match insert_after_statement(ctx, stmt_index, sql) {
        Some(edit) => d.with_fix(format!("Add `{sql}`"), vec![edit]),
        None => d,
    }
}

/// An edit that puts `sql` on a new line right after the `;` that ends the statement at
/// `stmt_index` of this file (after the whole `DO` block for a statement from a `DO` body).
pub fn insert_after_statement(ctx: &FileContext, stmt_index: usize, sql: &str) -> Option<Edit> {
    let stmt = ctx.statements().get(stmt_index)?;
    let end = stmt.context.in_do_block.unwrap_or(stmt.span).end;
    let text = &ctx.source().text;
    // Keep the file's own line endings.
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    match semicolon_after(text, end) {
        Some(semi) => Some(Edit {
            span: Span::empty(semi + 1),
            replacement: format!("{newline}{sql}"),
        }),
        None => Some(Edit {
            span: Span::empty(end),
            replacement: format!(";{newline}{sql}"),
        }),
    }
}

/// The offset of the `;` ending a statement whose text ends at `from`: only whitespace and
/// comments may stand between.
fn semicolon_after(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes.get(i)? {
            b';' => return Some(i),
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes.get(i) != Some(&b'\n') {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let rest = text.get(i + 2..)?;
                i += 2 + rest.find("*/")? + 2;
            }
            _ => return None,
        }
    }
    None
}

/// Every constraint a statement defines (`CREATE TABLE` columns and table constraints,
/// `ALTER TABLE … ADD COLUMN/ADD CONSTRAINT`).
fn statement_constraints(kind: &Stmt) -> Vec<&TableConstraint> {
    match kind {
        Stmt::CreateTable(ct) => ct
            .columns
            .iter()
            .flat_map(|c| c.constraints.iter())
            .chain(ct.constraints.iter())
            .collect(),
        Stmt::AlterTable(at) => at
            .actions
            .iter()
            .flat_map(|a| match &a.action {
                crate::syntax::AlterTableAction::AddColumn { column, .. } => {
                    column.constraints.iter().collect::<Vec<_>>()
                }
                crate::syntax::AlterTableAction::AddConstraint(c) => vec![c],
                _ => Vec::new(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The foreign key a catalog [`Loc`] points at, in its statement (any file of the set).
pub fn foreign_key_at<'a>(ctx: &FileContext<'a>, loc: &Loc) -> Option<&'a ForeignKey> {
    let file = ctx.workspace.files.get(loc.file())?;
    let stmt = file.parsed.statements.get(loc.stmt())?;
    statement_constraints(&stmt.kind)
        .into_iter()
        .find_map(|c| match &c.kind {
            ConstraintKind::ForeignKey(fk)
                if c.name.as_ref().map_or(c.span, |n| n.span) == loc.span() =>
            {
                Some(fk)
            }
            _ => None,
        })
}

/// Where to point for a foreign key: its columns as written (`client_id` in the column
/// definition, or `(a, b)` of `FOREIGN KEY (a, b)`), else the catalog's span.
pub fn foreign_key_span(ctx: &FileContext, loc: &Loc) -> Span {
    foreign_key_at(ctx, loc)
        .and_then(|fk| {
            let first = fk.columns.first()?;
            let last = fk.columns.last()?;
            Some(first.span.cover(last.span))
        })
        .unwrap_or(loc.span())
}

/// `idx_<table>_<col1>_<col2>`, quoted when needed.
pub fn index_name(table: &str, columns: &[impl AsRef<str>]) -> String {
    let mut name = format!("idx_{table}");
    for c in columns {
        name.push('_');
        name.push_str(c.as_ref());
    }
    quote_if_needed(&name)
}

/// `CREATE INDEX IF NOT EXISTS idx_t_c ON schema.t (c);`
pub fn create_index_sql(table: &Key, columns: &[impl AsRef<str>]) -> String {
    let cols: Vec<String> = columns
        .iter()
        .map(|c| quote_if_needed(c.as_ref()))
        .collect();
    format!(
        "CREATE INDEX IF NOT EXISTS {} ON {} ({});",
        index_name(&table.1, columns),
        qualified(table),
        cols.join(", ")
    )
}

/// Whether some live index, the primary key or a unique constraint of the table has exactly
/// `columns` (in any order) as its leading columns: what PostgreSQL needs to use it for lookups
/// by those columns, and what Supabase's advisor checks for foreign keys. Partial indexes count
/// (queries usually repeat their condition).
pub fn leading_columns_indexed(catalog: &Catalog, table: TableId, columns: &[ColumnId]) -> bool {
    if columns.is_empty() {
        return true;
    }
    let covers = |lead: &[Option<ColumnId>]| {
        lead.len() >= columns.len()
            && lead
                .iter()
                .take(columns.len())
                .all(|c| c.is_some_and(|c| columns.contains(&c)))
            && columns
                .iter()
                .all(|c| lead.iter().take(columns.len()).any(|l| *l == Some(*c)))
    };
    if catalog.indexes_on(table).any(|(_, i)| covers(&i.columns)) {
        return true;
    }
    let Some(t) = catalog.tables.get(table) else {
        return false;
    };
    let key_columns = |cols: &[ColumnId]| cols.iter().map(|c| Some(*c)).collect::<Vec<_>>();
    t.primary_key
        .as_ref()
        .filter(|pk| pk.dropped.is_none())
        .is_some_and(|pk| covers(&key_columns(&pk.columns)))
        || t.live_uniques().any(|u| covers(&key_columns(&u.columns)))
}

/// The tables this file created that still exist at the end of the set and are not temporary,
/// with where they were created and the creating statement: what the end-of-set table rules
/// (RLS, realtime) report on.
pub fn live_tables_created_here<'a>(
    ctx: &'a FileContext,
) -> impl Iterator<Item = (TableId, &'a Table, Loc, &'a crate::syntax::Statement)> + 'a {
    let catalog = ctx.catalog();
    catalog
        .created_in(ctx.file_id)
        .tables
        .iter()
        .filter_map(move |&table_id| {
            let table = catalog.tables.get(table_id)?;
            let created = table.created?;
            if !table.is_live() || table.temporary {
                return None;
            }
            let stmt = ctx.statements().get(created.stmt())?;
            Some((table_id, table, created, stmt))
        })
}

/// Where an end-of-set finding is reported: at the statement that introduced it. That is
/// `later` (a `DISABLE ROW LEVEL SECURITY`, a `DROP INDEX`, a removal from a publication) when
/// the set made it after `created`, else where the object was created. An object older than the
/// set (`created` is `None`) is blamed on `later` only.
pub fn blame(created: Option<Loc>, later: Option<Loc>) -> Option<Loc> {
    match (created, later) {
        (Some(c), Some(l)) if l.pos() > c.pos() => Some(l),
        (Some(c), _) => Some(c),
        (None, l) => l,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolon_after_skips_comments() {
        let text = "CREATE TABLE t (id int) /* x */ -- y\n ;";
        assert_eq!(semicolon_after(text, 23), Some(text.len() - 1));
        assert_eq!(semicolon_after("SELECT 1 2", 8), None);
    }

    #[test]
    fn index_sql_quotes_when_needed() {
        assert_eq!(
            create_index_sql(
                &("public".into(), "Clients".into()),
                &["user_id".to_string()]
            ),
            "CREATE INDEX IF NOT EXISTS \"idx_Clients_user_id\" ON public.\"Clients\" (user_id);"
        );
    }
}

/// Running real SQL through [`crate::engine::check`] for the rules' own tests.
#[cfg(test)]
pub mod testing {
    use crate::config::Config;
    use crate::diagnostic::Diagnostic;
    use crate::engine::{CheckInput, CheckOutput, check};
    use crate::source::SourceFile;
    use std::path::Path;

    /// Check `files` (in order); only those named in `reported` are reported (all when empty).
    pub fn run(files: &[(&str, &str)], reported: &[&str], toml: &str) -> CheckOutput {
        let config = Config::from_toml(toml, Path::new("pgward.toml"))
            .unwrap_or_else(|e| panic!("bad test config: {e}"));
        let inputs = files
            .iter()
            .map(|(name, text)| CheckInput {
                source: SourceFile::new(*name, *text),
                report: reported.is_empty() || reported.contains(name),
            })
            .collect();
        check(inputs, &config)
    }

    /// `file:line:col message [file:line:col related…]` of one rule's diagnostics.
    pub fn lines(out: &CheckOutput, rule: &str) -> Vec<String> {
        let at = |file: usize, offset: usize| {
            let f = &out.workspace.files[file].source;
            let lc = f.lines.line_col(&f.text, offset);
            format!("{}:{}:{}", f.name, lc.line, lc.column)
        };
        out.diagnostics
            .iter()
            .filter(|d| d.rule == rule)
            .map(|d: &Diagnostic| {
                let mut s = format!("{} {}", at(d.file, d.span.start), d.message);
                for r in &d.related {
                    s.push_str(&format!(" [{} {}]", at(r.file, r.span.start), r.message));
                }
                s
            })
            .collect()
    }

    /// The text a diagnostic's span covers.
    pub fn spans(out: &CheckOutput, rule: &str) -> Vec<String> {
        out.diagnostics
            .iter()
            .filter(|d| d.rule == rule)
            .map(|d| out.workspace.files[d.file].source.slice(d.span).to_string())
            .collect()
    }

    /// A file's text with the first `rule` diagnostic's fix applied.
    pub fn fixed(out: &CheckOutput, rule: &str) -> Option<String> {
        let d = out.diagnostics.iter().find(|d| d.rule == rule)?;
        let fix = d.fix.as_ref()?;
        let mut text = out.workspace.files[d.file].source.text.clone();
        let mut edits = fix.edits.clone();
        edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
        for e in edits {
            text.replace_range(e.span.range(), &e.replacement);
        }
        Some(text)
    }
}
