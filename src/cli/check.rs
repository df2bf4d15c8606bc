//! `pgward check`: its arguments, the run, `--show-files`, the exit status.

use super::fix;
use super::{
    ColorChoice, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, error, load_config, usage_of,
    validate_rule_ids, warning,
};
use crate::config::Config;
use crate::diagnostic::Severity;
use crate::discover::{self, InputError, StdinInput, display_name};
use crate::engine;
use crate::report::{self, Format, ReportOptions};
use crate::syntax::PgVersion;
use clap::builder::TypedValueParser as _;
use clap::{Args, ValueEnum};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub(super) const LONG_ABOUT: &str = "\
Check migration files and report problems.

PATHS are files, directories (every *.sql file below them, recursively) or glob patterns that
pgward expands itself (quote them: 'supabase/migrations/*.sql'). `-` reads standard input. With no
PATHS, `migrations_dir` from pgward.toml is checked.

Files are checked in migration order: by the version number at the start of the file name,
compared as an integer (20260107090000_add_clients.sql, V2__x.sql, 0002_x.sql; 10_x.sql comes
after 2_x.sql), then files without a version, by name.

When the named files lie inside the configured `migrations_dir`, the rest of that directory is
loaded as context (schema-aware rules see what earlier migrations built), but only the named
files are reported. This is what pre-commit hooks and editors need.";

pub(super) const AFTER_LONG_HELP: &str = "\
Examples:
  pgward check                                   check `migrations_dir` from pgward.toml
  pgward check supabase/migrations               a directory, recursively
  pgward check 'supabase/migrations/2026*.sql'   a glob pattern, expanded by pgward
  pgward check supabase/migrations/20260107090000_add_clients.sql
                                                 one file, with the rest of the set as context
  pgward check --format json > diagnostics.json  machine-readable output
  pgward check --fail-on warning                 fail CI on warnings too
  pgward check --select protected-table-drop,transaction-wrapper
  pgward check --protect users --protect 'billing_*' migrations/
  cat new.sql | pgward check - --stdin-filename supabase/migrations/20260201000000_new.sql

Silence a rule for one statement with a comment directly above it (or at the end of its last
line), and for a whole file with pgward-ignore-file:
  -- pgward-ignore protected-table-drop -- the v1 users table is replaced in 0042
  DROP TABLE users;
  -- pgward-ignore-file transaction-wrapper

Exit status:
  0  no diagnostic at or above --fail-on
  1  at least one diagnostic at or above --fail-on
  2  usage, configuration or I/O error (a file that cannot be read, invalid UTF-8, ...)";

/// The lowest severity that makes `check` exit with status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only errors fail
    Error,
    /// Errors and warnings fail
    Warning,
    /// Any diagnostic fails
    Info,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    clap::builder::PossibleValuesParser::new(Format::ALL.iter().map(|(name, _)| *name))
        .map(|name| name.parse::<Format>().unwrap_or(Format::Human))
}

fn threads_parser(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{s}` is not a positive number of threads")),
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files, directories or glob patterns to check; `-` reads standard input
    ///
    /// Directories are searched recursively for *.sql files (hidden directories are skipped).
    /// Glob patterns are expanded by pgward, so quote them. Without PATHS, `migrations_dir`
    /// from pgward.toml is checked.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<String>,

    /// Name of the file read from standard input (for messages, config and context)
    ///
    /// When the name lies inside `migrations_dir`, the buffer replaces the file of that name in
    /// the set, and the rest of the set is loaded as context. Implies `-` when no PATHS are given.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Only run these rules (comma-separated ids; replaces `[rules] select`)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Also run these rules (comma-separated ids; added to `[rules] extend_select`)
    ///
    /// How off-by-default rules (`prefer-text`, …) are turned on without listing every other
    /// rule.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub extend_select: Vec<String>,

    /// Do not run these rules (comma-separated ids; added to `[rules] ignore`)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Treat TABLE as protected (repeatable; added to `[protected] tables`)
    ///
    /// A name or glob, optionally schema-qualified (`users`, `billing_*`, `app.accounts`); an
    /// unqualified name means `public`.
    #[arg(long, value_name = "TABLE")]
    pub protect: Vec<String>,

    /// Use this config file instead of searching for pgward.toml
    ///
    /// Without it, pgward.toml is searched in the current directory and its parents.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// PostgreSQL major version the migrations run on (14 to 18; replaces `postgres_version`)
    ///
    /// Syntax newer than this version is a parse-error [default: 15, the oldest major
    /// Supabase still runs].
    #[arg(long, value_name = "VERSION", value_parser = PgVersion::parse)]
    pub pg_version: Option<PgVersion>,

    /// Output format
    ///
    /// `human`: compiler-style messages with the source lines, and a summary.
    ///
    /// `json`: a JSON array, one object per diagnostic (file, rule, severity, message, line,
    /// column, end_line, end_column, help, related); lines and columns are 1-based characters,
    /// the end is exclusive.
    ///
    /// `gcc`: `path:line:col: severity: message [rule-id]` lines for problem matchers.
    ///
    /// `github`: GitHub Actions annotations (`::error file=…`), then the human report.
    ///
    /// `sarif`: SARIF 2.1.0 for GitHub code scanning.
    ///
    /// `lsp`: a JSON array of LSP PublishDiagnosticsParams, one per file.
    ///
    /// `rdjsonl`: reviewdog's diagnostic format, one JSON object per line.
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = format_parser())]
    pub format: Format,

    /// Exit with status 1 when a diagnostic of this severity or higher is reported
    #[arg(long, value_name = "SEVERITY", value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// When to use colour in the human output (NO_COLOR=1 turns off `auto`)
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print diagnostics only: no summary, no warnings about empty directories
    #[arg(short, long)]
    pub quiet: bool,

    /// Print the files that would be checked, in migration order, and exit
    ///
    /// Files loaded only as context (the rest of `migrations_dir`) are marked `(context)`.
    #[arg(long)]
    pub show_files: bool,

    /// Neither read nor write the cache
    ///
    /// The cache keeps the schema replayed from the unchanged context files (the rest of
    /// `migrations_dir` before the named files), so checking a new file in a big set does not
    /// re-read every migration. It lives in `.pgward_cache/` beside pgward.toml, or in
    /// `$XDG_CACHE_HOME/pgward` (`~/.cache/pgward`) without a config; a damaged or foreign
    /// cache is ignored and rebuilt.
    #[arg(long)]
    pub no_cache: bool,

    /// Apply the safe fixes of the findings to the files, then report what is left
    ///
    /// The fixes the language server offers as quick fixes; a fix that could make the file fail
    /// (a schema that may not exist) is left to the editor. An applied migration must not
    /// change: with `[check] after` the files after it are fixed, without it only the files
    /// named one by one. Context files and findings recorded in the baseline are never changed.
    #[arg(long, conflicts_with_all = ["diff", "write_baseline", "show_files"])]
    pub fix: bool,

    /// Print what --fix would change as a unified diff, change nothing; exit 1 when it would
    /// change something, else 0
    #[arg(long, conflicts_with_all = ["write_baseline", "show_files"])]
    pub diff: bool,

    /// Record every finding of this check in FILE (a baseline) and exit 0
    ///
    /// With `baseline = "FILE"` in pgward.toml those findings are not reported again, and
    /// recorded findings that no longer occur are reported as stale. Findings are identified by
    /// rule, file and statement text, not by line numbers.
    #[arg(long, value_name = "FILE", conflicts_with = "show_files")]
    pub write_baseline: Option<PathBuf>,

    /// Number of threads for reading and parsing [default: available cores]
    #[arg(long, value_name = "N", value_parser = threads_parser)]
    pub threads: Option<usize>,
}

impl CheckArgs {
    /// The thread count to use: `--threads`, or the available cores.
    pub fn threads(&self) -> usize {
        self.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
    }
}

pub(super) fn run(args: &CheckArgs) -> u8 {
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(e) => {
            error(format!("cannot read the current directory: {e}"));
            return EXIT_ERROR;
        }
    };

    let mut paths: Vec<String> = args.paths.iter().filter(|p| *p != "-").cloned().collect();
    let wants_stdin = args.paths.iter().any(|p| p == "-")
        || (args.paths.is_empty() && args.stdin_filename.is_some());

    // The config nearest the checked files (for a stdin buffer: its file name).
    let near = paths
        .first()
        .or(args.stdin_filename.as_ref())
        .map(PathBuf::from);
    if let Some(n) = args.threads {
        // Only when asked: rayon's default is already one thread per core. An error means the
        // pool exists already (e.g. tests calling `run` twice); the earlier size stands.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let mut config = match load_config(args.config.as_deref(), near.as_deref(), &cwd) {
        Ok(config) => config,
        Err(message) => {
            error(message);
            return EXIT_ERROR;
        }
    };
    if let Err(message) = apply_flags(args, &mut config) {
        error(message);
        return EXIT_ERROR;
    }

    if paths.is_empty() && !wants_stdin {
        match config.migrations_dir_path() {
            Some(dir) => {
                if !cwd.join(&dir).is_dir() {
                    error(format!(
                        "migrations_dir `{}` (from pgward.toml) is not a directory",
                        display_name(&dir, &cwd)
                    ));
                    return EXIT_ERROR;
                }
                paths.push(dir.to_string_lossy().into_owned());
            }
            None => {
                eprintln!(
                    "pgward: error: no paths given, and no `migrations_dir` in pgward.toml\n\n{}\n\n\
                     For more information, try 'pgward check --help'.",
                    usage_of("check")
                );
                return EXIT_ERROR;
            }
        }
    }

    let stdin = wants_stdin.then(|| {
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| discover::STDIN_NAME.to_string());
        StdinInput {
            source: discover::read_stdin(&name),
            name: args.stdin_filename.clone(),
        }
    });

    // A plain check with the cache can leave context files the cache stands for unread.
    let cache = engine::cache::Cache::location(&config)
        .filter(|_| !args.no_cache)
        .map(engine::cache::Cache::new);
    let plain = !(args.show_files || args.write_baseline.is_some() || args.fix || args.diff);
    let mut set = match &cache {
        Some(cache) if plain => {
            let defer = |files: &[(&str, discover::Stamp)]| cache.deferrable(&config, files);
            let (paths, config, cwd, defer) = (&paths, &config, &cwd, &defer);
            // Discovery (mostly system calls) on another thread while this one decodes the
            // pack the last run restored, which this run most likely restores again; then
            // that thread parses the few files to check and takes its share of the decoding.
            std::thread::scope(|scope| {
                let discovery = scope.spawn(move || {
                    let set = discover::load_set_deferring(paths, stdin, config, cwd, defer);
                    cache.parse_ahead(&set.inputs, config);
                    cache.help_prefetch();
                    set
                });
                cache.prefetch(config);
                discovery
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
        }
        // Without the cache, a big set is read as it is parsed: its texts are never all in
        // memory at once.
        None if plain => {
            discover::load_set_streaming(&paths, stdin, &config, &cwd, engine::PACK_ABOVE)
        }
        _ => discover::load_set(&paths, stdin, &config, &cwd),
    };
    for e in &set.errors {
        error(e);
    }
    if !args.quiet {
        for w in &set.warnings {
            warning(w);
        }
        if set.inputs.is_empty()
            && set.unread.is_empty()
            && set.errors.is_empty()
            && set.warnings.is_empty()
        {
            warning("no .sql files found");
        }
    }

    if args.show_files {
        return show_files(&set, &config);
    }

    if let Some(file) = &args.write_baseline {
        return write_baseline(set, &config, &cwd.join(file), file, args.quiet);
    }
    let stdin_name = wants_stdin.then(|| {
        args.stdin_filename
            .clone()
            .unwrap_or_else(|| discover::STDIN_NAME.to_string())
    });
    let output = if args.fix || args.diff {
        // Files named one by one (not found below a directory or by a glob), and stdin.
        let named: Vec<PathBuf> = args
            .paths
            .iter()
            .filter(|p| *p != "-" && cwd.join(p).is_file())
            .map(|p| discover::identity(Path::new(p), &cwd))
            .collect();
        let is_named = |name: &str| {
            stdin_name.as_deref() == Some(name)
                || named.contains(&discover::identity(Path::new(name), &cwd))
        };
        let fixable = match fix::fixable(&set.inputs, &config, &is_named) {
            Ok(fixable) => fixable,
            Err(message) => {
                error(format!(
                    "--{}: {message}",
                    if args.fix { "fix" } else { "diff" }
                ));
                return EXIT_ERROR;
            }
        };
        let fixing = match fix::fix_set(set.inputs, &fixable, &config) {
            Ok(fixing) => fixing,
            Err(message) => {
                error(message);
                return EXIT_ERROR;
            }
        };
        if args.diff {
            let status = fix::print_diff(&fixing);
            return if set.errors.is_empty() {
                status
            } else {
                EXIT_ERROR
            };
        }
        let files = fixing.changed.iter().filter(|c| c.is_some()).count();
        match fix::write_fixed(&fixing, &cwd, stdin_name.as_deref()) {
            Ok(_) if !args.quiet && fixing.applied > 0 => eprintln!(
                "pgward: applied {} {} in {files} {}",
                fixing.applied,
                if fixing.applied == 1 { "fix" } else { "fixes" },
                if files == 1 { "file" } else { "files" }
            ),
            Ok(_) => {}
            Err(()) => return EXIT_ERROR,
        }
        if !args.quiet {
            baseline_summary(&fixing.baseline, &config, &cwd);
        }
        fixing.output
    } else {
        let mut inputs = std::mem::take(&mut set.inputs);
        // A file read from disk can be read again: a big set lets its text go between parsing
        // and its rules, and between its rules and the report (standard input stays in memory).
        // A name is relative to this process's working directory (`cwd`) or absolute: as a
        // path it reads the same file, and a big set holds no second copy of each path.
        for input in &mut inputs {
            if stdin_name.as_deref() != Some(input.source.name.as_str()) {
                input.source.origin = Some(PathBuf::from(&input.source.name));
            }
        }
        let mut output = match &cache {
            Some(cache) => {
                let unread = std::mem::take(&mut set.unread);
                engine::cache::check_loaded(unread, &set.stamps, inputs, &config, cache).0
            }
            None => {
                let (output, unreadable) = engine::check_streamed(inputs, &config);
                // Files found unreadable only when their turn came: as discovery reports them.
                for engine::Unreadable { report, error: e } in unreadable {
                    if report {
                        error(&e);
                        set.errors.push(e);
                    } else if !args.quiet {
                        warning(format!(
                            "{e} (context for the named files may be incomplete)"
                        ));
                    }
                }
                output
            }
        };
        match engine::baseline::apply_configured(&mut output, &config) {
            Ok(filtered) if !args.quiet => baseline_summary(&filtered, &config, &cwd),
            Ok(_) => {}
            Err(message) => {
                error(message);
                return EXIT_ERROR;
            }
        }
        output
    };
    let options = ReportOptions {
        color: args.color.resolve(),
        quiet: args.quiet,
    };
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let written =
        report::render(args.format, &output, &options, &mut stdout).and_then(|()| stdout.flush());
    if let Err(e) = written
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        error(format!("cannot write the report: {e}"));
        return EXIT_ERROR;
    }

    if !set.errors.is_empty() && args.format == Format::Human && !args.quiet {
        // The errors were printed before a possibly long report: repeat the gist at the end.
        let n = set.errors.len();
        error(format!(
            "the check is incomplete: {n} {} could not be read (see above)",
            if n == 1 { "path" } else { "paths" }
        ));
    }

    // A file whose text was let go and read back as other text changed during the check.
    let changed = output.changed_files();
    for name in &changed {
        error(format!(
            "{name} changed on disk during the check: what is reported about it may be wrong; check again"
        ));
    }
    let status = if changed.is_empty() {
        exit_status(&set.errors, &output, args.fail_on.into())
    } else {
        EXIT_ERROR
    };
    // The process ends here: freeing the parsed set and the catalog piece by piece would
    // cost a big set tens of milliseconds for nothing.
    std::mem::forget(output);
    status
}

/// `--write-baseline FILE`: record every finding of the check (before any baseline).
fn write_baseline(
    set: discover::LoadedSet,
    config: &Config,
    path: &Path,
    shown: &Path,
    quiet: bool,
) -> u8 {
    for e in &set.errors {
        error(format!("{e} (not in the baseline)"));
    }
    let output = engine::check(set.inputs, config);
    match engine::baseline::write(&output, path) {
        Ok(n) => {
            if !quiet {
                eprintln!(
                    "pgward: wrote {n} {} to {}; set `baseline = \"{}\"` in pgward.toml to report only new ones",
                    if n == 1 { "finding" } else { "findings" },
                    shown.display(),
                    shown.display()
                );
            }
            if set.errors.is_empty() {
                EXIT_OK
            } else {
                EXIT_ERROR
            }
        }
        Err(message) => {
            error(message);
            EXIT_ERROR
        }
    }
}

/// What the configured baseline hid, and its stale entries (they no longer occur: the baseline
/// can shrink).
fn baseline_summary(filtered: &engine::baseline::Filtered, config: &Config, cwd: &Path) {
    let Some(path) = engine::baseline::configured_path(config) else {
        return;
    };
    let shown = display_name(&path, cwd);
    if filtered.hidden > 0 {
        eprintln!(
            "pgward: {} {} recorded in the baseline {shown} not reported",
            filtered.hidden,
            if filtered.hidden == 1 {
                "finding"
            } else {
                "findings"
            }
        );
    }
    for e in &filtered.stale {
        warning(format!(
            "baseline {shown}: stale entry, no longer found: {} in {}{}",
            e.rule,
            e.file,
            if e.message.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.message)
            }
        ));
    }
    if !filtered.stale.is_empty() {
        warning(format!(
            "{} stale {} in {shown}: rewrite it with `pgward check --write-baseline {shown}`",
            filtered.stale.len(),
            if filtered.stale.len() == 1 {
                "entry"
            } else {
                "entries"
            }
        ));
    }
}

fn show_files(set: &discover::LoadedSet, config: &Config) -> u8 {
    // The runner and the files it skips go to stderr: stdout stays the list of files.
    eprintln!(
        "pgward: runner: {} ({})",
        config.runner(),
        config.runner_origin()
    );
    for s in &set.skipped {
        eprintln!("pgward: skipped {s}");
    }
    let mut out = io::stdout().lock();
    let written = Ok::<(), io::Error>(()).and_then(|()| {
        set.inputs.iter().try_for_each(|input| {
            let reversal = config.reversal_ranges(&input.source.name, &input.source.text);
            let whole = reversal
                .iter()
                .any(|r| r.start == 0 && r.end >= input.source.text.len());
            let mut marks = Vec::new();
            if !input.report {
                marks.push("context");
            }
            if whole {
                marks.push("reversal: checked, not replayed");
            } else if !reversal.is_empty() {
                marks.push("down sections: checked, not replayed");
            }
            if marks.is_empty() {
                writeln!(out, "{}", input.source.name)
            } else {
                writeln!(out, "{} ({})", input.source.name, marks.join(", "))
            }
        })
    });
    if let Err(e) = written
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        error(format!("cannot write: {e}"));
        return EXIT_ERROR;
    }
    if set.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_ERROR
    }
}

/// 2 when some input could not be used (even with findings: the check was incomplete), else 1
/// when a diagnostic reaches `fail_on`, else 0.
pub fn exit_status(errors: &[InputError], output: &engine::CheckOutput, fail_on: Severity) -> u8 {
    if !errors.is_empty() {
        EXIT_ERROR
    } else if output.diagnostics.iter().any(|d| d.severity >= fail_on) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Merge `--select`, `--extend-select`, `--ignore`, `--protect` and `--pg-version` into the config.
fn apply_flags(args: &CheckArgs, config: &mut Config) -> Result<(), String> {
    if let Some(version) = args.pg_version {
        config.postgres_version = version;
    }
    validate_rule_ids("--select", &args.select)?;
    validate_rule_ids("--extend-select", &args.extend_select)?;
    validate_rule_ids("--ignore", &args.ignore)?;
    if !args.select.is_empty() {
        config.rules.select = args.select.clone();
    }
    config
        .rules
        .extend_select
        .extend(args.extend_select.iter().cloned());
    config.rules.ignore.extend(args.ignore.iter().cloned());
    for table in &args.protect {
        if let Err(e) = glob::Pattern::new(table) {
            return Err(format!("--protect: bad pattern `{table}`: {e}"));
        }
        config.protect_flags.push(table.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn flags_parse() {
        let cli = Cli::try_parse_from([
            "pgward",
            "check",
            "--select",
            "parse-error,unsupported-syntax",
            "--protect",
            "users",
            "--protect",
            "billing_*",
            "--format",
            "json",
            "--fail-on",
            "warning",
            "--threads",
            "3",
            "--pg-version",
            "17",
            "m",
        ])
        .unwrap();
        let Command::Check(args) = cli.command else {
            panic!("not check");
        };
        assert_eq!(args.select, ["parse-error", "unsupported-syntax"]);
        assert_eq!(args.protect, ["users", "billing_*"]);
        assert_eq!(args.pg_version.map(PgVersion::major), Some(17));
        assert!(Cli::try_parse_from(["pgward", "check", "--pg-version", "12"]).is_err());
        assert_eq!(args.format, Format::Json);
        assert_eq!(args.fail_on, FailOn::Warning);
        assert_eq!(args.threads(), 3);
        assert!(Cli::try_parse_from(["pgward", "check", "--format", "xml"]).is_err());
        assert!(Cli::try_parse_from(["pgward", "check", "--threads", "0"]).is_err());
    }
}
