//! `DROP <kind> …` and `TRUNCATE`.

use sqlparser::tokenizer::Token;

use super::*;

/// `DROP kind …`: the object kinds and how many words name them.
pub(super) const DROP_KINDS: &[(&[&str], ObjectKind)] = &[
    (&["TABLE"], ObjectKind::Table),
    (&["VIEW"], ObjectKind::View),
    (&["MATERIALIZED", "VIEW"], ObjectKind::MaterializedView),
    (&["INDEX"], ObjectKind::Index),
    (&["SCHEMA"], ObjectKind::Schema),
    (&["SEQUENCE"], ObjectKind::Sequence),
    (&["TYPE"], ObjectKind::Type),
    (&["DOMAIN"], ObjectKind::Domain),
    (&["FUNCTION"], ObjectKind::Function),
    (&["PROCEDURE"], ObjectKind::Procedure),
    (&["TRIGGER"], ObjectKind::Trigger),
    (&["POLICY"], ObjectKind::Policy),
    (&["EXTENSION"], ObjectKind::Extension),
    (&["PUBLICATION"], ObjectKind::Publication),
    (&["ROLE"], ObjectKind::Role),
    (&["USER", "MAPPING"], ObjectKind::Other),
    (&["USER"], ObjectKind::Role),
    (&["GROUP"], ObjectKind::Role),
    (&["FOREIGN", "TABLE"], ObjectKind::ForeignTable),
    (&["EVENT", "TRIGGER"], ObjectKind::Other),
    (&["AGGREGATE"], ObjectKind::Other),
    (&["ROUTINE"], ObjectKind::Other),
    (&["RULE"], ObjectKind::Other),
    (&["SERVER"], ObjectKind::Other),
    (&["COLLATION"], ObjectKind::Other),
    (&["STATISTICS"], ObjectKind::Other),
    (&["SUBSCRIPTION"], ObjectKind::Other),
    (&["CONVERSION"], ObjectKind::Other),
    (&["TABLESPACE"], ObjectKind::Tablespace),
    (&["DATABASE"], ObjectKind::Database),
];

pub(super) fn drop_stmt(c: &mut Cur) -> Option<Stmt> {
    let (words, kind) = DROP_KINDS.iter().find(|(w, _)| c.peek_kws(w))?;
    c.pos += words.len();
    let concurrently_kw = c.kw_span("CONCURRENTLY");
    let if_exists = c.kws(&["IF", "EXISTS"]);
    let mut names = Vec::new();
    let mut on_table = None;
    let single_ident = matches!(
        kind,
        ObjectKind::Schema | ObjectKind::Extension | ObjectKind::Publication | ObjectKind::Role
    );
    loop {
        let name = if single_ident {
            c.ident().map(|name| QualifiedName { schema: None, name })
        } else {
            c.qname()
        };
        names.extend(name);
        // Function argument lists.
        let _ = c.group();
        if c.kw("ON") {
            on_table = c.qname();
        }
        if !c.eat(&Token::Comma) {
            break;
        }
    }
    let cascade = c.kw("CASCADE");
    let _ = cascade || c.kw("RESTRICT");
    if names.is_empty() {
        return None;
    }
    if let Some(t) = c.peek() {
        // The kinds read fully here take nothing more: a PostgreSQL syntax error (often a
        // missing `;`). Other kinds have grammar we do not read: just doubt.
        if *kind != ObjectKind::Other {
            return Some(syntax_error((t.near(), t.span)));
        }
        c.doubt();
    }
    Some(Stmt::Drop(Drop {
        kind: *kind,
        names,
        on_table,
        if_exists,
        cascade,
        concurrently: concurrently_kw.is_some(),
        concurrently_kw,
    }))
}

pub(super) fn truncate(c: &mut Cur) -> Option<Stmt> {
    let _ = c.kw("TABLE");
    let tables = c.relation_list()?;
    let _ = c.kws(&["RESTART", "IDENTITY"]) || c.kws(&["CONTINUE", "IDENTITY"]);
    let cascade = c.kw("CASCADE");
    let _ = cascade || c.kw("RESTRICT");
    if let Some(t) = c.peek() {
        return Some(syntax_error((t.near(), t.span)));
    }
    Some(Stmt::Truncate { tables, cascade })
}
