//! The statement splitter: a byte-level lexer that knows just enough PostgreSQL (strings, quoted
//! identifiers, dollar quotes, comments, psql meta-commands, `BEGIN ATOMIC` bodies) to find where
//! statements start and end, with byte spans. It never allocates per character and never panics:
//! every delimiter it cuts at is ASCII, so spans always fall on UTF-8 character boundaries.

use super::Comment;
use crate::source::Span;

/// What kind of token the lexer produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An unquoted identifier or keyword (`$` allowed after the first character).
    Word,
    /// `"…"` or `U&"…"`.
    QuotedIdent,
    /// `'…'`, `E'…'`, `U&'…'`, `B'…'`, `X'…'`, `N'…'` (prefix included in the span).
    String,
    /// `$$…$$` or `$tag$…$tag$`.
    DollarString,
    Number,
    /// `$1`
    Param,
    /// One byte of punctuation or operator.
    Punct,
    LineComment,
    BlockComment,
    /// A psql meta-command line (`\set …`), without its line ending.
    Meta,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
    /// The closing delimiter is missing: the token runs to the end of the text.
    pub unterminated: bool,
}

/// An unterminated string, quoted identifier, block comment or dollar quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub message: String,
    /// The opening delimiter.
    pub at: Span,
}

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

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// Identifier continuation bytes as a table: the hottest test in the lexer.
static IDENT_CONT: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
        i += 1;
    }
    t
};

fn is_ident_cont(b: u8) -> bool {
    IDENT_CONT[b as usize]
}

/// Characters allowed in a dollar-quote tag after the first (no `$`).
fn is_tag_cont(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// A tokenizer over a text. Whitespace is skipped; comments are tokens.
pub struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Recognize psql meta-commands (off inside `DO` bodies).
    meta: bool,
    pub errors: Vec<LexError>,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str, meta_commands: bool) -> Self {
        Lexer {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            meta: meta_commands,
            errors: Vec::new(),
        }
    }

    fn at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    fn tok(&self, kind: TokenKind, start: usize, unterminated: bool) -> Token {
        Token {
            kind,
            span: Span::new(start, self.pos),
            unterminated,
        }
    }

    fn error(&mut self, message: &str, start: usize, open_len: usize) {
        let end = (start + open_len).min(self.bytes.len());
        self.errors.push(LexError {
            message: message.to_string(),
            at: Span::new(start, end),
        });
    }

    /// Offset of the next `needle` byte at or after `from`, or the text's end.
    fn find_byte(&self, from: usize, needle: u8) -> usize {
        match self.bytes.get(from..) {
            Some(rest) => rest
                .iter()
                .position(|&c| c == needle)
                .map_or(self.bytes.len(), |p| from + p),
            None => self.bytes.len(),
        }
    }

    /// Scan a quoted run starting after its opening quote; `backslash` enables `\x` escapes.
    /// Returns whether the closing quote was found; `self.pos` is after it (or at the end).
    fn scan_quoted(&mut self, quote: u8, backslash: bool) -> bool {
        let len = self.bytes.len();
        let mut i = self.pos;
        while i < len {
            let c = self.at(i);
            if c == quote {
                if self.at(i + 1) == quote {
                    i += 2;
                    continue;
                }
                self.pos = i + 1;
                return true;
            }
            if backslash && c == b'\\' {
                // Skip the escaped byte; continuation bytes of a multi-byte char are never
                // delimiters, so skipping one byte cannot land us inside a delimiter.
                i += 2;
                continue;
            }
            i += 1;
        }
        self.pos = len;
        false
    }

    fn string(&mut self, start: usize, open_len: usize, backslash: bool) -> Token {
        self.pos = start + open_len;
        let ok = self.scan_quoted(b'\'', backslash);
        if !ok {
            self.error("unterminated quoted string", start, open_len);
        }
        self.tok(TokenKind::String, start, !ok)
    }

    fn quoted_ident(&mut self, start: usize, open_len: usize) -> Token {
        self.pos = start + open_len;
        let ok = self.scan_quoted(b'"', false);
        if !ok {
            self.error("unterminated quoted identifier", start, open_len);
        }
        self.tok(TokenKind::QuotedIdent, start, !ok)
    }

    fn block_comment(&mut self, start: usize) -> Token {
        let len = self.bytes.len();
        let mut depth = 1usize;
        let mut i = start + 2;
        while i < len {
            let c = self.at(i);
            if c == b'/' && self.at(i + 1) == b'*' {
                depth += 1;
                i += 2;
            } else if c == b'*' && self.at(i + 1) == b'/' {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    self.pos = i;
                    return self.tok(TokenKind::BlockComment, start, false);
                }
            } else {
                i += 1;
            }
        }
        self.pos = len;
        self.error("unterminated /* comment", start, 2);
        self.tok(TokenKind::BlockComment, start, true)
    }

    /// At a `$`: a parameter, a dollar quote, or a lone `$`.
    fn dollar(&mut self, start: usize) -> Token {
        let next = self.at(start + 1);
        if next.is_ascii_digit() {
            let mut i = start + 1;
            while self.at(i).is_ascii_digit() {
                i += 1;
            }
            self.pos = i;
            return self.tok(TokenKind::Param, start, false);
        }
        let mut j = start + 1;
        if is_ident_start(next) && next != b'$' {
            j += 1;
            while is_tag_cont(self.at(j)) {
                j += 1;
            }
        }
        if self.at(j) != b'$' {
            self.pos = start + 1;
            return self.tok(TokenKind::Punct, start, false);
        }
        let tag_end = j + 1;
        // Both ends of the tag are ASCII `$`, so these slices are on char boundaries.
        let tag = self.text.get(start..tag_end).unwrap_or("$$");
        let rest = self.text.get(tag_end..).unwrap_or("");
        match rest.find(tag) {
            Some(p) => {
                self.pos = tag_end + p + tag.len();
                self.tok(TokenKind::DollarString, start, false)
            }
            None => {
                self.pos = self.bytes.len();
                self.error("unterminated dollar-quoted string", start, tag.len());
                self.tok(TokenKind::DollarString, start, true)
            }
        }
    }

    fn word(&mut self, start: usize) -> Token {
        let mut i = start + 1;
        while is_ident_cont(self.at(i)) {
            i += 1;
        }
        self.pos = i;
        self.tok(TokenKind::Word, start, false)
    }

    fn number(&mut self, start: usize) -> Token {
        let mut i = start + 1;
        loop {
            let c = self.at(i);
            if c.is_ascii_alphanumeric() || c == b'_' {
                i += 1;
            } else if c == b'.' && self.at(i + 1).is_ascii_digit() {
                i += 2;
            } else {
                break;
            }
        }
        self.pos = i;
        self.tok(TokenKind::Number, start, false)
    }

    fn meta_command(&mut self, start: usize) -> Token {
        let nl = self.find_byte(start, b'\n');
        let mut end = nl;
        while end > start && matches!(self.at(end - 1), b' ' | b'\t' | b'\r') {
            end -= 1;
        }
        self.pos = end;
        let t = self.tok(TokenKind::Meta, start, false);
        self.pos = nl;
        t
    }

    /// After `COPY … FROM STDIN;`: skip the rest of the line and the data lines up to and
    /// including the `\.` line (or the end), as psql does.
    pub fn skip_copy_data(&mut self) {
        let len = self.bytes.len();
        let mut line = self.find_byte(self.pos, b'\n').saturating_add(1).min(len);
        while line < len {
            let nl = self.find_byte(line, b'\n');
            let mut end = nl;
            if end > line && self.at(end - 1) == b'\r' {
                end -= 1;
            }
            let is_end = self.bytes.get(line..end) == Some(b"\\.".as_slice());
            line = nl.saturating_add(1).min(len);
            if is_end {
                break;
            }
        }
        self.pos = line;
    }

    fn line_comment(&mut self, start: usize) -> Token {
        let nl = self.find_byte(start, b'\n');
        let mut end = nl;
        if end > start && self.at(end - 1) == b'\r' {
            end -= 1;
        }
        self.pos = end;
        let t = self.tok(TokenKind::LineComment, start, false);
        self.pos = nl;
        t
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        loop {
            let b = *self.bytes.get(self.pos)?;
            match b {
                b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c => self.pos += 1,
                _ => break,
            }
        }
        let start = self.pos;
        let b = self.at(start);
        let next = self.at(start + 1);
        let t = match b {
            // psql treats a `\` anywhere outside quotes as a meta-command (`SELECT … \gexec`),
            // and PostgreSQL has no `\` token of its own.
            b'\\' if self.meta => self.meta_command(start),
            b'-' if next == b'-' => self.line_comment(start),
            b'/' if next == b'*' => self.block_comment(start),
            b'\'' => self.string(start, 1, false),
            b'"' => self.quoted_ident(start, 1),
            b'$' => self.dollar(start),
            b'0'..=b'9' => self.number(start),
            b'.' if next.is_ascii_digit() => self.number(start),
            b'E' | b'e' if next == b'\'' => self.string(start, 2, true),
            b'U' | b'u' if next == b'&' && self.at(start + 2) == b'\'' => {
                self.string(start, 3, false)
            }
            b'U' | b'u' if next == b'&' && self.at(start + 2) == b'"' => {
                self.quoted_ident(start, 3)
            }
            b'B' | b'b' | b'X' | b'x' | b'N' | b'n' if next == b'\'' => {
                self.string(start, 2, false)
            }
            c if is_ident_start(c) => self.word(start),
            _ => {
                self.pos = start + 1;
                self.tok(TokenKind::Punct, start, false)
            }
        };
        Some(t)
    }
}

/// The comment a comment token stands for.
pub fn comment_from_token(text: &str, tok: &Token) -> Comment {
    let raw = text.get(tok.span.range()).unwrap_or("");
    let line_comment = tok.kind == TokenKind::LineComment;
    let body = if line_comment {
        raw.get(2..).unwrap_or("")
    } else {
        let inner = raw.get(2..).unwrap_or("");
        if tok.unterminated {
            inner
        } else {
            inner.strip_suffix("*/").unwrap_or(inner)
        }
    };
    Comment {
        span: tok.span,
        body: body.to_string(),
        line_comment,
    }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn stmts(text: &str) -> Vec<&str> {
        split(text)
            .statements
            .iter()
            .map(|s| &text[s.span.range()])
            .collect()
    }

    fn tokens(text: &str) -> Vec<(TokenKind, &str)> {
        Lexer::new(text, true)
            .map(|t| (t.kind, &text[t.span.range()]))
            .collect()
    }

    #[test]
    fn simple_statements_and_spans() {
        let text = "  SELECT 1 ;\nSELECT 2;SELECT 3  ";
        assert_eq!(stmts(text), vec!["SELECT 1", "SELECT 2", "SELECT 3"]);
        let out = split(text);
        assert_eq!(out.statements[0].span, Span::new(2, 10));
    }

    #[test]
    fn empty_statements_produce_nothing() {
        assert_eq!(stmts(";;  ; \n;"), Vec::<&str>::new());
        assert_eq!(stmts("a;;b"), vec!["a", "b"]);
        assert!(split("").statements.is_empty());
        assert!(split("   \n -- only a comment\n").statements.is_empty());
    }

    #[test]
    fn single_quoted_strings() {
        assert_eq!(
            stmts("SELECT 'a;b''c;'; SELECT 2"),
            vec!["SELECT 'a;b''c;'", "SELECT 2"]
        );
        assert_eq!(tokens("'it''s'"), vec![(TokenKind::String, "'it''s'")]);
    }

    #[test]
    fn escape_strings() {
        assert_eq!(
            stmts(r"SELECT E'a\';b'; SELECT e'\\'; SELECT 3"),
            vec![r"SELECT E'a\';b'", r"SELECT e'\\'", "SELECT 3"]
        );
        // A backslash in a plain string is just a character.
        assert_eq!(
            stmts(r"SELECT 'a\'; SELECT 2"),
            vec![r"SELECT 'a\'", "SELECT 2"]
        );
        // `E` at the end of an identifier is not a prefix.
        assert_eq!(
            tokens("somee'x'"),
            vec![(TokenKind::Word, "somee"), (TokenKind::String, "'x'")]
        );
    }

    #[test]
    fn unicode_and_prefixed_strings() {
        assert_eq!(
            tokens(r"U&'d\0061t;a' u&'x' B'101' X'1F' N'n;'"),
            vec![
                (TokenKind::String, r"U&'d\0061t;a'"),
                (TokenKind::String, "u&'x'"),
                (TokenKind::String, "B'101'"),
                (TokenKind::String, "X'1F'"),
                (TokenKind::String, "N'n;'"),
            ]
        );
        assert_eq!(
            tokens(r#"U&"a;b""#),
            vec![(TokenKind::QuotedIdent, r#"U&"a;b""#)]
        );
    }

    #[test]
    fn quoted_identifiers() {
        assert_eq!(
            stmts(r#"DROP TABLE "we;ird""name"; SELECT 2"#),
            vec![r#"DROP TABLE "we;ird""name""#, "SELECT 2"]
        );
    }

    #[test]
    fn dollar_quotes() {
        let text = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n\
                    CREATE FUNCTION g() AS $body$ a; $$ b; $body$;\nSELECT 3";
        assert_eq!(
            stmts(text),
            vec![
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                "CREATE FUNCTION g() AS $body$ a; $$ b; $body$",
                "SELECT 3"
            ]
        );
        assert_eq!(
            tokens("$_$ a $_$ $function$;$function$"),
            vec![
                (TokenKind::DollarString, "$_$ a $_$"),
                (TokenKind::DollarString, "$function$;$function$")
            ]
        );
        // Tags are case-sensitive and must match exactly.
        assert_eq!(
            tokens("$a$ $A$ ; $a$"),
            vec![(TokenKind::DollarString, "$a$ $A$ ; $a$")]
        );
        // Multi-byte tag characters.
        assert_eq!(
            tokens("$é$;$é$ x"),
            vec![(TokenKind::DollarString, "$é$;$é$"), (TokenKind::Word, "x")]
        );
    }

    #[test]
    fn parameters_are_not_dollar_quotes() {
        assert_eq!(
            tokens("$1 $22;"),
            vec![
                (TokenKind::Param, "$1"),
                (TokenKind::Param, "$22"),
                (TokenKind::Punct, ";")
            ]
        );
        assert_eq!(
            stmts("PREPARE p AS SELECT $1; SELECT $2"),
            vec!["PREPARE p AS SELECT $1", "SELECT $2"]
        );
        // `$` inside an identifier is part of it; `$1$` is not a tag.
        assert_eq!(tokens("a$b$"), vec![(TokenKind::Word, "a$b$")]);
        assert_eq!(
            tokens("$1$x"),
            vec![
                (TokenKind::Param, "$1"),
                (TokenKind::Punct, "$"),
                (TokenKind::Word, "x")
            ]
        );
    }

    #[test]
    fn line_comments() {
        let text = "-- lead; comment\nSELECT 1 -- trailing; x\n; SELECT 2";
        assert_eq!(stmts(text), vec!["SELECT 1", "SELECT 2"]);
        let out = split(text);
        assert_eq!(out.comments.len(), 2);
        assert_eq!(out.comments[0].body, " lead; comment");
        assert!(out.comments[0].line_comment);
        assert_eq!(&text[out.comments[1].span.range()], "-- trailing; x");
    }

    #[test]
    fn nested_block_comments() {
        let text = "/* a /* b; */ still; */ SELECT 1; /* c */";
        assert_eq!(stmts(text), vec!["SELECT 1"]);
        let out = split(text);
        assert_eq!(out.comments.len(), 2);
        assert_eq!(
            &text[out.comments[0].span.range()],
            "/* a /* b; */ still; */"
        );
        assert_eq!(out.comments[0].body, " a /* b; */ still; ");
        assert!(!out.comments[0].line_comment);
        assert_eq!(out.comments[1].body, " c ");
    }

    #[test]
    fn comments_inside_statements_are_collected_in_order() {
        let text = "SELECT /* x */ 1 -- y\n, 2; -- z";
        let out = split(text);
        assert_eq!(stmts(text), vec!["SELECT /* x */ 1 -- y\n, 2"]);
        let bodies: Vec<_> = out.comments.iter().map(|c| c.body.as_str()).collect();
        assert_eq!(bodies, vec![" x ", " y", " z"]);
    }

    #[test]
    fn psql_meta_commands() {
        let text = "\\set ON_ERROR_STOP on\nSELECT 1;\n  \\i file.sql  \r\nSELECT '\\x';";
        let out = split(text);
        let got: Vec<_> = out
            .statements
            .iter()
            .map(|s| (&text[s.span.range()], s.meta))
            .collect();
        assert_eq!(
            got,
            vec![
                ("\\set ON_ERROR_STOP on", true),
                ("SELECT 1", false),
                ("\\i file.sql", true),
                ("SELECT '\\x'", false),
            ]
        );
        // psql reads a backslash anywhere outside quotes as a meta-command: `\gexec` after a
        // query runs it, and the next line is a new statement.
        assert_eq!(
            stmts("SELECT 'x' \\gexec\nDROP TABLE users;\nSELECT \"a\\b\", E'\\\\' \\gset"),
            vec![
                "SELECT 'x'",
                "\\gexec",
                "DROP TABLE users",
                "SELECT \"a\\b\", E'\\\\'",
                "\\gset"
            ]
        );
        // A meta-command ends a statement in progress (like `\g`).
        assert_eq!(
            stmts("SELECT 1\n\\g\nSELECT 2"),
            vec!["SELECT 1", "\\g", "SELECT 2"]
        );
    }

    #[test]
    fn copy_from_stdin_data_is_skipped() {
        let text = "COPY t (a, b) FROM stdin;\n1\t'x;\n\\N\t$$\n\\.\nSELECT 1;\r\nCOPY t FROM STDIN;\r\n2\r\n\\.\r\nSELECT 2;COPY t TO STDOUT; SELECT 3";
        assert_eq!(
            stmts(text),
            vec![
                "COPY t (a, b) FROM stdin",
                "SELECT 1",
                "COPY t FROM STDIN",
                "SELECT 2",
                "COPY t TO STDOUT",
                "SELECT 3"
            ]
        );
        assert!(split(text).errors.is_empty());
        // Data without an end marker runs to the end of the file.
        assert_eq!(stmts("COPY t FROM stdin;\n1\n2"), vec!["COPY t FROM stdin"]);
    }

    #[test]
    fn semicolons_inside_parentheses_do_not_split() {
        assert_eq!(
            stmts("SELECT (1; 2); SELECT 3"),
            vec!["SELECT (1; 2)", "SELECT 3"]
        );
        // A stray `)` does not make the depth negative.
        assert_eq!(stmts("SELECT 1); SELECT 2"), vec!["SELECT 1)", "SELECT 2"]);
    }

    #[test]
    fn begin_atomic_bodies() {
        let text = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\n  SELECT 3;\nEND;\nSELECT 4;";
        assert_eq!(
            stmts(text),
            vec![
                "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\n  SELECT 3;\nEND",
                "SELECT 4"
            ]
        );
        let text =
            "create or replace procedure p() begin atomic insert into t values (1); end; select 1";
        assert_eq!(
            stmts(text),
            vec![
                "create or replace procedure p() begin atomic insert into t values (1); end",
                "select 1"
            ]
        );
        // Plain transaction BEGIN is not a body.
        assert_eq!(
            stmts("BEGIN; CREATE TABLE t (a int); COMMIT;"),
            vec!["BEGIN", "CREATE TABLE t (a int)", "COMMIT"]
        );
        // BEGIN not followed by ATOMIC in a function statement does not open a body.
        assert_eq!(
            stmts("CREATE FUNCTION f() AS $$ x $$ LANGUAGE plpgsql; BEGIN; END"),
            vec![
                "CREATE FUNCTION f() AS $$ x $$ LANGUAGE plpgsql",
                "BEGIN",
                "END"
            ]
        );
    }

    #[test]
    fn unterminated_string_at_end_of_file() {
        let text = "SELECT 1;\nSELECT 'abc;\nSELECT 2;";
        let out = split(text);
        assert_eq!(stmts(text), vec!["SELECT 1", "SELECT 'abc;\nSELECT 2;"]);
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].message, "unterminated quoted string");
        assert_eq!(&text[out.errors[0].at.range()], "'");
        assert_eq!(out.errors[0].at.start, 17);
        let out = split("SELECT E'abc\\'");
        assert_eq!(out.errors[0].at, Span::new(7, 9));
    }

    #[test]
    fn unterminated_identifier_comment_dollar() {
        let text = "SELECT \"abc";
        let out = split(text);
        assert_eq!(out.errors[0].message, "unterminated quoted identifier");
        assert_eq!(out.errors[0].at, Span::new(7, 8));
        assert_eq!(stmts(text), vec!["SELECT \"abc"]);

        let text = "SELECT 1; /* a /* b */ SELECT 2;";
        let out = split(text);
        assert_eq!(out.errors[0].message, "unterminated /* comment");
        assert_eq!(out.errors[0].at, Span::new(10, 12));
        assert_eq!(stmts(text), vec!["SELECT 1"]);
        assert_eq!(out.comments.len(), 1);

        let text = "DO $body$ BEGIN NULL; END $$;";
        let out = split(text);
        assert_eq!(out.errors[0].message, "unterminated dollar-quoted string");
        assert_eq!(&text[out.errors[0].at.range()], "$body$");
        assert_eq!(stmts(text), vec![text]);
    }

    #[test]
    fn crlf_and_multibyte() {
        let text = "-- café\r\nSELECT 'é;ü' AS \"naïve\";\r\nDROP TABLE ü;\r\n";
        assert_eq!(
            stmts(text),
            vec!["SELECT 'é;ü' AS \"naïve\"", "DROP TABLE ü"]
        );
        let out = split(text);
        assert_eq!(&text[out.comments[0].span.range()], "-- café");
        assert_eq!(out.comments[0].body, " café");
        // Non-ASCII characters are identifier characters, as in PostgreSQL.
        assert_eq!(
            tokens("äb;"),
            vec![(TokenKind::Word, "äb"), (TokenKind::Punct, ";")]
        );
    }

    /// A tiny deterministic generator (xorshift) so the property test needs no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            let i = (self.next() % items.len() as u64) as usize;
            items.get(i).copied().unwrap_or("")
        }
    }

    pub(crate) const FRAGMENTS: &[&str] = &[
        "SELECT",
        " ",
        "\n",
        "\r\n",
        ";",
        "'",
        "''",
        "E'",
        "\\",
        "\\'",
        "\"",
        "$$",
        "$a$",
        "$1",
        "$",
        "--",
        "/*",
        "*/",
        "(",
        ")",
        "BEGIN",
        " ATOMIC ",
        "END",
        "CASE",
        "CREATE FUNCTION f()",
        "DO",
        "é",
        "日本",
        "x",
        "\\set x 1\n",
        "U&'",
        "DROP TABLE t",
        "IF",
        "THEN",
        "EXCEPTION",
        "LOOP",
        "declare",
        "\t",
        "0.5",
        "a$b",
        "-",
        "/",
        "*",
        "COPY t FROM stdin",
        "\n\\.\n",
        "<<l>>",
        "WHEN",
        "ELSE",
        "EXISTS (SELECT 1 FROM pg_type)",
    ];

    pub(crate) fn random_inputs(count: usize) -> Vec<String> {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        (0..count)
            .map(|_| {
                let n = (rng.next() % 40) as usize;
                (0..n).map(|_| rng.pick(FRAGMENTS)).collect::<String>()
            })
            .collect()
    }

    /// Random characters: every ASCII byte (controls included) and some multi-byte chars.
    pub(crate) fn random_chars(count: usize) -> Vec<String> {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let extra = ['é', '日', '\u{feff}', '\u{a0}', '😀'];
        (0..count)
            .map(|_| {
                let n = (rng.next() % 60) as usize;
                (0..n)
                    .map(|_| {
                        let r = rng.next() % 140;
                        match char::from_u32(r as u32) {
                            Some(c) if r < 128 => c,
                            _ => extra.get((r % 5) as usize).copied().unwrap_or('x'),
                        }
                    })
                    .collect::<String>()
            })
            .collect()
    }

    #[test]
    fn property_spans_are_sane_on_random_input() {
        let mut inputs = random_inputs(600);
        inputs.extend(random_chars(600));
        for text in inputs {
            let out = split(&text);
            let mut last_end = 0;
            for s in &out.statements {
                assert!(
                    s.span.start <= s.span.end && s.span.end <= text.len(),
                    "{text:?}"
                );
                assert!(text.is_char_boundary(s.span.start), "{text:?}");
                assert!(text.is_char_boundary(s.span.end), "{text:?}");
                assert!(s.span.start >= last_end, "overlap in {text:?}");
                assert!(!s.span.is_empty(), "{text:?}");
                last_end = s.span.end;
            }
            let mut last_end = 0;
            for c in &out.comments {
                assert!(
                    c.span.end <= text.len() && c.span.start >= last_end,
                    "{text:?}"
                );
                assert!(text.is_char_boundary(c.span.start) && text.is_char_boundary(c.span.end));
                last_end = c.span.end;
            }
            for e in &out.errors {
                assert!(e.at.end <= text.len());
                assert!(text.is_char_boundary(e.at.start) && text.is_char_boundary(e.at.end));
            }
        }
    }

    #[test]
    fn splits_fast_enough() {
        // A smoke check, not a benchmark: debug builds are slow, so the bar is low.
        let unit = "CREATE TABLE t (a int, b text DEFAULT 'x;y'); -- c\nINSERT INTO t VALUES (1, $$z$$);\n";
        let text = unit.repeat(20_000);
        let t = std::time::Instant::now();
        let out = split(&text);
        assert_eq!(out.statements.len(), 40_000);
        assert!(t.elapsed().as_secs() < 10);
    }
}
