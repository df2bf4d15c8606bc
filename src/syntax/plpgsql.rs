//! `DO` bodies: find the SQL commands inside a PL/pgSQL body that run when the `DO` runs, with
//! their positions in the file and the context the rules need (exception handler, existence
//! guard, extension availability guard). Control flow, `RAISE`, `PERFORM`, assignments and the
//! like are skipped; `EXECUTE …` is kept as opaque dynamic SQL.

use super::Comment;
use super::model::StmtContext;
use super::split::{LexError, Lexer, Token, TokenKind, comment_from_token};
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

/// SQL commands that run when the `DO` runs (`SELECT` without a destination is an error in
/// PL/pgSQL, and `SELECT … INTO` only reads, so it is left out).
const KEPT: &[&str] = &[
    "create", "drop", "alter", "truncate", "insert", "update", "delete", "merge", "grant",
    "revoke", "comment", "lock", "refresh", "reindex", "cluster", "analyze", "security", "import",
    "with", "call", "set", "reset",
];

/// Words that end a statement list (checked only at the start of a statement).
const TERMINATORS: &[&str] = &["end", "else", "elsif", "elseif", "when", "exception"];

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
    let mut p = Parser {
        text: body,
        toks,
        i: 0,
        out: Vec::new(),
        depth: 0,
        vars: Vec::new(),
    };
    p.run();
    let statements = p
        .out
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

#[derive(Clone, Copy, Default)]
struct Ctx {
    exc: bool,
    guard: bool,
    ext: bool,
}

struct Found {
    span: Span,
    dynamic: bool,
    ctx: Ctx,
}

struct Parser<'a> {
    text: &'a str,
    toks: Vec<Token>,
    i: usize,
    out: Vec<Found>,
    /// Nesting of blocks, IFs, CASEs and loops being parsed (bounded, see [`MAX_DEPTH`]).
    depth: usize,
    /// Variables that hold the result of a catalog check (`has_vector := EXISTS (SELECT … FROM
    /// pg_available_extensions …)`, `SELECT … INTO has_vector`), lower case, with the guard
    /// flags of the expression: an `IF has_vector THEN` is then that guard.
    vars: Vec<(String, Ctx)>,
}

/// Deeper nesting than this is read as flat statements, so hostile input cannot exhaust the
/// stack (real bodies nest a handful of levels).
const MAX_DEPTH: usize = 100;

impl<'a> Parser<'a> {
    fn tok(&self, i: usize) -> Option<&Token> {
        self.toks.get(i)
    }

    fn word(&self, i: usize) -> Option<&'a str> {
        let t = self.tok(i)?;
        (t.kind == TokenKind::Word).then(|| self.text.get(t.span.range()).unwrap_or(""))
    }

    fn is_kw(&self, i: usize, kw: &str) -> bool {
        self.word(i).is_some_and(|w| w.eq_ignore_ascii_case(kw))
    }

    fn is_punct(&self, i: usize, b: u8) -> bool {
        self.tok(i).is_some_and(|t| {
            t.kind == TokenKind::Punct && self.text.as_bytes().get(t.span.start) == Some(&b)
        })
    }

    fn at_terminator(&self) -> bool {
        self.word(self.i)
            .is_some_and(|w| TERMINATORS.iter().any(|k| w.eq_ignore_ascii_case(k)))
    }

    fn run(&mut self) {
        while self.i < self.toks.len() {
            self.stmts(Ctx::default());
            if self.i < self.toks.len() {
                // A terminator with nothing to terminate: skip it so we always make progress.
                self.i += 1;
            }
        }
    }

    fn stmts(&mut self, ctx: Ctx) {
        while self.i < self.toks.len() && !self.at_terminator() {
            self.statement(ctx);
        }
    }

    /// Advance to the first of `targets` at parenthesis depth 0 outside nested `CASE … END`
    /// expressions (or the end). Does not consume it.
    fn skip_to(&mut self, targets: &[&str]) {
        let mut parens = 0usize;
        let mut cases = 0usize;
        while self.i < self.toks.len() {
            if self.is_punct(self.i, b'(') {
                parens += 1;
            } else if self.is_punct(self.i, b')') {
                parens = parens.saturating_sub(1);
            } else if let Some(w) = self.word(self.i) {
                if parens == 0 && cases == 0 && targets.iter().any(|k| w.eq_ignore_ascii_case(k)) {
                    return;
                }
                if w.eq_ignore_ascii_case("case") {
                    cases += 1;
                } else if w.eq_ignore_ascii_case("end") {
                    cases = cases.saturating_sub(1);
                }
            }
            self.i += 1;
        }
    }

    /// Consume `END [IF|LOOP|CASE] [label] [;]` if the current token is `END`.
    fn end(&mut self) {
        if !self.is_kw(self.i, "end") {
            return;
        }
        self.i += 1;
        for _ in 0..2 {
            if self.word(self.i).is_some()
                || self
                    .tok(self.i)
                    .is_some_and(|t| t.kind == TokenKind::QuotedIdent)
            {
                self.i += 1;
            }
        }
        if self.is_punct(self.i, b';') {
            self.i += 1;
        }
    }

    fn statement(&mut self, ctx: Ctx) {
        // `<<label>>`
        if self.is_punct(self.i, b'<') && self.is_punct(self.i + 1, b'<') {
            self.i += 2;
            while self.i < self.toks.len() {
                let close = self.is_punct(self.i, b'>') && self.is_punct(self.i + 1, b'>');
                self.i += if close { 2 } else { 1 };
                if close {
                    break;
                }
            }
            return;
        }
        let Some(w) = self.word(self.i) else {
            self.simple(ctx);
            return;
        };
        if self.depth >= MAX_DEPTH {
            self.simple(ctx);
            return;
        }
        self.depth += 1;
        self.compound(ctx, w);
        self.depth -= 1;
    }

    /// A statement starting with the word `w` (at `self.i`).
    fn compound(&mut self, ctx: Ctx, w: &str) {
        let is = |k: &str| w.eq_ignore_ascii_case(k);
        if is("declare") {
            self.i += 1;
            self.declarations();
        } else if is("begin") {
            self.block(ctx);
        } else if is("if") {
            self.if_stmt(ctx);
        } else if is("case") {
            self.case_stmt(ctx);
        } else if is("loop") {
            self.i += 1;
            self.stmts(ctx);
            self.end();
        } else if is("while") || is("for") || is("foreach") {
            self.i += 1;
            self.skip_to(&["loop"]);
            self.i += 1;
            self.stmts(ctx);
            self.end();
        } else {
            self.simple(ctx);
        }
    }

    fn block(&mut self, ctx: Ctx) {
        self.i += 1;
        let mark = self.out.len();
        self.stmts(ctx);
        if self.is_kw(self.i, "exception") {
            for f in self.out.iter_mut().skip(mark) {
                f.ctx.exc = true;
            }
            self.i += 1;
            while self.is_kw(self.i, "when") {
                self.i += 1;
                self.skip_to(&["then"]);
                self.i += 1;
                self.stmts(ctx);
            }
        }
        self.end();
    }

    /// Guard flags from a condition's tokens `[from, to)`.
    fn guard_flags(&self, from: usize, to: usize) -> Ctx {
        let mut exists = false;
        let mut catalog = false;
        let mut regcheck = false;
        let mut ext = false;
        for i in from..to {
            let Some(w) = self.word(i) else { continue };
            let lower = w.to_ascii_lowercase();
            if let Some((_, held)) = self.vars.iter().find(|(v, _)| *v == lower) {
                exists |= held.guard;
                catalog |= held.guard;
                regcheck |= held.guard;
                ext |= held.ext;
                continue;
            }
            if lower == "exists" {
                exists = true;
            } else if lower == "pg_available_extensions"
                || lower == "pg_available_extension_versions"
            {
                ext = true;
                catalog = true;
            } else if lower.starts_with("pg_") || lower == "information_schema" {
                catalog = true;
            } else if lower.starts_with("to_reg") {
                // `to_regclass('x') IS NULL` and friends look the object up in the catalog.
                regcheck = true;
            }
        }
        Ctx {
            exc: false,
            guard: (exists && catalog) || regcheck,
            ext,
        }
    }

    fn if_stmt(&mut self, ctx: Ctx) {
        self.i += 1;
        let mut seen = Ctx::default();
        loop {
            let from = self.i;
            self.skip_to(&["then"]);
            let flags = self.guard_flags(from, self.i);
            seen.guard |= flags.guard;
            seen.ext |= flags.ext;
            self.i += 1;
            self.stmts(Ctx {
                exc: ctx.exc,
                guard: ctx.guard || flags.guard,
                ext: ctx.ext || flags.ext,
            });
            if self.is_kw(self.i, "elsif") || self.is_kw(self.i, "elseif") {
                self.i += 1;
                continue;
            }
            if self.is_kw(self.i, "else") {
                self.i += 1;
                // The ELSE branch also depends on the catalog check(s) above.
                self.stmts(Ctx {
                    exc: ctx.exc,
                    guard: ctx.guard || seen.guard,
                    ext: ctx.ext || seen.ext,
                });
            }
            self.end();
            return;
        }
    }

    fn case_stmt(&mut self, ctx: Ctx) {
        self.i += 1;
        self.skip_to(&["when"]);
        while self.is_kw(self.i, "when") {
            self.i += 1;
            self.skip_to(&["then"]);
            self.i += 1;
            self.stmts(ctx);
        }
        if self.is_kw(self.i, "else") {
            self.i += 1;
            self.stmts(ctx);
        }
        self.end();
    }

    /// `name := …` or `name = …` at `i`: the index of the expression's first token.
    fn assignment_at(&self, i: usize) -> Option<usize> {
        if self.is_punct(i + 1, b'=') {
            Some(i + 2)
        } else if self.is_punct(i + 1, b':') && self.is_punct(i + 2, b'=') {
            Some(i + 3)
        } else {
            None
        }
    }

    /// Record that variable `name` holds the expression in tokens `[from, to)`, when that
    /// expression is a catalog or extension-availability check (a later assignment that is not
    /// one forgets it).
    fn remember(&mut self, name: &str, from: usize, to: usize) {
        let lower = name.to_ascii_lowercase();
        let flags = self.guard_flags(from, to);
        self.vars.retain(|(v, _)| *v != lower);
        if flags.guard || flags.ext {
            self.vars.push((lower, flags));
        }
    }

    /// The `DECLARE` section up to `BEGIN`: `name [CONSTANT] type [NOT NULL] [{DEFAULT | := |
    /// =} expr];`, remembering variables initialised with a catalog check.
    fn declarations(&mut self) {
        while self.i < self.toks.len() && !self.is_kw(self.i, "begin") {
            let start = self.i;
            let mut parens = 0usize;
            while self.i < self.toks.len() && !(parens == 0 && self.is_punct(self.i, b';')) {
                if self.is_punct(self.i, b'(') {
                    parens += 1;
                } else if self.is_punct(self.i, b')') {
                    parens = parens.saturating_sub(1);
                } else if parens == 0 && self.is_kw(self.i, "begin") {
                    return;
                }
                self.i += 1;
            }
            let end = self.i;
            if self.i < self.toks.len() {
                self.i += 1; // the `;`
            }
            let Some(name) = self.word(start) else {
                continue;
            };
            let init = (start + 1..end).find_map(|i| {
                if self.is_kw(i, "default") {
                    Some(i + 1)
                } else if self.is_punct(i, b':') && self.is_punct(i + 1, b'=') {
                    Some(i + 2)
                } else if self.is_punct(i, b'=') {
                    Some(i + 1)
                } else {
                    None
                }
            });
            if let Some(init) = init {
                self.remember(name, init, end);
            }
        }
    }

    /// A statement that ends at `;`: keep it if it is a SQL command or `EXECUTE`.
    fn simple(&mut self, ctx: Ctx) {
        let start = self.i;
        let mut parens = 0usize;
        while self.i < self.toks.len() {
            if self.is_punct(self.i, b'(') {
                parens += 1;
            } else if self.is_punct(self.i, b')') {
                parens = parens.saturating_sub(1);
            } else if parens == 0 && self.is_punct(self.i, b';') {
                break;
            }
            self.i += 1;
        }
        let last = self.i;
        if self.i < self.toks.len() {
            self.i += 1; // the `;`
        }
        if last == start {
            return;
        }
        let Some(w) = self.word(start) else { return };
        // `name := …` / `name = …` is an assignment, whatever the variable is called.
        if let Some(expr) = self.assignment_at(start) {
            self.remember(w, expr, last);
            return;
        }
        // `SELECT … INTO [STRICT] name …`: remember what the query checks.
        if w.eq_ignore_ascii_case("select") {
            if let Some(into) = (start..last).find(|&i| self.is_kw(i, "into")) {
                let var = if self.is_kw(into + 1, "strict") {
                    into + 2
                } else {
                    into + 1
                };
                if let Some(name) = self.word(var) {
                    self.remember(name, start, last);
                }
            }
            return;
        }
        let dynamic = w.eq_ignore_ascii_case("execute");
        if !dynamic && !KEPT.iter().any(|k| w.eq_ignore_ascii_case(k)) {
            return;
        }
        let (Some(first), Some(end)) = (self.tok(start), self.tok(last - 1)) else {
            return;
        };
        self.out.push(Found {
            span: Span::new(first.span.start, end.span.end),
            dynamic,
            ctx,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DO: Span = Span { start: 0, end: 1 };

    fn found(body: &str) -> Vec<(String, bool, bool, bool, bool)> {
        split_body(body, 0, DO)
            .statements
            .into_iter()
            .map(|s| {
                assert_eq!(&body[s.span.range()], s.text);
                (
                    s.text,
                    s.dynamic,
                    s.context.exception_handler,
                    s.context.existence_guard,
                    s.context.extension_availability_guard,
                )
            })
            .collect()
    }

    fn texts(body: &str) -> Vec<String> {
        found(body).into_iter().map(|f| f.0).collect()
    }

    #[test]
    fn keeps_sql_and_skips_plpgsql() {
        let body = "
DECLARE
  n int := 0;
  c CURSOR FOR SELECT 1;
BEGIN
  RAISE NOTICE 'dropping; END';
  PERFORM pg_sleep(0);
  n := n + 1;
  comment := 'x';
  DROP TABLE old_videos;
  SELECT count(*) INTO n FROM t;
  NULL;
  RETURN;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO log VALUES ('a;b', $q$ END; $q$);
END;";
        assert_eq!(
            texts(body),
            vec![
                "DROP TABLE old_videos",
                "INSERT INTO log VALUES ('a;b', $q$ END; $q$)"
            ]
        );
    }

    #[test]
    fn guards_held_in_variables() {
        // Assigned in DECLARE, with :=, and by SELECT … INTO.
        for body in [
            "DECLARE has_vector boolean := EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector');
BEGIN IF has_vector THEN CREATE EXTENSION vector; END IF; END",
            "DECLARE ok bool; BEGIN ok := EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'vector');
IF ok THEN CREATE EXTENSION vector; ELSE RAISE NOTICE 'no vector'; END IF; END",
            "DECLARE available boolean; BEGIN
SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') INTO available;
IF available THEN CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA extensions; END IF; END",
            "DECLARE n int; BEGIN SELECT count(*) INTO STRICT n FROM pg_available_extensions WHERE name = 'vector';
IF n > 0 THEN CREATE EXTENSION vector; END IF; END",
        ] {
            let f = found(body);
            assert_eq!(f.len(), 1, "{body}");
            assert!(f[0].4, "not seen as an availability guard: {body}");
        }
        // A variable reassigned from something else is no guard any more.
        let f = found(
            "DECLARE ok bool := EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector');
BEGIN ok := true; IF ok THEN CREATE EXTENSION vector; END IF; END",
        );
        assert!(!f[0].4);
        // An unrelated variable is not a guard.
        let f = found(
            "DECLARE flag bool := true; BEGIN IF flag THEN CREATE EXTENSION vector; END IF; END",
        );
        assert!(!f[0].4 && !f[0].3);
    }

    #[test]
    fn execute_is_dynamic() {
        let f = found("BEGIN EXECUTE 'DROP TABLE x'; EXECUTE format('DROP TABLE %I', t); END");
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|s| s.1));
        assert_eq!(f[1].0, "EXECUTE format('DROP TABLE %I', t)");
    }

    #[test]
    fn exception_handler_flag() {
        let body = "BEGIN
  CREATE TYPE mood AS ENUM ('a');
  BEGIN
    CREATE TABLE inner_t (a int);
  END;
EXCEPTION
  WHEN duplicate_object THEN NULL;
  WHEN others THEN DROP TABLE cleanup;
END $$";
        let f = found(body);
        assert_eq!(f.len(), 3);
        assert_eq!(
            (f[0].0.as_str(), f[0].2),
            ("CREATE TYPE mood AS ENUM ('a')", true)
        );
        assert_eq!(
            (f[1].0.as_str(), f[1].2),
            ("CREATE TABLE inner_t (a int)", true)
        );
        // The handler's own statements are not protected by it.
        assert_eq!((f[2].0.as_str(), f[2].2), ("DROP TABLE cleanup", false));
    }

    #[test]
    fn nested_block_without_handler_inside_one_with() {
        let body = "BEGIN
  BEGIN
    DROP TABLE a;
  EXCEPTION WHEN others THEN NULL;
  END;
  DROP TABLE b;
END";
        let f = found(body);
        assert_eq!(f.len(), 2);
        assert!(f[0].2);
        assert!(!f[1].2);
    }

    #[test]
    fn existence_guards() {
        let body = "BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
    CREATE TYPE mood AS ENUM ('a');
  ELSIF x > 1 THEN
    DROP TABLE t1;
  ELSE
    DROP TABLE t2;
  END IF;
  IF x > 0 THEN
    CREATE TABLE t3 (a int);
  END IF;
  IF EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'v') THEN
    ALTER TABLE v RENAME TO w;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    CREATE EXTENSION vector;
  END IF;
  CREATE TABLE t4 (a int);
END";
        let f = found(body);
        let got: Vec<_> = f.iter().map(|s| (s.0.as_str(), s.3, s.4)).collect();
        assert_eq!(
            got,
            vec![
                ("CREATE TYPE mood AS ENUM ('a')", true, false),
                ("DROP TABLE t1", false, false),
                ("DROP TABLE t2", true, false),
                ("CREATE TABLE t3 (a int)", false, false),
                ("ALTER TABLE v RENAME TO w", true, false),
                ("CREATE EXTENSION vector", true, true),
                ("CREATE TABLE t4 (a int)", false, false),
            ]
        );
    }

    #[test]
    fn guards_need_a_catalog_and_to_reg_counts() {
        let body = "BEGIN
  IF EXISTS (SELECT 1 FROM users WHERE id = 1) THEN DELETE FROM users; END IF;
  IF to_regclass('public.t') IS NULL THEN CREATE TABLE t (a int); END IF;
  IF x THEN NULL; ELSEIF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 's') THEN CREATE SCHEMA s; END IF;
END;";
        let got: Vec<_> = found(body).into_iter().map(|s| (s.0, s.3)).collect();
        assert_eq!(
            got,
            vec![
                ("DELETE FROM users".to_string(), false),
                ("CREATE TABLE t (a int)".to_string(), true),
                ("CREATE SCHEMA s".to_string(), true),
            ]
        );
    }

    #[test]
    fn crlf_multibyte_and_strings_with_keywords() {
        let body = "\r\nDECLARE\r\n  msg text := 'END; BEGIN; EXCEPTION';\r\nBEGIN\r\n  -- é; END;\r\n  INSERT INTO \"tâble\" VALUES ('日本; END IF;');\r\n  RAISE NOTICE E'it\\'s; END';\r\n  UPDATE t SET a = 'ü';\r\nEND\r\n";
        assert_eq!(
            texts(body),
            vec![
                "INSERT INTO \"tâble\" VALUES ('日本; END IF;')",
                "UPDATE t SET a = 'ü'"
            ]
        );
    }

    #[test]
    fn if_condition_is_not_a_statement() {
        let body =
            "BEGIN IF (SELECT CASE WHEN true THEN 1 END) = 1 THEN DELETE FROM t; END IF; END";
        assert_eq!(texts(body), vec!["DELETE FROM t"]);
    }

    #[test]
    fn loops_and_case() {
        let body = "<<outer>>
BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'tmp' LOOP
    EXECUTE 'DROP TABLE ' || r.tablename;
    EXIT outer WHEN r IS NULL;
  END LOOP outer;
  WHILE n < 3 LOOP n := n + 1; TRUNCATE t; END LOOP;
  LOOP EXIT; END LOOP;
  FOREACH x IN ARRAY arr LOOP UPDATE t SET a = x; END LOOP;
  CASE n
    WHEN 1, 2 THEN DROP TABLE one;
    ELSE GRANT SELECT ON t TO anon;
  END CASE;
  CASE WHEN n > 1 THEN REVOKE ALL ON t FROM anon; END CASE;
END outer;";
        let f = found(body);
        let got: Vec<_> = f.iter().map(|s| (s.0.as_str(), s.1)).collect();
        assert_eq!(
            got,
            vec![
                ("EXECUTE 'DROP TABLE ' || r.tablename", true),
                ("TRUNCATE t", false),
                ("UPDATE t SET a = x", false),
                ("DROP TABLE one", false),
                ("GRANT SELECT ON t TO anon", false),
                ("REVOKE ALL ON t FROM anon", false),
            ]
        );
    }

    #[test]
    fn nested_dollar_quotes_and_comments() {
        let body = "BEGIN
  -- DROP TABLE in_comment;
  /* DROP TABLE in_block; */
  CREATE FUNCTION f() RETURNS int AS $f$ BEGIN DROP TABLE never; RETURN 1; END $f$ LANGUAGE plpgsql;
  ALTER TABLE t ADD COLUMN c int;
END";
        let out = split_body(body, 100, DO);
        let t: Vec<_> = out.statements.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            t,
            vec![
                "CREATE FUNCTION f() RETURNS int AS $f$ BEGIN DROP TABLE never; RETURN 1; END $f$ LANGUAGE plpgsql",
                "ALTER TABLE t ADD COLUMN c int"
            ]
        );
        assert_eq!(out.comments.len(), 2);
        // Spans are shifted into the file.
        let s = &out.statements[1];
        assert_eq!(&body[s.span.start - 100..s.span.end - 100], s.text);
        assert_eq!(s.context.in_do_block, Some(DO));
    }

    #[test]
    fn quoted_body_maps_positions() {
        // File: DO 'BEGIN DROP TABLE ''x''; END'
        let file = "DO 'BEGIN DROP TABLE ''x''; END'";
        let raw = &file[4..file.len() - 1];
        let out = split_quoted_body(raw, 4, DO);
        assert_eq!(out.statements.len(), 1);
        assert_eq!(out.statements[0].text, "DROP TABLE 'x'");
        assert_eq!(&file[out.statements[0].span.range()], "DROP TABLE ''x''");
    }

    #[test]
    fn unterminated_in_body() {
        let out = split_body("BEGIN DROP TABLE a; RAISE 'x; END", 10, DO);
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].at, Span::new(36, 37));
        assert_eq!(out.statements.len(), 1);
    }

    #[test]
    fn deep_nesting_does_not_exhaust_the_stack() {
        let body = format!(
            "{}DROP TABLE deep;{}",
            "BEGIN IF x THEN LOOP ".repeat(50_000),
            " END LOOP; END IF; END;".repeat(50_000)
        );
        // Run on a small stack, like a worker thread's, to prove the bound.
        let handle = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || split_body(&body, 0, DO).statements.len());
        let count = handle.ok().and_then(|h| h.join().ok());
        assert!(count.is_some());
    }

    #[test]
    fn malformed_bodies_do_not_hang_or_panic() {
        for body in [
            "END END ELSE WHEN EXCEPTION",
            "BEGIN IF x THEN",
            "BEGIN CASE WHEN",
            "<<a",
            "DECLARE",
            "FOR x IN",
            "BEGIN EXCEPTION WHEN",
            "IF THEN ELSIF ELSE END IF",
            ";;;",
            "x :=",
        ] {
            let _ = split_body(body, 0, DO);
        }
        let mut inputs = crate::syntax::split::tests::random_inputs(400);
        inputs.extend(crate::syntax::split::tests::random_chars(400));
        for text in inputs {
            let out = split_body(&text, 0, DO);
            let mut last = 0;
            for s in &out.statements {
                assert!(s.span.start >= last && s.span.end <= text.len(), "{text:?}");
                assert!(text.is_char_boundary(s.span.start) && text.is_char_boundary(s.span.end));
                last = s.span.end;
            }
        }
    }
}
