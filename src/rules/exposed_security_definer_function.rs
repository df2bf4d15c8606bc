//! `exposed-security-definer-function`: a `SECURITY DEFINER` function in an exposed schema that
//! `anon` or `authenticated` may execute: anyone with the anon key (or any signed-in user) can
//! call it through `/rest/v1/rpc/<name>`, and it runs with its owner's rights, past row level
//! security. Supabase's advisor: lints 0028 (anon) and 0029 (authenticated).

use super::Rule;
use super::common::exposure::{latest, reaching_roles, roles_text, statement_span};
use super::common::schema::{q_key, qualified};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::{GrantObjectKind, ObjectKind, Privileges};

pub static RULE: Rule = Rule {
    id: "exposed-security-definer-function",
    default_severity: Severity::Warning,
    summary: "A `SECURITY DEFINER` function in an exposed schema whose `EXECUTE` `anon`/`authenticated` still hold (callable through `/rpc`)",
    doc: include_str!("../../rules/exposed-security-definer-function.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for f in ctx.catalog().live_functions_touched_in(ctx.file_id) {
        if !f.attrs.security_definer || f.attrs.returns_trigger || f.kind != ObjectKind::Function {
            continue;
        }
        let roles = reaching_roles(
            ctx,
            &f.acl,
            GrantObjectKind::Function,
            &f.key.0,
            Privileges::EXECUTE,
        );
        if roles.is_empty() {
            continue;
        }
        let at = latest(f.defined, &[f.altered], &f.acl, &roles);
        if at.file() != ctx.file_id {
            continue;
        }
        let name = qualified(&f.key);
        out.push(
            ctx.diagnostic(
                &RULE,
                at.span(),
                format!(
                    "SECURITY DEFINER function {} can be called by {} through the API (`/rpc/{}`) \
                     and runs with its owner's rights",
                    q_key(&f.key),
                    roles_text(&roles),
                    f.key.1
                ),
            )
            .with_help(format!(
                "if API users must not call it: `REVOKE EXECUTE ON FUNCTION {name} FROM PUBLIC, \
                 anon, authenticated` (revoking from PUBLIC alone leaves Supabase's grants), or \
                 move it to a schema the API does not expose; if they must, make it `SECURITY \
                 INVOKER` or check the caller inside it"
            ))
            .in_statement(statement_span(ctx, &at)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{lines, run};

    const RULE: &str = "exposed-security-definer-function";

    #[test]
    fn callable_definer_functions() {
        let a = "CREATE FUNCTION public.delete_any(id uuid) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ DELETE FROM storage.objects WHERE id = $1 $$;\n\
                 CREATE FUNCTION \"Emails\"() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT email FROM auth.users $$;\n\
                 REVOKE EXECUTE ON FUNCTION \"Emails\"() FROM PUBLIC;\n\
                 CREATE FUNCTION closed() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;\n\
                 REVOKE ALL ON FUNCTION closed() FROM PUBLIC, anon, authenticated;\n\
                 CREATE FUNCTION handle_new_user() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$ BEGIN RETURN NEW; END $$;\n\
                 CREATE FUNCTION invoker() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n\
                 CREATE SCHEMA private;\n\
                 CREATE FUNCTION private.f() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;\n\
                 CREATE FUNCTION staff() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT 1 $$;\n\
                 REVOKE EXECUTE ON FUNCTION staff FROM PUBLIC, anon;\n";
        let b = "ALTER FUNCTION invoker() SECURITY DEFINER;\n";
        let out = run(
            &[("1.sql", a), ("2.sql", b)],
            &[],
            "runner = \"supabase\"\n",
        );
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:1:17 SECURITY DEFINER function \"delete_any\" can be called by anon and authenticated through the API (`/rpc/delete_any`) and runs with its owner's rights",
                "1.sql:2:17 SECURITY DEFINER function \"Emails\" can be called by anon and authenticated through the API (`/rpc/Emails`) and runs with its owner's rights",
                "1.sql:10:17 SECURITY DEFINER function \"staff\" can be called by authenticated through the API (`/rpc/staff`) and runs with its owner's rights",
                "2.sql:1:16 SECURITY DEFINER function \"invoker\" can be called by anon and authenticated through the API (`/rpc/invoker`) and runs with its owner's rights",
            ]
        );
        // Plain PostgreSQL: EXECUTE goes to PUBLIC by default, and revoking it closes the hole.
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        assert_eq!(lines(&out, RULE).len(), 2, "{:?}", lines(&out, RULE));
    }
}
