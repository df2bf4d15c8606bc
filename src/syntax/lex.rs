//! sqlparser's tokenizer with FILE byte spans: the one tokenization of a statement, shared by the
//! sqlparser bridge (which gets the raw tokens) and the recognizers (which get the spans).

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Word};

use crate::source::Span;

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

/// Tokenize one statement (sqlparser's tokenizer, whitespace and comments included, locations
/// relative to `text`). The error carries the message and the file span where it happened.
pub(crate) fn lex(text: &str, origin: Origin) -> Result<Vec<TokenWithSpan>, (String, Span)> {
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

/// The significant tokens of `raw` with their file spans, borrowing the tokens.
pub(crate) fn significant<'a>(
    raw: &'a [TokenWithSpan],
    text: &str,
    origin: Origin,
) -> Vec<Tok<'a>> {
    let mut m = LocMapper::new(text);
    let mut toks = Vec::with_capacity(raw.len() / 2 + 1);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(String, Option<char>)> {
        lex(text, Origin::At(0))
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
}
