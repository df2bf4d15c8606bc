//! `ALTER SEQUENCE`, `ALTER TYPE` (attributes) and `ALTER DOMAIN`: what pg_dump and
//! `supabase db diff` write after creating them. Renames are [`rename_object`]'s, `OWNER TO`
//! is [`alter_owner`]'s, `ALTER TYPE … ADD VALUE` is sqlparser's.

use super::*;

/// After `ALTER SEQUENCE`: `[IF EXISTS] name` and its options (`OWNED BY t.c | NONE`,
/// `RESTART [WITH n]`, `INCREMENT BY n`, `AS type`, `[NO] CYCLE`, `SET LOGGED`, …).
pub(super) fn alter_sequence(c: &mut Cur) -> Option<Stmt> {
    let _ = c.kws(&["IF", "EXISTS"]);
    c.qname()?;
    if c.at_end() {
        return None;
    }
    while let Some(t) = c.peek() {
        if c.kws(&["OWNED", "BY"]) {
            if !c.kw("NONE") {
                // `table.column` or `schema.table.column`.
                c.qname()?;
            }
        } else if c.kws(&["OWNER", "TO"]) {
            c.ident()?;
        } else if c.kw("AS") {
            c.qname()?;
        } else if t.is_word() || matches!(t.token, Token::Number(..) | Token::Minus | Token::Plus) {
            c.bump();
        } else {
            // Sequence options have no punctuation: not a shape we know.
            c.doubt();
            c.bump();
        }
    }
    Some(other("ALTER SEQUENCE"))
}

/// After `ALTER TYPE`: `name` and attribute actions of a composite type (`ADD ATTRIBUTE a t`,
/// `DROP ATTRIBUTE [IF EXISTS] a`, `ALTER ATTRIBUTE a [SET DATA] TYPE t`, each with an optional
/// `CASCADE`/`RESTRICT`, comma separated; `RENAME ATTRIBUTE a TO b`).
pub(super) fn alter_type(c: &mut Cur) -> Option<Stmt> {
    c.qname()?;
    if c.kws(&["RENAME", "ATTRIBUTE"]) {
        c.ident()?;
        if !c.kw("TO") {
            return None;
        }
        c.ident()?;
        let _ = c.kw("CASCADE") || c.kw("RESTRICT");
        return complete(c, other("ALTER TYPE"));
    }
    let rest = c.rest();
    if !(c.peek_kws(&["ADD", "ATTRIBUTE"])
        || c.peek_kws(&["DROP", "ATTRIBUTE"])
        || c.peek_kws(&["ALTER", "ATTRIBUTE"]))
    {
        return None;
    }
    for (s, e) in split_top(rest) {
        let mut a = c.over(rest.get(s..e).unwrap_or(&[]));
        if a.kws(&["ADD", "ATTRIBUTE"]) {
            a.ident()?;
            attribute_type(&mut a)?;
        } else if a.kws(&["DROP", "ATTRIBUTE"]) {
            let _ = a.kws(&["IF", "EXISTS"]);
            a.ident()?;
        } else if a.kws(&["ALTER", "ATTRIBUTE"]) {
            a.ident()?;
            let _ = a.kws(&["SET", "DATA"]);
            if !a.kw("TYPE") {
                return None;
            }
            attribute_type(&mut a)?;
        } else {
            return None;
        }
        let _ = a.kw("CASCADE") || a.kw("RESTRICT");
        if !a.at_end() {
            a.doubt();
        }
    }
    Some(other("ALTER TYPE"))
}

/// A type up to `COLLATE`, `CASCADE`, `RESTRICT` or the end; then the collation.
fn attribute_type(c: &mut Cur) -> Option<()> {
    let start = c.pos;
    while let Some(t) = c.peek() {
        if t.is_kw("COLLATE") || t.is_kw("CASCADE") || t.is_kw("RESTRICT") {
            break;
        }
        if c.group().is_none() {
            c.bump();
        }
    }
    let toks = c.toks.get(start..c.pos)?;
    if toks.is_empty() {
        return None;
    }
    if !plausible_type(toks) {
        c.doubt();
    }
    if c.kw("COLLATE") {
        c.qname()?;
    }
    Some(())
}

/// After `ALTER DOMAIN`: `name` and one action (`SET DEFAULT expr`, `DROP DEFAULT`,
/// `SET|DROP NOT NULL`, `ADD [CONSTRAINT n] CHECK (…) [NOT VALID]`, `DROP CONSTRAINT [IF EXISTS]
/// n [CASCADE|RESTRICT]`, `VALIDATE CONSTRAINT n`).
pub(super) fn alter_domain(c: &mut Cur) -> Option<Stmt> {
    c.qname()?;
    if c.kws(&["SET", "DEFAULT"]) {
        // The default is an expression: at least one token.
        c.bump()?;
        while c.bump().is_some() {}
    } else if c.kws(&["DROP", "DEFAULT"])
        || c.kws(&["SET", "NOT", "NULL"])
        || c.kws(&["DROP", "NOT", "NULL"])
    {
    } else if c.kw("ADD") {
        if c.kw("CONSTRAINT") {
            c.ident()?;
        }
        if c.kw("CHECK") {
            c.group()?;
        } else if !c.kws(&["NOT", "NULL"]) {
            return None;
        }
        let _ = c.kws(&["NOT", "VALID"]);
    } else if c.kws(&["DROP", "CONSTRAINT"]) {
        let _ = c.kws(&["IF", "EXISTS"]);
        c.ident()?;
        let _ = c.kw("CASCADE") || c.kw("RESTRICT");
    } else if c.kws(&["VALIDATE", "CONSTRAINT"]) {
        c.ident()?;
    } else {
        return None;
    }
    complete(c, other("ALTER DOMAIN"))
}
