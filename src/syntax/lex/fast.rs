//! A fast path for sqlparser's tokenizer: the same tokens (value for value, location for
//! location) for the text migrations are made of, and `None` for anything else, which then goes
//! to sqlparser's own tokenizer. sqlparser's tokenizer reads a `Peekable<Chars>`, builds every
//! word a char at a time and binary-searches ~1,000 keywords per word: it was a third of the cost
//! of parsing a file. This one slices words out of the text and hashes keywords.
//!
//! What it reads (everything else answers `None`):
//! - whitespace `' '`, `\t`, `\n`, `\r`, `\r\n`; `-- …` and (nested) `/* … */` comments;
//! - ASCII words not followed by `'`, `"` or `&` (so `E'…'`, `N'…'`, `X'…'`, `B'…'`, `U&'…'`
//!   and non-ASCII identifiers go to sqlparser);
//! - `"quoted"` identifiers and `'strings'` (doubled quotes unescaped, any UTF-8 inside),
//!   `$$…$$` / `$tag$…$tag$` strings and `$n` placeholders;
//! - integers not followed by `.`, `_`, an exponent, a radix or `L`;
//! - `( ) , . [ ] { } + * / :: : := = <> != < > <= >= || % - -> ->> ~ ~*`, each only when no
//!   further operator character follows (sqlparser would read a custom operator).
//!
//! No `;`: sqlparser's `COPY … FROM STDIN` handling starts at one.
//!
//! The differential tests in `lex.rs` compare both tokenizers on corpora and random text.

use std::sync::OnceLock;

use super::Lexed;

use sqlparser::ast::DollarQuotedString;
use sqlparser::keywords::{ALL_KEYWORDS, ALL_KEYWORDS_INDEX, Keyword};
use sqlparser::tokenizer::{Location, Span as SqlSpan, Token, TokenWithSpan, Whitespace, Word};

/// Tokens of `text` with their byte ranges, or `None` when the text needs sqlparser's tokenizer.
pub(super) fn tokenize(text: &str) -> Option<Lexed> {
    let b = text.as_bytes();
    let n = b.len();
    let mut tokens = Vec::with_capacity(n / 3 + 1);
    let mut offsets = Vec::with_capacity(n / 3 + 1);
    let at = |k: usize| b.get(k).copied();
    let mut i = 0;
    let mut line: u64 = 1;
    let mut col: u64 = 1;
    while i < n {
        let start = i;
        let c = b[i];
        let token = match c {
            b' ' => {
                i += 1;
                Token::Whitespace(Whitespace::Space)
            }
            b'\t' => {
                i += 1;
                Token::Whitespace(Whitespace::Tab)
            }
            b'\n' => {
                i += 1;
                Token::Whitespace(Whitespace::Newline)
            }
            b'\r' => {
                i += 1;
                if at(i) == Some(b'\n') {
                    i += 1;
                }
                Token::Whitespace(Whitespace::Newline)
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let mut j = i + 1;
                while j < n && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'$') {
                    j += 1;
                }
                // A prefixed string (`E'…'`, `U&'…'`, …) or a non-ASCII identifier character.
                if j < n && (matches!(b[j], b'\'' | b'"' | b'&') || b[j] >= 0x80) {
                    return None;
                }
                i = j;
                let value = &text[start..j];
                Token::Word(Word {
                    keyword: keyword(value),
                    value: value.to_string(),
                    quote_style: None,
                })
            }
            b'"' => {
                let (value, end) = quoted(text, i, b'"')?;
                i = end;
                Token::Word(Word {
                    value,
                    quote_style: Some('"'),
                    keyword: Keyword::NoKeyword,
                })
            }
            b'\'' => {
                let (value, end) = quoted(text, i, b'\'')?;
                i = end;
                Token::SingleQuotedString(value)
            }
            b'$' => {
                let (token, end) = dollar(text, i)?;
                i = end;
                token
            }
            b'0'..=b'9' => {
                let mut j = i + 1;
                while j < n && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j < n
                    && matches!(
                        b[j],
                        b'_' | b'.' | b'e' | b'E' | b'L' | b'x' | b'X' | b'o' | b'O' | b'b' | b'B'
                    )
                {
                    return None;
                }
                i = j;
                Token::Number(text[start..j].to_string(), false)
            }
            b'.' => {
                if at(i + 1).is_some_and(|c| c.is_ascii_digit() || c == b'_') {
                    return None;
                }
                i += 1;
                Token::Period
            }
            b'(' => single(&mut i, Token::LParen),
            b')' => single(&mut i, Token::RParen),
            b',' => single(&mut i, Token::Comma),
            b'[' => single(&mut i, Token::LBracket),
            b']' => single(&mut i, Token::RBracket),
            b'{' => single(&mut i, Token::LBrace),
            b'}' => single(&mut i, Token::RBrace),
            b'+' => single(&mut i, Token::Plus),
            b'*' => single(&mut i, Token::Mul),
            b'=' => {
                if matches!(at(i + 1), Some(b'>' | b'=')) {
                    return None;
                }
                single(&mut i, Token::Eq)
            }
            b':' => match at(i + 1) {
                Some(b':') => {
                    i += 2;
                    Token::DoubleColon
                }
                Some(b'=') => {
                    i += 2;
                    Token::Assignment
                }
                _ => single(&mut i, Token::Colon),
            },
            b'-' => match at(i + 1) {
                Some(b'-') => {
                    let mut j = i + 2;
                    while j < n && b[j] != b'\n' && b[j] != b'\r' {
                        j += 1;
                    }
                    let comment = text[i + 2..j].to_string();
                    i = j;
                    Token::Whitespace(Whitespace::SingleLineComment {
                        comment,
                        prefix: "--".to_owned(),
                    })
                }
                Some(b'>') => match (at(i + 2), at(i + 3)) {
                    (Some(b'>'), next) if !next.is_some_and(is_operator_part) => {
                        i += 3;
                        Token::LongArrow
                    }
                    (next, _) if !next.is_some_and(is_operator_part) => {
                        i += 2;
                        Token::Arrow
                    }
                    _ => return None,
                },
                Some(c) if is_operator_part(c) => return None,
                _ => single(&mut i, Token::Minus),
            },
            b'/' => {
                if at(i + 1) == Some(b'*') {
                    let end = block_comment_end(b, i)?;
                    let comment = text[i + 2..end - 2].to_string();
                    i = end;
                    Token::Whitespace(Whitespace::MultiLineComment(comment))
                } else {
                    single(&mut i, Token::Div)
                }
            }
            b'<' => match (at(i + 1), at(i + 2)) {
                (Some(b'='), next) if !next.is_some_and(is_operator_part) => {
                    i += 2;
                    Token::LtEq
                }
                (Some(b'>'), next) if !next.is_some_and(is_operator_part) => {
                    i += 2;
                    Token::Neq
                }
                (next, _) if !next.is_some_and(is_operator_part) => single(&mut i, Token::Lt),
                _ => return None,
            },
            b'>' => match (at(i + 1), at(i + 2)) {
                (Some(b'='), next) if !next.is_some_and(is_operator_part) => {
                    i += 2;
                    Token::GtEq
                }
                (next, _) if !next.is_some_and(is_operator_part) => single(&mut i, Token::Gt),
                _ => return None,
            },
            b'!' if at(i + 1) == Some(b'=') => {
                i += 2;
                Token::Neq
            }
            b'|' if at(i + 1) == Some(b'|') && !at(i + 2).is_some_and(is_operator_part) => {
                i += 2;
                Token::StringConcat
            }
            b'~' => match (at(i + 1), at(i + 2)) {
                (Some(b'*'), next) if !next.is_some_and(is_operator_part) => {
                    i += 2;
                    Token::TildeAsterisk
                }
                (next, _) if !next.is_some_and(is_operator_part) => single(&mut i, Token::Tilde),
                _ => return None,
            },
            b'%' if !at(i + 1).is_some_and(is_operator_part) => single(&mut i, Token::Mod),
            _ => return None,
        };
        let start_loc = Location::new(line, col);
        // sqlparser counts characters (not bytes) per line; only `\n` starts a line.
        for &byte in &b[start..i] {
            if byte == b'\n' {
                line += 1;
                col = 1;
            } else if byte & 0xC0 != 0x80 {
                col += 1;
            }
        }
        tokens.push(TokenWithSpan {
            token,
            span: SqlSpan::new(start_loc, Location::new(line, col)),
        });
        offsets.push((start, i));
    }
    Some(Lexed {
        tokens,
        offsets: Some(offsets),
    })
}

fn single(i: &mut usize, token: Token) -> Token {
    *i += 1;
    token
}

/// What PostgreSQL's dialect of sqlparser reads as part of a custom operator.
fn is_operator_part(c: u8) -> bool {
    matches!(
        c,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'='
            | b'~'
            | b'!'
            | b'@'
            | b'#'
            | b'%'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
    )
}

/// A `quote`-delimited token starting at `open`: its value (a doubled quote is one) and the
/// byte after its closing quote; `None` when unterminated.
fn quoted(text: &str, open: usize, quote: u8) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let mut value = String::new();
    let mut seg = open + 1;
    let mut j = seg;
    loop {
        let k = j + b.get(j..)?.iter().position(|&c| c == quote)?;
        if b.get(k + 1) == Some(&quote) {
            // `''`: one quote in the value.
            value.push_str(&text[seg..=k]);
            j = k + 2;
            seg = j;
        } else {
            value.push_str(&text[seg..k]);
            return Some((value, k + 1));
        }
    }
}

/// `$$…$$`, `$tag$…$tag$` or a `$name` placeholder starting at `open`, and the byte after it.
fn dollar(text: &str, open: usize) -> Option<(Token, usize)> {
    let b = text.as_bytes();
    if b.get(open + 1) == Some(&b'$') {
        let body = open + 2;
        let end = body + text.get(body..)?.find("$$")?;
        let token = Token::DollarQuotedString(DollarQuotedString {
            value: text[body..end].to_string(),
            tag: None,
        });
        return Some((token, end + 2));
    }
    let mut j = open + 1;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        j += 1;
    }
    // sqlparser's tag is alphanumeric in the Unicode sense.
    if b.get(j).is_some_and(|&c| c >= 0x80) {
        return None;
    }
    let tag = &text[open + 1..j];
    if b.get(j) != Some(&b'$') {
        return Some((Token::Placeholder(format!("${tag}")), j));
    }
    let delimiter = format!("${tag}$");
    let body = j + 1;
    let end = body + text.get(body..)?.find(&delimiter)?;
    let token = Token::DollarQuotedString(DollarQuotedString {
        value: text[body..end].to_string(),
        tag: Some(tag.to_string()),
    });
    Some((token, end + delimiter.len()))
}

/// The byte after the `*/` closing the (nested) block comment that opens at `open`.
fn block_comment_end(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 1usize;
    let mut j = open + 2;
    while j < b.len() {
        match (b[j], b.get(j + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                j += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => j += 1,
        }
    }
    None
}

/// The longest keyword sqlparser knows (no longer word can be one).
const MAX_KEYWORD: usize = 64;

/// sqlparser's keyword of an unquoted word (case-insensitive, exact), as `Token::make_word`
/// finds it by binary search, from an open-addressing hash table of `ALL_KEYWORDS`.
pub(super) fn keyword(word: &str) -> Keyword {
    let w = word.as_bytes();
    if w.len() > MAX_KEYWORD {
        return Keyword::NoKeyword;
    }
    let mut upper = [0u8; MAX_KEYWORD];
    let upper = &mut upper[..w.len()];
    for (u, c) in upper.iter_mut().zip(w) {
        *u = c.to_ascii_uppercase();
    }
    let table = table();
    let mut slot = hash(upper) as usize & table.mask;
    loop {
        match table.slots[slot] {
            u16::MAX => return Keyword::NoKeyword,
            k => {
                let k = usize::from(k);
                if ALL_KEYWORDS.get(k).is_some_and(|kw| kw.as_bytes() == upper) {
                    return ALL_KEYWORDS_INDEX
                        .get(k)
                        .copied()
                        .unwrap_or(Keyword::NoKeyword);
                }
            }
        }
        slot = (slot + 1) & table.mask;
    }
}

struct Table {
    /// Index into `ALL_KEYWORDS`, `u16::MAX` for an empty slot.
    slots: Vec<u16>,
    mask: usize,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let size = (ALL_KEYWORDS.len() * 4).next_power_of_two();
        let mask = size - 1;
        let mut slots = vec![u16::MAX; size];
        for (k, kw) in ALL_KEYWORDS.iter().enumerate() {
            if kw.len() > MAX_KEYWORD {
                continue;
            }
            let mut slot = hash(kw.as_bytes()) as usize & mask;
            while slots[slot] != u16::MAX {
                slot = (slot + 1) & mask;
            }
            slots[slot] = u16::try_from(k).unwrap_or(u16::MAX);
        }
        Table { slots, mask }
    })
}

/// FNV-1a.
fn hash(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &c in bytes {
        h ^= u32::from(c);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}
