//! `auth-users-exposed`: a view or materialized view in an exposed schema, readable by
//! `anon`/`authenticated`, that reads `auth.users` with its owner's rights: every user's email,
//! phone and metadata through the API. Supabase's advisor: lint 0002.

use super::Rule;
use super::common::exposure::{latest, readers, roles_text, statement_span};
use super::common::schema::{q_key, qualified};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::ObjectKind;

pub static RULE: Rule = Rule {
    id: "auth-users-exposed",
    default_severity: Severity::Error,
    summary: "A view `anon`/`authenticated` can read that reads `auth.users`",
    doc: include_str!("../../rules/auth-users-exposed.md"),
    check: Some(check),
};

/// Whether a view reads `auth.users` with its owner's rights.
pub fn reads_auth_users(r: &crate::catalog::OtherRelation) -> bool {
    let owner_rights = match r.kind {
        ObjectKind::View => !r.security_invoker,
        ObjectKind::MaterializedView => true,
        _ => false,
    };
    owner_rights && r.reads.iter().any(|k| k.0 == "auth" && k.1 == "users")
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for r in ctx.catalog().other_relations_touched_in(ctx.file_id) {
        if !reads_auth_users(r) {
            continue;
        }
        let roles = readers(ctx, r);
        if roles.is_empty() {
            continue;
        }
        let at = latest(r.defined, &[r.invoker_changed], &r.acl, &roles);
        if at.file() != ctx.file_id {
            continue;
        }
        let what = if r.kind == ObjectKind::MaterializedView {
            "materialized view"
        } else {
            "view"
        };
        out.push(
            ctx.diagnostic(
                &RULE,
                at.span(),
                format!(
                    "{what} {} exposes \"auth.users\" to {}: every user's email and metadata \
                     can be read through the API",
                    q_key(&r.key),
                    roles_text(&roles)
                ),
            )
            .with_help(format!(
                "keep the columns you need in a table of your own (e.g. `public.profiles`, \
                 filled by a trigger) with row level security, or `REVOKE SELECT ON {} FROM {}` \
                 and move the view to a schema the API does not expose",
                qualified(&r.key),
                roles.join(", ")
            ))
            .in_statement(statement_span(ctx, &at)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{lines, run};

    const RULE: &str = "auth-users-exposed";

    #[test]
    fn views_over_auth_users() {
        let a = "CREATE VIEW public.user_emails AS SELECT id, email FROM auth.users;\n\
                 CREATE VIEW \"Members\" AS SELECT p.id, u.email FROM profiles p JOIN \"auth\".\"users\" u ON u.id = p.id;\n\
                 CREATE VIEW mine WITH (security_invoker) AS SELECT email FROM auth.users;\n\
                 CREATE SCHEMA private;\n\
                 CREATE VIEW private.emails AS SELECT email FROM auth.users;\n\
                 CREATE VIEW closed AS SELECT email FROM auth.users;\n\
                 REVOKE ALL ON closed FROM anon, authenticated;\n\
                 DO $$ BEGIN\n  CREATE MATERIALIZED VIEW mv AS SELECT email FROM auth.users;\nEND $$;\n";
        let out = run(&[("1.sql", a)], &[], "runner = \"supabase\"\n");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:1:13 view \"user_emails\" exposes \"auth.users\" to anon and authenticated: every user's email and metadata can be read through the API",
                "1.sql:2:13 view \"Members\" exposes \"auth.users\" to anon and authenticated: every user's email and metadata can be read through the API",
                "1.sql:9:28 materialized view \"mv\" exposes \"auth.users\" to anon and authenticated: every user's email and metadata can be read through the API",
            ]
        );
    }
}
