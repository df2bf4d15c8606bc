//! `non-idempotent-ddl`: statements that fail when a migration runs a second time after a partial
//! failure (R-002: the re-run is the recovery path, so it must work).

use super::Rule;
use super::common::text::{first_line, indentation, one_line, plain_name, rewritten};
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::rules::FileContext;
use crate::source::Span;
use crate::syntax::{
    AlterTableAction, CreateKeywords, Ident, ObjectKind, QualifiedName, Statement, Stmt,
    quote_if_needed,
};
use std::collections::HashMap;

pub static RULE: Rule = Rule {
    id: "non-idempotent-ddl",
    default_severity: Severity::Warning,
    summary: "DDL that fails when the migration runs again (missing IF [NOT] EXISTS / OR REPLACE)",
    doc: include_str!("../../rules/non-idempotent-ddl.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    // A runner that records applied files never runs one twice, and a file it runs atomically
    // leaves nothing behind when it fails: such a file never meets its own leftovers.
    let exec = super::common::text::execution(ctx);
    if exec.runner.records_history() {
        let top: Vec<&Statement> = ctx.top_level_commands();
        let split = top.iter().any(|s| exec.runner.takes_out(s));
        let wrapped = exec.runner_wraps() && exec.opted_out.is_none() && !split;
        // One statement is atomic too, unless it is a CONCURRENTLY build (a failed one leaves
        // an invalid index behind).
        let single = top.len() == 1 && top[0].transaction_restriction().is_none();
        if wrapped || single {
            return;
        }
    }
    let mut drops = Drops::default();
    for stmt in ctx.statements() {
        // Inside a DO block, an EXCEPTION handler or an IF [NOT] EXISTS guard makes it safe.
        if !stmt.context.exception_handler && !stmt.context.existence_guard {
            check_statement(ctx, stmt, &drops, out);
        }
        if let Stmt::Drop(d) = &stmt.kind {
            drops.record(d);
        }
    }
}

/// The object a `CREATE` statement makes, as `DROP` would name it: kind, schema (when the
/// statement writes one), name, and the table of a trigger or policy.
fn created_object(stmt: &Statement) -> Option<Created<'_>> {
    fn qualified(kind: ObjectKind, q: &QualifiedName) -> Created<'_> {
        (kind, q.schema.as_ref(), &q.name, None)
    }
    Some(match &stmt.kind {
        Stmt::CreateTable(ct) => qualified(ObjectKind::Table, &ct.name),
        Stmt::CreateIndex(ci) => (ObjectKind::Index, None, ci.name.as_ref()?, None),
        Stmt::CreateSchema { name, .. } => (ObjectKind::Schema, None, name, None),
        Stmt::CreateExtension { name, .. } => (ObjectKind::Extension, None, name, None),
        Stmt::CreateSequence { name, .. } => qualified(ObjectKind::Sequence, name),
        Stmt::CreateView {
            name, materialized, ..
        } => {
            let kind = if *materialized {
                ObjectKind::MaterializedView
            } else {
                ObjectKind::View
            };
            qualified(kind, name)
        }
        Stmt::CreateFunction { name, kind, .. } => qualified(*kind, name),
        Stmt::CreateTrigger { name, table, .. } => (ObjectKind::Trigger, None, name, Some(table)),
        Stmt::CreatePolicy(p) => (ObjectKind::Policy, None, &p.name, Some(&p.table)),
        Stmt::CreateType { name, kind, .. } => qualified(*kind, name),
        _ => return None,
    })
}

/// See [`created_object`].
type Created<'a> = (
    ObjectKind,
    Option<&'a Ident>,
    &'a Ident,
    Option<&'a QualifiedName>,
);

fn check_statement(ctx: &FileContext, stmt: &Statement, drops: &Drops, out: &mut Vec<Diagnostic>) {
    if let Some((kind, schema, name, table)) = created_object(stmt)
        && drops.dropped_before(kind, schema, name, table)
    {
        return;
    }
    let bare = |name: &crate::syntax::Ident| QualifiedName {
        schema: None,
        name: name.clone(),
    };
    match &stmt.kind {
        Stmt::CreateTable(ct) if !ct.if_not_exists && !ct.temporary => {
            if_not_exists(ctx, stmt, "table", &ct.name, out);
        }
        Stmt::CreateIndex(ci) if !ci.if_not_exists => match &ci.name {
            Some(name) => if_not_exists(ctx, stmt, "index", &bare(name), out),
            None => {
                let at = Span::new(stmt.span.start, ci.table.span().end.min(stmt.span.end));
                out.push(
                    ctx.diagnostic(
                        &RULE,
                        at,
                        format!(
                            "index on \"{}\" has no name, so it cannot use IF NOT EXISTS: a second run creates a duplicate index",
                            plain_name(&ci.table)
                        ),
                    )
                    .with_help(unnamed_index_help(ctx, stmt, ci))
                    .in_statement(stmt.span),
                );
            }
        },
        Stmt::CreateSchema {
            name,
            if_not_exists: false,
        } => if_not_exists(ctx, stmt, "schema", &bare(name), out),
        Stmt::CreateExtension {
            name,
            if_not_exists: false,
            ..
        } => if_not_exists(ctx, stmt, "extension", &bare(name), out),
        Stmt::CreateSequence {
            name,
            if_not_exists: false,
        } => if_not_exists(ctx, stmt, "sequence", name, out),
        Stmt::CreateView {
            name,
            materialized: true,
            if_not_exists: false,
            ..
        } => if_not_exists(ctx, stmt, "materialized view", name, out),
        Stmt::CreateView {
            name,
            materialized: false,
            or_replace: false,
            keywords,
            ..
        } => or_replace(ctx, stmt, "view", name, keywords, None, out),
        Stmt::CreateFunction {
            name,
            or_replace: false,
            kind,
            keywords,
            ..
        } => {
            let what = kind.sql().to_ascii_lowercase();
            or_replace(ctx, stmt, &what, name, keywords, None, out);
        }
        Stmt::CreateTrigger {
            name,
            table,
            or_replace: false,
            constraint,
            keywords,
        } => {
            // PostgreSQL has no OR REPLACE for constraint triggers.
            if *constraint {
                drop_first(ctx, stmt, "trigger", name, table, out);
            } else {
                or_replace(
                    ctx,
                    stmt,
                    "trigger",
                    &bare(name),
                    keywords,
                    Some(table),
                    out,
                );
            }
        }
        Stmt::CreatePolicy(p) => drop_first(ctx, stmt, "policy", &p.name, &p.table, out),
        Stmt::CreateType { name, kind, .. } => {
            create_type(ctx, stmt, *kind, name, out);
        }
        Stmt::Drop(d) if !d.if_exists && d.kind != ObjectKind::Other => drop(ctx, stmt, d, out),
        Stmt::AlterTable(alter) => {
            for action in &alter.actions {
                match &action.action {
                    AlterTableAction::AddColumn {
                        if_not_exists: false,
                        column,
                    } => {
                        let at = column.name.span.start;
                        out.push(
                            ctx.diagnostic(
                                &RULE,
                                column.name.span,
                                format!(
                                    "column \"{}\" is added without IF NOT EXISTS: a second run fails because the column already exists",
                                    column.name.value
                                ),
                            )
                            .with_help(format!(
                                "use {}",
                                rewritten(ctx, stmt.span, at, &kw(ctx, stmt, "IF NOT EXISTS "), column.name.span.end)
                            ))
                            .with_fix("add IF NOT EXISTS", insert(at, &kw(ctx, stmt, "IF NOT EXISTS ")))
                            .in_statement(stmt.span),
                        );
                    }
                    AlterTableAction::DropColumn {
                        name,
                        if_exists: false,
                        ..
                    } => {
                        let at = name.span.start;
                        out.push(
                            ctx.diagnostic(
                                &RULE,
                                name.span,
                                format!(
                                    "column \"{}\" is dropped without IF EXISTS: a second run fails because the column is already gone",
                                    name.value
                                ),
                            )
                            .with_help(format!(
                                "use {}",
                                rewritten(ctx, stmt.span, at, &kw(ctx, stmt, "IF EXISTS "), name.span.end)
                            ))
                            .with_fix("add IF EXISTS", insert(at, &kw(ctx, stmt, "IF EXISTS ")))
                            .in_statement(stmt.span),
                        );
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// `words` in the case the statement is written in (`create table` gets `if not exists`).
fn kw(ctx: &FileContext, stmt: &Statement, words: &str) -> String {
    let first = ctx
        .text(stmt.span)
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    if !first.is_empty() && first.chars().all(|c| c.is_ascii_lowercase()) {
        words.to_ascii_lowercase()
    } else {
        words.to_string()
    }
}

fn insert(at: usize, text: &str) -> Vec<Edit> {
    vec![Edit {
        span: Span::empty(at),
        replacement: text.to_string(),
    }]
}

/// The objects the file's statements so far have dropped, by kind and name. A `CREATE` after a
/// `DROP … IF EXISTS` of the same object always finds the name free (the usual `DROP … IF
/// EXISTS; CREATE …` pattern). A `DROP` without `IF EXISTS` counts too: it is reported itself.
#[derive(Default)]
struct Drops {
    /// name → every (kind, qualified name, table) dropped under it.
    seen: HashMap<String, Vec<(ObjectKind, Dropped)>>,
}

use crate::syntax::Key;
/// A dropped name, and the table of a `DROP TRIGGER/POLICY … ON table`.
type Dropped = (QualifiedName, Option<Key>);

impl Drops {
    fn record(&mut self, d: &crate::syntax::Drop) {
        for name in &d.names {
            self.seen.entry(name.name.value.clone()).or_default().push((
                d.kind,
                (name.clone(), d.on_table.as_ref().map(QualifiedName::key)),
            ));
        }
    }

    /// Whether the object `kind schema.name` (`ON on_table`) was dropped before.
    fn dropped_before(
        &self,
        kind: ObjectKind,
        schema: Option<&Ident>,
        name: &Ident,
        on_table: Option<&QualifiedName>,
    ) -> bool {
        let Some(list) = self.seen.get(name.value.as_str()) else {
            return false;
        };
        list.iter()
            .filter(|(k, _)| *k == kind)
            .any(|(_, (dropped, table))| {
                let same_table = match (on_table, table) {
                    (Some(a), Some(b)) => &a.key() == b,
                    (None, _) => true,
                    (Some(_), None) => false,
                };
                same_table && same_object(dropped, schema, name)
            })
    }
}

/// Same name; schemas compared only when both sides give one (triggers, policies and indexes
/// take their schema from their table).
fn same_object(a: &QualifiedName, schema: Option<&Ident>, name: &Ident) -> bool {
    a.name.value == name.value
        && match (&a.schema, schema) {
            (Some(x), Some(y)) => x.value == y.value,
            _ => true,
        }
}

fn if_not_exists(
    ctx: &FileContext,
    stmt: &Statement,
    what: &str,
    name: &QualifiedName,
    out: &mut Vec<Diagnostic>,
) {
    let span = name.span();
    let at = span.start;
    out.push(
        ctx.diagnostic(
            &RULE,
            span,
            format!(
                "{what} \"{}\" is created without IF NOT EXISTS: a second run fails because it already exists",
                plain_name(name)
            ),
        )
        .with_help(format!("use {}", rewritten(ctx, stmt.span, at, &kw(ctx, stmt, "IF NOT EXISTS "), span.end)))
        .with_fix("add IF NOT EXISTS", insert(at, &kw(ctx, stmt, "IF NOT EXISTS ")))
        .in_statement(stmt.span),
    );
}

fn or_replace(
    ctx: &FileContext,
    stmt: &Statement,
    what: &str,
    name: &QualifiedName,
    keywords: &CreateKeywords,
    trigger_table: Option<&QualifiedName>,
    out: &mut Vec<Diagnostic>,
) {
    let span = name.span();
    // `OR REPLACE` goes right after CREATE.
    let create = keywords.create;
    let mut d = ctx
        .diagnostic(
            &RULE,
            span,
            format!(
                "{what} \"{}\" is created without OR REPLACE: a second run fails because it already exists",
                plain_name(name)
            ),
        )
        .in_statement(stmt.span);
    let words = kw(ctx, stmt, " OR REPLACE");
    let text = rewritten(ctx, stmt.span, create.end, &words, span.end);
    let extra = match trigger_table {
        Some(table) => format!(
            " (PostgreSQL 14+; before that, put DROP TRIGGER IF EXISTS {} ON {}; before it)",
            quote_if_needed(&name.name.value),
            table.display()
        ),
        None => String::new(),
    };
    d = d
        .with_help(format!("use {text}{extra}"))
        .with_fix("add OR REPLACE", insert(create.end, &words));
    out.push(d);
}

/// A `CREATE` without `OR REPLACE`/`IF NOT EXISTS` (a policy, a constraint trigger): the fix
/// puts `DROP <kind> IF EXISTS name ON table;` before it.
fn drop_first(
    ctx: &FileContext,
    stmt: &Statement,
    kind: &str,
    name: &Ident,
    table: &QualifiedName,
    out: &mut Vec<Diagnostic>,
) {
    let drop = format!(
        "{} {} {} {};",
        kw(
            ctx,
            stmt,
            &format!("DROP {} IF EXISTS", kind.to_ascii_uppercase())
        ),
        quote_if_needed(&name.value),
        kw(ctx, stmt, "ON"),
        table.display()
    );
    let newline = super::common::text::newline(&ctx.source().text);
    let indent = indentation(ctx, stmt.span.start);
    let first = first_line(ctx, stmt.span);
    let head = one_line(ctx.text(first));
    let more = if ctx
        .text(Span::new(first.end, stmt.span.end))
        .trim()
        .is_empty()
    {
        ""
    } else {
        " …"
    };
    out.push(
        ctx.diagnostic(
            &RULE,
            name.span,
            format!(
                "{kind} \"{}\" on \"{}\" is created without first dropping it: a second run fails because it already exists",
                name.value,
                plain_name(table)
            ),
        )
        .with_help(format!("drop it first: {drop} {head}{more}"))
        .with_fix(
            format!("drop the {kind} first if it exists"),
            vec![Edit {
                span: Span::empty(stmt.span.start),
                replacement: format!("{drop}{newline}{indent}"),
            }],
        )
        .in_statement(stmt.span),
    );
}

fn create_type(
    ctx: &FileContext,
    stmt: &Statement,
    kind: ObjectKind,
    name: &QualifiedName,
    out: &mut Vec<Diagnostic>,
) {
    let what = kind.sql().to_ascii_lowercase();
    let text = ctx.text(stmt.span);
    let tag = if text.contains("$$") {
        "$pgward$"
    } else {
        "$$"
    };
    let newline = super::common::text::newline(&ctx.source().text);
    let wrapped = format!(
        "DO {tag} BEGIN{newline}  {text};{newline}EXCEPTION WHEN duplicate_object THEN NULL;{newline}END {tag}"
    );
    let short = rewritten(ctx, stmt.span, name.span().start, "", name.span().end);
    let d = ctx
        .diagnostic(
            &RULE,
            name.span(),
            format!(
                "{what} \"{}\" is created unguarded: a second run fails because it already exists (CREATE {} has no IF NOT EXISTS)",
                plain_name(name),
                kind.sql()
            ),
        )
        .in_statement(stmt.span);
    let d = if stmt.context.in_do_block.is_some() {
        // Already in a DO block: the guard belongs to that block.
        d.with_help("give the DO block an EXCEPTION WHEN duplicate_object THEN NULL; handler, or check pg_type first")
    } else {
        d.with_help(format!(
            "guard it: DO $$ BEGIN {short}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
        ))
        .with_fix(
            "wrap in a DO block that ignores duplicate_object",
            vec![Edit {
                span: stmt.span,
                replacement: wrapped,
            }],
        )
    };
    out.push(d);
}

fn drop(ctx: &FileContext, stmt: &Statement, d: &crate::syntax::Drop, out: &mut Vec<Diagnostic>) {
    let Some(first) = d.names.first() else {
        return;
    };
    let at = first.span().start;
    let names: Vec<String> = d.names.iter().map(plain_name).collect();
    let last_end = d.names.last().map_or(first.span().end, |n| n.span().end);
    let kind = d.kind.sql().to_ascii_lowercase();
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    out.push(
        ctx.diagnostic(
            &RULE,
            first.span(),
            if names.len() == 1 {
                format!(
                    "{kind} {} is dropped without IF EXISTS: a second run fails because it is already gone",
                    quoted.join(", ")
                )
            } else {
                format!(
                    "{} {} are dropped without IF EXISTS: a second run fails because they are already gone",
                    plural(&kind),
                    quoted.join(", ")
                )
            },
        )
        .with_help(format!("use {}", rewritten(ctx, stmt.span, at, &kw(ctx, stmt, "IF EXISTS "), last_end)))
        .with_fix("add IF EXISTS", insert(at, &kw(ctx, stmt, "IF EXISTS ")))
        .in_statement(stmt.span),
    );
}

fn plural(kind: &str) -> String {
    match kind {
        "index" => "indexes".to_string(),
        "schema" => "schemas".to_string(),
        "policy" => "policies".to_string(),
        _ => format!("{kind}s"),
    }
}

/// The statement with a name and IF NOT EXISTS put before its `ON`, so UNIQUE, CONCURRENTLY and
/// the rest stay as written.
fn unnamed_index_help(
    ctx: &FileContext,
    stmt: &Statement,
    ci: &crate::syntax::CreateIndex,
) -> String {
    let name = quote_if_needed(&index_name(ci));
    format!(
        "name the index and add IF NOT EXISTS: {}",
        rewritten(
            ctx,
            stmt.span,
            ci.on_kw.start,
            &kw(ctx, stmt, &format!("IF NOT EXISTS {name} ")),
            ci.table.span().end
        )
    )
}

/// PostgreSQL's own choice of name for an unnamed index: `table_col1_col2_idx`.
fn index_name(ci: &crate::syntax::CreateIndex) -> String {
    let mut parts = vec![ci.table.name.value.clone()];
    parts.extend(
        ci.columns
            .iter()
            .filter_map(|c| c.column.as_ref().map(|i| i.value.clone())),
    );
    parts.push("idx".to_string());
    parts.join("_")
}
