//! `unguarded-extension`: `CREATE EXTENSION` of an extension that is not part of PostgreSQL's
//! contrib set, outside a guard, and columns typed by such an extension the set never creates
//! `CREATE EXTENSION vector` fails where pgvector is not available).
//!
//! The contrib list and the extension → types map live here, public, so `pgward apply`'s
//! pre-flight asks the same questions.

use super::Rule;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::engine::FileContext;
use crate::syntax::{AlterTableAction, ColumnDef, Statement, Stmt, quote_if_needed};

pub static RULE: Rule = Rule {
    id: "unguarded-extension",
    default_severity: Severity::Warning,
    summary: "CREATE EXTENSION of a non-contrib extension without an availability guard",
    doc: include_str!("../../rules/unguarded-extension.md"),
    check: Some(check),
};

/// The extensions shipped with PostgreSQL itself (contrib, PostgreSQL 12–18, plus `plpgsql`):
/// every server has them available. The other procedural languages (`plperl`, `plpython3u`,
/// `pltcl`) and their transforms are left out on purpose: they need a server built with the
/// language, and hosted platforms such as Supabase do not offer them.
pub const CONTRIB_EXTENSIONS: &[&str] = &[
    "adminpack",
    "amcheck",
    "auth_delay",
    "auto_explain",
    "basebackup_to_shell",
    "basic_archive",
    "bloom",
    "btree_gin",
    "btree_gist",
    "citext",
    "cube",
    "dblink",
    "dict_int",
    "dict_xsyn",
    "earthdistance",
    "file_fdw",
    "fuzzystrmatch",
    "hstore",
    "intagg",
    "intarray",
    "isn",
    "lo",
    "ltree",
    "old_snapshot",
    "pageinspect",
    "passwordcheck",
    "pg_buffercache",
    "pg_freespacemap",
    "pg_logicalinspect",
    "pg_overexplain",
    "pg_prewarm",
    "pg_stat_statements",
    "pg_surgery",
    "pg_trgm",
    "pg_visibility",
    "pg_walinspect",
    "pgcrypto",
    "pgrowlocks",
    "pgstattuple",
    "plpgsql",
    "postgres_fdw",
    "seg",
    "sepgsql",
    "spi",
    "autoinc",
    "insert_username",
    "moddatetime",
    "refint",
    "sslinfo",
    "tablefunc",
    "tcn",
    "test_decoding",
    "tsm_system_rows",
    "tsm_system_time",
    "unaccent",
    "uuid-ossp",
    "xml2",
];

/// Types that come from an extension: `(extension, [type names])`. One place for the linter and
/// for `pgward apply`'s pre-flight.
pub const EXTENSION_TYPES: &[(&str, &[&str])] = &[
    ("vector", &["vector", "halfvec", "sparsevec"]),
    ("postgis", &["geometry", "geography", "box2d", "box3d"]),
    ("postgis_raster", &["raster"]),
    ("citext", &["citext"]),
    ("hstore", &["hstore"]),
    ("ltree", &["ltree", "lquery", "ltxtquery"]),
    ("cube", &["cube"]),
    ("seg", &["seg"]),
    (
        "isn",
        &[
            "ean13", "isbn", "isbn13", "ismn", "ismn13", "issn", "issn13", "upc",
        ],
    ),
    ("lo", &["lo"]),
];

/// Whether an extension ships with PostgreSQL (always available).
pub fn extension_is_contrib(name: &str) -> bool {
    CONTRIB_EXTENSIONS.contains(&name)
}

/// Whether creating this extension can fail for lack of it on the server: not contrib, not in
/// `[extensions] always_available`.
pub fn needs_availability_check(name: &str, config: &Config) -> bool {
    !extension_is_contrib(name) && !config.extension_always_available(name)
}

/// The extension a column type comes from (`vector(1536)`, `extensions.vector`, `geometry(Point,
/// 4326)`, `halfvec[]`), if any.
pub fn extension_for_type(data_type: &str) -> Option<&'static str> {
    // The name before any modifiers or array brackets; its last dotted part is the type.
    let base = data_type.split(['(', '[']).next().unwrap_or("").trim();
    let last = base.rsplit('.').next().unwrap_or("").trim();
    // pg_dump quotes every type (`"extensions"."vector"(1536)`): a quoted name keeps its case,
    // so `"vector"` is pgvector's type and `"Vector"` is not.
    let name = match last.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(quoted) => quoted.to_string(),
        None => last.to_ascii_lowercase(),
    };
    EXTENSION_TYPES
        .iter()
        .find(|(_, types)| types.contains(&name.as_str()))
        .map(|(ext, _)| *ext)
}

fn guarded(stmt: &Statement) -> bool {
    stmt.context.exception_handler || stmt.context.extension_availability_guard
}

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
                if !needs_availability_check(ext, ctx.config) || guarded(stmt) {
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
    let Some(ext) = extension_for_type(&column.data_type) else {
        return;
    };
    if !needs_availability_check(ext, ctx.config)
        || guarded(stmt)
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
mod unit {
    use super::*;

    #[test]
    fn types_map_to_extensions() {
        assert_eq!(extension_for_type("vector(1536)"), Some("vector"));
        assert_eq!(extension_for_type("extensions.halfvec(3)"), Some("vector"));
        assert_eq!(extension_for_type("geometry(point,4326)"), Some("postgis"));
        assert_eq!(extension_for_type("sparsevec[]"), Some("vector"));
        assert_eq!(extension_for_type("citext"), Some("citext"));
        assert_eq!(extension_for_type("text"), None);
        assert_eq!(
            extension_for_type("\"extensions\".\"vector\"(1536)"),
            Some("vector")
        );
        assert_eq!(extension_for_type("\"Vector\""), None);
    }

    #[test]
    fn contrib_and_config() {
        assert!(extension_is_contrib("uuid-ossp"));
        assert!(extension_is_contrib("pg_trgm"));
        assert!(!extension_is_contrib("vector"));
        let mut config = Config::default();
        assert!(needs_availability_check("vector", &config));
        assert!(!needs_availability_check("citext", &config));
        config.extensions.always_available = vec!["Vector".to_string()];
        assert!(!needs_availability_check("vector", &config));
    }
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
