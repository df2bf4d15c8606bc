//! Indexes derived from the replayed catalog on first use, shared by every file's rules: rules
//! run once per file, and scanning the whole schema for each file made checking a set
//! quadratic in its size.
//!
//! - objects by the file that created them, and what each file dropped or changed
//!   ([`Catalog::created_in`]): a rule that reports where something went missing starts from
//!   the file's own objects, never from the whole schema; likewise the policies, functions and
//!   views a file defined, altered or granted on last, where the security rules report;
//! - the strongly connected components of the foreign key graph at the end of the set
//!   ([`Catalog::foreign_key_component`]).

use super::{
    Catalog, ColumnId, Function, IndexId, Key, ObjectAcl, OtherRelation, PolicyId, PublicationId,
    TableId,
};
use crate::source::FileId;
use std::collections::BTreeSet;

/// What one file created (whether or not it still exists at the end of the set), in creation
/// order.
#[derive(Debug, Default, Clone)]
pub struct FileObjects {
    pub tables: Vec<TableId>,
    /// Columns defined in the file (`CREATE TABLE` or `ADD COLUMN`).
    pub columns: Vec<(TableId, ColumnId)>,
    /// Foreign keys: the table and the index into its `foreign_keys`.
    pub foreign_keys: Vec<(TableId, usize)>,
    pub policies: Vec<PolicyId>,
    /// Indexes created in the file.
    pub indexes: Vec<IndexId>,
    /// Indexes dropped in the file (by `DROP INDEX` or with their table or column).
    pub dropped_indexes: Vec<IndexId>,
    /// Tables whose last row level security change (`rls_changed`) is in the file.
    pub rls_changed: Vec<TableId>,
    /// Tables the file removed from a publication (`ALTER PUBLICATION … DROP TABLE`, …).
    pub unpublished: Vec<TableId>,
    /// Publications dropped in the file.
    pub dropped_publications: Vec<PublicationId>,
    /// Policies whose definition (roles, expressions) the file changed last
    /// ([`Policy::defined`](super::Policy::defined)), dropped ones included.
    pub policies_defined: Vec<PolicyId>,
    /// Policies with a `USING` or `WITH CHECK` expression, as the set left them, written in the
    /// file.
    pub policy_exprs: Vec<PolicyId>,
    /// Functions (indexes into [`Catalog::functions`]) the file defined, altered, or granted a
    /// privilege on last: where a finding about a function can stand.
    pub functions: Vec<usize>,
    /// Views, materialized views, foreign tables and sequences the file defined, changed or
    /// granted a privilege on last, by name, in [`Catalog::other_relations`]' order.
    pub other_relations: Vec<Key>,
}

impl Catalog {
    /// What `file` created. Built on first use, for all files at once.
    pub fn created_in(&self, file: FileId) -> &FileObjects {
        static EMPTY: FileObjects = FileObjects {
            tables: Vec::new(),
            columns: Vec::new(),
            foreign_keys: Vec::new(),
            policies: Vec::new(),
            indexes: Vec::new(),
            dropped_indexes: Vec::new(),
            rls_changed: Vec::new(),
            unpublished: Vec::new(),
            dropped_publications: Vec::new(),
            policies_defined: Vec::new(),
            policy_exprs: Vec::new(),
            functions: Vec::new(),
            other_relations: Vec::new(),
        };
        self.by_file
            .get_or_init(|| self.index_by_file())
            .get(file)
            .unwrap_or(&EMPTY)
    }

    /// Live functions that `file` defined, altered or granted a privilege on last, in creation
    /// order: the only ones a finding reported at their latest change can stand in `file` for.
    pub fn live_functions_touched_in(&self, file: FileId) -> impl Iterator<Item = &Function> {
        self.created_in(file)
            .functions
            .iter()
            .filter_map(|&i| self.functions.get(i))
            .filter(|f| f.dropped.is_none())
    }

    /// Live views, materialized views, foreign tables and sequences that `file` defined, changed
    /// or granted a privilege on last (in [`Catalog::other_relations`]' order).
    pub fn other_relations_touched_in(&self, file: FileId) -> impl Iterator<Item = &OtherRelation> {
        self.created_in(file)
            .other_relations
            .iter()
            .filter_map(|key| self.other_relation(key))
    }

    fn index_by_file(&self) -> Vec<FileObjects> {
        let mut files: Vec<FileObjects> = vec![FileObjects::default(); self.facts.len()];
        for (id, table) in self.tables.iter().enumerate() {
            if let Some(created) = table.created
                && let Some(f) = slot(&mut files, created.file())
            {
                f.tables.push(id);
            }
            if let Some(changed) = table.rls_changed
                && let Some(f) = slot(&mut files, changed.file())
            {
                f.rls_changed.push(id);
            }
            for (cid, column) in table.columns.iter().enumerate() {
                if let Some(created) = column.created
                    && let Some(f) = slot(&mut files, created.file())
                {
                    f.columns.push((id, cid));
                }
            }
            for (i, fk) in table.foreign_keys.iter().enumerate() {
                if let Some(f) = slot(&mut files, fk.created.file()) {
                    f.foreign_keys.push((id, i));
                }
            }
        }
        for (id, policy) in self.policies.iter().enumerate() {
            if let Some(f) = slot(&mut files, policy.created.file()) {
                f.policies.push(id);
            }
            if let Some(f) = slot(&mut files, policy.defined.file()) {
                f.policies_defined.push(id);
            }
            for (_, loc) in [&policy.using, &policy.with_check].into_iter().flatten() {
                if let Some(f) = slot(&mut files, loc.file())
                    && f.policy_exprs.last() != Some(&id)
                {
                    f.policy_exprs.push(id);
                }
            }
        }
        for (id, function) in self.functions.iter().enumerate() {
            let touched = [Some(function.defined), function.altered]
                .into_iter()
                .flatten()
                .chain(granted(&function.acl));
            for loc in touched {
                if let Some(f) = slot(&mut files, loc.file())
                    && f.functions.last() != Some(&id)
                {
                    f.functions.push(id);
                }
            }
        }
        for (key, relation) in &self.other_relations {
            let touched = [Some(relation.defined), relation.invoker_changed]
                .into_iter()
                .flatten()
                .chain(granted(&relation.acl));
            for loc in touched {
                if let Some(f) = slot(&mut files, loc.file())
                    && f.other_relations.last() != Some(key)
                {
                    f.other_relations.push(key.clone());
                }
            }
        }
        for (id, publication) in self.publications.iter().enumerate() {
            if let Some(dropped) = publication.dropped
                && let Some(f) = slot(&mut files, dropped.file())
            {
                f.dropped_publications.push(id);
            }
            for member in &publication.members {
                if let Some(removed) = member.removed
                    && let Some(f) = slot(&mut files, removed.file())
                {
                    f.unpublished.push(member.table);
                }
            }
        }
        for (id, index) in self.indexes.iter().enumerate() {
            if let Some(f) = slot(&mut files, index.created.file()) {
                f.indexes.push(id);
            }
            if let Some(dropped) = index.dropped
                && let Some(f) = slot(&mut files, dropped.file())
            {
                f.dropped_indexes.push(id);
            }
        }
        files
    }
}

/// Where an object's privileges were last granted, role by role.
fn granted(acl: &ObjectAcl) -> impl Iterator<Item = super::Loc> + '_ {
    acl.own.entries().filter_map(|(_, e)| e.last_grant)
}

fn slot(files: &mut Vec<FileObjects>, file: FileId) -> Option<&mut FileObjects> {
    if files.len() <= file {
        files.resize(file + 1, FileObjects::default());
    }
    files.get_mut(file)
}

impl Catalog {
    /// Live foreign key edges `from → to` between two different live tables, sorted, unique.
    pub fn foreign_key_edges(&self) -> Vec<(TableId, TableId)> {
        let mut edges: BTreeSet<(TableId, TableId)> = BTreeSet::new();
        for (id, table) in self.live_tables() {
            for fk in table.live_foreign_keys() {
                if let Some(target) = fk.ref_table
                    && target != id
                    && self.tables.get(target).is_some_and(|t| t.is_live())
                {
                    edges.insert((id, target));
                }
            }
        }
        edges.into_iter().collect()
    }

    /// The foreign key cycle component of a table: two tables share one exactly when each
    /// reaches the other through foreign keys (at the end of the set). `None` for a table on no
    /// cycle (self-references do not count).
    pub fn foreign_key_component(&self, table: TableId) -> Option<usize> {
        self.fk_components
            .get_or_init(|| components(self.tables.len(), &self.foreign_key_edges()))
            .get(table)
            .copied()
            .flatten()
    }
}

/// Strongly connected components of size two or more (iterative Tarjan over flat arrays).
fn components(n: usize, edges: &[(TableId, TableId)]) -> Vec<Option<usize>> {
    // Compressed adjacency: the targets of t are targets[start[t]..start[t + 1]] (edges sorted).
    let mut start = vec![0usize; n + 1];
    for &(from, _) in edges {
        if let Some(s) = start.get_mut(from + 1) {
            *s += 1;
        }
    }
    for i in 0..n {
        let before = start.get(i).copied().unwrap_or(0);
        if let Some(s) = start.get_mut(i + 1) {
            *s += before;
        }
    }
    let targets: Vec<TableId> = edges.iter().map(|&(_, to)| to).collect();
    let succ = |t: TableId| -> &[TableId] {
        let lo = start.get(t).copied().unwrap_or(0);
        let hi = start.get(t + 1).copied().unwrap_or(0);
        targets.get(lo..hi).unwrap_or(&[])
    };

    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<TableId> = Vec::new();
    let mut out: Vec<Option<usize>> = vec![None; n];
    let mut next_index = 0;
    let mut next_component = 0;
    let get = |v: &Vec<usize>, i: usize| v.get(i).copied().unwrap_or(0);
    for root in 0..n {
        if index.get(root) != Some(&UNSEEN) || succ(root).is_empty() {
            continue;
        }
        // (node, position in its successor list)
        let mut work: Vec<(TableId, usize)> = Vec::new();
        let mut visit = |node: TableId,
                         index: &mut Vec<usize>,
                         low: &mut Vec<usize>,
                         on_stack: &mut Vec<bool>,
                         stack: &mut Vec<TableId>,
                         work: &mut Vec<(TableId, usize)>| {
            if let (Some(i), Some(l), Some(o)) = (
                index.get_mut(node),
                low.get_mut(node),
                on_stack.get_mut(node),
            ) {
                *i = next_index;
                *l = next_index;
                *o = true;
            }
            next_index += 1;
            stack.push(node);
            work.push((node, 0));
        };
        visit(
            root,
            &mut index,
            &mut low,
            &mut on_stack,
            &mut stack,
            &mut work,
        );
        while let Some(&mut (node, ref mut pos)) = work.last_mut() {
            if let Some(&next) = succ(node).get(*pos) {
                *pos += 1;
                if index.get(next) == Some(&UNSEEN) {
                    visit(
                        next,
                        &mut index,
                        &mut low,
                        &mut on_stack,
                        &mut stack,
                        &mut work,
                    );
                } else if on_stack.get(next) == Some(&true) {
                    let l = get(&low, node).min(get(&index, next));
                    if let Some(x) = low.get_mut(node) {
                        *x = l;
                    }
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                let l = get(&low, parent).min(get(&low, node));
                if let Some(x) = low.get_mut(parent) {
                    *x = l;
                }
            }
            if get(&low, node) == get(&index, node) {
                let mut members = Vec::new();
                while let Some(member) = stack.pop() {
                    if let Some(o) = on_stack.get_mut(member) {
                        *o = false;
                    }
                    members.push(member);
                    if member == node {
                        break;
                    }
                }
                if members.len() > 1 {
                    for m in members {
                        if let Some(c) = out.get_mut(m) {
                            *c = Some(next_component);
                        }
                    }
                    next_component += 1;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::components;

    #[test]
    fn components_of_small_graphs() {
        // 0 → 1 → 2 → 0 is a cycle; 3 → 0 hangs off it; 4 ⇄ 5 is another.
        let edges = [(0, 1), (1, 2), (2, 0), (3, 0), (4, 5), (5, 4)];
        let c = components(7, &edges);
        assert!(c[0].is_some() && c[0] == c[1] && c[1] == c[2]);
        assert_eq!(c[3], None);
        assert!(c[4].is_some() && c[4] == c[5] && c[4] != c[0]);
        assert_eq!(c[6], None);
        // A long chain has no component, and deep graphs do not recurse.
        let chain: Vec<(usize, usize)> = (0..100_000).map(|i| (i + 1, i)).collect();
        assert!(components(100_001, &chain).iter().all(Option::is_none));
    }
}
