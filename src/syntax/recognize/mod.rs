//! Token-based recognizers: the facts rules need (names, flags, columns, constraints, actions),
//! read from sqlparser's tokens with exact file spans. They are used for every statement kind a
//! rule looks at, whether or not sqlparser could parse it: sqlparser decides validity, these
//! decide what the statement says. That gives one extraction path, exact spans for every part
//! (column definitions, type text, actions) and the same answer for statements sqlparser
//! rejects (`ALTER PUBLICATION`, `DROP INDEX CONCURRENTLY`, unusual column constraint spellings).

use std::cell::Cell;

use sqlparser::tokenizer::Token;

use super::lex::Tok;
use super::model::*;
use crate::source::Span;

mod column;
mod comment;
mod drop;
mod grant;
mod index;
mod object;
mod ops;
mod owner;
mod policy;
mod privilege;
mod publication;
mod table;
mod types;

use column::*;
use comment::*;
use drop::*;
use grant::*;
use index::*;
use object::*;
use owner::*;
use policy::*;
use privilege::*;
use publication::*;
use table::*;
use types::*;

/// A cursor over a slice of significant tokens.
#[derive(Clone, Copy)]
pub(crate) struct Cur<'t> {
    toks: &'t [Tok<'t>],
    pos: usize,
    /// Set when the recognizer skipped something it does not understand: its facts are then
    /// not trusted over sqlparser's verdict.
    doubt: &'t Cell<bool>,
}

impl<'t> Cur<'t> {
    pub fn new(toks: &'t [Tok<'t>], doubt: &'t Cell<bool>) -> Self {
        Cur {
            toks,
            pos: 0,
            doubt,
        }
    }
    /// A cursor over other tokens that shares this one's doubt.
    fn over(&self, toks: &'t [Tok<'t>]) -> Cur<'t> {
        Cur::new(toks, self.doubt)
    }
    fn doubt(&self) {
        self.doubt.set(true);
    }
    fn peek(&self) -> Option<&'t Tok<'t>> {
        self.toks.get(self.pos)
    }
    fn peek_n(&self, n: usize) -> Option<&'t Tok<'t>> {
        self.toks.get(self.pos + n)
    }
    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }
    fn bump(&mut self) -> Option<&'t Tok<'t>> {
        let t = self.toks.get(self.pos);
        if t.is_some() {
            self.pos += 1;
        }
        t
    }
    fn peek_kw(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.is_kw(kw))
    }
    fn peek_kws(&self, kws: &[&str]) -> bool {
        kws.iter()
            .enumerate()
            .all(|(i, k)| self.peek_n(i).is_some_and(|t| t.is_kw(k)))
    }
    fn kw(&mut self, kw: &str) -> bool {
        if self.peek_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn kws(&mut self, kws: &[&str]) -> bool {
        if self.peek_kws(kws) {
            self.pos += kws.len();
            true
        } else {
            false
        }
    }
    fn peek_tok(&self, tok: &Token) -> bool {
        self.peek().is_some_and(|t| t.token == tok)
    }
    fn eat(&mut self, tok: &Token) -> bool {
        if self.peek_tok(tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> Option<Ident> {
        let t = self.peek()?;
        let id = ident_of(t)?;
        self.pos += 1;
        Some(id)
    }
    /// `[ONLY] name [*], …`: the tables of `TRUNCATE` and `LOCK`.
    fn relation_list(&mut self) -> Option<Vec<QualifiedName>> {
        let mut tables = Vec::new();
        loop {
            let _ = self.kw("ONLY");
            tables.push(self.qname()?);
            let _ = self.eat(&Token::Mul);
            if !self.eat(&Token::Comma) {
                return Some(tables);
            }
        }
    }
    /// `name`, `schema.name` or `db.schema.name` (the database part is dropped).
    fn qname(&mut self) -> Option<QualifiedName> {
        let first = self.ident()?;
        let mut parts = vec![first];
        while self.peek_tok(&Token::Period) && self.peek_n(1).is_some_and(Tok::is_word) {
            self.pos += 1;
            parts.extend(self.ident());
        }
        let name = parts.pop()?;
        let schema = parts.pop();
        Some(QualifiedName { schema, name })
    }
    /// Skip a parenthesised group if the cursor is at `(`; returns the range inside it.
    fn group(&mut self) -> Option<(usize, usize)> {
        if !self.peek_tok(&Token::LParen) {
            return None;
        }
        let open = self.pos;
        let close = matching_paren(self.toks, open)?;
        self.pos = close + 1;
        Some((open + 1, close))
    }
    /// A sub-cursor over `toks[start..end]`.
    fn slice(&self, start: usize, end: usize) -> Cur<'t> {
        self.over(self.toks.get(start..end).unwrap_or(&[]))
    }
    fn rest(&self) -> &'t [Tok<'t>] {
        self.toks.get(self.pos..).unwrap_or(&[])
    }
    /// Consume `kw` and return its span.
    fn kw_span(&mut self, kw: &str) -> Option<Span> {
        let t = self.peek().filter(|t| t.is_kw(kw))?;
        self.pos += 1;
        Some(t.span)
    }
    /// The keywords of a `CREATE` statement: its first token, and the kind words from token
    /// `kind_at` to the token before the cursor.
    fn create_keywords(&self, kind_at: usize) -> CreateKeywords {
        CreateKeywords {
            create: self.toks.first().map_or(Span::empty(0), |t| t.span),
            kind: self.span_from(kind_at).unwrap_or_default(),
        }
    }
    /// Span from token `from` to the token before the cursor.
    fn span_from(&self, from: usize) -> Option<Span> {
        let first = self.toks.get(from)?;
        let last = self.toks.get(self.pos.checked_sub(1)?)?;
        Some(first.span.cover(last.span))
    }
}

/// A word token as a PostgreSQL name: unquoted folds to lower case (ASCII only, as PostgreSQL
/// does for UTF-8), quoted keeps its case.
pub(crate) fn ident_of(t: &Tok) -> Option<Ident> {
    match &t.token {
        Token::Word(w) => Some(Ident {
            value: if w.quote_style.is_some() {
                w.value.clone()
            } else {
                w.value.to_ascii_lowercase()
            },
            span: t.span,
        }),
        _ => None,
    }
}

/// Index of the `)` matching the `(` at `open`.
pub(crate) fn matching_paren(toks: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Split `toks` at commas outside parentheses and brackets; returns index ranges.
fn split_top(toks: &[Tok]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0i64;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Comma if depth == 0 => {
                out.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push((start, toks.len()));
    out
}

/// Whether an unquoted word at depth 0 appears in `toks`.
fn has_top_kw(toks: &[Tok], kw: &str) -> bool {
    let mut depth = 0i64;
    for t in toks {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            _ if depth == 0 && t.is_kw(kw) => return true,
            _ => {}
        }
    }
    false
}

/// Recognize a statement from its tokens. `None`: not a kind the recognizers know (the caller
/// makes it `Other` or `Unsupported`).
/// Also says whether the recognizer skipped text it does not understand (`true`: only trust
/// the facts if sqlparser accepted the statement).
pub(crate) fn recognize_with_doubt(toks: &[Tok]) -> Option<(Stmt, bool)> {
    let doubt = Cell::new(false);
    let stmt = recognize_in(Cur::new(toks, &doubt));
    stmt.map(|s| (s, doubt.get()))
}

fn recognize_in(mut c: Cur) -> Option<Stmt> {
    let toks = c.toks;
    let first = c.bump()?.keyword()?;
    match first.as_str() {
        "BEGIN" | "START" => {
            if first == "START" && !c.kw("TRANSACTION") {
                return None;
            }
            Some(Stmt::Transaction(TxControl::Begin))
        }
        "COMMIT" | "END" => {
            if c.peek_kw("PREPARED") {
                return None;
            }
            Some(Stmt::Transaction(TxControl::Commit))
        }
        "ROLLBACK" | "ABORT" => {
            if c.peek_kw("PREPARED") || has_top_kw(c.rest(), "TO") {
                return None;
            }
            Some(Stmt::Transaction(TxControl::Rollback))
        }
        "CREATE" => create(&mut c),
        "ALTER" => alter(&mut c),
        "COMMENT" => comment(&mut c),
        "GRANT" => grant(&mut c, false).or_else(|| grant_on_type(&mut c, false)),
        "REVOKE" => grant(&mut c, true).or_else(|| grant_on_type(&mut c, true)),
        "DROP" => drop_stmt(&mut c),
        "TRUNCATE" => truncate(&mut c),
        "VACUUM" => Some(ops::vacuum(&mut c)),
        "CLUSTER" => ops::cluster(&mut c),
        "LOCK" => ops::lock(&mut c),
        "REFRESH" => ops::refresh(&mut c),
        "SET" => ops::set(&mut c),
        "RESET" => ops::reset(&mut c),
        "SELECT" => ops::select_set_config(&mut c),
        "UPDATE" => ops::update(&mut c),
        "DELETE" => ops::delete(&mut c),
        "INSERT" => ops::insert(&mut c),
        // `REINDEX (CONCURRENTLY false) …` turns the option off.
        "REINDEX" => {
            let concurrently_kw = reindex_concurrently(toks);
            Some(Stmt::Reindex {
                concurrently: concurrently_kw.is_some(),
                concurrently_kw,
                many_tables: reindex_many_tables(toks),
                target: ops::reindex_target(&mut c),
            })
        }
        "DO" => do_stmt(&mut c),
        _ => None,
    }
}

fn create(c: &mut Cur) -> Option<Stmt> {
    let or_replace = c.kws(&["OR", "REPLACE"]);
    let _ = c.kw("GLOBAL") || c.kw("LOCAL");
    let temporary = c.kw("TEMP") || c.kw("TEMPORARY");
    let _ = c.kw("UNLOGGED");
    if c.kws(&["FOREIGN", "TABLE"]) {
        return create_foreign_table(c);
    }
    if c.kw("TABLE") {
        return create_table(c, temporary).map(Stmt::CreateTable);
    }
    if c.peek_kw("UNIQUE") || c.peek_kw("INDEX") {
        return create_index(c).map(Stmt::CreateIndex);
    }
    if c.kw("SCHEMA") {
        return create_schema(c);
    }
    if c.kw("EXTENSION") {
        return create_extension(c);
    }
    if c.kw("SEQUENCE") {
        return create_sequence(c);
    }
    let kind_at = c.pos;
    if c.kw("FUNCTION") {
        return create_function(c, or_replace, ObjectKind::Function, kind_at);
    }
    if c.kw("PROCEDURE") {
        return create_function(c, or_replace, ObjectKind::Procedure, kind_at);
    }
    let materialized = c.kw("MATERIALIZED");
    let _ = c.kw("RECURSIVE");
    if c.kw("VIEW") {
        return create_view(c, or_replace, materialized, kind_at);
    }
    if materialized {
        return None;
    }
    if c.kws(&["EVENT", "TRIGGER"]) {
        return create_event_trigger(c);
    }
    if c.kw("STATISTICS") {
        return create_statistics(c);
    }
    let kind_at = c.pos;
    let constraint = c.kw("CONSTRAINT");
    if c.kw("TRIGGER") {
        return create_trigger(c, or_replace, constraint, kind_at);
    }
    if constraint {
        return None;
    }
    if c.kw("TYPE") {
        return create_type(c, ObjectKind::Type, kind_at);
    }
    if c.kw("DOMAIN") {
        return create_type(c, ObjectKind::Domain, kind_at);
    }
    if c.kw("POLICY") {
        return create_policy(c);
    }
    if c.kw("PUBLICATION") {
        return create_publication(c);
    }
    if c.kw("DATABASE") {
        return Some(Stmt::CreateDatabase);
    }
    if c.kw("ROLE") || c.kw("USER") || c.kw("GROUP") {
        return role(c);
    }
    if c.kw("TABLESPACE") {
        return Some(Stmt::CreateTablespace);
    }
    None
}

fn alter(c: &mut Cur) -> Option<Stmt> {
    if c.kw("TABLE") {
        return alter_table(c);
    }
    if c.kw("POLICY") {
        return alter_policy(c);
    }
    if c.kw("PUBLICATION") {
        return alter_publication(c);
    }
    if c.kw("SYSTEM") {
        return Some(Stmt::AlterSystem);
    }
    if c.kw("ROLE") || c.kw("USER") || c.kw("GROUP") {
        return role(c);
    }
    let mut rename = *c;
    if let Some(r) = rename_object(&mut rename) {
        return Some(Stmt::RenameObject(r));
    }
    let mut owner = *c;
    if let Some(stmt) = alter_owner(&mut owner) {
        return Some(stmt);
    }
    if c.kws(&["DEFAULT", "PRIVILEGES"]) {
        return default_privileges(c);
    }
    if c.peek_kw("FUNCTION") || c.peek_kw("PROCEDURE") || c.peek_kw("ROUTINE") {
        let mut f = *c;
        f.bump();
        return alter_function(&mut f);
    }
    if c.peek_kw("VIEW") {
        let mut v = *c;
        v.bump();
        return alter_view(&mut v);
    }
    if c.kw("SEQUENCE") {
        return alter_sequence(c);
    }
    if c.peek_kw("TYPE") {
        let mut t = *c;
        t.bump();
        if let Some(add) = ops::add_enum_value(&mut t) {
            return Some(add);
        }
    }
    if c.kw("TYPE") {
        return alter_type(c);
    }
    if c.kw("DOMAIN") {
        return alter_domain(c);
    }
    if c.kws(&["EVENT", "TRIGGER"]) {
        return alter_event_trigger(c);
    }
    if c.kw("STATISTICS") {
        return alter_statistics(c);
    }
    if c.kw("INDEX") {
        return alter_index(c);
    }
    None
}

/// A statement pgward understands and no rule looks into, named by its leading keywords.
fn other(keyword: &str) -> Stmt {
    Stmt::Other {
        keyword: keyword.to_string(),
    }
}

/// `stmt` if the cursor read every token; otherwise `stmt` in doubt (its trailing text is
/// something the recognizer does not know).
fn complete(c: &Cur, stmt: Stmt) -> Option<Stmt> {
    if !c.at_end() {
        c.doubt();
    }
    Some(stmt)
}

/// A string constant: `'…'`, `E'…'`, `$$…$$`, `N'…'`, `U&'…'`.
fn is_string(t: &Tok) -> bool {
    matches!(
        t.token,
        Token::SingleQuotedString(_)
            | Token::EscapedStringLiteral(_)
            | Token::DollarQuotedString(_)
            | Token::NationalStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
    )
}

fn syntax_error((near, at): (String, Span)) -> Stmt {
    Stmt::Invalid {
        message: format!("syntax error at or near {near}"),
        at,
    }
}
