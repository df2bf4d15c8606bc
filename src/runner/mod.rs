//! The tool that runs the migrations (`runner` in `pgward.toml`): which files are migrations, in
//! which order, which are reversals, whether each file runs inside a transaction the runner
//! opens, which statements the runner takes out of that transaction, and whether it sets a
//! lock timeout.
//!
//! Every fact here is read from the runner's own source or documentation; `docs/runners.md`
//! cites them. This module is the one owner of those facts: discovery, the rules, `apply` and
//! the language server all ask it.

pub mod detect;
pub mod extensions;
pub mod layout;
pub mod supabase;

use crate::syntax::{ObjectKind, Statement, Stmt};
use std::fmt;
use std::str::FromStr;

/// A migration runner pgward knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Runner {
    Supabase,
    Psql,
    Pgward,
    Diesel,
    Sqlx,
    Prisma,
    Flyway,
    GolangMigrate,
    Dbmate,
    GraphileMigrate,
}

impl Runner {
    pub const ALL: [Runner; 10] = [
        Runner::Supabase,
        Runner::Psql,
        Runner::Pgward,
        Runner::Diesel,
        Runner::Sqlx,
        Runner::Prisma,
        Runner::Flyway,
        Runner::GolangMigrate,
        Runner::Dbmate,
        Runner::GraphileMigrate,
    ];

    /// The value of the `runner` key.
    pub fn id(self) -> &'static str {
        match self {
            Runner::Supabase => "supabase",
            Runner::Psql => "psql",
            Runner::Pgward => "pgward",
            Runner::Diesel => "diesel",
            Runner::Sqlx => "sqlx",
            Runner::Prisma => "prisma",
            Runner::Flyway => "flyway",
            Runner::GolangMigrate => "golang-migrate",
            Runner::Dbmate => "dbmate",
            Runner::GraphileMigrate => "graphile-migrate",
        }
    }

    /// How messages name the tool.
    pub fn display_name(self) -> &'static str {
        match self {
            Runner::Supabase => "the Supabase CLI",
            Runner::Psql => "psql",
            Runner::Pgward => "pgward apply",
            Runner::Diesel => "diesel",
            Runner::Sqlx => "sqlx",
            Runner::Prisma => "Prisma Migrate",
            Runner::Flyway => "Flyway",
            Runner::GolangMigrate => "golang-migrate",
            Runner::Dbmate => "dbmate",
            Runner::GraphileMigrate => "graphile-migrate",
        }
    }

    /// The migrations directory the tool uses by default, relative to the project root.
    pub fn default_migrations_dir(self) -> Option<&'static str> {
        match self {
            Runner::Supabase => Some("supabase/migrations"),
            Runner::Diesel | Runner::Sqlx | Runner::GraphileMigrate => Some("migrations"),
            Runner::Prisma => Some("prisma/migrations"),
            Runner::Flyway => Some("src/main/resources/db/migration"),
            Runner::Dbmate => Some("db/migrations"),
            Runner::Psql | Runner::Pgward | Runner::GolangMigrate => None,
        }
    }

    /// Whether the runner opens a transaction around each file it runs (before any opt-out
    /// marker): true for all but psql (autocommit) and Prisma (each statement on its own since
    /// Prisma 7.4). golang-migrate's transaction is implicit: see [`Wrapping`].
    pub fn wrapping(self) -> Wrapping {
        match self {
            Runner::Psql => Wrapping::None,
            Runner::Prisma => Wrapping::None,
            Runner::GolangMigrate => Wrapping::Implicit,
            _ => Wrapping::Transaction,
        }
    }

    /// Whether the runner sets `lock_timeout` itself before it runs a file. Only `pgward apply`
    /// does (`--lock-timeout`); none of the other tools sets one (docs/runners.md).
    pub fn sets_lock_timeout(self) -> bool {
        matches!(self, Runner::Pgward)
    }

    /// Whether the runner records applied files and never runs one twice (everything but psql).
    /// A file that ran atomically therefore never meets its own leftovers.
    pub fn records_history(self) -> bool {
        !matches!(self, Runner::Psql)
    }

    /// Whether the runner takes this statement out of the file's transaction and runs it alone.
    /// Only the Supabase CLI does (since v2.109: supabase/cli#5671, #6276): `CREATE [UNIQUE]
    /// INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`, `VACUUM`,
    /// `ALTER SYSTEM`, `CLUSTER`.
    pub fn takes_out(self, stmt: &Statement) -> bool {
        if self != Runner::Supabase || stmt.context.in_do_block.is_some() {
            return false;
        }
        match &stmt.kind {
            Stmt::CreateIndex(ci) => ci.concurrently,
            Stmt::Drop(d) => d.concurrently && d.kind == ObjectKind::Index,
            Stmt::Reindex { concurrently, .. } => *concurrently,
            Stmt::Vacuum | Stmt::AlterSystem => true,
            Stmt::Other { keyword } => keyword.split_whitespace().next() == Some("CLUSTER"),
            _ => false,
        }
    }

    /// Flyway's own list of statements that cannot run in a transaction
    /// (`PostgreSQLParser.detectCanExecuteInTransaction`): a file with one of them runs without
    /// a transaction, and a file that mixes them with other statements is refused.
    pub fn flyway_non_transactional(stmt: &Statement) -> bool {
        if stmt.context.in_do_block.is_some() {
            return false;
        }
        match &stmt.kind {
            Stmt::CreateIndex(ci) => ci.concurrently,
            Stmt::Drop(d) => {
                (d.concurrently && d.kind == ObjectKind::Index)
                    || matches!(d.kind, ObjectKind::Database | ObjectKind::Tablespace)
            }
            Stmt::Reindex { many_tables, .. } => many_tables.is_some(),
            Stmt::Vacuum | Stmt::AlterSystem | Stmt::CreateDatabase | Stmt::CreateTablespace => {
                true
            }
            Stmt::Other { keyword } => {
                let mut words = keyword.split_whitespace();
                matches!(
                    (words.next(), words.next()),
                    (Some("DISCARD"), Some("ALL"))
                        | (Some("CREATE" | "DROP"), Some("SUBSCRIPTION"))
                )
            }
            _ => false,
        }
    }
}

impl fmt::Display for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A `runner` value that is not one of [`Runner::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRunner(pub String);

impl fmt::Display for UnknownRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = Runner::ALL.iter().map(|r| r.id()).collect();
        write!(
            f,
            "unknown runner `{}`, expected one of: {}",
            self.0,
            ids.join(", ")
        )
    }
}

impl std::error::Error for UnknownRunner {}

impl FromStr for Runner {
    type Err = UnknownRunner;
    fn from_str(s: &str) -> Result<Runner, UnknownRunner> {
        Runner::ALL
            .into_iter()
            .find(|r| r.id() == s)
            .ok_or_else(|| UnknownRunner(s.to_string()))
    }
}

impl<'de> serde::Deserialize<'de> for Runner {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Runner, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How a runner runs the forward part of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapping {
    /// Inside one transaction the runner opens (and commits) itself.
    Transaction,
    /// Sent as one multi-statement query: PostgreSQL runs it as one implicit transaction when it
    /// has more than one statement; a file of one statement runs outside any transaction block
    /// (golang-migrate).
    Implicit,
    /// No transaction: each statement commits on its own unless the file says `BEGIN`/`COMMIT`.
    None,
}

/// How one file runs under its runner: the runner's wrapping, after the file's opt-out marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub runner: Runner,
    pub wrapping: Wrapping,
    /// The marker that turned the runner's transaction off (`-- no-transaction`,
    /// `metadata.toml: run_in_transaction = false`, …), as the user wrote it.
    pub opted_out: Option<String>,
    /// The wrapping comes from `assume_in_transaction = true`, not from the runner.
    pub assumed: bool,
}

impl Execution {
    /// A file run by `runner` without an opt-out.
    pub fn new(runner: Runner) -> Execution {
        Execution {
            runner,
            wrapping: runner.wrapping(),
            opted_out: None,
            assumed: false,
        }
    }

    /// The same file, opted out of the runner's transaction by `marker`.
    pub fn opted_out(runner: Runner, marker: impl Into<String>) -> Execution {
        Execution {
            runner,
            wrapping: Wrapping::None,
            opted_out: Some(marker.into()),
            assumed: false,
        }
    }

    /// Whether the runner itself wraps the file (explicitly or implicitly).
    pub fn runner_wraps(&self) -> bool {
        self.wrapping != Wrapping::None
    }

    /// Why the file runs inside a transaction it did not open, for messages.
    pub fn why_wrapped(&self) -> String {
        if self.assumed {
            return "assume_in_transaction = true: the runner wraps this file in a transaction"
                .to_string();
        }
        match self.wrapping {
            Wrapping::Implicit => format!(
                "{} sends the file as one multi-statement query, which PostgreSQL runs as one implicit transaction",
                self.runner.display_name()
            ),
            _ => format!(
                "{} (runner = \"{}\") runs each migration file inside a transaction",
                self.runner.display_name(),
                self.runner.id()
            ),
        }
    }

    /// How to opt a file out of the runner's transaction, for help texts (`None`: a file
    /// without BEGIN/COMMIT already runs outside one).
    pub fn opt_out_hint(&self) -> Option<&'static str> {
        if self.assumed {
            return Some("mark it `-- pgward: no-transaction`");
        }
        Some(match self.runner {
            Runner::Pgward => "mark it `-- pgward: no-transaction`",
            Runner::Diesel => {
                "give its directory a `metadata.toml` with `run_in_transaction = false`"
            }
            Runner::Sqlx => "start the file with the line `-- no-transaction`",
            Runner::Dbmate => "write `-- migrate:up transaction:false`",
            Runner::GraphileMigrate => {
                "start the migration with `--! no-transaction` (one statement only)"
            }
            Runner::Flyway => {
                "keep it alone in its file: Flyway then runs the file without a transaction"
            }
            Runner::GolangMigrate => "keep it alone in its own migration file",
            Runner::Supabase => "keep it in its own migration file",
            Runner::Psql | Runner::Prisma => return None,
        })
    }
}

/// What pgward learned about the repository around the config: the runner its files show, and
/// for Supabase projects what `supabase/config.toml` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    /// The directory the facts were read from.
    pub root: Option<std::path::PathBuf>,
    pub detected: Option<detect::Detection>,
    /// `supabase/config.toml` (defaults when the file is missing); read for Supabase projects.
    pub supabase: Option<supabase::ProjectConfig>,
}

impl Project {
    /// Read the facts below `root`. `runner` is the configured runner, if any (detection then
    /// only fills in the migrations directory). Errors are for files that exist and are broken.
    pub fn read(root: &std::path::Path, runner: Option<Runner>) -> Result<Project, String> {
        let detected = detect::detect(root);
        let effective = runner.or(detected.as_ref().map(|d| d.runner));
        let supabase = if effective == Some(Runner::Supabase) {
            Some(supabase::read_project_config(root).map_err(|e| e.message)?)
        } else {
            None
        };
        Ok(Project {
            root: Some(root.to_path_buf()),
            detected,
            supabase,
        })
    }
}
