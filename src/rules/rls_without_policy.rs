//! `rls-without-policy`: row level security enabled but no policy at the end of the set: only
//! the service role (and the owner) can reach the table, so the app sees nothing.

use super::Rule;
use super::common::schema::{live_tables_created_here, q_key, qualified};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::quote_if_needed;

pub static RULE: Rule = Rule {
    id: "rls-without-policy",
    default_severity: Severity::Info,
    summary: "Row level security on, no policy: only the service role can reach the table",
    doc: include_str!("../../rules/rls-without-policy.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for (table_id, table, created, stmt) in live_tables_created_here(ctx) {
        if !table.rls_enabled || catalog.policies_on(table_id).next().is_some() {
            continue;
        }
        let name = q_key(&table.key());
        let using = if table.column("user_id").is_some() {
            "(user_id = auth.uid())"
        } else {
            "(…)"
        };
        let policy = quote_if_needed(&format!("{}_select_own", table.name));
        let mut d = ctx
            .diagnostic(
                &RULE,
                created.span(),
                format!(
                    "table {name} has row level security enabled but no policy: only the \
                     service role can read or write it"
                ),
            )
            .with_help(format!(
                "add a policy for each role that should reach it, e.g. `CREATE POLICY {policy} \
                 ON {} FOR SELECT TO authenticated USING {using};` (if only the service role \
                 should, this is fine)",
                qualified(&table.key())
            ))
            .in_statement(stmt.span);
        if let Some(changed) = table.rls_changed {
            d = d.with_related(
                changed.file(),
                changed.span(),
                "row level security enabled here",
            );
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{lines, run, spans};

    const RULE: &str = "rls-without-policy";

    #[test]
    fn rls_without_any_policy() {
        let a = "CREATE TABLE clients (id uuid, user_id uuid);\n\
                 ALTER TABLE clients ENABLE ROW LEVEL SECURITY;\n";
        let out = run(&[("1.sql", a)], &[], "");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:1:14 table \"clients\" has row level security enabled but no policy: only \
                 the service role can read or write it [1.sql:2:21 row level security enabled \
                 here]"
            ]
        );
        let help = out
            .diagnostics
            .iter()
            .find(|d| d.rule == RULE)
            .and_then(|d| d.help.clone());
        assert!(help.is_some_and(|h| h.contains(
            "CREATE POLICY clients_select_own ON public.clients FOR SELECT TO authenticated \
             USING (user_id = auth.uid());"
        )));
    }

    #[test]
    fn policies_in_later_files_count_dropped_ones_do_not() {
        let a = "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n\
                 CREATE TABLE b (id int);\nALTER TABLE b ENABLE ROW LEVEL SECURITY;\n\
                 CREATE POLICY pb ON b USING (true);\n\
                 ALTER TABLE users ENABLE ROW LEVEL SECURITY;\n";
        let b = "CREATE POLICY pa ON public.a USING (true);\nDROP POLICY IF EXISTS pb ON b;\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["b"]);
        // Reported where the table was created, so the policy file alone reports nothing.
        let out = run(&[("1.sql", a), ("2.sql", b)], &["2.sql"], "");
        assert!(lines(&out, RULE).is_empty());
    }
}
