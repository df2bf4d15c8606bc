//! sqlparser's tokenizer with FILE byte spans: the one tokenization of a statement, shared by the
//! sqlparser bridge (which gets the raw tokens) and the recognizers (which get the spans).

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Word};

use crate::source::Span;

mod fast;

/// A significant token (no whitespace or comments) with its byte span in the file.
#[derive(Debug, Clone)]
pub(crate) struct Tok<'a> {
    pub token: &'a Token,
    pub span: Span,
}

impl Tok<'_> {
    /// An unquoted word equal to `kw` (case-insensitive).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(self.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }
    /// The upper-cased text of an unquoted word.
    pub fn keyword(&self) -> Option<String> {
        match self.token {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        }
    }
    /// The token as PostgreSQL quotes it in "syntax error at or near …".
    pub fn near(&self) -> String {
        match self.token {
            Token::Word(w) if w.quote_style.is_none() => format!("\"{}\"", w.value),
            other => other.to_string(),
        }
    }
    pub fn is_word(&self) -> bool {
        matches!(self.token, Token::Word(_))
    }
}

/// Maps sqlparser locations (1-based line, 1-based column counted in chars, only `\n` starts a
/// line) of a statement's text to byte offsets in that text ([`Origin`] takes them to the file), walking forward from the last position so
/// that mapping all tokens in order is linear.
pub(crate) struct LocMapper<'a> {
    text: &'a str,
    line: u64,
    col: u64,
    byte: usize,
}

impl<'a> LocMapper<'a> {
    pub fn new(text: &'a str) -> Self {
        LocMapper {
            text,
            line: 1,
            col: 1,
            byte: 0,
        }
    }

    /// Byte offset of `loc` in the text; clamps to the text's end for locations past it.
    pub fn local(&mut self, loc: Location) -> usize {
        let (line, col) = (loc.line.max(1), loc.column.max(1));
        if (line, col) < (self.line, self.col) {
            self.line = 1;
            self.col = 1;
            self.byte = 0;
        }
        // A byte loop (a char's length read from its lead byte): this runs for every token of
        // every statement, so it avoids re-slicing and decoding the text per character.
        let bytes = self.text.as_bytes();
        while (self.line, self.col) < (line, col) {
            let Some(&b) = bytes.get(self.byte) else {
                break;
            };
            if b == b'\n' {
                // A column past the end of a line stays on that line.
                if self.line == line {
                    break;
                }
                self.line += 1;
                self.col = 1;
                self.byte += 1;
            } else {
                self.col += 1;
                self.byte += utf8_len(b);
            }
        }
        // The text is valid UTF-8 and we step whole characters, so this is a char boundary.
        self.byte = self.byte.min(bytes.len());
        self.byte
    }
}

/// Where a statement's text lies in the file.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin<'a> {
    /// Verbatim, from this file offset on.
    At(usize),
    /// Rebuilt text (a string literal's content with its doubled quotes unescaped, `format()`
    /// arguments filled in): byte `i` of the text stands for the file bytes `map[i]`.
    Map(&'a [Span]),
}

impl Origin<'_> {
    /// File offset where the text's byte `i` starts.
    pub fn start(&self, i: usize) -> usize {
        match self {
            Origin::At(base) => base + i,
            Origin::Map(map) => map
                .get(i)
                .or(map.last())
                .map_or(0, |s| if i < map.len() { s.start } else { s.end }),
        }
    }

    /// File offset where a stretch of the text that ends (exclusive) at byte `i` ends.
    pub fn end(&self, i: usize) -> usize {
        match self {
            Origin::At(base) => base + i,
            Origin::Map(map) => match i.checked_sub(1) {
                None => self.start(0),
                Some(last) => map.get(last).or(map.last()).map_or(0, |s| s.end),
            },
        }
    }

    /// The file span of the text's bytes `start..end`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let s = self.start(start);
        if end > start {
            Span::new(s, self.end(end).max(s))
        } else {
            Span::empty(s)
        }
    }
}

/// A statement's tokens, whitespace and comments included, locations relative to its text.
pub(crate) struct Lexed {
    pub tokens: Vec<TokenWithSpan>,
    /// Each token's byte range in the text, when the fast tokenizer read it (sqlparser's
    /// locations are lines and columns, mapped to bytes by [`LocMapper`] otherwise).
    offsets: Option<Vec<(usize, usize)>>,
}

/// Tokenize one statement as sqlparser's tokenizer does (the [`fast`] path when it can read the
/// text, sqlparser's tokenizer otherwise). The error carries the message and the file span
/// where it happened.
pub(crate) fn lex(text: &str, origin: Origin) -> Result<Lexed, (String, Span)> {
    if let Some(lexed) = fast::tokenize(text) {
        return Ok(lexed);
    }
    lex_sqlparser(text, origin).map(|tokens| Lexed {
        tokens,
        offsets: None,
    })
}

/// sqlparser's tokenizer, `U&"…"` identifiers merged.
fn lex_sqlparser(text: &str, origin: Origin) -> Result<Vec<TokenWithSpan>, (String, Span)> {
    let dialect = PostgreSqlDialect {};
    Tokenizer::new(&dialect, text)
        .tokenize_with_location()
        .map(merge_unicode_idents)
        .map_err(|e| {
            let mut m = LocMapper::new(text);
            let at = m.local(e.location);
            let end = text
                .get(at..)
                .and_then(|s| s.chars().next())
                .map_or(at, |c| at + c.len_utf8());
            (e.message, origin.span(at, end))
        })
}

/// sqlparser reads PostgreSQL's `U&"d\0061t"` identifier as three tokens (`U`, `&`, `"…"`), which
/// only parses by luck (as a bitwise AND) and breaks `DROP TABLE U&"…"`: merge them into the one
/// quoted identifier PostgreSQL sees, escapes decoded (with an optional `UESCAPE 'c'`).
fn merge_unicode_idents(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    // No `&` at all (nearly every statement): nothing to merge, no copy.
    if !tokens.iter().any(|t| t.token == Token::Ampersand) {
        return tokens;
    }
    let is_u = |t: &TokenWithSpan| matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("u"));
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while let Some(t) = tokens.get(i) {
        if let (true, Some(amp), Some(quoted)) = (is_u(t), tokens.get(i + 1), tokens.get(i + 2))
            && amp.token == Token::Ampersand
            && let Token::Word(w) = &quoted.token
            && w.quote_style == Some('"')
            && t.span.end == amp.span.start
            && amp.span.end == quoted.span.start
        {
            // `UESCAPE 'c'` after the identifier picks another escape character.
            let mut next = i + 3;
            let mut escape = '\\';
            let significant: Vec<usize> = (next..tokens.len())
                .filter(|&j| {
                    tokens
                        .get(j)
                        .is_some_and(|t| !matches!(t.token, Token::Whitespace(_)))
                })
                .take(2)
                .collect();
            if let [kw, lit] = significant[..]
                && matches!(tokens.get(kw).map(|t| &t.token), Some(Token::Word(u)) if u.quote_style.is_none() && u.value.eq_ignore_ascii_case("uescape"))
                && let Some(Token::SingleQuotedString(c)) = tokens.get(lit).map(|t| &t.token)
                && let Some(c) = c.chars().next()
            {
                escape = c;
                next = lit + 1;
            }
            if let Some(value) = decode_unicode_escapes(&w.value, escape) {
                let end = tokens.get(next - 1).map_or(quoted.span.end, |t| t.span.end);
                out.push(TokenWithSpan {
                    token: Token::Word(Word {
                        value,
                        quote_style: Some('"'),
                        keyword: Keyword::NoKeyword,
                    }),
                    span: sqlparser::tokenizer::Span::new(t.span.start, end),
                });
                i = next;
                continue;
            }
        }
        out.push(t.clone());
        i += 1;
    }
    out
}

/// `\XXXX`, `\+XXXXXX` and `\\` (with `escape` for the backslash); `None` when malformed.
fn decode_unicode_escapes(text: &str, escape: char) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != escape {
            out.push(c);
            continue;
        }
        let mut rest = chars.clone();
        match rest.next()? {
            e if e == escape => {
                out.push(escape);
                chars = rest;
            }
            '+' => {
                let hex: String = rest.by_ref().take(6).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                chars = rest;
            }
            _ => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
        }
    }
    Some(out)
}

/// The significant tokens of `lexed` with their file spans, borrowing the tokens.
pub(crate) fn significant<'a>(lexed: &'a Lexed, text: &str, origin: Origin) -> Vec<Tok<'a>> {
    let raw = &lexed.tokens;
    let mut toks = Vec::with_capacity(raw.len() / 2 + 1);
    if let Some(offsets) = &lexed.offsets {
        for (t, &(start, end)) in raw.iter().zip(offsets) {
            if matches!(t.token, Token::Whitespace(_) | Token::EOF) {
                continue;
            }
            toks.push(Tok {
                token: &t.token,
                span: origin.span(start, end),
            });
        }
        return toks;
    }
    let mut m = LocMapper::new(text);
    for t in raw {
        if matches!(t.token, Token::Whitespace(_) | Token::EOF) {
            continue;
        }
        let start = m.local(t.span.start);
        let end = m.local(t.span.end);
        toks.push(Tok {
            token: &t.token,
            span: origin.span(start, end),
        });
    }
    toks
}

/// Length of the UTF-8 character whose first byte is `b`.
fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// The generated migration set of the benchmarks, for the differential tests.
#[cfg(test)]
#[path = "../../benches/support/corpus.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(String, Option<char>)> {
        lex(text, Origin::At(0))
            .map(|l| l.tokens)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| match t.token {
                Token::Word(w) => Some((w.value, w.quote_style)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn unicode_identifiers_are_one_quoted_word() {
        assert_eq!(
            words(r#"DROP TABLE U&"\0075sers", u&"d!+000061t!!" UESCAPE '!' "#),
            vec![
                ("DROP".to_string(), None),
                ("TABLE".to_string(), None),
                ("users".to_string(), Some('"')),
                ("d\u{61}t!".to_string(), Some('"')),
            ]
        );
        // Not adjacent: a bitwise AND of a column `u` and `"x"` stays as it is.
        assert_eq!(words(r#"SELECT u & "x""#).len(), 3);
    }

    use super::generated;

    /// Whether the fast tokenizer read `text`; when it did, its tokens, their locations and
    /// their byte ranges must be exactly sqlparser's.
    fn same_as_sqlparser(text: &str) -> bool {
        let Some(Lexed {
            tokens: fast,
            offsets: Some(offsets),
        }) = fast::tokenize(text)
        else {
            return false;
        };
        let slow = lex_sqlparser(text, Origin::At(0))
            .unwrap_or_else(|e| panic!("fast read what sqlparser rejects: {text:?} {e:?}"));
        assert_eq!(fast.len(), slow.len(), "{text:?}\n{fast:?}\n{slow:?}");
        let mut m = LocMapper::new(text);
        for ((f, s), &(start, end)) in fast.iter().zip(&slow).zip(&offsets) {
            // `TokenWithSpan`'s equality ignores the span: compare both.
            assert_eq!(f.token, s.token, "{text:?}");
            assert_eq!(f.span, s.span, "{text:?} {:?}", f.token);
            assert_eq!(
                (m.local(s.span.start), m.local(s.span.end)),
                (start, end),
                "{text:?} {:?}",
                f.token
            );
        }
        true
    }

    /// Every `.sql` file under `dir`, recursively.
    fn sql_files(dir: &std::path::Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                sql_files(&path, out);
            } else if path.extension().is_some_and(|x| x == "sql")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.push(text);
            }
        }
    }

    /// How many of the statements of `files` (as `convert` sees them) the fast tokenizer read,
    /// of how many; their dollar-quoted bodies and the whole files are compared too.
    fn read_of(files: &[String]) -> (usize, usize) {
        let (mut read, mut total) = (0, 0);
        for text in files {
            for s in crate::syntax::split::split(text).statements {
                let stmt = &text[s.span.range()];
                total += 1;
                read += usize::from(same_as_sqlparser(stmt));
                for t in crate::syntax::split::Lexer::new(stmt, false) {
                    if t.kind == crate::syntax::split::TokenKind::DollarString {
                        same_as_sqlparser(stmt[t.span.range()].trim_matches('$'));
                    }
                }
            }
            same_as_sqlparser(text);
        }
        (read, total)
    }

    #[test]
    fn fast_tokens_are_sqlparsers_on_real_and_generated_sql() {
        let mut files = Vec::new();
        sql_files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
            &mut files,
        );
        assert!(files.len() > 100, "fixtures not found");
        // The fast path must carry real SQL, or it is only a second tokenizer to keep.
        let (read, total) = read_of(&files);
        assert!(read * 100 > total * 95, "{read} of {total}");
        let generated: Vec<String> = generated::generate(300, 7)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        let (read, total) = read_of(&generated);
        assert_eq!(read, total);
    }

    #[test]
    fn fast_tokens_are_sqlparsers_on_tricky_and_random_text() {
        const PIECES: &[&str] = &[
            " ", "\n", "\r", "\r\n", "\t", "\x0b", "a", "Ab", "select", "SELECT", "e", "E", "n",
            "N", "x", "X", "b", "B", "u", "U", "q", "r", "_", "$", "$$", "$a$", "$1", "0", "1",
            "12", "0x", ".", "..", "_1", "e5", "L", "'", "''", "'x'", "\"", "\"\"", "\"q\"", "&",
            "U&", "--", "-", "->", "->>", "/*", "*/", "/", "*", "+", "=", "==", "=>", "<", "<=",
            "<>", "<=>", ">", ">=", ">>", "!", "!=", "!~", "|", "||", "||/", "::", ":", ":=", "%",
            "%%", "^", "#", "@", "@>", "~", "~*", "?", "`", ";", ",", "(", ")", "[", "]", "{", "}",
            "\\", "é", "日", "😀", "\u{a0}", "\u{feff}", "COPY", "FROM", "STDIN",
        ];
        let mut inputs: Vec<String> = [
            "CREATE TABLE t (id bigint PRIMARY KEY, \"Odd \"\"name\"\"\" text DEFAULT 'it''s')",
            "SELECT 1 FROM t WHERE a <= 2 AND b <> 3 AND c != 4 AND d || e = 'x' -- trailing",
            "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $b$ $body$ LANGUAGE sql",
            "SELECT $$a$$$, $$$a$$, $$$$, $$ é 日 $$, /* a /* nested */ comment */ 1",
            "SELECT 'é', \"日本\", x::text, y := 1, $1 + $2 % 3 / 4 * 5 - 6",
            "DO $$ BEGIN RAISE NOTICE 'x'; END $$",
            "SELECT 1.5, 1e5, .5, 0x1F, 1_000, 10L, E'\\n', N'x', X'1F', B'101', U&'x'",
            "SELECT a->>'b', a#>'{c}', a @> b, a <@ b, a ~ b, a !~* b, a ?| b",
            "COPY t FROM STDIN; 1\t2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut rng = generated::Rng(0x5EED);
        for _ in 0..20_000 {
            let n = rng.below(24);
            inputs.push((0..n).map(|_| rng.pick(PIECES)).collect());
        }
        inputs.extend(crate::syntax::split::tests::random_inputs(2000));
        inputs.extend(crate::syntax::split::tests::random_chars(2000));
        let read = inputs.iter().filter(|t| same_as_sqlparser(t)).count();
        assert!(read > 1000, "{read}");
    }

    #[test]
    fn keywords_are_sqlparsers() {
        use sqlparser::keywords::ALL_KEYWORDS;
        let keyword_of = |w: &str| match Token::make_word(w, None) {
            Token::Word(w) => w.keyword,
            _ => Keyword::NoKeyword,
        };
        for kw in ALL_KEYWORDS {
            for w in [
                kw.to_string(),
                kw.to_ascii_lowercase(),
                format!("{kw}x"),
                format!("_{kw}"),
            ] {
                assert_eq!(fast::keyword(&w), keyword_of(&w), "{w}");
            }
            let mut mixed = kw.to_ascii_lowercase();
            mixed.truncate(kw.len().saturating_sub(1));
            assert_eq!(fast::keyword(&mixed), keyword_of(&mixed), "{mixed}");
        }
        let long = "a".repeat(100);
        for w in ["", "x", "id", "users", "$", "a$b", long.as_str()] {
            assert_eq!(fast::keyword(w), keyword_of(w), "{w}");
        }
    }
}
