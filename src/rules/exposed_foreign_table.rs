//! `exposed-foreign-table`: a foreign table or materialized view in an exposed schema that
//! `anon`/`authenticated` can read. Neither can have row level security, so every row is
//! readable through the API. Supabase's advisor: lints 0016 and 0017.

use super::Rule;
use super::auth_users_exposed::reads_auth_users;
use super::common::exposure::{bypassed_tables, latest, readers, roles_text, statement_span};
use super::common::schema::{q_key, qualified};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::ObjectKind;

pub static RULE: Rule = Rule {
    id: "exposed-foreign-table",
    default_severity: Severity::Warning,
    summary: "A foreign table or materialized view `anon`/`authenticated` can read (no RLS possible)",
    doc: include_str!("../../rules/exposed-foreign-table.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for r in ctx.catalog().other_relations_touched_in(ctx.file_id) {
        let what = match r.kind {
            ObjectKind::ForeignTable => "foreign table",
            // The ones that read RLS tables or auth.users are the other rules' (errors).
            ObjectKind::MaterializedView
                if bypassed_tables(ctx, r).is_empty() && !reads_auth_users(r) =>
            {
                "materialized view"
            }
            _ => continue,
        };
        let roles = readers(ctx, r);
        if roles.is_empty() {
            continue;
        }
        let at = latest(r.defined, &[], &r.acl, &roles);
        if at.file() != ctx.file_id {
            continue;
        }
        out.push(
            ctx.diagnostic(
                &RULE,
                at.span(),
                format!(
                    "{what} {} can be read by {} through the API: it cannot have row level \
                     security",
                    q_key(&r.key),
                    roles_text(&roles)
                ),
            )
            .with_help(format!(
                "`REVOKE SELECT ON {} FROM {}`, or create it in a schema the API does not \
                 expose and read it through a view with `security_invoker` or a function that \
                 checks the caller",
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

    const RULE: &str = "exposed-foreign-table";

    #[test]
    fn foreign_tables_and_materialized_views() {
        let a = "CREATE FOREIGN TABLE public.stripe_customers (id text, email text) SERVER stripe OPTIONS (object 'customers');\n\
                 CREATE MATERIALIZED VIEW stats AS SELECT count(*) FROM events;\n\
                 CREATE SCHEMA stripe;\n\
                 CREATE FOREIGN TABLE stripe.charges (id text) SERVER stripe;\n\
                 CREATE FOREIGN TABLE \"Hidden\" (id text) SERVER stripe;\n\
                 REVOKE ALL ON \"Hidden\" FROM anon, authenticated;\n";
        let out = run(&[("1.sql", a)], &[], "runner = \"supabase\"\n");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:1:22 foreign table \"stripe_customers\" can be read by anon and authenticated through the API: it cannot have row level security",
                "1.sql:2:26 materialized view \"stats\" can be read by anon and authenticated through the API: it cannot have row level security",
            ]
        );
    }
}
