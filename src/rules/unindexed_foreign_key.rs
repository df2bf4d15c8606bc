//! `unindexed-foreign-key`: a foreign key whose columns are not the leading columns of any index
//! at the end of the set (R-007; Supabase's advisor reports the same on live databases).

use super::Rule;
use super::common::schema::{
    create_index_sql, foreign_key_span, leading_columns_indexed, q_key, table_key_after,
    with_statement_added,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{FileContext, is_enabled};

pub static RULE: Rule = Rule {
    id: "unindexed-foreign-key",
    default_severity: Severity::Warning,
    summary: "A foreign key whose columns are not the leading columns of any index",
    doc: include_str!("../../rules/unindexed-foreign-key.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    let user_rule_on = is_enabled(&super::missing_user_id_index::RULE, ctx.config);
    for &(table_id, fk_index) in catalog.created_in(ctx.file_id).foreign_keys {
        let Some(table) = catalog.tables.get(table_id) else {
            continue;
        };
        if table.temporary || !table.is_live() {
            continue;
        }
        let Some(fk) = table.foreign_keys.get(fk_index) else {
            continue;
        };
        if fk.dropped.is_some() || fk.columns.is_empty() {
            continue;
        }
        // Dropping the referenced table (CASCADE) took the foreign key with it.
        if fk
            .ref_table()
            .and_then(|r| catalog.tables.get(r))
            .is_some_and(|r| !r.is_live())
        {
            continue;
        }
        // The column's own diagnostic already asks for this index.
        if let [only] = &*fk.columns
            && user_rule_on
            && super::missing_user_id_index::reports(ctx.config, catalog, table_id, *only)
        {
            continue;
        }
        if leading_columns_indexed(catalog, table_id, &fk.columns) {
            continue;
        }
        let Some(stmt) = ctx.statements().get(fk.created.stmt()) else {
            continue;
        };
        let names: Vec<String> = fk
            .columns
            .iter()
            .filter_map(|&c| table.columns.get(c).map(|c| c.name.to_string()))
            .collect();
        if names.len() != fk.columns.len() {
            continue;
        }
        let now = table.key();
        let target = match fk.ref_table().and_then(|r| catalog.tables.get(r)) {
            Some(r) if r.is_live() => q_key(&r.key()),
            _ => q_key(&fk.ref_key),
        };
        let help_sql = create_index_sql(&now, &names);
        let then_table = table_key_after(table, &fk.created);
        let then_names: Vec<String> = fk
            .columns
            .iter()
            .filter(|&&c| c < table.columns.len())
            .map(|&c| super::common::schema::column_name_after(table, c, &fk.created))
            .collect();
        let fix_sql = create_index_sql(&then_table, &then_names);
        let mut d = ctx
            .diagnostic(
                &RULE,
                foreign_key_span(ctx, &fk.created),
                format!(
                    "foreign key {} ({}) → {target} has no index that starts with its \
                     column{}: deleting or updating a row of {target} scans {}, and joins on it \
                     are slow",
                    q_key(&now),
                    names.join(", "),
                    if names.len() == 1 { "" } else { "s" },
                    q_key(&now),
                ),
            )
            .with_help(format!("add the index: `{help_sql}`"))
            .in_statement(stmt.span);
        d = with_statement_added(ctx, d, fk.created.stmt(), &fix_sql);
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{fixed, lines, run, spans};

    const RULE: &str = "unindexed-foreign-key";

    #[test]
    fn column_and_table_level_foreign_keys() {
        let sql = "CREATE TABLE clients (id uuid PRIMARY KEY);\n\
                   CREATE TABLE meetings (\n  id uuid PRIMARY KEY,\n  client_id uuid REFERENCES clients (id) ON DELETE CASCADE,\n  a int, b int,\n  CONSTRAINT meetings_ab_fk FOREIGN KEY (a, b) REFERENCES pairs (x, y)\n);\n";
        let out = run(&[("1.sql", sql)], &[], "");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:4:3 foreign key \"meetings\" (client_id) → \"clients\" has no index \
                 that starts with its column: deleting or updating a row of \"clients\" scans \
                 \"meetings\", and joins on it are slow",
                "1.sql:6:42 foreign key \"meetings\" (a, b) → \"pairs\" has no index that starts \
                 with its columns: deleting or updating a row of \"pairs\" scans \"meetings\", \
                 and joins on it are slow",
            ]
        );
        assert_eq!(spans(&out, RULE), vec!["client_id", "a, b"]);
        assert!(
            fixed(&out, RULE)
                .is_some_and(|t| t.ends_with(");\nCREATE INDEX IF NOT EXISTS idx_meetings_client_id ON public.meetings (client_id);\n"))
        );
    }

    #[test]
    fn leading_columns_in_any_order_cover_it() {
        let a = "CREATE TABLE m (a int, b int, c int, FOREIGN KEY (a, b) REFERENCES p (x, y));\n\
                 CREATE TABLE n (a int REFERENCES p2, b int REFERENCES p3);\n\
                 CREATE TABLE o (a int REFERENCES p4, PRIMARY KEY (a, x));\n";
        let b = "CREATE INDEX ON m (b, a, c);\nCREATE INDEX ON n (b, a);\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        // n.a is only the second column of n's index.
        assert_eq!(spans(&out, RULE), vec!["a"]);
        assert!(lines(&out, RULE)[0].starts_with("1.sql:2:17 foreign key \"n\" (a) → \"p2\" "));
    }

    #[test]
    fn user_columns_are_left_to_missing_user_id_index() {
        let sql = "CREATE TABLE clients (id uuid PRIMARY KEY, user_id uuid REFERENCES auth.users (id));\n";
        let out = run(&[("1.sql", sql)], &[], "");
        assert!(lines(&out, RULE).is_empty());
        assert_eq!(lines(&out, "missing-user-id-index").len(), 1);
        // With that rule off, this one reports it.
        let out = run(
            &[("1.sql", sql)],
            &[],
            "[rules]\nignore = [\"missing-user-id-index\"]\n",
        );
        assert_eq!(spans(&out, RULE), vec!["user_id"]);
        assert!(lines(&out, RULE)[0].contains("→ \"auth.users\" "));
    }

    #[test]
    fn added_later_renamed_and_dropped() {
        let a = "CREATE TABLE clients (id uuid PRIMARY KEY);\n\
                 CREATE TABLE meetings (id uuid, client_id uuid);\n\
                 CREATE TABLE notes (id uuid, meeting_id uuid REFERENCES meetings);\n";
        let b = "ALTER TABLE meetings ADD CONSTRAINT meetings_client_fk FOREIGN KEY (client_id) REFERENCES clients (id);\n\
                 ALTER TABLE notes DROP CONSTRAINT notes_meeting_id_fkey;\n\
                 ALTER TABLE clients RENAME TO customers;\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        // notes' foreign key went by PostgreSQL's default name; meetings' came in a later file.
        assert_eq!(
            lines(&out, RULE),
            vec![
                "2.sql:1:69 foreign key \"meetings\" (client_id) → \"customers\" has no index \
                 that starts with its column: deleting or updating a row of \"customers\" scans \
                 \"meetings\", and joins on it are slow"
            ]
        );
        // The fix uses the name the referencing table had there (unchanged) and goes in 2.sql.
        assert!(fixed(&out, RULE).is_some_and(|t| t.starts_with(
            "ALTER TABLE meetings ADD CONSTRAINT meetings_client_fk FOREIGN KEY (client_id) \
             REFERENCES clients (id);\nCREATE INDEX IF NOT EXISTS idx_meetings_client_id ON \
             public.meetings (client_id);\nALTER TABLE notes"
        )));
    }

    #[test]
    fn dropping_the_referenced_table_drops_the_key() {
        let a = "CREATE TABLE series (id int PRIMARY KEY);\n\
                 CREATE TABLE meetings (id int, series_id int REFERENCES series);\n";
        let b = "DROP TABLE series CASCADE;\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        assert!(lines(&out, RULE).is_empty());
    }

    #[test]
    fn single_file_mode_reports_only_the_named_file() {
        let a = "CREATE TABLE clients (id uuid PRIMARY KEY);\nCREATE TABLE x (c uuid REFERENCES clients);\n";
        let b = "CREATE TABLE meetings (id uuid, client_id uuid REFERENCES clients);\n";
        let c = "CREATE INDEX ON x (c);\n";
        let out = run(&[("1.sql", a), ("2.sql", b), ("3.sql", c)], &["2.sql"], "");
        assert_eq!(
            lines(&out, RULE)
                .iter()
                .map(|l| l.split(' ').next().unwrap_or(""))
                .collect::<Vec<_>>(),
            vec!["2.sql:1:33"]
        );
    }
}
