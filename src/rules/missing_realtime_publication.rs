//! `missing-realtime-publication`: a table that should stream changes to Supabase Realtime
//! (`[realtime] tables`) is not in the realtime publication at the end of the set.

use super::Rule;
use super::common::schema::{
    config_ident, config_table, insert_after_statement, is_exposed, live_tables_created_here, q,
    q_key, qualified, table_key_after,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::quote_if_needed;

pub static RULE: Rule = Rule {
    id: "missing-realtime-publication",
    default_severity: Severity::Warning,
    summary: "A table listed in [realtime] tables is not in the realtime publication",
    doc: include_str!("../../rules/missing-realtime-publication.md"),
    check: Some(check),
};

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    // Without a `[realtime]` section nobody asked for Realtime.
    let Some(realtime) = &ctx.config.realtime else {
        return;
    };
    let catalog = ctx.catalog();
    let every = realtime.tables.iter().any(|t| t.trim() == "*");
    let listed: Vec<_> = realtime
        .tables
        .iter()
        .filter(|t| t.trim() != "*")
        .map(|t| config_table(t))
        .collect();
    let publication_name = config_ident(&realtime.publication);
    let publication = catalog.publication(&publication_name);
    for (table_id, table, created, stmt) in live_tables_created_here(ctx) {
        let wanted =
            listed.contains(&table.key()) || (every && is_exposed(ctx.config, &table.schema));
        if !wanted || publication.is_some_and(|p| catalog.publishes(p, table_id)) {
            continue;
        }
        let pubname = quote_if_needed(&publication_name);
        let help_sql = format!(
            "ALTER PUBLICATION {pubname} ADD TABLE {};",
            qualified(&table.key())
        );
        let fix_sql = format!(
            "ALTER PUBLICATION {pubname} ADD TABLE {};",
            qualified(&table_key_after(table, &created))
        );
        let mut d = ctx
            .diagnostic(
                &RULE,
                created.span,
                format!(
                    "table {} is not in the publication {} at the end of the migrations: \
                     Realtime subscribers receive none of its changes",
                    q_key(&table.key()),
                    q(&publication_name)
                ),
            )
            .with_help(format!("add it to the publication: `{help_sql}`"))
            .in_statement(stmt.span);
        // Say where it went missing, when the set removed it.
        let p = publication.and_then(|p| catalog.publications.get(p));
        let removed = p.and_then(|p| {
            p.members
                .iter()
                .filter(|m| m.table == table_id)
                .filter_map(|m| m.removed)
                .next_back()
        });
        if let Some(removed) = removed {
            d = d.with_related(
                removed.file,
                removed.span,
                format!("removed from {} here", q(&publication_name)),
            );
        }
        let dropped = catalog
            .publications
            .iter()
            .filter(|p| p.name == publication_name)
            .filter_map(|p| p.dropped)
            .next_back();
        if let (None, Some(dropped)) = (publication, dropped) {
            d = d.with_related(
                dropped.file,
                dropped.span,
                format!("publication {} dropped here", q(&publication_name)),
            );
        }
        if let Some(edit) = insert_after_statement(ctx, created.stmt, &fix_sql) {
            d = d.with_fix(format!("Add `{fix_sql}`"), vec![edit]);
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{fixed, lines, run, spans};

    const RULE: &str = "missing-realtime-publication";
    const LISTED: &str =
        "[realtime]\ntables = [\"clients\", \"meetings\", \"app.Items\", \"\\\"Notes\\\"\"]\n";

    #[test]
    fn nothing_without_a_realtime_section() {
        let out = run(&[("1.sql", "CREATE TABLE clients (id int);\n")], &[], "");
        assert!(lines(&out, RULE).is_empty());
    }

    #[test]
    fn listed_tables_need_membership_with_a_fix() {
        let a = "CREATE TABLE clients (id int);\nCREATE TABLE meetings (id int);\n\
                 CREATE TABLE other (id int);\n";
        let b = "ALTER PUBLICATION supabase_realtime ADD TABLE ONLY public.meetings;\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], LISTED);
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:1:14 table \"clients\" is not in the publication \"supabase_realtime\" at the end \
                 of the migrations: Realtime subscribers receive none of its changes"
            ]
        );
        assert!(fixed(&out, RULE).is_some_and(|t| t.starts_with(
            "CREATE TABLE clients (id int);\nALTER PUBLICATION supabase_realtime ADD TABLE public.clients;\n"
        )));
    }

    #[test]
    fn add_set_drop_lists_quoted_and_qualified() {
        let a = "CREATE TABLE clients (id int);\nCREATE TABLE meetings (id int);\n\
                 CREATE TABLE app.\"Items\" (id int);\nCREATE TABLE \"Notes\" (id int);\n\
                 ALTER PUBLICATION supabase_realtime ADD TABLE clients, meetings, app.\"Items\", \"Notes\";\n";
        let b = "ALTER PUBLICATION supabase_realtime DROP TABLE meetings;\n";
        let c = "ALTER PUBLICATION supabase_realtime SET TABLE clients, app.\"Items\";\n";
        let out = run(&[("1.sql", a), ("2.sql", b), ("3.sql", c)], &[], LISTED);
        assert_eq!(
            lines(&out, RULE),
            vec![
                "1.sql:2:14 table \"meetings\" is not in the publication \"supabase_realtime\" at the \
                 end of the migrations: Realtime subscribers receive none of its changes \
                 [2.sql:1:48 removed from \"supabase_realtime\" here]",
                "1.sql:4:14 table \"Notes\" is not in the publication \"supabase_realtime\" at the \
                 end of the migrations: Realtime subscribers receive none of its changes \
                 [3.sql:1:19 removed from \"supabase_realtime\" here]",
            ]
        );
    }

    #[test]
    fn star_means_exposed_tables_and_publication_forms() {
        let star = "[realtime]\npublication = \"live\"\ntables = [\"*\"]\n";
        let a = "CREATE TABLE clients (id int);\nCREATE TABLE private.jobs (id int);\n\
                 CREATE TABLE meetings (id int);\n";
        let all = "CREATE PUBLICATION live FOR ALL TABLES;\n";
        let out = run(&[("1.sql", a), ("2.sql", all)], &[], star);
        assert!(lines(&out, RULE).is_empty());
        let schema = "CREATE PUBLICATION live FOR TABLES IN SCHEMA public;\n";
        let out = run(&[("1.sql", a), ("2.sql", schema)], &[], star);
        assert!(lines(&out, RULE).is_empty());
        let some = "CREATE PUBLICATION live FOR TABLE clients;\n";
        let out = run(&[("1.sql", a), ("2.sql", some)], &[], star);
        assert_eq!(spans(&out, RULE), vec!["meetings"]);
        // Dropped publication: everything is missing, and the drop is shown.
        let dropped = "CREATE PUBLICATION live FOR ALL TABLES;\nDROP PUBLICATION IF EXISTS live;\n";
        let out = run(&[("1.sql", a), ("2.sql", dropped)], &[], star);
        assert_eq!(spans(&out, RULE), vec!["clients", "meetings"]);
        assert!(lines(&out, RULE)[0].ends_with("[2.sql:2:28 publication \"live\" dropped here]"));
    }

    #[test]
    fn drops_and_renames_of_tables() {
        let a = "CREATE TABLE clients_v1 (id int);\n\
                 ALTER PUBLICATION supabase_realtime ADD TABLE clients_v1;\n\
                 CREATE TABLE meetings (id int);\n\
                 ALTER PUBLICATION supabase_realtime ADD TABLE meetings;\n";
        // Renamed: still a member. Dropped and re-created: a new table, not a member.
        let b = "ALTER TABLE clients_v1 RENAME TO clients;\nDROP TABLE meetings;\n\
                 CREATE TABLE meetings (id int, title text);\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], LISTED);
        assert_eq!(
            lines(&out, RULE)
                .iter()
                .map(|l| l.split(' ').next().unwrap_or(""))
                .collect::<Vec<_>>(),
            vec!["2.sql:3:14"]
        );
        // Single-file mode: the membership in the context file counts.
        let out = run(&[("1.sql", a), ("2.sql", b)], &["1.sql"], LISTED);
        assert!(lines(&out, RULE).is_empty());
    }

    #[test]
    fn do_blocks() {
        let a = "CREATE TABLE clients (id int);\nCREATE TABLE meetings (id int);\n\
                 DO $$\nBEGIN\n  ALTER PUBLICATION supabase_realtime ADD TABLE clients;\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\n";
        let out = run(&[("1.sql", a)], &[], LISTED);
        assert_eq!(spans(&out, RULE), vec!["meetings"]);
    }
}
