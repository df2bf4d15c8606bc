//! From text to statements: the splitter, the sqlparser bridge, the fallback recognizers and
//! `DO` body handling. Everything after this module sees only [`model`] types.

pub mod convert;
pub mod model;
pub mod plpgsql;
pub mod split;

pub use model::*;

use crate::source::Span;

/// A comment, kept for suppressions (`-- pgward-ignore …`) and markers (`-- pgward: no-transaction`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The whole comment, `--` or `/* */` included.
    pub span: Span,
    /// The comment's text without the `--` / `/*` `*/` markers.
    pub body: String,
    /// `--` comment (a `/* */` block comment otherwise).
    pub line_comment: bool,
}

/// A file split and parsed: statements in text order (statements from a `DO` body come right
/// after their `DO` statement), and every comment. Lexical errors are `Stmt::Invalid` statements.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    pub statements: Vec<Statement>,
    pub comments: Vec<Comment>,
}

impl ParsedFile {
    /// Statements that run at the top level of the file (not from inside a `DO` body).
    pub fn top_level(&self) -> impl Iterator<Item = &Statement> {
        self.statements
            .iter()
            .filter(|s| s.context.in_do_block.is_none())
    }
}

/// Split and parse a whole file.
pub fn parse_file(text: &str) -> ParsedFile {
    let out = split::split(text);
    let mut statements = Vec::with_capacity(out.statements.len());
    let mut comments = out.comments;
    let mut errors: Vec<Option<split::LexError>> = out.errors.into_iter().map(Some).collect();

    for raw in &out.statements {
        let span = raw.span;
        let stmt_text = text.get(span.range()).unwrap_or("");
        // A lexical error inside this statement makes it invalid as a whole.
        let error = errors
            .iter_mut()
            .find(|e| {
                e.as_ref()
                    .is_some_and(|e| e.at.start >= span.start && e.at.start < span.end)
            })
            .and_then(Option::take);
        if let Some(e) = error {
            statements.push(Statement {
                span,
                kind: Stmt::Invalid {
                    message: e.message,
                    at: e.at,
                },
                context: StmtContext::default(),
            });
            continue;
        }
        if raw.meta {
            statements.push(Statement {
                span,
                kind: Stmt::PsqlMeta {
                    command: stmt_text.to_string(),
                },
                context: StmtContext::default(),
            });
            continue;
        }
        if let Some(do_stmt) = do_statement(stmt_text, span.start) {
            push_do(text, &mut statements, &mut comments, span, do_stmt);
            continue;
        }
        statements.push(Statement {
            span,
            kind: convert::convert(stmt_text, span.start),
            context: StmtContext::default(),
        });
    }
    // Errors outside every statement (an unterminated comment after the last one): the rest of
    // the file is unreadable, so it becomes one invalid statement.
    for e in errors.into_iter().flatten() {
        statements.push(Statement {
            span: Span::new(e.at.start, text.len().max(e.at.end)),
            kind: Stmt::Invalid {
                message: e.message,
                at: e.at,
            },
            context: StmtContext::default(),
        });
    }
    statements.sort_by_key(|s| s.span.start);
    comments.sort_by_key(|c| c.span.start);
    ParsedFile {
        statements,
        comments,
    }
}

/// What a `DO` statement holds.
enum DoStatement {
    /// The body text between the quotes, in the file, and how it is quoted.
    Body { body: Span, quoting: BodyQuoting },
    /// `DO` with no string at all.
    NoBody,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyQuoting {
    /// `$$…$$` / `$tag$…$tag$` in PL/pgSQL: re-split.
    Dollar,
    /// `'…'` in PL/pgSQL: unescape `''`, then re-split.
    Single,
    /// Another language, or an escape string: not looked into.
    Opaque,
}

/// Recognize `DO [LANGUAGE l] body [LANGUAGE l]`; `base` is the statement's file offset.
fn do_statement(stmt: &str, base: usize) -> Option<DoStatement> {
    let mut toks = split::Lexer::new(stmt, false).filter(|t| {
        !matches!(
            t.kind,
            split::TokenKind::LineComment | split::TokenKind::BlockComment
        )
    });
    let first = toks.next()?;
    let word = |t: &split::Token| stmt.get(t.span.range()).unwrap_or("");
    if first.kind != split::TokenKind::Word || !word(&first).eq_ignore_ascii_case("do") {
        return None;
    }
    let mut language: Option<String> = None;
    let mut body: Option<split::Token> = None;
    while let Some(t) = toks.next() {
        let w = word(&t);
        if t.kind == split::TokenKind::Word && w.eq_ignore_ascii_case("language") {
            if let Some(l) = toks.next() {
                let l = word(&l).trim_matches(|c| c == '\'' || c == '"');
                language = Some(l.to_ascii_lowercase());
            }
        } else if body.is_none()
            && matches!(
                t.kind,
                split::TokenKind::String | split::TokenKind::DollarString
            )
        {
            body = Some(t);
        }
    }
    let Some(body) = body else {
        return Some(DoStatement::NoBody);
    };
    let tok_text = word(&body);
    let plpgsql = language.as_deref().is_none_or(|l| l == "plpgsql");
    let (inner, mut quoting) = if body.kind == split::TokenKind::DollarString {
        // `$tag$…$tag$`: the tag ends at the second `$`.
        let tag_len = tok_text
            .get(1..)
            .and_then(|r| r.find('$'))
            .map_or(1, |p| p + 2);
        let start = body.span.start + tag_len;
        let end = body.span.end.saturating_sub(tag_len).max(start);
        (Span::new(start, end), BodyQuoting::Dollar)
    } else if tok_text.starts_with('\'') {
        let start = body.span.start + 1;
        let end = body.span.end.saturating_sub(1).max(start);
        (Span::new(start, end), BodyQuoting::Single)
    } else {
        let start = body.span.start;
        (Span::new(start, body.span.end), BodyQuoting::Opaque)
    };
    if !plpgsql {
        quoting = BodyQuoting::Opaque;
    }
    Some(DoStatement::Body {
        body: inner.shift(base),
        quoting,
    })
}

fn push_do(
    text: &str,
    statements: &mut Vec<Statement>,
    comments: &mut Vec<Comment>,
    span: Span,
    do_stmt: DoStatement,
) {
    let (body, quoting) = match do_stmt {
        DoStatement::NoBody => {
            statements.push(Statement {
                span,
                kind: Stmt::Invalid {
                    message: "DO statement without a body".to_string(),
                    at: span,
                },
                context: StmtContext::default(),
            });
            return;
        }
        DoStatement::Body { body, quoting } => (body, quoting),
    };
    statements.push(Statement {
        span,
        kind: Stmt::Do { body },
        context: StmtContext::default(),
    });
    let body_text = text.get(body.range()).unwrap_or("");
    let parsed = match quoting {
        BodyQuoting::Dollar => plpgsql::split_body(body_text, body.start, span),
        BodyQuoting::Single => plpgsql::split_quoted_body(body_text, body.start, span),
        BodyQuoting::Opaque => return,
    };
    comments.extend(parsed.comments);
    let mut errors = parsed.errors.into_iter();
    for s in parsed.statements {
        let kind = if s.dynamic {
            Stmt::DynamicSql
        } else {
            convert::convert(&s.text, s.span.start)
        };
        statements.push(Statement {
            span: s.span,
            kind,
            context: s.context,
        });
    }
    // An unterminated string or comment inside the body: the DO fails when it runs.
    for e in errors.by_ref() {
        statements.push(Statement {
            span: Span::new(e.at.start, body.end.max(e.at.end)),
            kind: Stmt::Invalid {
                message: e.message,
                at: e.at,
            },
            context: StmtContext {
                in_do_block: Some(span),
                ..StmtContext::default()
            },
        });
    }
}
