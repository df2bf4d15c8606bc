//! The set a check runs on: the named files, standard input, the rest of `migrations_dir` as
//! context, filtered and ordered by the runner, read in parallel.

use super::read::{read_regular, read_source, regular_file_len};
use super::{InputError, STDIN_NAME, discover, identity};
use crate::config::Config;
use crate::source::{CheckInput, SourceFile};
use foldhash::HashSet;
use rayon::prelude::*;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

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
    /// Leading context files left unread because the caller could do without their text
    /// ([`load_set_deferring`]); they come before `inputs` in migration order.
    pub unread: Vec<UnreadFile>,
    /// With [`load_set_deferring`]: the stamps of the leading context files (the unread ones,
    /// then the first `inputs`), up to the first that has none.
    pub stamps: Vec<Stamp>,
    pub inputs: Vec<CheckInput>,
    /// Files that were named (or found below a named directory) and could not be used: exit 2.
    pub errors: Vec<InputError>,
    /// Not fatal: empty directories, context files that could not be read.
    pub warnings: Vec<String>,
    /// Files found below a directory that the runner does not run (a seed file, a schema dump,
    /// a `metadata.toml` neighbour's notes), with why: left out, listed by `--show-files`.
    pub skipped: Vec<String>,
}

/// A context file found and stamped, not read.
#[derive(Debug, Clone)]
pub struct UnreadFile {
    pub name: String,
    pub path: PathBuf,
    pub stamp: Stamp,
}

/// What says a file has not changed without reading it: its size, modification and change
/// times and inode (the fields git's index compares).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    pub len: u64,
    pub modified_ns: i128,
    pub changed_ns: i128,
    pub inode: u64,
    pub device: u64,
}

impl Stamp {
    /// The stamp of a regular file; `None` for anything else. Where the platform has no
    /// change time and inode, the stamp is the size and modification time alone.
    pub fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() {
            return None;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |secs: i64, nanos: i64| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
            Some(Stamp {
                len: meta.len(),
                modified_ns: ns(meta.mtime(), meta.mtime_nsec()),
                changed_ns: ns(meta.ctime(), meta.ctime_nsec()),
                inode: meta.ino(),
                device: meta.dev(),
            })
        }
        #[cfg(not(unix))]
        {
            let modified_ns = meta
                .modified()
                .ok()
                .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128);
            Some(Stamp {
                len: meta.len(),
                modified_ns,
                changed_ns: modified_ns,
                inode: 0,
                device: 0,
            })
        }
    }

    /// The stamps of `paths`, in order, up to the first that has none. A directory's files
    /// are looked up by name, relative to the directory, where the platform allows: the
    /// kernel walks one path component per file instead of every component.
    pub fn of_each<'p>(paths: impl IntoIterator<Item = &'p Path>) -> Vec<Stamp> {
        #[cfg(target_os = "linux")]
        {
            let mut dir: Option<(&Path, rustix::fd::OwnedFd)> = None;
            paths
                .into_iter()
                .map_while(|path| {
                    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
                        return Stamp::of(path);
                    };
                    let parent = if parent.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        parent
                    };
                    if dir
                        .as_ref()
                        .is_none_or(|(open, _)| open.as_os_str() != parent.as_os_str())
                    {
                        use rustix::fs::{Mode, OFlags};
                        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
                        dir = Some((parent, rustix::fs::open(parent, flags, Mode::empty()).ok()?));
                    }
                    let (_, fd) = dir.as_ref()?;
                    Stamp::at(fd, name)
                })
                .collect()
        }
        #[cfg(not(target_os = "linux"))]
        {
            paths.into_iter().map_while(Stamp::of).collect()
        }
    }

    /// [`Stamp::of`] the file `name` in the directory `dir`; the same fields as std's
    /// metadata (both follow symlinks), so stamps compare across the two.
    #[cfg(target_os = "linux")]
    fn at(dir: &rustix::fd::OwnedFd, name: &std::ffi::OsStr) -> Option<Stamp> {
        use rustix::fs::{AtFlags, FileType, StatxFlags};
        let st = rustix::fs::statx(dir, name, AtFlags::empty(), StatxFlags::BASIC_STATS).ok()?;
        if FileType::from_raw_mode(u32::from(st.stx_mode)) != FileType::RegularFile {
            return None;
        }
        let ns = |t: rustix::fs::StatxTimestamp| {
            i128::from(t.tv_sec) * 1_000_000_000 + i128::from(t.tv_nsec)
        };
        Some(Stamp {
            len: st.stx_size,
            modified_ns: ns(st.stx_mtime),
            changed_ns: ns(st.stx_ctime),
            inode: st.stx_ino,
            device: rustix::fs::makedev(st.stx_dev_major, st.stx_dev_minor),
        })
    }

    /// Whether the file changed so recently that a later write within the file system's
    /// timestamp granularity could leave the stamp as it is: such a stamp is not recorded.
    pub fn is_recent(&self, now_ns: i128) -> bool {
        const SETTLED_NS: i128 = 1_000_000_000;
        now_ns - self.modified_ns.max(self.changed_ns) < SETTLED_NS
    }
}

/// Which leading context files a caller can do without reading: given their names and
/// stamps, in order, it returns how many of the first ones to leave unread.
pub type Defer<'a> = &'a (dyn Fn(&[(&str, Stamp)]) -> usize + Sync);

/// Build the set to check from command-line paths and standard input.
///
/// Context mode: when a named file (or the stdin file name) lies inside the configured
/// `migrations_dir`, the rest of that directory is loaded too, with `report: false`, so
/// schema-aware rules see the whole set while only the named files are reported. A stdin buffer
/// replaces the on-disk file of the same name. Files at or before `[check] after` are context
/// too; files `[files] exclude` matches are left out entirely.
pub fn load_set(
    paths: &[String],
    stdin: Option<StdinInput>,
    config: &Config,
    cwd: &Path,
) -> LoadedSet {
    load_set_with(paths, stdin, config, cwd, None, None)
}

/// [`load_set`], leaving every file unread ([`SourceFile::unread`]) when together they hold
/// more than `above` bytes: the check reads each file when it parses it, so that a big set's
/// texts are never all in memory at once. What a file is (a directory, a special file, too
/// big) is known already; what it holds (binary, not UTF-8) and whether it can still be read
/// is found when it is read.
pub fn load_set_streaming(
    paths: &[String],
    stdin: Option<StdinInput>,
    config: &Config,
    cwd: &Path,
    above: usize,
) -> LoadedSet {
    load_set_with(paths, stdin, config, cwd, None, Some(above))
}

/// [`load_set`], leaving the first context files unread when `defer` says their text is not
/// needed (the check cache restores their replay and knows them by their stamps).
pub fn load_set_deferring(
    paths: &[String],
    stdin: Option<StdinInput>,
    config: &Config,
    cwd: &Path,
    defer: Defer,
) -> LoadedSet {
    load_set_with(paths, stdin, config, cwd, Some(defer), None)
}

fn load_set_with(
    paths: &[String],
    stdin: Option<StdinInput>,
    config: &Config,
    cwd: &Path,
    defer: Option<Defer>,
    stream_above: Option<usize>,
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
        /// The path the runner classifies (see `layout_rel` below).
        layout: PathBuf,
        /// Where the runner puts it, once classified.
        order: Option<crate::runner::layout::OrderKey>,
    }
    let mut entries: Vec<Entry> = discovery
        .files
        .into_iter()
        .map(|f| Entry {
            identity: f.identity,
            name: f.name,
            report: true,
            source: None,
            path: f.path,
            layout: PathBuf::new(),
            order: None,
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
            layout: PathBuf::new(),
            order: None,
        });
    }

    if let Some(dir) = config.migrations_dir_path()
        && let Ok(dir_id) = cwd.join(&dir).canonicalize()
        && entries.iter().any(|e| e.identity.starts_with(&dir_id))
    {
        let context = discover(&[dir.to_string_lossy().into_owned()], cwd);
        let named: HashSet<OsString> = entries
            .iter()
            .map(|e| e.identity.as_os_str().to_owned())
            .collect();
        for e in context.errors {
            // A named file's own problem is reported once, as an error, when it is read.
            if !named.contains(identity(Path::new(&e.path), cwd).as_os_str()) {
                set.warnings.push(format!(
                    "{e} (context for the named files may be incomplete)"
                ));
            }
        }
        for f in context.files {
            let id = f.identity;
            if !named.contains(id.as_os_str()) {
                entries.push(Entry {
                    identity: id,
                    name: f.name,
                    report: false,
                    source: None,
                    path: f.path,
                    layout: PathBuf::new(),
                    order: None,
                });
            }
        }
    }

    // The runner decides which of the files found below directories are migrations, and the
    // order; a file named on the command line is always checked.
    let runner = config.runner();
    let named_args: HashSet<OsString> = paths
        .iter()
        .map(|p| identity(Path::new(p), cwd).into_os_string())
        .collect();
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
    for e in &mut entries {
        e.layout = layout_rel(e);
    }
    entries.retain_mut(|e| {
        if e.source.is_some() || named_args.contains(e.identity.as_os_str()) {
            return true;
        }
        match runner.classify(&e.layout) {
            crate::runner::layout::Classified::Migration(m) => {
                e.order = Some(m.key);
                true
            }
            crate::runner::layout::Classified::Skipped(why) => {
                set.skipped.push(format!("{}: {why}", e.name));
                false
            }
        }
    });
    // `[files] exclude` leaves a file out of everything, even when it is named (pre-commit
    // names every changed file).
    entries.retain(|e| {
        if !e.identity.is_absolute() || !config.is_excluded(&e.identity) {
            return true;
        }
        if e.report {
            set.warnings.push(format!(
                "{}: excluded by [files] exclude; not checked",
                e.name
            ));
        }
        set.skipped
            .push(format!("{}: excluded by [files] exclude", e.name));
        false
    });
    // `[check] after`: older files are context, never reported.
    for e in &mut entries {
        if e.report && config.before_after(&e.layout) {
            e.report = false;
        }
    }
    for e in &mut entries {
        if e.order.is_none() {
            e.order = Some(runner.classify_named(&e.layout).key);
        }
    }
    entries.sort_by(|a, b| (&a.order, &a.name).cmp(&(&b.order, &b.name)));
    if let Some(defer) = defer {
        // The leading context files, stamped up to the first that cannot be.
        let leading = entries
            .iter()
            .position(|e| e.report || e.source.is_some())
            .unwrap_or(entries.len());
        // On this thread: a check with a cache runs discovery beside the pack's decode, and
        // a thread pool here would contend with it for the cores.
        set.stamps = Stamp::of_each(entries[..leading].iter().map(|e| e.path.as_path()));
        let named: Vec<(&str, Stamp)> = entries
            .iter()
            .zip(&set.stamps)
            .map(|(e, s)| (e.name.as_str(), *s))
            .collect();
        let deferred = if named.is_empty() {
            0
        } else {
            defer(&named).min(named.len())
        };
        drop(named);
        let rest = entries.split_off(deferred);
        set.unread = entries
            .into_iter()
            .zip(&set.stamps)
            .map(|(e, stamp)| UnreadFile {
                name: e.name,
                path: e.path,
                stamp: *stamp,
            })
            .collect();
        entries = rest;
    }
    let read_entry = |entry: Entry| {
        let source = match entry.source {
            Some(source) => source,
            // Streaming: only looked at now (read below unless the set is big).
            None if stream_above.is_some() => regular_file_len(&entry.path, &entry.name)
                .map(|len| SourceFile::unread(entry.name, entry.path, len)),
            None => read_source(&entry.path, &entry.name),
        };
        (entry.report, source)
    };
    // Files are read in parallel (rayon keeps the order); most of a big set's time is I/O. A
    // few files (what a warm run reads) are read here: no thread pool to start.
    let in_parallel = entries.len() >= 8;
    let mut read: Vec<(bool, Result<SourceFile, InputError>)> = if in_parallel {
        entries.into_par_iter().map(read_entry).collect()
    } else {
        entries.into_iter().map(read_entry).collect()
    };
    let size: usize = read
        .iter()
        .filter_map(|(_, source)| source.as_ref().ok())
        .map(SourceFile::text_len)
        .fold(0, usize::saturating_add);
    if stream_above.is_some_and(|above| size <= above) {
        // Not big after all: read now, as without streaming.
        let read_now = |(_, source): &mut (bool, Result<SourceFile, InputError>)| {
            if let Ok(file) = source
                && let (Some(len), Some(path)) = (file.unread, file.origin.take())
            {
                *source = read_regular(&path, &file.name, len);
            }
        };
        if in_parallel {
            read.par_iter_mut().for_each(read_now);
        } else {
            read.iter_mut().for_each(read_now);
        }
    }
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
    use super::Stamp;
    use std::path::{Path, PathBuf};

    /// Stamps taken relative to their directory are the stamps of the paths themselves (the
    /// check cache compares stamps recorded one way with stamps taken the other).
    #[test]
    fn stamps_by_name_in_a_directory_are_the_stamps_of_the_paths() {
        let root = tempfile::tempdir().expect("temp dir");
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join("1.sql"), "select 1;").unwrap();
        std::fs::write(a.join("2.sql"), "select 22;").unwrap();
        std::fs::write(b.join("3.sql"), "select 333;").unwrap();
        let mut paths: Vec<PathBuf> = vec![a.join("1.sql"), a.join("2.sql"), b.join("3.sql")];
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(b.join("3.sql"), a.join("4.sql")).unwrap();
            paths.push(a.join("4.sql"));
        }
        let one_by_one: Vec<Stamp> = paths.iter().map(|p| Stamp::of(p).expect("stamp")).collect();
        assert_eq!(
            Stamp::of_each(paths.iter().map(PathBuf::as_path)),
            one_by_one
        );
        assert_eq!(one_by_one[0].len, 9);

        // Up to the first path without a stamp: a missing file, a directory.
        let stop = [a.join("1.sql"), a.join("missing.sql"), a.join("2.sql")];
        assert_eq!(
            Stamp::of_each(stop.iter().map(PathBuf::as_path)),
            one_by_one[..1]
        );
        let dir = [a.join("1.sql"), b.clone()];
        assert_eq!(
            Stamp::of_each(dir.iter().map(PathBuf::as_path)),
            one_by_one[..1]
        );

        // A path relative to the working directory, and one without a directory part.
        let cwd = std::env::current_dir().unwrap();
        let relative = pathdiff(&a.join("1.sql"), &cwd);
        assert_eq!(Stamp::of_each([relative.as_path()]), one_by_one[..1]);
        let bare = Path::new("Cargo.toml");
        assert_eq!(
            Stamp::of_each([bare]),
            [Stamp::of(bare).expect("Cargo.toml")]
        );
    }

    /// `path` relative to `base` (`../..` up to their common ancestor, then down).
    fn pathdiff(path: &Path, base: &Path) -> PathBuf {
        let common = path
            .components()
            .zip(base.components())
            .take_while(|(a, b)| a == b)
            .count();
        let mut out = PathBuf::new();
        for _ in base.components().skip(common) {
            out.push("..");
        }
        out.extend(path.components().skip(common));
        out
    }
}
