//! `permissive-policy`: a policy that lets API clients write (or delete) every row: its
//! `USING`/`WITH CHECK` is constantly true on a write command or `ALL`; or an `INSERT`/`UPDATE`/
//! `ALL` policy on a table with an owner column whose check never looks at that column, so a
//! signed-in user can write rows owned by someone else.

use super::Rule;
use super::common::policy::{
    live_policies_defined_here, reaches_anon, reaches_clients, roles_display,
};
use super::common::schema::{q, q_key};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::names::fold_ident;
use crate::syntax::{PolicyCommand, PolicyExpr};

pub static RULE: Rule = Rule {
    id: "permissive-policy",
    default_severity: Severity::Warning,
    summary: "A write policy for anon/authenticated that is always true, or that lets a user write rows owned by someone else (error for anon/public)",
    doc: include_str!("../../rules/permissive-policy.md"),
    check: Some(check),
};

fn always_true(e: Option<&PolicyExpr>) -> Option<&PolicyExpr> {
    e.filter(|e| e.always_true)
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for p in live_policies_defined_here(ctx) {
        let c = p.policy;
        if !c.permissive || !reaches_clients(&c.roles) {
            continue;
        }
        let severity = if reaches_anon(&c.roles) {
            Severity::Error
        } else {
            Severity::Warning
        };
        let who = roles_display(&c.roles);
        let command = c.command.as_str().to_uppercase();
        // The expression that decides which rows may be written (PostgreSQL uses USING for the
        // new row when WITH CHECK is missing).
        let check_expr: Option<&PolicyExpr> = p.with_check().or(p.using());
        let open: Option<&PolicyExpr> = match c.command {
            PolicyCommand::Select => None,
            PolicyCommand::Insert => check_expr.filter(|e| e.always_true),
            PolicyCommand::Delete => always_true(p.using()),
            PolicyCommand::Update | PolicyCommand::All => {
                always_true(p.using()).or(always_true(p.with_check()))
            }
        };
        if let Some(expr) = open {
            let mut d = ctx
                .diagnostic(
                    &RULE,
                    p.span_of(expr),
                    format!(
                        "policy {} lets {who} {} {}: its condition is always true",
                        q(&p.policy.name),
                        match c.command {
                            PolicyCommand::Insert => "insert any row into",
                            PolicyCommand::Update => "update every row of",
                            PolicyCommand::Delete => "delete every row of",
                            _ => "read, write and delete every row of",
                        },
                        q_key(&p.table.key())
                    ),
                )
                .with_help(
                    "compare the owner column with the caller, e.g. `USING ((select auth.uid()) = \
                     user_id) WITH CHECK ((select auth.uid()) = user_id)`, or grant this only \
                     to `service_role`",
                )
                .in_statement(p.statement_span());
            d.severity = severity;
            out.push(d);
            continue;
        }
        if !matches!(
            c.command,
            PolicyCommand::Insert | PolicyCommand::Update | PolicyCommand::All
        ) {
            continue;
        }
        let Some(expr) = check_expr else { continue };
        // Only user-scoped checks (they call an auth helper) on a table with an owner column.
        if expr.auth_calls.is_empty() {
            continue;
        }
        let owners: Vec<String> = ctx
            .config
            .indexes
            .user_columns
            .iter()
            .map(|c| fold_ident(c))
            .filter(|c| p.table.column(c).is_some())
            .collect();
        let Some(owner) = owners.first() else {
            continue;
        };
        if owners.iter().any(|o| expr.mentions(o)) {
            continue;
        }
        let clause = if c.with_check.is_some() {
            "WITH CHECK"
        } else {
            "USING"
        };
        let mut d = ctx
            .diagnostic(
                &RULE,
                p.span_of(expr),
                format!(
                    "{command} policy {} lets {who} write rows of {} owned by someone else: its \
                     {clause} never looks at {}",
                    q(&p.policy.name),
                    q_key(&p.table.key()),
                    q(owner)
                ),
            )
            .with_help(format!(
                "check the owner of the new row: `WITH CHECK ((select auth.uid()) = {owner})`"
            ))
            .in_statement(p.statement_span());
        d.severity = severity;
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{run, spans};
    use crate::diagnostic::Severity;

    const RULE: &str = "permissive-policy";

    #[test]
    fn always_true_writes() {
        let a = "CREATE TABLE t (id int, user_id uuid);\n\
                 CREATE POLICY read_all ON t FOR SELECT USING (true);\n\
                 CREATE POLICY anyone ON t USING ((true));\n\
                 CREATE POLICY ins ON t FOR INSERT TO authenticated WITH CHECK (1 = 1);\n\
                 CREATE POLICY svc ON t FOR ALL TO service_role USING (true) WITH CHECK (true);\n\
                 CREATE POLICY del ON t FOR DELETE TO anon, authenticated USING (true);\n";
        let out = run(&[("1.sql", a)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["((true))", "(1 = 1)", "(true)"]);
        let sev: Vec<Severity> = out
            .diagnostics
            .iter()
            .filter(|d| d.rule == RULE)
            .map(|d| d.severity)
            .collect();
        assert_eq!(
            sev,
            vec![Severity::Error, Severity::Warning, Severity::Error]
        );
        let mine: Vec<_> = out.diagnostics.iter().filter(|d| d.rule == RULE).collect();
        assert!(
            mine[0]
                .message
                .contains("lets public read, write and delete every row of \"t\"")
        );
    }

    #[test]
    fn owner_not_checked() {
        let a = "CREATE TABLE \"Notes\" (id int, user_id uuid);\n\
                 CREATE POLICY ins ON \"Notes\" FOR INSERT TO authenticated WITH CHECK (auth.uid() IS NOT NULL);\n\
                 CREATE POLICY ok ON \"Notes\" FOR INSERT TO authenticated WITH CHECK ((select auth.uid()) = user_id);\n\
                 CREATE POLICY upd ON public.\"Notes\" FOR UPDATE TO authenticated USING (auth.role() = 'authenticated');\n\
                 CREATE POLICY admin ON \"Notes\" FOR UPDATE USING (is_admin());\n\
                 CREATE TABLE tags (id int);\n\
                 CREATE POLICY t ON tags FOR INSERT TO authenticated WITH CHECK (auth.uid() IS NOT NULL);\n";
        let out = run(&[("1.sql", a)], &[], "");
        assert_eq!(
            spans(&out, RULE),
            vec![
                "(auth.uid() IS NOT NULL)",
                "(auth.role() = 'authenticated')"
            ]
        );
        let mine: Vec<_> = out.diagnostics.iter().filter(|d| d.rule == RULE).collect();
        assert!(mine[1].message.starts_with(
            "UPDATE policy \"upd\" lets authenticated write rows of \"Notes\" owned by someone else: its USING never looks at \"user_id\""
        ), "{}", mine[1].message);
    }

    #[test]
    fn alter_policy_is_followed() {
        let a = "CREATE TABLE t (id int, user_id uuid);\n\
                 CREATE POLICY upd ON t FOR UPDATE TO authenticated USING ((select auth.uid()) = user_id);\n\
                 CREATE POLICY del ON t FOR DELETE TO anon USING (true);\n\
                 CREATE POLICY ins ON t FOR INSERT TO anon WITH CHECK (true);\n";
        let b = "ALTER POLICY upd ON t USING (true);\n\
                 ALTER POLICY del ON t TO service_role;\n\
                 ALTER POLICY ins ON public.t TO authenticated;\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        let mine: Vec<_> = out.diagnostics.iter().filter(|d| d.rule == RULE).collect();
        assert_eq!(spans(&out, RULE), vec!["(true)", "ins"]);
        assert!(
            mine.iter().all(|d| d.file == 1),
            "reported where the policy changed last"
        );
        assert_eq!(
            mine[1].severity,
            Severity::Warning,
            "now for authenticated only"
        );
    }
}
