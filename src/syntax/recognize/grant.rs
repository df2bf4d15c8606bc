//! `GRANT`/`REVOKE` on types and domains (sqlparser reads the other object kinds).

use super::*;

/// `GRANT privileges ON {TYPE|DOMAIN} names TO grantees [WITH GRANT OPTION] [GRANTED BY r]`,
/// `REVOKE [GRANT OPTION FOR] privileges ON {TYPE|DOMAIN} names FROM grantees [GRANTED BY r]
/// [CASCADE|RESTRICT]`; `None` for other objects.
pub(super) fn grant_on_type(c: &mut Cur, revoke: bool) -> Option<Stmt> {
    if revoke {
        let _ = c.kws(&["GRANT", "OPTION", "FOR"]);
    }
    // Privileges: `ALL [PRIVILEGES]` or a list of words (`USAGE`).
    loop {
        let t = c.bump()?;
        if !t.is_word() || t.is_kw("ON") {
            return None;
        }
        let _ = t.is_kw("ALL") && c.kw("PRIVILEGES");
        if !c.eat(&Token::Comma) {
            break;
        }
    }
    if !c.kw("ON") || !(c.kw("TYPE") || c.kw("DOMAIN")) {
        return None;
    }
    loop {
        c.qname()?;
        if !c.eat(&Token::Comma) {
            break;
        }
    }
    if !c.kw(if revoke { "FROM" } else { "TO" }) {
        return None;
    }
    loop {
        let _ = c.kw("GROUP");
        c.ident()?;
        if !c.eat(&Token::Comma) {
            break;
        }
    }
    if !revoke {
        let _ = c.kws(&["WITH", "GRANT", "OPTION"]);
    }
    if c.kws(&["GRANTED", "BY"]) {
        c.ident()?;
    }
    if revoke {
        let _ = c.kw("CASCADE") || c.kw("RESTRICT");
    }
    complete(c, other(if revoke { "REVOKE" } else { "GRANT" }))
}
