//! `pgward init`: the commented starter `pgward.toml`.

use std::io::Write;
use std::path::Path;

/// The starter config: every key, explained, with defaults that suit a Supabase project.
/// It must always parse with `Config::from_toml` (tested below).
pub const TEMPLATE: &str = r#"# pgward.toml: configuration for pgward, the PostgreSQL / Supabase migration linter.
# pgward finds this file by walking up from the current directory (or use --config FILE).
# Every key is optional; the values below are the defaults unless a comment says otherwise.

# Where the migrations live. `pgward check` and `pgward apply` use it when no paths are given, and
# `pgward check some/file.sql` loads the whole directory as context for schema-aware rules.
# Relative to this file.
migrations_dir = "supabase/migrations"

# Set to true when the tool that runs the migrations wraps each file in a transaction itself
# (the Supabase CLI, `pgward apply`): files may then omit their own BEGIN ... COMMIT.
assume_in_transaction = false

# The PostgreSQL major version your migrations run on (14 to 18). Syntax newer than it is a
# parse-error. 15 is the oldest major Supabase still runs; set 17 for a newer project.
postgres_version = 15

[protected]
# Tables that must never be dropped, truncated, renamed or moved (names or globs such as
# "billing_*", optionally schema-qualified; an unqualified name means `public`).
# Everything in the `auth` and `storage` schemas is always protected.
tables = []
# tables = ["users", "ai_usage_tracking", "usage_alerts"]

[rules]
# Rules to run; empty means every rule. `pgward rule` lists them.
select = []
# Rules to skip.
ignore = []

[rules.severity]
# Per-rule severity: "error", "warning", "info" or "off".
# non-idempotent-ddl = "error"
# unsupported-syntax = "off"

[policies]
# Template that policy names must follow (enables the `policy-naming` rule). Placeholders:
# {table}, {operation} (select, insert, update, delete, all) and {description}.
# naming = "{table}_{operation}_{description}"

[indexes]
# Columns that need an index with the column first (row level security filters on them).
user_columns = ["user_id"]

[rls]
# Schemas reachable through the Supabase API: tables there need row level security.
exposed_schemas = ["public"]

[extensions]
# Extensions your database always has, besides PostgreSQL's contrib set
# (`unguarded-extension` then accepts a plain CREATE EXTENSION of them).
always_available = []
# always_available = ["vector", "pg_cron"]

# Supabase Realtime: tables that must be members of the realtime publication at the end of the
# migration set (`missing-realtime-publication`). Without this section that rule does nothing.
# [realtime]
# publication = "supabase_realtime"
# tables = ["clients", "meetings", "action_items"]   # or ["*"] for every table in an exposed schema

[preflight]
# `pgward apply` refuses to run when one of these tables is empty (e.g. after a bad restore).
require_rows = []
# require_rows = ["users"]

[apply]
# Path to pg_dump for the backup `pgward apply` takes (default: found on PATH).
# pg_dump = "/usr/lib/postgresql/17/bin/pg_dump"
# Where backups and CSV exports of dropped rows go (default: ./backups).
# backup_dir = "backups"
# Every migration file starts from a clean session (RESET ALL); then, if set:
# role = "postgres"                      # SET ROLE
# search_path = ["public", "extensions"] # SET search_path
"#;

/// Why `init` did not write the file.
#[derive(Debug)]
pub enum InitError {
    Exists,
    Io(std::io::Error),
}

/// Write [`TEMPLATE`] to `path`, refusing to overwrite an existing file (atomically: no check
/// then write race).
pub fn write_template(path: &Path) -> Result<(), InitError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                InitError::Exists
            } else {
                InitError::Io(e)
            }
        })?;
    file.write_all(TEMPLATE.as_bytes()).map_err(InitError::Io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn template_parses_with_supabase_defaults() {
        let c = Config::from_toml(TEMPLATE, Path::new("pgward.toml")).unwrap();
        assert_eq!(c.migrations_dir.as_deref(), Some("supabase/migrations"));
        assert!(!c.assume_in_transaction);
        assert_eq!(c.postgres_version.major(), 15);
        assert!(c.realtime.is_none(), "realtime stays commented out");
        assert_eq!(c.indexes.user_columns, vec!["user_id"]);
        assert_eq!(c.rls.exposed_schemas, vec!["public"]);
    }

    #[test]
    fn commented_examples_parse_when_uncommented() {
        // Users will uncomment the examples: they must be valid too.
        let uncommented: String = TEMPLATE
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[')
                        || rest.contains(" = ")
                            && !rest.starts_with("Every")
                            && rest.split(" = ").next().is_some_and(|k| {
                                k.chars()
                                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                            }) =>
                {
                    rest
                }
                _ => l,
            })
            .filter(|l| !l.starts_with("tables = []") && !l.starts_with("require_rows = []"))
            .filter(|l| !l.starts_with("always_available = []"))
            .collect::<Vec<_>>()
            .join("\n");
        let c = Config::from_toml(&uncommented, Path::new("pgward.toml"))
            .unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        assert_eq!(c.protected.tables.len(), 3);
        assert_eq!(
            c.realtime.map(|r| r.publication),
            Some("supabase_realtime".to_string())
        );
        assert!(c.policies.naming.is_some());
        assert!(c.apply.pg_dump.is_some());
    }

    #[test]
    fn refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgward.toml");
        write_template(&path).unwrap();
        assert!(matches!(write_template(&path), Err(InitError::Exists)));
    }
}
