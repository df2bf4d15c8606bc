//! `foreign-key-cycle`: foreign keys that form a cycle between tables at the end of the set
//! . A table referencing itself (`parent_id`) is common and harmless, and not reported.

use super::Rule;
use super::schema_util::foreign_key_span;
use crate::catalog::{Catalog, ForeignKeyDef, TableId};
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;
use crate::syntax::quote_if_needed;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "foreign-key-cycle",
    default_severity: Severity::Warning,
    summary: "Foreign keys form a cycle between tables",
    doc: include_str!("../../rules/foreign-key-cycle.md"),
    check: Some(check),
};

/// Enough for any real schema; a pathological graph stops here instead of running forever.
const MAX_CYCLES: usize = 1000;
const MAX_STEPS: usize = 200_000;

/// A foreign key edge: the referencing table and its foreign key.
type Edge<'c> = (TableId, &'c ForeignKeyDef);

/// `from → to` with the foreign keys making it, earliest first.
fn graph(catalog: &Catalog) -> BTreeMap<TableId, BTreeMap<TableId, Vec<Edge<'_>>>> {
    let mut g: BTreeMap<TableId, BTreeMap<TableId, Vec<Edge<'_>>>> = BTreeMap::new();
    for (id, table) in catalog.live_tables() {
        for fk in table.live_foreign_keys() {
            let Some(target) = fk.ref_table else {
                continue;
            };
            if target == id || !catalog.tables.get(target).is_some_and(|t| t.is_live()) {
                continue;
            }
            g.entry(id)
                .or_default()
                .entry(target)
                .or_default()
                .push((id, fk));
        }
    }
    for targets in g.values_mut() {
        for edges in targets.values_mut() {
            edges.sort_by_key(|(_, fk)| (fk.created.pos(), fk.created.span.start));
        }
    }
    g
}

/// Every elementary cycle, each once: as its tables, starting from its smallest id.
fn cycles(g: &BTreeMap<TableId, BTreeMap<TableId, Vec<Edge<'_>>>>) -> Vec<Vec<TableId>> {
    let mut found = Vec::new();
    let mut steps = 0usize;
    for &start in g.keys() {
        let mut path = vec![start];
        // (node, its successors not yet tried)
        let mut stack: Vec<Vec<TableId>> = vec![successors(g, start, start)];
        while let Some(next) = stack.last_mut() {
            steps += 1;
            if steps > MAX_STEPS || found.len() >= MAX_CYCLES {
                return found;
            }
            match next.pop() {
                Some(n) if n == start => found.push(path.clone()),
                Some(n) if !path.contains(&n) => {
                    path.push(n);
                    stack.push(successors(g, n, start));
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

/// Successors of `node` that may lie on a cycle whose smallest table is `start`.
fn successors(
    g: &BTreeMap<TableId, BTreeMap<TableId, Vec<Edge<'_>>>>,
    node: TableId,
    start: TableId,
) -> Vec<TableId> {
    let mut out: Vec<TableId> = g
        .get(&node)
        .map(|t| t.keys().copied().filter(|&n| n >= start).collect())
        .unwrap_or_default();
    out.reverse();
    out
}

fn describe(catalog: &Catalog, (table, fk): Edge<'_>) -> String {
    let Some(t) = catalog.tables.get(table) else {
        return String::new();
    };
    let cols: Vec<String> = fk
        .columns
        .iter()
        .filter_map(|&c| t.columns.get(c).map(|c| quote_if_needed(&c.name)))
        .collect();
    let target = fk
        .ref_table
        .and_then(|r| catalog.tables.get(r))
        .map_or_else(String::new, |r| r.display());
    format!("{}({}) → {target}", t.display(), cols.join(", "))
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let catalog = ctx.catalog();
    let g = graph(catalog);
    for cycle in cycles(&g) {
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
        let Some(closing) = (0..hops.len()).max_by_key(|&i| {
            hops.get(i)
                .map(|(_, fk)| (fk.created.pos(), fk.created.span.start))
        }) else {
            continue;
        };
        let Some(&closing_edge) = hops.get(closing) else {
            continue;
        };
        let closing_fk = closing_edge.1;
        if closing_fk.created.file != ctx.file_id {
            continue;
        }
        let Some(stmt) = ctx.statements().get(closing_fk.created.stmt) else {
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
                    "foreign key {} closes a cycle: {}; rows of these tables depend on each \
                     other, so inserts need deferred constraints and deletes fail or cascade \
                     around the cycle",
                    describe(catalog, closing_edge),
                    names.join(" → ")
                ),
            )
            .with_help(
                "break the cycle: drop one of these foreign keys, or make it nullable and \
                 `DEFERRABLE INITIALLY DEFERRED` so both rows can be written in one transaction",
            )
            .in_statement(stmt.span);
        for i in 1..hops.len() {
            if let Some(&edge) = hops.get((closing + i) % hops.len()) {
                let loc = edge.1.created;
                d = d.with_related(
                    loc.file,
                    foreign_key_span(ctx, &loc),
                    format!("foreign key {}", describe(catalog, edge)),
                );
            }
        }
        out.push(d);
    }
}
