//! What a rule sees: one file of the set, the whole parsed set, its catalog and the config.
//! The engine builds a [`Workspace`]; rules only read it.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::rules::Rule;
use crate::source::{FileId, SourceFile, Span};
use crate::syntax::{self, ParseOptions, ParsedFile, Statement, Stmt};
use std::path::PathBuf;
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
/// cache was built from, is read only if a rule or a reporter looks into it. Dereferences to
/// the [`SourceFile`] either way.
#[derive(Clone)]
pub enum Source {
    Read(Arc<SourceFile>),
    OnDisk(Arc<OnDisk>),
}

/// Where to read a file from when it is first needed.
pub struct OnDisk {
    name: String,
    path: PathBuf,
    file: OnceLock<SourceFile>,
}

impl Source {
    /// A file read from `path` on first use, named `name` in messages.
    pub fn on_disk(name: String, path: PathBuf) -> Source {
        Source::OnDisk(Arc::new(OnDisk {
            name,
            path,
            file: OnceLock::new(),
        }))
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
            // The file was there, unchanged, when the check started; if it went away since,
            // it reads as empty (positions in it then show as line 1) rather than failing
            // the check.
            Source::OnDisk(lazy) => lazy.file.get_or_init(|| {
                crate::discover::read_source(&lazy.path, &lazy.name)
                    .unwrap_or_else(|_| SourceFile::new(lazy.name.clone(), ""))
            }),
        }
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::OnDisk(lazy) if lazy.file.get().is_none() => {
                write!(f, "Source::OnDisk({:?})", lazy.path)
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
    bytes: Box<[u8]>,
    source: Source,
    options: ParseOptions,
    model: OnceLock<ParsedFile>,
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

    /// `parsed` of `source`, packed: `None` when it cannot be serialized.
    pub fn pack(parsed: &ParsedFile, source: Source, options: ParseOptions) -> Option<Parsed> {
        let bytes = postcard::to_stdvec(parsed).ok()?.into_boxed_slice();
        Some(Parsed::Packed(Arc::new(PackedParsed {
            bytes,
            source,
            options,
            model: OnceLock::new(),
        })))
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
                postcard::from_bytes(&packed.bytes).unwrap_or_else(|_| {
                    syntax::parse_file_with(&packed.source.text, &packed.options)
                })
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
