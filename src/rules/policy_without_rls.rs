//! `policy-without-rls`: a policy on a table whose row level security is off at the end of the
//! set: PostgreSQL ignores the policy, so it protects nothing.

use super::Rule;
use super::common::schema::{q, q_key, qualified};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;

pub static RULE: Rule = Rule {
    id: "policy-without-rls",
    default_severity: Severity::Error,
    summary: "A policy on a table whose row level security is not enabled protects nothing",
    doc: include_str!("../../rules/policy-without-rls.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for &policy_id in &catalog.created_in(ctx.file_id).policies {
        let Some(policy) = catalog.policies.get(policy_id) else {
            continue;
        };
        if policy.dropped.is_some() {
            continue;
        }
        let Some(table) = catalog.tables.get(policy.table) else {
            continue;
        };
        // Tables made outside the set may well have RLS on: unknown, never reported.
        let Some(table_created) = table.created else {
            continue;
        };
        if !table.is_live() || table.rls_enabled {
            continue;
        }
        let Some(stmt) = ctx.statements().get(policy.created.stmt) else {
            continue;
        };
        let mut d = ctx
            .diagnostic(
                &RULE,
                policy.created.span,
                format!(
                    "policy {} on table {} has no effect: row level security is not enabled on \
                     {} at the end of the migrations",
                    q(&policy.name),
                    q_key(&table.key()),
                    q_key(&table.key())
                ),
            )
            .with_help(format!(
                "enable row level security: `ALTER TABLE {} ENABLE ROW LEVEL SECURITY;`",
                qualified(&table.key())
            ))
            .with_related(
                table_created.file,
                table_created.span,
                format!("table {} created here", q_key(&table.key())),
            )
            .in_statement(stmt.span);
        if let Some(changed) = table.rls_changed {
            d = d.with_related(
                changed.file,
                changed.span,
                "row level security disabled here",
            );
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{lines, run, spans};

    const RULE: &str = "policy-without-rls";

    #[test]
    fn policy_on_a_table_without_rls() {
        let a = "CREATE TABLE clients (id uuid, user_id uuid);\n\
                 CREATE POLICY \"Clients select own\" ON clients FOR SELECT USING (user_id = auth.uid());\n";
        let out = run(&[("1.sql", a)], &[], "");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:2:15 policy \"Clients select own\" on table \"clients\" has no effect: \
                 row level security is not enabled on \"clients\" at the end of the migrations \
                 [1.sql:1:14 table \"clients\" created here]"
            ]
        );
        assert_eq!(spans(&out, RULE), vec!["\"Clients select own\""]);
    }

    #[test]
    fn rls_enabled_later_dropped_policies_and_unknown_tables() {
        let a = "CREATE TABLE clients (id uuid);\nCREATE POLICY p ON clients USING (true);\n\
                 CREATE TABLE meetings (id uuid);\nCREATE POLICY p ON meetings USING (true);\n\
                 CREATE POLICY users_read ON users USING (true);\n\
                 CREATE POLICY a ON auth.users USING (true);\n\
                 CREATE TABLE notes (id uuid);\nCREATE POLICY n ON notes USING (true);\n";
        let b = "ALTER TABLE clients ENABLE ROW LEVEL SECURITY;\nDROP POLICY p ON meetings;\n\
                 ALTER TABLE notes RENAME TO memos;\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["n"]);
        assert!(lines(&out, RULE)[0].contains("policy \"n\" on table \"memos\" has no effect"));
    }

    #[test]
    fn disabled_again_is_linked() {
        let a = "CREATE TABLE t (id int);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n";
        let b = "CREATE POLICY p ON t USING (true);\n";
        let c = "ALTER TABLE t DISABLE ROW LEVEL SECURITY;\n";
        let out = run(&[("1.sql", a), ("2.sql", b), ("3.sql", c)], &["2.sql"], "");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "2.sql:1:15 policy \"p\" on table \"t\" has no effect: row level security is \
                 not enabled on \"t\" at the end of the migrations [1.sql:1:14 table \"t\" created here] \
                 [3.sql:1:15 row level security disabled here]"
            ]
        );
    }
}
