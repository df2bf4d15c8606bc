//! How volatile a default expression is, from its tokens: the one place that knows which of
//! PostgreSQL's built-in functions are VOLATILE (evaluated per row: `ADD COLUMN … DEFAULT` then
//! rewrites the table) and which are IMMUTABLE or STABLE (evaluated once, stored in the catalog
//! since PostgreSQL 11). Volatility classes are those of `pg_proc.provolatile` in PostgreSQL 15.

use sqlparser::tokenizer::Token;

use super::lex::Tok;
use super::model::Volatility;

/// Built-in functions whose `provolatile` is `v` (and the uuid/pgcrypto extension functions
/// Supabase projects use in defaults).
const VOLATILE: &[&str] = &[
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "gen_random_bytes",
    "random",
    "random_normal",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setval",
    "txid_current",
    "pg_current_xact_id",
];

/// Built-in functions (and type names written with a modifier, `numeric(10,2)`) that are
/// IMMUTABLE or STABLE: a default calling only these is evaluated once.
const NOT_VOLATILE: &[&str] = &[
    // stable
    "now",
    "transaction_timestamp",
    "statement_timestamp",
    "current_setting",
    "timezone",
    "to_char",
    "to_timestamp",
    "to_date",
    "date_trunc",
    "date_part",
    "extract",
    "age",
    "make_interval",
    "make_date",
    "make_timestamp",
    "make_timestamptz",
    "uid",
    "role",
    "jwt",
    "email",
    "inet_client_addr",
    "current_schema",
    "current_database",
    "to_jsonb",
    "to_json",
    "jsonb_build_object",
    "jsonb_build_array",
    "json_build_object",
    "json_build_array",
    "array_to_json",
    "row_to_json",
    // immutable
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "lower",
    "upper",
    "length",
    "char_length",
    "concat",
    "concat_ws",
    "format",
    "replace",
    "substr",
    "substring",
    "left",
    "right",
    "trim",
    "btrim",
    "ltrim",
    "rtrim",
    "md5",
    "encode",
    "decode",
    "abs",
    "round",
    "floor",
    "ceil",
    "array",
    "row",
    "string_to_array",
    "array_to_string",
    "array_fill",
    "to_tsvector",
    "setweight",
    "cast",
    // type names with a modifier (`varchar(20)`, `timestamp(3)`), when not after `::`
    "varchar",
    "char",
    "character",
    "numeric",
    "decimal",
    "timestamp",
    "timestamptz",
    "time",
    "timetz",
    "interval",
    "bit",
    "varbit",
    "vector",
];

/// The volatility of an expression (`DEFAULT` or generated), and the function that decided it
/// (the first volatile call, else the first unknown one).
pub(crate) fn classify(toks: &[Tok]) -> (Volatility, Option<String>) {
    let mut unknown: Option<String> = None;
    for (i, t) in toks.iter().enumerate() {
        let Token::Word(w) = t.token else { continue };
        let called = toks.get(i + 1).is_some_and(|n| *n.token == Token::LParen);
        if !called {
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| toks.get(p));
        // `::numeric(10,2)`, `CAST(x AS varchar(3))`: a type, not a call.
        if prev.is_some_and(|p| *p.token == Token::DoubleColon || p.is_kw("AS")) {
            continue;
        }
        let name = if w.quote_style.is_some() {
            w.value.clone()
        } else {
            w.value.to_ascii_lowercase()
        };
        if VOLATILE.contains(&name.as_str()) {
            return (Volatility::Volatile, Some(name));
        }
        if !NOT_VOLATILE.contains(&name.as_str()) && unknown.is_none() {
            let qualified = match (prev, i.checked_sub(2).and_then(|p| toks.get(p))) {
                (
                    Some(dot),
                    Some(Tok {
                        token: Token::Word(s),
                        ..
                    }),
                ) if *dot.token == Token::Period => {
                    format!("{}.{name}", s.value)
                }
                _ => name,
            };
            unknown = Some(qualified);
        }
    }
    match unknown {
        Some(f) => (Volatility::Unknown, Some(f)),
        None => (Volatility::Stable, None),
    }
}
