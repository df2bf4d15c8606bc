//! Objects other than tables, indexes, policies and publications: `CREATE SCHEMA | EXTENSION |
//! SEQUENCE | FUNCTION | PROCEDURE | VIEW | TRIGGER | TYPE | DOMAIN`, their renames, and `DO`.

use sqlparser::tokenizer::Token;

use super::*;

/// `ALTER INDEX|VIEW|MATERIALIZED VIEW|SEQUENCE|TYPE|DOMAIN|SCHEMA [IF EXISTS] name RENAME TO new`
/// or `… SET SCHEMA s`, and nothing else (`RENAME VALUE`, `OWNER TO`, … are not name changes).
pub(super) fn rename_object(c: &mut Cur) -> Option<RenameObject> {
    let kind = if c.kw("INDEX") {
        ObjectKind::Index
    } else if c.kw("VIEW") {
        ObjectKind::View
    } else if c.kws(&["MATERIALIZED", "VIEW"]) {
        ObjectKind::MaterializedView
    } else if c.kw("SEQUENCE") {
        ObjectKind::Sequence
    } else if c.kw("TYPE") {
        ObjectKind::Type
    } else if c.kw("DOMAIN") {
        ObjectKind::Domain
    } else if c.kw("SCHEMA") {
        ObjectKind::Schema
    } else {
        return None;
    };
    let if_exists = c.kws(&["IF", "EXISTS"]);
    let name = if kind == ObjectKind::Schema {
        QualifiedName {
            schema: None,
            name: c.ident()?,
        }
    } else {
        c.qname()?
    };
    let to = if c.kws(&["RENAME", "TO"]) {
        RenameTarget::Name(c.ident()?)
    } else if c.kws(&["SET", "SCHEMA"]) && kind != ObjectKind::Schema {
        RenameTarget::Schema(c.ident()?)
    } else {
        return None;
    };
    if !c.at_end() {
        return None;
    }
    Some(RenameObject {
        kind,
        name,
        if_exists,
        to,
    })
}

pub(super) fn do_stmt(c: &mut Cur) -> Option<Stmt> {
    while let Some(t) = c.bump() {
        match &t.token {
            Token::DollarQuotedString(d) => {
                let delim = d.tag.as_ref().map_or(0, String::len) + 2;
                let (s, e) = (t.span.start + delim, t.span.end.saturating_sub(delim));
                return Some(Stmt::Do {
                    body: Span::new(s, e.max(s)),
                });
            }
            Token::SingleQuotedString(_) | Token::EscapedStringLiteral(_) => {
                let s = t.span.start
                    + if matches!(t.token, Token::EscapedStringLiteral(_)) {
                        2
                    } else {
                        1
                    };
                let e = t.span.end.saturating_sub(1).max(s);
                return Some(Stmt::Do {
                    body: Span::new(s, e),
                });
            }
            _ => {}
        }
    }
    None
}

pub(super) fn create_schema(c: &mut Cur) -> Option<Stmt> {
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let _ = c.kw("AUTHORIZATION");
    let name = c.ident()?;
    Some(Stmt::CreateSchema {
        name,
        if_not_exists,
    })
}

pub(super) fn create_extension(c: &mut Cur) -> Option<Stmt> {
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let name = c.ident()?;
    let _ = c.kw("WITH");
    let schema = if c.kw("SCHEMA") { c.ident() } else { None };
    Some(Stmt::CreateExtension {
        name,
        if_not_exists,
        schema,
    })
}

/// `CREATE|ALTER ROLE|USER|GROUP name [WITH] option …`: the name, and the literal after
/// `PASSWORD` (`ENCRYPTED PASSWORD 'x'` too; `PASSWORD NULL` is no password).
pub(super) fn role(c: &mut Cur) -> Option<Stmt> {
    if c.peek_kw("MAPPING") {
        return None;
    }
    let name = c.ident()?;
    let mut password = None;
    while let Some(t) = c.bump() {
        if t.is_kw("PASSWORD")
            && let Some(lit) = c.peek()
            && matches!(
                lit.token,
                Token::SingleQuotedString(_) | Token::EscapedStringLiteral(_)
            )
        {
            password = Some(lit.span);
        }
    }
    Some(Stmt::Role { name, password })
}

pub(super) fn create_sequence(c: &mut Cur) -> Option<Stmt> {
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let name = c.qname()?;
    Some(Stmt::CreateSequence {
        name,
        if_not_exists,
    })
}

/// After `FUNCTION`/`PROCEDURE`; the kind words start at token `kind_at`.
pub(super) fn create_function(
    c: &mut Cur,
    or_replace: bool,
    kind: ObjectKind,
    kind_at: usize,
) -> Option<Stmt> {
    let keywords = c.create_keywords(kind_at);
    let name = c.qname()?;
    let attrs = super::privilege::function_attrs(c);
    Some(Stmt::CreateFunction {
        name,
        or_replace,
        kind,
        keywords,
        attrs,
    })
}

pub(super) fn create_view(
    c: &mut Cur,
    or_replace: bool,
    materialized: bool,
    kind_at: usize,
) -> Option<Stmt> {
    let keywords = c.create_keywords(kind_at);
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let name = c.qname()?;
    let view = super::privilege::view_facts(c);
    Some(Stmt::CreateView {
        name,
        or_replace,
        materialized,
        if_not_exists,
        keywords,
        view,
    })
}

/// After `[CONSTRAINT] TRIGGER`; the kind words start at token `kind_at`.
pub(super) fn create_trigger(
    c: &mut Cur,
    or_replace: bool,
    constraint: bool,
    kind_at: usize,
) -> Option<Stmt> {
    let keywords = c.create_keywords(kind_at);
    let name = c.ident()?;
    // The table follows the first `ON` at depth 0 (events come before it).
    while !c.at_end() {
        if c.group().is_some() {
            continue;
        }
        if c.kw("ON") {
            let table = c.qname()?;
            return Some(Stmt::CreateTrigger {
                name,
                table,
                or_replace,
                constraint,
                keywords,
            });
        }
        c.bump();
    }
    None
}

/// After `TYPE`/`DOMAIN`; the kind word is token `kind_at`.
pub(super) fn create_type(c: &mut Cur, kind: ObjectKind, kind_at: usize) -> Option<Stmt> {
    let keywords = c.create_keywords(kind_at);
    let name = c.qname()?;
    Some(Stmt::CreateType {
        name,
        kind,
        keywords,
    })
}

/// After `CREATE EVENT TRIGGER`: `name ON event [WHEN TAG IN ('…', …) [AND …]] EXECUTE
/// {FUNCTION | PROCEDURE} f()`.
pub(super) fn create_event_trigger(c: &mut Cur) -> Option<Stmt> {
    c.ident()?;
    if !c.kw("ON") {
        return None;
    }
    c.ident()?;
    if c.kw("WHEN") {
        loop {
            c.ident()?;
            if !c.kw("IN") {
                return None;
            }
            let (s, e) = c.group()?;
            for (a, b) in split_top(c.toks.get(s..e).unwrap_or(&[])) {
                match c.toks.get(s + a..s + b) {
                    Some([one]) if is_string(one) => {}
                    _ => return None,
                }
            }
            if !c.kw("AND") {
                break;
            }
        }
    }
    if !c.kw("EXECUTE") || !(c.kw("FUNCTION") || c.kw("PROCEDURE")) {
        return None;
    }
    c.qname()?;
    c.group()?;
    complete(c, other("CREATE EVENT TRIGGER"))
}

/// After `ALTER EVENT TRIGGER`: `name DISABLE | ENABLE [REPLICA | ALWAYS]` (`OWNER TO` and
/// `RENAME TO` are read elsewhere).
pub(super) fn alter_event_trigger(c: &mut Cur) -> Option<Stmt> {
    c.ident()?;
    if c.kw("ENABLE") {
        let _ = c.kw("REPLICA") || c.kw("ALWAYS");
    } else if c.kws(&["RENAME", "TO"]) {
        c.ident()?;
    } else if !c.kw("DISABLE") {
        return None;
    }
    complete(c, other("ALTER EVENT TRIGGER"))
}

/// After `CREATE STATISTICS`: `[IF NOT EXISTS] [name] [(kinds)] ON columns-or-expressions FROM
/// table`.
pub(super) fn create_statistics(c: &mut Cur) -> Option<Stmt> {
    let _ = c.kws(&["IF", "NOT", "EXISTS"]);
    if !c.peek_kw("ON") && !c.peek_tok(&Token::LParen) {
        c.qname()?;
    }
    let _ = c.group();
    if !c.kw("ON") {
        return None;
    }
    // The statistics' columns or expressions: at least one, up to FROM at depth 0.
    let start = c.pos;
    while !c.at_end() && !c.peek_kw("FROM") {
        if c.group().is_none() {
            c.bump();
        }
    }
    if c.pos == start || !c.kw("FROM") {
        return None;
    }
    c.qname()?;
    complete(c, other("CREATE STATISTICS"))
}

/// After `ALTER STATISTICS`: `name SET STATISTICS n` (`OWNER TO`, `RENAME TO` and `SET SCHEMA`
/// are read elsewhere).
pub(super) fn alter_statistics(c: &mut Cur) -> Option<Stmt> {
    c.qname()?;
    if c.kws(&["RENAME", "TO"]) || c.kws(&["SET", "SCHEMA"]) {
        c.ident()?;
    } else if c.kws(&["SET", "STATISTICS"]) {
        let _ = c.eat(&Token::Minus);
        c.bump()
            .filter(|t| matches!(t.token, Token::Number(..)) || t.is_kw("DEFAULT"))?;
    } else {
        return None;
    }
    complete(c, other("ALTER STATISTICS"))
}

/// After `ALTER INDEX`: `name ATTACH PARTITION index` (pg_dump writes it for every partition of
/// a partitioned index). Renames are [`rename_object`]'s.
pub(super) fn alter_index(c: &mut Cur) -> Option<Stmt> {
    let _ = c.kws(&["IF", "EXISTS"]);
    c.qname()?;
    if !c.kws(&["ATTACH", "PARTITION"]) {
        return None;
    }
    c.qname()?;
    complete(c, other("ALTER INDEX"))
}
