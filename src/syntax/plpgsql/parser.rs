//! The PL/pgSQL statement walker: blocks, `IF`, `CASE`, loops, declarations and assignments,
//! bounded in depth; it keeps the SQL commands that run and the guards around them.

use super::super::split::{Token, TokenKind};
use crate::source::Span;

/// SQL commands that run when the `DO` runs (`SELECT` without a destination is an error in
/// PL/pgSQL, and `SELECT … INTO` only reads, so it is left out).
const KEPT: &[&str] = &[
    "create", "drop", "alter", "truncate", "insert", "update", "delete", "merge", "grant",
    "revoke", "comment", "lock", "refresh", "reindex", "cluster", "analyze", "security", "import",
    "with", "call", "set", "reset",
];

/// Words that end a statement list (checked only at the start of a statement).
const TERMINATORS: &[&str] = &["end", "else", "elsif", "elseif", "when", "exception"];

#[derive(Clone, Copy, Default)]
pub(super) struct Ctx {
    pub(super) exc: bool,
    pub(super) guard: bool,
    pub(super) ext: bool,
}

pub(super) struct Found {
    pub(super) span: Span,
    pub(super) dynamic: bool,
    pub(super) ctx: Ctx,
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

/// The SQL commands among a body's tokens (comments already taken out), with their context.
pub(super) fn find_commands(text: &str, toks: Vec<Token>) -> Vec<Found> {
    let mut p = Parser {
        text,
        toks,
        i: 0,
        out: Vec::new(),
        depth: 0,
        vars: Vec::new(),
    };
    p.run();
    p.out
}
