//! PostgreSQL's own grammar as the judge of validity (libpg_query through the `pg_query` crate).
//!
//! sqlparser stays the source of our statement model; this module only answers "does PostgreSQL
//! accept this text?", with PostgreSQL's message and the place it names. Top-level SQL goes
//! through the server's raw parser (`pg_query_split_with_parser`); `DO` blocks and `LANGUAGE
//! plpgsql` functions also go through the PL/pgSQL compiler (`pg_query_parse_plpgsql`), whose
//! syntax errors we trust and whose other errors (types its stub catalog lacks) we do not.
//!
//! The safe `pg_query` API drops the error position (`cursorpos`), so the two entry points are
//! called through their C declarations here; the library itself is linked by the `pg_query`
//! crate. Every call copies what it needs and frees the C result before returning.

use super::split::{Lexer, Token, TokenKind};
use super::version::PgVersion;
use crate::source::Span;
use std::ffi::{CStr, CString, c_char, c_int};

// The C library is built and linked by the `pg_query` crate; its safe API is not used.
extern crate pg_query as _;

/// PostgreSQL rejected the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrammarError {
    /// PostgreSQL's message, e.g. `syntax error at or near "SELEKT"`.
    pub message: String,
    /// The token the message names, as a byte range of the text that was checked.
    pub at: Span,
}

#[repr(C)]
struct PgQueryError {
    message: *mut c_char,
    funcname: *mut c_char,
    filename: *mut c_char,
    lineno: c_int,
    /// 1-based character index into the input; 0 when the error has no position.
    cursorpos: c_int,
    context: *mut c_char,
}

#[repr(C)]
struct PgQuerySplitResult {
    stmts: *mut *mut [c_int; 2],
    n_stmts: c_int,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

#[repr(C)]
struct PgQueryPlpgsqlParseResult {
    plpgsql_funcs: *mut c_char,
    error: *mut PgQueryError,
}

unsafe extern "C" {
    fn pg_query_split_with_parser(input: *const c_char) -> PgQuerySplitResult;
    fn pg_query_free_split_result(result: PgQuerySplitResult);
    fn pg_query_parse_plpgsql(input: *const c_char) -> PgQueryPlpgsqlParseResult;
    fn pg_query_free_plpgsql_parse_result(result: PgQueryPlpgsqlParseResult);
}

/// The parts of a `PgQueryError` we read, copied out of C memory.
struct RawError {
    message: String,
    cursorpos: usize,
    context: String,
}

/// # Safety
/// `e` is null or points to a live `PgQueryError` whose strings are null or NUL-terminated.
unsafe fn read_error(e: *const PgQueryError) -> Option<RawError> {
    if e.is_null() {
        return None;
    }
    // SAFETY: non-null, and libpg_query keeps it alive until the result is freed.
    let e = unsafe { &*e };
    let text = |p: *const c_char| {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: libpg_query's strings are NUL-terminated (strdup'ed).
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    };
    Some(RawError {
        message: text(e.message),
        cursorpos: usize::try_from(e.cursorpos).unwrap_or(0),
        context: text(e.context),
    })
}

/// `text` as a C string, or the error PostgreSQL gives for a NUL byte (it can never receive one).
fn c_text(text: &str) -> Result<CString, GrammarError> {
    CString::new(text).map_err(|e| {
        let at = e.nul_position();
        GrammarError {
            message: "invalid byte sequence: the text contains a NUL byte (0x00)".to_string(),
            at: Span::new(at, at + 1),
        }
    })
}

/// Whether PostgreSQL's grammar accepts `text` (one or more SQL statements, no psql
/// meta-commands). The error's span is the token at PostgreSQL's cursor position.
pub fn check_sql(text: &str) -> Result<(), GrammarError> {
    let input = c_text(text)?;
    // SAFETY: `input` is NUL-terminated and outlives the call; the result is read, then freed once.
    let error = unsafe {
        let result = pg_query_split_with_parser(input.as_ptr());
        let error = read_error(result.error);
        pg_query_free_split_result(result);
        error
    };
    match error {
        None => Ok(()),
        Some(e) => {
            let at = if e.cursorpos == 0 {
                token_at(text, text.len())
            } else {
                token_at(text, char_to_byte(text, e.cursorpos - 1))
            };
            Err(GrammarError {
                message: e.message,
                at,
            })
        }
    }
}

/// Whether PostgreSQL's PL/pgSQL compiler accepts the body of a `DO` statement or of a
/// `CREATE FUNCTION/PROCEDURE … LANGUAGE plpgsql` statement (`stmt`, the whole statement;
/// `body`, the body's byte range in it). Only syntax errors count: the compiler's other
/// complaints (types its stub catalog lacks, `%ROWTYPE` of tables it cannot see) are about the
/// database, not the text, and are not reported. Call it on text that [`check_sql`] accepted.
pub fn check_plpgsql(stmt: &str, body: Span) -> Result<(), GrammarError> {
    let input = c_text(stmt)?;
    // SAFETY: as in `check_sql`.
    let error = unsafe {
        let result = pg_query_parse_plpgsql(input.as_ptr());
        let error = read_error(result.error);
        pg_query_free_plpgsql_parse_result(result);
        error
    };
    let Some(e) = error else { return Ok(()) };
    // The PL/pgSQL grammar's own complaints; the rest depend on a catalog the stub lacks.
    const SYNTAX: &[&str] = &["syntax error", "unterminated", "mismatched", "missing"];
    if !SYNTAX.iter().any(|p| e.message.starts_with(p)) {
        return Ok(());
    }
    let at = plpgsql_position(stmt, body, &e);
    Err(GrammarError {
        message: e.message,
        at,
    })
}

/// Where in the body a PL/pgSQL syntax error is. The compiler reports the body line of the
/// statement it was reading (`… near line N`) and the token (`at or near "X"`); the token is the
/// first one spelled X from that line on (the end of the body for `at end of input`).
fn plpgsql_position(stmt: &str, body: Span, e: &RawError) -> Span {
    let body_text = stmt.get(body.range()).unwrap_or("");
    if e.cursorpos > 0 {
        // The compiler's scanner counts in the body (PostgreSQL itself moves it into the
        // statement afterwards; libpg_query does not).
        let at = char_to_byte(body_text, e.cursorpos - 1);
        let span = token_at(body_text, at);
        return span.shift(body.start);
    }
    let line = e
        .context
        .rsplit("near line ")
        .next()
        .filter(|_| e.context.contains("near line "))
        .and_then(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse::<usize>().ok())
        })
        .unwrap_or(1);
    // Line 1 is the one the body starts on.
    let line_start = body_text
        .match_indices('\n')
        .nth(line.saturating_sub(2))
        .map_or(0, |(i, _)| if line <= 1 { 0 } else { i + 1 });
    let near = e
        .message
        .split_once("at or near \"")
        .and_then(|(_, rest)| rest.rsplit_once('"'))
        .map(|(tok, _)| tok);
    let from = &body_text[line_start..];
    let Some(near) = near else {
        if e.message.contains("end of input") {
            return Span::new(body.end, body.end);
        }
        // `missing "THEN" at end of SQL expression`: the `;` that ends the expression.
        let semi = Lexer::new(from, false)
            .find(|t| t.kind == TokenKind::Punct && from.get(t.span.range()) == Some(";"));
        return match semi {
            Some(t) => t.span.shift(body.start + line_start),
            None => Span::new(body.end, body.end),
        };
    };
    let found = Lexer::new(from, false).find(|t| {
        !matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment)
            && from
                .get(t.span.range())
                .is_some_and(|w| w.eq_ignore_ascii_case(near))
    });
    match found {
        Some(t) => t.span.shift(body.start + line_start),
        // Not a whole token of ours (an unterminated string): the text itself.
        None => match from.find(near) {
            Some(i) => {
                let start = body.start + line_start + i;
                Span::new(start, start + near.len())
            }
            None => token_at(stmt, body.start + line_start),
        },
    }
}

/// The significant tokens of `text` (comments dropped).
fn tokens(text: &str) -> Vec<Token> {
    Lexer::new(text, false)
        .filter(|t| !matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment))
        .collect()
}

fn is_word(text: &str, t: Option<&Token>, word: &str) -> bool {
    t.is_some_and(|t| {
        t.kind == TokenKind::Word
            && text
                .get(t.span.range())
                .is_some_and(|w| w.eq_ignore_ascii_case(word))
    })
}

fn is_punct(text: &str, t: Option<&Token>, p: &str) -> bool {
    t.is_some_and(|t| t.kind == TokenKind::Punct && text.get(t.span.range()) == Some(p))
}

/// The inside of a string or dollar-quoted token (`$tag$…$tag$`, `'…'`, `E'…'`).
fn string_inside(text: &str, t: &Token) -> Span {
    let tok = text.get(t.span.range()).unwrap_or("");
    let (open, close) = if t.kind == TokenKind::DollarString {
        let tag = tok.get(1..).and_then(|r| r.find('$')).map_or(1, |p| p + 2);
        (tag, tag)
    } else {
        (tok.find('\'').map_or(1, |p| p + 1), 1)
    };
    // An unterminated string has no closing delimiter to leave out.
    let close = if t.unterminated { 0 } else { close };
    let start = (t.span.start + open).min(t.span.end);
    let end = t.span.end.saturating_sub(close).max(start);
    Span::new(start, end)
}

/// The body of a `DO` block or of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE` statement whose
/// language is PL/pgSQL (the default for `DO`), as a byte range of `stmt`.
pub fn plpgsql_body(stmt: &str) -> Option<Span> {
    // Cheap filters first: most statements are neither.
    let bytes = stmt.as_bytes();
    let is_do = bytes
        .get(..2)
        .is_some_and(|b| b.eq_ignore_ascii_case(b"do"));
    let is_create = bytes
        .get(..6)
        .is_some_and(|b| b.eq_ignore_ascii_case(b"create"));
    let plpgsql_function =
        is_create && bytes.windows(7).any(|w| w.eq_ignore_ascii_case(b"plpgsql"));
    if !is_do && !plpgsql_function {
        return None;
    }
    let toks = tokens(stmt);
    let first = toks.first()?;
    let is_string = |t: &Token| matches!(t.kind, TokenKind::String | TokenKind::DollarString);
    let language = |toks: &[Token]| {
        toks.windows(2).find_map(|w| {
            is_word(stmt, Some(&w[0]), "language").then(|| {
                stmt.get(w[1].span.range())
                    .unwrap_or("")
                    .trim_matches(|c| c == '\'' || c == '"')
                    .to_ascii_lowercase()
            })
        })
    };
    if is_word(stmt, Some(first), "do") {
        if language(&toks).is_some_and(|l| l != "plpgsql") {
            return None;
        }
        let body = toks.iter().find(|t| is_string(t))?;
        return Some(string_inside(stmt, body));
    }
    if !is_word(stmt, Some(first), "create") {
        return None;
    }
    let mut i = 1;
    if is_word(stmt, toks.get(1), "or") && is_word(stmt, toks.get(2), "replace") {
        i = 3;
    }
    if !is_word(stmt, toks.get(i), "function") && !is_word(stmt, toks.get(i), "procedure") {
        return None;
    }
    if language(&toks).as_deref() != Some("plpgsql") {
        return None;
    }
    let as_at = toks.iter().position(|t| is_word(stmt, Some(t), "as"))?;
    let body = toks[as_at..].iter().find(|t| is_string(t))?;
    Some(string_inside(stmt, body))
}

/// The statement's first words, upper-cased, naming its kind (`ALTER SEQUENCE`, `COMMENT ON`).
pub fn leading_words(stmt: &str) -> String {
    let words: Vec<String> = tokens(stmt)
        .iter()
        .take(2)
        .take_while(|t| t.kind == TokenKind::Word)
        .filter_map(|t| stmt.get(t.span.range()))
        .map(str::to_ascii_uppercase)
        .collect();
    words.join(" ")
}

/// Syntax newer than the target version. libpg_query is PostgreSQL 18's grammar, so what older
/// servers reject is listed here, one construct at a time (each verified against a server of
/// the version below the one named).
pub fn check_version(stmt: &str, target: PgVersion) -> Result<(), GrammarError> {
    if target.has(PgVersion::NEWEST) || !may_be_too_new(stmt) {
        return Ok(());
    }
    check_version_tokens(stmt, target)
}

/// [`check_version`] without its word filter.
fn check_version_tokens(stmt: &str, target: PgVersion) -> Result<(), GrammarError> {
    let toks = tokens(stmt);
    let word = |i: usize, w: &str| is_word(stmt, toks.get(i), w);
    let punct = |i: usize, p: &str| is_punct(stmt, toks.get(i), p);
    let too_new = |major: u32, construct: &str, at: Span| {
        if target.has(major) {
            Ok(())
        } else {
            Err(GrammarError {
                message: format!(
                    "{construct} needs PostgreSQL {major}; postgres_version is {target}"
                ),
                at,
            })
        }
    };
    for i in 0..toks.len() {
        let t = toks[i];
        // PostgreSQL 18: `CONSTRAINT name NOT NULL column` as a table constraint.
        if word(i, "constraint")
            && (punct(i.wrapping_sub(1), "(")
                || punct(i.wrapping_sub(1), ",")
                || word(i.wrapping_sub(1), "add"))
            && word(i + 2, "not")
            && word(i + 3, "null")
            && toks
                .get(i + 4)
                .is_some_and(|c| matches!(c.kind, TokenKind::Word | TokenKind::QuotedIdent))
            && !["no", "deferrable", "not", "initially"]
                .iter()
                .any(|w| word(i + 4, w))
        {
            too_new(
                18,
                "a named NOT NULL table constraint (CONSTRAINT name NOT NULL column)",
                Span::new(t.span.start, toks[i + 4].span.end),
            )?;
        }
        // PostgreSQL 18: virtual generated columns, NOT ENFORCED constraints.
        if word(i, "virtual") && punct(i.wrapping_sub(1), ")") {
            too_new(
                18,
                "a virtual generated column (GENERATED ALWAYS AS (…) VIRTUAL)",
                t.span,
            )?;
        }
        if word(i, "not") && word(i + 1, "enforced") {
            too_new(
                18,
                "NOT ENFORCED",
                Span::new(t.span.start, toks[i + 1].span.end),
            )?;
        }
        // PostgreSQL 17: ALTER COLUMN … SET EXPRESSION AS (…).
        if word(i, "set") && word(i + 1, "expression") && word(i + 2, "as") {
            too_new(
                17,
                "ALTER COLUMN … SET EXPRESSION",
                Span::new(t.span.start, toks[i + 2].span.end),
            )?;
        }
        // PostgreSQL 16: a subquery in FROM or JOIN without an alias.
        if (word(i, "from") || word(i, "join") || word(i, "lateral"))
            && punct(i + 1, "(")
            && (word(i + 2, "select") || word(i + 2, "values") || word(i + 2, "with"))
            && let Some(close) = matching_paren(stmt, &toks, i + 1)
            && !has_alias(stmt, toks.get(close + 1))
        {
            too_new(
                16,
                "a subquery in FROM without an alias",
                Span::new(toks[i + 1].span.start, toks[close].span.end),
            )?;
        }
        // PostgreSQL 15: UNIQUE NULLS NOT DISTINCT, MERGE.
        if word(i, "nulls") && word(i + 1, "not") && word(i + 2, "distinct") {
            too_new(
                15,
                "NULLS NOT DISTINCT",
                Span::new(t.span.start, toks[i + 2].span.end),
            )?;
        }
        if i == 0 && word(0, "merge") && word(1, "into") {
            too_new(15, "MERGE", t.span)?;
        }
    }
    Ok(())
}

/// Whether `stmt` holds the words every construct [`check_version`] looks for needs: without
/// them it cannot be too new, and tokenizing it is not needed (most statements). A word token is
/// a run of letters in the text whatever surrounds it, so reading runs of ASCII letters finds
/// every word the tokens would show (and a few more, which only costs the full check).
fn may_be_too_new(stmt: &str) -> bool {
    const ALONE: &[&[u8]] = &[
        b"constraint",
        b"virtual",
        b"enforced",
        b"expression",
        b"nulls",
        b"merge",
    ];
    let (mut from, mut subquery) = (false, false);
    for word in stmt
        .as_bytes()
        .split(|b| !b.is_ascii_alphabetic())
        .filter(|w| (4..=10).contains(&w.len()))
    {
        let is = |k: &[u8]| word.eq_ignore_ascii_case(k);
        if ALONE.iter().any(|k| is(k)) {
            return true;
        }
        from |= is(b"from") || is(b"join") || is(b"lateral");
        subquery |= is(b"select") || is(b"values") || is(b"with");
        if from && subquery {
            return true;
        }
    }
    false
}

/// The index of the `)` that closes the `(` at `open`.
fn matching_paren(text: &str, toks: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        if is_punct(text, Some(t), "(") {
            depth += 1;
        } else if is_punct(text, Some(t), ")") {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Whether the token after a FROM-subquery starts an alias (`AS x`, `x`, `"x"`).
fn has_alias(text: &str, t: Option<&Token>) -> bool {
    const NOT_ALIAS: &[&str] = &[
        "where",
        "group",
        "having",
        "order",
        "limit",
        "offset",
        "fetch",
        "window",
        "union",
        "intersect",
        "except",
        "join",
        "inner",
        "left",
        "right",
        "full",
        "cross",
        "natural",
        "on",
        "using",
        "returning",
        "for",
        "into",
        "then",
        "loop",
        "tablesample",
    ];
    let Some(t) = t else { return false };
    match t.kind {
        TokenKind::QuotedIdent => true,
        TokenKind::Word => {
            let w = text.get(t.span.range()).unwrap_or("");
            !NOT_ALIAS.iter().any(|k| w.eq_ignore_ascii_case(k))
        }
        _ => false,
    }
}

/// The byte offset of the first `;` inside parentheses (an unclosed `(` made the splitter run
/// past the end of the statement).
pub fn semicolon_in_parens(stmt: &str) -> Option<usize> {
    let mut depth = 0usize;
    for t in tokens(stmt) {
        if t.kind != TokenKind::Punct {
            continue;
        }
        match stmt.get(t.span.range()) {
            Some("(") => depth += 1,
            Some(")") => depth = depth.saturating_sub(1),
            Some(";") if depth > 0 => return Some(t.span.start),
            _ => {}
        }
    }
    None
}

/// PostgreSQL quotes the rest of the text after an unterminated string or identifier; the
/// quote is cut at its first line end or after 60 characters (with `…`).
pub fn short_message(message: String) -> String {
    let Some((head, near)) = message.split_once(" at or near \"") else {
        return message;
    };
    let near = near.strip_suffix('"').unwrap_or(near);
    let line = near.split('\n').next().unwrap_or("");
    if line.len() == near.len() && near.chars().count() <= 60 {
        return message;
    }
    let cut: String = line.trim_end_matches('\r').chars().take(60).collect();
    format!("{head} at or near \"{cut}…\"")
}

/// Byte offset of the character with index `chars` (clamped to the end).
fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// The token starting at (or containing) byte `at`; an empty span at the end of the text.
fn token_at(text: &str, at: usize) -> Span {
    if at >= text.len() {
        return Span::new(text.len(), text.len());
    }
    for t in Lexer::new(text, false) {
        if t.span.end > at {
            if t.span.start <= at {
                return t.span;
            }
            break;
        }
    }
    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    Span::new(at, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (String, String) {
        let e = check_sql(text).unwrap_err();
        (e.message, text[e.at.range()].to_string())
    }

    #[test]
    fn sql_errors_name_the_token() {
        assert!(check_sql("SELECT 1; CREATE TABLE t (id int)").is_ok());
        assert_eq!(
            err("SELEKT 1"),
            ("syntax error at or near \"SELEKT\"".into(), "SELEKT".into())
        );
        assert_eq!(
            err("CREATE TABLE é (id uuid PRIMARY KEY DEFAULT)"),
            ("syntax error at or near \")\"".into(), ")".into())
        );
        let (message, at) = err("ALTER TABLE t ADD COLUMN");
        assert_eq!(message, "syntax error at end of input");
        assert_eq!(at, "");
        let e = check_sql("SELECT 'a\0'").unwrap_err();
        assert!(e.message.contains("NUL"), "{e:?}");
    }

    #[test]
    fn plpgsql_errors_name_the_token() {
        let stmt = "DO $$\nBEGIN\n  IF true THEN\n    RAISE NOTICE 'x'\n  END IF;\nEND $$";
        assert!(check_sql(stmt).is_ok());
        let body = Span::new(5, stmt.len() - 2);
        let e = check_plpgsql(stmt, body).unwrap_err();
        assert_eq!(e.message, "syntax error at or near \"END\"");
        assert_eq!(e.at.start, stmt.find("END IF").unwrap());
        // A trigger function, and a type the stub catalog lacks: not syntax errors.
        let trig =
            "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$";
        assert!(check_plpgsql(trig, Span::new(0, trig.len())).is_ok());
        let odd = "CREATE FUNCTION f(x t[]) RETURNS void LANGUAGE plpgsql AS $$ BEGIN NULL; END $$";
        assert!(check_plpgsql(odd, Span::new(0, odd.len())).is_ok());
    }

    #[test]
    fn the_word_filter_never_hides_a_version_error() {
        let mut texts = vec![
            "CREATE TABLE t (a int, CONSTRAINT n NOT NULL a)".to_string(),
            "ALTER TABLE t ADD CONSTRAINT n NOT NULL a".to_string(),
            "CREATE TABLE t (a int GENERATED ALWAYS AS (1) VIRTUAL)".to_string(),
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT ENFORCED".to_string(),
            "ALTER TABLE t ALTER COLUMN a SET EXPRESSION AS (1)".to_string(),
            "SELECT * FROM (SELECT 1)".to_string(),
            "SELECT * FROM t JOIN LATERAL (VALUES (1)) ON true".to_string(),
            "CREATE UNIQUE INDEX i ON t (a) NULLS NOT DISTINCT".to_string(),
            "MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE".to_string(),
            "SELECT 1 FROM(SELECT 1)x".to_string(),
            "select*from(with a as(select 1)select*from a)".to_string(),
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let dirs = ["grammar/valid", "grammar/invalid", "corpus"].map(|d| root.join(d));
        let entries = dirs.iter().filter_map(|d| std::fs::read_dir(d).ok());
        for e in entries.flatten().flatten() {
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                for s in crate::syntax::split::split(&text).statements {
                    texts.push(text[s.span.range()].to_string());
                }
            }
        }
        let mut errors = 0;
        for text in &texts {
            for major in PgVersion::OLDEST..=PgVersion::NEWEST {
                let target = PgVersion::new(major.into()).unwrap();
                let full = check_version_tokens(text, target);
                errors += usize::from(full.is_err());
                assert_eq!(check_version(text, target), full, "{text:?}");
            }
        }
        assert!(
            errors >= 10 && texts.len() > 150,
            "{errors} {}",
            texts.len()
        );
    }

    #[test]
    fn no_panic_and_spans_in_bounds_on_random_input() {
        let mut inputs = crate::syntax::split::tests::random_inputs(300);
        inputs.extend(crate::syntax::split::tests::random_chars(300));
        inputs.push("DO $$ BEGIN IF x THEN END $$".to_string());
        inputs.push("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS 'é".to_string());
        let ok = |text: &str, at: Span| {
            assert!(
                at.start <= at.end && at.end <= text.len(),
                "{text:?} {at:?}"
            );
            assert!(
                text.is_char_boundary(at.start) && text.is_char_boundary(at.end),
                "{text:?} {at:?}"
            );
        };
        for text in inputs {
            if let Err(e) = check_sql(&text) {
                ok(&text, e.at);
            }
            if let Some(body) = plpgsql_body(&text) {
                ok(&text, body);
                if let Err(e) = check_plpgsql(&text, body) {
                    ok(&text, e.at);
                }
            }
            for major in PgVersion::OLDEST..=PgVersion::NEWEST {
                let target = PgVersion::new(major.into()).unwrap();
                if let Err(e) = check_version(&text, target) {
                    ok(&text, e.at);
                }
                assert_eq!(
                    check_version(&text, target),
                    check_version_tokens(&text, target),
                    "{text:?}"
                );
            }
        }
    }
}
