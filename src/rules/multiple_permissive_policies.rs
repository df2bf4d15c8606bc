//! `multiple-permissive-policies`: two permissive policies for the same role and command on a
//! table. PostgreSQL evaluates every one of them for every row (they are OR-ed), which is slow,
//! and the wider one silently wins.

use super::Rule;
use super::common::policy::{BYPASS_ROLES, applies_to, commands, live_policies_defined_here};
use super::common::schema::{q, q_key};
use crate::catalog::Name;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::PolicyCommand;

pub static RULE: Rule = Rule {
    id: "multiple-permissive-policies",
    default_severity: Severity::Warning,
    summary: "More than one permissive policy for the same role and command on a table",
    doc: include_str!("../../rules/multiple-permissive-policies.md"),
    check: Some(check),
};

/// A role both role lists apply to (`public` when both are for everyone), ignoring roles that
/// bypass row level security.
fn shared_role(a: &[Name], b: &[Name]) -> Option<String> {
    let candidates = a
        .iter()
        .chain(b.iter())
        .map(Name::as_str)
        .chain(["anon", "authenticated"]);
    let mut found = None;
    for role in candidates {
        if role == "public" || BYPASS_ROLES.contains(&role) {
            continue;
        }
        if applies_to(a, role) && applies_to(b, role) {
            found = Some(role.to_string());
            break;
        }
    }
    found
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    for p in live_policies_defined_here(ctx) {
        if !p.policy.permissive {
            continue;
        }
        let earlier = catalog.policies_on(p.policy.table).find_map(|(id, other)| {
            if id == p.id
                || !other.permissive
                || other.dropped.is_some()
                || other.defined.pos() >= p.policy.defined.pos()
            {
                return None;
            }
            let command: PolicyCommand = *commands(p.policy.command)
                .iter()
                .find(|c| commands(other.command).contains(c))?;
            let role = shared_role(&p.policy.roles, &other.roles)?;
            Some((other, command, role))
        });
        let Some((other, command, role)) = earlier else {
            continue;
        };
        out.push(
            ctx.diagnostic(
                &RULE,
                p.name_span(),
                format!(
                    "policies {} and {} on {} are both permissive for role {role} and {}: \
                     PostgreSQL evaluates both for every row",
                    q(&other.name),
                    q(&p.policy.name),
                    q_key(&p.table.key()),
                    command.as_str().to_uppercase()
                ),
            )
            .with_help(
                "merge them into one policy whose condition ORs both conditions, or make one \
                 of them `AS RESTRICTIVE` or for another role",
            )
            .with_related(
                other.created.file(),
                other.created.span(),
                format!("policy {} created here", q(&other.name)),
            )
            .in_statement(p.statement_span()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{lines, run};

    const RULE: &str = "multiple-permissive-policies";

    #[test]
    fn overlapping_policies() {
        let a = "CREATE TABLE t (id int, user_id uuid, published bool);\n\
                 CREATE POLICY own ON t FOR SELECT TO authenticated USING (user_id = (select auth.uid()));\n\
                 CREATE POLICY pub ON t FOR SELECT USING (published);\n\
                 CREATE POLICY ins ON t FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()));\n\
                 CREATE POLICY svc ON t FOR ALL TO service_role USING (true);\n\
                 CREATE POLICY svc2 ON t FOR ALL TO service_role USING (true);\n\
                 CREATE POLICY anon_only ON t FOR DELETE TO anon USING (false);\n\
                 CREATE POLICY lim ON t AS RESTRICTIVE FOR SELECT USING (true);\n";
        let b = "CREATE POLICY \"all mine\" ON public.t TO authenticated USING (user_id = (select auth.uid()));\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:3:15 policies \"own\" and \"pub\" on \"t\" are both permissive for role authenticated and SELECT: PostgreSQL evaluates both for every row [1.sql:2:15 policy \"own\" created here]",
                "2.sql:1:15 policies \"own\" and \"all mine\" on \"t\" are both permissive for role authenticated and SELECT: PostgreSQL evaluates both for every row [1.sql:2:15 policy \"own\" created here]",
            ]
        );
    }
}
