//! Open documents, the config that applies to each, the cached context files of a migrations
//! directory, and linting one buffer against them.

use crate::catalog::Catalog;
use crate::config::{CONFIG_FILE_NAME, Config, ConfigError};
use crate::discover::Stamp;
use crate::engine::{self, CheckOutput, Source, Workspace, WorkspaceFile};
use crate::report::lsp_json::{to_lsp_diagnostic, uri_for_name};
use crate::source::FileId;
use crate::source::SourceFile;
use crate::syntax::reparse::Reparse;
use crate::syntax::{self, ParseOptions, ParsedFile};
use lsp_types::{PublishDiagnosticsParams, Uri};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// The result of linting one buffer: the whole set it was checked with (buffer included) and
/// the buffer's diagnostics (only the buffer is reported).
pub struct Lint {
    pub output: CheckOutput,
    pub file_id: FileId,
    pub version: i32,
    /// Where the time of this lint went (for `examples/lsp_latency.rs`).
    pub timings: Timings,
}

impl Lint {
    /// The buffer's diagnostics as the client gets them (UTF-16 positions, related files by
    /// URI), for the buffer at `uri`.
    pub fn publish(&self, uri: &Uri) -> PublishDiagnosticsParams {
        let workspace = &self.output.workspace;
        let uri_of = |id: FileId| {
            if id == self.file_id {
                Some(uri.clone())
            } else {
                workspace
                    .files
                    .get(id)
                    .and_then(|f| uri_for_name(&f.source.name))
            }
        };
        let diagnostics = self
            .output
            .diagnostics
            .iter()
            .filter(|d| d.file == self.file_id)
            .filter_map(|d| to_lsp_diagnostic(d, workspace, &uri_of))
            .collect();
        PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version: Some(self.version),
        }
    }
}

/// The stages of one [`Store::lint`], each measured on its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Config lookup and the context files (directory walk, stamps, parsing changed files).
    pub context: Duration,
    /// Re-parsing the buffer's changed statements.
    pub parse: Duration,
    /// Replaying the files before the buffer (only when one of them changed) and copying that state.
    pub prefix: Duration,
    /// Replaying the buffer and the files after it.
    pub replay: Duration,
    /// Rules, suppressions and the baseline on the buffer.
    pub rules: Duration,
}

pub struct Document {
    pub uri: Uri,
    /// The file path, for `file:` URIs.
    pub path: Option<PathBuf>,
    pub text: String,
    pub version: i32,
    /// Latest lint; `None` until linted, and stale while `dirty`.
    pub lint: Option<Lint>,
    /// The text changed since the latest lint.
    pub dirty: bool,
    /// The latest lint is not published yet.
    pub unpublished: bool,
    /// The previous parse of the text: an edit re-parses only the statements it changed.
    pub reparse: Reparse,
    /// The catalog replayed from the context files before this one, while they do not change.
    prefix: Option<Prefix>,
}

impl Document {
    pub fn new(uri: Uri, path: Option<PathBuf>, text: String, version: i32) -> Document {
        Document {
            uri,
            path,
            text,
            version,
            lint: None,
            dirty: true,
            unpublished: false,
            reparse: Reparse::default(),
            prefix: None,
        }
    }
}

/// The state of the schema after the context files that come before a buffer.
struct Prefix {
    /// Those files (a file read again is another `Arc`), and the settings they were replayed
    /// under.
    files: Vec<Source>,
    settings: String,
    catalog: Catalog,
}

/// The migrations of a directory as discovery finds them (hidden entries skipped, regular files
/// only), filtered and ordered as `pgward check` loads them. Walking the directory and
/// resolving every path costs more than the rest of a re-check, so a listing is kept while
/// every directory that holds a listed file (and the migrations directory itself) keeps its
/// mtime, i.e. no entry was added, removed or renamed in them, under the same config. Opening
/// or saving a document, or the client's watched-files notification, walks again.
struct Listing {
    config: Config,
    dirs: Vec<(PathBuf, Option<SystemTime>)>,
    files: Vec<Listed>,
}

struct Listed {
    path: PathBuf,
    /// Symlinks resolved: how the document itself is recognised among them.
    normalized: PathBuf,
    key: crate::runner::layout::OrderKey,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Listing {
    fn walk(config: &Config, dir: &Path) -> Listing {
        // Discovery's own walk, as `check` finds the set; its errors are the CLI's to report.
        let found = crate::discover::discover(&[dir.to_string_lossy().into_owned()], dir);
        let mut files: Vec<Listed> = found
            .files
            .into_iter()
            .map(|f| f.path)
            // The runner's migrations only, as `pgward check` loads them.
            .filter(|p| !config.is_excluded(p))
            .filter(|p| {
                matches!(
                    config.runner().classify(&config.layout_path(p)),
                    crate::runner::layout::Classified::Migration(_)
                )
            })
            .map(|path| Listed {
                normalized: normalize(&path),
                key: order_key(config, &path),
                path,
            })
            .collect();
        files.sort_by(|a, b| a.key.cmp(&b.key));
        let mut dirs: Vec<PathBuf> = std::iter::once(dir.to_path_buf())
            .chain(
                files
                    .iter()
                    .filter_map(|f| f.path.parent())
                    .flat_map(|p| p.ancestors().take_while(|d| d.starts_with(dir)))
                    .map(Path::to_path_buf),
            )
            .collect();
        dirs.sort();
        dirs.dedup();
        Listing {
            config: config.clone(),
            dirs: dirs
                .into_iter()
                .map(|d| {
                    let m = modified(&d);
                    (d, m)
                })
                .collect(),
            files,
        }
    }

    /// No directory of the listing changed its entries since the walk.
    fn current(&self) -> bool {
        self.dirs
            .iter()
            .all(|(d, m)| m.is_some() && modified(d) == *m)
    }
}

/// Frees replaced lints on a thread of its own: a lint holds the schema state of the whole set
/// (thousands of small allocations), and freeing it is no reason to make the client wait.
#[derive(Default)]
struct Dropper(Option<std::sync::mpsc::Sender<Lint>>);

impl Dropper {
    fn drop_later(&mut self, lint: Lint) {
        let sender = self.0.get_or_insert_with(|| {
            let (tx, rx) = std::sync::mpsc::channel::<Lint>();
            // Without the thread (it could not start) `send` fails and the lint is freed here.
            let _ = std::thread::Builder::new()
                .name("pgward-drop".into())
                .spawn(move || rx.into_iter().for_each(drop));
            tx
        });
        if let Err(returned) = sender.send(lint) {
            self.0 = None;
            drop(returned.0);
        }
    }
}

/// A context file read from disk, kept until its stamp (size, times, inode) changes.
struct CachedFile {
    stamp: Stamp,
    /// Parsed for this target version (a changed `postgres_version` re-parses).
    options: ParseOptions,
    source: Arc<SourceFile>,
    parsed: Arc<ParsedFile>,
}

#[derive(Default)]
pub struct Store {
    pub docs: HashMap<Uri, Document>,
    /// Loaded configs by config file path, with the file's stamp when read; errors are kept
    /// too, so they are reported once. A changed stamp reloads the config, so clients that do
    /// not watch files (or never send `pgward.toml` to us) still see edits to it.
    configs: HashMap<PathBuf, (Option<Stamp>, Result<Config, ConfigError>)>,
    disk: HashMap<PathBuf, CachedFile>,
    /// Migrations directories as last walked, by their normalized path.
    listings: HashMap<PathBuf, Listing>,
    /// Where a replaced lint goes to be freed.
    dropper: Dropper,
    /// Workspace root from `initialize`, for documents without a path.
    pub root: Option<PathBuf>,
}

/// Decode a `file:` URI into a path (percent-decoding the path part).
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    // Skip an authority (`file://host/path`); `localhost` and empty mean this machine.
    let path_part = match rest.find('/') {
        Some(0) => rest,
        Some(i) if matches!(&rest[..i], "localhost") => &rest[i..],
        _ => return None,
    };
    let path_part = path_part.split(['?', '#']).next().unwrap_or(path_part);
    let bytes = percent_decode(path_part)?;
    let decoded = String::from_utf8(bytes).ok()?;
    // `file:///C:/x` on Windows: drop the slash before the drive letter.
    let decoded = if cfg!(windows) {
        decoded
            .strip_prefix('/')
            .filter(|p| p.as_bytes().get(1) == Some(&b':'))
            .map(str::to_string)
            .unwrap_or(decoded)
    } else {
        decoded
    };
    Some(PathBuf::from(decoded))
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Some(out)
}

/// Lexically normalized absolute path (symlinks resolved where the path exists).
fn normalize(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    // A file not saved yet: canonicalize its directory, keep its name.
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map(|d| d.join(name))
            .unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

impl Store {
    /// The config that applies to a document: the one config discovery of the CLI
    /// ([`Config::resolve`]: the nearest `pgward.toml` above the file, else above the
    /// workspace root), or the error that makes its file unusable. A broken config is never
    /// replaced by the defaults: the caller shows the error and lints nothing.
    pub fn config_for(&mut self, path: Option<&Path>) -> Result<Config, ConfigError> {
        let cwd = self
            .root
            .clone()
            .or_else(|| path.and_then(Path::parent).map(Path::to_path_buf))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        // Keyed by the config file (by the root when there is none), re-read when it changes.
        let key = Config::find(None, path, &cwd).unwrap_or_else(|| cwd.clone());
        let now = Stamp::of(&key);
        let fresh = self.configs.get(&key).is_some_and(|(seen, _)| *seen == now);
        if !fresh {
            let loaded = Config::resolve(None, path, &cwd);
            self.configs.insert(key.clone(), (now, loaded));
        }
        match self.configs.get(&key) {
            Some((_, loaded)) => loaded.clone(),
            None => Config::resolve(None, path, &cwd),
        }
    }

    /// Forget loaded configs (a `pgward.toml` changed).
    pub fn reload_configs(&mut self) {
        self.configs.clear();
    }

    pub fn is_config_path(path: &Path) -> bool {
        path.file_name().is_some_and(|n| n == CONFIG_FILE_NAME)
    }

    /// Mark every open document for re-linting (context or config changed).
    pub fn mark_all_dirty(&mut self) {
        self.forget_listings();
        for doc in self.docs.values_mut() {
            doc.dirty = true;
        }
    }

    /// The other `*.sql` files of the migrations directory that holds `path`, in migration
    /// order, read and parsed once per version on disk, and where `path` goes among them.
    fn context_files(
        &mut self,
        config: &Config,
        path: &Path,
    ) -> Option<(Vec<WorkspaceFile>, usize)> {
        let dir = normalize(&config.migrations_dir_path()?);
        let me = normalize(path);
        if !me.starts_with(&dir) {
            return None;
        }
        let listing = match self.listings.remove(&dir) {
            Some(listing) if listing.config == *config && listing.current() => listing,
            _ => Listing::walk(config, &dir),
        };
        let my_key = order_key(config, path);
        let mut files = Vec::with_capacity(listing.files.len());
        let mut position = 0;
        let mut seen = HashSet::with_capacity(listing.files.len());
        for listed in &listing.files {
            if listed.normalized == me {
                continue;
            }
            let p = &listed.path;
            let Some(current) = Stamp::of(p) else {
                continue;
            };
            let options = config.parse_options();
            let fresh = self
                .disk
                .get(p)
                .is_some_and(|c| c.stamp == current && c.options == options);
            if !fresh {
                // Files `check` would not read (unreadable, binary, not UTF-8) are the CLI's
                // to report; here they are skipped, as `check` leaves them out of the context.
                let Ok(source) = crate::discover::read_source(p, &p.to_string_lossy()) else {
                    self.disk.remove(p);
                    continue;
                };
                let parsed = syntax::parse_file_with(&source.text, &options);
                self.disk.insert(
                    p.clone(),
                    CachedFile {
                        stamp: current,
                        options,
                        source: source.into(),
                        parsed: Arc::new(parsed),
                    },
                );
            }
            if let Some(cached) = self.disk.get(p) {
                if listed.key <= my_key {
                    position = files.len() + 1;
                }
                files.push(WorkspaceFile {
                    source: Arc::clone(&cached.source).into(),
                    parsed: Arc::clone(&cached.parsed).into(),
                    report: false,
                });
                seen.insert(p.clone());
            }
        }
        // Drop cache entries of files that went away.
        self.disk
            .retain(|k, _| !k.starts_with(&dir) || seen.contains(k));
        self.listings.insert(dir, listing);
        Some((files, position))
    }

    /// Forget every directory listing (files were added, removed or saved): the next lint
    /// walks its migrations directory again.
    pub fn forget_listings(&mut self) {
        self.listings.clear();
    }

    /// Lint one open document: with its migrations directory as context when it sits in one.
    /// Only the statements an edit changed are parsed again, and only the buffer and the files
    /// after it are replayed (onto the kept state after the files before it).
    /// A document `[files] exclude` leaves out, or one at or before `[check] after`, gets no
    /// diagnostics. `Err`: the config (or its baseline) cannot be used; nothing was linted.
    pub fn lint(&mut self, uri: &Uri) -> Result<(), ConfigError> {
        let Some(doc) = self.docs.get_mut(uri) else {
            return Ok(());
        };
        if let Some(previous) = doc.lint.take() {
            self.dropper.drop_later(previous);
        }
        let Some(doc) = self.docs.get(uri) else {
            return Ok(());
        };
        let mut timings = Timings::default();
        let mut clock = Instant::now();
        let mut lap = |into: &mut Duration| {
            let now = Instant::now();
            *into = now - clock;
            clock = now;
        };
        let (path, text, version) = (doc.path.clone(), doc.text.clone(), doc.version);
        let config = match self.config_for(path.as_deref()) {
            Ok(config) => config,
            Err(e) => {
                if let Some(doc) = self.docs.get_mut(uri) {
                    doc.lint = None;
                    doc.dirty = false;
                }
                return Err(e);
            }
        };
        let name = path
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|| uri.as_str().to_string());
        // The client counts a BOM as one UTF-16 unit of line 0, and SourceFile would strip it;
        // a space keeps every position the client sees the same.
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => format!(" {rest}"),
            None => text,
        };
        let excluded = path.as_deref().is_some_and(|p| config.is_excluded(p));
        let reported = !excluded
            && !path
                .as_deref()
                .is_some_and(|p| config.before_after(&config.layout_path(p)));
        let source = SourceFile::new(name, text);
        let (context, position) = match path.as_deref() {
            Some(p) if !excluded => self.context_files(&config, p),
            _ => None,
        }
        .unwrap_or_default();
        let Some(doc) = self.docs.get_mut(uri) else {
            return Ok(());
        };
        lap(&mut timings.context);
        // Only the statements an edit changed are parsed again.
        let (parsed, _) = doc.reparse.parse(&source.text, &config.parse_options());
        lap(&mut timings.parse);
        let buffer = WorkspaceFile {
            source: source.into(),
            parsed: parsed.into(),
            report: reported,
        };
        // The buffer goes where migration order puts it (the end, without a path).
        let file_id = if path.is_some() {
            position
        } else {
            context.len()
        };
        let mut files = context;
        files.insert(file_id, buffer);
        // The files before the buffer replay to the same state while none of them changes on
        // disk: only the buffer and the files after it are replayed, onto a copy of it.
        let settings = engine::cache::replay_settings(&config);
        let kept = doc.prefix.as_ref().is_some_and(|p| {
            p.settings == settings
                && p.files.len() == file_id
                && p.files
                    .iter()
                    .zip(&files)
                    .all(|(a, b)| Source::ptr_eq(a, &b.source))
        });
        if !kept {
            let mut catalog = Catalog::default();
            engine::replay_for_runner(&mut catalog, &files[..file_id], &config);
            doc.prefix = Some(Prefix {
                files: files[..file_id].iter().map(|f| f.source.clone()).collect(),
                settings,
                catalog,
            });
        }
        let mut catalog = doc
            .prefix
            .as_ref()
            .map(|p| p.catalog.clone())
            .unwrap_or_default();
        lap(&mut timings.prefix);
        engine::replay_for_runner(&mut catalog, &files[file_id..], &config);
        lap(&mut timings.replay);
        let workspace = Workspace { files, catalog };
        let diagnostics = engine::run_rules(&workspace, &config);
        let mut output = CheckOutput {
            workspace,
            diagnostics,
        };
        engine::baseline::apply_configured(&mut output, &config).map_err(|message| {
            ConfigError {
                path: engine::baseline::configured_path(&config).unwrap_or_default(),
                line: None,
                message,
            }
        })?;
        lap(&mut timings.rules);
        if let Some(doc) = self.docs.get_mut(uri) {
            doc.lint = Some(Lint {
                output,
                file_id,
                version,
                timings,
            });
            doc.dirty = false;
        }
        Ok(())
    }
}

/// Where a file sorts in its runner's migration order, as `pgward check` sorts it.
fn order_key(config: &Config, path: &Path) -> crate::runner::layout::OrderKey {
    config
        .runner()
        .classify_named(&config.layout_path(path))
        .key
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn file_uris_decode() {
        let uri = Uri::from_str("file:///tmp/a%20b/%C3%A9.sql").expect("uri");
        assert_eq!(uri_to_path(&uri), Some(PathBuf::from("/tmp/a b/é.sql")));
        let other = Uri::from_str("untitled:Untitled-1").expect("uri");
        assert_eq!(uri_to_path(&other), None);
        // Malformed escapes never reach us (the URI does not parse), but decoding is total.
        assert_eq!(percent_decode("/x%zz"), None);
        assert_eq!(percent_decode("/x%4"), None);
    }

    #[test]
    fn migration_order_follows_check() {
        let config = Config::default();
        let mut names = vec![
            "10_x.sql",
            "b.sql",
            "2_x.sql",
            "V3__y.sql",
            "a.sql",
            "0001_z.sql",
        ];
        names.sort_by_cached_key(|n| order_key(&config, Path::new(n)));
        assert_eq!(
            names,
            vec![
                "0001_z.sql",
                "2_x.sql",
                "V3__y.sql",
                "10_x.sql",
                "a.sql",
                "b.sql"
            ]
        );
    }
}
