//! The check cache: the replayed catalog after a prefix of unchanged context files, so that
//! checking one new file in a set of thousands neither re-parses nor re-replays the rest.
//!
//! A check whose first reported file comes after `k` context files (pre-commit and editors name
//! the new files; the rest of `migrations_dir` is context) needs, from those `k` files, only the
//! catalog they replay to, and a statement model now and then (a rule that looks at the
//! statement that created an index, a reporter that quotes a related line). So the cache keeps
//! the catalog after such a prefix, and the prefix's files become [`Parsed::lazy`]: parsed only
//! if something looks into them.
//!
//! One pack per prefix, `replay/<chain>.bin` below the cache directory, where `chain` hashes the
//! [cache key](Cache::key) (pgward's build, the settings that change parsing or replay) and every
//! prefix file's name and text, in order: a pack can only be found by a run whose prefix is
//! byte for byte the one it was built from. A pack is a header (magic, format, key and chain
//! hashes, file count, payload length and checksum) and the catalog in postcard. Anything that
//! does not verify (truncated, garbled, another version's, another format's) is a miss, deleted
//! and rebuilt; never trusted. Packs are written to a temporary file and renamed, so readers
//! and concurrent writers only ever see whole packs.
//!
//! Knowing a prefix by its content means reading and hashing every file of it. So beside each
//! pack a run also records the prefix's stamps (each file's name, size, times and inode, what
//! git's index compares): `stamps/<stamp chain>` names the pack those files replay to. When
//! discovery finds the same stamps again, the prefix's files are not even read
//! ([`Source::on_disk`]: read only if something looks into them). Stamps of files changed in
//! the last second are never recorded (a write within the file system's timestamp granularity
//! could leave them unchanged), and a stamp entry only leads to a pack that verifies.
//!
//! The stamps are known only once discovery has looked at every file, yet a repeated check
//! (pre-commit, CI, an editor's save) almost always restores the pack it restored last time.
//! So `stamps/last` names that pack, and `pgward check` reads and decodes it
//! ([`Cache::prefetch`]) while discovery runs on another thread; it is used only if the stamps
//! then lead to that very pack.
//!
//! When more than a few files are parsed (every file is reported, or an early file changed),
//! parsing is most of the check. So the statement models of a check that parsed every file are
//! kept too, by the hash of each file's text, in `models/<key>.bin` (same header, same checks
//! as a pack): the next such check parses only the files whose text changed. Sets big enough
//! for the check to pack their models ([`super::packs`]) keep none (that memory is what
//! packing saves).

use super::{CheckOutput, Parsed, Source, WorkspaceFile, replay_for_runner, run_rules};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::discover::{Stamp, UnreadFile};
use crate::rules::Workspace;
use crate::source::CheckInput;
use crate::syntax::ParsedFile;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The directory name beside `pgward.toml`.
pub const DIR_NAME: &str = ".pgward_cache";

/// Bumped whenever the pack layout changes (the build stamp covers the model's types; 3: the
/// compact catalog, 4: smaller tables; 5: one postcard document; 6: tables apart, in chunks;
/// 7: a 64-bit payload checksum; 8: columns without their type's span; 9: a column's drop and
/// renames boxed together; 10: a name's first table kept in the history map's entry; 11: the
/// same for policy names and foreign keys by the table they reference; 12: a foreign key's
/// referenced table as id plus one).
const FORMAT: u32 = 12;
const MAGIC: &[u8; 8] = b"PGWARDC\0";
/// magic, format, key hash, chain hash, files, payload length, payload checksum.
const HEADER_LEN: usize = 8 + 4 + 32 + 32 + 8 + 8 + 8;
/// Packs kept; the oldest beyond this are removed after a store.
const KEEP_PACKS: usize = 8;
/// A longer prefix than the one restored is stored only when it saves parsing this many files
/// next time (storing costs a serialization; a few files parse faster than that).
const STORE_GAP: usize = 16;

type Hash = [u8; 32];

/// The stamp entry naming the pack the last restore used (see [`Cache::prefetch`]).
const LAST_USED: &str = "last";

/// A cache directory and the build it belongs to.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    build: String,
    prefetched: Arc<Mutex<Option<Prefetched>>>,
    /// The pack [`Cache::prefetch`] is decoding (see [`Cache::help_prefetch`]).
    decoding: Arc<Mutex<Option<Arc<Decoding>>>>,
    /// Texts and their models, from [`Cache::parse_ahead`].
    parsed_ahead: Arc<Mutex<Vec<(String, ParsedFile)>>>,
}

/// At most this many files are parsed ahead ([`Cache::parse_ahead`]).
const PARSE_AHEAD: usize = 8;

/// The pack `stamps/last` named, read and decoded ahead of discovery.
#[derive(Debug)]
struct Prefetched {
    chain: Hash,
    files: usize,
    catalog: Catalog,
}

/// What a check did with the cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Context files whose replay came from a pack (0: none did).
    pub restored: usize,
    /// The prefix length of a pack written by this check.
    pub stored: Option<usize>,
    /// A pack that was found and refused, with why.
    pub rejected: Option<String>,
    /// The restored pack had been read and decoded while discovery ran ([`Cache::prefetch`]).
    pub prefetched: bool,
    /// Files whose statement model came from the models kept by content (not parsed).
    pub models: usize,
}

/// Statement models by the hash of the text they were parsed from (`models/<key>.bin`).
#[derive(Debug, Default)]
struct Models {
    payload: FileBytes,
    by_text: HashMap<Hash, Range<usize>>,
    /// How many models were handed out.
    used: AtomicUsize,
}

impl Models {
    /// The model of `text`, if kept (and it reads back).
    fn known(&self, text: &str) -> Option<ParsedFile> {
        if self.by_text.is_empty() {
            return None;
        }
        let range = self.by_text.get(&text_hash(text))?.clone();
        let model = postcard::from_bytes(self.payload.get(range)?).ok()?;
        self.used.fetch_add(1, Ordering::Relaxed);
        Some(model)
    }

    fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// A store's payload (`bytes` from `start`): per model, its text's hash, its length
    /// (8 bytes, little endian) and its postcard.
    fn parse(payload: FileBytes, start: usize) -> Option<Models> {
        let mut by_text = HashMap::new();
        let mut at = start;
        while at < payload.len() {
            let hash: Hash = payload.get(at..at + 32)?.try_into().ok()?;
            let len: [u8; 8] = payload.get(at + 32..at + 40)?.try_into().ok()?;
            let start = at + 40;
            let end = start.checked_add(usize::try_from(u64::from_le_bytes(len)).ok()?)?;
            payload.get(start..end)?;
            by_text.insert(hash, start..end);
            at = end;
        }
        Some(Models {
            payload,
            by_text,
            used: AtomicUsize::new(0),
        })
    }
}

/// What identifies a text among the kept models (its name does not change its model).
fn text_hash(text: &str) -> Hash {
    Sha256::digest(text.as_bytes()).into()
}

impl Cache {
    /// The cache of this pgward build in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Cache {
        Cache::with_build(dir, build_stamp())
    }

    /// A cache for another build stamp (tests: a version change is a miss).
    pub fn with_build(dir: impl Into<PathBuf>, build: impl Into<String>) -> Cache {
        Cache {
            dir: dir.into(),
            build: build.into(),
            prefetched: Arc::default(),
            decoding: Arc::default(),
            parsed_ahead: Arc::default(),
        }
    }

    /// Read and decode the pack the last restore under this config used, for a check whose
    /// discovery runs meanwhile on another thread: its cost then hides behind discovery's.
    /// A check whose stamps lead to another pack (or to none) leaves it unused. Decoding on
    /// the calling thread (the main one) also keeps the catalog in the main allocator arena,
    /// which grows in large steps; a worker thread's arena grows page by page.
    pub fn prefetch(&self, config: &Config) {
        let Some((chain, files)) = std::fs::read_to_string(self.stamp_entries().join(LAST_USED))
            .ok()
            .and_then(|entry| read_entry(&entry))
        else {
            return;
        };
        let Ok(bytes) = FileBytes::read(&self.packs().join(pack_name(&chain))) else {
            return;
        };
        let decoded = read_pack_shared(bytes, &self.key(config), &chain, files, &self.decoding);
        if let Ok(catalog) = decoded
            && let Ok(mut slot) = self.prefetched.lock()
        {
            *slot = Some(Prefetched {
                chain,
                files,
                catalog,
            });
        }
    }

    /// Decode table chunks of the pack [`Cache::prefetch`] is decoding, if it is: for the
    /// thread that ran discovery meanwhile, once discovery is done.
    pub fn help_prefetch(&self) {
        let decoding = self.decoding.lock().ok().and_then(|slot| slot.clone());
        if let Some(decoding) = decoding {
            decoding.take_chunks();
        }
    }

    /// Parse the files to check ahead, if they are a few (a warm run's new files), for a
    /// check whose pack decodes meanwhile on another thread: [`check_loaded`] takes their
    /// models from here. Done on discovery's thread, not the main one, also because
    /// libpg_query reads `/proc/self/maps` on every parse on the main thread (to find the
    /// stack's bounds for its depth checks).
    pub fn parse_ahead(&self, inputs: &[CheckInput], config: &Config) {
        if inputs.is_empty() || inputs.len() > PARSE_AHEAD {
            return;
        }
        let options = config.parse_options();
        let parsed: Vec<(String, ParsedFile)> = inputs
            .iter()
            .map(|input| {
                let text = &input.source.text;
                (text.clone(), crate::syntax::parse_file_with(text, &options))
            })
            .collect();
        if let Ok(mut slot) = self.parsed_ahead.lock() {
            *slot = parsed;
        }
    }

    /// The model [`Cache::parse_ahead`] made of `text`, if any (each is handed out once).
    fn parsed_ahead(&self, text: &str) -> Option<ParsedFile> {
        let mut parsed = self.parsed_ahead.lock().ok()?;
        let i = parsed.iter().position(|(t, _)| t == text)?;
        Some(parsed.swap_remove(i).1)
    }

    /// The prefetched catalog, if it is the pack of `chain` for `files` files.
    fn prefetched(&self, chain: &Hash, files: usize) -> Option<Catalog> {
        let prefetched = self.prefetched.lock().ok()?.take()?;
        (prefetched.chain == *chain && prefetched.files == files).then_some(prefetched.catalog)
    }

    /// Where the cache lives: `.pgward_cache/` beside the config file when there is one, else
    /// `$XDG_CACHE_HOME/pgward` (`~/.cache/pgward`). `None` when neither can be named.
    pub fn location(config: &Config) -> Option<PathBuf> {
        if let Some(root) = &config.root {
            return Some(root.join(DIR_NAME));
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute())
                    .map(|h| h.join(".cache"))
            })?;
        Some(base.join("pgward"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What a pack depends on besides its files: this build, and the settings that change how
    /// files parse (target version) or replay (the runner decides which sections run backwards,
    /// by the file's place below `migrations_dir`).
    fn key(&self, config: &Config) -> Hash {
        let text = format!(
            "{FORMAT}\0{}\0{}\0{:?}",
            self.build,
            replay_settings(config),
            std::env::current_dir().ok(),
        );
        Sha256::digest(text.as_bytes()).into()
    }

    fn packs(&self) -> PathBuf {
        self.dir.join("replay")
    }

    fn stamp_entries(&self) -> PathBuf {
        self.dir.join("stamps")
    }

    /// How many of the leading context files `files` (names and stamps, in order) a stored
    /// pack stands for: discovery leaves that many unread ([`crate::discover::Defer`]).
    pub fn deferrable(&self, config: &Config, files: &[(&str, Stamp)]) -> usize {
        self.stamped_pack(&self.key(config), files)
            .map_or(0, |(_, n)| n)
    }

    /// The content chain of the pack the files with these stamps replay to, if recorded and
    /// the pack is there.
    fn stamped_pack(&self, key: &Hash, files: &[(&str, Stamp)]) -> Option<(Hash, usize)> {
        let name = stamp_entry_name(&stamp_chain(key, files));
        let entry = std::fs::read_to_string(self.stamp_entries().join(name)).ok()?;
        let (chain, count) = read_entry(&entry)?;
        (count == files.len() && self.packs().join(pack_name(&chain)).is_file())
            .then_some((chain, count))
    }

    /// Record that the files with these stamps replay to the pack of `chain`.
    fn record_stamps(&self, key: &Hash, files: &[(&str, Stamp)], chain: &Hash) {
        let name = stamp_entry_name(&stamp_chain(key, files));
        self.write_entry(&name, chain, files.len());
        self.note_last_used(chain, files.len());
        prune(&self.stamp_entries(), "stamp");
    }

    fn models(&self) -> PathBuf {
        self.dir.join("models")
    }

    /// The models kept under `key`, for a check of `inputs` (none for a set whose models the
    /// check packs, and none when the store is missing, damaged or foreign).
    fn load_models(&self, key: &Hash, inputs: &[CheckInput]) -> Models {
        if super::packs(inputs) {
            return Models::default();
        }
        FileBytes::read(&self.models().join(pack_name(key)))
            .ok()
            .and_then(|bytes| {
                let (_, payload) = verified(&bytes, key, key).ok()?;
                let start = bytes.len() - payload.len();
                Models::parse(bytes, start)
            })
            .unwrap_or_default()
    }

    /// Keep the models of `files` under `key` when every one is parsed and held as it is (a
    /// check that left some unparsed or packed keeps the store it found).
    fn store_models(&self, key: &Hash, files: &[WorkspaceFile]) {
        let entries: Option<Vec<(Hash, Vec<u8>)>> = files
            .par_iter()
            .map(|f| match &f.parsed {
                Parsed::Ready(model) => Some((
                    text_hash(&f.source.text),
                    postcard::to_stdvec(&**model).ok()?,
                )),
                _ => None,
            })
            .collect();
        let Some(entries) = entries else {
            return;
        };
        let mut payload = Vec::new();
        for (hash, model) in &entries {
            payload.extend_from_slice(hash);
            payload.extend_from_slice(&(model.len() as u64).to_le_bytes());
            payload.extend_from_slice(model);
        }
        let _ = write_verified(self, &self.models(), key, key, entries.len(), &payload);
    }

    /// Name the pack of `chain` for `files` files as the last one used, unless it is already.
    fn note_last_used(&self, chain: &Hash, files: usize) {
        let last = std::fs::read_to_string(self.stamp_entries().join(LAST_USED));
        if last.ok().and_then(|entry| read_entry(&entry)) != Some((*chain, files)) {
            self.write_entry(LAST_USED, chain, files);
        }
    }

    /// Write the stamp entry `name` (through a temporary file: readers see whole entries).
    fn write_entry(&self, name: &str, chain: &Hash, files: usize) {
        let dir = self.stamp_entries();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&tmp, format!("{} {files}\n", hex(chain))))
            .and_then(|()| std::fs::rename(&tmp, dir.join(name)));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// A stamp entry's pack: its content chain and file count.
fn read_entry(entry: &str) -> Option<(Hash, usize)> {
    let (chain, count) = entry.trim_end().split_once(' ')?;
    Some((unhex(chain)?, count.parse().ok()?))
}

fn stamp_entry_name(chain: &Hash) -> String {
    format!("{}.stamp", hex(chain))
}

/// The identity of leading files by name and stamp under a cache key.
fn stamp_chain(key: &Hash, files: &[(&str, Stamp)]) -> Hash {
    let mut d = Sha256::new();
    d.update(key);
    for (name, s) in files {
        d.update((name.len() as u64).to_le_bytes());
        d.update(name.as_bytes());
        d.update(s.len.to_le_bytes());
        d.update(s.modified_ns.to_le_bytes());
        d.update(s.changed_ns.to_le_bytes());
        d.update(s.inode.to_le_bytes());
        d.update(s.device.to_le_bytes());
    }
    d.finalize().into()
}

/// The settings that change how files parse (the target version) or replay (the runner
/// decides which sections run backwards, by the file's place below `migrations_dir`): a
/// replayed catalog is only re-used under the same ones. Rule settings are not among them.
pub fn replay_settings(config: &Config) -> String {
    let dir = config
        .migrations_dir_path()
        .map(|d| std::path::absolute(&d).unwrap_or(d));
    format!(
        "{:?}\0{:?}\0{:?}",
        config.parse_options(),
        config.runner(),
        dir
    )
}

/// pgward's version and the running executable's size and modification time: a rebuilt or
/// reinstalled binary (whose statement model may differ) never reads another build's packs.
fn build_stamp() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| (m.len(), m.modified().ok()));
    format!("{} {exe:?}", env!("CARGO_PKG_VERSION"))
}

/// Check a set like [`super::check`], restoring the replay of the unchanged context prefix from
/// `cache` and storing it for the next run.
pub fn check(inputs: Vec<CheckInput>, config: &Config, cache: &Cache) -> (CheckOutput, Outcome) {
    check_loaded(Vec::new(), &[], inputs, config, cache)
}

/// [`check`] for a set discovery loaded with [`crate::discover::load_set_deferring`] and
/// [`Cache::deferrable`]: `unread` are the leading context files it left unread (the pack
/// their stamps name restores their replay), `stamps` the stamps of the leading context
/// files (unread ones first, then the first `inputs`), recorded for the next run.
pub fn check_loaded(
    unread: Vec<UnreadFile>,
    stamps: &[Stamp],
    inputs: Vec<CheckInput>,
    config: &Config,
    cache: &Cache,
) -> (CheckOutput, Outcome) {
    let key = cache.key(config);
    if !unread.is_empty() {
        let named: Vec<(&str, Stamp)> = unread.iter().map(|u| (u.name.as_str(), u.stamp)).collect();
        let mut prefetched = false;
        let restored = cache.stamped_pack(&key, &named).and_then(|(chain, n)| {
            if let Some(catalog) = cache.prefetched(&chain, n) {
                prefetched = true;
                return Some(catalog);
            }
            let bytes = FileBytes::read(&cache.packs().join(pack_name(&chain))).ok()?;
            let catalog = read_pack(bytes, &key, &chain, n).ok()?;
            cache.note_last_used(&chain, n);
            Some(catalog)
        });
        drop(named);
        match restored {
            Some(catalog) => {
                let (output, outcome) = check_restored(unread, catalog, inputs, config, cache);
                return (
                    output,
                    Outcome {
                        prefetched,
                        ..outcome
                    },
                );
            }
            None => {
                // The pack went away (or was damaged) since discovery looked: read the files
                // after all. One that cannot be read now is left out, as discovery would have.
                let mut read: Vec<CheckInput> = unread
                    .par_iter()
                    .filter_map(|u| crate::discover::read_source(&u.path, &u.name).ok())
                    .map(|source| CheckInput {
                        source,
                        report: false,
                    })
                    .collect();
                read.extend(inputs);
                return check_read(read, &[], config, cache, key);
            }
        }
    }
    check_read(inputs, stamps, config, cache, key)
}

/// The check after a stamp entry restored the replay of every leading context file (`unread`).
fn check_restored(
    unread: Vec<UnreadFile>,
    mut catalog: Catalog,
    inputs: Vec<CheckInput>,
    config: &Config,
    cache: &Cache,
) -> (CheckOutput, Outcome) {
    let options = config.parse_options();
    let restored = unread.len();
    let mut files: Vec<WorkspaceFile> = unread
        .into_iter()
        .map(|u| {
            let source = Source::on_disk(u.name, u.path);
            WorkspaceFile {
                parsed: Parsed::lazy(source.clone(), options),
                source,
                report: false,
            }
        })
        .collect();
    let known = |text: &str| cache.parsed_ahead(text);
    // Read by discovery: a check with the cache does not stream its set.
    files.extend(super::parse_inputs(
        inputs,
        &options,
        Some(&known),
        &mut Vec::new(),
    ));
    replay_for_runner(&mut catalog, &files[restored..], config);
    let workspace = Workspace { files, catalog };
    let diagnostics = run_rules(&workspace, config);
    let outcome = Outcome {
        restored,
        ..Outcome::default()
    };
    (
        CheckOutput {
            workspace,
            diagnostics,
        },
        outcome,
    )
}

/// The check of a set whose files are all read: the pack is found by content.
fn check_read(
    inputs: Vec<CheckInput>,
    stamps: &[Stamp],
    config: &Config,
    cache: &Cache,
    key: Hash,
) -> (CheckOutput, Outcome) {
    let mut outcome = Outcome::default();
    let options = config.parse_options();
    // The context files before the first reported one: what a pack can stand for.
    let prefix = inputs.iter().position(|i| i.report).unwrap_or(inputs.len());
    if prefix == 0 {
        // Every file is reported: no pack stands for any of them, and the plain check's
        // pipeline (and its bounded memory on big sets) applies as it is.
        let models = cache.load_models(&key, &inputs);
        let known = |text: &str| models.known(text);
        let output = super::check_knowing(inputs, config, Some(&known));
        outcome.models = models.used();
        if outcome.models < output.workspace.files.len() {
            cache.store_models(&key, &output.workspace.files);
        }
        return (output, outcome);
    }
    let file_hashes: Vec<Hash> = inputs[..prefix]
        .par_iter()
        .map(|i| file_hash(&i.source.name, &i.source.text))
        .collect();
    // chains[j]: the identity of the first j files under this key.
    let mut chains = Vec::with_capacity(prefix + 1);
    chains.push(key);
    for h in &file_hashes {
        let mut d = Sha256::new();
        d.update(chains[chains.len() - 1]);
        d.update(h);
        chains.push(d.finalize().into());
    }

    let restored = if prefix > 0 {
        find_pack(cache, &chains, &mut outcome)
    } else {
        None
    };
    let (start, mut catalog) = restored.unwrap_or((0, Catalog::default()));
    outcome.restored = start;

    let mut files: Vec<WorkspaceFile> = Vec::with_capacity(inputs.len());
    let mut rest: Vec<CheckInput> = inputs;
    let fresh = rest.split_off(start);
    // Kept models are worth reading (and keeping) when many files are to be parsed.
    let many = fresh.len() >= STORE_GAP;
    let models = if many {
        cache.load_models(&key, &fresh)
    } else {
        Models::default()
    };
    for input in rest {
        let source = Source::from(input.source);
        files.push(WorkspaceFile {
            parsed: Parsed::lazy(source.clone(), options),
            source,
            report: input.report,
        });
    }
    let known = |text: &str| cache.parsed_ahead(text).or_else(|| models.known(text));
    // Read by discovery: a check with the cache does not stream its set.
    files.extend(super::parse_inputs(
        fresh,
        &options,
        Some(&known),
        &mut Vec::new(),
    ));
    outcome.models = models.used();

    let store = prefix > 0 && (start == 0 || prefix - start >= STORE_GAP);
    replay_for_runner(&mut catalog, &files[start..prefix], config);
    let writer = store.then(|| {
        let payload = encode(&catalog);
        let (cache, chain, key) = (cache.clone(), chains[prefix], key);
        std::thread::spawn(move || {
            payload.is_some_and(|p| write_pack(&cache, &key, &chain, prefix, &p).is_ok())
        })
    });
    replay_for_runner(&mut catalog, &files[prefix..], config);
    let workspace = Workspace { files, catalog };
    let diagnostics = run_rules(&workspace, config);
    if let Some(writer) = writer
        && writer.join().unwrap_or(false)
    {
        outcome.stored = Some(prefix);
    }
    // Only a check that parsed every file (no pack restored) holds every model.
    if many && start == 0 && outcome.models < workspace.files.len() {
        cache.store_models(&key, &workspace.files);
    }
    let packed = outcome.stored == Some(prefix) || outcome.restored == prefix;
    if packed && stamps.len() >= prefix {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        let stamps = &stamps[..prefix];
        if !stamps.iter().any(|s| s.is_recent(now)) {
            let named: Vec<(&str, Stamp)> = workspace.files[..prefix]
                .iter()
                .map(|f| f.source.name.as_str())
                .zip(stamps.iter().copied())
                .collect();
            cache.record_stamps(&key, &named, &chains[prefix]);
        }
    }
    (
        CheckOutput {
            workspace,
            diagnostics,
        },
        outcome,
    )
}

fn file_hash(name: &str, text: &str) -> Hash {
    let mut d = Sha256::new();
    d.update((name.len() as u64).to_le_bytes());
    d.update(name.as_bytes());
    d.update((text.len() as u64).to_le_bytes());
    d.update(text.as_bytes());
    d.finalize().into()
}

fn hex(hash: &Hash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Hash> {
    let mut hash = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (i, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(hash)
}

/// The longest stored prefix of this set, restored; bad packs found on the way are deleted.
fn find_pack(cache: &Cache, chains: &[Hash], outcome: &mut Outcome) -> Option<(usize, Catalog)> {
    let dir = cache.packs();
    let wanted = chains.len() - 1;
    // Most runs find the whole prefix stored; otherwise look at what the directory holds.
    let mut candidates: Vec<usize> = vec![wanted];
    if !dir.join(pack_name(&chains[wanted])).is_file() {
        let by_name: HashMap<String, usize> = chains
            .iter()
            .enumerate()
            .skip(1)
            .map(|(j, c)| (pack_name(c), j))
            .collect();
        candidates = std::fs::read_dir(&dir)
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|e| by_name.get(e.file_name().to_str()?).copied())
            .collect();
        candidates.sort_unstable_by(|a, b| b.cmp(a));
    }
    for j in candidates {
        let path = dir.join(pack_name(&chains[j]));
        let Ok(bytes) = FileBytes::read(&path) else {
            continue;
        };
        match read_pack(bytes, &chains[0], &chains[j], j) {
            Ok(catalog) => return Some((j, catalog)),
            Err(why) => {
                outcome.rejected = Some(format!("{}: {why}", path.display()));
                // Complete packs only ever appear under this name (temporary file + rename),
                // so this one is damaged or foreign for good.
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    None
}

fn pack_name(chain: &Hash) -> String {
    format!("{}.bin", hex(chain))
}

/// Verify a pack and decode its catalog on this thread.
fn read_pack(bytes: FileBytes, key: &Hash, chain: &Hash, files: usize) -> Result<Catalog, String> {
    read_pack_shared(bytes, key, chain, files, &Mutex::new(None))
}

/// A cache file's bytes: mapped, so that reading a pack copies nothing (the decode reads the
/// page cache), or read where mapping fails.
#[derive(Debug)]
enum FileBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl FileBytes {
    fn read(path: &Path) -> std::io::Result<FileBytes> {
        let file = std::fs::File::open(path)?;
        // SAFETY: a mapping is undefined behaviour only if the file changes while mapped.
        // pgward never writes a cache file in place: it writes a temporary file and renames
        // it over the name, and prunes by unlinking, which leaves a mapped file's pages as
        // they were. Only another program truncating a file inside `.pgward_cache/` during
        // the check could break this.
        match unsafe { memmap2::Mmap::map(&file) } {
            Ok(map) => Ok(FileBytes::Mapped(map)),
            Err(_) => std::fs::read(path).map(FileBytes::Read),
        }
    }
}

impl Default for FileBytes {
    fn default() -> FileBytes {
        FileBytes::Read(Vec::new())
    }
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(map) => map,
            FileBytes::Read(bytes) => bytes,
        }
    }
}

/// What tells a damaged payload from the one written: 64 bits of foldhash with a fixed seed.
/// The header's key and chain hashes already say whose entry it is, so this only has to
/// catch damage, and SHA-256 over a pack took as long as a third of its decode.
pub fn checksum(payload: &[u8]) -> [u8; 8] {
    use std::hash::BuildHasher;
    const SEED: u64 = 0x7067_7761_7264_6361;
    foldhash::quality::FixedState::with_seed(SEED)
        .hash_one(payload)
        .to_le_bytes()
}

/// Check a cache file's header (magic, format, key and chain hashes, payload length and
/// checksum): its file count and payload.
fn verified<'b>(bytes: &'b [u8], key: &Hash, chain: &Hash) -> Result<(usize, &'b [u8]), String> {
    let header = bytes.get(..HEADER_LEN).ok_or("shorter than its header")?;
    let (magic, rest) = header.split_at(8);
    if magic != MAGIC {
        return Err("not a pgward cache file".into());
    }
    let (format, rest) = rest.split_at(4);
    if format != FORMAT.to_le_bytes() {
        return Err("another cache format".into());
    }
    let (key_hash, rest) = rest.split_at(32);
    if key_hash != key {
        return Err("another pgward build or configuration".into());
    }
    let (chain_hash, rest) = rest.split_at(32);
    if chain_hash != chain {
        return Err("another set of files".into());
    }
    let (count, rest) = rest.split_first_chunk::<8>().ok_or("truncated")?;
    let (len, payload_hash) = rest.split_at(8);
    let payload = &bytes[HEADER_LEN..];
    if len != (payload.len() as u64).to_le_bytes() {
        return Err("truncated".into());
    }
    if payload_hash != checksum(payload) {
        return Err("checksum mismatch".into());
    }
    let count = usize::try_from(u64::from_le_bytes(*count)).map_err(|e| e.to_string())?;
    Ok((count, payload))
}

/// How many pieces a pack's tables are cut into: small enough that two threads finish
/// together, large enough that taking one costs nothing next to decoding it.
const TABLE_CHUNKS: usize = 16;

/// A pack's payload: postcard documents decoded apart, so that several threads can decode
/// one pack: the catalog without its tables, then its tables in [`TABLE_CHUNKS`] chunks (the
/// tables are most of a catalog's bytes).
#[derive(serde::Serialize, serde::Deserialize)]
struct Sections<'a> {
    #[serde(borrow)]
    catalog: &'a [u8],
    #[serde(borrow)]
    tables: Vec<&'a [u8]>,
}

/// A catalog as a pack's payload ([`Sections`]).
fn encode(catalog: &Catalog) -> Option<Vec<u8>> {
    let rest = postcard::to_stdvec(catalog).ok()?;
    let per_chunk = catalog.tables.len().div_ceil(TABLE_CHUNKS).max(1);
    let tables = catalog
        .tables
        .chunks(per_chunk)
        .map(|chunk| postcard::to_stdvec(chunk).ok())
        .collect::<Option<Vec<_>>>()?;
    postcard::to_stdvec(&Sections {
        catalog: &rest,
        tables: tables.iter().map(Vec::as_slice).collect(),
    })
    .ok()
}

/// The tables of every chunk in one vector, with room for the tables the checked files
/// create (a full vector would be copied whole to grow by one).
fn concat_tables(chunks: Vec<Vec<crate::catalog::Table>>) -> Vec<crate::catalog::Table> {
    let len: usize = chunks.iter().map(Vec::len).sum();
    let mut tables = Vec::with_capacity(len + len / 16);
    for chunk in chunks {
        tables.extend(chunk);
    }
    tables
}

fn decode_rest(bytes: &[u8]) -> Result<Catalog, String> {
    postcard::from_bytes(bytes).map_err(|e| e.to_string())
}

fn decode_tables(bytes: &[u8]) -> Result<Vec<crate::catalog::Table>, String> {
    postcard::from_bytes(bytes).map_err(|e| e.to_string())
}

/// The tables of one chunk of a pack, or why they did not decode.
type DecodedChunk = Result<Vec<crate::catalog::Table>, String>;

/// A pack being decoded by [`Cache::prefetch`]: its table chunks go to whichever thread is
/// free, the prefetching one or the one that calls [`Cache::help_prefetch`] once its own work
/// (discovery) is done.
#[derive(Debug)]
struct Decoding {
    payload: FileBytes,
    /// Byte ranges of the table chunks in `payload`.
    chunks: Vec<Range<usize>>,
    /// The next chunk nobody has taken.
    next: AtomicUsize,
    decoded: Mutex<Vec<Option<DecodedChunk>>>,
    all_decoded: std::sync::Condvar,
}

impl Decoding {
    /// Decode chunks until none is left to take.
    fn take_chunks(&self) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(range) = self.chunks.get(i) else {
                return;
            };
            // A chunk that panicked still counts as decoded (as an error): the thread waiting
            // for every chunk must not wait forever.
            let bytes = &self.payload[range.clone()];
            let tables = std::panic::catch_unwind(|| decode_tables(bytes))
                .unwrap_or_else(|_| Err("decoding panicked".into()));
            let Ok(mut decoded) = self.decoded.lock() else {
                return;
            };
            decoded[i] = Some(tables);
            if decoded.iter().all(Option::is_some) {
                self.all_decoded.notify_all();
            }
        }
    }

    /// Every chunk's tables, in order, once every chunk is decoded.
    fn tables(&self) -> Result<Vec<crate::catalog::Table>, String> {
        let poisoned = |_| "a decoding thread panicked".to_string();
        let mut decoded = self.decoded.lock().map_err(poisoned)?;
        while !decoded.iter().all(Option::is_some) {
            decoded = self.all_decoded.wait(decoded).map_err(poisoned)?;
        }
        let chunks = decoded
            .iter_mut()
            .map(|chunk| chunk.take().unwrap_or_else(|| Err("missing chunk".into())))
            .collect::<Result<Vec<_>, String>>()?;
        Ok(concat_tables(chunks))
    }
}

/// Verify a pack and decode it (the catalog [`encode`] wrote), sharing its table chunks
/// through `slot` while it decodes (see [`Decoding`]).
fn read_pack_shared(
    bytes: FileBytes,
    key: &Hash,
    chain: &Hash,
    files: usize,
    slot: &Mutex<Option<Arc<Decoding>>>,
) -> Result<Catalog, String> {
    let (count, payload) = verified(&bytes, key, chain)?;
    if count != files {
        return Err("another number of files".into());
    }
    let sections: Sections =
        postcard::from_bytes(payload).map_err(|e| format!("cannot decode: {e}"))?;
    let base = bytes.as_ptr() as usize;
    let range = |part: &[u8]| {
        let start = part.as_ptr() as usize - base;
        start..start + part.len()
    };
    let rest = range(sections.catalog);
    let chunks: Vec<Range<usize>> = sections.tables.iter().map(|t| range(t)).collect();
    let decoding = Arc::new(Decoding {
        decoded: Mutex::new(vec![None; chunks.len()]),
        chunks,
        payload: bytes,
        next: AtomicUsize::new(0),
        all_decoded: std::sync::Condvar::new(),
    });
    if let Ok(mut slot) = slot.lock() {
        *slot = Some(Arc::clone(&decoding));
    }
    let catalog = decode_rest(&decoding.payload[rest]);
    decoding.take_chunks();
    let tables = decoding.tables();
    if let Ok(mut slot) = slot.lock() {
        *slot = None;
    }
    let mut catalog = catalog.map_err(|e| format!("cannot decode: {e}"))?;
    catalog.tables = tables.map_err(|e| format!("cannot decode: {e}"))?;
    if catalog.files_replayed() != files {
        return Err("catalog of another number of files".into());
    }
    Ok(catalog)
}

/// Write a pack through a temporary file and a rename, then drop the oldest packs.
fn write_pack(
    cache: &Cache,
    key: &Hash,
    chain: &Hash,
    files: usize,
    payload: &[u8],
) -> std::io::Result<()> {
    write_verified(cache, &cache.packs(), key, chain, files, payload)
}

/// Write `<dir>/<chain>.bin` (header and payload) through a temporary file and a rename, then
/// drop the oldest files of `dir`.
fn write_verified(
    cache: &Cache,
    dir: &Path,
    key: &Hash,
    chain: &Hash,
    files: usize,
    payload: &[u8],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    mark_cache_dir(&cache.dir);
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(key);
    bytes.extend_from_slice(chain);
    bytes.extend_from_slice(&(files as u64).to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&checksum(payload));
    bytes.extend_from_slice(payload);
    let name = pack_name(chain);
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let written = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(&bytes));
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, dir.join(&name))) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    prune(dir, "bin");
    Ok(())
}

/// Keep the newest [`KEEP_PACKS`] entries named `*.{extension}` (packs, stamp entries); remove
/// temporary files a killed run left (older than an hour).
fn prune(dir: &Path, extension: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    let mut packs = Vec::new();
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let modified = e.metadata().and_then(|m| m.modified()).ok();
        if name.ends_with(".tmp") {
            let old = modified
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|age| age.as_secs() > 3600);
            if old {
                let _ = std::fs::remove_file(e.path());
            }
        } else if name
            .strip_suffix(extension)
            .is_some_and(|n| n.ends_with('.'))
        {
            packs.push((modified, e.path()));
        }
    }
    if packs.len() > KEEP_PACKS {
        packs.sort();
        for (_, path) in &packs[..packs.len() - KEEP_PACKS] {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Make the cache directory ignorable without any setup: a `.gitignore` that ignores it
/// whole, and a `CACHEDIR.TAG` for backup tools.
fn mark_cache_dir(dir: &Path) {
    let gitignore = dir.join(".gitignore");
    if !gitignore.exists() {
        let _ = std::fs::write(
            &gitignore,
            "# Created by pgward: a cache, never commit it.\n*\n",
        );
    }
    let tag = dir.join("CACHEDIR.TAG");
    if !tag.exists() {
        let _ = std::fs::write(
            &tag,
            "Signature: 8a477f597d28d172789f06886806bc55\n\
             # This file is a cache directory tag created by pgward.\n",
        );
    }
}
