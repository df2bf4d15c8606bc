//! `EXECUTE` of SQL that is fixed when the migration is written: a string literal, literals
//! joined with `||`, `format()` with literal arguments, `quote_ident`/`quote_literal` of a
//! literal. The SQL it runs is rebuilt together with, for each of its bytes, the file bytes it
//! comes from, so the statements it runs are analysed like any other, with spans inside the
//! literal. Anything computed at run time (a variable, a query, a function we do not evaluate)
//! leaves the `EXECUTE` opaque.

use super::split::{Lexer, Token, TokenKind};
use crate::source::Span;

/// Text rebuilt from literals, and for each of its bytes the file bytes it stands for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    pub text: String,
    /// `map[i]`: the file bytes the text's byte `i` comes from (two bytes for an unescaped `''`).
    pub map: Vec<Span>,
    /// The whole literal token (quotes included) when the text is exactly one literal.
    literal: Option<Span>,
}

impl Rebuilt {
    /// Append `s`, every byte of it standing for `from`.
    fn push(&mut self, s: &str, from: Span) {
        self.text.push_str(s);
        self.map.extend(std::iter::repeat_n(from, s.len()));
    }

    fn append(&mut self, other: &Rebuilt) {
        self.text.push_str(&other.text);
        self.map.extend_from_slice(&other.map);
    }

    /// Append the bytes `start..end` of `other` (on character boundaries).
    fn append_range(&mut self, other: &Rebuilt, start: usize, end: usize) {
        self.text.push_str(other.text.get(start..end).unwrap_or(""));
        self.map
            .extend_from_slice(other.map.get(start..end).unwrap_or(&[]));
    }

    /// The spans for quotes added around this text: its literal's own quotes when it is one
    /// literal, else its first and last bytes.
    fn quote_spans(&self) -> (Span, Span) {
        match self.literal {
            Some(l) => (
                Span::new(l.start, (l.start + 1).min(l.end)),
                Span::new(l.end.saturating_sub(1).max(l.start), l.end),
            ),
            None => {
                let first = self.map.first().copied().unwrap_or_default();
                let last = self.map.last().copied().unwrap_or(first);
                (Span::empty(first.start), Span::empty(last.end))
            }
        }
    }
}

/// The SQL that the PL/pgSQL statement `stmt` (`EXECUTE …`, whose text starts at file offset
/// `offset`) runs, when every part of it is a literal; `None` when any part is computed at run
/// time or is something this module does not evaluate.
pub fn executed_sql(stmt: &str, offset: usize) -> Option<Rebuilt> {
    let toks: Vec<Token> = Lexer::new(stmt, false)
        .filter(|t| !matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment))
        .collect();
    if toks.iter().any(|t| t.unterminated) {
        return None;
    }
    let mut p = Eval {
        text: stmt,
        toks,
        i: 0,
        offset,
    };
    if !p.is_word(0, "execute") {
        return None;
    }
    p.i = 1;
    let sql = p.expr(0)?;
    // `INTO target` and `USING args` do not change the text that runs.
    if p.i < p.toks.len() && !p.is_word(p.i, "into") && !p.is_word(p.i, "using") {
        return None;
    }
    Some(sql)
}

/// Deeper nesting of parentheses and calls than this is not evaluated.
const MAX_DEPTH: usize = 32;

struct Eval<'a> {
    text: &'a str,
    toks: Vec<Token>,
    i: usize,
    offset: usize,
}

impl Eval<'_> {
    fn tok(&self, i: usize) -> Option<&Token> {
        self.toks.get(i)
    }

    fn src(&self, t: &Token) -> &str {
        self.text.get(t.span.range()).unwrap_or("")
    }

    fn is_word(&self, i: usize, w: &str) -> bool {
        self.tok(i)
            .is_some_and(|t| t.kind == TokenKind::Word && self.src(t).eq_ignore_ascii_case(w))
    }

    fn is_punct(&self, i: usize, b: u8) -> bool {
        self.tok(i).is_some_and(|t| {
            t.kind == TokenKind::Punct && self.text.as_bytes().get(t.span.start) == Some(&b)
        })
    }

    fn expect_punct(&mut self, b: u8) -> Option<()> {
        self.is_punct(self.i, b).then(|| self.i += 1)
    }

    /// `term (|| term)*`
    fn expr(&mut self, depth: usize) -> Option<Rebuilt> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut out = self.term(depth)?;
        while self.is_punct(self.i, b'|') && self.is_punct(self.i + 1, b'|') {
            self.i += 2;
            let next = self.term(depth)?;
            out.append(&next);
            out.literal = None;
        }
        Some(out)
    }

    /// A literal, `(expr)`, or a call we evaluate, with an optional `::text`/`::varchar` cast.
    fn term(&mut self, depth: usize) -> Option<Rebuilt> {
        let t = *self.tok(self.i)?;
        let out = match t.kind {
            TokenKind::String | TokenKind::DollarString => {
                self.i += 1;
                self.literal(&t)?
            }
            TokenKind::Punct if self.is_punct(self.i, b'(') => {
                self.i += 1;
                let e = self.expr(depth + 1)?;
                self.expect_punct(b')')?;
                e
            }
            TokenKind::Word => self.call(depth)?,
            _ => return None,
        };
        // `'…'::text`
        if self.is_punct(self.i, b':') && self.is_punct(self.i + 1, b':') {
            let ty = self
                .tok(self.i + 2)
                .map(|t| self.src(t).to_ascii_lowercase());
            if !matches!(ty.as_deref(), Some("text" | "varchar")) {
                return None;
            }
            self.i += 3;
        }
        Some(out)
    }

    /// `[pg_catalog.]format(…)`, `quote_ident(…)`, `quote_literal(…)`.
    fn call(&mut self, depth: usize) -> Option<Rebuilt> {
        if self.is_word(self.i, "pg_catalog") && self.is_punct(self.i + 1, b'.') {
            self.i += 2;
        }
        let name = self.tok(self.i).map(|t| self.src(t).to_ascii_lowercase())?;
        self.i += 1;
        self.expect_punct(b'(')?;
        let out = match name.as_str() {
            "format" => {
                let fmt = self.expr(depth + 1)?;
                let mut args = Vec::new();
                while self.is_punct(self.i, b',') {
                    self.i += 1;
                    args.push(self.arg(depth + 1)?);
                }
                format(&fmt, &args)?
            }
            "quote_ident" => quote_ident(&self.expr(depth + 1)?),
            "quote_literal" => quote_literal(&self.expr(depth + 1)?)?,
            _ => return None,
        };
        self.expect_punct(b')')?;
        Some(out)
    }

    /// A `format()` argument: an expression, or `NULL`.
    fn arg(&mut self, depth: usize) -> Option<Option<Rebuilt>> {
        if self.is_word(self.i, "null") {
            self.i += 1;
            return Some(None);
        }
        self.expr(depth).map(Some)
    }

    /// The value of a string literal token, mapped to the file.
    fn literal(&self, t: &Token) -> Option<Rebuilt> {
        let src = self.src(t);
        let at = self.offset + t.span.start;
        let mut out = Rebuilt {
            literal: Some(Span::new(at, self.offset + t.span.end)),
            ..Rebuilt::default()
        };
        if t.kind == TokenKind::DollarString {
            // `$tag$…$tag$`: the text between the tags, verbatim.
            let tag = src.get(1..)?.find('$')? + 2;
            let inner = src.get(tag..src.len().checked_sub(tag)?)?;
            out.text.push_str(inner);
            out.map
                .extend((0..inner.len()).map(|k| Span::new(at + tag + k, at + tag + k + 1)));
            return Some(out);
        }
        // `'…'`, `N'…'`, or `E'…'` without backslash escapes (the others are not evaluated).
        let open = src.find('\'')?;
        let prefix = src.get(..open)?;
        let inner = src.get(open + 1..src.len().checked_sub(1)?)?;
        let plain = match prefix.to_ascii_lowercase().as_str() {
            "" | "n" => true,
            "e" => !inner.contains('\\'),
            _ => false,
        };
        if !plain {
            return None;
        }
        let base = at + open + 1;
        let bytes = inner.as_bytes();
        let mut k = 0;
        while k < bytes.len() {
            if bytes.get(k) == Some(&b'\'') && bytes.get(k + 1) == Some(&b'\'') {
                out.text.push('\'');
                out.map.push(Span::new(base + k, base + k + 2));
                k += 2;
            } else {
                // Copy a whole character; its bytes map one to one.
                let len = inner.get(k..)?.chars().next()?.len_utf8();
                out.text.push_str(inner.get(k..k + len)?);
                out.map
                    .extend((k..k + len).map(|j| Span::new(base + j, base + j + 1)));
                k += len;
            }
        }
        Some(out)
    }
}

/// PostgreSQL's `quote_ident`, always quoting (a quoted lower-case name is the same name).
fn quote_ident(value: &Rebuilt) -> Rebuilt {
    let (open, close) = value.quote_spans();
    let mut out = Rebuilt::default();
    out.push("\"", open);
    for (k, c) in value.text.char_indices() {
        if c == '"' {
            // Doubled: both quotes stand for the one in the value.
            let from = value.map.get(k).copied().unwrap_or(open);
            out.push("\"", from);
        }
        out.append_range(value, k, k + c.len_utf8());
    }
    out.push("\"", close);
    out
}

/// PostgreSQL's `quote_literal`; `None` for a value with a backslash (that needs `E'…'`).
fn quote_literal(value: &Rebuilt) -> Option<Rebuilt> {
    if value.text.contains('\\') {
        return None;
    }
    let (open, close) = value.quote_spans();
    let mut out = Rebuilt::default();
    out.push("'", open);
    for (k, c) in value.text.char_indices() {
        if c == '\'' {
            let from = value.map.get(k).copied().unwrap_or(open);
            out.push("'", from);
        }
        out.append_range(value, k, k + c.len_utf8());
    }
    out.push("'", close);
    Some(out)
}

/// PostgreSQL's `format()` for `%s`, `%I`, `%L` and `%%`, with optional argument positions
/// (`%2$s`). Widths and flags are not evaluated.
fn format(fmt: &Rebuilt, args: &[Option<Rebuilt>]) -> Option<Rebuilt> {
    let mut out = Rebuilt::default();
    let bytes = fmt.text.as_bytes();
    let mut next_arg = 0usize;
    let mut k = 0;
    while k < bytes.len() {
        if bytes.get(k) != Some(&b'%') {
            let len = fmt.text.get(k..)?.chars().next()?.len_utf8();
            out.append_range(fmt, k, k + len);
            k += len;
            continue;
        }
        let start = k;
        k += 1;
        if bytes.get(k) == Some(&b'%') {
            out.append_range(fmt, k, k + 1);
            k += 1;
            continue;
        }
        // `%n$…`: an explicit argument position.
        let digits = bytes
            .get(k..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let mut index = next_arg;
        if digits > 0 && bytes.get(k + digits) == Some(&b'$') {
            index = fmt
                .text
                .get(k..k + digits)?
                .parse::<usize>()
                .ok()?
                .checked_sub(1)?;
            k += digits + 1;
        }
        let kind = *bytes.get(k)?;
        k += 1;
        next_arg = index + 1;
        let arg = args.get(index)?;
        match (kind, arg) {
            (b's', Some(v)) => out.append(v),
            (b's', None) => {}
            (b'I', Some(v)) => out.append(&quote_ident(v)),
            (b'L', Some(v)) => out.append(&quote_literal(v)?),
            (b'L', None) => out.push("NULL", fmt.map.get(start).copied().unwrap_or_default()),
            // `%I` of NULL is an error; widths, flags and other types are not evaluated.
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rebuilt SQL, and the file text each of a few of its pieces comes from.
    fn run(file: &str) -> Option<Rebuilt> {
        executed_sql(file, 0)
    }

    /// The file text behind the rebuilt bytes `start..end`.
    fn source<'a>(file: &'a str, r: &Rebuilt, piece: &str) -> &'a str {
        let start = r.text.find(piece).expect("piece");
        let end = start + piece.len();
        let s = r.map[start].start;
        let e = r.map[end - 1].end;
        &file[s..e]
    }

    #[test]
    fn literals_doubled_quotes_and_dollar_quotes() {
        let f = "EXECUTE 'create policy \"p\" on t using (b = ''x'')'";
        let r = run(f).expect("literal");
        assert_eq!(r.text, "create policy \"p\" on t using (b = 'x')");
        // An unescaped quote stands for the two in the file; what follows stays aligned.
        assert_eq!(source(f, &r, "'x'"), "''x''");
        assert_eq!(source(f, &r, ")"), ")");
        let f = "execute $q$ALTER TABLE a ENABLE ROW LEVEL SECURITY$q$ INTO x";
        let r = run(f).expect("dollar");
        assert_eq!(r.text, "ALTER TABLE a ENABLE ROW LEVEL SECURITY");
        assert_eq!(source(f, &r, "a ENABLE"), "a ENABLE");
        let f = "EXECUTE 'DROP TABLE ' || 'é' || E'x'";
        assert_eq!(run(f).expect("concat").text, "DROP TABLE éx");
    }

    #[test]
    fn format_with_literal_arguments() {
        let f = "EXECUTE format('create policy %I on %I.%I for select to %s using (k = %L)', 'Team read', 'public', 'notes', 'authenticated', 'it''s')";
        let r = run(f).expect("format");
        assert_eq!(
            r.text,
            "create policy \"Team read\" on \"public\".\"notes\" for select to authenticated using (k = 'it''s')"
        );
        // `%I` of a literal points at that literal, quotes included.
        assert_eq!(source(f, &r, "\"Team read\""), "'Team read'");
        assert_eq!(source(f, &r, "\"notes\""), "'notes'");
        assert_eq!(source(f, &r, " for select to "), " for select to ");
        assert_eq!(
            run("EXECUTE pg_catalog.format('%2$s %1$I %%', 'a', 'b')")
                .expect("positions")
                .text,
            "b \"a\" %"
        );
        assert_eq!(
            run("EXECUTE 'x' || quote_ident('A\"b') || quote_literal('c')")
                .expect("quote")
                .text,
            "x\"A\"\"b\"'c'"
        );
    }

    #[test]
    fn run_time_values_stay_opaque() {
        for f in [
            "EXECUTE format('alter table %I enable row level security', t.tablename)",
            "EXECUTE sql",
            "EXECUTE 'select ' || x",
            "EXECUTE format('%5s', 'a')",
            "EXECUTE format('%s %s', 'a')",
            "EXECUTE format('%I', NULL)",
            "EXECUTE E'a\\nb'",
            "EXECUTE 'a' 'b'",
            "EXECUTE upper('a')",
            "EXECUTE 'unterminated",
            "EXECUTE",
        ] {
            assert_eq!(run(f), None, "{f}");
        }
        let deep = format!("EXECUTE {}'a'{}", "(".repeat(200), ")".repeat(200));
        assert_eq!(run(&deep), None);
    }

    /// Random `EXECUTE` statements from the pieces this module reads: no panic, every rebuilt
    /// byte maps inside the statement, and whole files with them parse with spans in the file.
    #[test]
    fn random_execute_statements_never_panic() {
        const VOCAB: &[&str] = &[
            "format",
            "quote_ident",
            "quote_literal",
            "pg_catalog",
            ".",
            "(",
            ")",
            ",",
            "||",
            "'a''b'",
            "'%I'",
            "'%s %L %%'",
            "'%2$s'",
            "'%'",
            "$$x$$",
            "$q$y$q$",
            "E'z'",
            "NULL",
            "'é✓'",
            "'",
            "::text",
            "::int",
            "INTO",
            "USING",
            "t",
            "' create policy p on t '",
            "'%I.%I'",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..3000 {
            let len = next(12);
            let mut stmt = String::from("EXECUTE");
            for _ in 0..len {
                stmt.push(' ');
                stmt.push_str(VOCAB[next(VOCAB.len())]);
            }
            if let Some(r) = executed_sql(&stmt, 7) {
                assert_eq!(r.map.len(), r.text.len(), "{stmt}");
                assert!(
                    r.map
                        .iter()
                        .all(|s| s.start >= 7 && s.end <= 7 + stmt.len()),
                    "{stmt}"
                );
            }
            let file = format!("DO $$ BEGIN {stmt}; END $$;");
            let parsed = crate::syntax::parse_file(&file);
            for s in &parsed.statements {
                assert!(
                    s.span.start <= s.span.end && s.span.end <= file.len(),
                    "{file}"
                );
                assert!(file.is_char_boundary(s.span.start) && file.is_char_boundary(s.span.end));
            }
        }
    }
}
