//! `CREATE TABLE` and `ALTER TABLE`: the table, its columns and constraints, its actions.

use sqlparser::tokenizer::Token;

use super::*;

pub(super) fn create_table(c: &mut Cur, temporary: bool) -> Option<CreateTable> {
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
    // A `NOT NULL col` table constraint makes its column NOT NULL.
    for constraint in &t.constraints {
        if let ConstraintKind::NotNull(column) = &constraint.kind {
            for col in t
                .columns
                .iter_mut()
                .filter(|c| c.name.value == column.value)
            {
                col.not_null = true;
            }
        }
    }
    let rest = c.rest();
    if has_top_kw(rest, "AS") || has_top_kw(rest, "INHERITS") {
        t.columns_incomplete = true;
    }
    Some(t)
}

pub(super) fn starts_table_constraint(c: &Cur) -> bool {
    let Some(first) = c.peek() else { return false };
    ["CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK"]
        .iter()
        .any(|k| first.is_kw(k))
        || c.peek_kws(&["NOT", "NULL"])
        || (first.is_kw("EXCLUDE")
            && c.peek_n(1)
                .is_some_and(|t| t.is_kw("USING") || *t.token == Token::LParen))
}

/// `(a, b)` as names; elements that are not plain names are left out.
pub(super) fn ident_list(c: &mut Cur) -> Vec<Ident> {
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
pub(super) fn references(c: &mut Cur, columns: Vec<Ident>) -> Option<ForeignKey> {
    let ref_table = c.qname()?;
    let ref_columns = ident_list(c);
    let mut on_delete = FkAction::NoAction;
    loop {
        if c.kw("MATCH") {
            c.bump();
        } else if c.kws(&["ON", "DELETE"]) {
            on_delete = fk_action(c);
        } else if c.kws(&["ON", "UPDATE"]) {
            let _ = fk_action(c);
        } else {
            break;
        }
    }
    Some(ForeignKey {
        columns,
        ref_table,
        ref_columns,
        on_delete,
    })
}

/// `NO ACTION | RESTRICT | CASCADE | SET NULL [(cols)] | SET DEFAULT [(cols)]`.
fn fk_action(c: &mut Cur) -> FkAction {
    if c.kws(&["NO", "ACTION"]) {
        FkAction::NoAction
    } else if c.kw("RESTRICT") {
        FkAction::Restrict
    } else if c.kw("CASCADE") {
        FkAction::Cascade
    } else if c.kws(&["SET", "NULL"]) {
        let _ = c.group();
        FkAction::SetNull
    } else if c.kws(&["SET", "DEFAULT"]) {
        let _ = c.group();
        FkAction::SetDefault
    } else {
        c.doubt();
        FkAction::NoAction
    }
}

/// A table constraint: the whole cursor is one list element (or the tail of `ADD …`).
pub(super) fn table_constraint(mut c: Cur) -> Option<TableConstraint> {
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
        check_not_null = c
            .group()
            .and_then(|(s, e)| is_not_null_check(c.toks.get(s..e)?));
        ConstraintKind::Check
    } else if c.kw("EXCLUDE") {
        ConstraintKind::Exclude
    } else if c.kws(&["NOT", "NULL"]) {
        let column = c.ident()?;
        let _ = c.kws(&["NO", "INHERIT"]);
        if !c.at_end() {
            c.doubt();
        }
        ConstraintKind::NotNull(column)
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

pub(super) fn alter_table(c: &mut Cur) -> Option<Stmt> {
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
pub(super) fn alter_action_checked(c: Cur) -> Result<Option<AlterTableAction>, (String, Span)> {
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

pub(super) fn alter_action(c: &mut Cur) -> Option<AlterTableAction> {
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
    if (c.kw("ENABLE") || c.kw("DISABLE")) && {
        let _ = c.kw("REPLICA") || c.kw("ALWAYS");
        c.kw("TRIGGER") || c.kw("RULE")
    } {
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

/// Up to `n` leading unquoted words, upper case, space separated (`ALTER COLUMN`, `OWNER TO`).
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

pub(crate) fn leading_words(toks: &[Tok], n: usize) -> String {
    toks.iter()
        .take(n)
        .map_while(Tok::keyword)
        .collect::<Vec<_>>()
        .join(" ")
}
