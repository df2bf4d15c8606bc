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

mod ops;

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
fn matching_paren(toks: &[Tok], open: usize) -> Option<usize> {
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
        "REINDEX" => Some(Stmt::Reindex {
            target: reindex_target(&mut c),
            concurrently: toks.iter().enumerate().any(|(i, t)| {
                t.is_kw("CONCURRENTLY")
                    && !toks.get(i + 1).is_some_and(|n| {
                        n.is_kw("FALSE")
                            || n.is_kw("OFF")
                            || matches!(n.token, Token::Number(v, _) if v == "0")
                    })
            }),
            many_tables: reindex_many_tables(toks),
        }),
        "DO" => do_stmt(&mut c),
        _ => None,
    }
}

fn create(c: &mut Cur) -> Option<Stmt> {
    let or_replace = c.kws(&["OR", "REPLACE"]);
    let _ = c.kw("GLOBAL") || c.kw("LOCAL");
    let temporary = c.kw("TEMP") || c.kw("TEMPORARY");
    let _ = c.kw("UNLOGGED");
    if c.kw("TABLE") {
        return create_table(c, temporary).map(Stmt::CreateTable);
    }
    if c.peek_kw("UNIQUE") || c.peek_kw("INDEX") {
        return create_index(c).map(Stmt::CreateIndex);
    }
    if c.kw("SCHEMA") {
        let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
        let _ = c.kw("AUTHORIZATION");
        let name = c.ident()?;
        return Some(Stmt::CreateSchema {
            name,
            if_not_exists,
        });
    }
    if c.kw("EXTENSION") {
        let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
        let name = c.ident()?;
        return Some(Stmt::CreateExtension {
            name,
            if_not_exists,
        });
    }
    if c.kw("SEQUENCE") {
        let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
        let name = c.qname()?;
        return Some(Stmt::CreateSequence {
            name,
            if_not_exists,
        });
    }
    if c.kw("FUNCTION") || c.kw("PROCEDURE") {
        let name = c.qname()?;
        return Some(Stmt::CreateFunction { name, or_replace });
    }
    let materialized = c.kw("MATERIALIZED");
    let _ = c.kw("RECURSIVE");
    if c.kw("VIEW") {
        let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
        let name = c.qname()?;
        return Some(Stmt::CreateView {
            name,
            or_replace,
            materialized,
            if_not_exists,
        });
    }
    if materialized {
        return None;
    }
    let _ = c.kw("CONSTRAINT");
    if c.kw("TRIGGER") {
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
        return None;
    }
    if c.kw("TYPE") || c.kw("DOMAIN") {
        let name = c.qname()?;
        return Some(Stmt::CreateType { name });
    }
    if c.kw("POLICY") {
        return create_policy(c);
    }
    if c.kw("PUBLICATION") {
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
        return Some(Stmt::CreatePublication(CreatePublication { name, target }));
    }
    if c.kw("DATABASE") {
        return Some(Stmt::CreateDatabase);
    }
    if c.kw("TABLESPACE") {
        return Some(Stmt::CreateTablespace);
    }
    None
}

/// `REINDEX [(options)] {TABLE | INDEX} [CONCURRENTLY] name` (after `REINDEX`).
fn reindex_target(c: &mut Cur) -> Option<(ObjectKind, QualifiedName)> {
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

/// `SCHEMA`, `DATABASE` or `SYSTEM` as the object kind of a `REINDEX` (after its optional
/// parenthesised options).
fn reindex_many_tables(toks: &[Tok]) -> Option<&'static str> {
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

fn alter(c: &mut Cur) -> Option<Stmt> {
    if c.kw("TABLE") {
        return alter_table(c);
    }
    if c.kw("POLICY") {
        let name = c.ident()?;
        if !c.kw("ON") {
            return None;
        }
        let table = c.qname()?;
        let rename_to = if c.kws(&["RENAME", "TO"]) {
            Some(c.ident()?)
        } else {
            None
        };
        return Some(Stmt::AlterPolicy(AlterPolicy {
            name,
            table,
            rename_to,
        }));
    }
    if c.kw("PUBLICATION") {
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
        return Some(Stmt::AlterPublication(AlterPublication {
            name,
            action,
            tables,
            schemas,
        }));
    }
    if c.kw("SYSTEM") {
        return Some(Stmt::AlterSystem);
    }
    if c.peek_kw("TYPE") {
        let mut t = *c;
        t.bump();
        if let Some(add) = ops::add_enum_value(&mut t) {
            return Some(add);
        }
    }
    rename_object(c).map(Stmt::RenameObject)
}

/// `ALTER INDEX|VIEW|MATERIALIZED VIEW|SEQUENCE|TYPE|DOMAIN|SCHEMA [IF EXISTS] name RENAME TO new`
/// or `… SET SCHEMA s`, and nothing else (`RENAME VALUE`, `OWNER TO`, … are not name changes).
fn rename_object(c: &mut Cur) -> Option<RenameObject> {
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

fn syntax_error((near, at): (String, Span)) -> Stmt {
    Stmt::Invalid {
        message: format!("syntax error at or near {near}"),
        at,
    }
}

fn create_table(c: &mut Cur, temporary: bool) -> Option<CreateTable> {
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let name = c.qname()?;
    let mut t = CreateTable {
        name,
        if_not_exists,
        temporary,
        columns: Vec::new(),
        constraints: Vec::new(),
        columns_incomplete: false,
    };
    if c.kws(&["PARTITION", "OF"]) || c.kw("OF") {
        t.columns_incomplete = true;
        return Some(t);
    }
    let Some((start, end)) = c.group() else {
        // `CREATE TABLE t AS SELECT …`, `… EXECUTE …`
        t.columns_incomplete = true;
        return Some(t);
    };
    let inner = c.slice(start, end);
    for (s, e) in split_top(inner.toks) {
        let el = inner.slice(s, e);
        let Some(first) = el.peek() else { continue };
        if first.is_kw("LIKE") {
            t.columns_incomplete = true;
        } else if starts_table_constraint(&el) {
            t.constraints.extend(table_constraint(el));
        } else if let Some(col) = column_def(el) {
            t.columns.push(col);
        }
    }
    let rest = c.rest();
    if has_top_kw(rest, "AS") || has_top_kw(rest, "INHERITS") {
        t.columns_incomplete = true;
    }
    Some(t)
}

fn starts_table_constraint(c: &Cur) -> bool {
    let Some(first) = c.peek() else { return false };
    ["CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK"]
        .iter()
        .any(|k| first.is_kw(k))
        || (first.is_kw("EXCLUDE")
            && c.peek_n(1)
                .is_some_and(|t| t.is_kw("USING") || *t.token == Token::LParen))
}

/// `(a, b)` as names; elements that are not plain names are left out.
fn ident_list(c: &mut Cur) -> Vec<Ident> {
    let Some((s, e)) = c.group() else {
        return Vec::new();
    };
    let inner = c.slice(s, e);
    split_top(inner.toks)
        .into_iter()
        .filter_map(|(a, b)| {
            let el = inner.toks.get(a..b)?;
            match el {
                [one] => ident_of(one),
                // `col ASC`, `col opclass`, `col WITH =` in EXCLUDE: the leading name.
                [first, second, ..] if second.is_word() => ident_of(first),
                _ => None,
            }
        })
        .collect()
}

/// Skip `ON DELETE/UPDATE action`, `MATCH x`, `DEFERRABLE`, `NOT VALID` … after `REFERENCES`.
fn references(c: &mut Cur, columns: Vec<Ident>) -> Option<ForeignKey> {
    let ref_table = c.qname()?;
    let ref_columns = ident_list(c);
    Some(ForeignKey {
        columns,
        ref_table,
        ref_columns,
    })
}

/// A table constraint: the whole cursor is one list element (or the tail of `ADD …`).
fn table_constraint(mut c: Cur) -> Option<TableConstraint> {
    let from = c.pos;
    let name = if c.kw("CONSTRAINT") { c.ident() } else { None };
    let mut check_not_null = None;
    let kind = if c.kws(&["PRIMARY", "KEY"]) {
        ConstraintKind::PrimaryKey(ident_list(&mut c))
    } else if c.kw("UNIQUE") {
        if c.kw("NULLS") {
            let _ = c.kw("NOT");
            let _ = c.kw("DISTINCT");
        }
        ConstraintKind::Unique(ident_list(&mut c))
    } else if c.kws(&["FOREIGN", "KEY"]) {
        let columns = ident_list(&mut c);
        if !c.kw("REFERENCES") {
            return None;
        }
        ConstraintKind::ForeignKey(references(&mut c, columns)?)
    } else if c.kw("CHECK") {
        check_not_null = c.group().and_then(|(s, e)| is_not_null_check(c.toks.get(s..e)?));
        ConstraintKind::Check
    } else if c.kw("EXCLUDE") {
        ConstraintKind::Exclude
    } else {
        c.doubt();
        ConstraintKind::Other
    };
    let first = c.toks.get(from)?;
    let last = c.toks.last()?;
    let rest = c.toks.get(from..).unwrap_or(&[]);
    let not_valid = rest
        .windows(2)
        .any(|w| w[0].is_kw("NOT") && w[1].is_kw("VALID"));
    let using_index = rest
        .windows(3)
        .find(|w| w[0].is_kw("USING") && w[1].is_kw("INDEX"))
        .and_then(|w| ident_of(&w[2]));
    Some(TableConstraint {
        name,
        kind,
        span: first.span.cover(last.span),
        not_valid,
        using_index,
        check_not_null,
    })
}

/// `col IS NOT NULL` (possibly in more parentheses) as a whole check expression: the column.
fn is_not_null_check(toks: &[Tok]) -> Option<Ident> {
    let mut toks = toks;
    while let [open, inner @ .., close] = toks
        && *open.token == Token::LParen
        && *close.token == Token::RParen
        && matching_paren(toks, 0) == Some(toks.len() - 1)
    {
        toks = inner;
    }
    match toks {
        [col, is, not, null] if is.is_kw("IS") && not.is_kw("NOT") && null.is_kw("NULL") => {
            ident_of(col)
        }
        _ => None,
    }
}

/// Words that start a column constraint (or column option) after the type.
const COLUMN_OPTION_START: &[&str] = &[
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

fn is_option_start(t: &Tok) -> bool {
    COLUMN_OPTION_START.iter().any(|k| t.is_kw(k))
}

/// The type as written, normalised: unquoted words lower case, one space between words,
/// no spaces around punctuation (`varchar(255)`, `timestamp with time zone`, `text[]`).
fn type_text(toks: &[Tok]) -> String {
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
const TYPE_CONTINUATION: &[&str] = &[
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
fn plausible_type(toks: &[Tok]) -> bool {
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
fn column_def(mut c: Cur) -> Option<ColumnDef> {
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
fn default_expr(toks: &[Tok]) -> Option<DefaultExpr> {
    let (first, last) = (toks.first()?, toks.last()?);
    let (volatility, function) = super::volatility::classify(toks);
    let null = matches!(toks, [one] if one.is_kw("NULL"));
    Some(DefaultExpr {
        span: first.span.cover(last.span),
        volatility,
        function,
        null,
    })
}

/// Advance to the next column option keyword at depth 0 (`NOT` only when `NOT NULL`).
fn skip_to_option(c: &mut Cur) {
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

fn alter_table(c: &mut Cur) -> Option<Stmt> {
    let if_exists = c.kws(&["IF", "EXISTS"]);
    let only = c.kw("ONLY");
    if c.peek_kws(&["ALL", "IN"]) {
        return None;
    }
    let name = c.qname()?;
    let _ = c.eat(&Token::Mul);
    let rest = c.rest();
    let mut actions = Vec::new();
    for (s, e) in split_top(rest) {
        let Some(toks) = rest.get(s..e) else { continue };
        let (Some(first), Some(last)) = (toks.first(), toks.last()) else {
            continue;
        };
        let span = first.span.cover(last.span);
        let action = match alter_action_checked(c.over(toks)) {
            Ok(action) => action,
            Err(junk) => return Some(syntax_error(junk)),
        }
        .unwrap_or_else(|| AlterTableAction::Other(leading_words(toks, 2)));
        actions.push(AlterAction { action, span });
    }
    Some(Stmt::AlterTable(AlterTable {
        name,
        if_exists,
        only,
        actions,
    }))
}

/// [`alter_action`]; an action that takes nothing more (`RENAME TO x`, `SET SCHEMA s`,
/// `ENABLE ROW LEVEL SECURITY`, drops) followed by more text is a PostgreSQL syntax error,
/// typically a missing `;` before the next statement.
fn alter_action_checked(c: Cur) -> Result<Option<AlterTableAction>, (String, Span)> {
    let mut end = c;
    let Some(action) = alter_action(&mut end) else {
        return Ok(None);
    };
    let complete = matches!(
        action,
        AlterTableAction::AddColumn { .. } | AlterTableAction::AddConstraint(_)
    );
    if !complete {
        let _ = end.kw("CASCADE") || end.kw("RESTRICT");
        if let Some(t) = end.peek() {
            return Err((t.near(), t.span));
        }
    }
    Ok(Some(action))
}

fn alter_action(c: &mut Cur) -> Option<AlterTableAction> {
    if c.kw("RENAME") {
        if c.kw("TO") {
            return Some(AlterTableAction::RenameTable { to: c.ident()? });
        }
        if c.kw("CONSTRAINT") {
            let from = c.ident()?;
            if !c.kw("TO") {
                return None;
            }
            return Some(AlterTableAction::RenameConstraint {
                from,
                to: c.ident()?,
            });
        }
        let _ = c.kw("COLUMN");
        let from = c.ident()?;
        if !c.kw("TO") {
            return None;
        }
        return Some(AlterTableAction::RenameColumn {
            from,
            to: c.ident()?,
        });
    }
    if c.kws(&["SET", "SCHEMA"]) {
        return Some(AlterTableAction::SetSchema { schema: c.ident()? });
    }
    if c.kw("ADD") {
        if c.kw("COLUMN") {
            let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
            let column = column_def(c.slice(c.pos, c.toks.len()))?;
            return Some(AlterTableAction::AddColumn {
                if_not_exists,
                column,
            });
        }
        if starts_table_constraint(c) {
            return table_constraint(c.slice(c.pos, c.toks.len()))
                .map(AlterTableAction::AddConstraint);
        }
        let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
        let column = column_def(c.slice(c.pos, c.toks.len()))?;
        return Some(AlterTableAction::AddColumn {
            if_not_exists,
            column,
        });
    }
    if c.kw("DROP") {
        if c.kw("CONSTRAINT") {
            let if_exists = c.kws(&["IF", "EXISTS"]);
            return Some(AlterTableAction::DropConstraint {
                name: c.ident()?,
                if_exists,
            });
        }
        let _ = c.kw("COLUMN");
        let if_exists = c.kws(&["IF", "EXISTS"]);
        let name = c.ident()?;
        let cascade = c.kw("CASCADE");
        return Some(AlterTableAction::DropColumn {
            name,
            if_exists,
            cascade,
        });
    }
    if let Some(action) = alter_column(c) {
        return Some(action);
    }
    c.pos = 0;
    if c.kw("VALIDATE") && c.kw("CONSTRAINT") {
        return Some(AlterTableAction::ValidateConstraint { name: c.ident()? });
    }
    c.pos = 0;
    if c.kws(&["SET", "LOGGED"]) {
        return Some(AlterTableAction::SetLogged { logged: true });
    }
    if c.kws(&["SET", "UNLOGGED"]) {
        return Some(AlterTableAction::SetLogged { logged: false });
    }
    if c.kws(&["CLUSTER", "ON"]) {
        c.ident()?;
        return Some(AlterTableAction::SetStatistics);
    }
    if c.kws(&["SET", "WITHOUT", "CLUSTER"]) {
        return Some(AlterTableAction::SetStatistics);
    }
    if c.kws(&["ATTACH", "PARTITION"]) {
        let partition = c.qname()?;
        // `FOR VALUES …` / `DEFAULT`: bounds are not read.
        c.pos = c.toks.len();
        return Some(AlterTableAction::AttachPartition { partition });
    }
    if c.kws(&["DETACH", "PARTITION"]) {
        let partition = c.qname()?;
        let concurrently = c.kw("CONCURRENTLY");
        let _ = c.kw("FINALIZE");
        return Some(AlterTableAction::DetachPartition {
            partition,
            concurrently,
        });
    }
    if (c.kw("ENABLE") || c.kw("DISABLE"))
        && {
            let _ = c.kw("REPLICA") || c.kw("ALWAYS");
            c.kw("TRIGGER") || c.kw("RULE")
        }
    {
        c.pos = c.toks.len();
        return Some(AlterTableAction::TriggerToggle);
    }
    c.pos = 0;
    const RLS: [&str; 3] = ["ROW", "LEVEL", "SECURITY"];
    if c.kw("ENABLE") && c.kws(&RLS) {
        return Some(AlterTableAction::EnableRls);
    }
    c.pos = 0;
    if c.kw("DISABLE") && c.kws(&RLS) {
        return Some(AlterTableAction::DisableRls);
    }
    c.pos = 0;
    if c.kw("FORCE") && c.kws(&RLS) {
        return Some(AlterTableAction::ForceRls);
    }
    c.pos = 0;
    if c.kws(&["NO", "FORCE"]) && c.kws(&RLS) {
        return Some(AlterTableAction::NoForceRls);
    }
    None
}

/// `ALTER [COLUMN] c …`: type, NOT NULL, default and statistics changes.
fn alter_column(c: &mut Cur) -> Option<AlterTableAction> {
    if !c.kw("ALTER") {
        return None;
    }
    let _ = c.kw("COLUMN");
    let column = c.ident()?;
    if c.kws(&["SET", "DATA", "TYPE"]) || c.kw("TYPE") {
        let type_start = c.pos;
        while let Some(t) = c.peek() {
            if t.is_kw("USING") || t.is_kw("COLLATE") {
                break;
            }
            if c.group().is_none() {
                c.bump();
            }
        }
        let type_toks = c.toks.get(type_start..c.pos).unwrap_or(&[]);
        let (first, last) = (type_toks.first()?, type_toks.last()?);
        if c.kw("COLLATE") {
            let _ = c.qname();
        }
        let using = c.kw("USING");
        if using {
            c.pos = c.toks.len();
        }
        return Some(AlterTableAction::AlterColumnType {
            column,
            data_type: type_text(type_toks),
            data_type_span: first.span.cover(last.span),
            using,
        });
    }
    if c.kws(&["SET", "NOT", "NULL"]) {
        return Some(AlterTableAction::SetNotNull { column });
    }
    if c.kws(&["DROP", "NOT", "NULL"]) {
        return Some(AlterTableAction::DropNotNull { column });
    }
    if c.kws(&["SET", "DEFAULT"]) {
        let rest = c.rest();
        c.pos = c.toks.len();
        return Some(AlterTableAction::SetDefault {
            column,
            default: default_expr(rest)?,
        });
    }
    if c.kws(&["DROP", "DEFAULT"]) {
        return Some(AlterTableAction::DropDefault { column });
    }
    if c.kws(&["SET", "STATISTICS"]) {
        c.bump();
        return Some(AlterTableAction::SetStatistics);
    }
    None
}

/// Up to `n` leading unquoted words, upper case, space separated (`ALTER COLUMN`, `OWNER TO`).
pub(crate) fn leading_words(toks: &[Tok], n: usize) -> String {
    toks.iter()
        .take(n)
        .map_while(Tok::keyword)
        .collect::<Vec<_>>()
        .join(" ")
}

fn create_index(c: &mut Cur) -> Option<CreateIndex> {
    let unique = c.kw("UNIQUE");
    if !c.kw("INDEX") {
        return None;
    }
    let concurrently = c.kw("CONCURRENTLY");
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let name = if c.peek_kw("ON") {
        None
    } else {
        Some(c.qname()?.name)
    };
    if !c.kw("ON") {
        return None;
    }
    let _ = c.kw("ONLY");
    let table = c.qname()?;
    let _ = c.eat(&Token::Mul);
    if c.kw("USING") {
        c.bump();
    }
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
    loop {
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
        concurrently,
        if_not_exists,
        partial,
    })
}

fn create_policy(c: &mut Cur) -> Option<Stmt> {
    let name = c.ident()?;
    if !c.kw("ON") {
        return None;
    }
    let table = c.qname()?;
    let mut permissive = true;
    if c.kw("AS") {
        permissive = !c.kw("RESTRICTIVE");
        let _ = c.kw("PERMISSIVE");
    }
    let mut command = PolicyCommand::All;
    if c.kw("FOR") {
        command = match c.bump().and_then(Tok::keyword).as_deref() {
            Some("SELECT") => PolicyCommand::Select,
            Some("INSERT") => PolicyCommand::Insert,
            Some("UPDATE") => PolicyCommand::Update,
            Some("DELETE") => PolicyCommand::Delete,
            Some("ALL") => PolicyCommand::All,
            _ => {
                c.doubt();
                PolicyCommand::All
            }
        };
    }
    let mut roles = Vec::new();
    if c.kw("TO") {
        loop {
            if let Some(r) = c.ident() {
                roles.push(r.value);
            }
            if !c.eat(&Token::Comma) {
                break;
            }
        }
    }
    if c.kw("USING") && c.group().is_none() {
        c.doubt();
    }
    if c.kws(&["WITH", "CHECK"]) && c.group().is_none() {
        c.doubt();
    }
    // Nothing may follow: text here is a PostgreSQL syntax error (often a missing `;` before
    // the next statement).
    if let Some(t) = c.peek() {
        return Some(syntax_error((t.near(), t.span)));
    }
    Some(Stmt::CreatePolicy(CreatePolicy {
        name,
        table,
        command,
        roles,
        permissive,
    }))
}

/// `DROP kind …`: the object kinds and how many words name them.
const DROP_KINDS: &[(&[&str], ObjectKind)] = &[
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
    (&["FOREIGN", "TABLE"], ObjectKind::Other),
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

fn drop_stmt(c: &mut Cur) -> Option<Stmt> {
    let (words, kind) = DROP_KINDS.iter().find(|(w, _)| c.peek_kws(w))?;
    c.pos += words.len();
    let concurrently = c.kw("CONCURRENTLY");
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
        concurrently,
    }))
}

fn truncate(c: &mut Cur) -> Option<Stmt> {
    let _ = c.kw("TABLE");
    let mut tables = Vec::new();
    loop {
        let _ = c.kw("ONLY");
        tables.push(c.qname()?);
        let _ = c.eat(&Token::Mul);
        if !c.eat(&Token::Comma) {
            break;
        }
    }
    let _ = c.kws(&["RESTART", "IDENTITY"]) || c.kws(&["CONTINUE", "IDENTITY"]);
    let _ = c.kw("CASCADE") || c.kw("RESTRICT");
    if let Some(t) = c.peek() {
        return Some(syntax_error((t.near(), t.span)));
    }
    Some(Stmt::Truncate { tables })
}

fn do_stmt(c: &mut Cur) -> Option<Stmt> {
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
