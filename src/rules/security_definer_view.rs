//! `security-definer-view`: a view (or materialized view) in an exposed schema, readable by
//! `anon`/`authenticated`, that reads a table with row level security with its owner's rights:
//! a plain view runs as its owner unless `security_invoker = true` (PostgreSQL 15+), and a
//! materialized view stores what its owner saw. Either way the table's policies never run for
//! the API user. Supabase's advisor: lint 0010.

use super::Rule;
use super::common::exposure::{bypassed_tables, latest, readers, roles_text, statement_span};
use super::common::schema::{q, q_key, qualified};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::ObjectKind;

pub static RULE: Rule = Rule {
    id: "security-definer-view",
    default_severity: Severity::Error,
    summary: "A view (or materialized view) `anon`/`authenticated` can read that reads a table with RLS with its owner's rights (no `security_invoker = true`)",
    doc: include_str!("../../rules/security-definer-view.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    for r in ctx.catalog().other_relations_touched_in(ctx.file_id) {
        let tables = bypassed_tables(ctx, r);
        if tables.is_empty() {
            continue;
        }
        let roles = readers(ctx, r);
        if roles.is_empty() {
            continue;
        }
        let at = latest(r.defined, &[r.invoker_changed], &r.acl, &roles);
        if at.file() != ctx.file_id {
            continue;
        }
        let materialized = r.kind == ObjectKind::MaterializedView;
        let what = if materialized {
            "materialized view"
        } else {
            "view"
        };
        let list = tables.iter().map(|t| q(t)).collect::<Vec<_>>().join(", ");
        let message = format!(
            "{what} {} reads {list} with its owner's rights, bypassing row level security: {} \
             can read every row through it",
            q_key(&r.key),
            roles_text(&roles),
        );
        let name = qualified(&r.key);
        let revoke = format!("REVOKE SELECT ON {name} FROM {}", roles.join(", "));
        let help = if materialized {
            format!(
                "a materialized view has no row level security: `{revoke}` (and read it through \
                 a function that checks the caller), or move it out of the exposed schemas"
            )
        } else if ctx.config.postgres_version.major() >= 15 {
            format!(
                "make the view run with the caller's rights: `ALTER VIEW {name} SET \
                 (security_invoker = true)` (or `CREATE VIEW … WITH (security_invoker = true)`), \
                 or `{revoke}`"
            )
        } else {
            format!(
                "PostgreSQL {} has no security invoker views (they need 15): `{revoke}`, or move \
                 the view out of the exposed schemas",
                ctx.config.postgres_version.major()
            )
        };
        out.push(
            ctx.diagnostic(&RULE, at.span(), message)
                .with_help(help)
                .in_statement(statement_span(ctx, &at)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{lines, run};

    const RULE: &str = "security-definer-view";
    const SUPABASE: &str = "runner = \"supabase\"\n";
    const TABLES: &str = "CREATE TABLE notes (id int, user_id uuid);\n\
                          ALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n\
                          CREATE TABLE tags (id int);\n";

    #[test]
    fn definer_views_over_rls_tables() {
        let a = format!(
            "{TABLES}CREATE VIEW note_list AS SELECT * FROM notes;\n\
             CREATE VIEW safe WITH (security_invoker = true) AS SELECT * FROM notes;\n\
             CREATE VIEW tag_list AS SELECT * FROM tags;\n\
             CREATE VIEW \"Nested\" AS SELECT * FROM note_list n JOIN tags t ON true;\n\
             CREATE MATERIALIZED VIEW mv AS SELECT count(*) FROM public.notes;\n\
             CREATE SCHEMA private;\n\
             CREATE VIEW private.v AS SELECT * FROM notes;\n"
        );
        let out = run(&[("1.sql", &a)], &[], SUPABASE);
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:4:13 view \"note_list\" reads \"notes\" with its owner's rights, bypassing row level security: anon and authenticated can read every row through it",
                "1.sql:7:13 view \"Nested\" reads \"notes\" with its owner's rights, bypassing row level security: anon and authenticated can read every row through it",
                "1.sql:8:26 materialized view \"mv\" reads \"notes\" with its owner's rights, bypassing row level security: anon and authenticated can read every row through it",
            ]
        );
    }

    #[test]
    fn grants_and_invoker_close_or_open_the_hole() {
        let a = format!(
            "{TABLES}CREATE VIEW v1 AS SELECT * FROM notes;\n\
             REVOKE ALL ON v1 FROM anon, authenticated;\n\
             CREATE VIEW v2 AS SELECT * FROM notes;\n\
             CREATE VIEW v3 AS SELECT * FROM notes;\n\
             REVOKE SELECT ON TABLE v3 FROM anon;\n"
        );
        let b = "ALTER VIEW v2 SET (security_invoker = true);\nGRANT SELECT ON v1 TO anon;\n";
        let out = run(&[("1.sql", &a), ("2.sql", b)], &[], SUPABASE);
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:7:13 view \"v3\" reads \"notes\" with its owner's rights, bypassing row level security: authenticated can read every row through it",
                "2.sql:2:1 view \"v1\" reads \"notes\" with its owner's rights, bypassing row level security: anon can read every row through it",
            ]
        );
        // Without Supabase's default privileges, nothing was granted.
        let off = format!("{SUPABASE}[privileges]\nsupabase_defaults = false\n");
        let out = run(&[("1.sql", &a), ("2.sql", b)], &[], &off);
        assert_eq!(lines(&out, RULE).len(), 1, "{:?}", lines(&out, RULE));
        // A default privilege revoked before the views were made.
        let c = format!(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM anon, authenticated;\n{a}"
        );
        let out = run(&[("1.sql", &c)], &[], SUPABASE);
        assert!(lines(&out, RULE).is_empty(), "{:?}", lines(&out, RULE));
    }

    #[test]
    fn postgres_14_has_no_invoker_views() {
        let a = format!("{TABLES}CREATE VIEW v AS SELECT * FROM notes;\n");
        let out = run(
            &[("1.sql", &a)],
            &[],
            &format!("{SUPABASE}postgres_version = 14\n"),
        );
        let d = out
            .diagnostics
            .iter()
            .find(|d| d.rule == RULE)
            .expect("a finding");
        assert!(
            d.help
                .as_deref()
                .unwrap_or("")
                .contains("no security invoker views")
        );
    }
}
