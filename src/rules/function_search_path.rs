//! `function-search-path`: a function without `SET search_path`. It resolves unqualified names
//! through the caller's search path, so whoever can create an object earlier in that path (a
//! table, a function, an operator) can make it run their code; for a `SECURITY DEFINER` function,
//! with the owner's rights. Supabase's advisor: lint 0011.

use super::Rule;
use super::common::exposure::statement_span;
use super::common::schema::{is_exposed, q_key};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::ObjectKind;

pub static RULE: Rule = Rule {
    id: "function-search-path",
    default_severity: Severity::Warning,
    summary: "A function without `SET search_path` (error when it is `SECURITY DEFINER`)",
    doc: include_str!("../../rules/function-search-path.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for f in ctx.catalog().live_functions_touched_in(ctx.file_id) {
        if f.attrs.search_path || f.attrs.sql_body {
            continue;
        }
        // Functions that run with the caller's rights: only the ones API users call (functions,
        // not procedures or trigger functions, in an exposed schema).
        if !f.attrs.security_definer
            && (f.kind != ObjectKind::Function
                || f.attrs.returns_trigger
                || !is_exposed(ctx.config, &f.key.0))
        {
            continue;
        }
        let at = match f.altered {
            Some(a) if a.pos() > f.defined.pos() => a,
            _ => f.defined,
        };
        if at.file() != ctx.file_id {
            continue;
        }
        let kind = f.kind.sql().to_ascii_lowercase();
        let mut d = ctx
            .diagnostic(
                &RULE,
                at.span(),
                if f.attrs.security_definer {
                    format!(
                        "SECURITY DEFINER {kind} {} has no fixed search_path: whoever can create \
                         objects in a schema on the caller's search path can run code with its \
                         owner's rights",
                        q_key(&f.key)
                    )
                } else {
                    format!(
                        "{kind} {} has no fixed search_path: the names it uses resolve through \
                         the caller's search path",
                        q_key(&f.key)
                    )
                },
            )
            .with_help(
                "add `SET search_path = ''` to the definition and qualify every name in the body \
                 (`public.notes`, `auth.uid()`), or `SET search_path = public, pg_temp`",
            )
            .in_statement(statement_span(ctx, &at));
        if f.attrs.security_definer {
            d.severity = Severity::Error;
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{lines, run};
    use crate::diagnostic::Severity;

    const RULE: &str = "function-search-path";

    #[test]
    fn functions_without_search_path() {
        let a = "CREATE FUNCTION public.touch() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n\
                 CREATE FUNCTION public.on_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;\n\
                 CREATE OR REPLACE FUNCTION \"Admin\"() RETURNS bool LANGUAGE sql SECURITY DEFINER AS $$ SELECT true $$;\n\
                 CREATE FUNCTION fixed() RETURNS int LANGUAGE sql SET search_path TO '' AS $$ SELECT 1 $$;\n\
                 CREATE FUNCTION std(a int) RETURNS int LANGUAGE sql RETURN a + 1;\n\
                 CREATE FUNCTION later() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;\n\
                 CREATE FUNCTION gone() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n\
                 DROP FUNCTION gone();\n";
        let b = "ALTER FUNCTION later() SET search_path = public, pg_temp;\n\
                 CREATE OR REPLACE FUNCTION fixed() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        // Invoker functions outside the exposed schemas are left alone (no API caller).
        let private = run(
            &[("1.sql", a), ("2.sql", b)],
            &[],
            "[rls]\nexposed_schemas = []\n",
        );
        assert_eq!(lines(&private, RULE).len(), 1);
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:1:17 function \"touch\" has no fixed search_path: the names it uses resolve through the caller's search path",
                "1.sql:3:28 SECURITY DEFINER function \"Admin\" has no fixed search_path: whoever can create objects in a schema on the caller's search path can run code with its owner's rights",
                "2.sql:2:28 function \"fixed\" has no fixed search_path: the names it uses resolve through the caller's search path",
            ]
        );
        let sev: Vec<Severity> = out
            .diagnostics
            .iter()
            .filter(|d| d.rule == RULE)
            .map(|d| d.severity)
            .collect();
        assert_eq!(sev, [Severity::Warning, Severity::Error, Severity::Warning]);
    }
}
