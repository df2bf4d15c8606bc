//! `pgward init`: the commented starter `pgward.toml`.

use crate::runner::Runner;
use crate::runner::detect::{Detection, detect};
use crate::runner::supabase::read_project_config;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The starter config: every key, explained, with defaults that suit a Supabase project.
/// It must always parse with `Config::from_toml` (tested below).
const TEMPLATE: &str = r#"# pgward.toml: configuration for pgward, the PostgreSQL / Supabase migration linter.
# pgward (check, apply, status and the editor alike) uses the nearest pgward.toml above the
# checked file, else above the current directory (or --config FILE).
# Every key is optional; the values below are the defaults unless a comment says otherwise.

# The tool that runs your migrations: supabase, psql, pgward, diesel, sqlx, prisma, flyway,
# golang-migrate, dbmate or graphile-migrate. It decides which files are migrations (and which are
# down/undo files), their order, whether each file runs inside a transaction the tool opens, and
# which statements it runs outside it. Without this key pgward detects it from the repository.
{runner}

# Where the migrations live. `pgward check` and `pgward apply` use it when no paths are given, and
# `pgward check some/file.sql` loads the whole directory as context for schema-aware rules.
# Relative to this file.
{migrations_dir}

# The PostgreSQL major version your migrations run on (14 to 18). Syntax newer than it is a
# parse-error.{postgres_comment}
postgres_version = {postgres_version}

# A way in for an old project: `pgward check --write-baseline pgward-baseline.json` records
# today's findings; with this key they are not reported again (new ones are), and recorded
# findings that no longer occur are reported as stale. Relative to this file.
# baseline = "pgward-baseline.json"

[check]
# Files up to and including this migration version were applied long ago: they are context for
# the schema-aware rules, never reported and never changed by `check --fix`.
# after = "20240101000000"

[files]
# Files that check, apply and the editor leave out entirely: globs relative to this file (a
# pattern without `/` matches a file or directory name anywhere).
exclude = []
# exclude = ["supabase/migrations/archive", "seed.sql"]

[protected]
# Tables that must never be dropped, truncated, renamed or moved (names or globs such as
# "billing_*", optionally schema-qualified; an unqualified name means `public`).
# Everything in the `auth` and `storage` schemas is always protected.
tables = []
# tables = ["users", "ai_usage_tracking", "usage_alerts"]

[rules]
# Rules to run; empty means every rule that is on by default. `pgward rule` lists them.
select = []
# Rules to run besides those: how the off-by-default rules (prefer-bigint-key,
# prefer-timestamptz, prefer-text, prefer-identity) are turned on.
extend_select = []
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
# Schemas reachable through an API: tables there need row level security. Without this key:
# for runner "supabase" the `[api] schemas` of supabase/config.toml, for "psql" and "pgward"
# "public", for the other runners none.
# exposed_schemas = ["public"]

[extensions]
# Extensions your database always has, besides PostgreSQL's contrib set and, for runner
# "supabase", the extensions Supabase ships (`unguarded-extension` then accepts a plain
# CREATE EXTENSION of them).
always_available = []
# always_available = ["vector", "pg_cron"]

# Supabase Realtime: tables that must be members of the realtime publication at the end of the
# migration set (`missing-realtime-publication`). Without this section the rule only reports,
# for runner "supabase", a table the migrations put in supabase_realtime and later take out.
# [realtime]
# publication = "supabase_realtime"
# tables = ["clients", "meetings", "action_items"]   # or ["*"] for every table in an exposed schema

[preflight]
# `pgward apply` refuses to run when one of these tables is empty (e.g. after a bad restore).
require_rows = []
# require_rows = ["users"]

[verify]
# `pgward apply`, before COMMIT: for every table with row level security and an owner column
# ([indexes] user_columns) in an exposed schema, as role authenticated with the claims of one
# owner no other owner's row may be visible, as anon none (unless a policy grants anon), as
# service_role all. Default: on for runner "supabase".
# rls_isolation = true
# Tables whose rows are shared between users on purpose.
shared_tables = []

[apply]
# Path to pg_dump for the backup `pgward apply` takes (default: found on PATH).
# pg_dump = "/usr/lib/postgresql/17/bin/pg_dump"
# Where backups and CSV exports of dropped rows go (default: ./backups).
# backup_dir = "backups"
# Every migration file starts from a clean session (RESET ALL); then, if set:
# role = "postgres"                      # SET ROLE
# search_path = ["public", "extensions"] # SET search_path
# A rewrite, an index build without CONCURRENTLY or a validating scan of a table larger than
# this refuses the run before anything changes, unless `pgward apply --allow-blocking`.
# max_blocking_size = "100MB"
"#;
/// What `init` writes for a repository: the template with the runner detected below `root`
/// (written as a comment when nothing was detected), its migrations directory, and for a
/// Supabase project the PostgreSQL major of `supabase/config.toml`.
pub fn template_for(root: &Path) -> (String, Option<Detection>) {
    let detected = detect(root);
    let runner_line = match &detected {
        Some(d) => format!("runner = \"{}\"   # detected from {}", d.runner, d.evidence),
        None => {
            "# runner = \"psql\"   # nothing detected: psql (each statement on its own) is assumed"
                .to_string()
        }
    };
    let dir = detected
        .as_ref()
        .and_then(|d| {
            d.migrations_dir
                .clone()
                .or_else(|| d.runner.default_migrations_dir().map(PathBuf::from))
        })
        .map(|d| d.to_string_lossy().replace('\\', "/"));
    let dir_line = match dir {
        Some(d) => format!("migrations_dir = \"{d}\""),
        None => "# migrations_dir = \"migrations\"".to_string(),
    };
    let supabase_major = detected
        .as_ref()
        .filter(|d| d.runner == Runner::Supabase)
        .and_then(|_| read_project_config(root).ok())
        .map(|c| c.major_version.clamp(14, 18));
    let (version, comment) = match supabase_major {
        Some(v) => (
            v,
            " Read from [db] major_version in supabase/config.toml.".to_string(),
        ),
        None => (15, " 15 unless your server is newer.".to_string()),
    };
    let text = TEMPLATE
        .replace("{runner}", &runner_line)
        .replace("{migrations_dir}", &dir_line)
        .replace("{postgres_comment}", &comment)
        .replace("{postgres_version}", &version.to_string());
    (text, detected)
}

/// Why `init` did not write the file.
#[derive(Debug)]
pub enum InitError {
    Exists,
    Io(std::io::Error),
}

/// Write `text` (see [`template_for`]) to `path`, refusing to overwrite an existing file
/// (atomically: no check then write race).
pub fn write_template(path: &Path, text: &str) -> Result<(), InitError> {
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
    file.write_all(text.as_bytes()).map_err(InitError::Io)
}

/// Git-ignore the check cache in `dir`: append it to `dir/.gitignore` when the directory is in a
/// git work tree or already has a `.gitignore`. `Ok(true)` when the file was changed. (The
/// cache directory also ignores itself with a `.gitignore` of its own.)
pub fn ignore_cache_dir(dir: &Path) -> std::io::Result<bool> {
    let path = dir.join(".gitignore");
    let in_git = dir.ancestors().any(|d| d.join(".git").exists());
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if existing.is_none() && !in_git {
        return Ok(false);
    }
    let text = existing.unwrap_or_default();
    let covered = text
        .lines()
        .map(str::trim)
        .any(|l| l.trim_start_matches('/').trim_end_matches('/') == crate::engine::cache::DIR_NAME);
    if covered {
        return Ok(false);
    }
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)?;
    let sep = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    let name = crate::engine::cache::DIR_NAME;
    writeln!(file, "{sep}# pgward's check cache\n/{name}/")?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    #[test]
    fn the_cache_dir_is_git_ignored_once() {
        let dir = repo(&[(".git/HEAD", "ref: refs/heads/main\n")]);
        assert!(ignore_cache_dir(dir.path()).unwrap());
        assert!(!ignore_cache_dir(dir.path()).unwrap(), "already there");
        let text = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
        assert_eq!(text.matches("/.pgward_cache/").count(), 1, "{text}");
        // An existing file without a final newline keeps its last line.
        let dir = repo(&[(".gitignore", "/target")]);
        assert!(ignore_cache_dir(dir.path()).unwrap());
        let text = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
        assert!(text.starts_with("/target\n"), "{text}");
        // Neither git nor a .gitignore: nothing written.
        let dir = repo(&[]);
        assert!(!ignore_cache_dir(dir.path()).unwrap());
        assert!(!dir.path().join(".gitignore").exists());
    }

    #[test]
    fn supabase_project_gets_supabase_defaults() {
        let dir = repo(&[(
            "supabase/config.toml",
            "[api]\nschemas = [\"public\", \"api\"]\n[db]\nmajor_version = 17\n",
        )]);
        let (text, detected) = template_for(dir.path());
        assert_eq!(detected.map(|d| d.runner), Some(Runner::Supabase));
        let c = Config::from_toml(&text, &dir.path().join("pgward.toml")).unwrap();
        assert_eq!(c.runner, Some(Runner::Supabase));
        assert_eq!(c.migrations_dir.as_deref(), Some("supabase/migrations"));
        assert_eq!(c.assume_in_transaction, None, "the runner decides");
        assert!(c.execution(None, "select 1;").runner_wraps());
        assert_eq!(c.postgres_version.major(), 17);
        assert!(c.realtime.is_none(), "realtime stays commented out");
        assert_eq!(c.indexes.user_columns, vec!["user_id"]);
        assert_eq!(c.exposed_schemas(), vec!["public", "api"]);
        assert!(c.extension_always_available("vector"));
    }

    #[test]
    fn each_runner_and_none() {
        let dir = repo(&[("diesel.toml", ""), ("migrations/1_a/up.sql", "")]);
        let (text, _) = template_for(dir.path());
        let c = Config::from_toml(&text, &dir.path().join("pgward.toml")).unwrap();
        assert_eq!(c.runner, Some(Runner::Diesel));
        assert!(c.exposed_schemas().is_empty());
        let empty = tempfile::tempdir().unwrap();
        let (text, detected) = template_for(empty.path());
        assert!(detected.is_none());
        assert!(text.contains("# runner = \"psql\""));
        let c = Config::from_toml(&text, &empty.path().join("pgward.toml")).unwrap();
        assert_eq!(c.runner(), Runner::Psql);
        assert_eq!(c.exposed_schemas(), vec!["public"]);
    }

    #[test]
    fn commented_examples_parse_when_uncommented() {
        // Users will uncomment the examples: they must be valid too.
        let empty = tempfile::tempdir().unwrap();
        let (template, _) = template_for(empty.path());
        let uncommented: String = template
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
            .filter(|l| !l.starts_with("exclude = []"))
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
        assert!(c.baseline.is_some() && c.check.after.is_some());
        assert_eq!(c.files.exclude.len(), 2);
    }

    #[test]
    fn refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgward.toml");
        write_template(&path, "x").unwrap();
        assert!(matches!(write_template(&path, "y"), Err(InitError::Exists)));
    }
}
