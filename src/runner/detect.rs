//! Which runner a repository uses, when `pgward.toml` does not say: each tool leaves files of
//! its own (`supabase/config.toml`, `diesel.toml`, `prisma/migrations/migration_lock.toml`, …).

use super::Runner;
use std::path::{Path, PathBuf};

/// A runner found in a repository, with the evidence, for `--show-files` and `pgward init`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub runner: Runner,
    /// What gave it away, e.g. "supabase/config.toml".
    pub evidence: String,
    /// The migrations directory, relative to the root, when the runner's files show where it is.
    pub migrations_dir: Option<PathBuf>,
}

fn exists(root: &Path, rel: &str) -> bool {
    root.join(rel).exists()
}

fn read(root: &Path, rel: &str) -> Option<String> {
    std::fs::read_to_string(root.join(rel)).ok()
}

fn sql_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.to_ascii_lowercase().ends_with(".sql"))
        .collect();
    names.sort();
    names
}

fn has_up_down_pairs(dir: &Path) -> bool {
    sql_files(dir)
        .iter()
        .any(|n| n.to_ascii_lowercase().ends_with(".up.sql"))
}

fn has_dbmate_directives(dir: &Path) -> bool {
    sql_files(dir).iter().take(20).any(|n| {
        std::fs::read_to_string(dir.join(n)).is_ok_and(|t| {
            t.lines().any(|l| {
                l.strip_prefix("--")
                    .is_some_and(|r| r.trim_start().starts_with("migrate:up"))
            })
        })
    })
}

fn has_diesel_dirs(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.path().join("up.sql").is_file())
    })
}

/// The diesel migrations directory from `diesel.toml` (`[migrations_directory] dir`).
fn diesel_dir(root: &Path) -> Option<PathBuf> {
    let table: toml::Table = read(root, "diesel.toml")?.parse().ok()?;
    table
        .get("migrations_directory")?
        .get("dir")?
        .as_str()
        .map(PathBuf::from)
}

/// Flyway's `locations` from `flyway.conf` / `conf/flyway.conf` (`flyway.locations=filesystem:sql`)
/// or `flyway.toml` (`locations = ["filesystem:sql"]`), first filesystem location only.
fn flyway_dir(root: &Path) -> Option<PathBuf> {
    for conf in ["flyway.conf", "conf/flyway.conf"] {
        if let Some(text) = read(root, conf) {
            for line in text.lines() {
                let Some((key, value)) = line.split_once('=') else {
                    continue;
                };
                if key.trim() == "flyway.locations" {
                    let first = value.split(',').next().unwrap_or("").trim();
                    if let Some(dir) = first.strip_prefix("filesystem:") {
                        return Some(PathBuf::from(dir));
                    }
                }
            }
        }
    }
    let text = read(root, "flyway.toml")?;
    let table: toml::Table = text.parse().ok()?;
    let flyway = table.get("flyway")?;
    let location = flyway.get("locations")?.as_array()?.first()?.as_str()?;
    location.strip_prefix("filesystem:").map(PathBuf::from)
}

/// Cargo.toml or go.mod mentions a dependency.
fn manifest_mentions(root: &Path, manifest: &str, needle: &str) -> bool {
    read(root, manifest).is_some_and(|t| t.contains(needle))
}

/// Find the runner of the repository rooted at `root`. The first match wins, most specific
/// first.
pub fn detect(root: &Path) -> Option<Detection> {
    let found = |runner: Runner, evidence: &str, dir: Option<PathBuf>| {
        Some(Detection {
            runner,
            evidence: evidence.to_string(),
            migrations_dir: dir,
        })
    };
    if exists(root, "supabase/config.toml") {
        return found(
            Runner::Supabase,
            "supabase/config.toml",
            Some(PathBuf::from("supabase/migrations")),
        );
    }
    if exists(root, "supabase/migrations") {
        return found(
            Runner::Supabase,
            "supabase/migrations/",
            Some(PathBuf::from("supabase/migrations")),
        );
    }
    if exists(root, "prisma/migrations/migration_lock.toml") {
        return found(
            Runner::Prisma,
            "prisma/migrations/migration_lock.toml",
            Some(PathBuf::from("prisma/migrations")),
        );
    }
    if exists(root, "diesel.toml") {
        let dir = diesel_dir(root).unwrap_or_else(|| PathBuf::from("migrations"));
        return found(Runner::Diesel, "diesel.toml", Some(dir));
    }
    if exists(root, ".gmrc") || exists(root, ".gmrc.js") {
        return found(
            Runner::GraphileMigrate,
            ".gmrc",
            Some(PathBuf::from("migrations")),
        );
    }
    for conf in ["flyway.conf", "conf/flyway.conf", "flyway.toml"] {
        if exists(root, conf) {
            let dir = flyway_dir(root).unwrap_or_else(|| PathBuf::from("sql"));
            return found(Runner::Flyway, conf, Some(dir));
        }
    }
    let maven = "src/main/resources/db/migration";
    if sql_files(&root.join(maven))
        .iter()
        .any(|n| n.starts_with('V') && n.contains("__"))
    {
        return found(Runner::Flyway, maven, Some(PathBuf::from(maven)));
    }
    if exists(root, "migrations/committed") {
        return found(
            Runner::GraphileMigrate,
            "migrations/committed/",
            Some(PathBuf::from("migrations")),
        );
    }
    if has_diesel_dirs(&root.join("migrations")) && exists(root, "Cargo.toml") {
        return found(
            Runner::Diesel,
            "migrations/<version>_<name>/up.sql",
            Some(PathBuf::from("migrations")),
        );
    }
    for dir in ["db/migrations", "migrations"] {
        if has_dbmate_directives(&root.join(dir)) {
            return found(
                Runner::Dbmate,
                &format!("{dir}/ (-- migrate:up)"),
                Some(dir.into()),
            );
        }
    }
    let up_down_dir = ["migrations", "db/migrations", "database/migrations"]
        .into_iter()
        .find(|d| has_up_down_pairs(&root.join(d)));
    let sqlx = manifest_mentions(root, "Cargo.toml", "sqlx");
    let go_migrate = manifest_mentions(root, "go.mod", "golang-migrate/migrate");
    if go_migrate {
        return found(
            Runner::GolangMigrate,
            "go.mod (github.com/golang-migrate/migrate)",
            up_down_dir.map(PathBuf::from),
        );
    }
    if sqlx && (up_down_dir.is_some() || exists(root, "migrations")) {
        return found(
            Runner::Sqlx,
            "Cargo.toml (sqlx)",
            Some(PathBuf::from(up_down_dir.unwrap_or("migrations"))),
        );
    }
    if let Some(dir) = up_down_dir {
        // `*.up.sql` / `*.down.sql` pairs without a manifest that names the tool: both sqlx
        // and golang-migrate read them the same way and wrap each file.
        return found(
            Runner::GolangMigrate,
            &format!("{dir}/*.up.sql"),
            Some(PathBuf::from(dir)),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(files: &[(&str, &str)]) -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pgward-detect-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        for (path, text) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn runner(files: &[(&str, &str)]) -> Option<(Runner, Option<PathBuf>)> {
        let dir = repo(files);
        let found = detect(&dir).map(|d| (d.runner, d.migrations_dir));
        std::fs::remove_dir_all(&dir).unwrap();
        found
    }

    #[test]
    fn each_runner_by_its_files() {
        assert_eq!(
            runner(&[("supabase/config.toml", "")]).unwrap().0,
            Runner::Supabase
        );
        assert_eq!(
            runner(&[("prisma/migrations/migration_lock.toml", "")])
                .unwrap()
                .0,
            Runner::Prisma
        );
        assert_eq!(
            runner(&[("diesel.toml", "[migrations_directory]\ndir = \"db/mig\"\n")]),
            Some((Runner::Diesel, Some(PathBuf::from("db/mig"))))
        );
        assert_eq!(
            runner(&[(
                "flyway.conf",
                "flyway.locations=filesystem:sql/migrations\n"
            )]),
            Some((Runner::Flyway, Some(PathBuf::from("sql/migrations"))))
        );
        assert_eq!(
            runner(&[("src/main/resources/db/migration/V1__init.sql", "")])
                .unwrap()
                .0,
            Runner::Flyway
        );
        assert_eq!(
            runner(&[(
                "db/migrations/1_x.sql",
                "-- migrate:up\nselect 1;\n-- migrate:down\n"
            )]),
            Some((Runner::Dbmate, Some(PathBuf::from("db/migrations"))))
        );
        assert_eq!(
            runner(&[
                ("Cargo.toml", "sqlx = \"0.8\""),
                ("migrations/1_a.up.sql", "")
            ]),
            Some((Runner::Sqlx, Some(PathBuf::from("migrations"))))
        );
        assert_eq!(
            runner(&[
                (
                    "go.mod",
                    "require github.com/golang-migrate/migrate/v4 v4.18.1"
                ),
                ("db/migrations/000001_a.up.sql", "")
            ]),
            Some((Runner::GolangMigrate, Some(PathBuf::from("db/migrations"))))
        );
        assert_eq!(
            runner(&[("migrations/committed/000001.sql", "")])
                .unwrap()
                .0,
            Runner::GraphileMigrate
        );
        assert_eq!(runner(&[("migrations/0001_init.sql", "")]), None);
    }
}
