//! The byte-level lexer under the splitter: strings, quoted identifiers, dollar quotes,
//! comments and psql meta-commands as tokens with byte spans. `DO` bodies, `EXECUTE` literals
//! and the grammar's prefilter lex with it too.

use super::super::Comment;
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
