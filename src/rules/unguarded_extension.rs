//! `unguarded-extension`: `CREATE EXTENSION` of an extension that is not part of PostgreSQL's
//! contrib set, outside a guard, and columns typed by such an extension the set never creates
//! `CREATE EXTENSION vector` fails where pgvector is not available).
//!
//! The contrib list, the extension → types map and what counts as a guard live in
//! `runner::extensions`; "declared available" is `Config::extension_needs_check`, which
//! `pgward apply`'s pre-flight asks too.

use super::Rule;
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::rules::FileContext;
use crate::runner::extensions;
use crate::syntax::{AlterTableAction, ColumnDef, Statement, Stmt, quote_if_needed};

pub static RULE: Rule = Rule {
    id: "unguarded-extension",
    default_severity: Severity::Warning,
    summary: "CREATE EXTENSION of a non-contrib extension without an availability guard",
    doc: include_str!("../../rules/unguarded-extension.md"),
    check: Some(check),
};

fn guarded_pattern(ext: &str) -> String {
    format!(
        "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS {}; EXCEPTION WHEN OTHERS THEN RAISE \
         WARNING '{} not available, using the fallback schema'; END $$;",
        quote_if_needed(ext),
        ext.replace('\'', "''")
    )
}

/// Wrap a top-level `CREATE EXTENSION` in a `DO` block that survives its absence.
fn guard_edit(ctx: &FileContext, stmt: &Statement, ext: &str) -> Option<Edit> {
    if stmt.context.in_do_block.is_some() {
        return None;
    }
    let text = ctx.text(stmt.span);
    let tag = if text.contains("$$") {
        "$pgward$"
    } else {
        "$$"
    };
    let nl = if ctx.source().text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    Some(Edit {
        span: stmt.span,
        replacement: format!(
            "DO {tag}{nl}BEGIN{nl}  {text};{nl}EXCEPTION{nl}  WHEN OTHERS THEN{nl}    RAISE WARNING \
             '{} not available (%), using the fallback schema', SQLERRM;{nl}END {tag}",
            ext.replace('\'', "''")
        ),
    })
}

fn fallback_hint(ext: &str) -> &'static str {
    match ext {
        "vector" => {
            " and keep a fallback for databases without it (e.g. an `embedding jsonb` column holding the array)"
        }
        "postgis" => {
            " and keep a fallback for databases without it (e.g. latitude/longitude `double precision` columns)"
        }
        _ => " and keep a fallback schema for databases without it",
    }
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for stmt in ctx.statements() {
        match &stmt.kind {
            Stmt::CreateExtension { name, .. } => {
                let ext = name.value.as_str();
                if !ctx.config.extension_needs_check(ext) || extensions::guarded(stmt) {
                    continue;
                }
                let shown = quote_if_needed(ext);
                out.push(
                    ctx.diagnostic(
                        &RULE,
                        name.span,
                        format!(
                            "extension {} is not part of PostgreSQL's contrib set and may \
                             not be available on the server: if it is not, CREATE EXTENSION \
                             fails and the whole migration with it",
                            super::common::schema::q(ext)
                        ),
                    )
                    .with_help(format!(
                        "guard it: `{}`{} (or, if every target has it, add \"{ext}\" to \
                         [extensions] always_available)",
                        guarded_pattern(ext),
                        fallback_hint(ext)
                    ))
                    .in_statement(stmt.span)
                    .with_fix(
                        format!("Guard CREATE EXTENSION {shown} with an EXCEPTION handler"),
                        guard_edit(ctx, stmt, ext).into_iter().collect(),
                    ),
                );
            }
            Stmt::CreateTable(ct) => {
                for column in &ct.columns {
                    typed_column(ctx, stmt, column, catalog, out);
                }
            }
            Stmt::AlterTable(alter) => {
                for action in &alter.actions {
                    if let AlterTableAction::AddColumn { column, .. } = &action.action {
                        typed_column(ctx, stmt, column, catalog, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A column typed by an extension that may be missing, when the set never creates it.
fn typed_column(
    ctx: &FileContext,
    stmt: &Statement,
    column: &ColumnDef,
    catalog: &crate::catalog::Catalog,
    out: &mut Vec<Diagnostic>,
) {
    let Some(ext) = extensions::extension_for_type(&column.data_type) else {
        return;
    };
    if !ctx.config.extension_needs_check(ext)
        || extensions::guarded(stmt)
        || catalog.ever_creates_extension(ext)
    {
        return;
    }
    out.push(
        ctx.diagnostic(
            &RULE,
            column.data_type_span,
            format!(
                "column {} has type {} from the extension {}, which the migrations never \
                 create and which may not be available on the server",
                super::common::schema::q(&column.name.value),
                ctx.text(column.data_type_span),
                super::common::schema::q(ext)
            ),
        )
        .with_help(format!(
            "create the extension first, guarded: `{}`{} (or, if every target has it, add \
             \"{ext}\" to [extensions] always_available)",
            guarded_pattern(ext),
            fallback_hint(ext)
        ))
        .in_statement(stmt.span),
    );
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{lines, run, spans};

    const RULE: &str = "unguarded-extension";

    #[test]
    fn non_contrib_extension_unguarded() {
        let sql = "CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA extensions;\n\
                   CREATE EXTENSION \"uuid-ossp\";\nCREATE EXTENSION pgcrypto;\n\
                   create extension PG_CRON;\n";
        let out = run(&[("1.sql", sql)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["vector", "PG_CRON"]);
        assert_eq!(
            lines(&out, RULE)[0],
            "1.sql:1:32 extension \"vector\" is not part of PostgreSQL's contrib set and may not be \
             available on the server: if it is not, CREATE EXTENSION fails and the whole \
             migration with it"
        );
        let help = out
            .diagnostics
            .iter()
            .find(|d| d.rule == RULE)
            .and_then(|d| d.help.clone());
        assert!(help.is_some_and(|h| h.contains(
            "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS vector; EXCEPTION WHEN OTHERS THEN"
        ) && h.contains("jsonb")));
    }

    #[test]
    fn guards_and_config() {
        let sql = "DO $$\nBEGIN\n  CREATE EXTENSION IF NOT EXISTS vector;\nEXCEPTION\n  WHEN OTHERS THEN\n    RAISE WARNING 'pgvector not available, using JSONB fallback';\nEND $$;\n\
                   DO $$\nBEGIN\n  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis') THEN\n    CREATE EXTENSION postgis;\n  END IF;\nEND $$;\n\
                   DO $$\nBEGIN\n  CREATE EXTENSION timescaledb;\nEND $$;\n\
                   CREATE EXTENSION pg_graphql;\n";
        let out = run(&[("1.sql", sql)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["timescaledb", "pg_graphql"]);
        let out = run(
            &[("1.sql", sql)],
            &[],
            "[extensions]\nalways_available = [\"pg_graphql\", \"TimescaleDB\"]\n",
        );
        assert!(lines(&out, RULE).is_empty());
    }

    #[test]
    fn extension_types_without_the_extension() {
        let a = "CREATE TABLE embeddings (id bigint, embedding vector(1536), area geometry(Polygon, 4326), email citext);\n";
        let b = "ALTER TABLE embeddings ADD COLUMN small extensions.halfvec(256);\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        assert_eq!(
            spans(&out, RULE),
            vec![
                "vector(1536)",
                "geometry(Polygon, 4326)",
                "extensions.halfvec(256)"
            ]
        );
        assert_eq!(
            lines(&out, RULE)[0],
            "1.sql:1:47 column \"embedding\" has type vector(1536) from the extension \"vector\", which \
             the migrations never create and which may not be available on the server"
        );
        // Creating the extension anywhere in the set (guarded, even in a later file) is enough.
        let c = "DO $$ BEGIN CREATE EXTENSION vector; CREATE EXTENSION postgis; EXCEPTION WHEN OTHERS THEN NULL; END $$;\n";
        let out = run(&[("1.sql", a), ("2.sql", b), ("3.sql", c)], &[], "");
        assert!(lines(&out, RULE).is_empty(), "{:?}", lines(&out, RULE));
    }

    #[test]
    fn single_file_mode() {
        let a = "CREATE EXTENSION vector;\n";
        let b = "CREATE TABLE e (v vector(3));\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &["2.sql"], "");
        assert!(lines(&out, RULE).is_empty());
        let out = run(&[("1.sql", a), ("2.sql", b)], &["1.sql"], "");
        assert_eq!(spans(&out, RULE), vec!["vector"]);
    }
}

#[cfg(test)]
mod spellings {
    use super::super::common::schema::testing::{run, spans};

    #[test]
    fn create_extension_variants() {
        let sql = "create extension if not exists \"pg_net\" with schema \"extensions\" version '0.8';\n\
                   CREATE EXTENSION postgis_topology CASCADE;\n\
                   CREATE EXTENSION IF NOT EXISTS pg_stat_statements WITH SCHEMA extensions;\n\
                   CREATE EXTENSION \"plpgsql\";\n";
        let out = run(&[("1.sql", sql)], &[], "");
        assert_eq!(
            spans(&out, "unguarded-extension"),
            vec!["\"pg_net\"", "postgis_topology"]
        );
    }

    #[test]
    fn the_fix_guards_the_statement() {
        let sql = "CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA extensions; -- R-004\n";
        let out = run(&[("1.sql", sql)], &[], "");
        let fixed = super::super::common::schema::testing::fixed(&out, "unguarded-extension");
        assert_eq!(
            fixed.as_deref(),
            Some(
                "DO $$\nBEGIN\n  CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA extensions;\n\
                 EXCEPTION\n  WHEN OTHERS THEN\n    RAISE WARNING 'vector not available (%), using \
                 the fallback schema', SQLERRM;\nEND $$; -- R-004\n"
            )
        );
        // The fixed text is itself clean.
        let again = run(&[("1.sql", fixed.as_deref().unwrap_or(""))], &[], "");
        assert!(spans(&again, "unguarded-extension").is_empty());
    }
}
