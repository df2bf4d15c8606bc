//! A policy's `USING (…)` / `WITH CHECK (…)` expression → [`PolicyExpr`]: the facts the
//! security rules need (constantly true? which auth helpers are called, and are they wrapped in a
//! `(SELECT …)`? does it read user-editable metadata? which names does it mention?), read from the
//! statement's tokens.

use sqlparser::tokenizer::Token;
use thin_vec::ThinVec;

use super::Name;
use super::lex::Tok;
use super::model::{AuthCall, PolicyExpr};
use super::recognize::{ident_of, matching_paren};

/// The auth helpers Supabase defines in schema `auth`.
const AUTH_HELPERS: &[&str] = &["uid", "jwt", "role", "email"];

/// Names that hold metadata the user can edit with `supabase.auth.updateUser()`.
const USER_METADATA: &[&str] = &["raw_user_meta_data", "user_metadata"];

fn name_of(t: &Tok) -> Option<String> {
    ident_of(t).map(|i| i.value)
}

/// `toks` is the whole expression with its parentheses: `( … )`.
pub(crate) fn policy_expr(toks: &[Tok]) -> Option<PolicyExpr> {
    let first = toks.first()?;
    let last = toks.last()?;
    let span = first.span.cover(last.span);

    // The expression without its outer parentheses.
    let mut inner = toks;
    while inner.len() >= 2
        && *inner[0].token == Token::LParen
        && matching_paren(inner, 0) == Some(inner.len() - 1)
    {
        inner = &inner[1..inner.len() - 1];
    }
    let always_true = match inner {
        [t] => t.is_kw("TRUE"),
        [a, eq, b] => {
            *eq.token == Token::Eq
                && matches!((a.token, b.token), (Token::Number(x, _), Token::Number(y, _)) if x == y)
        }
        _ => false,
    };

    let mut out = PolicyExpr {
        span,
        always_true,
        auth_calls: ThinVec::new(),
        user_metadata: ThinVec::new(),
        names: ThinVec::new(),
        subquery: false,
    };
    // One entry per open parenthesis: whether its group is a `(SELECT …)` / `(WITH …)`.
    let mut groups: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        match t.token {
            Token::LParen => {
                let select = toks
                    .get(i + 1)
                    .is_some_and(|n| n.is_kw("SELECT") || n.is_kw("WITH"));
                out.subquery |= select;
                groups.push(select);
            }
            Token::RParen => {
                groups.pop();
            }
            Token::SingleQuotedString(s) if USER_METADATA.contains(&s.as_str()) => {
                out.user_metadata.push(t.span);
            }
            Token::Word(_) => {
                let qualified_part = i > 0 && *toks[i - 1].token == Token::Period;
                let followed_by_dot = toks.get(i + 1).is_some_and(|n| *n.token == Token::Period);
                let called = toks.get(i + 1).is_some_and(|n| *n.token == Token::LParen);
                let name = name_of(t).unwrap_or_default();
                if USER_METADATA.contains(&name.as_str()) {
                    out.user_metadata.push(t.span);
                }
                if called && !t.is_kw("EXISTS") && !t.is_kw("IN") && !t.is_kw("ANY") {
                    // `schema.f(`: the schema is the word two tokens back.
                    let schema = if qualified_part && i >= 2 {
                        ident_of(&toks[i - 2])
                    } else {
                        None
                    };
                    let function = match &schema {
                        Some(s) => format!("{}.{}", s.value, name),
                        None => name.clone(),
                    };
                    let is_auth = (schema.as_ref().is_some_and(|s| s.value == "auth")
                        && AUTH_HELPERS.contains(&name.as_str()))
                        || (name == "current_setting"
                            && schema.as_ref().is_none_or(|s| s.value == "pg_catalog"));
                    if is_auth {
                        let start = if schema.is_some() { &toks[i - 2] } else { t };
                        let end = matching_paren(toks, i + 1)
                            .and_then(|e| toks.get(e))
                            .unwrap_or(t);
                        out.auth_calls.push(AuthCall {
                            function: if name == "current_setting" {
                                Name::new(&name)
                            } else {
                                Name::from(function)
                            },
                            span: start.span.cover(end.span),
                            wrapped: groups.iter().any(|g| *g),
                        });
                    }
                } else if !followed_by_dot || qualified_part {
                    out.names.push(Name::from(name));
                } else {
                    // `table.column`, `schema.function(`: the qualifier is a name too, unless
                    // a call follows.
                    let call_follows = toks.get(i + 3).is_some_and(|n| *n.token == Token::LParen);
                    if !call_follows {
                        out.names.push(Name::from(name));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Some(out)
}
