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
    Some(Stmt::CreateExtension {
        name,
        if_not_exists,
    })
}

pub(super) fn create_sequence(c: &mut Cur) -> Option<Stmt> {
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let name = c.qname()?;
    Some(Stmt::CreateSequence {
        name,
        if_not_exists,
    })
}

pub(super) fn create_function(c: &mut Cur, or_replace: bool) -> Option<Stmt> {
    let name = c.qname()?;
    Some(Stmt::CreateFunction { name, or_replace })
}

pub(super) fn create_view(c: &mut Cur, or_replace: bool, materialized: bool) -> Option<Stmt> {
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let name = c.qname()?;
    Some(Stmt::CreateView {
        name,
        or_replace,
        materialized,
        if_not_exists,
    })
}

pub(super) fn create_trigger(c: &mut Cur, or_replace: bool) -> Option<Stmt> {
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
            });
        }
        c.bump();
    }
    None
}

pub(super) fn create_type(c: &mut Cur) -> Option<Stmt> {
    let name = c.qname()?;
    Some(Stmt::CreateType { name })
}
