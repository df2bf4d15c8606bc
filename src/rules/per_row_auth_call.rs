//! `per-row-auth-call`: `auth.uid()`, `auth.jwt()`, `auth.role()`, `auth.email()` or
//! `current_setting()` in a policy, not wrapped in `(select …)`: PostgreSQL calls it for every
//! row the query reads. Wrapped, the planner evaluates it once per statement (an init plan).

use super::Rule;
use super::common::policy::live_policy_exprs_here;
use super::common::schema::{q, q_key};
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::rules::FileContext;

pub static RULE: Rule = Rule {
    id: "per-row-auth-call",
    default_severity: Severity::Warning,
    summary: "auth.uid(), auth.jwt(), current_setting() … in a policy not wrapped in (select …): evaluated per row (fix: wrap it)",
    doc: include_str!("../../rules/per-row-auth-call.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for p in live_policy_exprs_here(ctx) {
        let expr = p.expr;
        for call in expr.auth_calls.iter().filter(|c| !c.wrapped) {
            let text = ctx.text(call.span);
            let wrapped = format!("(select {text})");
            out.push(
                ctx.diagnostic(
                    &RULE,
                    call.span,
                    format!(
                        "`{}()` in policy {} on {} is evaluated once for every row",
                        call.function,
                        q(&p.policy.name),
                        q_key(&p.table.key())
                    ),
                )
                .with_help(format!(
                    "wrap the call in a subquery, `{wrapped}`: PostgreSQL then evaluates it \
                         once per statement"
                ))
                .with_fix(
                    format!("Wrap in `{wrapped}`"),
                    vec![Edit {
                        span: call.span,
                        replacement: wrapped.clone(),
                    }],
                )
                .in_statement(p.statement_span()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{fixed, lines, run, spans};

    const RULE: &str = "per-row-auth-call";

    #[test]
    fn bare_calls_are_reported_wrapped_ones_are_not() {
        let a = "CREATE TABLE notes (id uuid, user_id uuid, org_id uuid);\n\
                 CREATE POLICY own ON notes FOR SELECT USING (user_id = auth.uid());\n\
                 CREATE POLICY own2 ON notes FOR UPDATE USING ((select auth.uid()) = user_id) \
                 WITH CHECK (\"auth\".\"uid\"() = user_id);\n\
                 CREATE POLICY org ON notes FOR SELECT USING (org_id IN (SELECT org_id FROM members WHERE member = auth.uid()));\n\
                 CREATE POLICY claims ON notes FOR DELETE USING (current_setting('request.jwt.claims', true)::jsonb ->> 'sub' = user_id::text AND (SELECT auth.jwt()) ->> 'role' = 'x');\n";
        let out = run(&[("1.sql", a)], &[], "");
        assert_eq!(
            spans(&out, RULE),
            vec![
                "auth.uid()",
                "\"auth\".\"uid\"()",
                "current_setting('request.jwt.claims', true)"
            ]
        );
        assert_eq!(
            lines(&out, RULE)[0],
            "1.sql:2:56 `auth.uid()` in policy \"own\" on \"notes\" is evaluated once for every row"
        );
        let text = fixed(&out, RULE).expect("a fix");
        assert!(
            text.contains("USING (user_id = (select auth.uid()))"),
            "{text}"
        );
    }

    #[test]
    fn dropped_policies_and_do_blocks() {
        let a = "CREATE TABLE t (user_id uuid);\nCREATE POLICY p ON t USING (user_id = auth.uid());\n\
                 DO $$ BEGIN\n  CREATE POLICY q ON public.t FOR SELECT TO authenticated USING (auth.role() = 'authenticated');\nEND $$;\n";
        let b = "DROP POLICY p ON t;\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["auth.role()"]);
    }

    #[test]
    fn alter_policy_replaces_the_expression() {
        let a = "CREATE TABLE t (user_id uuid);\n\
                 CREATE POLICY p ON t USING (user_id = auth.uid()) WITH CHECK (user_id = auth.uid());\n";
        let b = "ALTER POLICY p ON t USING (user_id = (select auth.uid()));\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        assert_eq!(lines(&out, RULE).len(), 1, "{:?}", lines(&out, RULE));
        assert!(
            lines(&out, RULE)[0].starts_with("1.sql:2:73 "),
            "{:?}",
            lines(&out, RULE)
        );
    }
}
