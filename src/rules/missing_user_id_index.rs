//! `missing-user-id-index`: a table that has a `user_id` column (or another `[indexes]
//! user_columns` column) at the end of the set, with no index that starts with it.

use super::Rule;
use super::common::schema::{
    blame, create_index_sql, leading_columns_indexed, q, q_key, table_key_after,
    with_statement_added,
};
use crate::catalog::{Catalog, ColumnId, Loc, TableId};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::names::fold_ident;

pub static RULE: Rule = Rule {
    id: "missing-user-id-index",
    default_severity: Severity::Warning,
    summary: "A user_id column (or another [indexes] user_columns column) without an index that starts with it",
    doc: include_str!("../../rules/missing-user-id-index.md"),
    check: Some(check),
};

/// Whether a column name is one of `[indexes] user_columns`.
pub fn is_user_column(config: &Config, name: &str) -> bool {
    config
        .indexes
        .user_columns
        .iter()
        .any(|c| fold_ident(c) == name)
}

/// Whether this rule reports the column (wherever it was defined): a live user column the set
/// defined, on a live non-temporary table, with no index starting with it.
pub fn reports(config: &Config, catalog: &Catalog, table: TableId, column: ColumnId) -> bool {
    let (Some(t), Some(c)) = (
        catalog.tables.get(table),
        catalog
            .tables
            .get(table)
            .and_then(|t| t.columns.get(column)),
    ) else {
        return false;
    };
    t.is_live()
        && !t.temporary
        && c.is_live()
        && c.created.is_some()
        && is_user_column(config, &c.name)
        && !leading_columns_indexed(catalog, table, &[column])
}

/// The last `DROP INDEX` of an index that started with the column, made after the column.
fn dropped_index(catalog: &Catalog, table: TableId, column: ColumnId) -> Option<Loc> {
    let t = catalog.tables.get(table)?;
    t.index_ids
        .iter()
        .filter_map(|&id| catalog.indexes.get(id))
        .filter(|i| i.table == table && i.columns.first() == Some(&Some(column)))
        .filter_map(|i| i.dropped)
        .max_by_key(|l| l.pos())
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    // A finding is blamed on the column's definition or on the DROP INDEX that removed its
    // index, so only columns defined here and the leading columns of indexes dropped here can
    // be reported in this file: start from those, never from the whole schema.
    let here = catalog.created_in(ctx.file_id);
    let mut candidates: Vec<(TableId, ColumnId)> = here.columns().collect();
    candidates.extend(here.dropped_indexes.iter().filter_map(|&id| {
        let index = catalog.indexes.get(id)?;
        Some((index.table, (*index.columns.first()?)?))
    }));
    candidates.sort_unstable();
    candidates.dedup();
    let user_columns: Vec<String> = ctx
        .config
        .indexes
        .user_columns
        .iter()
        .map(|c| fold_ident(c))
        .collect();
    for (table_id, column_id) in candidates {
        let Some(table) = catalog.tables.get(table_id) else {
            continue;
        };
        let Some(column) = table.columns.get(column_id) else {
            continue;
        };
        let Some(created) = column.created else {
            continue;
        };
        if !user_columns.iter().any(|u| *u == column.name)
            || !reports(ctx.config, catalog, table_id, column_id)
        {
            continue;
        }
        // Reported where the index went missing: the column's definition, or the DROP
        // INDEX that removed the index it had.
        let dropped = dropped_index(catalog, table_id, column_id);
        let Some(at) = blame(Some(created), dropped) else {
            continue;
        };
        if at.file() != ctx.file_id {
            continue;
        }
        let Some(stmt) = ctx.statements().get(at.stmt()) else {
            continue;
        };
        let now = table.key();
        let help_sql = create_index_sql(&now, std::slice::from_ref(&column.name));
        if Some(at) == dropped {
            out.push(
                ctx.diagnostic(
                    &RULE,
                    at.span(),
                    format!(
                        "this drops the index that column {} of table {} needs, and no \
                             other index starts with it: every query filtering by {} (as RLS \
                             policies do) reads the whole table",
                        q(&column.name),
                        q_key(&now),
                        column.name
                    ),
                )
                .with_help(format!(
                    "keep the index, or create a replacement: `{help_sql}`"
                ))
                .with_related(created.file(), created.span(), "column defined here")
                .in_statement(stmt.span),
            );
            continue;
        }
        // The fix goes right after the defining statement, with the names as they were there.
        let then_table = table_key_after(table, &created);
        let then_column = super::common::schema::column_name_after(table, column_id, &created);
        let fix_sql = create_index_sql(&then_table, std::slice::from_ref(&then_column));
        let mut d = ctx
            .diagnostic(
                &RULE,
                created.span(),
                format!(
                    "column {} of table {} has no index that starts with it: every query \
                         filtering by {} (as RLS policies do) reads the whole table",
                    q(&column.name),
                    q_key(&now),
                    column.name
                ),
            )
            .with_help(format!("add the index: `{help_sql}`"))
            .in_statement(stmt.span);
        d = with_statement_added(ctx, d, created.stmt(), &fix_sql);
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{fixed, lines, run, spans};

    const RULE: &str = "missing-user-id-index";

    #[test]
    fn reports_the_column_definition_with_a_fix() {
        let sql = "CREATE TABLE clients (\n  id uuid PRIMARY KEY,\n  user_id uuid NOT NULL\n); -- note\nSELECT 1;\n";
        let out = run(&[("0001.sql", sql)], &[], "");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "0001.sql:3:3 column \"user_id\" of table \"clients\" has no index that starts with it: \
                 every query filtering by user_id (as RLS policies do) reads the whole table"
            ]
        );
        assert_eq!(spans(&out, RULE), vec!["user_id"]);
        assert_eq!(
            fixed(&out, RULE).as_deref(),
            Some(
                "CREATE TABLE clients (\n  id uuid PRIMARY KEY,\n  user_id uuid NOT NULL\n);\n\
                 CREATE INDEX IF NOT EXISTS idx_clients_user_id ON public.clients (user_id); -- note\nSELECT 1;\n"
            )
        );
        let help = out
            .diagnostics
            .iter()
            .find(|d| d.rule == RULE)
            .and_then(|d| d.help.clone());
        assert_eq!(
            help.as_deref(),
            Some(
                "add the index: `CREATE INDEX IF NOT EXISTS idx_clients_user_id ON public.clients (user_id);`"
            )
        );
    }

    #[test]
    fn a_drop_index_in_a_new_file_is_blamed() {
        let a = "CREATE TABLE notes (id int, user_id uuid);\nCREATE INDEX notes_user_id_idx ON notes (user_id);\n";
        let b = "DROP INDEX IF EXISTS public.notes_user_id_idx;\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &["2.sql"], "");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "2.sql:1:22 this drops the index that column \"user_id\" of table \"notes\" needs, \
                 and no other index starts with it: every query filtering by user_id (as RLS \
                 policies do) reads the whole table [1.sql:1:29 column defined here]"
            ]
        );
        let out = run(&[("1.sql", a), ("2.sql", b)], &["1.sql"], "");
        assert!(lines(&out, RULE).is_empty());
        // Replaced in the same file: nothing to report.
        let c = "DROP INDEX notes_user_id_idx;\nCREATE INDEX ON notes (user_id, id);\n";
        let out = run(&[("1.sql", a), ("2.sql", c)], &[], "");
        assert!(lines(&out, RULE).is_empty());
    }

    #[test]
    fn index_in_a_later_file_counts_and_second_column_does_not() {
        let a = "CREATE TABLE clients (id uuid PRIMARY KEY, user_id uuid);\n\
                 CREATE TABLE meetings (id uuid PRIMARY KEY, client_id uuid, user_id uuid);\n\
                 CREATE INDEX ON meetings (client_id, user_id);\n";
        let b = "CREATE INDEX idx_clients_user ON public.clients USING btree (user_id);\n";
        let out = run(&[("0001.sql", a), ("0002.sql", b)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["user_id"]);
        assert_eq!(
            lines(&out, RULE)[0].split(' ').next(),
            Some("0001.sql:2:61")
        );
    }

    #[test]
    fn primary_key_and_unique_count_when_user_id_leads() {
        let sql = "CREATE TABLE profiles (user_id uuid PRIMARY KEY);\n\
                   CREATE TABLE settings (user_id uuid, key text, UNIQUE (user_id, key));\n\
                   CREATE TABLE tags (tag text, user_id uuid, PRIMARY KEY (tag, user_id));\n\
                   CREATE TABLE notes (user_id uuid CONSTRAINT notes_user_key UNIQUE);\n";
        let out = run(&[("0001.sql", sql)], &[], "");
        assert_eq!(lines(&out, RULE).len(), 1, "{:?}", lines(&out, RULE));
        assert!(lines(&out, RULE)[0].starts_with("0001.sql:3:"));
    }

    #[test]
    fn dropped_tables_columns_and_indexes_are_followed() {
        let a = "CREATE TABLE scratch (user_id uuid);\n\
                 CREATE TABLE clients (id uuid, user_id uuid);\n\
                 CREATE INDEX idx_clients_user_id ON clients (user_id);\n\
                 CREATE TABLE docs (id uuid, user_id uuid);\n";
        let b = "DROP TABLE scratch;\nDROP INDEX idx_clients_user_id;\n\
                 ALTER TABLE docs DROP COLUMN user_id;\n";
        let out = run(&[("0001.sql", a), ("0002.sql", b)], &[], "");
        assert_eq!(
            lines(&out, RULE)
                .iter()
                .map(|l| l.split(' ').next().unwrap_or(""))
                .collect::<Vec<_>>(),
            // Blamed on the DROP INDEX that removed the index clients.user_id had.
            vec!["0002.sql:2:12"]
        );
    }

    #[test]
    fn add_column_and_renames() {
        let a = "CREATE TABLE \"Clients\" (id uuid);\n";
        let b = "ALTER TABLE \"Clients\" ADD COLUMN owner uuid;\n";
        let c = "ALTER TABLE \"Clients\" RENAME COLUMN owner TO user_id;\n\
                 ALTER TABLE \"Clients\" RENAME TO accounts;\n";
        let out = run(&[("1.sql", a), ("2.sql", b), ("3.sql", c)], &[], "");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "2.sql:1:34 column \"user_id\" of table \"accounts\" has no index that starts with it: \
                 every query filtering by user_id (as RLS policies do) reads the whole table"
            ]
        );
        // The fix goes where the column was added, with the names it had there.
        assert_eq!(
            fixed(&out, RULE).as_deref(),
            Some(
                "ALTER TABLE \"Clients\" ADD COLUMN owner uuid;\nCREATE INDEX IF NOT EXISTS \
                 \"idx_Clients_owner\" ON public.\"Clients\" (owner);\n"
            )
        );
        let help = out
            .diagnostics
            .iter()
            .find(|d| d.rule == RULE)
            .and_then(|d| d.help.clone());
        assert!(help.is_some_and(|h| h.contains("ON public.accounts (user_id)")));
    }

    #[test]
    fn schema_qualified_quoted_and_configured_columns() {
        let sql = "CREATE TABLE app.orders (id bigint, \"OwnerId\" uuid, account_id uuid);\n\
                   CREATE INDEX ON app.orders (account_id);\n";
        let toml = "[indexes]\nuser_columns = [\"\\\"OwnerId\\\"\", \"Account_Id\"]\n";
        let out = run(&[("1.sql", sql)], &[], toml);
        assert_eq!(spans(&out, RULE), vec!["\"OwnerId\""]);
        assert_eq!(
            fixed(&out, RULE).as_deref().and_then(|t| t.lines().nth(1)),
            Some("CREATE INDEX IF NOT EXISTS \"idx_orders_OwnerId\" ON app.orders (\"OwnerId\");")
        );
    }

    #[test]
    fn do_blocks_and_single_file_mode() {
        let a = "DO $$\nBEGIN\n  CREATE TABLE IF NOT EXISTS clients (id uuid, user_id uuid);\nEND $$;\n";
        let b = "CREATE TABLE meetings (id uuid, user_id uuid);\n";
        // Only 0002 is reported; 0001 is context.
        let out = run(&[("0001.sql", a), ("0002.sql", b)], &["0002.sql"], "");
        assert_eq!(
            lines(&out, RULE)
                .iter()
                .map(|l| l.split(' ').next().unwrap_or(""))
                .collect::<Vec<_>>(),
            vec!["0002.sql:1:33"]
        );
        let out = run(&[("0001.sql", a)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["user_id"]);
        // The fix goes after the whole DO block.
        assert_eq!(
            fixed(&out, RULE).as_deref().map(|t| t.ends_with(
                "END $$;\nCREATE INDEX IF NOT EXISTS idx_clients_user_id ON public.clients (user_id);\n"
            )),
            Some(true)
        );
    }

    #[test]
    fn temporary_tables_are_ignored() {
        let out = run(
            &[("1.sql", "CREATE TEMP TABLE t (user_id uuid);\n")],
            &[],
            "",
        );
        assert!(lines(&out, RULE).is_empty());
    }
}

#[cfg(test)]
mod index_shapes {
    use super::super::common::schema::testing::{run, spans};

    #[test]
    fn sort_order_opclass_and_methods_still_lead_with_the_column() {
        let sql = "CREATE TABLE a (user_id uuid);\nCREATE INDEX ON a (user_id DESC NULLS LAST);\n\
                   CREATE TABLE b (user_id uuid);\nCREATE UNIQUE INDEX b_u ON ONLY b USING btree (\"user_id\" uuid_ops) WHERE true;\n\
                   CREATE TABLE c (user_id text);\nCREATE INDEX ON c (user_id COLLATE \"C\");\n\
                   CREATE TABLE d (user_id uuid);\nCREATE INDEX ON d ((user_id::text));\n";
        let out = run(&[("1.sql", sql)], &[], "");
        // Only d's index is an expression.
        assert_eq!(spans(&out, "missing-user-id-index"), vec!["user_id"]);
        assert_eq!(
            out.diagnostics
                .iter()
                .filter(|d| d.rule == "missing-user-id-index")
                .map(|d| d.message.contains("table \"d\" "))
                .collect::<Vec<_>>(),
            vec![true]
        );
    }
}
