//! Step 5: a verified `pg_dump` of the database before anything changes.

use super::url::DbUrl;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a plain-format dump ends with when pg_dump finished writing it.
const COMPLETE_MARKER: &str = "-- PostgreSQL database dump complete";

/// `YYYYMMDDTHHMMSSZ` for now, in UTC (file names sort by time).
pub fn utc_timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A name made safe for a file name.
pub fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Create the backup directory (and parents) if needed.
pub fn ensure_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create backup directory {}: {e}", dir.display()))
}

/// Create a new file readable only by its owner (0600), never overwriting one.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// A path in `dir` named `stem` + `ext` that does not exist yet (adds `-2`, `-3`… if needed).
pub fn fresh_path(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let mut path = dir.join(format!("{stem}{ext}"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stem}-{n}{ext}"));
        n += 1;
    }
    path
}

/// The major version of a `pg_dump --version` line: `pg_dump (PostgreSQL) 15.18 (Debian …)`.
pub fn parse_major(version_line: &str) -> Option<u32> {
    let after = version_line
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    let major: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
    major.parse().ok()
}

fn version_of(pg_dump: &Path) -> Result<(String, u32), String> {
    let out = Command::new(pg_dump)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", pg_dump.display()))?;
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let major = parse_major(&line)
        .ok_or_else(|| format!("cannot read the version of {}: `{line}`", pg_dump.display()))?;
    Ok((line, major))
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Server-side binaries of installed PostgreSQL versions (Debian layout), newest first.
fn packaged_pg_dumps() -> Vec<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_string_lossy().parse().ok()?;
            let p = e.path().join("bin/pg_dump");
            p.is_file().then_some((v, p))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, p)| p).collect()
}

/// Find a `pg_dump` whose major version is at least the server's.
pub fn find_pg_dump(configured: Option<&str>, server_major: u32) -> Result<PathBuf, String> {
    if let Some(c) = configured {
        let p = PathBuf::from(c);
        let (line, major) = version_of(&p)?;
        if major < server_major {
            return Err(format!(
                "{} is version {major} (`{line}`), older than the server (major {server_major}): \
                 pg_dump cannot dump a newer server; install pg_dump {server_major} or later",
                p.display()
            ));
        }
        return Ok(p);
    }
    // Only PATH (or the config): a pg_dump picked from elsewhere would surprise the operator.
    // Other installed versions are only mentioned in the message.
    let others: Vec<String> = packaged_pg_dumps()
        .into_iter()
        .filter_map(|p| match version_of(&p) {
            Ok((_, major)) if major >= server_major => Some(p.display().to_string()),
            _ => None,
        })
        .collect();
    let hint = if others.is_empty() {
        String::new()
    } else {
        format!(
            " (a suitable pg_dump is installed at {}: set `[apply] pg_dump` to it)",
            others.join(", ")
        )
    };
    match on_path("pg_dump") {
        None => Err(format!(
            "pg_dump not found on PATH: install the PostgreSQL client tools \
             (e.g. `apt-get install postgresql-client`), set `[apply] pg_dump = \"/path/to/pg_dump\"`, \
             or pass --no-backup explicitly{hint}"
        )),
        Some(p) => {
            let (line, major) = version_of(&p)?;
            if major < server_major {
                Err(format!(
                    "{} is version {major} (`{line}`), older than the server (major {server_major}): \
                     pg_dump cannot dump a newer server; install pg_dump {server_major} or later{hint}",
                    p.display()
                ))
            } else {
                Ok(p)
            }
        }
    }
}

/// Dump the whole database (plain SQL) into a new 0600 file in `dir` and verify it.
/// `lock_wait` bounds pg_dump's wait for each table lock (zero: 60 s, never forever).
pub fn dump(
    url: &DbUrl,
    pg_dump: &Path,
    dir: &Path,
    timestamp: &str,
    lock_wait: std::time::Duration,
) -> Result<PathBuf, String> {
    ensure_dir(dir)?;
    let stem = format!("backup-{}-{timestamp}", file_safe(&url.dbname()));
    let path = fresh_path(dir, &stem, ".sql");
    let file = create_private(&path)
        .map_err(|e| format!("cannot create backup file {}: {e}", path.display()))?;
    let mut cmd = Command::new(pg_dump);
    cmd.arg("--format=plain")
        .arg("--no-password")
        // Never hang behind another session's exclusive lock: fail, and refuse the run.
        .arg(format!(
            "--lock-wait-timeout={}",
            if lock_wait.is_zero() {
                60_000
            } else {
                lock_wait.as_millis().max(1)
            }
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::piped());
    for var in [
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGPASSWORD",
        "PGSSLMODE",
        "PGSERVICE",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(url.libpq_env());
    let fail = |msg: String| -> String {
        let _ = std::fs::remove_file(&path);
        url.redact(&msg)
    };
    let out = cmd
        .output()
        .map_err(|e| fail(format!("cannot run {}: {e}", pg_dump.display())))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(fail(format!(
            "pg_dump failed ({}): {}",
            out.status,
            stderr.trim()
        )));
    }
    verify(&path).map_err(fail)?;
    Ok(path)
}

/// A dump is usable when it is non-empty and ends with pg_dump's completion marker.
pub fn verify(path: &Path) -> Result<(), String> {
    let mut f =
        File::open(path).map_err(|e| format!("cannot read back {}: {e}", path.display()))?;
    let len = f
        .metadata()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if len == 0 {
        return Err(format!("backup {} is empty", path.display()));
    }
    let tail_len = len.min(4096);
    f.seek(SeekFrom::Start(len - tail_len))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if !String::from_utf8_lossy(&tail).contains(COMPLETE_MARKER) {
        return Err(format!(
            "backup {} is incomplete (no \"{COMPLETE_MARKER}\" at its end)",
            path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_dates() {
        assert_eq!(
            parse_major("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"),
            Some(15)
        );
        assert_eq!(parse_major("pg_dump (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_460), (2026, 1, 7));
        assert_eq!(file_safe("my db/x"), "my_db_x");
    }
}
