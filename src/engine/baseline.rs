//! Baselines: a way in for an old project. `pgward check --write-baseline FILE` records the
//! findings of today; with `baseline = "FILE"` in `pgward.toml` they are not reported again,
//! and entries that no longer occur are reported as stale.
//!
//! A finding is fingerprinted by its rule, its file (relative to the baseline's directory) and
//! the text of its statement and of the flagged span, whitespace left out: never by line
//! numbers, so an edit above a statement (or reformatting it) does not revive its findings.
//! The fingerprint is a hash: the baseline never holds a statement's text (a secret stays out).

use super::{CheckOutput, Workspace};
use crate::config::{Config, normalize_path};
use crate::diagnostic::Diagnostic;
use crate::rules;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The format version written in the file.
const FORMAT_VERSION: u32 = 1;

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    /// Relative to the baseline's directory, `/`-separated.
    pub file: String,
    pub fingerprint: String,
    /// For people reading the file; not compared.
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

/// A baseline file, read.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
}

/// What a baseline did to a check.
#[derive(Debug, Default)]
pub struct Filtered {
    /// Findings the baseline hid.
    pub hidden: usize,
    /// Entries of files and rules that were checked, that match no finding any more.
    pub stale: Vec<Entry>,
}

impl Baseline {
    /// Read a baseline written by [`write`]. A missing or malformed file is an error.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "{}: baseline not found (write it with `pgward check --write-baseline {}`)",
                    path.display(),
                    path.display()
                )
            } else {
                format!("{}: cannot read the baseline: {e}", path.display())
            }
        })?;
        let file: BaselineFile = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a pgward baseline: {e}", path.display()))?;
        if file.version != FORMAT_VERSION {
            return Err(format!(
                "{}: baseline format version {} (this pgward reads version {FORMAT_VERSION})",
                path.display(),
                file.version
            ));
        }
        Ok(Baseline {
            path: path.to_path_buf(),
            entries: file.findings,
        })
    }

    /// Remove the recorded findings from `output`; entries of the files and rules this check
    /// covered that match nothing are returned as stale.
    pub fn filter(&self, output: &mut CheckOutput, config: &Config) -> Filtered {
        let root = baseline_dir(&self.path);
        let key_of = |rule: &str, file: &str, fingerprint: &str| {
            (rule.to_string(), file.to_string(), fingerprint.to_string())
        };
        let mut remaining: HashMap<(String, String, String), usize> = HashMap::new();
        for e in &self.entries {
            *remaining
                .entry(key_of(&e.rule, &e.file, &e.fingerprint))
                .or_default() += 1;
        }
        let keys: Vec<String> = output
            .workspace
            .files
            .iter()
            .map(|f| file_key(f.source.name(), &root))
            .collect();
        let mut hidden = 0;
        output.diagnostics.retain(|d| {
            let fingerprint = fingerprint(d, &output.workspace);
            let key = key_of(d.rule, &keys[d.file], &fingerprint);
            match remaining.get_mut(&key) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    hidden += 1;
                    false
                }
                _ => true,
            }
        });
        let checked: HashSet<&str> = output
            .workspace
            .files
            .iter()
            .zip(&keys)
            .filter(|(f, _)| f.report)
            .map(|(_, k)| k.as_str())
            .collect();
        let mut stale = Vec::new();
        for e in &self.entries {
            let key = key_of(&e.rule, &e.file, &e.fingerprint);
            let ran = rules::find(&e.rule).is_some_and(|r| rules::is_enabled(r, config));
            if ran
                && checked.contains(e.file.as_str())
                && let Some(n) = remaining.get_mut(&key)
                && *n > 0
            {
                *n -= 1;
                stale.push(e.clone());
            }
        }
        Filtered { hidden, stale }
    }
}

/// The baseline named by the config (`baseline = "FILE"`, relative to the config's
/// directory), if any.
pub fn configured_path(config: &Config) -> Option<PathBuf> {
    let file = config.baseline.as_ref()?;
    Some(match config.root_dir() {
        Some(root) => root.join(file),
        None => PathBuf::from(file),
    })
}

/// Apply the configured baseline to a check, if the config names one.
pub fn apply_configured(output: &mut CheckOutput, config: &Config) -> Result<Filtered, String> {
    match configured_path(config) {
        Some(path) => Ok(Baseline::load(&path)?.filter(output, config)),
        None => Ok(Filtered::default()),
    }
}

/// The entries recording every finding of `output`, for a baseline at `path`.
pub fn entries(output: &CheckOutput, path: &Path) -> Vec<Entry> {
    let root = baseline_dir(path);
    let mut entries: Vec<Entry> = output
        .diagnostics
        .iter()
        .map(|d| Entry {
            rule: d.rule.to_string(),
            file: file_key(output.workspace.files[d.file].source.name(), &root),
            fingerprint: fingerprint(d, &output.workspace),
            message: if d.redact {
                String::new()
            } else {
                d.message.clone()
            },
        })
        .collect();
    // Stable order: a rewritten baseline only changes where findings changed.
    entries.sort_by(|a, b| {
        (&a.file, &a.rule, &a.fingerprint, &a.message).cmp(&(
            &b.file,
            &b.rule,
            &b.fingerprint,
            &b.message,
        ))
    });
    entries
}

/// Write a baseline of every finding of `output` to `path`; returns how many were recorded.
pub fn write(output: &CheckOutput, path: &Path) -> Result<usize, String> {
    let findings = entries(output, path);
    let n = findings.len();
    let file = BaselineFile {
        version: FORMAT_VERSION,
        findings,
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| format!("{}: cannot write the baseline: {e}", path.display()))?;
    Ok(n)
}

fn baseline_dir(path: &Path) -> PathBuf {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    normalize_path(&dir)
}

/// A file as the baseline names it: relative to the baseline's directory when below it,
/// `/`-separated.
fn file_key(name: &str, root: &Path) -> String {
    let file = normalize_path(Path::new(name));
    let rel = file.strip_prefix(root).unwrap_or(&file);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The fingerprint of a finding: its rule, the text of its statement and of its span,
/// whitespace left out. Independent of line numbers and of the statement's position.
pub fn fingerprint(d: &Diagnostic, workspace: &Workspace) -> String {
    let source = &workspace.files[d.file].source;
    let text = &source.text;
    let slice = |s: crate::source::Span| text.get(s.start..s.end).unwrap_or("");
    let statement = match d.statement {
        Some(span) => slice(span),
        None if d.span.is_empty() => {
            // A point (the end of a file, say): the line it sits on.
            let start = text[..d.span.start.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            &text[start..end]
        }
        None => "",
    };
    let mut hash = Sha256::new();
    for part in [d.rule, statement, slice(d.span)] {
        // Without any whitespace: reindenting or rewrapping a statement changes nothing.
        for word in part.split_whitespace() {
            hash.update(word.as_bytes());
        }
        hash.update(b"\0");
    }
    hash.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::CheckInput;
    use crate::source::SourceFile;

    fn check(text: &str) -> CheckOutput {
        let config = Config::default();
        super::super::check(
            vec![CheckInput {
                source: SourceFile::new("/tmp/pgward-baseline-test/1_x.sql", text),
                report: true,
            }],
            &config,
        )
    }

    #[test]
    fn fingerprints_survive_line_shifts_and_reformatting() {
        let a = check("CREATE TABLE t (id int);\n");
        let b = check("-- a comment\n\n\nCREATE TABLE   t (\n  id int\n);\n");
        let fa: Vec<String> = a
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.rule, fingerprint(d, &a.workspace)))
            .collect();
        let fb: Vec<String> = b
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.rule, fingerprint(d, &b.workspace)))
            .collect();
        assert!(!fa.is_empty());
        assert_eq!(fa, fb);
        let c = check("CREATE TABLE u (id int);\n");
        assert_ne!(
            fingerprint(&a.diagnostics[0], &a.workspace),
            fingerprint(&c.diagnostics[0], &c.workspace)
        );
    }

    #[test]
    fn filter_hides_recorded_and_reports_stale() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let before = check("CREATE TABLE t (id int);\nCREATE TABLE u (id int);\n");
        let n = write(&before, &path).unwrap();
        assert_eq!(n, before.diagnostics.len());
        let baseline = Baseline::load(&path).unwrap();
        // `u` gone, `v` new, `t` moved down.
        let mut after = check("\n\nCREATE TABLE t (id int);\nCREATE TABLE v (id int);\n");
        let filtered = baseline.filter(&mut after, &Config::default());
        assert!(
            after.diagnostics.iter().all(|d| after.workspace.files[0]
                .source
                .slice(d.statement.unwrap())
                .contains(" v ")),
            "{:?}",
            after.diagnostics
        );
        assert!(!after.diagnostics.is_empty());
        assert!(filtered.hidden > 0);
        assert!(!filtered.stale.is_empty());
        assert!(Baseline::load(&dir.path().join("missing.json")).is_err());
    }
}
