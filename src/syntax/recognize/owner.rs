//! `ALTER <kind> name OWNER TO role`, for every kind that has an owner (pg_dump writes one after
//! each object it creates).

use super::*;

/// The kinds, longest spelling first where one is a prefix of another.
const OWNED_KINDS: &[&[&str]] = &[
    &["MATERIALIZED", "VIEW"],
    &["FOREIGN", "DATA", "WRAPPER"],
    &["FOREIGN", "TABLE"],
    &["EVENT", "TRIGGER"],
    &["PROCEDURAL", "LANGUAGE"],
    &["TEXT", "SEARCH", "CONFIGURATION"],
    &["TEXT", "SEARCH", "DICTIONARY"],
    &["TYPE"],
    &["DOMAIN"],
    &["SEQUENCE"],
    &["FUNCTION"],
    &["PROCEDURE"],
    &["ROUTINE"],
    &["AGGREGATE"],
    &["STATISTICS"],
    &["SCHEMA"],
    &["VIEW"],
    &["LANGUAGE"],
    &["SERVER"],
    &["COLLATION"],
    &["CONVERSION"],
    &["DATABASE"],
    &["TABLESPACE"],
    &["SUBSCRIPTION"],
];

/// `ALTER <kind> [IF EXISTS] name [(argument types)] OWNER TO role`; `None` for anything else.
pub(super) fn alter_owner(c: &mut Cur) -> Option<Stmt> {
    let words = OWNED_KINDS.iter().find(|w| c.peek_kws(w))?;
    c.pos += words.len();
    let _ = c.kws(&["IF", "EXISTS"]);
    c.qname()?;
    // A function's, procedure's or aggregate's argument types.
    let _ = c.group();
    if !c.kws(&["OWNER", "TO"]) {
        return None;
    }
    c.ident()?;
    if !c.at_end() {
        return None;
    }
    Some(other(&format!("ALTER {}", words.join(" "))))
}
