//! Command-line arguments of `pgward apply` and `pgward status`, and their entry points.

use super::outcome::Out;
use super::plan::{FileState, Plan};
use super::{ApplyOptions, DbUrl, history};
use crate::config::Config;
use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `pgward apply`: apply pending migrations, all or nothing, with backup, pre-flight and verification.
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// Migration files, directories or glob patterns (default: `migrations_dir` from pgward.toml).
    pub paths: Vec<PathBuf>,
    /// postgres://user:password@host:port/dbname[?sslmode=disable|prefer|require]
    /// (default: $DATABASE_URL, else the libpq environment: PGHOST, PGUSER, PGPASSWORD, ~/.pgpass, …;
    /// prefer those: `ps` shows arguments). `require` encrypts without verifying the certificate, like libpq.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Config file (default: pgward.toml found by walking up from the current directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run everything (pre-flight, statements, verification) in a transaction, then roll back:
    /// no backup, no export, no history row, nothing changed.
    #[arg(long)]
    pub dry_run: bool,
    /// Where backups and CSV exports go (default: `[apply] backup_dir`, else ./backups).
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Do not take a pg_dump backup before applying (must be explicit).
    #[arg(long)]
    pub no_backup: bool,
    /// Apply all pending files in one transaction (default: one transaction per file).
    #[arg(long)]
    pub single_transaction: bool,
    /// `SET LOCAL lock_timeout` for the migration's statements (e.g. 5s, 500ms; 0 = none).
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub lock_timeout: String,
    /// `SET LOCAL statement_timeout` for the migration's statements (0 = none).
    #[arg(long, value_name = "DURATION", default_value = "0")]
    pub statement_timeout: String,
    /// How long to wait for another pgward apply to finish (advisory lock).
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub lock_wait: String,
    /// Apply pending files that sort before the newest applied one.
    #[arg(long)]
    pub allow_out_of_order: bool,
    /// Run statements that block writes to a table larger than `[apply] max_blocking_size`
    /// (a rewrite, an index build without CONCURRENTLY, a validating scan) anyway.
    #[arg(long)]
    pub allow_blocking: bool,
    /// Output: human progress, or a JSON summary on stdout.
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = ["human", "json"])]
    pub format: String,
}

/// `pgward status`: which migration files are applied, pending or modified.
#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Migration files, directories or glob patterns (default: `migrations_dir` from pgward.toml).
    pub paths: Vec<PathBuf>,
    /// Database URL (default: $DATABASE_URL, else the libpq environment, as for `apply`).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Config file (default: pgward.toml found by walking up from the current directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output: a table, or a JSON array.
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = ["human", "json"])]
    pub format: String,
}

/// The config of `apply` and `status`: the one discovery of every command
/// ([`Config::resolve`]): `--config FILE`, else the nearest pgward.toml above the first path,
/// else above the current directory, else the defaults for the repository.
pub fn load_config(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<Config, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
    Config::resolve(explicit, paths.first().map(PathBuf::as_path), &cwd)
        .map_err(|e| e.shown_from(&cwd))
}

fn resolve_paths(paths: &[PathBuf], config: &Config) -> Result<Vec<PathBuf>, String> {
    if !paths.is_empty() {
        return Ok(paths.to_vec());
    }
    config
        .migrations_dir_path()
        .map(|p| vec![p])
        .ok_or_else(|| {
            "no migration paths given and no `migrations_dir` in pgward.toml".to_string()
        })
}

/// `--database-url`, else `DATABASE_URL`, else nothing: the connection then comes from the
/// libpq environment (`PGHOST`, `PGUSER`, `PGPASSWORD`, the password file, …) as for psql.
fn resolve_url(flag: Option<&str>) -> Result<String, String> {
    Ok(flag
        .map(str::to_string)
        .or_else(|| std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty()))
        .unwrap_or_default())
}

fn usage_error(json: bool, kind: &'static str, message: String) -> i32 {
    let message = super::url::redact_url_text(&message);
    if json {
        let mut s = super::Summary::new(false);
        s.status = "error";
        s.error = Some(super::ErrorInfo {
            kind,
            message,
            problems: Vec::new(),
            sql: None,
        });
        println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
    } else {
        eprintln!("pgward: error: {message}");
    }
    2
}

/// Entry point of `pgward apply`; returns the exit code.
pub fn run_apply(args: &ApplyArgs) -> i32 {
    let json = args.format == "json";
    let config = match load_config(args.config.as_deref(), &args.paths) {
        Ok(c) => c,
        Err(e) => return usage_error(json, "config", e),
    };
    run_apply_with_config(args, &config)
}

/// `pgward apply` with an already loaded config (the main CLI may merge flags into it).
pub fn run_apply_with_config(args: &ApplyArgs, config: &Config) -> i32 {
    let json = args.format == "json";
    let paths = match resolve_paths(&args.paths, config) {
        Ok(p) => p,
        Err(e) => return usage_error(json, "usage", e),
    };
    let database_url = match resolve_url(args.database_url.as_deref()) {
        Ok(u) => u,
        Err(e) => return usage_error(json, "usage", e),
    };
    let durations = (|| -> Result<(Duration, Duration, Duration), String> {
        Ok((
            parse_duration(&args.lock_timeout).map_err(|e| format!("--lock-timeout: {e}"))?,
            parse_duration(&args.statement_timeout)
                .map_err(|e| format!("--statement-timeout: {e}"))?,
            parse_duration(&args.lock_wait).map_err(|e| format!("--lock-wait: {e}"))?,
        ))
    })();
    let (lock_timeout, statement_timeout, lock_wait) = match durations {
        Ok(d) => d,
        Err(e) => return usage_error(json, "usage", e),
    };
    let backup_dir =
        args.backup_dir
            .clone()
            .unwrap_or_else(|| match (&config.apply.backup_dir, &config.root) {
                (Some(d), Some(root)) if Path::new(d).is_relative() => root.join(d),
                (Some(d), _) => PathBuf::from(d),
                (None, _) => PathBuf::from("backups"),
            });
    // Absolute, so the path printed and recorded in the history still finds the backup when
    // read from another directory (a restore, `status` from CI).
    let backup_dir = std::path::absolute(&backup_dir).unwrap_or(backup_dir);
    let opts = ApplyOptions {
        paths,
        database_url,
        dry_run: args.dry_run,
        backup_dir,
        no_backup: args.no_backup,
        single_transaction: args.single_transaction,
        lock_timeout,
        statement_timeout,
        lock_wait,
        allow_out_of_order: args.allow_out_of_order,
        allow_blocking: args.allow_blocking,
        json,
    };
    let (summary, code) = super::apply(&opts, config);
    if json {
        match serde_json::to_string_pretty(&summary) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: cannot serialize the summary: {e}"),
        }
    }
    code
}

/// One line of `pgward status`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusEntry {
    pub file: String,
    pub version: Option<String>,
    /// applied | pending | partial (a no-transaction file stopped half-way) | modified |
    /// renamed (an applied file under a new name) | duplicate (its version is used twice) |
    /// missing (in the history, no file)
    pub status: &'static str,
    pub applied_at: Option<String>,
    pub checksum: Option<String>,
}

/// Entry point of `pgward status`; returns the exit code: 0, or 1 when an applied file was
/// modified or renamed or a version is used twice (apply would refuse: worth failing a CI job),
/// 2 for usage/config/connection errors.
pub fn run_status(args: &StatusArgs) -> i32 {
    let json = args.format == "json";
    let config = match load_config(args.config.as_deref(), &args.paths) {
        Ok(c) => c,
        Err(e) => return usage_error(json, "config", e),
    };
    let paths = match resolve_paths(&args.paths, &config) {
        Ok(p) => p,
        Err(e) => return usage_error(json, "usage", e),
    };
    let files = match super::read_files(&paths, &config) {
        Ok(f) => f,
        Err(e) => return usage_error(json, "usage", e),
    };
    let raw_url = match resolve_url(args.database_url.as_deref()) {
        Ok(u) => u,
        Err(e) => return usage_error(json, "usage", e),
    };
    let url = match DbUrl::parse(&raw_url) {
        Ok(u) => u,
        Err(e) => return usage_error(json, "usage", e),
    };
    let (mut client, _tls) = match super::connect(&url) {
        Ok(c) => c,
        Err(e) => return usage_error(json, "connection", e),
    };
    let history = match history::read(&mut client) {
        Ok(h) => h,
        Err(e) => {
            return usage_error(
                json,
                "connection",
                url.redact(&format!("reading the history: {}", super::pg_error(&e))),
            );
        }
    };
    let plan = Plan::new(files, &history);
    // `no-transaction` files stopped half-way: how many statements already ran.
    let mut partial = std::collections::HashMap::new();
    for (f, st) in plan.files.iter().zip(&plan.states) {
        if matches!(st, FileState::Pending) && f.no_transaction {
            match history::progress(&mut client, &f.file_name) {
                Ok(done) if !done.is_empty() => {
                    partial.insert(f.source.name.clone(), done.len());
                }
                Ok(_) => {}
                Err(e) => {
                    return usage_error(
                        json,
                        "connection",
                        url.redact(&format!("reading the history: {}", super::pg_error(&e))),
                    );
                }
            }
        }
    }
    let mut entries: Vec<StatusEntry> = plan
        .files
        .iter()
        .zip(&plan.states)
        .map(|(f, st)| {
            let (status, row) = match st {
                FileState::Applied(h) => ("applied", Some(h)),
                FileState::Modified(h) => ("modified", Some(h)),
                FileState::Renamed(h) => ("renamed", Some(h)),
                FileState::Pending if partial.contains_key(&f.source.name) => ("partial", None),
                FileState::Pending => ("pending", None),
            };
            StatusEntry {
                file: f.source.name.clone(),
                version: f.version.clone(),
                status,
                applied_at: row.map(|h| h.applied_at.clone()),
                checksum: Some(f.checksum.clone()),
            }
        })
        .collect();
    for h in &plan.missing {
        entries.push(StatusEntry {
            file: h.file_name.clone(),
            version: h.version.clone(),
            status: "missing",
            applied_at: Some(h.applied_at.clone()),
            checksum: Some(h.checksum.clone()),
        });
    }
    // Pending files that sort before the newest applied one: apply refuses them by default.
    let newest = history
        .iter()
        .map(|h| h.file_name.as_str())
        .max_by(|a, b| super::plan::order(a, b));
    let out_of_order: Vec<String> = plan
        .files
        .iter()
        .zip(&plan.states)
        .filter(|(f, st)| {
            matches!(st, FileState::Pending)
                && newest.is_some_and(|n| {
                    super::plan::order(&f.file_name, n) == std::cmp::Ordering::Less
                })
        })
        .map(|(f, _)| f.source.name.clone())
        .collect();
    let modified = entries.iter().filter(|e| e.status == "modified").count();
    let renamed_from: std::collections::HashMap<String, String> = plan
        .files
        .iter()
        .zip(&plan.states)
        .filter_map(|(f, st)| match st {
            FileState::Renamed(h) => Some((f.source.name.clone(), h.file_name.clone())),
            _ => None,
        })
        .collect();
    let duplicates: Vec<Vec<String>> = plan
        .duplicate_versions()
        .iter()
        .map(|g| g.iter().map(|f| f.source.name.clone()).collect())
        .collect();
    for e in &mut entries {
        if duplicates.iter().any(|g| g.contains(&e.file)) && e.status != "applied" {
            e.status = "duplicate";
        }
    }
    let refused = entries
        .iter()
        .filter(|e| matches!(e.status, "modified" | "renamed" | "duplicate"))
        .count();
    let out = Out { json };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&entries).unwrap_or_default()
        );
    } else {
        out.info(format!("{:<8}  {:<20}  {}", "STATUS", "APPLIED AT", "FILE"));
        for e in &entries {
            let done = partial.get(&e.file).copied().unwrap_or(0);
            let partial_note = format!(
                "  ({done} statement(s) of this no-transaction file already ran: apply resumes)"
            );
            let renamed_note = format!(
                "  (applied before as `{}`: apply refuses a renamed applied file)",
                renamed_from.get(&e.file).map_or("", String::as_str)
            );
            let duplicate_note = format!(
                "  (version {} is used by more than one file: apply refuses)",
                e.version.as_deref().unwrap_or("")
            );
            let note = match e.status {
                "partial" => partial_note.as_str(),
                "renamed" => renamed_note.as_str(),
                "duplicate" => duplicate_note.as_str(),
                "modified" => "  (changed since it was applied: apply will refuse)",
                "missing" => "  (in the history, but no such file)",
                _ if out_of_order.contains(&e.file) => {
                    "  (out of order: sorts before an applied file; apply refuses it without --allow-out-of-order)"
                }
                _ => "",
            };
            out.info(format!(
                "{:<8}  {:<20}  {}{note}",
                e.status,
                e.applied_at.as_deref().unwrap_or("-"),
                e.file,
            ));
        }
        let count = |s: &str| entries.iter().filter(|e| e.status == s).count();
        out.info(format!(
            "{} applied, {} pending, {} modified, {} missing ({})",
            count("applied"),
            count("pending") + count("partial"),
            modified,
            count("missing"),
            url.redacted
        ));
    }
    i32::from(refused > 0)
}

/// `5s`, `500ms`, `2m`, `1h`, `0`; a bare number means seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("invalid duration `{s}` (expected e.g. 5s, 500ms, 2m, 1h)"))?;
    let secs = match unit.trim() {
        "" | "s" | "sec" | "secs" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "invalid duration `{s}` (expected e.g. 5s, 500ms, 2m, 1h)"
            ));
        }
    };
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(format!("invalid duration `{s}`"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
    }
}
