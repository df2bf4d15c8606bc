//! `policy-without-rls`: a policy on a table whose row level security is off at the end of the
//! set: PostgreSQL ignores the policy, so it protects nothing.

use super::Rule;
use super::common::schema::{q, q_key, qualified};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;

pub static RULE: Rule = Rule {
    id: "policy-without-rls",
    default_severity: Severity::Error,
    summary: "A policy on a table whose row level security is off: it protects nothing",
    doc: include_str!("../../rules/policy-without-rls.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    disabled_later(ctx, out);
    let catalog = ctx.catalog();
    for &policy_id in catalog.created_in(ctx.file_id).policies {
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
        // RLS switched off after the policy was written: that DISABLE broke it; for a
        // table in an exposed schema `rls-not-enabled` reports it there. Elsewhere it is this
        // rule's finding, reported by the file with the DISABLE (see `disabled_later`).
        if table
            .rls_changed
            .is_some_and(|c| c.pos() > policy.created.pos())
        {
            continue;
        }
        let Some(stmt) = ctx.statements().get(policy.created.stmt()) else {
            continue;
        };
        let mut d = ctx
            .diagnostic(
                &RULE,
                policy.created.span(),
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
                table_created.file(),
                table_created.span(),
                format!("table {} created here", q_key(&table.key())),
            )
            .in_statement(stmt.span);
        if let Some(changed) = table.rls_changed {
            d = d.with_related(
                changed.file(),
                changed.span(),
                "row level security disabled here",
            );
        }
        out.push(d);
    }
}

/// Policies whose table's RLS a later statement of this file switched off, outside the exposed
/// schemas (there `rls-not-enabled` reports the DISABLE): one finding per table, at the DISABLE.
fn disabled_later(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for &table_id in catalog.created_in(ctx.file_id).rls_changed {
        let Some(table) = catalog.tables.get(table_id).filter(|t| t.is_live()) else {
            continue;
        };
        let Some(changed) = table.rls_changed.filter(|c| c.file() == ctx.file_id) else {
            continue;
        };
        if table.rls_enabled || super::common::schema::is_exposed(ctx.config, &table.schema) {
            continue;
        }
        let policies: Vec<_> = catalog
            .policies_on(table_id)
            .map(|(_, p)| p)
            .filter(|p| p.created.pos() < changed.pos())
            .collect();
        let Some(first) = policies.first() else {
            continue;
        };
        let Some(stmt) = ctx.statements().get(changed.stmt()) else {
            continue;
        };
        out.push(
            ctx.diagnostic(
                &RULE,
                changed.span(),
                format!(
                    "this disables row level security on table {}, so its {} ({}) {} nothing",
                    q_key(&table.key()),
                    if policies.len() == 1 {
                        "policy"
                    } else {
                        "policies"
                    },
                    policies
                        .iter()
                        .map(|p| q(&p.name))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if policies.len() == 1 {
                        "protects"
                    } else {
                        "protect"
                    }
                ),
            )
            .with_help(format!(
                "keep row level security on: `ALTER TABLE {} ENABLE ROW LEVEL SECURITY;`",
                qualified(&table.key())
            ))
            .with_related(
                first.created.file(),
                first.created.span(),
                "policy created here",
            )
            .in_statement(stmt.span),
        );
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
    fn disabled_again_is_blamed_on_the_disable() {
        let a = "CREATE TABLE t (id int);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n";
        let b = "CREATE POLICY p ON t USING (true);\n";
        let c = "ALTER TABLE t DISABLE ROW LEVEL SECURITY;\n";
        // The policy's file is not to blame.
        let out = run(&[("1.sql", a), ("2.sql", b), ("3.sql", c)], &["2.sql"], "");
        assert!(lines(&out, RULE).is_empty());
        // In an exposed schema rls-not-enabled reports the DISABLE; elsewhere this rule does.
        let out = run(&[("1.sql", a), ("2.sql", b), ("3.sql", c)], &["3.sql"], "");
        assert!(lines(&out, RULE).is_empty());
        assert_eq!(lines(&out, "rls-not-enabled").len(), 1);
        let out = run(
            &[("1.sql", a), ("2.sql", b), ("3.sql", c)],
            &["3.sql"],
            "[rls]\nexposed_schemas = []\n",
        );
        assert_eq!(
            lines(&out, RULE),
            vec![
                "3.sql:1:15 this disables row level security on table \"t\", so its policy \
                 (\"p\") protects nothing [2.sql:1:15 policy created here]"
            ]
        );
    }
}
