//! What a rule sees: one file of the set, the whole parsed set, its catalog and the config.
//! The engine builds a [`Workspace`]; rules only read it.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::rules::Rule;
use crate::source::{FileId, SourceFile, Span};
use crate::syntax::{self, ParseOptions, ParsedFile, Statement, Stmt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// One file of the set, parsed. Text and statements are shared (`Arc`) so that a language
/// server can re-check one buffer against thousands of cached context files without copying them.
#[derive(Debug, Clone)]
pub struct WorkspaceFile {
    pub source: Source,
    pub parsed: Parsed,
    pub report: bool,
}

/// A file's text, shared. Either read already, or read on first use: a context file whose
/// replay came from the cache, and whose stamp (size, times, inode) says it is the file the
/// cache was built from, is read only if a rule or a reporter looks into it; a file of a big
/// set whose text the check let go once it was parsed and replayed ([`Source::released`]) is
/// read again when its rules run or a reporter quotes it, and must read back as the very text
/// that was parsed. Dereferences to the [`SourceFile`] either way.
#[derive(Clone)]
pub enum Source {
    Read(Arc<SourceFile>),
    OnDisk(Arc<OnDisk>),
}

/// Where to read a file from when it is first needed.
pub struct OnDisk {
    /// Shared with a packed model's [`Reparse`], which reads the file without this handle.
    at: Arc<Where>,
    file: OnceLock<Arc<SourceFile>>,
    /// A re-read gave other text than the one parsed (the file changed during the check).
    changed: AtomicBool,
}

/// A file's name, path and, for a released file, what its text must be.
struct Where {
    name: Box<str>,
    /// `None` when it is the name (a big set has one `Where` per file: a second copy of each
    /// path was a megabyte in 27,000 files).
    path: Option<Box<std::path::Path>>,
    /// The length and hash of the text the check parsed, for a released file: a re-read
    /// must give exactly that text.
    expect: Option<Fingerprint>,
}

impl Where {
    fn path(&self) -> &std::path::Path {
        self.path
            .as_deref()
            .unwrap_or_else(|| std::path::Path::new(&*self.name))
    }
}

/// What says a re-read gives the text that was parsed: its length and a 64-bit hash of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    len: usize,
    hash: u64,
}

impl Fingerprint {
    /// A multiply-rotate hash over 8-byte words (several GB/s): it tells a file that changed
    /// from the one parsed, which is all it is for (not a defence against forged text).
    fn of(text: &str) -> Fingerprint {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mix = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
        let bytes = text.as_bytes();
        let mut words = bytes.chunks_exact(8);
        let mut hash = words.by_ref().fold(0, |h, w| {
            mix(h, u64::from_le_bytes(w.try_into().unwrap_or([0; 8])))
        });
        let mut last = [0u8; 8];
        last[..words.remainder().len()].copy_from_slice(words.remainder());
        hash = mix(mix(hash, u64::from_le_bytes(last)), bytes.len() as u64);
        Fingerprint {
            len: text.len(),
            hash,
        }
    }
}

impl OnDisk {
    /// The file's text as it reads now. A released file reads as the text that was parsed or,
    /// when the file changed (or went away) since, as empty text (positions in it then show
    /// as line 1) with [`Source::changed`] set, so the caller can say the check is unreliable;
    /// a file the cache stands for reads as empty if it went away.
    fn read(&self) -> Arc<SourceFile> {
        let at = &self.at;
        let file = match at.expect {
            Some(expect) => self.read_back(expect),
            None => crate::discover::read_source(at.path(), &at.name).ok(),
        };
        Arc::new(file.unwrap_or_else(|| {
            if at.expect.is_some() {
                self.changed.store(true, Ordering::Relaxed);
            }
            SourceFile::new(&*at.name, "")
        }))
    }

    /// A released file read back: `None` unless it is still a regular file holding the text
    /// that was parsed (what discovery checked of that text, UTF-8 and no NUL byte, holds then;
    /// a leading BOM is removed as when it was first read).
    fn read_back(&self, expect: Fingerprint) -> Option<SourceFile> {
        use std::io::Read;
        let at = &self.at;
        let meta = std::fs::metadata(at.path()).ok()?;
        let len = usize::try_from(meta.len()).ok()?;
        // The parsed text, maybe after a BOM: anything longer or shorter is another text (read
        // exactly, a file needs no second read to find its end).
        if !meta.is_file() || len < expect.len || len > expect.len + '\u{feff}'.len_utf8() {
            return None;
        }
        let mut bytes = vec![0; len];
        std::fs::File::open(at.path())
            .ok()?
            .read_exact(&mut bytes)
            .ok()?;
        let file = SourceFile::new(&*at.name, String::from_utf8(bytes).ok()?);
        (Fingerprint::of(&file.text) == expect).then_some(file)
    }

    fn new(name: String, path: PathBuf, expect: Option<Fingerprint>) -> Arc<OnDisk> {
        let path = (path.as_os_str() != name.as_str()).then(|| path.into_boxed_path());
        OnDisk::at(Arc::new(Where {
            name: name.into_boxed_str(),
            path,
            expect,
        }))
    }

    fn at(at: Arc<Where>) -> Arc<OnDisk> {
        Arc::new(OnDisk {
            at,
            file: OnceLock::new(),
            changed: AtomicBool::new(false),
        })
    }
}

impl Source {
    /// A file read from `path` on first use, named `name` in messages.
    pub fn on_disk(name: String, path: PathBuf) -> Source {
        Source::OnDisk(OnDisk::new(name, path, None))
    }

    /// A handle to `file` that does not hold its text: the text is read again from
    /// `file.origin` when something looks into it, and must be the same text (see
    /// [`OnDisk`]). `None` for a file with no origin (standard input, a buffer).
    pub fn released(file: &SourceFile) -> Option<Source> {
        let path = file.origin.clone()?;
        let expect = Fingerprint::of(&file.text);
        Some(Source::OnDisk(OnDisk::new(
            file.name.clone(),
            path,
            Some(expect),
        )))
    }

    /// The file's name in messages, without reading it.
    pub fn name(&self) -> &str {
        match self {
            Source::Read(file) => &file.name,
            Source::OnDisk(lazy) => &lazy.at.name,
        }
    }

    /// The text, for a moment: a released file that nothing holds is read again and not kept
    /// (a reporter going through a big set's files one by one); anything else is the text
    /// this handle holds (read now if it is a cached context file nothing read yet).
    pub fn load(&self) -> Arc<SourceFile> {
        match self {
            Source::Read(file) => file.clone(),
            Source::OnDisk(lazy) => match lazy.file.get() {
                Some(file) => file.clone(),
                None if lazy.at.expect.is_some() => lazy.read(),
                None => lazy.file.get_or_init(|| lazy.read()).clone(),
            },
        }
    }

    /// Let go of a released file's text (it is read again when next needed). Nothing happens
    /// when another handle shares it or the file is not a released one.
    pub fn release(&mut self) {
        if let Source::OnDisk(lazy) = self
            && lazy.at.expect.is_some()
            && let Some(lazy) = Arc::get_mut(lazy)
        {
            lazy.file.take();
        }
    }

    /// Whether a released file read back as other text than the one the check parsed: the
    /// file changed during the check, and what was reported about it may not hold.
    pub fn changed(&self) -> bool {
        match self {
            Source::Read(_) => false,
            Source::OnDisk(lazy) => lazy.changed.load(Ordering::Relaxed),
        }
    }

    /// Whether the text is in memory (an on-disk file nothing looked into is not).
    pub fn is_read(&self) -> bool {
        match self {
            Source::Read(_) => true,
            Source::OnDisk(lazy) => lazy.file.get().is_some(),
        }
    }

    /// Whether two handles share one text (the language server's "same context file").
    pub fn ptr_eq(a: &Source, b: &Source) -> bool {
        match (a, b) {
            (Source::Read(a), Source::Read(b)) => Arc::ptr_eq(a, b),
            (Source::OnDisk(a), Source::OnDisk(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<SourceFile> for Source {
    fn from(file: SourceFile) -> Source {
        Source::Read(Arc::new(file))
    }
}

impl From<Arc<SourceFile>> for Source {
    fn from(file: Arc<SourceFile>) -> Source {
        Source::Read(file)
    }
}

impl std::ops::Deref for Source {
    type Target = SourceFile;
    fn deref(&self) -> &SourceFile {
        match self {
            Source::Read(file) => file,
            // The file was there, unchanged, when the check started; if it changed or went
            // away since, it reads as empty rather than failing the check (see `OnDisk::read`).
            Source::OnDisk(lazy) => lazy.file.get_or_init(|| lazy.read()),
        }
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::OnDisk(lazy) if lazy.file.get().is_none() => {
                write!(f, "Source::OnDisk({:?})", lazy.at.path())
            }
            _ => std::fmt::Debug::fmt(&**self, f),
        }
    }
}

/// A file's statement model, shared. Either parsed already, or parsed on first use: a context
/// file whose replay came from the cache (`engine::cache`) is parsed only if a rule or a
/// reporter looks into it; or packed: a big set keeps each replayed file's model serialized
/// (a tenth of its size in memory) and unpacks it when a rule or a reporter looks into it.
/// Dereferences to the [`ParsedFile`] either way.
#[derive(Clone)]
pub enum Parsed {
    Ready(Arc<ParsedFile>),
    Lazy(Arc<LazyParsed>),
    Packed(Arc<PackedParsed>),
}

/// A statement model in postcard, unpacked on first use (and re-parsed from the text should
/// the bytes ever fail to read back).
pub struct PackedParsed {
    bytes: PackedBytes,
    source: Reparse,
    options: ParseOptions,
    /// Boxed: a big set has a packed model per file, and few are unpacked at a time.
    model: OnceLock<Box<ParsedFile>>,
}

/// What a packed model is parsed again from, should its bytes fail to read back: the text a
/// handle holds, or where a released file's text is read (a handle of its own per file was a
/// megabyte of a big set, and must not keep the text it reads).
enum Reparse {
    Text(Source),
    At(Arc<Where>),
}

impl Reparse {
    fn of(source: &Source) -> Reparse {
        match source {
            Source::OnDisk(lazy) if lazy.at.expect.is_some() => Reparse::At(lazy.at.clone()),
            _ => Reparse::Text(source.clone()),
        }
    }

    fn load(&self) -> Arc<SourceFile> {
        match self {
            Reparse::Text(source) => source.load(),
            Reparse::At(at) => Source::OnDisk(OnDisk::at(at.clone())).load(),
        }
    }
}

/// Where a packed model's bytes are: in memory, or in a [`Spill`] file.
enum PackedBytes {
    Held(Box<[u8]>),
    Spilled {
        spill: Arc<Spill>,
        at: u64,
        len: usize,
    },
}

impl PackedBytes {
    /// The bytes, or `None` when a spilled model cannot be read back.
    fn read(&self) -> Option<std::borrow::Cow<'_, [u8]>> {
        match self {
            PackedBytes::Held(bytes) => Some(std::borrow::Cow::Borrowed(bytes)),
            PackedBytes::Spilled { spill, at, len } => {
                spill.read(*at, *len).map(std::borrow::Cow::Owned)
            }
        }
    }
}

/// A file without a name (gone when the check ends) that holds the packed models of a big
/// set: what is written there lives in the page cache or on disk, not in the process, and
/// a model is read back when a rule or a reporter looks into its file.
pub struct Spill {
    file: std::fs::File,
    /// Where the next model goes.
    end: std::sync::Mutex<u64>,
}

impl Spill {
    /// A new spill file in the temporary directory; `None` where that cannot be made (the
    /// models then stay in memory).
    pub fn new() -> Option<Arc<Spill>> {
        #[cfg(unix)]
        {
            let file = tempfile::tempfile().ok()?;
            Some(Arc::new(Spill {
                file,
                end: std::sync::Mutex::new(0),
            }))
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// Append `bytes`: where they start, or `None` if the write failed.
    fn append(&self, bytes: &[u8]) -> Option<u64> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            let mut end = self.end.lock().ok()?;
            let at = *end;
            self.file.write_all_at(bytes, at).ok()?;
            *end = at + bytes.len() as u64;
            Some(at)
        }
        #[cfg(not(unix))]
        {
            let _ = bytes;
            None
        }
    }

    fn read(&self, at: u64, len: usize) -> Option<Vec<u8>> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            let mut bytes = vec![0; len];
            self.file.read_exact_at(&mut bytes, at).ok()?;
            Some(bytes)
        }
        #[cfg(not(unix))]
        {
            let _ = (at, len);
            None
        }
    }
}

/// The text and target version to parse a file from when it is first needed.
pub struct LazyParsed {
    source: Source,
    options: ParseOptions,
    model: OnceLock<ParsedFile>,
}

impl Parsed {
    /// A model parsed on first use from `source` for `options`.
    pub fn lazy(source: Source, options: ParseOptions) -> Parsed {
        Parsed::Lazy(Arc::new(LazyParsed {
            source,
            options,
            model: OnceLock::new(),
        }))
    }

    /// `parsed` of `source`, packed, in `spill` when there is one (else in memory): `None`
    /// when it cannot be serialized. A released `source` is read again should the model ever
    /// need parsing again; any other is kept.
    pub fn pack(
        parsed: &ParsedFile,
        source: &Source,
        options: ParseOptions,
        spill: Option<&Arc<Spill>>,
    ) -> Option<Parsed> {
        let packed = postcard::to_stdvec(parsed).ok()?;
        let spilled = spill.and_then(|spill| {
            let at = spill.append(&packed)?;
            Some(PackedBytes::Spilled {
                spill: Arc::clone(spill),
                at,
                len: packed.len(),
            })
        });
        let bytes = spilled.unwrap_or_else(|| PackedBytes::Held(packed.into_boxed_slice()));
        Some(Parsed::Packed(Arc::new(PackedParsed {
            bytes,
            source: Reparse::of(source),
            options,
            model: OnceLock::new(),
        })))
    }

    /// Whether the model is packed in a [`Spill`] file (not held in memory).
    pub fn is_spilled(&self) -> bool {
        matches!(self, Parsed::Packed(packed) if matches!(packed.bytes, PackedBytes::Spilled { .. }))
    }

    /// Whether the model exists (a lazy one that nothing looked into has not been parsed).
    pub fn is_parsed(&self) -> bool {
        match self {
            Parsed::Ready(_) | Parsed::Packed(_) => true,
            Parsed::Lazy(lazy) => lazy.model.get().is_some(),
        }
    }

    /// Drop the unpacked copy of a packed model (it is unpacked again when next needed), so
    /// that a big set holds only the models of the files being checked right now.
    pub fn release(&mut self) {
        if let Parsed::Packed(packed) = self
            && let Some(packed) = Arc::get_mut(packed)
        {
            packed.model.take();
        }
    }
}

impl From<ParsedFile> for Parsed {
    fn from(parsed: ParsedFile) -> Parsed {
        Parsed::Ready(Arc::new(parsed))
    }
}

impl From<Arc<ParsedFile>> for Parsed {
    fn from(parsed: Arc<ParsedFile>) -> Parsed {
        Parsed::Ready(parsed)
    }
}

impl std::ops::Deref for Parsed {
    type Target = ParsedFile;
    fn deref(&self) -> &ParsedFile {
        match self {
            Parsed::Ready(parsed) => parsed,
            Parsed::Lazy(lazy) => lazy
                .model
                .get_or_init(|| syntax::parse_file_with(&lazy.source.text, &lazy.options)),
            Parsed::Packed(packed) => packed.model.get_or_init(|| {
                let model = packed.bytes.read();
                let model = model.and_then(|bytes| postcard::from_bytes(&bytes).ok());
                Box::new(model.unwrap_or_else(|| {
                    syntax::parse_file_with(&packed.source.load().text, &packed.options)
                }))
            }),
        }
    }
}

impl std::fmt::Debug for Parsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Parsed::Lazy(lazy) if lazy.model.get().is_none() => f.write_str("Parsed::Lazy"),
            Parsed::Packed(packed) if packed.model.get().is_none() => f.write_str("Parsed::Packed"),
            _ => std::fmt::Debug::fmt(&**self, f),
        }
    }
}

/// The whole migration set after parsing and replay: what every rule can see.
#[derive(Debug)]
pub struct Workspace {
    /// In migration order; a [`FileId`] indexes this.
    pub files: Vec<WorkspaceFile>,
    pub catalog: Catalog,
}

/// What a rule gets: one file of the set, and the whole set for context.
pub struct FileContext<'a> {
    pub file_id: FileId,
    pub workspace: &'a Workspace,
    pub config: &'a Config,
}

impl<'a> FileContext<'a> {
    pub fn file(&self) -> &'a WorkspaceFile {
        &self.workspace.files[self.file_id]
    }
    pub fn source(&self) -> &'a SourceFile {
        &self.file().source
    }
    pub fn statements(&self) -> &'a [Statement] {
        &self.file().parsed.statements
    }
    /// The commands the file sends at its top level, in order: not the statements of a `DO`
    /// body (a body's `BEGIN`/`END` are PL/pgSQL blocks), not psql meta-commands, not text that
    /// could not be read at all. What transactions and runners are about.
    pub fn top_level_commands(&self) -> Vec<&'a Statement> {
        self.statements()
            .iter()
            .filter(|s| {
                s.context.in_do_block.is_none()
                    && !matches!(s.kind, Stmt::PsqlMeta { .. } | Stmt::Invalid { .. })
            })
            .collect()
    }
    pub fn catalog(&self) -> &'a Catalog {
        &self.workspace.catalog
    }
    pub fn text(&self, span: Span) -> &'a str {
        self.source().slice(span)
    }
    /// A diagnostic of `rule` in this file, at the rule's default severity.
    pub fn diagnostic(&self, rule: &Rule, span: Span, message: impl Into<String>) -> Diagnostic {
        let mut d = Diagnostic::new(rule.id, self.file_id, span, message);
        d.severity = rule.default_severity;
        d
    }
}
