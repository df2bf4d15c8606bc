//! Step 1: which files are applied, pending or modified, from the files and the history.

use super::history::HistoryRow;
use super::outcome::{ErrorInfo, fail_list};
use crate::config::Config;
use crate::source::SourceFile;
use crate::syntax::{self, ParsedFile};
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// One migration file, read and parsed.
#[derive(Debug, Clone)]
pub struct MigrationFile {
    /// The file name without directories: the history's key.
    pub file_name: String,
    /// The leading version number, if the name has one.
    pub version: Option<String>,
    pub source: SourceFile,
    pub parsed: ParsedFile,
    pub checksum: String,
    /// Marked `-- pgward: no-transaction`.
    pub no_transaction: bool,
}

/// SHA-256 (hex) of the text with a BOM removed and CRLF turned into LF, so a checkout with
/// other line endings is not "modified".
pub fn checksum(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalized = text.replace("\r\n", "\n");
    let digest = Sha256::digest(normalized.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The leading version number of a migration file name: `20260107090000_x.sql`, `V2__x.sql`,
/// `0002_x.sql`. Leading zeros are kept (for display); comparison is numeric.
pub fn version_of(file_name: &str) -> Option<String> {
    let rest = file_name
        .strip_prefix('V')
        .or_else(|| file_name.strip_prefix('v'))
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(file_name);
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    (!digits.is_empty()).then_some(digits)
}

/// Migration order (shared with `check`): versioned names first, by version as an integer,
/// then by name.
pub fn order(a: &str, b: &str) -> Ordering {
    crate::discover::migration_order(a, b)
}

/// Expand paths (files, directories searched recursively for `*.sql`, glob patterns) into
/// files in migration order, exactly as `check` does; `[files] exclude` leaves files out.
pub fn discover(paths: &[PathBuf], config: &Config) -> Result<Vec<(PathBuf, String)>, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
    let args: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let found = crate::discover::discover(&args, &cwd);
    if !found.errors.is_empty() {
        let msgs: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
        return Err(msgs.join("\n"));
    }
    Ok(found
        .files
        .into_iter()
        .filter(|f| !config.is_excluded(&f.path))
        .map(|f| (f.path, f.name))
        .collect())
}

pub fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Read and parse one file. Errors name the file (and the byte offset of bad UTF-8).
pub fn read_file(path: &Path, name: &str) -> Result<MigrationFile, String> {
    let source = crate::discover::read_source(path, name).map_err(|e| e.to_string())?;
    let checksum = checksum(&source.text);
    let parsed = syntax::parse_file(&source.text);
    let no_transaction = syntax::markers::has_no_transaction(&parsed.comments);
    let file_name = base_name(path);
    Ok(MigrationFile {
        version: version_of(&file_name),
        file_name,
        source,
        parsed,
        checksum,
        no_transaction,
    })
}

#[derive(Debug, Clone)]
pub enum FileState {
    Applied(HistoryRow),
    Pending,
    /// Applied, but the file's checksum changed since.
    Modified(HistoryRow),
    /// Not in the history under this name, but an applied file that is no longer in the set
    /// had the same content (checksum) or the same version: the applied file, renamed.
    Renamed(HistoryRow),
}

#[derive(Debug)]
pub struct Plan {
    pub files: Vec<MigrationFile>,
    pub states: Vec<FileState>,
    /// History rows whose file is not in the set (deleted or renamed files, or another directory).
    pub missing: Vec<HistoryRow>,
}

impl Plan {
    pub fn new(files: Vec<MigrationFile>, history: &[HistoryRow]) -> Plan {
        let gone: Vec<&HistoryRow> = history
            .iter()
            .filter(|h| !files.iter().any(|f| f.file_name == h.file_name))
            .collect();
        let states: Vec<FileState> = files
            .iter()
            .map(
                |f| match history.iter().find(|h| h.file_name == f.file_name) {
                    Some(h) if h.checksum == f.checksum => FileState::Applied(h.clone()),
                    Some(h) => FileState::Modified(h.clone()),
                    None => {
                        // Same content first: a renamed file keeps its checksum.
                        let renamed =
                            gone.iter().find(|h| h.checksum == f.checksum).or_else(|| {
                                gone.iter().find(|h| {
                                    same_version(h.version.as_deref(), f.version.as_deref())
                                })
                            });
                        match renamed {
                            Some(h) => FileState::Renamed((*h).clone()),
                            None => FileState::Pending,
                        }
                    }
                },
            )
            .collect();
        let missing = gone
            .into_iter()
            .filter(|h| {
                !states
                    .iter()
                    .any(|s| matches!(s, FileState::Renamed(r) if r.file_name == h.file_name))
            })
            .cloned()
            .collect();
        Plan {
            files,
            states,
            missing,
        }
    }

    pub fn pending(&self) -> Vec<usize> {
        (0..self.files.len())
            .filter(|&i| matches!(self.states.get(i), Some(FileState::Pending)))
            .collect()
    }

    /// Files sharing a version with another file of the set, at least one of them not applied:
    /// each group once, in migration order.
    pub fn duplicate_versions(&self) -> Vec<Vec<&MigrationFile>> {
        let mut groups: Vec<Vec<&MigrationFile>> = Vec::new();
        for f in &self.files {
            if f.version.is_none() {
                continue;
            }
            match groups
                .iter_mut()
                .find(|g| same_version(g[0].version.as_deref(), f.version.as_deref()))
            {
                Some(g) => g.push(f),
                None => groups.push(vec![f]),
            }
        }
        groups.retain(|g| {
            g.len() > 1
                && g.iter().any(|f| {
                    self.files
                        .iter()
                        .position(|x| std::ptr::eq(x, *f))
                        .and_then(|i| self.states.get(i))
                        .is_some_and(|s| !matches!(s, FileState::Applied(_)))
                })
        });
        groups
    }

    /// Reasons to refuse: modified applied files, renamed applied files, versions used twice,
    /// and pending files that sort before the newest applied one (unless allowed).
    pub fn drift(&self, history: &[HistoryRow], allow_out_of_order: bool) -> Vec<String> {
        let mut problems = Vec::new();
        for (f, state) in self.files.iter().zip(&self.states) {
            if let FileState::Renamed(h) = state {
                let why = if h.checksum == f.checksum {
                    "the same content"
                } else {
                    "the same version"
                };
                problems.push(format!(
                    "{}: not in the history under this name, but `{}` (applied {}) had {why}: \
                     a renamed applied file would run again; rename it back, or if it is new work give \
                     it a new version",
                    f.source.name, h.file_name, h.applied_at
                ));
            }
        }
        for group in self.duplicate_versions() {
            let names: Vec<&str> = group.iter().map(|f| f.source.name.as_str()).collect();
            problems.push(format!(
                "version {} is used by {} files: {}; versions identify migrations, give each file its own",
                group[0].version.as_deref().unwrap_or(""),
                names.len(),
                names.join(", ")
            ));
        }
        for (f, state) in self.files.iter().zip(&self.states) {
            if let FileState::Modified(h) = state {
                problems.push(format!(
                    "{}: modified after it was applied (applied {}; recorded checksum {}, file now {}); \
                     never edit an applied migration: revert the change and put it in a new file",
                    f.source.name,
                    h.applied_at,
                    short(&h.checksum),
                    short(&f.checksum)
                ));
            }
        }
        if !allow_out_of_order {
            let newest = history
                .iter()
                .map(|h| h.file_name.as_str())
                .max_by(|a, b| order(a, b));
            if let Some(newest) = newest {
                for (f, state) in self.files.iter().zip(&self.states) {
                    if matches!(state, FileState::Pending)
                        && order(&f.file_name, newest) == Ordering::Less
                    {
                        problems.push(format!(
                            "{}: pending, but sorts before `{newest}`, which is already applied \
                             (out of order); rename it to sort last, or pass --allow-out-of-order",
                            f.source.name
                        ));
                    }
                }
            }
        }
        problems
    }
}

/// Versions compared as numbers (`0002` is `2`).
fn same_version(a: Option<&str>, b: Option<&str>) -> bool {
    let norm = |v: &str| {
        let t = v.trim_start_matches('0');
        if t.is_empty() {
            "0".to_string()
        } else {
            t.to_string()
        }
    };
    matches!((a, b), (Some(a), Some(b)) if norm(a) == norm(b))
}

fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}

/// Read the files of `paths` in migration order.
pub fn read_files(paths: &[PathBuf], config: &Config) -> Result<Vec<MigrationFile>, String> {
    let found = discover(paths, config)?;
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for (path, name) in &found {
        match read_file(path, name) {
            Ok(f) => files.push(f),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    let mut seen = std::collections::HashSet::new();
    for f in &files {
        if !seen.insert(f.file_name.clone()) {
            return Err(format!(
                "two migration files are named `{}`: the history identifies files by name",
                f.file_name
            ));
        }
    }
    Ok(files)
}

/// Refuse the run when the files do not match the history (see [`Plan::drift`]).
pub(crate) fn check_drift(
    plan: &Plan,
    history: &[HistoryRow],
    allow_out_of_order: bool,
) -> Result<(), ErrorInfo> {
    let drift = plan.drift(history, allow_out_of_order);
    if drift.is_empty() {
        Ok(())
    } else {
        Err(fail_list(
            "drift",
            "the migration files do not match the database's history: nothing was changed",
            drift,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_ignores_bom_and_crlf() {
        assert_eq!(checksum("\u{feff}a;\r\nb;\r\n"), checksum("a;\nb;\n"));
        assert_ne!(checksum("a;\n"), checksum("a; \n"));
    }

    #[test]
    fn migration_order_is_numeric() {
        let mut names = vec!["10_x.sql", "2_x.sql", "zz.sql", "V3__y.sql", "0001_a.sql"];
        names.sort_by(|a, b| order(a, b));
        assert_eq!(
            names,
            vec!["0001_a.sql", "2_x.sql", "V3__y.sql", "10_x.sql", "zz.sql"]
        );
        assert_eq!(
            version_of("20260107090000_add.sql").as_deref(),
            Some("20260107090000")
        );
        assert_eq!(version_of("V2__x.sql").as_deref(), Some("2"));
        assert_eq!(version_of("init.sql"), None);
    }
}
