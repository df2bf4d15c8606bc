//! What a Supabase project has before its first migration: the extensions Supabase ships, the
//! schemas its API exposes (`supabase/config.toml`), the realtime publication and the schemas
//! its services own.

use std::path::Path;

/// The publication Supabase Realtime listens to.
pub const REALTIME_PUBLICATION: &str = "supabase_realtime";

/// Schemas Supabase's own services create and own; their tables exist before the first
/// migration (`auth.users`, `storage.objects`, …).
pub const SERVICE_SCHEMAS: &[&str] = &[
    "auth",
    "storage",
    "realtime",
    "extensions",
    "graphql",
    "graphql_public",
    "vault",
    "pgsodium",
    "net",
    "cron",
    "supabase_functions",
    "supabase_migrations",
];

/// The schemas `supabase init` exposes through the API when `[api] schemas` is not set.
pub const DEFAULT_API_SCHEMAS: &[&str] = &["public", "graphql_public"];

/// The extensions a Supabase project may create (`supautils.privileged_extensions` in
/// supabase/postgres `ansible/files/postgresql_config/supautils.conf.j2`), PostgreSQL 15 images.
const PRIVILEGED_EXTENSIONS_15: &[&str] = &[
    "address_standardizer",
    "address_standardizer_data_us",
    "autoinc",
    "bloom",
    "btree_gin",
    "btree_gist",
    "citext",
    "cube",
    "dblink",
    "dict_int",
    "dict_xsyn",
    "earthdistance",
    "fuzzystrmatch",
    "hstore",
    "http",
    "hypopg",
    "index_advisor",
    "insert_username",
    "intarray",
    "isn",
    "ltree",
    "moddatetime",
    "orioledb",
    "pg_cron",
    "pg_graphql",
    "pg_hashids",
    "pg_jsonschema",
    "pg_net",
    "pg_partman",
    "pg_repack",
    "pg_stat_monitor",
    "pg_stat_statements",
    "pg_tle",
    "pg_trgm",
    "pg_walinspect",
    "pgaudit",
    "pgcrypto",
    "pgjwt",
    "pg_prewarm",
    "pgmq",
    "pgroonga",
    "pgroonga_database",
    "pgrouting",
    "pgrowlocks",
    "pgstattuple",
    "pgsodium",
    "pgtap",
    "plcoffee",
    "pljava",
    "plls",
    "plpgsql",
    "plpgsql_check",
    "plv8",
    "postgis",
    "postgis_raster",
    "postgis_sfcgal",
    "postgis_tiger_geocoder",
    "postgis_topology",
    "postgres_fdw",
    "refint",
    "rum",
    "seg",
    "sslinfo",
    "supabase_vault",
    "supautils",
    "tablefunc",
    "tcn",
    "timescaledb",
    "tsm_system_rows",
    "tsm_system_time",
    "unaccent",
    "uuid-ossp",
    "vector",
    "wrappers",
];

/// Extensions the PostgreSQL 17 images no longer ship (supabase/postgres#1592 removes
/// `timescaledb` and `plv8` from the 17 builds; `plcoffee` and `plls` are built on plv8).
const REMOVED_IN_17: &[&str] = &["timescaledb", "plv8", "plcoffee", "plls"];

/// Whether Supabase ships `extension` on PostgreSQL `major` (15 when unknown is not assumed:
/// the caller passes the project's `[db] major_version`, 17 by default).
pub fn ships_extension(extension: &str, major: u32) -> bool {
    PRIVILEGED_EXTENSIONS_15.contains(&extension)
        && !(major >= 17 && REMOVED_IN_17.contains(&extension))
}

/// The PostgreSQL major version `supabase init` configures today.
pub const DEFAULT_MAJOR_VERSION: u32 = 17;

/// What pgward reads from `supabase/config.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectConfig {
    /// `[api] schemas`.
    pub api_schemas: Vec<String>,
    /// `[db] major_version`.
    pub major_version: u32,
}

impl Default for ProjectConfig {
    fn default() -> Self {
        ProjectConfig {
            api_schemas: DEFAULT_API_SCHEMAS.iter().map(|s| s.to_string()).collect(),
            major_version: DEFAULT_MAJOR_VERSION,
        }
    }
}

/// `supabase/config.toml` that could not be read: `path: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectConfigError {
    pub message: String,
}

impl std::fmt::Display for ProjectConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Read `supabase/config.toml` below `root`. A missing file gives the defaults; a file that is
/// not valid TOML, or has keys of the wrong type, is an error (never a silent fallback).
pub fn read_project_config(root: &Path) -> Result<ProjectConfig, ProjectConfigError> {
    let path = root.join("supabase/config.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ProjectConfig::default()),
        Err(e) => {
            return Err(ProjectConfigError {
                message: format!("{}: cannot read: {e}", path.display()),
            });
        }
    };
    parse_project_config(&text).map_err(|m| ProjectConfigError {
        message: format!("{}: {m}", path.display()),
    })
}

/// Parse the text of a `supabase/config.toml`.
pub fn parse_project_config(text: &str) -> Result<ProjectConfig, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        match line {
            Some(l) => format!("line {l}: {}", e.message().trim()),
            None => e.message().trim().to_string(),
        }
    })?;
    let mut config = ProjectConfig::default();
    if let Some(api) = table.get("api")
        && let Some(schemas) = api.get("schemas")
    {
        let list = schemas
            .as_array()
            .ok_or("[api] schemas must be a list of schema names")?;
        config.api_schemas = list
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or("[api] schemas must be a list of schema names")
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(db) = table.get("db")
        && let Some(v) = db.get("major_version")
    {
        let major = v
            .as_integer()
            .filter(|m| (12..=40).contains(m))
            .ok_or("[db] major_version must be a PostgreSQL major version such as 15 or 17")?;
        config.major_version = major as u32;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_per_major_version() {
        assert!(ships_extension("vector", 15) && ships_extension("vector", 17));
        assert!(ships_extension("pg_net", 17) && ships_extension("pg_cron", 17));
        assert!(ships_extension("timescaledb", 15) && !ships_extension("timescaledb", 17));
        assert!(ships_extension("plv8", 15) && !ships_extension("plv8", 17));
        assert!(!ships_extension("age", 15) && !ships_extension("pg_search", 17));
    }

    #[test]
    fn project_config_schemas_and_version() {
        let c = parse_project_config(
            "project_id = \"x\"\n[api]\nschemas = [\"public\", \"api\"]\n[db]\nmajor_version = 15\n",
        )
        .unwrap();
        assert_eq!(c.api_schemas, ["public", "api"]);
        assert_eq!(c.major_version, 15);
        assert_eq!(parse_project_config("").unwrap(), ProjectConfig::default());
        assert!(
            parse_project_config("[api]\nschemas = \"public\"\n")
                .unwrap_err()
                .contains("[api] schemas")
        );
        assert!(
            parse_project_config("[api\n")
                .unwrap_err()
                .starts_with("line 1:")
        );
    }
}
