//! `DO` bodies: find the SQL commands inside a PL/pgSQL body that run when the `DO` runs, with
//! their positions in the file and the context the rules need (exception handler, existence
//! guard, extension availability guard). Control flow, `RAISE`, `PERFORM`, assignments and the
//! like are skipped; `EXECUTE …` is kept as opaque dynamic SQL.
//!
//! This file maps the body to file positions (dollar-quoted or `'…'` with `''` escapes);
//! `parser.rs` walks the PL/pgSQL statements and finds the SQL commands with their context.

mod parser;
#[cfg(test)]
mod tests;

use super::Comment;
use super::model::StmtContext;
use super::split::{LexError, Lexer, TokenKind, comment_from_token};
use crate::source::Span;

/// A statement found in a `DO` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyStatement {
    /// Position in the file.
    pub span: Span,
    /// The statement's text (for a `'…'` body, with `''` already unescaped).
    pub text: String,
    /// `EXECUTE …`: dynamic SQL we do not look into.
    pub dynamic: bool,
    pub context: StmtContext,
}

#[derive(Debug, Clone, Default)]
pub struct DoBody {
    pub statements: Vec<BodyStatement>,
    pub comments: Vec<Comment>,
    /// Lexical errors inside the body, at file positions.
    pub errors: Vec<LexError>,
}
/// Split the body of a dollar-quoted `DO`; `body` is the text between the tags, starting at
/// file offset `offset`.
pub fn split_body(body: &str, offset: usize, do_span: Span) -> DoBody {
    let mut lexer = Lexer::new(body, false);
    let mut toks = Vec::new();
    let mut comments = Vec::new();
    for t in lexer.by_ref() {
        match t.kind {
            TokenKind::LineComment | TokenKind::BlockComment => {
                let mut c = comment_from_token(body, &t);
                c.span = c.span.shift(offset);
                comments.push(c);
            }
            _ => toks.push(t),
        }
    }
    let statements = parser::find_commands(body, toks)
        .into_iter()
        .map(|f| BodyStatement {
            span: f.span.shift(offset),
            text: body.get(f.span.range()).unwrap_or("").to_string(),
            dynamic: f.dynamic,
            context: StmtContext {
                in_do_block: Some(do_span),
                exception_handler: f.ctx.exc,
                existence_guard: f.ctx.guard,
                extension_availability_guard: f.ctx.ext,
                in_execute: None,
                assembled: false,
            },
        })
        .collect();
    let errors = lexer
        .errors
        .into_iter()
        .map(|e| LexError {
            message: e.message,
            at: e.at.shift(offset),
        })
        .collect();
    DoBody {
        statements,
        comments,
        errors,
    }
}

/// Split the body of a `DO '…'` (a plain single-quoted string): `raw` is the text between the
/// quotes at file offset `offset`, with `''` for each quote. Positions are mapped back to the
/// file; a statement's span covers its escaped text.
pub fn split_quoted_body(raw: &str, offset: usize, do_span: Span) -> DoBody {
    let mut text = String::with_capacity(raw.len());
    // map[i] = file offset of unescaped byte i; one extra entry for the end.
    let mut map = Vec::with_capacity(raw.len() + 1);
    let mut rest = raw;
    let mut at = offset;
    while let Some(p) = rest.find("''") {
        let (head, tail) = rest.split_at(p);
        text.push_str(head);
        map.extend((0..head.len()).map(|k| at + k));
        text.push('\'');
        map.push(at + p);
        at += p + 2;
        rest = tail.get(2..).unwrap_or("");
    }
    text.push_str(rest);
    map.extend((0..rest.len()).map(|k| at + k));
    map.push(offset + raw.len());

    let mut body = split_body(&text, 0, do_span);
    let file_pos = |i: usize| map.get(i).copied().unwrap_or(offset + raw.len());
    // Map an exclusive end: one past the last byte's (escaped) position.
    let file_end = |i: usize| {
        if i == 0 {
            file_pos(0)
        } else {
            let last = file_pos(i - 1);
            // An unescaped quote stands for two bytes in the file.
            if text.as_bytes().get(i - 1) == Some(&b'\'') {
                last + 2
            } else {
                last + 1
            }
        }
    };
    let fix = |s: Span| Span::new(file_pos(s.start), file_end(s.end).max(file_pos(s.start)));
    for s in &mut body.statements {
        s.span = fix(s.span);
    }
    for c in &mut body.comments {
        c.span = fix(c.span);
    }
    for e in &mut body.errors {
        e.at = fix(e.at);
    }
    body
}
