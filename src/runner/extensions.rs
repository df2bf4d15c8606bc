//! PostgreSQL extensions: which ship with PostgreSQL itself, which types come from which
//! extension, and what guards a `CREATE EXTENSION` against its absence. One table for
//! `unguarded-extension` and `pgward apply`'s pre-flight; what a project declares available is
//! `Config::extension_always_available` / `Config::extension_needs_check`, beside this.

use crate::syntax::Statement;

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
pub fn is_contrib(name: &str) -> bool {
    CONTRIB_EXTENSIONS.contains(&name)
}

/// The extension a column type comes from (`vector(1536)`, `extensions.vector`, `geometry(Point,
/// 4326)`, `halfvec[]`), if any.
pub fn extension_for_type(data_type: &str) -> Option<&'static str> {
    // The name before any modifiers or array brackets; its last dotted part is the type.
    let base = data_type.split(['(', '[']).next().unwrap_or("").trim();
    let last = base.rsplit('.').next().unwrap_or("").trim();
    // pg_dump quotes every type (`"extensions"."vector"(1536)`): a quoted name keeps its case,
    // so `"vector"` is pgvector's type and `"Vector"` is not.
    let name = crate::syntax::names::fold_ident(last);
    EXTENSION_TYPES
        .iter()
        .find(|(_, types)| types.contains(&name.as_str()))
        .map(|(ext, _)| *ext)
}

/// Whether a statement survives the extension's absence: inside an `EXCEPTION` handler, or
/// under an `IF EXISTS (SELECT … FROM pg_available_extensions …)` check.
pub fn guarded(stmt: &Statement) -> bool {
    stmt.context.exception_handler || stmt.context.extension_availability_guard
}

#[cfg(test)]
mod tests {
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
        assert!(is_contrib("uuid-ossp"));
        assert!(is_contrib("pg_trgm"));
        assert!(!is_contrib("vector"));
    }
}
