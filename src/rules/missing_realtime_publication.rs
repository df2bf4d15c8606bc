//! `missing-realtime-publication`: a table that should stream changes to Supabase Realtime
//! (`[realtime] tables`) is not in the realtime publication at the end of the set.

use super::Rule;
use super::common::schema::{
    blame, is_exposed, q, q_key, qualified, table_key_after, with_statement_added,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::names::{fold_ident, table_name};
use crate::syntax::quote_if_needed;

pub static RULE: Rule = Rule {
    id: "missing-realtime-publication",
    default_severity: Severity::Warning,
    summary: "A [realtime] tables table that is not in the realtime publication",
    doc: include_str!("../../rules/missing-realtime-publication.md"),
    check: Some(check),
};

/// Which tables must be in the realtime publication.
enum Wanted {
    /// `[realtime] tables`: these (and, with `"*"`, every table in an exposed schema).
    Listed {
        every: bool,
        tables: Vec<crate::catalog::Key>,
    },
    /// No `[realtime]` section, Supabase runner: the tables the migrations themselves put in
    /// the publication (taking one out again must be deliberate).
    EverPublished,
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let (wanted, publication_name) = match &ctx.config.realtime {
        Some(realtime) => (
            Wanted::Listed {
                every: realtime.tables.iter().any(|t| t.trim() == "*"),
                tables: realtime
                    .tables
                    .iter()
                    .filter(|t| t.trim() != "*")
                    .filter_map(|t| table_name(t))
                    .map(|(schema, table)| (schema.into(), table.into()))
                    .collect(),
            },
            fold_ident(&realtime.publication),
        ),
        // Without a `[realtime]` section nobody asked for Realtime, unless the project is a
        // Supabase one, whose realtime publication pgward knows.
        None if ctx.config.supabase_preset() => (
            Wanted::EverPublished,
            crate::runner::supabase::REALTIME_PUBLICATION.to_string(),
        ),
        None => return,
    };
    let catalog = ctx.catalog();
    let publication = catalog.publication(&publication_name);
    let members = |table_id| {
        catalog
            .publications
            .iter()
            .filter(|p| p.name == publication_name)
            .flat_map(|p| p.members.iter())
            .filter(move |m| m.table == table_id)
    };
    // Blamed on the CREATE TABLE, a removal from the publication or the publication's drop:
    // only tables this file created or removed can be reported here, unless it dropped the
    // publication.
    let here = catalog.created_in(ctx.file_id);
    let drops_publication = here.dropped_publications.iter().any(|&p| {
        catalog
            .publications
            .get(p)
            .is_some_and(|p| p.name == publication_name)
    });
    let mut candidates: Vec<_> = if drops_publication {
        catalog.live_tables().map(|(id, _)| id).collect()
    } else {
        here.tables
            .iter()
            .chain(here.unpublished)
            .copied()
            .collect()
    };
    candidates.sort_unstable();
    candidates.dedup();
    for table_id in candidates {
        let Some(table) = catalog.tables.get(table_id) else {
            continue;
        };
        if !table.is_live() || table.temporary {
            continue;
        }
        let is_wanted = match &wanted {
            Wanted::Listed { every, tables } => {
                tables.contains(&table.key()) || (*every && is_exposed(ctx.config, &table.schema))
            }
            Wanted::EverPublished => members(table_id).next().is_some(),
        };
        if !is_wanted || publication.is_some_and(|p| catalog.publishes(p, table_id)) {
            continue;
        }
        // Where it went missing: the CREATE TABLE, or the later removal from the publication
        // (or the publication's drop).
        let removed = members(table_id)
            .filter_map(|m| m.removed)
            .max_by_key(|l| l.pos());
        let dropped = catalog
            .publications
            .iter()
            .filter(|p| p.name == publication_name)
            .filter_map(|p| p.dropped)
            .max_by_key(|l| l.pos());
        let lost = [removed, dropped]
            .into_iter()
            .flatten()
            .max_by_key(|l| l.pos());
        let Some(at) = blame(table.created, lost) else {
            continue;
        };
        if at.file() != ctx.file_id {
            continue;
        }
        let Some(stmt) = ctx.statements().get(at.stmt()) else {
            continue;
        };
        let pubname = quote_if_needed(&publication_name);
        let help_sql = format!(
            "ALTER PUBLICATION {pubname} ADD TABLE {};",
            qualified(&table.key())
        );
        if Some(at) == lost {
            let what = if Some(at) == removed {
                format!(
                    "this removes table {} from the publication {}",
                    q_key(&table.key()),
                    q(&publication_name)
                )
            } else {
                format!(
                    "this drops the publication {} that table {} belongs to",
                    q(&publication_name),
                    q_key(&table.key())
                )
            };
            let mut d = ctx
                .diagnostic(
                    &RULE,
                    at.span(),
                    format!(
                        "{what}, and nothing puts it back: Realtime subscribers stop receiving \
                         its changes"
                    ),
                )
                .with_help(format!(
                    "if Realtime should keep streaming it, leave it in the publication: \
                     `{help_sql}`; if this is deliberate, say so with \
                     `-- pgward-ignore missing-realtime-publication -- <reason>`"
                ))
                .in_statement(stmt.span);
            if let Some(created) = table.created {
                d = d.with_related(created.file(), created.span(), "table created here");
            }
            out.push(d);
            continue;
        }
        let fix_sql = format!(
            "ALTER PUBLICATION {pubname} ADD TABLE {};",
            qualified(&table_key_after(table, &at))
        );
        let mut d = ctx
            .diagnostic(
                &RULE,
                at.span(),
                format!(
                    "table {} is not in the publication {} at the end of the migrations: \
                     Realtime subscribers receive none of its changes",
                    q_key(&table.key()),
                    q(&publication_name)
                ),
            )
            .with_help(format!("add it to the publication: `{help_sql}`"))
            .in_statement(stmt.span);
        d = with_statement_added(ctx, d, at.stmt(), &fix_sql);
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
                // Blamed on the statements that took them out.
                "2.sql:1:48 this removes table \"meetings\" from the publication \
                 \"supabase_realtime\", and nothing puts it back: Realtime subscribers stop \
                 receiving its changes [1.sql:2:14 table created here]",
                "3.sql:1:19 this removes table \"Notes\" from the publication \
                 \"supabase_realtime\", and nothing puts it back: Realtime subscribers stop \
                 receiving its changes [1.sql:4:14 table created here]",
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
        // Dropped publication: everything is missing, blamed on the drop.
        let dropped = "CREATE PUBLICATION live FOR ALL TABLES;\nDROP PUBLICATION IF EXISTS live;\n";
        let out = run(&[("1.sql", a), ("2.sql", dropped)], &[], star);
        assert_eq!(spans(&out, RULE), vec!["live", "live"]);
        assert!(lines(&out, RULE)[0].starts_with(
            "2.sql:2:28 this drops the publication \"live\" that table \"clients\" belongs to"
        ));
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
