//! Which files a runner runs, in which order, and which are reversals (`down.sql`, Flyway's
//! `U…__` undo files, dbmate's `-- migrate:down` sections): those are checked as files but never
//! replayed into the forward schema.

use super::{Execution, Runner};
use std::cmp::Ordering;
use std::ops::Range;
use std::path::{Component, Path};

/// What a file (or a section of one) does for its runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Runs forward: replayed into the schema, in order.
    Forward,
    /// Undoes a forward migration (`down.sql`, `*.down.sql`, `U…__*.sql`): checked on its own,
    /// never replayed.
    Reversal,
}

/// A number compared as an integer of any length (leading zeros ignored, no overflow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number(String);

impl Number {
    pub fn new(digits: &str) -> Number {
        let trimmed = digits.trim_start_matches('0');
        Number(if trimmed.is_empty() { "0" } else { trimmed }.to_string())
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.0.len(), &self.0).cmp(&(other.0.len(), &other.0))
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A migration version: one or more numbers (Flyway's `1.2` is two).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub Vec<Number>);

impl Version {
    /// Parse `20240110120000`, `0004`, `1.2`, `1_2`, `2024-01-10-120000`: the numbers separated
    /// by `.`, `_` or `-`. `None` when it holds anything else.
    pub fn parse(text: &str) -> Option<Version> {
        let parts: Vec<Number> = text
            .split(['.', '_', '-'])
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.bytes()
                    .all(|b| b.is_ascii_digit())
                    .then(|| Number::new(p))
            })
            .collect::<Option<_>>()?;
        (!parts.is_empty()).then_some(Version(parts))
    }
}

/// Where a migration sorts: group (Flyway's repeatables and graphile-migrate's `current.sql`
/// come after the versioned files), version, then the name the runner sorts by, then the role
/// (a reversal right after its forward file), then the whole path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OrderKey {
    pub group: u8,
    pub version: Option<Version>,
    pub name: String,
    pub reversal: bool,
}

/// A file the runner runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub role: Role,
    /// The version the runner gives the file (used by `[check] after`), if it has one.
    pub version: Option<Version>,
    pub key: OrderKey,
}

/// What a runner makes of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    Migration(Migration),
    /// Not a migration for this runner (a seed file, a schema dump, a name the runner skips).
    Skipped(String),
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The directories between the migrations directory and the file.
fn dirs(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    parts.pop();
    parts
}

/// The leading digits of a name.
fn leading_digits(name: &str) -> &str {
    let end = name
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(name.len());
    &name[..end]
}

fn forward(version: Option<Version>, name: String, group: u8) -> Classified {
    Classified::Migration(Migration {
        role: Role::Forward,
        key: OrderKey {
            group,
            version: version.clone(),
            name,
            reversal: false,
        },
        version,
    })
}

fn reversal(version: Option<Version>, name: String) -> Classified {
    Classified::Migration(Migration {
        role: Role::Reversal,
        key: OrderKey {
            group: 0,
            version: version.clone(),
            name,
            reversal: true,
        },
        version,
    })
}

/// pgward's own order for plain folders (psql, `pgward apply`): the version at the start of the
/// file name (`20260107090000_x.sql`, `0002_x.sql`, Flyway-style `V1_1__x.sql`), compared as
/// integers, then files without a version by name.
pub fn plain_version(name: &str) -> Option<Version> {
    let bytes = name.as_bytes();
    if matches!(bytes.first(), Some(b'V' | b'v')) && bytes.get(1).is_some_and(u8::is_ascii_digit) {
        let rest = &name[1..];
        let end = rest
            .find("__")
            .or_else(|| rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')))
            .unwrap_or(rest.len());
        return Version::parse(&rest[..end]);
    }
    let digits = leading_digits(name);
    (!digits.is_empty()).then(|| Version(vec![Number::new(digits)]))
}

impl Runner {
    /// Classify a `.sql` file by its path relative to the migrations directory (for a file
    /// outside it: relative to the directory being walked, or just its name).
    pub fn classify(self, rel: &Path) -> Classified {
        let name = file_name(rel);
        let dirs = dirs(rel);
        let lower = name.to_ascii_lowercase();
        if !lower.ends_with(".sql") {
            return Classified::Skipped("not a .sql file".into());
        }
        match self {
            Runner::Psql | Runner::Pgward => {
                let group = if plain_version(&name).is_some() { 0 } else { 1 };
                forward(plain_version(&name), name, group)
            }
            Runner::Supabase => {
                let digits = leading_digits(&name);
                if !dirs.is_empty() {
                    Classified::Skipped(
                        "the Supabase CLI only runs files directly in supabase/migrations".into(),
                    )
                } else if digits.is_empty() || name.as_bytes().get(digits.len()) != Some(&b'_') {
                    Classified::Skipped(
                        "the Supabase CLI skips it: the name must match <timestamp>_name.sql"
                            .into(),
                    )
                } else {
                    // `fs.ReadDir` order: by file name.
                    forward(Some(Version(vec![Number::new(digits)])), name, 0)
                }
            }
            Runner::Diesel => {
                let Some(dir) = dirs.last().filter(|_| dirs.len() == 1) else {
                    return Classified::Skipped(
                        "diesel runs `<version>_<name>/up.sql` files only".into(),
                    );
                };
                let version = dir
                    .split('_')
                    .next()
                    .map(|v| v.replace('-', ""))
                    .and_then(|v| Version::parse(&v));
                match name.as_str() {
                    "up.sql" => forward(version, dir.clone(), 0),
                    "down.sql" => reversal(version, dir.clone()),
                    _ => Classified::Skipped(
                        "diesel runs up.sql (and down.sql to revert) only".into(),
                    ),
                }
            }
            Runner::Sqlx => {
                let Some((version, rest)) = name.split_once('_') else {
                    return Classified::Skipped(
                        "sqlx ignores it: the name must be <version>_<description>.sql".into(),
                    );
                };
                if !dirs.is_empty() {
                    return Classified::Skipped(
                        "sqlx only runs files directly in the migrations directory".into(),
                    );
                }
                let Some(v) = Version::parse(version).filter(|v| v.0.len() == 1) else {
                    return Classified::Skipped(
                        "sqlx refuses it: the version must be an integer".into(),
                    );
                };
                let stem = strip_direction(rest);
                if lower.ends_with(".down.sql") {
                    reversal(Some(v), format!("{version}_{stem}"))
                } else {
                    forward(Some(v), format!("{version}_{stem}"), 0)
                }
            }
            Runner::GolangMigrate => {
                if !dirs.is_empty() {
                    return Classified::Skipped(
                        "golang-migrate only runs files directly in the migrations directory"
                            .into(),
                    );
                }
                let digits = leading_digits(&name);
                let up = lower.ends_with(".up.sql");
                let down = lower.ends_with(".down.sql");
                if digits.is_empty()
                    || name.as_bytes().get(digits.len()) != Some(&b'_')
                    || !(up || down)
                {
                    return Classified::Skipped(
                        "golang-migrate ignores it: the name must be <version>_<title>.up.sql or .down.sql".into(),
                    );
                }
                let v = Some(Version(vec![Number::new(digits)]));
                let stem = format!("{digits}_{}", strip_direction(&name[digits.len() + 1..]));
                if up {
                    forward(v, stem, 0)
                } else {
                    reversal(v, stem)
                }
            }
            Runner::Prisma => {
                if name != "migration.sql" || dirs.len() != 1 {
                    return Classified::Skipped(
                        "Prisma runs `<timestamp>_<name>/migration.sql` files only".into(),
                    );
                }
                let dir = &dirs[0];
                let digits = leading_digits(dir);
                let v = (!digits.is_empty()).then(|| Version(vec![Number::new(digits)]));
                forward(v, dir.clone(), 0)
            }
            Runner::Flyway => {
                let prefix = name.as_bytes().first().copied();
                let Some(sep) = name.find("__") else {
                    return Classified::Skipped(
                        "Flyway ignores it: the name must be V<version>__<description>.sql, U…__ or R__…".into(),
                    );
                };
                match prefix {
                    Some(b'R') if sep == 1 => {
                        // Repeatables run after the versioned migrations, by description.
                        forward(None, name[sep + 2..].to_string(), 1)
                    }
                    Some(p @ (b'V' | b'U')) => {
                        let Some(v) = Version::parse(&name[1..sep]) else {
                            return Classified::Skipped(
                                "Flyway ignores it: the version must be numbers separated by . or _"
                                    .into(),
                            );
                        };
                        if p == b'V' {
                            forward(Some(v), name, 0)
                        } else {
                            reversal(Some(v), name)
                        }
                    }
                    _ => Classified::Skipped(
                        "Flyway ignores it: the name must start with V, U or R__".into(),
                    ),
                }
            }
            Runner::Dbmate => {
                if !dirs.is_empty() {
                    return Classified::Skipped(
                        "dbmate only runs files directly in db/migrations".into(),
                    );
                }
                let digits = leading_digits(&name);
                if digits.is_empty() {
                    return Classified::Skipped(
                        "dbmate ignores it: the name must start with a version number".into(),
                    );
                }
                // dbmate sorts by file name.
                forward(Some(Version(vec![Number::new(digits)])), name, 0)
            }
            Runner::GraphileMigrate => {
                let dir = dirs.last().map(String::as_str);
                if dirs.len() == 1 && dir == Some("committed") {
                    let digits = leading_digits(&name);
                    let rest = &name[digits.len()..];
                    if digits.is_empty() || !(rest == ".sql" || rest.starts_with('-')) {
                        return Classified::Skipped(
                            "graphile-migrate ignores it: committed migrations are <number>[-message].sql".into(),
                        );
                    }
                    forward(Some(Version(vec![Number::new(digits)])), name, 0)
                } else if dirs.is_empty() && name == "current.sql"
                    || dirs.len() == 1 && dir == Some("current")
                {
                    forward(None, rel.to_string_lossy().into_owned(), 1)
                } else {
                    Classified::Skipped(
                        "graphile-migrate runs committed/*.sql and current.sql only".into(),
                    )
                }
            }
        }
    }

    /// Classify a file for ordering when it was named explicitly: a file the runner would skip
    /// is still checked, after the migrations, in name order.
    pub fn classify_named(self, rel: &Path) -> Migration {
        match self.classify(rel) {
            Classified::Migration(m) => m,
            Classified::Skipped(_) => {
                let name = file_name(rel);
                Migration {
                    role: Role::Forward,
                    version: None,
                    key: OrderKey {
                        group: 2,
                        version: None,
                        name,
                        reversal: false,
                    },
                }
            }
        }
    }
}

/// `x.up.sql` / `x.down.sql` / `x.sql` → `x`.
fn strip_direction(name: &str) -> &str {
    let lower = name.to_ascii_lowercase();
    for suffix in [".up.sql", ".down.sql", ".sql"] {
        if lower.ends_with(suffix) {
            return &name[..name.len() - suffix.len()];
        }
    }
    name
}

/// A part of a file with its own role: a dbmate file holds `-- migrate:up` and `-- migrate:down`
/// sections; every other runner's file is one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Byte range in the file's text.
    pub range: Range<usize>,
    pub role: Role,
    /// `transaction:false` on the section's directive (dbmate).
    pub no_transaction: bool,
}

/// The byte ranges of a file that undo a migration, and must not be replayed. For dbmate the
/// `-- migrate:down` sections; for a reversal file the whole text; else nothing.
pub fn sections(runner: Runner, role: Role, text: &str) -> Vec<Section> {
    if runner != Runner::Dbmate {
        return vec![Section {
            range: 0..text.len(),
            role,
            no_transaction: false,
        }];
    }
    // `(?m)^--\s*migrate:(up|down)(\s*$|\s+\S+)`: a directive line, options after it.
    let mut directives: Vec<(usize, Role, bool)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some((dir_role, options)) = dbmate_directive(line) {
            let no_tx = options
                .split_whitespace()
                .any(|o| o.eq_ignore_ascii_case("transaction:false"));
            directives.push((offset, dir_role, no_tx));
        }
        offset += line.len();
    }
    if directives.is_empty() {
        // dbmate refuses such a file; check it as one forward section.
        return vec![Section {
            range: 0..text.len(),
            role: Role::Forward,
            no_transaction: false,
        }];
    }
    let mut out = Vec::new();
    if directives[0].0 > 0 {
        out.push(Section {
            range: 0..directives[0].0,
            role: Role::Forward,
            no_transaction: false,
        });
    }
    for (i, &(start, role, no_tx)) in directives.iter().enumerate() {
        let end = directives.get(i + 1).map_or(text.len(), |d| d.0);
        out.push(Section {
            range: start..end,
            role,
            no_transaction: no_tx,
        });
    }
    out
}

/// `-- migrate:up transaction:false` → `(Forward, "transaction:false")`.
fn dbmate_directive(line: &str) -> Option<(Role, &str)> {
    let rest = line.strip_prefix("--")?.trim_start();
    let (role, rest) = if let Some(r) = rest.strip_prefix("migrate:up") {
        (Role::Forward, r)
    } else if let Some(r) = rest.strip_prefix("migrate:down") {
        (Role::Reversal, r)
    } else {
        return None;
    };
    // The directive must end there or be followed by whitespace (`migrate:upx` is not one).
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    Some((role, rest.trim()))
}

/// How a file runs: the runner's wrapping, unless the file (or a file beside it) opts out.
/// `path` is where the file lives on disk (for diesel's `metadata.toml` and Flyway's
/// `<file>.sql.conf`); `text` its contents.
pub fn execution(runner: Runner, path: Option<&Path>, text: &str) -> Execution {
    let marker = match runner {
        Runner::Pgward => crate::syntax::markers::text_has_no_transaction(text)
            .then(|| crate::syntax::markers::NO_TRANSACTION.to_string()),
        Runner::Sqlx => text
            .starts_with("-- no-transaction")
            .then(|| "-- no-transaction".to_string()),
        Runner::Dbmate => sections(runner, Role::Forward, text)
            .iter()
            .find(|s| s.role == Role::Forward && s.range.start < text.len())
            .filter(|s| s.no_transaction)
            .map(|_| "-- migrate:up transaction:false".to_string()),
        Runner::GraphileMigrate => {
            graphile_no_transaction(text).then(|| "--! no-transaction".to_string())
        }
        Runner::Diesel => path
            .and_then(Path::parent)
            .map(|dir| dir.join("metadata.toml"))
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| t.parse::<toml::Table>().ok())
            .filter(|t| t.get("run_in_transaction").and_then(toml::Value::as_bool) == Some(false))
            .map(|_| "metadata.toml: run_in_transaction = false".to_string()),
        Runner::Flyway => path
            .map(|p| {
                let mut conf = p.as_os_str().to_owned();
                conf.push(".conf");
                conf
            })
            .and_then(|p| std::fs::read_to_string(p).ok())
            .filter(|t| {
                t.lines().any(|l| {
                    let compact: String = l.split_whitespace().collect();
                    compact.eq_ignore_ascii_case("executeInTransaction=false")
                })
            })
            .map(|_| "executeInTransaction=false".to_string()),
        Runner::Supabase | Runner::Psql | Runner::Prisma | Runner::GolangMigrate => None,
    };
    match marker {
        Some(m) => Execution::opted_out(runner, m),
        None => Execution::new(runner),
    }
}

/// graphile-migrate: the first line of the migration body is `--! no-transaction`; a committed
/// file's `--! Previous:`/`--! Hash:`/`--! Message:` headers and the blank line after them come
/// first.
fn graphile_no_transaction(text: &str) -> bool {
    let mut lines = text.lines().peekable();
    let is_header = |l: &str| {
        l.strip_prefix("--! ").is_some_and(|rest| {
            let word: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            word.starts_with(|c: char| c.is_ascii_uppercase())
        })
    };
    if lines.peek().is_some_and(|l| is_header(l)) {
        while lines.peek().is_some_and(|l| !l.trim().is_empty()) {
            lines.next();
        }
        while lines.peek().is_some_and(|l| l.trim().is_empty()) {
            lines.next();
        }
    }
    lines.next().is_some_and(|first| {
        first.strip_prefix("--!").is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.strip_prefix("no-transaction").is_some_and(|after| {
                !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn key(runner: Runner, rel: &str) -> Option<OrderKey> {
        match runner.classify(&PathBuf::from(rel)) {
            Classified::Migration(m) => Some(m.key),
            Classified::Skipped(_) => None,
        }
    }

    fn role(runner: Runner, rel: &str) -> Option<Role> {
        match runner.classify(&PathBuf::from(rel)) {
            Classified::Migration(m) => Some(m.role),
            Classified::Skipped(_) => None,
        }
    }

    #[test]
    fn diesel_versions_drop_dashes_and_down_follows_up() {
        let up = key(Runner::Diesel, "2024-01-10-120000_create_users/up.sql").unwrap();
        let down = key(Runner::Diesel, "2024-01-10-120000_create_users/down.sql").unwrap();
        let next = key(Runner::Diesel, "2024-01-12-093000_create_posts/up.sql").unwrap();
        let setup = key(Runner::Diesel, "00000000000000_diesel_initial_setup/up.sql").unwrap();
        assert!(setup < up && up < down && down < next);
        assert_eq!(up.version, Version::parse("20240110120000"));
        assert_eq!(
            role(Runner::Diesel, "2024-01-10-120000_create_users/down.sql"),
            Some(Role::Reversal)
        );
        assert_eq!(role(Runner::Diesel, "x/other.sql"), None);
        assert_eq!(role(Runner::Diesel, "up.sql"), None);
    }

    #[test]
    fn sqlx_and_golang_migrate_pairs() {
        for runner in [Runner::Sqlx, Runner::GolangMigrate] {
            let up = key(runner, "20240110120000_create_accounts.up.sql").unwrap();
            let down = key(runner, "20240110120000_create_accounts.down.sql").unwrap();
            let next = key(runner, "20240112090000_create_todos.up.sql").unwrap();
            assert!(up < down && down < next, "{runner}");
            assert_eq!(
                role(runner, "20240110120000_create_accounts.down.sql"),
                Some(Role::Reversal)
            );
        }
        // sqlx: plain files too; integers, not text, decide the order.
        assert!(key(Runner::Sqlx, "2_b.sql").unwrap() < key(Runner::Sqlx, "10_a.sql").unwrap());
        assert_eq!(role(Runner::Sqlx, "readme.sql"), None);
        assert_eq!(role(Runner::GolangMigrate, "1_plain.sql"), None);
    }

    #[test]
    fn flyway_versions_undo_and_repeatables() {
        let v1 = key(Runner::Flyway, "V1__init.sql").unwrap();
        let v1_1 = key(Runner::Flyway, "V1.1__stock.sql").unwrap();
        let v2 = key(Runner::Flyway, "V2__moves.sql").unwrap();
        let v10 = key(Runner::Flyway, "V10__weight.sql").unwrap();
        let r = key(Runner::Flyway, "R__views.sql").unwrap();
        assert!(v1 < v1_1 && v1_1 < v2 && v2 < v10 && v10 < r);
        assert_eq!(role(Runner::Flyway, "U2__moves.sql"), Some(Role::Reversal));
        assert_eq!(
            role(Runner::Flyway, "sub/dir/V3__x.sql"),
            Some(Role::Forward)
        );
        assert_eq!(role(Runner::Flyway, "notes.sql"), None);
    }

    #[test]
    fn supabase_skips_what_the_cli_skips() {
        assert!(role(Runner::Supabase, "20240110093000_init.sql").is_some());
        assert_eq!(role(Runner::Supabase, "seed.sql"), None);
        assert_eq!(role(Runner::Supabase, "20240110093000.sql"), None);
        assert_eq!(role(Runner::Supabase, "old/20240110093000_x.sql"), None);
    }

    #[test]
    fn prisma_graphile_dbmate() {
        assert!(role(Runner::Prisma, "20240110120000_init/migration.sql").is_some());
        assert_eq!(role(Runner::Prisma, "migration.sql"), None);
        let c1 = key(Runner::GraphileMigrate, "committed/000001-topics.sql").unwrap();
        let c2 = key(Runner::GraphileMigrate, "committed/000002.sql").unwrap();
        let cur = key(Runner::GraphileMigrate, "current.sql").unwrap();
        assert!(c1 < c2 && c2 < cur);
        assert_eq!(role(Runner::Dbmate, "schema.sql"), None);
        assert!(role(Runner::Dbmate, "20240110120000_create_guests.sql").is_some());
    }

    #[test]
    fn dbmate_sections_split_up_and_down() {
        let text = "-- migrate:up\ncreate table a (id int);\n\n-- migrate:down\ndrop table a;\n-- migrate:up transaction:false\ncreate index concurrently i on a (id);\n-- migrate:down\ndrop index i;\n";
        let s = sections(Runner::Dbmate, Role::Forward, text);
        let roles: Vec<Role> = s.iter().map(|s| s.role).collect();
        assert_eq!(
            roles,
            [Role::Forward, Role::Reversal, Role::Forward, Role::Reversal]
        );
        assert!(text[s[1].range.clone()].contains("drop table a"));
        assert!(s[2].no_transaction && !s[0].no_transaction);
        // `-- migrate:upx` is not a directive.
        assert_eq!(
            sections(Runner::Dbmate, Role::Forward, "-- migrate:upx\n").len(),
            1
        );
    }

    #[test]
    fn opt_out_markers() {
        let exec = |r: Runner, text: &str| execution(r, None, text).opted_out;
        assert!(
            exec(
                Runner::Sqlx,
                "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);"
            )
            .is_some()
        );
        assert!(exec(Runner::Sqlx, "\n-- no-transaction\n").is_none());
        assert!(
            exec(
                Runner::Dbmate,
                "-- migrate:up transaction:false\nx;\n-- migrate:down\ny;\n"
            )
            .is_some()
        );
        assert!(
            exec(
                Runner::Dbmate,
                "-- migrate:up\nx;\n-- migrate:down transaction:false\ny;\n"
            )
            .is_none()
        );
        assert!(exec(
            Runner::GraphileMigrate,
            "--! Previous: -\n--! Hash: sha1:abc\n\n--! no-transaction\ncreate index concurrently i on t (a);\n"
        )
        .is_some());
        assert!(exec(Runner::GraphileMigrate, "--! no-transaction\nselect 1;\n").is_some());
        assert!(exec(Runner::GraphileMigrate, "select 1;\n--! no-transaction\n").is_none());
        assert!(exec(Runner::Pgward, "-- pgward: no-transaction\nVACUUM;").is_some());
        assert_eq!(
            execution(
                Runner::Supabase,
                None,
                "create index concurrently i on t (a);"
            )
            .wrapping,
            super::super::Wrapping::Transaction
        );
    }

    #[test]
    fn diesel_metadata_and_flyway_conf_opt_out() {
        let dir = std::env::temp_dir().join(format!("pgward-layout-{}", std::process::id()));
        let mig = dir.join("2024-01-01-000000_idx");
        std::fs::create_dir_all(&mig).unwrap();
        std::fs::write(mig.join("metadata.toml"), "run_in_transaction = false\n").unwrap();
        let up = mig.join("up.sql");
        assert!(execution(Runner::Diesel, Some(&up), "").opted_out.is_some());
        std::fs::write(mig.join("metadata.toml"), "run_in_transaction = true\n").unwrap();
        assert!(execution(Runner::Diesel, Some(&up), "").opted_out.is_none());
        let v3 = dir.join("V3__idx.sql");
        std::fs::write(
            dir.join("V3__idx.sql.conf"),
            "executeInTransaction = false\n",
        )
        .unwrap();
        assert!(execution(Runner::Flyway, Some(&v3), "").opted_out.is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
