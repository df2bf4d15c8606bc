//! `CREATE PUBLICATION` and `ALTER PUBLICATION`: which tables and schemas they name.

use sqlparser::tokenizer::Token;

use super::*;

/// `TABLE [ONLY] a [*] [(cols)] [WHERE (…)], b, TABLES IN SCHEMA s, t` up to `WITH (…)`.
fn publication_objects(c: &mut Cur) -> PubObjects {
    let mut junk = None;
    let mut tables = Vec::new();
    let mut schemas = Vec::new();
    let mut in_schema_list = false;
    loop {
        if c.peek_kw("WITH") || c.at_end() {
            break;
        }
        if c.kws(&["TABLES", "IN", "SCHEMA"]) {
            in_schema_list = true;
        } else if c.kw("TABLE") {
            in_schema_list = false;
        }
        if in_schema_list {
            if let Some(s) = c.ident() {
                schemas.push(s);
            }
        } else {
            let _ = c.kw("ONLY");
            if let Some(t) = c.qname() {
                tables.push(t);
            }
            let _ = c.eat(&Token::Mul);
            let _ = c.group();
            if c.kw("WHERE") {
                let _ = c.group();
            }
        }
        // Only `,`, `WITH (…)` or the end may follow an object: PostgreSQL rejects anything
        // else (e.g. `ADD TABLE IF NOT EXISTS t`, which names a table "if").
        if !c.at_end() && !c.peek_tok(&Token::Comma) && !c.peek_kw("WITH") {
            junk.get_or_insert(c.peek().map(|t| (t.near(), t.span)));
            while !c.at_end() && !c.peek_tok(&Token::Comma) && !c.peek_kw("WITH") {
                if c.group().is_none() {
                    c.bump();
                }
            }
        }
        if !c.eat(&Token::Comma) {
            break;
        }
    }
    PubObjects {
        tables,
        schemas,
        junk: junk.flatten(),
    }
}

/// The objects of a publication statement, and the first token PostgreSQL would reject.
struct PubObjects {
    tables: Vec<QualifiedName>,
    schemas: Vec<Ident>,
    junk: Option<(String, Span)>,
}

pub(super) fn create_publication(c: &mut Cur) -> Option<Stmt> {
    let name = c.ident()?;
    let target = if c.kws(&["FOR", "ALL", "TABLES"]) {
        PublicationTarget::AllTables
    } else if c.kw("FOR") {
        let objects = publication_objects(c);
        if let Some(junk) = objects.junk {
            return Some(syntax_error(junk));
        }
        PublicationTarget::Objects {
            tables: objects.tables,
            schemas: objects.schemas,
        }
    } else {
        PublicationTarget::None
    };
    Some(Stmt::CreatePublication(CreatePublication { name, target }))
}

pub(super) fn alter_publication(c: &mut Cur) -> Option<Stmt> {
    let name = c.ident()?;
    let action = if c.kw("ADD") {
        PublicationAction::Add
    } else if c.kw("DROP") {
        PublicationAction::Drop
    } else if c.peek_kw("SET") && c.peek_n(1).is_none_or(|t| *t.token != Token::LParen) {
        c.bump();
        PublicationAction::Set
    } else {
        PublicationAction::Other
    };
    let (tables, schemas) = if action == PublicationAction::Other {
        (Vec::new(), Vec::new())
    } else {
        let objects = publication_objects(c);
        if let Some(junk) = objects.junk {
            return Some(syntax_error(junk));
        }
        (objects.tables, objects.schemas)
    };
    Some(Stmt::AlterPublication(AlterPublication {
        name,
        action,
        tables,
        schemas,
    }))
}
