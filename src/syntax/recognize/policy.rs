//! `CREATE POLICY` and `ALTER POLICY`.

use sqlparser::tokenizer::Token;

use super::*;

pub(super) fn create_policy(c: &mut Cur) -> Option<Stmt> {
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
    let roles = if c.kw("TO") { role_list(c) } else { Vec::new() };
    let using = if c.kw("USING") { expr(c) } else { None };
    let with_check = if c.kws(&["WITH", "CHECK"]) {
        expr(c)
    } else {
        None
    };
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
        using,
        with_check,
    }))
}

/// `role, role, …` after `TO`.
fn role_list(c: &mut Cur) -> Vec<String> {
    let mut roles = Vec::new();
    loop {
        if let Some(r) = c.ident() {
            roles.push(r.value);
        }
        if !c.eat(&Token::Comma) {
            break;
        }
    }
    roles
}

/// A parenthesised policy expression at the cursor, read by [`policy_expr`].
fn expr(c: &mut Cur) -> Option<PolicyExpr> {
    match c.group() {
        Some((open, close)) => c
            .toks
            .get(open.saturating_sub(1)..=close)
            .and_then(crate::syntax::policy_expr::policy_expr),
        None => {
            c.doubt();
            None
        }
    }
}

pub(super) fn alter_policy(c: &mut Cur) -> Option<Stmt> {
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
    let roles = c.kw("TO").then(|| role_list(c));
    let using = if c.kw("USING") { expr(c) } else { None };
    let with_check = if c.kws(&["WITH", "CHECK"]) {
        expr(c)
    } else {
        None
    };
    Some(Stmt::AlterPolicy(AlterPolicy {
        name,
        table,
        rename_to,
        roles,
        using,
        with_check,
    }))
}
