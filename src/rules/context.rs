//! What a rule sees: one file of the set, the whole parsed set, its catalog and the config.
//! The engine builds a [`Workspace`]; rules only read it.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::rules::Rule;
use crate::source::{FileId, SourceFile, Span};
use crate::syntax::{self, ParseOptions, ParsedFile, Statement, Stmt};
use std::sync::{Arc, OnceLock};

/// One file of the set, parsed. Text and statements are shared (`Arc`) so that a language
/// server can re-check one buffer against thousands of cached context files without copying them.
#[derive(Debug, Clone)]
pub struct WorkspaceFile {
    pub source: Arc<SourceFile>,
    pub parsed: Parsed,
    pub report: bool,
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
    source: Arc<SourceFile>,
    options: ParseOptions,
    model: OnceLock<ParsedFile>,
}

/// The text and target version to parse a file from when it is first needed.
pub struct LazyParsed {
    source: Arc<SourceFile>,
    options: ParseOptions,
    model: OnceLock<ParsedFile>,
}

impl Parsed {
    /// A model parsed on first use from `source` for `options`.
    pub fn lazy(source: Arc<SourceFile>, options: ParseOptions) -> Parsed {
        Parsed::Lazy(Arc::new(LazyParsed {
            source,
            options,
            model: OnceLock::new(),
        }))
    }

    /// `parsed` of `source`, packed: `None` when it cannot be serialized.
    pub fn pack(
        parsed: &ParsedFile,
        source: Arc<SourceFile>,
        options: ParseOptions,
    ) -> Option<Parsed> {
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
