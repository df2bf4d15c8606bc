//! `foreign-key-cycle`: foreign keys that form a cycle between tables at the end of the set
//! . A table referencing itself (`parent_id`) is common and harmless, and not reported.

use super::Rule;
use super::common::schema::{foreign_key_span, q_key};
use crate::catalog::{Catalog, ColumnId, ForeignKeyDef, TableId};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::syntax::FkAction;
use std::collections::{BTreeMap, HashSet};

pub static RULE: Rule = Rule {
    id: "foreign-key-cycle",
    default_severity: Severity::Warning,
    summary: "Foreign keys that form a cycle between tables",
    doc: include_str!("../../rules/foreign-key-cycle.md"),
    check: Some(check),
};

/// Enough for any real schema; a pathological graph stops here instead of running forever.
const MAX_CYCLES: usize = 1000;
const MAX_STEPS: usize = 200_000;
/// Tables a search for a file's cycle visits before the whole graph's components are cheaper.
const SEARCH_BUDGET: usize = 1024;

/// A foreign key edge: the referencing table and its foreign key.
type Edge<'c> = (TableId, &'c ForeignKeyDef);

/// `from → to` with the foreign keys making it, earliest first.
type Graph<'c> = BTreeMap<TableId, BTreeMap<TableId, Vec<Edge<'c>>>>;

/// The foreign keys inside the given cycle components.
fn graph<'c>(catalog: &'c Catalog, components: &HashSet<usize>) -> Graph<'c> {
    let mut g: Graph<'c> = BTreeMap::new();
    for (id, _) in catalog.live_tables() {
        if !catalog
            .foreign_key_component(id)
            .is_some_and(|c| components.contains(&c))
        {
            continue;
        }
        for (fk, target) in catalog.foreign_key_targets(id) {
            g.entry(id)
                .or_default()
                .entry(target)
                .or_default()
                .push((id, fk));
        }
    }
    for targets in g.values_mut() {
        for edges in targets.values_mut() {
            edges.sort_by_key(|(_, fk)| (fk.created.pos(), fk.created.span().start));
        }
    }
    g
}

fn targets(g: &Graph<'_>, node: TableId) -> Vec<TableId> {
    g.get(&node)
        .map(|t| t.keys().copied().collect())
        .unwrap_or_default()
}

/// Every elementary cycle, each once: as its tables, starting from its smallest id. Cycles
/// never leave a strongly connected component, so the search stays inside one.
fn cycles(catalog: &Catalog, g: &Graph<'_>) -> Vec<Vec<TableId>> {
    let mut found = Vec::new();
    let mut steps = 0usize;
    for &start in g.keys() {
        let home = catalog.foreign_key_component(start);
        // Successors that may lie on a cycle whose smallest table is `start`.
        let successors = |node: TableId| -> Vec<TableId> {
            let mut out: Vec<TableId> = targets(g, node)
                .into_iter()
                .filter(|&n| n >= start && catalog.foreign_key_component(n) == home)
                .collect();
            out.reverse();
            out
        };
        let mut path = vec![start];
        let mut stack: Vec<Vec<TableId>> = vec![successors(start)];
        while let Some(next) = stack.last_mut() {
            steps += 1;
            if steps > MAX_STEPS || found.len() >= MAX_CYCLES {
                return found;
            }
            match next.pop() {
                Some(n) if n == start => found.push(path.clone()),
                Some(n) if !path.contains(&n) => {
                    path.push(n);
                    stack.push(successors(n));
                }
                Some(_) => {}
                None => {
                    stack.pop();
                    path.pop();
                }
            }
        }
    }
    found
}

fn describe(catalog: &Catalog, (table, fk): Edge<'_>) -> String {
    let Some(t) = catalog.tables.get(table) else {
        return String::new();
    };
    let cols: Vec<String> = fk
        .columns
        .iter()
        .filter_map(|&c| t.columns.get(c).map(|c| c.name.to_string()))
        .collect();
    let target = fk
        .ref_table()
        .and_then(|r| catalog.tables.get(r))
        .map_or_else(String::new, |r| q_key(&r.key()));
    format!("{} ({}) → {target}", q_key(&t.key()), cols.join(", "))
}

/// Whether every column of the foreign key may be NULL (a row can be written with the key
/// empty and pointed later).
fn nullable(catalog: &Catalog, (table, fk): Edge<'_>) -> bool {
    let Some(t) = catalog.tables.get(table) else {
        return false;
    };
    let in_pk = |c: &ColumnId| {
        t.primary_key
            .as_ref()
            .is_some_and(|pk| pk.dropped.is_none() && pk.columns.contains(c))
    };
    !fk.columns.is_empty()
        && fk
            .columns
            .iter()
            .all(|c| t.columns.get(*c).is_some_and(|col| !col.not_null) && !in_pk(c))
}

/// A hop whose every foreign key is nullable with `ON DELETE SET NULL` breaks the cycle: rows
/// are inserted with the key empty, and a delete empties the key instead of failing or
/// cascading.
fn breaks_cycle(catalog: &Catalog, edges: &[Edge<'_>]) -> bool {
    !edges.is_empty()
        && edges
            .iter()
            .all(|&e| e.1.on_delete == FkAction::SetNull && nullable(catalog, e))
}

/// What the cycle does to inserts and deletes, from its keys' nullability and `ON DELETE`.
fn consequences(catalog: &Catalog, hops: &[Edge<'_>]) -> String {
    let insert = if hops.iter().any(|&e| nullable(catalog, e)) {
        None
    } else {
        Some(
            "none of these keys is nullable, so a row can only be inserted with deferred constraints",
        )
    };
    let cascades = hops
        .iter()
        .filter(|(_, fk)| fk.on_delete == FkAction::Cascade)
        .count();
    let delete = if cascades == hops.len() {
        "deleting a row cascades around the cycle and deletes the rows of every table in it"
    } else if cascades == 0 {
        "deleting a row fails while another row of the cycle still references it"
    } else {
        "deleting a row either fails or cascades around the cycle"
    };
    match insert {
        Some(insert) => format!("{insert}, and {delete}"),
        None => delete.to_string(),
    }
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    // A cycle is reported at the foreign key of this file that closed it: only the components
    // (from the catalog, computed once for the whole set) holding one of this file's keys matter.
    let created = catalog.created_in(ctx.file_id).foreign_keys;
    // Most files close no cycle: a search from each key's target says so without the
    // components of the whole graph.
    let closes_none = created.iter().all(|&(table, i)| {
        let target = catalog
            .tables
            .get(table)
            .and_then(|t| t.foreign_keys.get(i)?.ref_table());
        target.is_none_or(|target| {
            catalog.foreign_key_path(target, table, SEARCH_BUDGET) == Some(false)
        })
    });
    if closes_none {
        return;
    }
    let mut own = HashSet::new();
    for &(table, i) in created {
        let Some(t) = catalog.tables.get(table).filter(|t| t.is_live()) else {
            continue;
        };
        let Some(fk) = t.foreign_keys.get(i).filter(|f| f.dropped.is_none()) else {
            continue;
        };
        if let (Some(a), Some(target)) = (catalog.foreign_key_component(table), fk.ref_table())
            && catalog.foreign_key_component(target) == Some(a)
        {
            own.insert(a);
        }
    }
    if own.is_empty() {
        return;
    }
    let g = graph(catalog, &own);
    for cycle in cycles(catalog, &g) {
        // The first foreign key of each hop; the hop that came last closes the cycle.
        let hops: Vec<Edge<'_>> = (0..cycle.len())
            .filter_map(|i| {
                let from = *cycle.get(i)?;
                let to = *cycle.get((i + 1) % cycle.len())?;
                g.get(&from)?.get(&to)?.first().copied()
            })
            .collect();
        if hops.len() != cycle.len() {
            continue;
        }
        // A nullable `ON DELETE SET NULL` key makes the cycle harmless.
        let broken = (0..cycle.len()).any(|i| {
            let (Some(&from), Some(&to)) = (cycle.get(i), cycle.get((i + 1) % cycle.len())) else {
                return false;
            };
            g.get(&from)
                .and_then(|t| t.get(&to))
                .is_some_and(|edges| breaks_cycle(catalog, edges))
        });
        if broken {
            continue;
        }
        let Some(closing) = (0..hops.len()).max_by_key(|&i| {
            hops.get(i)
                .map(|(_, fk)| (fk.created.pos(), fk.created.span().start))
        }) else {
            continue;
        };
        let Some(&closing_edge) = hops.get(closing) else {
            continue;
        };
        let closing_fk = closing_edge.1;
        if closing_fk.created.file() != ctx.file_id {
            continue;
        }
        let Some(stmt) = ctx.statements().get(closing_fk.created.stmt()) else {
            continue;
        };
        // List the cycle from the table whose foreign key closes it.
        let mut names: Vec<String> = (0..cycle.len())
            .filter_map(|i| cycle.get((closing + i) % cycle.len()))
            .filter_map(|&t| catalog.tables.get(t).map(|t| t.display()))
            .collect();
        if let Some(first) = names.first().cloned() {
            names.push(first);
        }
        let mut d = ctx
            .diagnostic(
                &RULE,
                foreign_key_span(ctx, &closing_fk.created),
                format!(
                    "foreign key {} closes a cycle: {}; {}",
                    describe(catalog, closing_edge),
                    names.join(" → "),
                    consequences(catalog, &hops)
                ),
            )
            .with_help(
                "break the cycle: drop one of these foreign keys, or make one nullable with \
                 `ON DELETE SET NULL` (a row is then written first with the key empty, and a \
                 delete empties the key instead of failing)",
            )
            .in_statement(stmt.span);
        for i in 1..hops.len() {
            if let Some(&edge) = hops.get((closing + i) % hops.len()) {
                let loc = edge.1.created;
                d = d.with_related(
                    loc.file(),
                    foreign_key_span(ctx, &loc),
                    format!("foreign key {}", describe(catalog, edge)),
                );
            }
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{lines, run, spans};

    const RULE: &str = "foreign-key-cycle";

    #[test]
    fn two_table_cycle_reported_once_at_the_closing_key() {
        let a = "CREATE TABLE clients (id uuid PRIMARY KEY, last_meeting_id uuid);\n\
                 CREATE TABLE meetings (id uuid PRIMARY KEY, client_id uuid REFERENCES clients (id));\n";
        let b = "ALTER TABLE clients\n  ADD CONSTRAINT clients_last_meeting_fk FOREIGN KEY (last_meeting_id) REFERENCES meetings (id);\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        assert_eq!(
            lines(&out, RULE),
            vec![
                "2.sql:2:55 foreign key \"clients\" (last_meeting_id) → \"meetings\" closes a cycle: \
                 clients → meetings → clients; deleting a row fails while another row of the \
                 cycle still references it \
                 [1.sql:2:45 foreign key \"meetings\" (client_id) → \"clients\"]"
            ]
        );
        assert_eq!(spans(&out, RULE), vec!["last_meeting_id"]);
        // Only the file with the closing key reports it.
        let out = run(&[("1.sql", a), ("2.sql", b)], &["1.sql"], "");
        assert!(lines(&out, RULE).is_empty());
    }

    #[test]
    fn messages_follow_nullability_and_on_delete() {
        // Both keys NOT NULL and CASCADE: inserts need deferral, deletes cascade.
        let sql = "CREATE TABLE a (id int PRIMARY KEY, b_id int NOT NULL);\n\
                   CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a ON DELETE CASCADE);\n\
                   ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b ON DELETE CASCADE;\n";
        let found = lines(&run(&[("1.sql", sql)], &[], ""), RULE);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains(
                "a → b → a; none of these keys is nullable, so a row can only be inserted with \
                 deferred constraints, and deleting a row cascades around the cycle"
            ),
            "{found:?}"
        );
        // One nullable key, mixed actions.
        let sql = "CREATE TABLE a (id int PRIMARY KEY, b_id int);\n\
                   CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a ON DELETE CASCADE);\n\
                   ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b ON DELETE RESTRICT;\n";
        let found = lines(&run(&[("1.sql", sql)], &[], ""), RULE);
        assert!(found[0].contains("a → b → a; deleting a row either fails or cascades"));
    }

    #[test]
    fn nullable_set_null_keys_break_the_cycle() {
        // The Supabase pattern: profiles.current_org_id is nullable and SET NULL on delete.
        let sql = "CREATE TABLE orgs (id uuid PRIMARY KEY, owner_id uuid NOT NULL);\n\
                   CREATE TABLE profiles (id uuid PRIMARY KEY, current_org_id uuid REFERENCES orgs (id) ON DELETE SET NULL);\n\
                   ALTER TABLE orgs ADD CONSTRAINT orgs_owner_fk FOREIGN KEY (owner_id) REFERENCES profiles (id) ON DELETE CASCADE;\n";
        assert!(lines(&run(&[("1.sql", sql)], &[], ""), RULE).is_empty());
        // SET NULL on a NOT NULL column fails at delete time: still a cycle.
        let sql = sql.replace(
            "current_org_id uuid REFERENCES",
            "current_org_id uuid NOT NULL REFERENCES",
        );
        assert_eq!(lines(&run(&[("1.sql", &sql)], &[], ""), RULE).len(), 1);
    }

    #[test]
    fn self_references_are_not_cycles() {
        let sql = "CREATE TABLE categories (id bigint PRIMARY KEY, parent_id bigint REFERENCES categories (id));\n";
        let out = run(&[("1.sql", sql)], &[], "");
        assert!(lines(&out, RULE).is_empty());
    }

    #[test]
    fn three_table_cycle_and_overlapping_cycles() {
        let sql = "CREATE TABLE a (id int PRIMARY KEY, b_id int, c_id int);\n\
                   CREATE TABLE b (id int PRIMARY KEY, c_id int);\n\
                   CREATE TABLE c (id int PRIMARY KEY, a_id int REFERENCES a);\n\
                   ALTER TABLE b ADD FOREIGN KEY (c_id) REFERENCES c;\n\
                   ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b;\n\
                   ALTER TABLE a ADD FOREIGN KEY (c_id) REFERENCES c;\n";
        let out = run(&[("1.sql", sql)], &[], "");
        let found = lines(&out, RULE);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].starts_with(
            "1.sql:5:32 foreign key \"a\" (b_id) → \"b\" closes a cycle: a → b → c → a;"
        ));
        assert!(
            found[1].starts_with(
                "1.sql:6:32 foreign key \"a\" (c_id) → \"c\" closes a cycle: a → c → a;"
            )
        );
    }

    #[test]
    fn drops_and_renames_are_followed() {
        let a = "CREATE TABLE clients (id uuid PRIMARY KEY, meeting_id uuid);\n\
                 CREATE TABLE meetings (id uuid PRIMARY KEY, client_id uuid REFERENCES clients);\n\
                 ALTER TABLE clients ADD FOREIGN KEY (meeting_id) REFERENCES meetings;\n";
        // The closing key goes by PostgreSQL's default name.
        let b = "ALTER TABLE clients DROP CONSTRAINT clients_meeting_id_fkey;\n";
        let out = run(&[("1.sql", a), ("2.sql", b)], &[], "");
        assert!(lines(&out, RULE).is_empty());
        let c = "ALTER TABLE clients RENAME TO customers;\nDROP TABLE meetings CASCADE;\n";
        let out = run(&[("1.sql", a), ("2.sql", c)], &[], "");
        assert!(lines(&out, RULE).is_empty());
        let d = "ALTER TABLE clients RENAME TO customers;\n";
        let out = run(&[("1.sql", a), ("2.sql", d)], &[], "");
        assert_eq!(
            lines(&out, RULE)
                .iter()
                .map(|l| l.split(';').next().unwrap_or(""))
                .collect::<Vec<_>>(),
            vec![
                "1.sql:3:38 foreign key \"customers\" (meeting_id) → \"meetings\" closes a cycle: \
                 customers → meetings → customers"
            ]
        );
    }

    #[test]
    fn many_paths_without_a_cycle_stay_fast() {
        // 40 layers of 3 tables, every table referencing all three of the next layer: 3^40
        // paths, no cycle. Then one back edge makes a cycle through two layers.
        let mut sql = String::new();
        for layer in (0..40).rev() {
            for i in 0..3 {
                let refs: Vec<String> = if layer == 39 {
                    Vec::new()
                } else {
                    (0..3)
                        .map(|j| format!(", r{j} int REFERENCES t{}_{j}", layer + 1))
                        .collect()
                };
                sql.push_str(&format!(
                    "CREATE TABLE t{layer}_{i} (id int PRIMARY KEY{});\n",
                    refs.concat()
                ));
            }
        }
        let started = std::time::Instant::now();
        let out = run(&[("1.sql", &sql)], &[], "");
        assert!(lines(&out, RULE).is_empty());
        sql.push_str("ALTER TABLE t1_0 ADD COLUMN back int REFERENCES t0_0;\n");
        let out = run(&[("1.sql", &sql)], &[], "");
        assert_eq!(
            lines(&out, RULE)
                .iter()
                .map(|l| l.split(';').next().unwrap_or(""))
                .collect::<Vec<_>>(),
            vec![
                "1.sql:121:29 foreign key \"t1_0\" (back) → \"t0_0\" closes a cycle: t1_0 → t0_0 → t1_0"
            ]
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn cycle_through_a_table_made_before_the_set() {
        let sql = "CREATE TABLE clients (id uuid PRIMARY KEY, user_id uuid REFERENCES users (id));\n\
                   ALTER TABLE users ADD COLUMN main_client uuid REFERENCES clients (id);\n";
        let out = run(&[("1.sql", sql)], &[], "");
        assert_eq!(spans(&out, RULE), vec!["main_client"]);
        assert!(lines(&out, RULE)[0].contains("users → clients → users"));
    }
}
