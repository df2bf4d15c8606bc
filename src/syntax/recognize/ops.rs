//! Recognizers for the statements deploy-safety rules and `apply` need beyond DDL: session
//! settings (`SET`, `RESET`, `set_config(…)`), data changes (`INSERT`, `UPDATE`, `DELETE`),
//! table maintenance (`VACUUM FULL`, `CLUSTER`, `LOCK`, `REFRESH MATERIALIZED VIEW`) and
//! `ALTER TYPE … ADD VALUE`.

use sqlparser::tokenizer::Token;

use super::{Cur, has_top_kw};
use crate::syntax::lex::Tok;
use crate::syntax::model::ObjectKind;
use crate::syntax::model::*;

/// `SET …` (after the `SET` keyword). `None` for `SET TRANSACTION`, `SET CONSTRAINTS`,
/// `SET SESSION CHARACTERISTICS` (not parameters).
pub(super) fn set(c: &mut Cur) -> Option<Stmt> {
    let mut local = false;
    if c.kw("LOCAL") {
        local = true;
    } else if c.peek_kw("SESSION") && !c.peek_kws(&["SESSION", "AUTHORIZATION"]) {
        c.bump();
    }
    if c.peek_kw("TRANSACTION") || c.peek_kw("CONSTRAINTS") || c.peek_kw("CHARACTERISTICS") {
        return None;
    }
    let (name, value) = if c.kw("ROLE") {
        let v = value_list(c)?;
        let none = v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("none"));
        ("role".to_string(), if none { None } else { v })
    } else if c.kws(&["SESSION", "AUTHORIZATION"]) {
        ("session_authorization".to_string(), value_list(c)?)
    } else if c.kws(&["TIME", "ZONE"]) {
        let v = value_list(c)?;
        let local_zone = v
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("local"));
        ("timezone".to_string(), if local_zone { None } else { v })
    } else if c.kw("SCHEMA") {
        ("search_path".to_string(), value_list(c)?)
    } else if c.kw("NAMES") {
        ("client_encoding".to_string(), value_list(c)?)
    } else {
        let name = param_name(c)?;
        if !(c.kw("TO") || c.eat(&Token::Eq)) {
            return None;
        }
        (name, value_list(c)?)
    };
    Some(Stmt::Session(SessionSetting {
        name,
        value,
        local,
        function: false,
    }))
}

/// `RESET name | ALL | ROLE | SESSION AUTHORIZATION | TIME ZONE` (after `RESET`).
pub(super) fn reset(c: &mut Cur) -> Option<Stmt> {
    let name = if c.kws(&["SESSION", "AUTHORIZATION"]) {
        "session_authorization".to_string()
    } else if c.kws(&["TIME", "ZONE"]) {
        "timezone".to_string()
    } else {
        param_name(c)?
    };
    if !c.at_end() {
        return None;
    }
    Some(Stmt::Session(SessionSetting {
        name,
        value: None,
        local: false,
        function: false,
    }))
}

/// A parameter name, lower case; custom ones are dotted (`app.settings.jwt_secret`).
fn param_name(c: &mut Cur) -> Option<String> {
    let mut name = c.ident()?.value.to_ascii_lowercase();
    while c.eat(&Token::Period) {
        name.push('.');
        name.push_str(&c.ident()?.value.to_ascii_lowercase());
    }
    Some(name)
}

/// The rest of the statement as a value list; `None` inside for `DEFAULT`. The outer `None`:
/// not something a value can be (PostgreSQL would reject it; let sqlparser speak).
fn value_list(c: &mut Cur) -> Option<Option<String>> {
    if c.kw("DEFAULT") {
        return c.at_end().then_some(None);
    }
    let mut parts = Vec::new();
    let mut current = String::new();
    while let Some(t) = c.bump() {
        match t.token {
            Token::Comma => parts.push(std::mem::take(&mut current)),
            Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s) => current.push_str(s),
            Token::Word(w) => current.push_str(&w.value),
            Token::Number(n, _) => current.push_str(n),
            Token::Minus => current.push('-'),
            Token::Period => current.push('.'),
            _ => return None,
        }
    }
    parts.push(current);
    if parts.iter().all(String::is_empty) {
        return None;
    }
    Some(Some(parts.join(", ")))
}

/// `SELECT [pg_catalog.]set_config('name', 'value' | NULL, true | false)` and nothing else.
pub(super) fn select_set_config(c: &mut Cur) -> Option<Stmt> {
    if c.peek_kw("PG_CATALOG") && c.peek_n(1).is_some_and(|t| *t.token == Token::Period) {
        c.pos += 2;
    }
    if !c.kw("SET_CONFIG") {
        return None;
    }
    let (s, e) = c.group()?;
    if !c.at_end() {
        return None;
    }
    let args = c.slice(s, e);
    let [name, _, value, _, local]: &[Tok] = args.toks else {
        return None;
    };
    let string = |t: &Tok| match t.token {
        Token::SingleQuotedString(s) => Some(s.clone()),
        _ => None,
    };
    let name = string(name)?.to_ascii_lowercase();
    let value = if value.is_kw("NULL") {
        None
    } else {
        Some(string(value)?)
    };
    let local = if local.is_kw("TRUE") {
        true
    } else if local.is_kw("FALSE") {
        false
    } else {
        return None;
    };
    Some(Stmt::Session(SessionSetting {
        name,
        value,
        local,
        function: true,
    }))
}

/// `UPDATE [ONLY] t …` (after `UPDATE`).
pub(super) fn update(c: &mut Cur) -> Option<Stmt> {
    let _ = c.kw("ONLY");
    let table = c.qname()?;
    c.doubt();
    Some(Stmt::DataChange(DataChange {
        kind: DataChangeKind::Update,
        table,
        filtered: has_top_kw(c.rest(), "WHERE"),
    }))
}

/// `DELETE FROM [ONLY] t …` (after `DELETE`).
pub(super) fn delete(c: &mut Cur) -> Option<Stmt> {
    if !c.kw("FROM") {
        return None;
    }
    let _ = c.kw("ONLY");
    let table = c.qname()?;
    c.doubt();
    Some(Stmt::DataChange(DataChange {
        kind: DataChangeKind::Delete,
        table,
        filtered: has_top_kw(c.rest(), "WHERE"),
    }))
}

/// `INSERT INTO t …` (after `INSERT`).
pub(super) fn insert(c: &mut Cur) -> Option<Stmt> {
    if !c.kw("INTO") {
        return None;
    }
    let table = c.qname()?;
    c.doubt();
    Some(Stmt::DataChange(DataChange {
        kind: DataChangeKind::Insert,
        table,
        filtered: false,
    }))
}

/// `VACUUM …` (after `VACUUM`): `VACUUM FULL` (or `VACUUM (FULL [true]) …`) with its tables;
/// any other vacuum is plain [`Stmt::Vacuum`].
pub(super) fn vacuum(c: &mut Cur) -> Stmt {
    let full;
    if let Some((s, e)) = c.group() {
        let opts = c.slice(s, e);
        full = opts.toks.iter().enumerate().any(|(i, t)| {
            t.is_kw("FULL")
                && !opts.toks.get(i + 1).is_some_and(|n| {
                    n.is_kw("FALSE")
                        || n.is_kw("OFF")
                        || matches!(n.token, Token::Number(v, _) if v == "0")
                })
        });
    } else {
        full = c.kw("FULL");
        let _ = c.kw("FREEZE");
        let _ = c.kw("VERBOSE");
        let _ = c.kw("ANALYZE") || c.kw("ANALYSE");
    }
    if !full {
        return Stmt::Vacuum;
    }
    let mut tables = Vec::new();
    while let Some(t) = c.qname() {
        tables.push(t);
        let _ = c.group();
        if !c.eat(&Token::Comma) {
            break;
        }
    }
    Stmt::VacuumFull { tables }
}

/// `CLUSTER [VERBOSE] [table [USING index]]` (after `CLUSTER`).
pub(super) fn cluster(c: &mut Cur) -> Option<Stmt> {
    let _ = c.group();
    let _ = c.kw("VERBOSE");
    if c.at_end() {
        return Some(Stmt::Cluster { table: None });
    }
    let table = c.qname()?;
    if c.kw("USING") {
        c.ident()?;
    }
    if !c.at_end() {
        // `CLUSTER index ON table` (pre-8.3 spelling) or something else.
        return None;
    }
    Some(Stmt::Cluster { table: Some(table) })
}

/// `LOCK [TABLE] [ONLY] t [*], … [IN mode MODE] [NOWAIT]` (after `LOCK`).
pub(super) fn lock(c: &mut Cur) -> Option<Stmt> {
    let _ = c.kw("TABLE");
    let tables = c.relation_list()?;
    let mut mode = "ACCESS EXCLUSIVE".to_string();
    if c.kw("IN") {
        let mut words = Vec::new();
        while let Some(t) = c.peek() {
            if t.is_kw("MODE") {
                break;
            }
            words.push(t.keyword()?);
            c.bump();
        }
        if !c.kw("MODE") {
            return None;
        }
        mode = words.join(" ");
    }
    let _ = c.kw("NOWAIT");
    if !c.at_end() {
        return None;
    }
    Some(Stmt::LockTable { tables, mode })
}

/// `REFRESH MATERIALIZED VIEW [CONCURRENTLY] name [WITH [NO] DATA]` (after `REFRESH`).
pub(super) fn refresh(c: &mut Cur) -> Option<Stmt> {
    if !c.kws(&["MATERIALIZED", "VIEW"]) {
        return None;
    }
    let concurrently = c.kw("CONCURRENTLY");
    let name = c.qname()?;
    Some(Stmt::RefreshMaterializedView { name, concurrently })
}

/// `ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'v' [BEFORE|AFTER 'w']` (after `ALTER TYPE`).
pub(super) fn add_enum_value(c: &mut Cur) -> Option<Stmt> {
    let name = c.qname()?;
    if !c.kws(&["ADD", "VALUE"]) {
        return None;
    }
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let t = c.bump()?;
    let Token::SingleQuotedString(value) = t.token else {
        return None;
    };
    Some(Stmt::AddEnumValue {
        name,
        value: value.clone(),
        value_span: t.span,
        if_not_exists,
    })
}

/// `REINDEX [(options)] {TABLE | INDEX} [CONCURRENTLY] name` (after `REINDEX`).
pub(super) fn reindex_target(c: &mut Cur) -> Option<(ObjectKind, QualifiedName)> {
    let mut c = *c;
    let _ = c.group();
    let kind = if c.kw("TABLE") {
        ObjectKind::Table
    } else if c.kw("INDEX") {
        ObjectKind::Index
    } else {
        return None;
    };
    let _ = c.kw("CONCURRENTLY");
    Some((kind, c.qname()?))
}
