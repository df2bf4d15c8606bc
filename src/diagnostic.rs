//! What a rule reports. Positions are byte spans into a file of the checked set; reporters turn
//! them into lines and columns at the edge.

use crate::source::Span;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity `{other}` (expected error, warning or info)"
            )),
        }
    }
}

pub use crate::source::FileId;

/// Another place a diagnostic talks about ("policy first created here").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// A text replacement in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A mechanical fix: the language server offers it as a quick fix, `pgward check --fix`
/// applies it when it is safe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    /// Whether `--fix` may apply it without a person looking: false when the fix can make the
    /// migration fail where it did not (it names a schema that may not exist, say).
    pub safe: bool,
}

/// Serialized while a big set's rules run (the engine holds each chunk's diagnostics encoded,
/// and reads them back as the registered rules' own ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    #[serde(serialize_with = "rule_id")]
    pub rule: &'static str,
    pub severity: Severity,
    pub file: FileId,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub related: Vec<Related>,
    /// Boxed: few diagnostics have one, and a big set's report holds tens of thousands.
    pub fix: Option<Box<Fix>>,
    /// Span of the whole statement the diagnostic belongs to (suppressions and code actions use it).
    pub statement: Option<Span>,
    /// The text under `span` is a secret: reporters never print it (source snippets show `*`).
    pub redact: bool,
}

impl Diagnostic {
    pub fn new(rule: &'static str, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: Severity::Error,
            file,
            span,
            message: message.into(),
            help: None,
            related: Vec::new(),
            fix: None,
            statement: None,
            redact: false,
        }
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn with_related(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            file,
            span,
            message: message.into(),
        });
        self
    }
    pub fn with_fix(mut self, title: impl Into<String>, edits: Vec<Edit>) -> Self {
        self.fix = Some(Box::new(Fix {
            title: title.into(),
            edits,
            safe: true,
        }));
        self
    }
    /// A fix the language server offers but `--fix` does not apply (see [`Fix::safe`]).
    pub fn with_unsafe_fix(mut self, title: impl Into<String>, edits: Vec<Edit>) -> Self {
        self = self.with_fix(title, edits);
        if let Some(fix) = &mut self.fix {
            fix.safe = false;
        }
        self
    }
    /// Mark the span's text as a secret (see [`Diagnostic::redact`]).
    pub fn redacted(mut self) -> Self {
        self.redact = true;
        self
    }
    pub fn in_statement(mut self, statement: Span) -> Self {
        self.statement = Some(statement);
        self
    }
}

fn rule_id<S: serde::Serializer>(rule: &&'static str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(rule)
}
