//! `CREATE INDEX` and `REINDEX`.

use sqlparser::tokenizer::Token;

use super::*;

/// `SCHEMA`, `DATABASE` or `SYSTEM` as the object kind of a `REINDEX` (after its optional
/// parenthesised options).
/// The `CONCURRENTLY` of a `REINDEX`, as a keyword or an option; `REINDEX (CONCURRENTLY false)`
/// (or `off`, `0`) turns the option off.
pub(super) fn reindex_concurrently(toks: &[Tok]) -> Option<Span> {
    toks.iter().enumerate().find_map(|(i, t)| {
        let off = toks.get(i + 1).is_some_and(|n| {
            n.is_kw("FALSE") || n.is_kw("OFF") || matches!(n.token, Token::Number(v, _) if v == "0")
        });
        (t.is_kw("CONCURRENTLY") && !off).then_some(t.span)
    })
}

pub(super) fn reindex_many_tables(toks: &[Tok]) -> Option<&'static str> {
    let mut depth = 0usize;
    for t in toks.iter().skip(1) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            _ => {
                return ["SCHEMA", "DATABASE", "SYSTEM"]
                    .into_iter()
                    .find(|kw| t.is_kw(kw));
            }
        }
    }
    None
}

pub(super) fn create_index(c: &mut Cur) -> Option<CreateIndex> {
    let kind_at = c.pos;
    let unique = c.kw("UNIQUE");
    if !c.kw("INDEX") {
        return None;
    }
    let keywords = c.create_keywords(kind_at);
    let concurrently_kw = c.kw_span("CONCURRENTLY");
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let name = if c.peek_kw("ON") {
        None
    } else {
        Some(c.qname()?.name)
    };
    let on_kw = c.kw_span("ON")?;
    let _ = c.kw("ONLY");
    let table = c.qname()?;
    let _ = c.eat(&Token::Mul);
    let method = if c.kw("USING") {
        c.bump().and_then(ident_of).map(|m| m.value)
    } else {
        None
    };
    let (s, e) = c.group()?;
    let inner = c.slice(s, e);
    let columns = split_top(inner.toks)
        .into_iter()
        .filter_map(|(a, b)| {
            let el = inner.toks.get(a..b)?;
            let span = el.first()?.span.cover(el.last()?.span);
            let column = match el {
                [one] => ident_of(one),
                [first, second, ..] if first.is_word() && second.is_word() => ident_of(first),
                _ => None,
            };
            Some(IndexColumn { column, span })
        })
        .collect();
    let partial = has_top_kw(c.rest(), "WHERE");
    // What may follow the column list (a WHERE clause ends the check: its expression is free).
    let mut include = false;
    loop {
        include |= c.peek_kw("INCLUDE");
        if c.kw("INCLUDE") || c.kw("WITH") {
            if c.group().is_none() {
                c.doubt();
            }
        } else if c.kw("NULLS") {
            let _ = c.kw("NOT");
            let _ = c.kw("DISTINCT");
        } else if c.kw("TABLESPACE") {
            c.bump();
        } else {
            break;
        }
    }
    if !c.at_end() && !c.peek_kw("WHERE") {
        c.doubt();
    }
    Some(CreateIndex {
        name,
        table,
        columns,
        unique,
        concurrently: concurrently_kw.is_some(),
        concurrently_kw,
        keywords,
        on_kw,
        if_not_exists,
        partial,
        method,
        include,
    })
}
