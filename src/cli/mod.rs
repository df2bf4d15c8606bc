//! The command line: clap definitions and what each command does. It lives in the library so
//! `main.rs` stays a one-liner and other commands (`apply`, `lsp`) can reuse the pieces:
//! [`load_config`], [`ColorChoice::resolve`], exit codes. One file per command (`check.rs`,
//! `rule.rs`, `init.rs`); `config.rs` loads the config and checks rule ids for every command.

mod check;
mod config;
mod fix;
mod init;
mod rule;

pub use check::{CheckArgs, FailOn, exit_status};
pub use config::{config_error_message, load_config, validate_rule_ids};
pub use init::InitArgs;
pub use rule::RuleArgs;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::{self, IsTerminal};
use std::process::ExitCode;

/// No diagnostic at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Some diagnostic at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Usage, config or I/O error (wins over findings).
pub const EXIT_ERROR: u8 = 2;

const ABOUT: &str = "Lint and safely apply PostgreSQL / Supabase migrations";

const LONG_ABOUT: &str = "\
pgward checks PostgreSQL and Supabase migrations before they reach a database: protected tables
that get dropped, files that do not run in one transaction, statements that fail on a re-run,
policies that collide with ones created three files ago, tables without row level security.
It replays the whole migration set into a schema model, so rules know what earlier files built.";

#[derive(Debug, Parser)]
#[command(
    name = "pgward",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_long_help = "Run `pgward <COMMAND> --help` for the options of a command, and \
                       `pgward rule` for the list of rules.",
    propagate_version = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check migration files and report problems
    #[command(long_about = check::LONG_ABOUT, after_long_help = check::AFTER_LONG_HELP)]
    Check(CheckArgs),
    /// List the rules, or print the documentation of one
    #[command(
        long_about = "List every rule with its default severity and a one-line summary, or, \
                      given a rule id, print its documentation: what it does, why it matters, \
                      an example and what to write instead.",
        after_long_help = "Examples:\n  pgward rule\n  pgward rule protected-table-drop"
    )]
    Rule(RuleArgs),
    /// Write a commented starter pgward.toml in the current directory
    #[command(
        long_about = "Write a commented starter pgward.toml in the current directory, with every \
                      key explained and defaults for a Supabase project. An existing pgward.toml \
                      is never overwritten (exit status 2)."
    )]
    Init(InitArgs),
    /// Apply pending migrations to a database: lint gate, lock, pre-flight, backup, export,
    /// one transaction per file, verification, history
    #[command(after_help = APPLY_AFTER_HELP)]
    Apply(crate::apply::cli::ApplyArgs),
    /// Show which migration files are applied, pending or modified in a database
    #[command(
        after_help = "Exit status: 0, or 1 when an applied file was modified since (apply would \
                      refuse); 2 for usage, config or connection errors."
    )]
    Status(crate::apply::cli::StatusArgs),
    /// Run the language server on stdin/stdout (for editors)
    #[command(
        long_about = "Run pgward as a language server (LSP) on stdin/stdout: diagnostics as you \
                      type, code actions to ignore a rule or apply its fix, and the rule's doc on \
                      hover. Editors start it themselves; see the README (Integrations) for Neovim, \
                      Helix and VS Code.",
        after_long_help = "Example (Neovim):\n  vim.lsp.start({ name = \"pgward\", cmd = { \"pgward\", \"lsp\" } })"
    )]
    Lsp,
}

const APPLY_AFTER_HELP: &str = "\
Each pending file runs in its own transaction (its own BEGIN/COMMIT are not sent); files marked
`-- pgward: no-transaction` run statement by statement and resume after a failure.
The password is never printed; pg_dump gets it through PGPASSWORD.

Exit status: 0 applied (or nothing pending, or a dry run that passed); 1 refused (lint gate,
drift, pre-flight, backup, lock wait) or failed and rolled back; 2 usage, config or connection error.";

/// When to colour the human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is not set
    Auto,
    /// Always colour (also when piped; overrides NO_COLOR)
    Always,
    /// Never colour
    Never,
}

impl ColorChoice {
    /// Whether to emit ANSI colour on stdout.
    pub fn resolve(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
                !no_color && !dumb && io::stdout().is_terminal()
            }
        }
    }
}
/// Parse the process arguments, run the command, return the exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(run(cli))
}

/// Run a parsed command line; returns the exit status.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Rule(args) => rule::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Apply(args) => code_to_status(crate::apply::cli::run_apply(&args)),
        Command::Status(args) => code_to_status(crate::apply::cli::run_status(&args)),
        // 0 after shutdown + exit, 1 otherwise (the LSP spec's exit codes).
        Command::Lsp => u8::try_from(crate::lsp::run_stdio()).unwrap_or(1),
    }
}

/// An `i32` exit code as the process status (anything out of range is a usage error).
fn code_to_status(code: i32) -> u8 {
    u8::try_from(code).unwrap_or(2)
}

/// Print `pgward: error: …` on stderr.
pub fn error(message: impl std::fmt::Display) {
    eprintln!("pgward: error: {message}");
}

/// Print `pgward: warning: …` on stderr.
pub fn warning(message: impl std::fmt::Display) {
    eprintln!("pgward: warning: {message}");
}
pub(crate) fn usage_of(subcommand: &str) -> String {
    let mut cmd = Cli::command();
    // Building fills in the full name (`pgward check`) used by the usage line.
    cmd.build();
    match cmd.find_subcommand_mut(subcommand) {
        Some(sub) => sub.render_usage().to_string(),
        None => cmd.render_usage().to_string(),
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
