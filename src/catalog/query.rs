//! Queries: what rules ask the catalog, about the end of the set or just before a statement.

use super::*;
use crate::source::FileId;

impl Catalog {
    /// Facts recorded for one file's statements, in statement order.
    pub fn file_facts(&self, file: FileId) -> &[(usize, Fact)] {
        self.facts.get(file).map_or(&[], Vec::as_slice)
    }

    /// Facts recorded for one statement.
    pub fn facts_at(&self, file: FileId, stmt: usize) -> impl Iterator<Item = &Fact> {
        let all = self.file_facts(file);
        let start = all.partition_point(|(i, _)| *i < stmt);
        all[start..]
            .iter()
            .take_while(move |(i, _)| *i == stmt)
            .map(|(_, f)| f)
    }

    /// The live table with this name at the end of the set.
    pub fn table(&self, key: &Key) -> Option<TableId> {
        match self.relations.get(key) {
            Some(Rel::Table(id)) => Some(*id as usize),
            _ => None,
        }
    }

    /// The table that bore this name just before `pos` (implicit tables count from their first
    /// mention).
    pub fn table_at(&self, key: &Key, pos: Pos) -> Option<TableId> {
        self.table_history.get(&super::name_hash(key)).find(|&id| {
            self.tables
                .get(id)
                .is_some_and(|t| t.alive_at(pos) && bore_name_at(t, key, pos))
        })
    }

    /// Tables alive at the end of the set (implicit ones included; see [`Table::created`]).
    pub fn live_tables(&self) -> impl Iterator<Item = (TableId, &Table)> {
        self.tables.iter().enumerate().filter(|(_, t)| t.is_live())
    }

    /// Live indexes on a table.
    pub fn indexes_on(&self, table: TableId) -> impl Iterator<Item = (IndexId, &Index)> {
        self.tables
            .get(table)
            .map_or(&[][..], |t| t.index_ids.as_slice())
            .iter()
            .filter_map(|&id| self.indexes.get(id).map(|i| (id, i)))
            .filter(move |(_, i)| i.table == table && i.dropped.is_none())
    }

    /// Live policies on a table.
    pub fn policies_on(&self, table: TableId) -> impl Iterator<Item = (PolicyId, &Policy)> {
        self.tables
            .get(table)
            .map_or(&[][..], |t| t.policy_ids.as_slice())
            .iter()
            .filter_map(|&id| self.policies.get(id).map(|p| (id, p)))
            .filter(move |(_, p)| p.table == table && p.dropped.is_none())
    }

    /// The live publication with this name (implicit ones included).
    pub fn publication(&self, name: &str) -> Option<PublicationId> {
        self.publication_names.get(name).copied()
    }

    /// Whether a live table is published by a live publication at the end of the set: as a
    /// member, through `FOR ALL TABLES`, or through `FOR TABLES IN SCHEMA`.
    pub fn publishes(&self, publication: PublicationId, table: TableId) -> bool {
        let (Some(p), Some(t)) = (self.publications.get(publication), self.tables.get(table))
        else {
            return false;
        };
        p.dropped.is_none()
            && t.is_live()
            && (p.all_tables
                || p.schemas.iter().any(|(s, _)| *s == t.schema)
                || p.live_member(table).is_some())
    }

    /// The live extension with this name at the end of the set.
    pub fn extension(&self, name: &str) -> Option<&Named> {
        self.extension_names
            .get(name)
            .and_then(|&i| self.extensions.get(i))
    }

    /// Whether the set creates this extension anywhere (even if later dropped).
    pub fn ever_creates_extension(&self, name: &str) -> bool {
        self.extensions
            .iter()
            .any(|e| e.key.1 == name && e.created.is_some())
    }

    pub fn schema(&self, name: &str) -> Option<&Named> {
        self.schema_names
            .get(name)
            .and_then(|&i| self.schemas.get(i))
    }

    pub fn type_named(&self, key: &Key) -> Option<&Named> {
        self.type_names.get(key).and_then(|&i| self.types.get(i))
    }
}

/// Whether `table` bore `key` just before `pos`: [`Table::key_at`] without building the key.
fn bore_name_at(table: &Table, key: &Key, pos: Pos) -> bool {
    let mut at: (&str, &str) = match table.renames().first() {
        Some(r) => (&r.from.0, &r.from.1),
        None => (&table.schema, &table.name),
    };
    for r in table.renames() {
        if r.at.pos() < pos {
            at = (&r.to.0, &r.to.1);
        }
    }
    at == (key.0.as_str(), key.1.as_str())
}
