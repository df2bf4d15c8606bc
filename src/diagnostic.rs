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

/// Serialized while a big set's rules run (the engine holds each chunk's diagnostics encoded):
/// the rule as its id, read back as the registered rule's.
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

/// A [`Diagnostic`] as read back: the same fields in the same order (postcard is positional),
/// the rule as its id.
#[derive(Deserialize)]
struct Decoded {
    rule: String,
    severity: Severity,
    file: FileId,
    span: Span,
    message: String,
    help: Option<String>,
    related: Vec<Related>,
    fix: Option<Box<Fix>>,
    statement: Option<Span>,
    redact: bool,
}

impl<'de> Deserialize<'de> for Diagnostic {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Diagnostic, D::Error> {
        Decoded::deserialize(deserializer).map(Diagnostic::from)
    }
}

impl From<Decoded> for Diagnostic {
    fn from(d: Decoded) -> Diagnostic {
        Diagnostic {
            // Only registered rules' ids are ever written; another one (never seen) is kept
            // rather than lost.
            rule: crate::rules::find(&d.rule)
                .map_or_else(|| &*Box::leak(d.rule.into_boxed_str()), |rule| rule.id),
            severity: d.severity,
            file: d.file,
            span: d.span,
            message: d.message,
            help: d.help,
            related: d.related,
            fix: d.fix,
            statement: d.statement,
            redact: d.redact,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the engine holds encoded reads back as it was, every field set.
    #[test]
    fn a_diagnostic_reads_back_as_it_was_encoded() {
        let rule = crate::rules::all()[0].id;
        let mut d = Diagnostic::new(rule, 3, Span::new(5, 9), "message")
            .with_help("help")
            .with_related(1, Span::new(0, 2), "there");
        d.severity = Severity::Warning;
        d.fix = Some(Box::new(Fix {
            title: "fix it".into(),
            edits: vec![Edit {
                span: Span::new(5, 9),
                replacement: "x".into(),
            }],
            safe: true,
        }));
        d.statement = Some(Span::new(0, 20));
        d.redact = true;
        let plain = Diagnostic::new(rule, 0, Span::new(0, 1), "m");
        let bytes = postcard::to_allocvec(&vec![d.clone(), plain.clone()]).unwrap_or_default();
        let back: Option<Vec<Diagnostic>> = postcard::from_bytes(&bytes).ok();
        assert_eq!(back, Some(vec![d, plain]));
        // The rule is the registered rule's own id.
        assert!(back.is_some_and(|b| std::ptr::eq(b[0].rule, rule)));
    }
}
