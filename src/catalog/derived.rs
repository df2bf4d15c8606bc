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
    Catalog, ColumnId, ForeignKeyDef, Function, IndexId, Key, ObjectAcl, OtherRelation, PolicyId,
    PublicationId, TableId,
};
use crate::source::FileId;
use std::collections::BTreeSet;

/// What one file created (whether or not it still exists at the end of the set), in creation
/// order: a view into [`ByFile`].
#[derive(Debug, Clone, Copy)]
pub struct FileObjects<'a> {
    pub tables: &'a [TableId],
    /// Columns defined in the file (`CREATE TABLE` or `ADD COLUMN`): table and column ids as
    /// `u32` (a big set has hundreds of thousands; see [`FileObjects::columns`]).
    pub column_ids: &'a [(u32, u32)],
    /// Foreign keys: the table and the index into its `foreign_keys`.
    pub foreign_keys: &'a [(TableId, usize)],
    pub policies: &'a [PolicyId],
    /// Indexes created in the file.
    pub indexes: &'a [IndexId],
    /// Indexes dropped in the file (by `DROP INDEX` or with their table or column).
    pub dropped_indexes: &'a [IndexId],
    /// Tables whose last row level security change (`rls_changed`) is in the file.
    pub rls_changed: &'a [TableId],
    /// Tables the file removed from a publication (`ALTER PUBLICATION … DROP TABLE`, …).
    pub unpublished: &'a [TableId],
    /// Publications dropped in the file.
    pub dropped_publications: &'a [PublicationId],
    /// Policies whose definition (roles, expressions) the file changed last
    /// ([`Policy::defined`](super::Policy::defined)), dropped ones included.
    pub policies_defined: &'a [PolicyId],
    /// Policies with a `USING` or `WITH CHECK` expression, as the set left them, written in the
    /// file.
    pub policy_exprs: &'a [PolicyId],
    /// Functions (indexes into [`Catalog::functions`]) the file defined, altered, or granted a
    /// privilege on last: where a finding about a function can stand.
    pub functions: &'a [usize],
    /// Views, materialized views, foreign tables and sequences the file defined, changed or
    /// granted a privilege on last, by name, in [`Catalog::other_relations`]' order.
    pub other_relations: &'a [Key],
}

/// One kind of object for every file, flat: file `f`'s are `items[starts[f]..starts[f + 1]]`
/// (a vector per file and kind was most of the memory of this index on a big set). A kind no
/// file has keeps no `starts` either ([`PerFile::of`] reads a missing start as 0).
#[derive(Debug, Clone)]
pub(super) struct PerFile<T> {
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T: PartialEq> PerFile<T> {
    /// From `(file, item)` pairs pushed in creation order, an item equal to the one before it
    /// in the same file dropped (an object touched twice by one file is listed once).
    fn deduped(files: usize, mut pairs: Vec<(FileId, T)>) -> PerFile<T> {
        // Stable: each file keeps its items in the order they were pushed.
        pairs.sort_by_key(|(file, _)| *file);
        pairs.dedup_by(|b, a| a == b);
        let mut starts = Vec::with_capacity(files + 1);
        let mut items = Vec::with_capacity(pairs.len());
        for (file, item) in pairs {
            while starts.len() <= file {
                starts.push(u32::try_from(items.len()).unwrap_or(u32::MAX));
            }
            items.push(item);
        }
        // Closed after the last file with items too, should it lie past `files`.
        let ends = files.max(starts.len()) + 1;
        while starts.len() < ends {
            starts.push(u32::try_from(items.len()).unwrap_or(u32::MAX));
        }
        PerFile { starts, items }.or_none()
    }
}

impl<T: Copy + Default> PerFile<T> {
    /// Every item, without a buffer of `(file, item)` pairs (on a big set, several times the
    /// index itself at the peak of the check): `each` pushes every `(file, item)` in creation order
    /// and is called twice, to count and to place (a counting sort, stable).
    fn sorted(files: usize, each: impl Fn(&mut dyn FnMut(FileId, T))) -> PerFile<T> {
        let mut counts: Vec<u32> = vec![0; files];
        each(&mut |file, _| {
            if counts.len() <= file {
                counts.resize(file + 1, 0);
            }
            counts[file] += 1;
        });
        let mut starts = Vec::with_capacity(counts.len() + 1);
        let mut total = 0u32;
        for count in &counts {
            starts.push(total);
            total = total.saturating_add(*count);
        }
        starts.push(total);
        let mut next = counts;
        let files = next.len();
        next.copy_from_slice(&starts[..files]);
        let mut items = vec![T::default(); total as usize];
        each(&mut |file, item| {
            if let Some(at) = next.get_mut(file) {
                if let Some(slot) = items.get_mut(*at as usize) {
                    *slot = item;
                }
                *at += 1;
            }
        });
        PerFile { starts, items }.or_none()
    }
}

impl<T> PerFile<T> {
    /// Without `starts` when no file has any item (a big set has 27,000 files, and several
    /// kinds, like dropped publications, none at all).
    fn or_none(self) -> PerFile<T> {
        if self.items.is_empty() {
            PerFile {
                starts: Vec::new(),
                items: self.items,
            }
        } else {
            self
        }
    }

    fn of(&self, file: FileId) -> &[T] {
        let at = |i: usize| self.starts.get(i).map_or(0, |&s| s as usize);
        self.items.get(at(file)..at(file + 1)).unwrap_or(&[])
    }
}

/// What every file created (see [`FileObjects`]).
#[derive(Debug, Clone)]
pub(super) struct ByFile {
    tables: PerFile<TableId>,
    columns: PerFile<(u32, u32)>,
    foreign_keys: PerFile<(TableId, usize)>,
    policies: PerFile<PolicyId>,
    indexes: PerFile<IndexId>,
    dropped_indexes: PerFile<IndexId>,
    rls_changed: PerFile<TableId>,
    unpublished: PerFile<TableId>,
    dropped_publications: PerFile<PublicationId>,
    policies_defined: PerFile<PolicyId>,
    policy_exprs: PerFile<PolicyId>,
    functions: PerFile<usize>,
    other_relations: PerFile<Key>,
}

impl FileObjects<'_> {
    /// Columns defined in the file (`CREATE TABLE` or `ADD COLUMN`), as `(table, column)`.
    pub fn columns(&self) -> impl Iterator<Item = (TableId, ColumnId)> + '_ {
        self.column_ids
            .iter()
            .map(|&(table, column)| (table as usize, column as usize))
    }
}

/// An id as stored in [`ByFile`] (an id past `u32::MAX` would need 4 G objects in memory).
fn narrow(id: usize) -> u32 {
    u32::try_from(id).unwrap_or(u32::MAX)
}

impl Catalog {
    /// What `file` created. Built on first use, for all files at once.
    pub fn created_in(&self, file: FileId) -> FileObjects<'_> {
        let all = self.by_file.get_or_init(|| self.index_by_file());
        FileObjects {
            tables: all.tables.of(file),
            column_ids: all.columns.of(file),
            foreign_keys: all.foreign_keys.of(file),
            policies: all.policies.of(file),
            indexes: all.indexes.of(file),
            dropped_indexes: all.dropped_indexes.of(file),
            rls_changed: all.rls_changed.of(file),
            unpublished: all.unpublished.of(file),
            dropped_publications: all.dropped_publications.of(file),
            policies_defined: all.policies_defined.of(file),
            policy_exprs: all.policy_exprs.of(file),
            functions: all.functions.of(file),
            other_relations: all.other_relations.of(file),
        }
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

    fn index_by_file(&self) -> ByFile {
        let n = self.facts.len();
        let tables = &self.tables;
        let policies = &self.policies;
        let indexes = &self.indexes;
        let mut policy_exprs = Vec::new();
        for (id, policy) in policies.iter().enumerate() {
            for (_, loc) in [&policy.using, &policy.with_check]
                .into_iter()
                .filter_map(|e| e.as_deref())
            {
                policy_exprs.push((loc.file(), id));
            }
        }
        let mut functions = Vec::new();
        for (id, function) in self.functions.iter().enumerate() {
            let touched = [Some(function.defined), function.altered]
                .into_iter()
                .flatten()
                .chain(granted(&function.acl));
            for loc in touched {
                functions.push((loc.file(), id));
            }
        }
        let mut other_relations = Vec::new();
        for (key, relation) in &self.other_relations {
            let touched = [Some(relation.defined), relation.invoker_changed]
                .into_iter()
                .flatten()
                .chain(granted(&relation.acl));
            for loc in touched {
                other_relations.push((loc.file(), key.clone()));
            }
        }
        ByFile {
            tables: PerFile::sorted(n, |put| {
                for (id, table) in tables.iter().enumerate() {
                    if let Some(created) = table.created {
                        put(created.file(), id);
                    }
                }
            }),
            rls_changed: PerFile::sorted(n, |put| {
                for (id, table) in tables.iter().enumerate() {
                    if let Some(changed) = table.rls_changed {
                        put(changed.file(), id);
                    }
                }
            }),
            columns: PerFile::sorted(n, |put| {
                for (id, table) in tables.iter().enumerate() {
                    for (cid, column) in table.columns.iter().enumerate() {
                        if let Some(created) = column.created {
                            put(created.file(), (narrow(id), narrow(cid)));
                        }
                    }
                }
            }),
            foreign_keys: PerFile::sorted(n, |put| {
                for (id, table) in tables.iter().enumerate() {
                    for (i, fk) in table.foreign_keys.iter().enumerate() {
                        put(fk.created.file(), (id, i));
                    }
                }
            }),
            policies: PerFile::sorted(n, |put| {
                for (id, policy) in policies.iter().enumerate() {
                    put(policy.created.file(), id);
                }
            }),
            policies_defined: PerFile::sorted(n, |put| {
                for (id, policy) in policies.iter().enumerate() {
                    put(policy.defined.file(), id);
                }
            }),
            indexes: PerFile::sorted(n, |put| {
                for (id, index) in indexes.iter().enumerate() {
                    put(index.created.file(), id);
                }
            }),
            dropped_indexes: PerFile::sorted(n, |put| {
                for (id, index) in indexes.iter().enumerate() {
                    if let Some(dropped) = index.dropped {
                        put(dropped.file(), id);
                    }
                }
            }),
            unpublished: PerFile::sorted(n, |put| {
                for publication in &self.publications {
                    for member in &publication.members {
                        if let Some(removed) = member.removed {
                            put(removed.file(), member.table);
                        }
                    }
                }
            }),
            dropped_publications: PerFile::sorted(n, |put| {
                for (id, publication) in self.publications.iter().enumerate() {
                    if let Some(dropped) = publication.dropped {
                        put(dropped.file(), id);
                    }
                }
            }),
            policy_exprs: PerFile::deduped(n, policy_exprs),
            functions: PerFile::deduped(n, functions),
            other_relations: PerFile::deduped(n, other_relations),
        }
    }
}

/// Where an object's privileges were last granted, role by role.
fn granted(acl: &ObjectAcl) -> impl Iterator<Item = super::Loc> + '_ {
    acl.own.entries().filter_map(|(_, e)| e.last_grant)
}

impl Catalog {
    /// The edges of the foreign key graph out of `table`: its live foreign keys to another live
    /// table, with that table (none when `table` itself is dropped).
    pub fn foreign_key_targets(
        &self,
        table: TableId,
    ) -> impl Iterator<Item = (&ForeignKeyDef, TableId)> {
        self.tables
            .get(table)
            .filter(|t| t.is_live())
            .into_iter()
            .flat_map(|t| t.live_foreign_keys())
            .filter_map(move |fk| {
                let target = fk.ref_table()?;
                (target != table && self.tables.get(target).is_some_and(|t| t.is_live()))
                    .then_some((fk, target))
            })
    }

    /// Live foreign key edges `from → to` between two different live tables, sorted, unique.
    pub fn foreign_key_edges(&self) -> Vec<(TableId, TableId)> {
        let edges: BTreeSet<(TableId, TableId)> = (0..self.tables.len())
            .flat_map(|id| self.foreign_key_targets(id).map(move |(_, to)| (id, to)))
            .collect();
        edges.into_iter().collect()
    }

    /// Whether `to` reaches `from` through live foreign keys between live tables (so that a
    /// foreign key `from → to` is on a cycle: `from` and `to` share a
    /// [`Catalog::foreign_key_component`]), found by a search from `to`; `None` when the
    /// search gives up past `budget` tables. A file's few foreign keys are answered without
    /// the components of the whole graph (most of a one-file check's rules).
    pub fn foreign_key_path(&self, to: TableId, from: TableId, budget: usize) -> Option<bool> {
        let mut seen = foldhash::HashSet::default();
        let mut queue = vec![to];
        while let Some(at) = queue.pop() {
            for (_, next) in self.foreign_key_targets(at) {
                if next == from {
                    return Some(true);
                }
                if seen.insert(next) {
                    if seen.len() > budget {
                        return None;
                    }
                    queue.push(next);
                }
            }
        }
        Some(false)
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
    use super::{PerFile, components};

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

    /// Each file's items in the order they were pushed, files past the count of files
    /// included; the deduplicated build drops only an item repeated right after itself in a file.
    #[test]
    fn per_file_index_lists_each_files_items_in_order() {
        let pairs: Vec<(usize, u32)> = (0..500u32).map(|i| ((i as usize * 7919) % 13, i)).collect();
        let of_file = |file: usize| -> Vec<u32> {
            pairs.iter().filter(|p| p.0 == file).map(|p| p.1).collect()
        };
        for files in [0, 5, 13, 20] {
            let counted = PerFile::sorted(files, |put| {
                for &(file, item) in &pairs {
                    put(file, item);
                }
            });
            let deduped = PerFile::deduped(files, pairs.clone());
            for file in 0..25 {
                assert_eq!(
                    counted.of(file),
                    of_file(file),
                    "{files} files, file {file}"
                );
                assert_eq!(
                    deduped.of(file),
                    of_file(file),
                    "{files} files, file {file}"
                );
            }
        }
        let repeated = PerFile::deduped(3, vec![(1, 'a'), (2, 'a'), (1, 'a'), (1, 'b'), (1, 'a')]);
        assert_eq!(repeated.of(1), ['a', 'b', 'a']);
        assert_eq!(repeated.of(2), ['a']);
        assert!(repeated.of(0).is_empty());
        // A kind no file has: no starts kept, every file empty.
        let none = PerFile::<u32>::sorted(27, |_| {});
        assert!(none.starts.is_empty());
        assert!((0..30).all(|file| none.of(file).is_empty()));
        let none = PerFile::<u32>::deduped(27, Vec::new());
        assert!(none.starts.is_empty() && none.of(3).is_empty());
    }
}
