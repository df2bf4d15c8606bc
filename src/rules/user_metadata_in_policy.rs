//! `user-metadata-in-policy`: a policy that reads `raw_user_meta_data` / the JWT's
//! `user_metadata`, which every user can change for themselves with `supabase.auth.updateUser()`:
//! an authorization decision the user controls.

use super::Rule;
use super::common::policy::live_policy_exprs_here;
use super::common::schema::{q, q_key};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;

pub static RULE: Rule = Rule {
    id: "user-metadata-in-policy",
    default_severity: Severity::Error,
    summary: "A policy that reads user-editable metadata (raw_user_meta_data, JWT user_metadata)",
    doc: include_str!("../../rules/user-metadata-in-policy.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for p in live_policy_exprs_here(ctx) {
        let expr = p.expr;
        for &span in &expr.user_metadata {
            out.push(
                ctx.diagnostic(
                    &RULE,
                    span,
                    format!(
                        "policy {} on {} trusts user metadata: every user can set it for \
                             themselves",
                        q(&p.policy.name),
                        q_key(&p.table.key())
                    ),
                )
                .with_help(
                    "decide from data only the server writes: `app_metadata` in the JWT \
                         (`(select auth.jwt()) -> 'app_metadata'`), or a table of roles",
                )
                .in_statement(p.statement_span()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{run, spans};

    const RULE: &str = "user-metadata-in-policy";

    #[test]
    fn metadata_reads_are_reported() {
        let a = "CREATE TABLE t (id int, org text);\n\
                 CREATE POLICY a ON t USING ((select auth.jwt()) -> 'user_metadata' ->> 'role' = 'admin');\n\
                 CREATE POLICY b ON t USING (EXISTS (SELECT 1 FROM auth.users u WHERE u.id = auth.uid() AND u.raw_user_meta_data ->> 'org' = org));\n\
                 CREATE POLICY c ON t USING ((select auth.jwt()) -> 'app_metadata' ->> 'role' = 'admin');\n";
        let out = run(&[("1.sql", a)], &[], "");
        assert_eq!(
            spans(&out, RULE),
            vec!["'user_metadata'", "raw_user_meta_data"]
        );
    }
}
