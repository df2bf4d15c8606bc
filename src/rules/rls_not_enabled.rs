//! `rls-not-enabled`: a table the set created in an exposed schema without row level security at
//! the end of the set: anyone with the anon key reads and writes it.

use super::Rule;
use super::common::schema::{
    blame, is_exposed, q, q_key, qualified, table_key_after, with_statement_added,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;

pub static RULE: Rule = Rule {
    id: "rls-not-enabled",
    default_severity: Severity::Error,
    summary: "A table in an exposed schema without row level security",
    doc: include_str!("../../rules/rls-not-enabled.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    // Blamed on the CREATE TABLE or the last RLS change: only tables this file created or
    // changed can be reported here.
    let here = catalog.created_in(ctx.file_id);
    let mut candidates: Vec<_> = here
        .tables
        .iter()
        .chain(here.rls_changed)
        .copied()
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    for table in candidates
        .into_iter()
        .filter_map(|id| catalog.tables.get(id))
    {
        if !table.is_live()
            || table.temporary
            || table.rls_enabled
            || !is_exposed(ctx.config, &table.schema)
        {
            continue;
        }
        // Reported where RLS went missing: the CREATE TABLE, or a later DISABLE (which also
        // catches a table older than the set that a migration opens up).
        let disabled = table.rls_changed.filter(|_| !table.rls_enabled);
        let Some(at) = blame(table.created, disabled) else {
            continue;
        };
        if at.file() != ctx.file_id {
            continue;
        }
        let Some(stmt) = ctx.statements().get(at.stmt()) else {
            continue;
        };
        let help_sql = format!(
            "ALTER TABLE {} ENABLE ROW LEVEL SECURITY;",
            qualified(&table.key())
        );
        if Some(at) == disabled {
            let mut d = ctx
                .diagnostic(
                    &RULE,
                    at.span(),
                    format!(
                        "this disables row level security on table {} in the exposed schema {}, \
                         and nothing enables it again: anyone with the anon key can read and \
                         change every row",
                        q_key(&table.key()),
                        q(&table.schema)
                    ),
                )
                .with_help(format!(
                    "keep row level security on and change the policies instead, or enable it \
                     again before the end of the migrations: `{help_sql}`"
                ))
                .in_statement(stmt.span);
            if let Some(created) = table.created {
                d = d.with_related(created.file(), created.span(), "table created here");
            }
            out.push(d);
            continue;
        }
        let fix_sql = format!(
            "ALTER TABLE {} ENABLE ROW LEVEL SECURITY;",
            qualified(&table_key_after(table, &at))
        );
        let mut d = ctx
            .diagnostic(
                &RULE,
                at.span(),
                format!(
                    "table {} is in the exposed schema {} but row level security is not enabled \
                     on it: anyone with the anon key can read and change every row",
                    q_key(&table.key()),
                    q(&table.schema)
                ),
            )
            .with_help(format!(
                "enable it, then add policies for what each role may see: `{help_sql}`"
            ))
            .in_statement(stmt.span);
        d = with_statement_added(ctx, d, at.stmt(), &fix_sql);
        // Not for `--fix`: without a policy the table is then closed to every API role, which
        // changes what the running application can read; a person decides (the editor offers it).
        if let Some(fix) = &mut d.fix {
            fix.safe = false;
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{fixed, lines, run, spans};

    const RULE: &str = "rls-not-enabled";

    #[test]
    fn reports_the_table_name_with_a_fix() {
        let sql = "CREATE TABLE IF NOT EXISTS public.clients (id uuid);\n";
        let out = run(&[("1.sql", sql)], &[], "");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:1:28 table \"clients\" is in the exposed schema \"public\" but row level security \
                 is not enabled on it: anyone with the anon key can read and change every row"
            ]
        );
        assert_eq!(spans(&out, RULE), vec!["public.clients"]);
        assert_eq!(
            fixed(&out, RULE).as_deref(),
            Some(
                "CREATE TABLE IF NOT EXISTS public.clients (id uuid);\nALTER TABLE public.clients \
                 ENABLE ROW LEVEL SECURITY;\n"
            )
        );
    }

    #[test]
    fn enabled_in_a_later_file_or_disabled_again() {
        let a = "CREATE TABLE clients (id uuid);\nCREATE TABLE meetings (id uuid);\n\
                 CREATE TABLE \"Notes\" (id uuid);\n";
        let b = "ALTER TABLE clients ENABLE ROW LEVEL SECURITY;\n\
                 ALTER TABLE meetings ENABLE ROW LEVEL SECURITY;\n\
                 ALTER TABLE public.\"Notes\" ENABLE ROW LEVEL SECURITY;\n";
        let c = "ALTER TABLE IF EXISTS meetings DISABLE ROW LEVEL SECURITY;\n";
        let out = run(&[("1.sql", a), ("2.sql", b), ("3.sql", c)], &[], "");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "3.sql:1:32 this disables row level security on table \"meetings\" in the exposed \
                 schema \"public\", and nothing enables it again: anyone with the anon key can \
                 read and change every row [1.sql:2:14 table created here]"
            ]
        );
    }

    #[test]
    fn a_new_file_that_disables_rls_is_blamed_when_checked_alone() {
        let a = "CREATE TABLE notes (id int);\nALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n";
        let b = "ALTER TABLE public.notes DISABLE ROW LEVEL SECURITY;\n";
        // Only the new file is reported (pre-commit, the editor): the finding is there.
        let out = run(&[("1.sql", a), ("2.sql", b)], &["2.sql"], "");
        assert_eq!(spans(&out, RULE), vec!["DISABLE ROW LEVEL SECURITY"]);
        // Checking only the old file shows nothing: nobody touched it.
        let out = run(&[("1.sql", a), ("2.sql", b)], &["1.sql"], "");
        assert!(lines(&out, RULE).is_empty());
        // A table older than the set, opened up by the set.
        let out = run(&[("1.sql", b)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["DISABLE ROW LEVEL SECURITY"]);
        // Disabled, then enabled again: fine.
        let c = "ALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n";
        let out = run(&[("1.sql", a), ("2.sql", b), ("3.sql", c)], &[], "");
        assert!(lines(&out, RULE).is_empty());
    }

    #[test]
    fn exposure_follows_renames_set_schema_drops_and_config() {
        let a = "CREATE TABLE private.jobs (id int);\nCREATE TABLE staging (id int);\n\
                 CREATE TABLE old (id int);\nCREATE TABLE moved (id int);\n\
                 CREATE TEMP TABLE scratch (id int);\nCREATE TABLE api.items (id int);\n";
        let b = "ALTER TABLE staging RENAME TO live;\nDROP TABLE old;\n\
                 ALTER TABLE moved SET SCHEMA private;\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["staging"]);
        assert!(
            lines(&out, RULE)[0].contains("table \"live\" is in the exposed schema \"public\"")
        );
        // The fix goes after the CREATE TABLE, under the name the table had there.
        assert!(fixed(&out, RULE).is_some_and(|t| t.contains(
            "CREATE TABLE staging (id int);\nALTER TABLE public.staging ENABLE ROW LEVEL SECURITY;\n"
        )));
        let out = run(
            &[("1.sql", a), ("2.sql", b)],
            &[],
            "[rls]\nexposed_schemas = [\"API\", \"private\"]\n",
        );
        assert_eq!(
            spans(&out, RULE),
            vec!["private.jobs", "moved", "api.items"]
        );
    }

    #[test]
    fn do_blocks_and_single_file_mode() {
        let a = "CREATE TABLE clients (id uuid);\n";
        let b = "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'meetings') THEN\n    CREATE TABLE meetings (id uuid);\n  END IF;\nEND $$;\n";
        let c = "DO $$ BEGIN ALTER TABLE clients ENABLE ROW LEVEL SECURITY; END $$;\n";
        let out = run(&[("1.sql", a), ("2.sql", b), ("3.sql", c)], &["2.sql"], "");
        assert_eq!(
            lines(&out, RULE)
                .iter()
                .map(|l| l.split(' ').next().unwrap_or(""))
                .collect::<Vec<_>>(),
            vec!["2.sql:4:18"]
        );
        assert!(fixed(&out, RULE).is_some_and(|t| {
            t.ends_with("END $$;\nALTER TABLE public.meetings ENABLE ROW LEVEL SECURITY;\n")
        }));
        let out = run(&[("1.sql", a), ("2.sql", b), ("3.sql", c)], &["1.sql"], "");
        assert!(lines(&out, RULE).is_empty());
    }

    #[test]
    fn crlf_files_get_crlf_fixes_and_a_missing_semicolon_is_added() {
        let out = run(
            &[("1.sql", "CREATE TABLE a (id int);\r\nSELECT 1;\r\n")],
            &[],
            "",
        );
        assert_eq!(
            fixed(&out, RULE).as_deref(),
            Some(
                "CREATE TABLE a (id int);\r\nALTER TABLE public.a ENABLE ROW LEVEL SECURITY;\r\nSELECT 1;\r\n"
            )
        );
        let out = run(&[("1.sql", "CREATE TABLE a (id int)\n")], &[], "");
        assert_eq!(
            fixed(&out, RULE).as_deref(),
            Some("CREATE TABLE a (id int);\nALTER TABLE public.a ENABLE ROW LEVEL SECURITY;\n")
        );
    }
}

#[cfg(test)]
mod suppression {
    use super::super::common::schema::testing::{lines, run};

    #[test]
    fn an_ignore_comment_above_the_create_table_silences_it() {
        let sql = "-- pgward-ignore rls-not-enabled -- reference data, read-only grants\n\
                   CREATE TABLE countries (code text PRIMARY KEY, user_id uuid);\n\
                   CREATE TABLE clients (id uuid);\n";
        let out = run(&[("1.sql", sql)], &[], "");
        assert_eq!(
            lines(&out, "rls-not-enabled")
                .iter()
                .map(|l| l.split(' ').next().unwrap_or(""))
                .collect::<Vec<_>>(),
            vec!["1.sql:3:14"]
        );
        assert!(lines(&out, "unused-suppression").is_empty());
        // Other rules on the same statement still speak.
        assert_eq!(lines(&out, "missing-user-id-index").len(), 1);
    }
}
