//! The statement splitter: a byte-level lexer that knows just enough PostgreSQL (strings, quoted
//! identifiers, dollar quotes, comments, psql meta-commands, `BEGIN ATOMIC` bodies) to find where
//! statements start and end, with byte spans. It never allocates per character and never panics:
//! every delimiter it cuts at is ASCII, so spans always fall on UTF-8 character boundaries.
//!
//! `lexer.rs` is the tokenizer; this file cuts the token stream into statements.

mod lexer;
#[cfg(test)]
pub(crate) mod tests;

pub use lexer::{LexError, Lexer, Token, TokenKind, comment_from_token};

use super::Comment;
use crate::source::Span;

/// One statement as the splitter found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawStatement {
    /// From the first token to the last, the `;` and surrounding comments excluded.
    pub span: Span,
    /// A psql meta-command line.
    pub meta: bool,
}

#[derive(Debug, Clone, Default)]
pub struct SplitOutput {
    pub statements: Vec<RawStatement>,
    pub comments: Vec<Comment>,
    pub errors: Vec<LexError>,
}

/// Tracks the leading `CREATE [OR REPLACE] FUNCTION|PROCEDURE` of a statement, where a
/// `BEGIN ATOMIC … END` body may follow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lead {
    Start,
    Create,
    CreateOr,
    CreateOrReplace,
    Routine,
    Other,
}

struct Current {
    start: usize,
    end: usize,
    parens: usize,
    lead: Lead,
    /// Nesting of `BEGIN ATOMIC` (and `BEGIN`/`CASE` … `END` inside it).
    atomic: usize,
    /// Saw `BEGIN` in a routine statement: `ATOMIC` next opens a body.
    pending_begin: bool,
    /// `COPY … FROM STDIN`: data lines follow the statement.
    copy: CopyData,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CopyData {
    No,
    Copy,
    FromStdin,
}

impl Current {
    fn new(start: usize) -> Self {
        Current {
            start,
            end: start,
            parens: 0,
            lead: Lead::Start,
            atomic: 0,
            pending_begin: false,
            copy: CopyData::No,
        }
    }

    fn word(&mut self, w: &[u8]) {
        let is = |k: &str| w.eq_ignore_ascii_case(k.as_bytes());
        if self.lead == Lead::Start && is("copy") {
            self.copy = CopyData::Copy;
        } else if self.copy == CopyData::Copy && is("stdin") {
            self.copy = CopyData::FromStdin;
        }
        self.lead = match self.lead {
            Lead::Start if is("create") => Lead::Create,
            Lead::Create if is("or") => Lead::CreateOr,
            Lead::CreateOr if is("replace") => Lead::CreateOrReplace,
            Lead::Create | Lead::CreateOrReplace if is("function") || is("procedure") => {
                Lead::Routine
            }
            Lead::Routine => Lead::Routine,
            _ => Lead::Other,
        };
        if self.lead != Lead::Routine {
            return;
        }
        let pending = std::mem::replace(&mut self.pending_begin, false);
        if self.atomic == 0 {
            if pending && is("atomic") {
                self.atomic = 1;
            } else if is("begin") && self.parens == 0 {
                self.pending_begin = true;
            }
        } else if is("begin") || is("case") {
            self.atomic += 1;
        } else if is("end") {
            self.atomic -= 1;
        }
    }
}

/// Split a file into statements, collecting comments and lexical errors.
pub fn split(text: &str) -> SplitOutput {
    let mut out = SplitOutput::default();
    let bytes = text.as_bytes();
    let mut lexer = Lexer::new(text, true);
    let mut cur: Option<Current> = None;
    let finish = |cur: &mut Option<Current>, out: &mut SplitOutput| {
        let c = cur.take()?;
        out.statements.push(RawStatement {
            span: Span::new(c.start, c.end),
            meta: false,
        });
        Some(c.copy)
    };
    while let Some(tok) = lexer.next() {
        match tok.kind {
            TokenKind::LineComment | TokenKind::BlockComment => {
                out.comments.push(comment_from_token(text, &tok));
                continue;
            }
            TokenKind::Meta => {
                // psql runs the buffered query first for `\g`-style commands; we end it here too.
                finish(&mut cur, &mut out);
                out.statements.push(RawStatement {
                    span: tok.span,
                    meta: true,
                });
                continue;
            }
            TokenKind::Punct if bytes.get(tok.span.start) == Some(&b';') => {
                let splits = cur.as_ref().is_none_or(|c| c.parens == 0 && c.atomic == 0);
                if splits {
                    if finish(&mut cur, &mut out) == Some(CopyData::FromStdin) {
                        lexer.skip_copy_data();
                    }
                    continue;
                }
            }
            _ => {}
        }
        let c = cur.get_or_insert_with(|| Current::new(tok.span.start));
        c.end = tok.span.end;
        match tok.kind {
            TokenKind::Punct => match bytes.get(tok.span.start) {
                Some(b'(') => c.parens += 1,
                Some(b')') => c.parens = c.parens.saturating_sub(1),
                _ => {}
            },
            TokenKind::Word => c.word(bytes.get(tok.span.range()).unwrap_or(b"")),
            _ => {}
        }
        if tok.kind != TokenKind::Word {
            c.pending_begin = false;
        }
    }
    finish(&mut cur, &mut out);
    out.errors = lexer.errors;
    out
}
