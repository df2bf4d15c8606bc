//! Column definitions: name, type text, column constraints and options.

use sqlparser::tokenizer::Token;

use super::*;

/// Words that start a column constraint (or column option) after the type.
pub(super) const COLUMN_OPTION_START: &[&str] = &[
    "CONSTRAINT",
    "NOT",
    "NULL",
    "DEFAULT",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "GENERATED",
    "COLLATE",
    "DEFERRABLE",
    "INITIALLY",
    "COMPRESSION",
    "STORAGE",
];

pub(super) fn is_option_start(t: &Tok) -> bool {
    COLUMN_OPTION_START.iter().any(|k| t.is_kw(k))
}

/// The type as written, normalised: unquoted words lower case, one space between words,
/// no spaces around punctuation (`varchar(255)`, `timestamp with time zone`, `text[]`).
pub(super) fn type_text(toks: &[Tok]) -> String {
    let mut out = String::new();
    let mut prev_word = false;
    for t in toks {
        let (text, word) = match &t.token {
            Token::Word(w) => match w.quote_style {
                None => (w.value.to_ascii_lowercase(), true),
                // `"uuid"` is `uuid`; `"MyType"` keeps its quotes.
                Some(_) => (quote_if_needed(&w.value), true),
            },
            Token::Number(n, _) => (n.clone(), true),
            other => (other.to_string(), false),
        };
        if prev_word && word {
            out.push(' ');
        }
        out.push_str(&text);
        // `timestamp(3) with time zone`: a word after `)` gets its space too.
        prev_word = word || matches!(t.token, Token::RParen);
    }
    out
}

/// Words that continue a multi-word type name (`double precision`, `character varying`,
/// `timestamp with time zone`, `interval day to second`).
pub(super) const TYPE_CONTINUATION: &[&str] = &[
    "PRECISION",
    "VARYING",
    "WITH",
    "WITHOUT",
    "TIME",
    "ZONE",
    "YEAR",
    "MONTH",
    "DAY",
    "HOUR",
    "MINUTE",
    "SECOND",
    "TO",
    "CHARACTER",
    "CHAR",
    "VARCHAR",
    "ARRAY",
];

/// Whether the tokens read as one type: a name, then only continuation words, `(…)`, `[…]`
/// and `.`-qualification at the top level.
pub(super) fn plausible_type(toks: &[Tok]) -> bool {
    let mut depth = 0i64;
    let mut prev_dot = true;
    for (i, t) in toks.iter().enumerate() {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Period => {
                prev_dot = true;
                continue;
            }
            Token::Word(_)
                if depth == 0
                    && i > 0
                    && !prev_dot
                    && !TYPE_CONTINUATION.iter().any(|k| t.is_kw(k)) =>
            {
                return false;
            }
            _ => {}
        }
        prev_dot = false;
    }
    true
}

/// A column definition: `name type [constraints…]`; the cursor covers exactly the element.
pub(super) fn column_def(mut c: Cur) -> Option<ColumnDef> {
    let start = c.pos;
    let name = c.ident()?;
    let type_start = c.pos;
    let mut depth = 0i64;
    while let Some(t) = c.peek() {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            _ if depth == 0 && is_option_start(t) => break,
            _ => {}
        }
        c.pos += 1;
    }
    let type_toks = c.toks.get(type_start..c.pos).unwrap_or(&[]);
    let data_type = type_text(type_toks);
    let data_type_span = match (type_toks.first(), type_toks.last()) {
        (Some(f), Some(l)) => f.span.cover(l.span),
        _ => Span::empty(name.span.end),
    };
    if type_toks.is_empty() || !plausible_type(type_toks) {
        c.doubt();
    }
    let mut not_null = false;
    let mut constraints = Vec::new();
    let mut default = None;
    let mut generated = None;
    while !c.at_end() {
        let seg = c.pos;
        let cname = if c.kw("CONSTRAINT") { c.ident() } else { None };
        // Options whose tail (an expression, `ON DELETE …`, `USING INDEX …`, `NO INHERIT`) is
        // skipped unread; after the others, only the next option may follow.
        let mut open_tail = false;
        let kind = if c.kws(&["NOT", "NULL"]) {
            not_null = true;
            None
        } else if c.kw("NULL") {
            None
        } else if c.kw("DEFAULT") {
            // The expression: at least one token, then up to the next option keyword.
            let expr_start = c.pos;
            if c.group().is_none() {
                c.bump();
            }
            skip_to_option(&mut c);
            default = default_expr(c.toks.get(expr_start..c.pos).unwrap_or(&[]));
            open_tail = true;
            None
        } else if c.kws(&["PRIMARY", "KEY"]) {
            open_tail = true;
            Some(ConstraintKind::PrimaryKey(vec![name.clone()]))
        } else if c.kw("UNIQUE") {
            if c.kw("NULLS") {
                let _ = c.kw("NOT");
                let _ = c.kw("DISTINCT");
            }
            open_tail = true;
            Some(ConstraintKind::Unique(vec![name.clone()]))
        } else if c.kw("REFERENCES") {
            open_tail = true;
            let fk = references(&mut c, vec![name.clone()]);
            if fk.is_none() {
                c.doubt();
            }
            fk.map(ConstraintKind::ForeignKey)
        } else if c.kw("CHECK") {
            let _ = c.group();
            open_tail = true;
            Some(ConstraintKind::Check)
        } else if c.kw("GENERATED") {
            let _ = c.kw("ALWAYS") || c.kws(&["BY", "DEFAULT"]);
            let _ = c.kw("AS");
            if c.kw("IDENTITY") {
                generated = Some(Generated::Identity);
            }
            let _ = c.group();
            if c.kw("STORED") {
                generated = Some(Generated::Stored);
            }
            let _ = c.kw("VIRTUAL");
            None
        } else if c.kw("COLLATE") {
            let _ = c.qname();
            None
        } else if c.kw("COMPRESSION") || c.kw("STORAGE") || c.kw("INITIALLY") {
            c.bump();
            None
        } else if c.kw("DEFERRABLE") || c.kws(&["NOT", "DEFERRABLE"]) {
            None
        } else {
            // Not a column option PostgreSQL has (or one we do not know): skip it, in doubt.
            c.doubt();
            if c.group().is_none() {
                c.bump();
            }
            None
        };
        if !open_tail && c.peek().is_some_and(|t| !is_option_start(t)) {
            c.doubt();
        }
        // Trailing `ON DELETE …`, `MATCH …`, `NO INHERIT`, `USING INDEX …` belong to this option.
        skip_to_option(&mut c);
        if let (Some(kind), Some(span)) = (kind, c.span_from(seg)) {
            constraints.push(TableConstraint {
                name: cname,
                kind,
                span,
                not_valid: false,
                using_index: None,
                check_not_null: None,
            });
        }
    }
    let span = c.span_from(start)?;
    Some(ColumnDef {
        name,
        data_type,
        data_type_span,
        not_null,
        constraints,
        default,
        generated,
        span,
    })
}

/// A `DEFAULT` expression's facts from its tokens.
pub(super) fn default_expr(toks: &[Tok]) -> Option<DefaultExpr> {
    let (first, last) = (toks.first()?, toks.last()?);
    let (volatility, function) = crate::syntax::volatility::classify(toks);
    let null = matches!(toks, [one] if one.is_kw("NULL"));
    Some(DefaultExpr {
        span: first.span.cover(last.span),
        volatility,
        function,
        null,
    })
}

/// Advance to the next column option keyword at depth 0 (`NOT` only when `NOT NULL`).
pub(super) fn skip_to_option(c: &mut Cur) {
    while let Some(t) = c.peek() {
        let starts = is_option_start(t)
            && !(t.is_kw("NOT") && c.peek_n(1).is_some_and(|n| !n.is_kw("NULL")))
            && !(t.is_kw("NULL")
                && c.pos > 0
                && c.toks.get(c.pos - 1).is_some_and(|p| p.is_kw("SET")))
            && !(t.is_kw("DEFAULT")
                && c.pos > 0
                && c.toks.get(c.pos - 1).is_some_and(|p| p.is_kw("SET")));
        if starts {
            return;
        }
        if c.group().is_none() {
            c.bump();
        }
    }
}
