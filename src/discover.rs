//! From command-line paths to an ordered migration set: files, directories (every `*.sql` below
//! them), glob patterns expanded by pgward itself, migration ordering, and reading files safely
//! (UTF-8 checked, binary and special files refused, size capped).
//!
//! `check` and `apply` both start here, so the rules for "which files, in which order" live in
//! one place.

use crate::config::Config;
use crate::engine::CheckInput;
use crate::source::SourceFile;
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Larger files are refused: no real migration is this big, and reading a runaway file (a dump,
/// a log) into memory helps nobody.
pub const MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;

/// The name a buffer read from standard input gets when `--stdin-filename` is not given.
pub const STDIN_NAME: &str = "<stdin>";

/// A path that could not be used; rendered as `path: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub path: String,
    pub message: String,
}

impl InputError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for InputError {}

/// A file found by discovery, not read yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Where to open it.
    pub path: PathBuf,
    /// How messages name it: as given or discovered, relative to the cwd when below it.
    pub name: String,
}

/// The result of expanding command-line paths.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Deduplicated, in migration order.
    pub files: Vec<FoundFile>,
    /// Paths that do not exist, cannot be listed, special files, symlink loops.
    pub errors: Vec<InputError>,
    /// Nothing fatal: a directory without `.sql` files.
    pub warnings: Vec<String>,
}

/// Expand paths (files, directories, glob patterns) relative to `cwd` into a deduplicated set of
/// files in migration order.
pub fn discover(paths: &[String], cwd: &Path) -> Discovery {
    let mut out = Discovery::default();
    for arg in paths {
        expand_one(arg, cwd, &mut out);
    }
    dedup(&mut out.files, cwd);
    // A directory reached twice (through a symlink) reports its problems once.
    let mut seen = HashSet::new();
    out.errors
        .retain(|e| seen.insert((identity(Path::new(&e.path), cwd), e.message.clone())));
    sort_migrations(&mut out.files);
    out
}

fn expand_one(arg: &str, cwd: &Path, out: &mut Discovery) {
    let given = Path::new(arg);
    let path = cwd.join(given);
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => {
            let before = out.files.len();
            walk_dir(&path, cwd, out);
            if out.files.len() == before {
                out.warnings
                    .push(format!("{}: no .sql files found", display_name(&path, cwd)));
            }
        }
        Ok(_) => out.files.push(FoundFile {
            name: display_name(&path, cwd),
            path,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && is_glob(arg) => {
            expand_glob(arg, cwd, out)
        }
        Err(e) => out
            .errors
            .push(InputError::new(display_name(&path, cwd), io_message(&e))),
    }
}

fn is_glob(arg: &str) -> bool {
    arg.contains(['*', '?', '['])
}

fn expand_glob(pattern: &str, cwd: &Path, out: &mut Discovery) {
    let absolute = cwd.join(pattern);
    let Some(text) = absolute.to_str() else {
        out.errors
            .push(InputError::new(pattern, "pattern is not valid UTF-8"));
        return;
    };
    let paths = match glob::glob(text) {
        Ok(paths) => paths,
        Err(e) => {
            out.errors
                .push(InputError::new(pattern, format!("bad glob pattern: {e}")));
            return;
        }
    };
    let mut matched = false;
    for entry in paths {
        matched = true;
        match entry {
            Ok(path) if path.is_dir() => walk_dir(&path, cwd, out),
            Ok(path) => out.files.push(FoundFile {
                name: display_name(&path, cwd),
                path,
            }),
            Err(e) => out.errors.push(InputError::new(
                display_name(e.path(), cwd),
                io_message(e.error()),
            )),
        }
    }
    if !matched {
        // A pattern the user typed that matches nothing is almost always a typo; failing loudly
        // beats a green CI run that checked nothing.
        out.errors
            .push(InputError::new(pattern, "no files match this pattern"));
    }
}

/// Every `*.sql` file below `dir` (recursively, following symlinks, skipping hidden entries).
fn walk_dir(dir: &Path, cwd: &Path, out: &mut Discovery) {
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(entry) => {
                if !has_sql_extension(entry.path()) {
                    continue;
                }
                let ft = entry.file_type();
                if ft.is_file() {
                    out.files.push(FoundFile {
                        name: display_name(entry.path(), cwd),
                        path: entry.path().to_path_buf(),
                    });
                } else if !ft.is_dir() {
                    out.errors.push(InputError::new(
                        display_name(entry.path(), cwd),
                        format!("not a regular file ({})", file_kind(&ft)),
                    ));
                }
            }
            Err(e) => {
                let path = e.path().map(|p| display_name(p, cwd)).unwrap_or_default();
                if let Some(ancestor) = e.loop_ancestor() {
                    out.errors.push(InputError::new(
                        path,
                        format!(
                            "symlink loop (points back to {})",
                            display_name(ancestor, cwd)
                        ),
                    ));
                    continue;
                }
                // A dangling symlink that is not named `*.sql` is not ours to complain about.
                let dangling = e
                    .io_error()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound);
                if dangling && !e.path().is_some_and(has_sql_extension) {
                    continue;
                }
                let message = e
                    .io_error()
                    .map(io_message)
                    .unwrap_or_else(|| e.to_string());
                out.errors.push(InputError::new(path, message));
            }
        }
    }
}

fn has_sql_extension(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("sql"))
}

fn file_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    let _ = ft;
    "a special file"
}

/// An I/O error as a short, lower-case message without the `(os error N)` noise.
fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file or directory".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = e.to_string();
            let text = match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            lower_first(&text)
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How to name `path` in messages: relative to `cwd` when below it, without `./` noise.
pub fn display_name(path: &Path, cwd: &Path) -> String {
    let path = if path.is_absolute() {
        path.strip_prefix(cwd).unwrap_or(path)
    } else {
        path
    };
    let cleaned: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if cleaned.as_os_str().is_empty() {
        ".".to_string()
    } else {
        cleaned.to_string_lossy().into_owned()
    }
}

/// The identity of a file for deduplication and for "is this the same file": its canonical path
/// when it exists, else its parent's canonical path joined with its name (for a `--stdin-filename`
/// that does not exist on disk), else the absolute path.
pub fn identity(path: &Path, cwd: &Path) -> PathBuf {
    let absolute = cwd.join(path);
    if let Ok(canonical) = absolute.canonicalize() {
        return canonical;
    }
    if let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name())
        && let Ok(parent) = parent.canonicalize()
    {
        return parent.join(name);
    }
    absolute
}

fn dedup(files: &mut Vec<FoundFile>, cwd: &Path) {
    let mut seen = HashSet::new();
    files.retain(|f| seen.insert(identity(&f.path, cwd)));
}

/// A migration version: the numbers at the start of a file name, each compared as an integer
/// of any length (`20260107090000`, `V2`, `V1.2`, `0002`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version(Vec<String>);

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // Numbers without leading zeros compare by length, then digit by digit: no overflow
        // whatever the length.
        let key = |s: &String| (s.len(), s.clone());
        self.0.iter().map(key).cmp(other.0.iter().map(key))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The version at the start of a migration file name, if it has one.
///
/// - `20260107090000_add_clients.sql`, `0002_x.sql`, `10_x.sql`, `1.sql`: the leading digits.
/// - Flyway `V2__x.sql`, `V1_1__x.sql`, `V1.1__x.sql`: the parts between `V` and `__`.
pub fn version_of(file_name: &str) -> Option<Version> {
    let bytes = file_name.as_bytes();
    let flyway =
        matches!(bytes.first(), Some(b'V' | b'v')) && bytes.get(1).is_some_and(u8::is_ascii_digit);
    if flyway {
        let rest = file_name.get(1..)?;
        let end = rest
            .find("__")
            .or_else(|| rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')))
            .unwrap_or(rest.len());
        let parts: Vec<String> = rest
            .get(..end)?
            .split(['.', '_'])
            .filter(|p| !p.is_empty())
            .map(strip_zeros)
            .collect();
        return (!parts.is_empty()).then_some(Version(parts));
    }
    let digits: &str = &file_name[..file_name
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(file_name.len())];
    (!digits.is_empty()).then(|| Version(vec![strip_zeros(digits)]))
}

fn strip_zeros(digits: &str) -> String {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Compare two migration files: versioned before unversioned, versions as integers, then by
/// file name, then by the whole name (same file name in different directories).
pub fn migration_order(a: &str, b: &str) -> Ordering {
    let file_name = |s: &str| {
        Path::new(s)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| s.to_string())
    };
    let (fa, fb) = (file_name(a), file_name(b));
    let (va, vb) = (version_of(&fa), version_of(&fb));
    let by_version = match (&va, &vb) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_version.then_with(|| fa.cmp(&fb)).then_with(|| a.cmp(b))
}

/// Sort files into migration order (see [`migration_order`]).
pub fn sort_migrations(files: &mut [FoundFile]) {
    files.sort_by(|a, b| migration_order(&a.name, &b.name));
}

/// Read a file as a migration: refuse special files (FIFOs, devices) without reading them,
/// files over [`MAX_FILE_SIZE`], binary files and invalid UTF-8.
pub fn read_source(path: &Path, name: &str) -> Result<SourceFile, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::new(name, io_message(&e)))?;
    if meta.is_dir() {
        return Err(InputError::new(name, "is a directory"));
    }
    if !meta.is_file() {
        return Err(InputError::new(
            name,
            format!("not a regular file ({})", file_kind(&meta.file_type())),
        ));
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_big(name));
    }
    let file = std::fs::File::open(path).map_err(|e| InputError::new(name, io_message(&e)))?;
    let bytes = read_capped(file).map_err(|e| InputError::new(name, io_message(&e)))?;
    decode(name, bytes)
}

/// Read standard input (capped like files).
pub fn read_stdin(name: &str) -> Result<SourceFile, InputError> {
    let bytes =
        read_capped(std::io::stdin().lock()).map_err(|e| InputError::new(name, io_message(&e)))?;
    decode(name, bytes)
}

fn too_big(name: &str) -> InputError {
    InputError::new(
        name,
        format!(
            "file is larger than {} MiB; this is not a migration",
            MAX_FILE_SIZE / (1024 * 1024)
        ),
    )
}

/// Read at most one byte more than the cap, so a file that grows while we read (or a stream)
/// cannot exhaust memory.
fn read_capped(reader: impl Read) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(std::io::Error::other(format!(
            "input is larger than {} MiB; this is not a migration",
            MAX_FILE_SIZE / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// Turn bytes into a [`SourceFile`]: binary (NUL bytes, UTF-16) and invalid UTF-8 are errors
/// naming the byte offset.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<SourceFile, InputError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(InputError::new(
            name,
            "file is UTF-16 encoded; pgward reads UTF-8 (convert it, e.g. with iconv)",
        ));
    }
    if let Some(offset) = bytes.iter().position(|b| *b == 0) {
        return Err(InputError::new(
            name,
            format!("binary file (NUL byte at byte offset {offset}); not a SQL migration"),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = bytes
                .get(..offset)
                .map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
                + 1;
            let bad = bytes.get(offset).copied().unwrap_or(0);
            Err(InputError::new(
                name,
                format!(
                    "invalid UTF-8 at byte offset {offset} (line {line}, byte 0x{bad:02x}); \
                     pgward reads UTF-8 (convert the file, e.g. with iconv -f latin1 -t utf-8)"
                ),
            ))
        }
    }
}

/// Standard input for a check: its name (from `--stdin-filename`, or [`STDIN_NAME`]) and what
/// reading it gave.
#[derive(Debug)]
pub struct StdinInput {
    pub name: Option<String>,
    pub source: Result<SourceFile, InputError>,
}

/// The files of a check, read, in migration order, with what went wrong.
#[derive(Debug, Default)]
pub struct LoadedSet {
    pub inputs: Vec<CheckInput>,
    /// Files that were named (or found below a named directory) and could not be used: exit 2.
    pub errors: Vec<InputError>,
    /// Not fatal: empty directories, context files that could not be read.
    pub warnings: Vec<String>,
    /// Files found below a directory that the runner does not run (a seed file, a schema dump,
    /// a `metadata.toml` neighbour's notes), with why: left out, listed by `--show-files`.
    pub skipped: Vec<String>,
}

/// Build the set to check from command-line paths and standard input.
///
/// Context mode: when a named file (or the stdin file name) lies inside the configured
/// `migrations_dir`, the rest of that directory is loaded too, with `report: false`, so
/// schema-aware rules see the whole set while only the named files are reported. A stdin buffer
/// replaces the on-disk file of the same name.
pub fn load_set(
    paths: &[String],
    stdin: Option<StdinInput>,
    config: &Config,
    cwd: &Path,
) -> LoadedSet {
    let mut set = LoadedSet::default();
    let discovery = discover(paths, cwd);
    set.errors.extend(discovery.errors);
    set.warnings.extend(discovery.warnings);

    struct Entry {
        name: String,
        report: bool,
        identity: PathBuf,
        source: Option<Result<SourceFile, InputError>>,
        path: PathBuf,
    }
    let mut entries: Vec<Entry> = discovery
        .files
        .into_iter()
        .map(|f| Entry {
            identity: identity(&f.path, cwd),
            name: f.name,
            report: true,
            source: None,
            path: f.path,
        })
        .collect();

    if let Some(stdin) = stdin {
        let name = stdin.name.clone().unwrap_or_else(|| STDIN_NAME.to_string());
        let id = match &stdin.name {
            Some(n) => identity(Path::new(n), cwd),
            // An unnamed buffer is never the same file as anything on disk.
            None => PathBuf::from("\0stdin"),
        };
        entries.retain(|e| e.identity != id);
        entries.push(Entry {
            name,
            report: true,
            identity: id,
            source: Some(stdin.source),
            path: PathBuf::new(),
        });
    }

    if let Some(dir) = config.migrations_dir_path()
        && let Ok(dir_id) = cwd.join(&dir).canonicalize()
        && entries.iter().any(|e| e.identity.starts_with(&dir_id))
    {
        let context = discover(&[dir.to_string_lossy().into_owned()], cwd);
        let named: HashSet<PathBuf> = entries.iter().map(|e| e.identity.clone()).collect();
        for e in context.errors {
            // A named file's own problem is reported once, as an error, when it is read.
            if !named.contains(&identity(Path::new(&e.path), cwd)) {
                set.warnings.push(format!(
                    "{e} (context for the named files may be incomplete)"
                ));
            }
        }
        for f in context.files {
            let id = identity(&f.path, cwd);
            if !named.contains(&id) {
                entries.push(Entry {
                    identity: id,
                    name: f.name,
                    report: false,
                    source: None,
                    path: f.path,
                });
            }
        }
    }

    // The runner decides which of the files found below directories are migrations, and the
    // order; a file named on the command line is always checked.
    let runner = config.runner();
    let named_args: HashSet<PathBuf> = paths.iter().map(|p| identity(Path::new(p), cwd)).collect();
    let arg_dirs: Vec<PathBuf> = paths
        .iter()
        .map(|p| identity(Path::new(p), cwd))
        .filter(|p| p.is_dir())
        .collect();
    let migrations_dir = config
        .migrations_dir_path()
        .and_then(|d| cwd.join(d).canonicalize().ok());
    let layout_rel = |e: &Entry| -> PathBuf {
        let dirs = migrations_dir.iter().chain(arg_dirs.iter());
        dirs.filter_map(|d| e.identity.strip_prefix(d).ok())
            .min_by_key(|r| r.components().count())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(Path::new(&e.name).file_name().unwrap_or_default()))
    };
    entries.retain(|e| {
        if e.source.is_some() || named_args.contains(&e.identity) {
            return true;
        }
        match runner.classify(&layout_rel(e)) {
            crate::runner::layout::Classified::Migration(_) => true,
            crate::runner::layout::Classified::Skipped(why) => {
                set.skipped.push(format!("{}: {why}", e.name));
                false
            }
        }
    });
    entries.sort_by_cached_key(|e| (runner.classify_named(&layout_rel(e)).key, e.name.clone()));
    // Files are read in parallel (rayon keeps the order); most of a big set's time is I/O.
    let read: Vec<(bool, Result<SourceFile, InputError>)> = entries
        .into_par_iter()
        .map(|entry| {
            let source = match entry.source {
                Some(source) => source,
                None => read_source(&entry.path, &entry.name),
            };
            (entry.report, source)
        })
        .collect();
    for (report, source) in read {
        match source {
            Ok(source) => set.inputs.push(CheckInput { source, report }),
            Err(e) if report => set.errors.push(e),
            Err(e) => set.warnings.push(format!(
                "{e} (context for the named files may be incomplete)"
            )),
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(names: &[&str]) -> Vec<String> {
        let mut files: Vec<FoundFile> = names
            .iter()
            .map(|n| FoundFile {
                path: PathBuf::from(n),
                name: n.to_string(),
            })
            .collect();
        sort_migrations(&mut files);
        files.into_iter().map(|f| f.name).collect()
    }

    #[test]
    fn versions_compare_as_integers() {
        assert_eq!(
            order(&["10_x.sql", "2_x.sql", "1_x.sql"]),
            ["1_x.sql", "2_x.sql", "10_x.sql"]
        );
        assert_eq!(
            order(&["0010_b.sql", "0002_a.sql", "0002_0.sql"]),
            ["0002_0.sql", "0002_a.sql", "0010_b.sql"]
        );
    }

    #[test]
    fn timestamps_and_flyway() {
        assert_eq!(
            order(&[
                "20260107090000_add_clients.sql",
                "20251231235959_drop_videos.sql",
                "V10__c.sql",
                "V2__b.sql",
                "V1_1__a.sql",
            ]),
            [
                "V1_1__a.sql",
                "V2__b.sql",
                "V10__c.sql",
                "20251231235959_drop_videos.sql",
                "20260107090000_add_clients.sql",
            ]
        );
        assert_eq!(
            version_of("V1.2__x.sql"),
            Some(Version(vec!["1".into(), "2".into()]))
        );
        assert_eq!(version_of("V__x.sql"), None);
        assert_eq!(version_of("views.sql"), None);
    }

    #[test]
    fn unversioned_after_versioned_by_name() {
        assert_eq!(
            order(&["seed.sql", "b_init.sql", "3_x.sql", "a.sql"]),
            ["3_x.sql", "a.sql", "b_init.sql", "seed.sql"]
        );
    }

    #[test]
    fn huge_versions_do_not_overflow() {
        assert_eq!(
            order(&["123456789012345678901234567890_b.sql", "99_a.sql"]),
            ["99_a.sql", "123456789012345678901234567890_b.sql"]
        );
    }

    #[test]
    fn same_file_name_in_two_dirs_is_stable() {
        assert_eq!(
            order(&["b/1_x.sql", "a/1_x.sql", "a/0_y.sql"]),
            ["a/0_y.sql", "a/1_x.sql", "b/1_x.sql"]
        );
    }

    #[test]
    fn display_names() {
        let cwd = Path::new("/work/proj");
        assert_eq!(
            display_name(Path::new("/work/proj/m/1.sql"), cwd),
            "m/1.sql"
        );
        assert_eq!(
            display_name(Path::new("/elsewhere/1.sql"), cwd),
            "/elsewhere/1.sql"
        );
        assert_eq!(display_name(Path::new("./m/./1.sql"), cwd), "m/1.sql");
    }

    #[test]
    fn decode_errors_name_the_offset() {
        let e = decode("a.sql", b"SELECT 'caf\xe9';".to_vec()).unwrap_err();
        assert!(e.message.contains("byte offset 11"), "{e}");
        assert!(e.message.contains("line 1"), "{e}");
        let e = decode("b.sql", b"SEL\0ECT".to_vec()).unwrap_err();
        assert!(e.message.contains("binary"), "{e}");
        assert!(e.message.contains("offset 3"), "{e}");
        let ok = decode("c.sql", "\u{feff}SELECT 1;\r\n".as_bytes().to_vec()).unwrap();
        assert_eq!(ok.text, "SELECT 1;\r\n");
    }

    #[test]
    fn discovery_walks_dedups_and_orders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("m/sub")).unwrap();
        std::fs::create_dir_all(root.join("m/.hidden")).unwrap();
        for f in [
            "m/10_c.sql",
            "m/2_b.sql",
            "m/sub/1_a.sql",
            "m/readme.md",
            "m/.hidden/0.sql",
        ] {
            std::fs::write(root.join(f), "SELECT 1;").unwrap();
        }
        let d = discover(
            &[
                "m".to_string(),
                "m/2_b.sql".to_string(),
                "./m/10_c.sql".to_string(),
            ],
            root,
        );
        let names: Vec<&str> = d.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["m/sub/1_a.sql", "m/2_b.sql", "m/10_c.sql"]);
        assert!(d.errors.is_empty(), "{:?}", d.errors);

        let d = discover(&["m/*.sql".to_string()], root);
        let names: Vec<&str> = d.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["m/2_b.sql", "m/10_c.sql"]);

        let d = discover(&["nope/*.sql".to_string(), "missing.sql".to_string()], root);
        assert_eq!(d.errors.len(), 2, "{:?}", d.errors);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_errors_not_hangs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("m")).unwrap();
        std::fs::write(root.join("m/1.sql"), "SELECT 1;").unwrap();
        std::os::unix::fs::symlink(root.join("m"), root.join("m/loop")).unwrap();
        let d = discover(&["m".to_string()], root);
        assert_eq!(d.files.len(), 1);
        assert!(
            d.errors.iter().any(|e| e.message.contains("symlink loop")),
            "{:?}",
            d.errors
        );
    }
}
