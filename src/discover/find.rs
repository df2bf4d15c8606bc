//! Paths, directories and glob patterns → the files they name, deduplicated, in migration order.

use super::InputError;
use super::order::sort_migrations;
use super::read::{file_kind, io_message};
use foldhash::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// A file found by discovery, not read yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Where to open it.
    pub path: PathBuf,
    /// How messages name it: as given or discovered, relative to the cwd when below it.
    pub name: String,
    /// What [`identity`] gives for `path`, computed once during discovery.
    pub identity: PathBuf,
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
    let mut ids = Identities::default();
    for arg in paths {
        expand_one(arg, cwd, &mut out, &mut ids);
    }
    dedup(&mut out.files);
    // A directory reached twice (through a symlink) reports its problems once.
    let mut seen = HashSet::default();
    out.errors
        .retain(|e| seen.insert((identity(Path::new(&e.path), cwd), e.message.clone())));
    sort_migrations(&mut out.files);
    out
}

fn expand_one(arg: &str, cwd: &Path, out: &mut Discovery, ids: &mut Identities) {
    let given = Path::new(arg);
    let path = cwd.join(given);
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => {
            let before = out.files.len();
            walk_dir(&path, cwd, out, ids);
            if out.files.len() == before {
                out.warnings
                    .push(format!("{}: no .sql files found", display_name(&path, cwd)));
            }
        }
        Ok(_) => out.files.push(FoundFile {
            name: display_name(&path, cwd),
            identity: identity(&path, cwd),
            path,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && is_glob(arg) => {
            expand_glob(arg, cwd, out, ids)
        }
        Err(e) => out
            .errors
            .push(InputError::new(display_name(&path, cwd), io_message(&e))),
    }
}

fn is_glob(arg: &str) -> bool {
    arg.contains(['*', '?', '['])
}

fn expand_glob(pattern: &str, cwd: &Path, out: &mut Discovery, ids: &mut Identities) {
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
            Ok(path) if path.is_dir() => walk_dir(&path, cwd, out, ids),
            Ok(path) => out.files.push(FoundFile {
                name: display_name(&path, cwd),
                identity: identity(&path, cwd),
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

/// Every `*.sql` file below `dir` (recursively, following symlinks, skipping hidden entries),
/// in the order of a walk that visits each directory's entries sorted by name.
fn walk_dir(dir: &Path, cwd: &Path, out: &mut Discovery, ids: &mut Identities) {
    // Walked as the directories list them, then sorted once by path, component by component:
    // the order of a walk that sorts each directory by name, for a fraction of its cost (that
    // sort parses two file names out of their paths at every comparison).
    let (files, errors) = (out.files.len(), out.errors.len());
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
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
                    let (name, identity) = ids.of(entry.path(), entry.path_is_symlink(), cwd);
                    out.files.push(FoundFile {
                        name,
                        identity,
                        path: entry.into_path(),
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
    out.files[files..].sort_by_cached_key(|f| component_order(&f.path));
    out.errors[errors..].sort_by_cached_key(|e| component_order(Path::new(&e.path)));
}

/// A key whose byte order is `path`'s component by component order (for the clean paths a
/// walk yields): the separator sorts before every byte a name can hold.
fn component_order(path: &Path) -> Vec<u8> {
    let mut key = path.as_os_str().as_encoded_bytes().to_vec();
    for byte in &mut key {
        if std::path::is_separator(char::from(*byte)) {
            *byte = 0;
        }
    }
    key
}

fn has_sql_extension(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("sql"))
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
/// that does not exist on disk), else the absolute path. Always in normal form (no `.`
/// components, repeated or trailing separators), so that two identities are the same path
/// exactly when their bytes are equal: sets of identities hash bytes, not path components.
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
    absolute.components().collect()
}

/// [`display_name`] and [`identity`] for many files found below the same directories: each
/// directory is named and canonicalized once, and a file is its directory's name and canonical
/// path joined with its own name (unless it is a symlink itself: resolving every file's path
/// costs a `readlink` per path component).
#[derive(Default)]
struct Identities {
    /// By the directory's path as found (bytes: a path spelled two ways is looked up twice).
    dirs: HashMap<OsString, Dir>,
}

/// A directory's name in messages and its canonical path.
struct Dir {
    name: String,
    canonical: Option<PathBuf>,
}

impl Identities {
    /// `path` is absolute (discovery joins every path with the cwd).
    fn of(&mut self, path: &Path, is_symlink: bool, cwd: &Path) -> (String, PathBuf) {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return (display_name(path, cwd), identity(path, Path::new("/")));
        };
        let key = parent.as_os_str();
        if !self.dirs.contains_key(key) {
            let dir = Dir {
                name: display_name(parent, cwd),
                canonical: parent.canonicalize().ok(),
            };
            self.dirs.insert(key.to_owned(), dir);
        }
        let dir = &self.dirs[key];
        let shown = match dir.name.as_str() {
            "." => name.to_string_lossy().into_owned(),
            parent => format!("{parent}/{}", name.to_string_lossy()),
        };
        match &dir.canonical {
            Some(canonical) if !is_symlink => (shown, canonical.join(name)),
            _ => (shown, identity(path, Path::new("/"))),
        }
    }
}

fn dedup(files: &mut Vec<FoundFile>) {
    let mut seen = HashSet::default();
    let first: Vec<bool> = files
        .iter()
        .map(|f| seen.insert(f.identity.as_os_str()))
        .collect();
    let mut first = first.into_iter();
    files.retain(|_| first.next().unwrap_or(true));
}
#[cfg(test)]
mod tests {
    use super::*;

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
