//! One statement's text → our [`Stmt`]. sqlparser (PostgreSqlDialect) decides whether the text is
//! something it understands; the token recognizers read the facts; when sqlparser fails, the
//! rules of DESIGN.md ("When is something a parse error?") decide between `Invalid` (only when we
//! are sure the text is not PostgreSQL) and `Unsupported`. No sqlparser AST outlives this call.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::lex::{Origin, Tok, lex, significant};
use super::model::Stmt;
use super::recognize::recognize_with_doubt;
use crate::source::Span;

/// Deeper nesting than this is not handed to sqlparser (its recursion would be the risk, and no
/// real migration nests that deep).
const MAX_NESTING: usize = 200;

/// Every command PostgreSQL's grammar starts a statement with.
const STATEMENT_KEYWORDS: &[&str] = &[
    "ABORT",
    "ALTER",
    "ANALYZE",
    "ANALYSE",
    "BEGIN",
    "CALL",
    "CHECKPOINT",
    "CLOSE",
    "CLUSTER",
    "COMMENT",
    "COMMIT",
    "COPY",
    "CREATE",
    "DEALLOCATE",
    "DECLARE",
    "DELETE",
    "DISCARD",
    "DO",
    "DROP",
    "END",
    "EXECUTE",
    "EXPLAIN",
    "FETCH",
    "GRANT",
    "IMPORT",
    "INSERT",
    "LISTEN",
    "LOAD",
    "LOCK",
    "MERGE",
    "MOVE",
    "NOTIFY",
    "PREPARE",
    "REASSIGN",
    "REFRESH",
    "REINDEX",
    "RELEASE",
    "RESET",
    "REVOKE",
    "ROLLBACK",
    "SAVEPOINT",
    "SECURITY",
    "SELECT",
    "SET",
    "SHOW",
    "START",
    "TABLE",
    "TRUNCATE",
    "UNLISTEN",
    "UPDATE",
    "VACUUM",
    "VALUES",
    "WITH",
];

/// Words that may follow `CREATE`/`ALTER`/`DROP` (the first word of an object kind, or a
/// modifier before it: `UNIQUE INDEX`, `TEMP TABLE`, `EVENT TRIGGER`, `TEXT SEARCH …`).
const OBJECT_KIND_FIRST: &[&str] = &[
    "ACCESS",
    "AGGREGATE",
    "CAST",
    "COLLATION",
    "CONSTRAINT",
    "CONVERSION",
    "DATABASE",
    "DEFAULT",
    "DOMAIN",
    "EVENT",
    "EXTENSION",
    "FOREIGN",
    "FUNCTION",
    "GLOBAL",
    "GROUP",
    "INDEX",
    "LANGUAGE",
    "LARGE",
    "LOCAL",
    "MATERIALIZED",
    "OPERATOR",
    "OWNED",
    "POLICY",
    "PROCEDURAL",
    "PROCEDURE",
    "PUBLICATION",
    "RECURSIVE",
    "ROLE",
    "ROUTINE",
    "RULE",
    "SCHEMA",
    "SEQUENCE",
    "SERVER",
    "STATISTICS",
    "SUBSCRIPTION",
    "SYSTEM",
    "TABLE",
    "TABLESPACE",
    "TEMP",
    "TEMPORARY",
    "TEXT",
    "TRANSFORM",
    "TRIGGER",
    "TRUSTED",
    "TYPE",
    "UNIQUE",
    "UNLOGGED",
    "USER",
    "VIEW",
];

/// Modifier words that continue a `CREATE …` keyword phrase (`CREATE EVENT TRIGGER`).
const KIND_PREFIX: &[&str] = &[
    "OR",
    "REPLACE",
    "GLOBAL",
    "LOCAL",
    "TEMP",
    "TEMPORARY",
    "UNLOGGED",
    "UNIQUE",
    "CONSTRAINT",
    "TRUSTED",
    "PROCEDURAL",
    "RECURSIVE",
    "MATERIALIZED",
    "EVENT",
    "FOREIGN",
    "DATA",
    "TEXT",
    "SEARCH",
    "DEFAULT",
    "ACCESS",
    "USER",
    "LARGE",
    "OPERATOR",
];

/// Turn one statement (`text`, starting at file offset `base`, without its `;`) into a [`Stmt`].
/// Every span in the result is a file offset.
pub fn convert(text: &str, base: usize) -> Stmt {
    convert_from(text, Origin::At(base))
}

/// [`convert`] for a statement whose text is not verbatim file text (a string run by `EXECUTE`):
/// `origin` maps its bytes to the file.
pub(crate) fn convert_from(text: &str, origin: Origin) -> Stmt {
    let raw = match lex(text, origin) {
        Ok(raw) => raw,
        Err((message, at)) => {
            let keyword = first_word(text);
            // Text that never ends (string, quoted name, comment) is certainly broken; other
            // tokenizer complaints (`1_000`, odd operators) may be PostgreSQL sqlparser lacks.
            let unterminated = message.starts_with("Unterminated")
                || message.starts_with("Unexpected EOF")
                || message.ends_with("before EOF.");
            if unterminated || !is_statement_keyword(&keyword) {
                return Stmt::Invalid { message, at };
            }
            return Stmt::Unsupported { keyword, message };
        }
    };
    let toks = significant(&raw, text, origin);
    let Some(first) = toks.first() else {
        return Stmt::Other {
            keyword: String::new(),
        };
    };

    let depth = match nesting(&toks) {
        Ok(depth) => depth,
        Err((message, at)) => {
            return Stmt::Invalid {
                message: message.into(),
                at,
            };
        }
    };

    // Not a statement PostgreSQL knows, whatever sqlparser (which speaks many dialects) thinks.
    if let Some(at) = bad_start(&toks) {
        let near = toks
            .iter()
            .find(|t| t.span == at)
            .map_or_else(String::new, Tok::near);
        let message = if at == first.span {
            format!("syntax error at or near {near}: not a PostgreSQL statement")
        } else {
            format!(
                "syntax error at or near {near}: unknown object type after {}",
                first.keyword().unwrap_or_default()
            )
        };
        return Stmt::Invalid { message, at };
    }

    // A missing comma between column definitions, which sqlparser sometimes accepts.
    if let Origin::At(base) = origin
        && let Some(at) = missing_comma(&toks, text, base)
    {
        let near = toks
            .iter()
            .find(|t| t.span == at)
            .map_or_else(String::new, Tok::near);
        return Stmt::Invalid {
            message: format!(
                "syntax error at or near {near}: a comma is missing before this column definition"
            ),
            at,
        };
    }

    // Everything the tokens can tell, read before the tokens go to sqlparser (no copies).
    let keyword = leading_keyword(&toks);
    if depth > MAX_NESTING {
        // Not validated by sqlparser, so the user must hear that it was not analysed (issue 6:
        // hostile nesting is a diagnostic, never a stack overflow or silence).
        return Stmt::Unsupported {
            keyword,
            message: format!("parentheses nested {depth} deep: too deep to analyse"),
        };
    }
    let recognized = recognize_with_doubt(&toks);
    let empty_element = empty_list_element(&toks);
    drop(toks);

    // A recognizer that read every token vouches for the facts whatever sqlparser says (see
    // the match below): sqlparser's parser could only change the answer through an empty list
    // element, so it is not run at all then (it is most of the cost of a statement).
    let recognized = match recognized {
        Some((stmt, false)) if empty_element.is_none() && !matches!(stmt, Stmt::Invalid { .. }) => {
            return stmt;
        }
        other => other,
    };

    let dialect = PostgreSqlDialect {};
    let parsed = Parser::new(&dialect)
        .with_tokens_with_locations(raw.tokens)
        .parse_statements();
    match parsed {
        // The AST is dropped here: the recognizers read the facts from the tokens.
        Ok(_) => match recognized {
            // sqlparser accepted what a recognizer rejects: trust sqlparser, claim nothing.
            Some((Stmt::Invalid { .. }, _)) | None => Stmt::Other { keyword },
            Some((stmt, _)) => stmt,
        },
        Err(e) => {
            let message = clean_message(&e);
            if let Some(at) = empty_element {
                return Stmt::Invalid { message, at };
            }
            // A recognizer that read every token vouches for the facts (PostgreSQL syntax
            // sqlparser lacks); one that skipped something it does not know does not.
            match recognized {
                Some((stmt, false)) => stmt,
                _ => Stmt::Unsupported { keyword, message },
            }
        }
    }
}

/// sqlparser's message without the `sql parser error: ` prefix and the ` at Line: …` suffix
/// (positions are ours to report).
fn clean_message(e: &ParserError) -> String {
    let msg = match e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.as_str(),
        ParserError::RecursionLimitExceeded => "nesting too deep (recursion limit exceeded)",
    };
    let msg = match msg.rfind(" at Line: ") {
        Some(i) => &msg[..i],
        None => msg,
    };
    msg.trim().to_string()
}

/// The first word of `text` after whitespace and comments, upper case.
fn first_word(text: &str) -> String {
    let mut rest = text.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

fn is_statement_keyword(kw: &str) -> bool {
    STATEMENT_KEYWORDS.contains(&kw)
}

/// Maximum parenthesis depth, or the message and span of the first unbalanced parenthesis.
fn nesting(toks: &[Tok]) -> Result<usize, (&'static str, Span)> {
    let mut open: Vec<Span> = Vec::new();
    let mut max = 0;
    for t in toks {
        match t.token {
            Token::LParen => {
                open.push(t.span);
                max = max.max(open.len());
            }
            Token::RParen if open.pop().is_none() => {
                return Err((
                    "unbalanced parentheses: this \")\" has no matching \"(\"",
                    t.span,
                ));
            }
            _ => {}
        }
    }
    match open.pop() {
        Some(at) => Err(("unbalanced parentheses: this \"(\" is never closed", at)),
        None => Ok(max),
    }
}

/// The span of the token that makes the start of the statement not PostgreSQL: an unknown
/// command, or an unknown object kind after `CREATE`/`ALTER`/`DROP`.
fn bad_start(toks: &[Tok]) -> Option<Span> {
    let first = toks.first()?;
    if *first.token == Token::LParen {
        return None;
    }
    let Some(kw) = first.keyword() else {
        return Some(first.span);
    };
    if !is_statement_keyword(&kw) {
        return Some(first.span);
    }
    if matches!(kw.as_str(), "CREATE" | "ALTER" | "DROP") {
        let mut i = 1;
        if kw == "CREATE"
            && toks.get(1).is_some_and(|t| t.is_kw("OR"))
            && toks.get(2).is_some_and(|t| t.is_kw("REPLACE"))
        {
            i = 3;
        }
        let Some(next) = toks.get(i) else {
            // `CREATE` alone: sqlparser reports it; nothing to point at but the keyword.
            return Some(first.span);
        };
        let known = next
            .keyword()
            .is_some_and(|k| OBJECT_KIND_FIRST.contains(&k.as_str()));
        if !known {
            return Some(next.span);
        }
    }
    None
}

/// Reserved words that end a list and can never start a list element (`SELECT a, FROM t`).
const LIST_ENDERS: &[&str] = &[
    "FROM",
    "WHERE",
    "GROUP",
    "HAVING",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "RETURNING",
    "WINDOW",
    "THEN",
    "ELSE",
    "END",
];

/// `a,, b`, `(, a)`, `(a, )`, `a, FROM`: the offending token.
fn empty_list_element(toks: &[Tok]) -> Option<Span> {
    toks.windows(2).find_map(|w| {
        let [a, b] = w else { return None };
        let empty = match (a.token, b.token) {
            (Token::Comma, Token::Comma | Token::RParen) | (Token::LParen, Token::Comma) => true,
            (Token::Comma, Token::Word(_)) => LIST_ENDERS.iter().any(|k| b.is_kw(k)),
            _ => false,
        };
        empty.then_some(b.span)
    })
}

/// Type names that, right after a name on a new line, make it a column definition.
const COLUMN_TYPES: &[&str] = &[
    "TEXT",
    "VARCHAR",
    "CHAR",
    "CHARACTER",
    "INT",
    "INT2",
    "INT4",
    "INT8",
    "INTEGER",
    "BIGINT",
    "SMALLINT",
    "SERIAL",
    "BIGSERIAL",
    "SMALLSERIAL",
    "UUID",
    "BOOLEAN",
    "BOOL",
    "TIMESTAMP",
    "TIMESTAMPTZ",
    "DATE",
    "NUMERIC",
    "DECIMAL",
    "REAL",
    "FLOAT",
    "FLOAT4",
    "FLOAT8",
    "MONEY",
    "JSON",
    "JSONB",
    "BYTEA",
    "INET",
    "CIDR",
    "CITEXT",
    "TSVECTOR",
];

/// Words that continue a column definition on its next line (constraints, multi-word types).
const COLUMN_CONTINUATIONS: &[&str] = &[
    "CONSTRAINT",
    "NOT",
    "NULL",
    "CHECK",
    "DEFAULT",
    "GENERATED",
    "UNIQUE",
    "PRIMARY",
    "REFERENCES",
    "COLLATE",
    "DEFERRABLE",
    "INITIALLY",
    "COMPRESSION",
    "STORAGE",
    "ON",
    "MATCH",
    "WITH",
    "WITHOUT",
    "USING",
    "NO",
    "AS",
    "ALWAYS",
    "BY",
    "STORED",
    "VIRTUAL",
    "INCLUDE",
    "NULLS",
    "VARYING",
    "PRECISION",
    "ZONE",
    "ARRAY",
    "SET",
    "CASCADE",
    "RESTRICT",
    "ACTION",
    "FULL",
    "PARTIAL",
    "SIMPLE",
    "IMMEDIATE",
    "DEFERRED",
    "DELETE",
    "UPDATE",
    "INDEX",
    "TABLESPACE",
];

/// In `CREATE TABLE name ( … )`, a column element that runs on into `\n other_name type`: the
/// comma between two column definitions is missing (PostgreSQL reports the second name). Only
/// this sure shape counts: a new line, at the element's top level, after a complete word,
/// number, string or `)`, starting with a name that cannot continue a column definition and is
/// followed by a common type name.
fn missing_comma(toks: &[Tok], text: &str, base: usize) -> Option<Span> {
    if !toks.first()?.is_kw("CREATE") {
        return None;
    }
    let table = toks.iter().take(4).position(|t| t.is_kw("TABLE"))?;
    let mut i = table + 1;
    if toks.get(i).is_some_and(|t| t.is_kw("IF")) {
        i += 3;
    }
    // The table name: word (. word)*
    if !toks.get(i)?.is_word() {
        return None;
    }
    i += 1;
    while toks.get(i).is_some_and(|t| *t.token == Token::Period) {
        i += 2;
    }
    if *toks.get(i)?.token != Token::LParen {
        return None;
    }
    let newline_before = |k: usize| {
        let (Some(prev), Some(cur)) = (toks.get(k.wrapping_sub(1)), toks.get(k)) else {
            return false;
        };
        text.get(prev.span.end.saturating_sub(base)..cur.span.start.saturating_sub(base))
            .is_some_and(|gap| gap.contains('\n'))
    };
    let mut depth = 0usize;
    // Index (in `toks`) of the current element's first token.
    let mut element_start = i + 1;
    for k in i..toks.len() {
        let t = toks.get(k)?;
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return None;
                }
            }
            Token::Comma if depth == 1 => element_start = k + 1,
            Token::Word(w) if depth == 1 && k >= element_start + 2 && newline_before(k) => {
                let continues =
                    w.quote_style.is_none() && COLUMN_CONTINUATIONS.iter().any(|c| t.is_kw(c));
                let typed = toks
                    .get(k + 1)
                    .is_some_and(|n| COLUMN_TYPES.iter().any(|c| n.is_kw(c)));
                let after_complete = toks.get(k - 1).is_some_and(|p| match p.token {
                    Token::Word(pw) => {
                        pw.quote_style.is_some()
                            || ![
                                "DEFAULT",
                                "COLLATE",
                                "REFERENCES",
                                "CONSTRAINT",
                                "AS",
                                "USING",
                            ]
                            .iter()
                            .any(|c| p.is_kw(c))
                    }
                    Token::RParen | Token::Number(..) | Token::SingleQuotedString(_) => true,
                    _ => false,
                });
                if !continues && typed && after_complete {
                    return Some(t.span);
                }
            }
            _ => {}
        }
    }
    None
}

/// The statement's leading keyword(s) in upper case: `INSERT`, `GRANT`, `CREATE EVENT TRIGGER`,
/// `ALTER SEQUENCE`, `SECURITY LABEL`.
fn leading_keyword(toks: &[Tok]) -> String {
    let Some(first) = toks.first() else {
        return String::new();
    };
    if *first.token == Token::LParen {
        return "SELECT".into();
    }
    let Some(kw) = first.keyword() else {
        return first.token.to_string();
    };
    let mut words = vec![kw.clone()];
    match kw.as_str() {
        "CREATE" | "ALTER" | "DROP" => {
            for t in toks.iter().skip(1).take(5) {
                let Some(w) = t.keyword() else { break };
                let prefix = KIND_PREFIX.contains(&w.as_str());
                let kind = OBJECT_KIND_FIRST.contains(&w.as_str())
                    || matches!(
                        w.as_str(),
                        "WRAPPER"
                            | "CONFIGURATION"
                            | "DICTIONARY"
                            | "PARSER"
                            | "TEMPLATE"
                            | "PRIVILEGES"
                            | "METHOD"
                            | "MAPPING"
                            | "OBJECT"
                            | "CLASS"
                            | "FAMILY"
                            | "BY"
                    );
                if !prefix && !kind {
                    break;
                }
                words.push(w);
                if !prefix {
                    break;
                }
            }
        }
        "SECURITY" | "REFRESH" | "IMPORT" => {
            for t in toks.iter().skip(1).take(2) {
                match t.keyword() {
                    Some(w)
                        if matches!(
                            w.as_str(),
                            "LABEL" | "MATERIALIZED" | "VIEW" | "FOREIGN" | "SCHEMA"
                        ) =>
                    {
                        words.push(w)
                    }
                    _ => break,
                }
            }
        }
        _ => {}
    }
    words.join(" ")
}

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod tests;
