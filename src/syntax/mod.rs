//! From text to statements: the splitter, the sqlparser bridge, the fallback recognizers and
//! `DO` body handling. Everything after this module sees only [`model`] types.

pub mod convert;
pub mod execute;
pub mod grammar;
mod lex;
pub mod locks;
pub mod markers;
pub mod model;
mod name;
pub mod names;
pub mod plpgsql;
mod policy_expr;
pub(crate) mod recognize;
pub mod reparse;
pub mod split;
pub mod version;
mod volatility;

pub use convert::convert;

pub use model::*;
pub use name::Name;
pub use version::{ParseOptions, PgVersion};

use crate::source::Span;

/// A comment, kept for suppressions (`-- pgward-ignore …`) and markers (`-- pgward: no-transaction`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
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

    /// Whether `text` (the text this was parsed from) holds anything but whitespace and
    /// comments, whatever their style (`--` or `/* … */`).
    pub fn has_code(&self, text: &str) -> bool {
        let mut at = 0;
        for c in &self.comments {
            if text
                .get(at..c.span.start)
                .is_some_and(|t| !t.trim().is_empty())
            {
                return true;
            }
            at = at.max(c.span.end);
        }
        text.get(at..)
            .is_some_and(|t| !t.trim_start_matches('\u{feff}').trim().is_empty())
    }
}

/// Split and parse a whole file for the default target version.
pub fn parse_file(text: &str) -> ParsedFile {
    parse_file_with(text, &ParseOptions::default())
}

/// Split and parse a whole file for a target version.
pub fn parse_file_with(text: &str, options: &ParseOptions) -> ParsedFile {
    let out = split::split(text);
    // One call of PostgreSQL's parser for the whole file when it can read it as is (no psql
    // meta-commands, no unterminated token): when it accepts the file, every statement is
    // valid SQL and only the PL/pgSQL and version checks remain per statement.
    let file_ok = out.errors.is_empty()
        && !out.statements.iter().any(|s| s.meta)
        && grammar::check_sql(text).is_ok();
    parse_split(text, out, options, file_ok, |raw, error, parse| {
        parse(raw, error)
    })
}

/// What one statement of the splitter became: the statements (a `DO` statement's body
/// commands after it; the pieces of a statement cut at a `;` inside an unclosed parenthesis)
/// and the comments found inside `DO` bodies.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RawParsed {
    pub statements: Vec<Statement>,
    pub comments: Vec<Comment>,
}

/// The statements of a split file, each raw statement through `each(raw, lexical error,
/// parse)`, where `parse` is the real work: a caller may answer from a cache instead.
fn parse_split(
    text: &str,
    out: split::SplitOutput,
    options: &ParseOptions,
    file_ok: bool,
    mut each: impl FnMut(
        &split::RawStatement,
        Option<split::LexError>,
        &dyn Fn(&split::RawStatement, Option<split::LexError>) -> RawParsed,
    ) -> RawParsed,
) -> ParsedFile {
    let mut statements = Vec::with_capacity(out.statements.len());
    let mut comments = out.comments;
    let mut errors: Vec<Option<split::LexError>> = out.errors.into_iter().map(Some).collect();
    let parse = |raw: &split::RawStatement, error: Option<split::LexError>| {
        parse_raw(text, raw, error, options, file_ok)
    };
    for raw in &out.statements {
        let span = raw.span;
        // A lexical error inside this statement makes it invalid as a whole.
        let error = errors
            .iter_mut()
            .find(|e| {
                e.as_ref()
                    .is_some_and(|e| e.at.start >= span.start && e.at.start < span.end)
            })
            .and_then(Option::take);
        let parsed = each(raw, error, &parse);
        statements.extend(parsed.statements);
        comments.extend(parsed.comments);
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

/// One statement of the splitter, parsed: `file_ok` when PostgreSQL's grammar accepted the
/// whole file already.
fn parse_raw(
    text: &str,
    first: &split::RawStatement,
    error: Option<split::LexError>,
    options: &ParseOptions,
    file_ok: bool,
) -> RawParsed {
    let mut statements = Vec::new();
    let mut comments = Vec::new();
    let mut error = error;
    let mut work: std::collections::VecDeque<split::RawStatement> =
        std::iter::once(*first).collect();
    while let Some(raw) = work.pop_front() {
        let span = raw.span;
        let stmt_text = text.get(span.range()).unwrap_or("");
        if let Some(e) = error.take() {
            // PostgreSQL's own words for it when its scanner stops at the same place.
            let message = match grammar::check_sql(stmt_text) {
                Err(g) if g.at.start + span.start == e.at.start => {
                    grammar::short_message(g.message)
                }
                _ => e.message,
            };
            statements.push(Statement {
                span,
                kind: Stmt::Invalid { message, at: e.at },
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
        // PostgreSQL's grammar decides validity; a rejected statement is never modelled.
        if let Err(e) = judge(with_semicolon(text, span), options, file_ok) {
            // A `;` inside an unclosed parenthesis: the statement ends there for PostgreSQL's
            // error, and what follows is checked as statements of its own.
            if let Some(cut) = grammar::semicolon_in_parens(stmt_text) {
                let head = Span::new(span.start, span.start + cut);
                let e = judge(&text[span.start..=span.start + cut], options, false)
                    .err()
                    .unwrap_or(e);
                statements.push(Statement {
                    span: head,
                    kind: Stmt::Invalid {
                        message: e.message,
                        at: e.at.shift(span.start),
                    },
                    context: StmtContext::default(),
                });
                let rest_start = span.start + cut + 1;
                let rest = split::split(&text[rest_start..span.end]);
                for r in rest.statements.into_iter().rev() {
                    work.push_front(split::RawStatement {
                        span: r.span.shift(rest_start),
                        meta: r.meta,
                    });
                }
                continue;
            }
            statements.push(Statement {
                span,
                kind: Stmt::Invalid {
                    message: e.message,
                    at: e.at.shift(span.start),
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
            kind: accepted(convert::convert(stmt_text, span.start), stmt_text),
            context: StmtContext::default(),
        });
    }
    RawParsed {
        statements,
        comments,
    }
}

/// Whether PostgreSQL accepts one top-level statement on the target version: its grammar, the
/// PL/pgSQL compiler for `DO` bodies and `LANGUAGE plpgsql` function bodies, then syntax newer
/// than `postgres_version`. Spans are relative to `stmt`.
fn judge(
    stmt: &str,
    options: &ParseOptions,
    sql_checked: bool,
) -> Result<(), grammar::GrammarError> {
    if !sql_checked {
        grammar::check_sql(stmt)?;
    }
    if let Some(body) = grammar::plpgsql_body(stmt) {
        grammar::check_plpgsql(stmt, body)?;
    }
    grammar::check_version(stmt, options.pg_version)
}

/// The statement's text with the `;` that ends it, when one follows (PostgreSQL's errors then
/// name it, as they do when the file runs).
fn with_semicolon(text: &str, span: Span) -> &str {
    let after = text.get(span.end..).unwrap_or("");
    let trimmed = after.trim_start();
    if trimmed.starts_with(';') {
        let end = span.end + (after.len() - trimmed.len()) + 1;
        &text[span.start..end]
    } else {
        text.get(span.range()).unwrap_or("")
    }
}

/// A statement PostgreSQL accepted: our model may still fail to understand it, which makes it
/// unsupported, never invalid (sqlparser and the recognizers are not PostgreSQL's grammar).
fn accepted(kind: Stmt, stmt: &str) -> Stmt {
    match kind {
        Stmt::Invalid { message, .. } => Stmt::Unsupported {
            keyword: grammar::leading_words(stmt),
            message,
        },
        other => other,
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
    } else {
        // `'…'`, or a prefixed string such as `E'…'` (not looked into: escapes differ).
        let open = tok_text.find('\'').map_or(1, |p| p + 1);
        let start = body.span.start + open;
        let end = body.span.end.saturating_sub(1).max(start);
        let quoting = if open == 1 {
            BodyQuoting::Single
        } else {
            BodyQuoting::Opaque
        };
        (Span::new(start, end), quoting)
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
    let mut errors: Vec<Option<split::LexError>> = parsed.errors.into_iter().map(Some).collect();
    for s in parsed.statements {
        // A lexical error inside this statement makes it invalid as a whole (one statement per
        // stretch of text: spans never overlap).
        let error = errors
            .iter_mut()
            .find(|e| {
                e.as_ref()
                    .is_some_and(|e| e.at.start >= s.span.start && e.at.start < s.span.end)
            })
            .and_then(Option::take);
        // The statement's text is the file's (not unescaped from a `'…'` body).
        let verbatim = text.get(s.span.range()) == Some(s.text.as_str());
        let kind = if let Some(e) = error {
            Stmt::Invalid {
                message: e.message,
                at: e.at,
            }
        } else if s.dynamic {
            match verbatim
                .then(|| execute::executed_sql(&s.text, s.span.start))
                .flatten()
            {
                Some(sql) => {
                    push_executed(statements, &sql, s.span, &s.context);
                    continue;
                }
                None => Stmt::DynamicSql,
            }
        } else if verbatim {
            // The whole DO passed PostgreSQL's PL/pgSQL compiler, which checks every SQL
            // statement's syntax: what our model cannot read is unsupported, not invalid.
            accepted(convert::convert(&s.text, s.span.start), &s.text)
        } else {
            // A `DO '…'` body: the text has its doubled quotes unescaped, so its bytes are
            // mapped back to the file one by one.
            let map = unescaped_map(text, s.span);
            accepted(
                convert::convert_from(&s.text, lex::Origin::Map(&map)),
                &s.text,
            )
        };
        statements.push(Statement {
            span: s.span,
            kind,
            context: s.context,
        });
    }
    // An unterminated string or comment inside the body: the DO fails when it runs.
    for e in errors.into_iter().flatten() {
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

/// The statements that `EXECUTE` (at `exec`, with `context`) runs: `sql` rebuilt from its
/// literals, split and converted with every span mapped into the literal.
fn push_executed(
    statements: &mut Vec<Statement>,
    sql: &execute::Rebuilt,
    exec: Span,
    context: &StmtContext,
) {
    let whole = lex::Origin::Map(&sql.map);
    let out = split::split(&sql.text);
    let context = StmtContext {
        in_execute: Some(exec),
        ..context.clone()
    };
    let mut errors: Vec<Option<split::LexError>> = out.errors.into_iter().map(Some).collect();
    for raw in out.statements {
        let local = raw.span;
        let stmt_text = sql.text.get(local.range()).unwrap_or("");
        let error = errors
            .iter_mut()
            .find(|e| {
                e.as_ref()
                    .is_some_and(|e| e.at.start >= local.start && e.at.start < local.end)
            })
            .and_then(Option::take);
        let map = sql.map.get(local.range()).unwrap_or(&[]);
        let kind = match error {
            Some(e) => Stmt::Invalid {
                message: e.message,
                at: whole.span(e.at.start, e.at.end),
            },
            None => convert::convert_from(stmt_text, lex::Origin::Map(map)),
        };
        // One stretch of the file (doubled quotes aside), or pieces from several places.
        let assembled = map.windows(2).any(|w| w[1].start != w[0].end);
        // The statement covers every byte it comes from (`format()` arguments come after the
        // format string's end), so its diagnostics' spans lie inside it.
        let span = match (
            map.iter().map(|s| s.start).min(),
            map.iter().map(|s| s.end).max(),
        ) {
            (Some(start), Some(end)) => Span::new(start, end.max(start)),
            _ => whole.span(local.start, local.end),
        };
        statements.push(Statement {
            span,
            kind,
            context: StmtContext {
                assembled,
                ..context.clone()
            },
        });
    }
}

/// For the unescaped text of a statement from a `DO '…'` body that covers `span` of the file:
/// the file bytes of each of its bytes (`''` in the file is one `'` in the text).
fn unescaped_map(file: &str, span: Span) -> Vec<Span> {
    let raw = file.get(span.range()).unwrap_or("").as_bytes();
    let mut map = Vec::with_capacity(raw.len());
    let mut k = 0;
    while k < raw.len() {
        let at = span.start + k;
        if raw.get(k) == Some(&b'\'') && raw.get(k + 1) == Some(&b'\'') {
            map.push(Span::new(at, at + 2));
            k += 2;
        } else {
            map.push(Span::new(at, at + 1));
            k += 1;
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, kind summary, in DO?, exception handler?, existence guard?)
    fn summary(text: &str) -> Vec<(String, String, bool, bool, bool)> {
        parse_file(text)
            .statements
            .iter()
            .map(|s| {
                let kind = match &s.kind {
                    Stmt::Other { keyword } | Stmt::Unsupported { keyword, .. } => {
                        keyword.split(' ').next().unwrap_or("").to_string()
                    }
                    Stmt::Do { body } => format!("DO[{}]", &text[body.range()]),
                    Stmt::PsqlMeta { command } => format!("META {command}"),
                    Stmt::Invalid { message, at } => format!("INVALID {message} @{}", at.start),
                    Stmt::DynamicSql => "DYNAMIC".to_string(),
                    Stmt::Transaction(t) => format!("{t:?}"),
                    other => short_kind(other),
                };
                (
                    text[s.span.range()].to_string(),
                    kind,
                    s.context.in_do_block.is_some(),
                    s.context.exception_handler,
                    s.context.existence_guard,
                )
            })
            .collect()
    }

    /// The statement's leading keyword, whichever way `convert` models it, so these tests do not
    /// depend on how much `convert` understands.
    fn short_kind(kind: &Stmt) -> String {
        let debug = format!("{kind:?}");
        for (prefix, word) in [
            ("Create", "CREATE"),
            ("Alter", "ALTER"),
            ("Drop", "DROP"),
            ("Truncate", "TRUNCATE"),
        ] {
            if debug.starts_with(prefix) {
                return word.to_string();
            }
        }
        debug
    }

    fn kinds(text: &str) -> Vec<String> {
        summary(text).into_iter().map(|s| s.1).collect()
    }

    #[test]
    fn whole_file_in_order() {
        let text = "\\set ON_ERROR_STOP on\r\nBEGIN;\r\n-- pgward-ignore x\r\nCREATE FUNCTION f() RETURNS void AS $$ BEGIN DROP TABLE x; END $$ LANGUAGE plpgsql;\r\nDO $$\r\nBEGIN\r\n  DROP TABLE old;\r\n  RAISE NOTICE 'x';\r\n  EXECUTE 'DROP TABLE y';\r\n  EXECUTE 'DROP TABLE ' || t;\r\nEXCEPTION WHEN others THEN NULL;\r\nEND $$;\r\nCOMMIT;\r\n";
        let got = summary(text);
        let expect: Vec<(String, String, bool, bool, bool)> = vec![
            ("\\set ON_ERROR_STOP on", "META \\set ON_ERROR_STOP on", false, false, false),
            ("BEGIN", "Begin", false, false, false),
            (
                "CREATE FUNCTION f() RETURNS void AS $$ BEGIN DROP TABLE x; END $$ LANGUAGE plpgsql",
                "CREATE",
                false,
                false,
                false,
            ),
            (
                "DO $$\r\nBEGIN\r\n  DROP TABLE old;\r\n  RAISE NOTICE 'x';\r\n  EXECUTE 'DROP TABLE y';\r\n  EXECUTE 'DROP TABLE ' || t;\r\nEXCEPTION WHEN others THEN NULL;\r\nEND $$",
                "DO[\r\nBEGIN\r\n  DROP TABLE old;\r\n  RAISE NOTICE 'x';\r\n  EXECUTE 'DROP TABLE y';\r\n  EXECUTE 'DROP TABLE ' || t;\r\nEXCEPTION WHEN others THEN NULL;\r\nEND ]",
                false,
                false,
                false,
            ),
            ("DROP TABLE old", "DROP", true, true, false),
            // A literal runs as the statement it holds, spans inside the literal.
            ("DROP TABLE y", "DROP", true, true, false),
            ("EXECUTE 'DROP TABLE ' || t", "DYNAMIC", true, true, false),
            ("COMMIT", "Commit", false, false, false),
        ]
        .into_iter()
        .map(|(a, b, c, d, e)| (a.to_string(), b.to_string(), c, d, e))
        .collect();
        assert_eq!(got, expect);
        let parsed = parse_file(text);
        assert_eq!(parsed.comments.len(), 1);
        assert_eq!(parsed.comments[0].body, " pgward-ignore x");
        assert_eq!(parsed.top_level().count(), 5);
        let do_span = parsed.statements[3].span;
        assert_eq!(parsed.statements[4].context.in_do_block, Some(do_span));
        let executed = &parsed.statements[5];
        let exec_start = text.find("EXECUTE 'DROP TABLE y'").unwrap_or(0);
        assert_eq!(
            executed.context.in_execute,
            Some(Span::new(
                exec_start,
                exec_start + "EXECUTE 'DROP TABLE y'".len()
            ))
        );
        assert_eq!(executed.context.in_do_block, Some(do_span));
        assert_eq!(parsed.statements[6].context.in_execute, None);
    }

    #[test]
    fn execute_literals_are_analysed_with_spans_inside() {
        let text = "DO $$\nBEGIN\n  EXECUTE 'create policy \"Own rows\" on public.notes using (owner = ''me'') with check (true)';\n  EXECUTE format('create policy %I on %I.%I for select to authenticated using (k = %L)', 'Team read', 'public', 'notes', 'it''s');\n  EXECUTE format('alter table %I enable row level security', tbl);\nEND $$;";
        let parsed = parse_file(text);
        let kinds: Vec<&Stmt> = parsed.statements.iter().map(|s| &s.kind).collect();
        assert_eq!(kinds.len(), 4, "{kinds:?}");
        let (Stmt::CreatePolicy(a), Stmt::CreatePolicy(b)) = (kinds[1], kinds[2]) else {
            panic!("{kinds:?}")
        };
        // Spans inside the literal, past its doubled quotes.
        assert_eq!(&text[a.name.span.range()], "\"Own rows\"");
        assert_eq!(&text[a.table.span().range()], "public.notes");
        let first = &parsed.statements[1];
        assert!(text[first.span.range()].starts_with("create policy"));
        assert!(text[first.span.range()].ends_with("with check (true)"));
        // format(): `%I` of a literal points at that literal.
        assert_eq!(b.name.value, "Team read");
        assert_eq!(&text[b.name.span.range()], "'Team read'");
        assert_eq!(&text[b.table.name.span.range()], "'notes'");
        assert_eq!(b.command, PolicyCommand::Select);
        assert!(parsed.statements[1].context.in_execute.is_some());
        assert!(matches!(kinds[3], Stmt::DynamicSql));
        // A `DO '…'` body: spans after a doubled quote stay on the right text.
        let text = "DO 'BEGIN CREATE TABLE t (id text DEFAULT ''x'', note text); END';";
        let parsed = parse_file(text);
        let Stmt::CreateTable(t) = &parsed.statements[1].kind else {
            panic!("{:?}", parsed.statements)
        };
        assert_eq!(&text[t.columns[0].span.range()], "id text DEFAULT ''x''");
        assert_eq!(&text[t.columns[1].name.span.range()], "note");
        assert_eq!(&text[t.columns[1].data_type_span.range()], "text");
    }

    #[test]
    fn do_variants() {
        assert_eq!(
            kinds("DO LANGUAGE plpgsql $body$ BEGIN TRUNCATE t; END $body$;"),
            vec!["DO[ BEGIN TRUNCATE t; END ]", "TRUNCATE"]
        );
        assert_eq!(
            kinds("do $$ begin drop table t; end $$ language PLPGSQL"),
            vec!["DO[ begin drop table t; end ]", "DROP"]
        );
        // Another language: the body is not PL/pgSQL and is not looked into.
        assert_eq!(
            kinds("DO LANGUAGE plv8 $$ plv8.execute('DROP TABLE t'); $$"),
            vec!["DO[ plv8.execute('DROP TABLE t'); ]"]
        );
        let text = "DO 'BEGIN DROP TABLE \"Odd\"; RAISE NOTICE ''x''; END';";
        let got = summary(text);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, "DROP TABLE \"Odd\"");
        assert_eq!(got[1].1, "DROP");
        assert_eq!(
            kinds("DO;"),
            vec!["INVALID syntax error at or near \";\" @2"]
        );
        // PostgreSQL's PL/pgSQL compiler judges the body.
        assert_eq!(
            kinds("DO 'BEGIN DROP TABLE ''Odd''; END';"),
            vec!["INVALID syntax error at or near \"'Odd'\" @22"]
        );
    }

    #[test]
    fn do_guards_and_comments_inside() {
        let text = "DO $$\nBEGIN\n  -- pgward-ignore non-idempotent-ddl\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n    CREATE TYPE mood AS ENUM ('happy');\n  END IF;\nEND\n$$;";
        let got = summary(text);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, "CREATE TYPE mood AS ENUM ('happy')");
        assert!(got[1].4);
        let parsed = parse_file(text);
        assert_eq!(parsed.comments.len(), 1);
        assert_eq!(
            &text[parsed.comments[0].span.range()],
            "-- pgward-ignore non-idempotent-ddl"
        );
    }

    #[test]
    fn lex_errors_become_invalid_statements() {
        let text = "CREATE TABLE a (x int);\nINSERT INTO a VALUES ('oops);\nDROP TABLE a;";
        let got = summary(text);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1, "CREATE");
        assert_eq!(got[1].0, "INSERT INTO a VALUES ('oops);\nDROP TABLE a;");
        assert_eq!(
            got[1].1,
            "INVALID unterminated quoted string at or near \"'oops);…\" @46"
        );
        assert_eq!(&text[46..47], "'");

        let text = "SELECT 1;\n/* never closed\nSELECT 2;";
        let got = summary(text);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, "/* never closed\nSELECT 2;");
        assert_eq!(got[1].1, "INVALID unterminated /* comment @10");

        // An unterminated string inside a DO body.
        let text = "DO $$ BEGIN RAISE 'x; END $$;\nSELECT 1;";
        // PostgreSQL's PL/pgSQL compiler rejects the whole DO, at the quote.
        let got = summary(text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[0].1.starts_with("INVALID unterminated quoted string"),
            "{got:?}"
        );
        assert!(got[0].1.ends_with("@18"), "{got:?}");
        assert_eq!(got[1].1, "SELECT");
    }

    #[test]
    fn no_panic_and_sorted_on_random_input() {
        let mut inputs = split::tests::random_inputs(500);
        inputs.extend(split::tests::random_chars(500));
        for text in inputs {
            let parsed = parse_file(&text);
            let mut last = 0;
            for s in &parsed.statements {
                assert!(s.span.start >= last, "unsorted: {text:?}");
                assert!(s.span.end <= text.len());
                assert!(text.is_char_boundary(s.span.start) && text.is_char_boundary(s.span.end));
                last = s.span.start;
            }
            let mut last = 0;
            for c in &parsed.comments {
                assert!(c.span.start >= last && c.span.end <= text.len(), "{text:?}");
                last = c.span.start;
            }
        }
    }
}

/// A string constant of a statement (`'x'`, `E'x'`, `U&'x'`), as PostgreSQL reads its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringLiteral {
    pub value: String,
    /// The literal in the file, quotes included.
    pub span: Span,
    /// The type of a cast right after it (`'x'::status`: `status`, without schema), lower case.
    pub cast: Option<String>,
}

/// The string constants of `text` (one statement starting at file offset `base`), found by the
/// tokenizer: comments, identifiers and dollar-quoted bodies do not count.
pub fn string_literals(text: &str, base: usize) -> Vec<StringLiteral> {
    use sqlparser::tokenizer::Token;
    let Ok(raw) = lex::lex(text, lex::Origin::At(base)) else {
        return Vec::new();
    };
    let toks = lex::significant(&raw, text, lex::Origin::At(base));
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let value = match t.token {
            Token::SingleQuotedString(v)
            | Token::EscapedStringLiteral(v)
            | Token::UnicodeStringLiteral(v)
            | Token::NationalStringLiteral(v) => v,
            _ => continue,
        };
        // `'x'::schema.type`: the last name of the type.
        let mut cast = None;
        if matches!(toks.get(i + 1).map(|t| t.token), Some(Token::DoubleColon)) {
            let mut j = i + 2;
            while let Some(Token::Word(w)) = toks.get(j).map(|t| t.token) {
                cast = Some(if w.quote_style.is_some() {
                    w.value.clone()
                } else {
                    w.value.to_lowercase()
                });
                if !matches!(toks.get(j + 1).map(|t| t.token), Some(Token::Period)) {
                    break;
                }
                j += 2;
            }
        }
        out.push(StringLiteral {
            value: value.clone(),
            span: t.span,
            cast,
        });
    }
    out
}

/// Whether `text` (one statement) calls one of the functions `names` (lower case, optionally
/// `pg_catalog.`-qualified): a name followed by `(`, found by the tokenizer, so strings and
/// comments do not count. With `search_bodies`, dollar-quoted strings are searched too (a
/// `DO $$ … $$` body runs; a function body only runs when called, so not for `CREATE FUNCTION`).
pub fn calls_function(text: &str, names: &[&str], search_bodies: bool) -> bool {
    calls_in(text, names, if search_bodies { 0 } else { 2 })
}

fn calls_in(text: &str, names: &[&str], depth: usize) -> bool {
    let Ok(raw) = lex::lex(text, lex::Origin::At(0)) else {
        return false;
    };
    use sqlparser::tokenizer::Token;
    let toks: Vec<&Token> = raw
        .tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    for (i, t) in toks.iter().enumerate() {
        match t {
            Token::Word(w)
                if names.contains(&w.value.to_ascii_lowercase().as_str())
                    && matches!(toks.get(i + 1), Some(Token::LParen)) =>
            {
                return true;
            }
            Token::DollarQuotedString(d) if depth < 2 && calls_in(&d.value, names, depth + 1) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod calls_tests {
    use super::calls_function;

    #[test]
    fn function_calls_are_found_by_tokens() {
        let seq = ["setval", "nextval"];
        assert!(calls_function("SELECT setval('s', 1, false)", &seq, false));
        assert!(calls_function(
            "SELECT pg_catalog.NEXTVAL ('s')",
            &seq,
            false
        ));
        assert!(!calls_function(
            "SELECT 'setval(1)' -- nextval(x)",
            &seq,
            false
        ));
        assert!(!calls_function("SELECT setval_count FROM t", &seq, false));
        let body = "DO $$ BEGIN PERFORM setval('s', 1); END $$";
        assert!(calls_function(body, &seq, true));
        assert!(!calls_function(body, &seq, false));
    }
}
