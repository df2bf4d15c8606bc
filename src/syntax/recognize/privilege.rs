//! What the security rules read: `GRANT`/`REVOKE` on tables, sequences, functions and schemas,
//! `ALTER DEFAULT PRIVILEGES`, `ALTER FUNCTION … SECURITY|SET search_path`, `ALTER VIEW … SET
//! (security_invoker)`, `CREATE FOREIGN TABLE`, and the attributes of `CREATE FUNCTION` and
//! `CREATE VIEW`.

use sqlparser::tokenizer::Token;

use super::*;

/// A privilege list up to `ON`: `ALL [PRIVILEGES] [(cols)]` or `word [(cols)], …`. Returns the
/// table-wide privileges and the column ones.
fn privilege_list(c: &mut Cur) -> Option<(Privileges, Privileges)> {
    let mut whole = Privileges::NONE;
    let mut columns = Privileges::NONE;
    loop {
        let t = c.bump()?;
        let p = if t.is_kw("ALL") {
            let _ = c.kw("PRIVILEGES");
            Privileges::ALL
        } else {
            let word = t.keyword()?;
            // `ALTER SYSTEM` (a parameter privilege): a word we only need to skip.
            if word == "ALTER" {
                let _ = c.kw("SYSTEM");
            }
            Privileges::from_word(&word)?
        };
        if c.group().is_some() {
            columns = columns.union(p);
        } else {
            whole = whole.union(p);
        }
        if !c.eat(&Token::Comma) {
            break;
        }
    }
    Some((whole, columns))
}

/// The object kind words after `ON` (for `GRANT`) or after `ON` in default privileges
/// (`TABLES`, …). `None` for kinds the rules do not follow (types, databases, languages, …).
fn object_kind(c: &mut Cur) -> Option<(GrantObjectKind, bool)> {
    if c.kw("ALL") {
        let kind = if c.kw("TABLES") {
            GrantObjectKind::Table
        } else if c.kw("SEQUENCES") {
            GrantObjectKind::Sequence
        } else if c.kw("FUNCTIONS") || c.kw("PROCEDURES") || c.kw("ROUTINES") {
            GrantObjectKind::Function
        } else {
            return None;
        };
        return c.kws(&["IN", "SCHEMA"]).then_some((kind, true));
    }
    let kind = if c.kw("TABLE") {
        GrantObjectKind::Table
    } else if c.kw("SEQUENCE") {
        GrantObjectKind::Sequence
    } else if c.kw("FUNCTION") || c.kw("PROCEDURE") || c.kw("ROUTINE") {
        GrantObjectKind::Function
    } else if c.kw("SCHEMA") {
        GrantObjectKind::Schema
    } else if c.peek().is_some_and(|t| {
        [
            "TYPE",
            "DOMAIN",
            "DATABASE",
            "LANGUAGE",
            "LARGE",
            "FOREIGN",
            "TABLESPACE",
            "PARAMETER",
        ]
        .iter()
        .any(|k| t.is_kw(k))
    }) {
        return None;
    } else {
        GrantObjectKind::Table
    };
    Some((kind, false))
}

/// `role, GROUP role, PUBLIC, CURRENT_USER, …` up to the end or `WITH`/`GRANTED`/`CASCADE`.
fn grantees(c: &mut Cur) -> Option<Vec<String>> {
    let mut out = Vec::new();
    loop {
        let _ = c.kw("GROUP");
        out.push(c.ident()?.value);
        if !c.eat(&Token::Comma) {
            break;
        }
    }
    Some(out)
}

/// After `GRANT` / `REVOKE`: privileges on tables, sequences, functions and schemas. `None` for
/// role grants and other object kinds (the caller falls back).
pub(super) fn grant(c: &mut Cur, revoke: bool) -> Option<Stmt> {
    let mut body = *c;
    let stmt = grant_body(&mut body, revoke, false)?;
    complete(&body, stmt)
}

fn grant_body(c: &mut Cur, revoke: bool, defaults: bool) -> Option<Stmt> {
    let option_only = revoke && c.kws(&["GRANT", "OPTION", "FOR"]);
    let (privileges, column_privileges) = privilege_list(c)?;
    if !c.kw("ON") {
        return None;
    }
    let (kind, all_in_schema) = if defaults {
        let kind = if c.kw("TABLES") {
            GrantObjectKind::Table
        } else if c.kw("SEQUENCES") {
            GrantObjectKind::Sequence
        } else if c.kw("FUNCTIONS") || c.kw("ROUTINES") {
            GrantObjectKind::Function
        } else if c.kw("SCHEMAS") {
            GrantObjectKind::Schema
        } else {
            return None;
        };
        (kind, false)
    } else {
        object_kind(c)?
    };
    let mut objects = Vec::new();
    if !defaults {
        loop {
            let name = if kind == GrantObjectKind::Schema || all_in_schema {
                QualifiedName {
                    schema: None,
                    name: c.ident()?,
                }
            } else {
                c.qname()?
            };
            objects.push(name);
            // A function's argument types.
            if kind == GrantObjectKind::Function {
                let _ = c.group();
            }
            if !c.eat(&Token::Comma) {
                break;
            }
        }
    }
    if !c.kw(if revoke { "FROM" } else { "TO" }) {
        return None;
    }
    let grantees = grantees(c)?;
    if !revoke {
        let _ = c.kws(&["WITH", "GRANT", "OPTION"]);
    }
    if c.kws(&["GRANTED", "BY"]) {
        c.ident()?;
    }
    if revoke {
        let _ = c.kw("CASCADE") || c.kw("RESTRICT");
    }
    if option_only {
        // Only the grant option goes: the privileges stay.
        return Some(other("REVOKE"));
    }
    let grant = Grant {
        revoke,
        privileges,
        column_privileges,
        kind,
        all_in_schema,
        objects,
        grantees,
    };
    Some(Stmt::Grant(grant))
}

/// After `ALTER DEFAULT PRIVILEGES`.
pub(super) fn default_privileges(c: &mut Cur) -> Option<Stmt> {
    let mut for_roles = Vec::new();
    let mut schemas = Vec::new();
    loop {
        if c.kw("FOR") {
            if !(c.kw("ROLE") || c.kw("USER")) {
                return None;
            }
            for_roles.extend(grantees(c)?);
        } else if c.kws(&["IN", "SCHEMA"]) {
            loop {
                schemas.push(c.ident()?.value);
                if !c.eat(&Token::Comma) {
                    break;
                }
            }
        } else {
            break;
        }
    }
    let revoke = if c.kw("GRANT") {
        false
    } else if c.kw("REVOKE") {
        true
    } else {
        return None;
    };
    match grant_body(c, revoke, true)? {
        Stmt::Grant(grant) => complete(
            c,
            Stmt::DefaultPrivileges(DefaultPrivileges {
                for_roles,
                schemas,
                grant,
            }),
        ),
        other => complete(c, other),
    }
}

/// After `ALTER FUNCTION|PROCEDURE|ROUTINE`: `name [(args)] action …` when an action is
/// `SECURITY …`, `SET search_path`, `RESET search_path` or `RESET ALL`; `None` otherwise.
pub(super) fn alter_function(c: &mut Cur) -> Option<Stmt> {
    let _ = c.kws(&["IF", "EXISTS"]);
    let name = c.qname()?;
    let _ = c.group();
    let mut security_definer = None;
    let mut search_path = None;
    while !c.at_end() {
        if c.kw("EXTERNAL") {
            continue;
        }
        if c.kw("SECURITY") {
            if c.kw("DEFINER") {
                security_definer = Some(true);
            } else if c.kw("INVOKER") {
                security_definer = Some(false);
            }
            continue;
        }
        if c.kw("SET") {
            if c.peek_kw("SCHEMA") {
                return None;
            }
            if c.peek().is_some_and(|t| t.is_kw("search_path")) {
                search_path = Some(true);
            }
            // The value, up to the next action.
            while !c.at_end() && !c.peek_kw("SET") && !c.peek_kw("RESET") && !c.peek_kw("SECURITY")
            {
                c.bump();
            }
            continue;
        }
        if c.kw("RESET") {
            if c.kw("ALL") || c.peek().is_some_and(|t| t.is_kw("search_path")) {
                search_path = Some(false);
            }
            c.bump();
            continue;
        }
        if c.peek_kw("RENAME") || c.peek_kw("OWNER") || c.peek_kw("DEPENDS") {
            return None;
        }
        c.bump();
    }
    if security_definer.is_none() && search_path.is_none() {
        return None;
    }
    Some(Stmt::AlterFunction {
        name,
        security_definer,
        search_path,
    })
}

/// A boolean option value: `true`, `on`, `1`, `yes` (a bare option is true).
fn option_true(c: &mut Cur) -> bool {
    if !c.eat(&Token::Eq) {
        return true;
    }
    match c.bump() {
        Some(t) => match t.token {
            Token::Word(w) => {
                matches!(w.value.to_ascii_lowercase().as_str(), "true" | "on" | "yes")
            }
            Token::SingleQuotedString(s) => {
                matches!(s.to_ascii_lowercase().as_str(), "true" | "on" | "yes" | "1")
            }
            Token::Number(n, _) => n == "1",
            _ => false,
        },
        None => false,
    }
}

/// The value of `security_invoker` in an option group `(a = b, …)` at the cursor, if set.
fn invoker_option(c: &mut Cur) -> Option<bool> {
    let (s, e) = c.group()?;
    let mut inner = c.slice(s, e);
    let mut found = None;
    while !inner.at_end() {
        if inner.peek().is_some_and(|t| t.is_kw("security_invoker")) {
            inner.bump();
            found = Some(option_true(&mut inner));
            continue;
        }
        inner.bump();
    }
    found
}

/// After `ALTER VIEW`: `[IF EXISTS] name SET (… security_invoker …)` / `RESET (…)`.
pub(super) fn alter_view(c: &mut Cur) -> Option<Stmt> {
    let _ = c.kws(&["IF", "EXISTS"]);
    let name = c.qname()?;
    let security_invoker = if c.kw("SET") {
        invoker_option(c)?
    } else if c.kw("RESET") {
        invoker_option(c).map(|_| false)?
    } else {
        return None;
    };
    complete(
        c,
        Stmt::AlterViewInvoker {
            name,
            security_invoker,
        },
    )
}

/// After `CREATE FOREIGN TABLE`.
pub(super) fn create_foreign_table(c: &mut Cur) -> Option<Stmt> {
    let if_not_exists = c.kws(&["IF", "NOT", "EXISTS"]);
    let name = c.qname()?;
    Some(Stmt::CreateForeignTable {
        name,
        if_not_exists,
    })
}

/// The attributes of `CREATE FUNCTION`, read after its name.
pub(super) fn function_attrs(c: &mut Cur) -> FunctionAttrs {
    let mut attrs = FunctionAttrs::default();
    let _ = c.group();
    while let Some(t) = c.bump() {
        if t.is_kw("RETURNS") {
            attrs.returns_trigger =
                c.peek_kw("TRIGGER") || c.peek().is_some_and(|t| t.is_kw("event_trigger"));
        } else if t.is_kw("SECURITY") {
            if c.kw("DEFINER") {
                attrs.security_definer = true;
            } else if c.kw("INVOKER") {
                attrs.security_definer = false;
            }
        } else if t.is_kw("SET") {
            if c.peek().is_some_and(|t| t.is_kw("search_path")) {
                attrs.search_path = true;
            }
        } else if (t.is_kw("BEGIN") && c.peek_kw("ATOMIC")) || t.is_kw("RETURN") {
            attrs.sql_body = true;
            break;
        } else if *t.token == Token::LParen {
            // Skip groups (`RETURNS TABLE (…)`, defaults) wholesale.
            c.pos -= 1;
            if c.group().is_none() {
                c.bump();
            }
        }
    }
    attrs
}

/// The facts of `CREATE VIEW`, read after its name.
pub(super) fn view_facts(c: &mut Cur) -> ViewFacts {
    let mut facts = ViewFacts::default();
    // `(columns)`, `USING method`, `WITH (options)`, `TABLESPACE t`, then `AS query`.
    loop {
        if c.at_end() {
            return facts;
        }
        if c.peek_kw("WITH") && c.peek_n(1).is_some_and(|t| *t.token == Token::LParen) {
            c.bump();
            facts.security_invoker = invoker_option(c).unwrap_or(false);
        } else if c.kw("AS") {
            break;
        } else if c.group().is_none() {
            c.bump();
        }
    }
    let toks = c.rest();
    // Names the query defines itself: `WITH name [(cols)] AS [NOT] [MATERIALIZED] (`.
    let mut ctes: Vec<String> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.is_kw("AS")
            && i > 0
            && let Some(name) = cte_name(toks, i)
        {
            ctes.push(name);
        }
    }
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        i += 1;
        if !(t.is_kw("FROM") || t.is_kw("JOIN")) {
            continue;
        }
        // `FROM a [alias], b [alias], …` and `JOIN a`.
        loop {
            // `ONLY`, `LATERAL`, and the parentheses of a joined group (`FROM (a JOIN b ON …)`,
            // as PostgreSQL prints views), but not of a subquery.
            while toks.get(i).is_some_and(|t| {
                t.is_kw("ONLY")
                    || t.is_kw("LATERAL")
                    || (*t.token == Token::LParen
                        && toks.get(i + 1).is_some_and(|n| {
                            n.is_word()
                                && !n.is_kw("SELECT")
                                && !n.is_kw("WITH")
                                && !n.is_kw("VALUES")
                        }))
            }) {
                i += 1;
            }
            let mut sub = c.over(toks.get(i..).unwrap_or(&[]));
            let Some(name) = sub.qname() else { break };
            i += sub.pos;
            let called = toks.get(i).is_some_and(|t| *t.token == Token::LParen);
            let cte = name.schema.is_none() && ctes.contains(&name.name.value);
            if !called && !cte {
                facts.reads.push(name);
            }
            if !t.is_kw("FROM") {
                break;
            }
            // Skip an alias (`AS a`, `a`, `a (x, y)`), then continue on a comma.
            if toks.get(i).is_some_and(|t| t.is_kw("AS")) {
                i += 1;
            }
            if toks.get(i).is_some_and(|t| {
                t.is_word()
                    && ![
                        "WHERE",
                        "JOIN",
                        "LEFT",
                        "RIGHT",
                        "INNER",
                        "FULL",
                        "CROSS",
                        "ON",
                        "GROUP",
                        "ORDER",
                        "LIMIT",
                        "UNION",
                        "EXCEPT",
                        "INTERSECT",
                        "HAVING",
                        "WINDOW",
                        "NATURAL",
                        "USING",
                        "OFFSET",
                        "FETCH",
                        "FOR",
                        "TABLESAMPLE",
                    ]
                    .iter()
                    .any(|k| t.is_kw(k))
            }) {
                i += 1;
            }
            if toks.get(i).is_some_and(|t| *t.token == Token::LParen) {
                let mut g = c.over(toks.get(i..).unwrap_or(&[]));
                if g.group().is_some() {
                    i += g.pos;
                }
            }
            if toks.get(i).is_some_and(|t| *t.token == Token::Comma) {
                i += 1;
                continue;
            }
            break;
        }
    }
    facts
}

/// The name a `WITH` item defines, for the `AS` at `toks[at]`: `name AS (`, `name (cols) AS (`,
/// `name AS [NOT] MATERIALIZED (`.
fn cte_name(toks: &[Tok], at: usize) -> Option<String> {
    let mut j = at + 1;
    if toks.get(j).is_some_and(|t| t.is_kw("NOT")) {
        j += 1;
    }
    if toks.get(j).is_some_and(|t| t.is_kw("MATERIALIZED")) {
        j += 1;
    }
    if toks.get(j).is_none_or(|t| *t.token != Token::LParen) {
        return None;
    }
    let mut k = at - 1;
    if *toks.get(k)?.token == Token::RParen {
        // `name (cols) AS`: back to the `(`.
        let mut depth = 0usize;
        loop {
            match toks.get(k)?.token {
                Token::RParen => depth += 1,
                Token::LParen => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            k = k.checked_sub(1)?;
        }
        k = k.checked_sub(1)?;
    }
    ident_of(toks.get(k)?).map(|i| i.value)
}
