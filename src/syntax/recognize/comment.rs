//! `COMMENT ON <object> IS 'text' | NULL`.

use super::*;

/// The kinds of object a comment can be on, longest spelling first where one is a prefix of
/// another. The object after the kind is read by [`comment_object`].
const COMMENT_KINDS: &[&[&str]] = &[
    &["MATERIALIZED", "VIEW"],
    &["FOREIGN", "DATA", "WRAPPER"],
    &["FOREIGN", "TABLE"],
    &["EVENT", "TRIGGER"],
    &["PROCEDURAL", "LANGUAGE"],
    &["ACCESS", "METHOD"],
    &["TEXT", "SEARCH", "CONFIGURATION"],
    &["TEXT", "SEARCH", "DICTIONARY"],
    &["TEXT", "SEARCH", "PARSER"],
    &["TEXT", "SEARCH", "TEMPLATE"],
    &["LARGE", "OBJECT"],
    &["COLUMN"],
    &["TABLE"],
    &["VIEW"],
    &["INDEX"],
    &["SEQUENCE"],
    &["TYPE"],
    &["DOMAIN"],
    &["FUNCTION"],
    &["PROCEDURE"],
    &["ROUTINE"],
    &["AGGREGATE"],
    &["SCHEMA"],
    &["EXTENSION"],
    &["TRIGGER"],
    &["POLICY"],
    &["RULE"],
    &["CONSTRAINT"],
    &["SERVER"],
    &["ROLE"],
    &["DATABASE"],
    &["TABLESPACE"],
    &["PUBLICATION"],
    &["SUBSCRIPTION"],
    &["COLLATION"],
    &["CONVERSION"],
    &["LANGUAGE"],
    &["STATISTICS"],
    &["CAST"],
];

/// `COMMENT ON kind object IS text`, the text being `NULL` or one or more string constants
/// (PostgreSQL joins constants separated by a line break: `'a'\n'b'`). Operators, operator
/// classes and families and transforms are left to sqlparser.
pub(super) fn comment(c: &mut Cur) -> Option<Stmt> {
    if !c.kw("ON") {
        return None;
    }
    let words = COMMENT_KINDS.iter().find(|w| c.peek_kws(w))?;
    c.pos += words.len();
    comment_object(c, words)?;
    if !c.kw("IS") {
        return None;
    }
    if !c.kw("NULL") {
        let mut strings = 0;
        while c.peek().is_some_and(is_string) {
            c.bump();
            strings += 1;
        }
        if strings == 0 {
            return None;
        }
    }
    complete(c, other("COMMENT"))
}

/// The object of a comment, up to `IS`.
fn comment_object(c: &mut Cur, kind: &[&str]) -> Option<()> {
    match kind {
        ["CAST"] => {
            c.group()?;
        }
        ["LARGE", "OBJECT"] => {
            c.bump().filter(|t| matches!(t.token, Token::Number(..)))?;
        }
        ["TRIGGER"] | ["POLICY"] | ["RULE"] => {
            c.ident()?;
            if !c.kw("ON") {
                return None;
            }
            c.qname()?;
        }
        ["CONSTRAINT"] => {
            c.ident()?;
            if !c.kw("ON") {
                return None;
            }
            let _ = c.kw("DOMAIN");
            c.qname()?;
        }
        _ => {
            c.qname()?;
            // Argument types of a function, procedure, routine or aggregate.
            if matches!(
                kind,
                ["FUNCTION"] | ["PROCEDURE"] | ["ROUTINE"] | ["AGGREGATE"]
            ) {
                let _ = c.group();
            }
        }
    }
    Some(())
}
