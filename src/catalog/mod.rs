//! The schema model: every statement of the migration set replayed in migration order.
//!
//! An event log per object rather than snapshots: every object remembers where it was created,
//! renamed and dropped ([`Loc`]), so the final state ("what exists at the end of the set") is the
//! live objects, and "what existed just before statement N" is answered either by the facts
//! recorded while replaying ([`Fact`], per statement) or by [`Catalog::table_at`] over the name
//! history. Replay is one pass over the statements, with hash-map lookups only: linear in the
//! size of the set.
//!
//! Objects the set never created (e.g. `users`, or `auth.users`) are *implicit*: they get an entry
//! with `created: None` the first time a statement touches them, and are never an error.
//!
//! How rules ask:
//! - the end of the set: [`Catalog::live_tables`] (filter `created.is_some()` for tables the set
//!   made), [`Catalog::table`] by `(schema, name)`, [`Catalog::indexes_on`],
//!   [`Catalog::policies_on`], [`Table::live_columns`], [`Table::primary_key`],
//!   [`Table::live_uniques`], [`Table::live_foreign_keys`], [`Table::rls_enabled`],
//!   [`Catalog::publication`] + [`Catalog::publishes`], [`Catalog::extension`],
//!   [`Catalog::ever_creates_extension`]. Every object carries the [`Loc`] of its definition
//!   (`created`: file, statement index, name span) to report at or to link as `related`. An
//!   implicit table's RLS state is unknown unless the set changed it (`rls_changed`).
//! - just before a statement: [`Catalog::facts_at`] / [`Catalog::file_facts`] (what the
//!   statement ran into, recorded during replay), or [`Catalog::table_at`] over the name history.

use crate::syntax::ObjectKind;
use foldhash::HashMap;

mod derived;
mod objects;
mod query;
mod replay;
mod security;

pub use crate::syntax::Name;
pub use derived::FileObjects;
pub use objects::*;
pub use security::{Acl, AclEntry, Baseline, Function, ObjectAcl, OtherRelation};

/// A relation name's holder (tables, indexes, views and sequences share PostgreSQL's namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
/// Ids as `u32`: an entry of the name map is 12 bytes, not 24 (a big set has a name per table).
enum Rel {
    Table(u32),
    Index(u32),
    /// `origin`: where it was created and last renamed, in [`Catalog::other_origins`] (apart,
    /// so that an entry of the name map stays 16 bytes).
    Other {
        kind: ObjectKind,
        origin: u32,
    },
}

/// An id as the name map keeps it: no catalog holds 4 billion objects (it would not fit in
/// memory), so the saturation never happens.
fn small_id(id: usize) -> u32 {
    u32::try_from(id).unwrap_or(u32::MAX)
}

/// A map from a key to a short list of values that is almost always one long: a key's first
/// value is kept in the map's entry, later ones in a vector apart (a vector per key was
/// megabytes of a big set's catalog: 57,000 table names, 27,000 policy names, every table a
/// foreign key points at).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "K: serde::Serialize + Eq + std::hash::Hash, V: serde::Serialize",
    deserialize = "K: serde::Deserialize<'de> + Eq + std::hash::Hash, V: serde::Deserialize<'de>"
))]
struct FirstAndLater<K, V> {
    first: HashMap<K, V>,
    later: HashMap<K, Vec<V>>,
}

impl<K, V> Default for FirstAndLater<K, V> {
    fn default() -> Self {
        FirstAndLater {
            first: HashMap::default(),
            later: HashMap::default(),
        }
    }
}

impl<K: Eq + std::hash::Hash + Clone, V: Copy + PartialOrd> FirstAndLater<K, V> {
    /// Add `value` after the key's others.
    fn push(&mut self, key: K, value: V) {
        match self.first.entry(key) {
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(value);
            }
            std::collections::hash_map::Entry::Occupied(entry) => {
                let later = self.later.entry(entry.key().clone()).or_default();
                objects::PushTight::push_tight(later, value);
            }
        }
    }

    /// Add `value` in order (the values kept sorted), unless the key has it already.
    fn insert_sorted(&mut self, key: K, value: V) {
        if self.get(&key).any(|v| v == value) {
            return;
        }
        match self.first.get_mut(&key) {
            None => {
                self.first.insert(key, value);
            }
            Some(first) => {
                // The new value goes first: the old first moves to the front of the rest.
                let moved = if value < *first {
                    std::mem::replace(first, value)
                } else {
                    value
                };
                let later = self.later.entry(key).or_default();
                let at = later.partition_point(|v| *v < moved);
                later.insert(at, moved);
            }
        }
    }

    /// The key's values, in the order they were added.
    fn get<Q>(&self, key: &Q) -> impl Iterator<Item = V> + '_
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + std::hash::Hash + ?Sized,
    {
        let later = self.later.get(key).map_or(&[][..], Vec::as_slice);
        self.first
            .get(key)
            .copied()
            .into_iter()
            .chain(later.iter().copied())
    }

    fn shrink_to_fit(&mut self) {
        self.first.shrink_to_fit();
        for values in self.later.values_mut() {
            values.shrink_to_fit();
        }
        self.later.shrink_to_fit();
    }
}

/// Schema objects after replaying the set, with their history.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Catalog {
    /// Not in the catalog's own serialization: the check cache stores the tables apart, in
    /// chunks that decode on their own threads.
    #[serde(skip)]
    pub tables: Vec<Table>,
    pub indexes: Vec<Index>,
    pub policies: Vec<Policy>,
    pub publications: Vec<Publication>,
    pub schemas: Vec<Named>,
    pub extensions: Vec<Named>,
    pub types: Vec<Named>,
    /// Functions and procedures (see [`Catalog::live_functions`]).
    pub functions: Vec<Function>,
    function_names: HashMap<Key, usize>,
    /// Live views, materialized views, foreign tables and sequences by name.
    other_relations: HashMap<Key, OtherRelation>,
    /// Default privileges and privileges on schemas.
    privileges: security::Privilege,
    /// Per file, `(statement index, fact)` in statement order.
    facts: Vec<Vec<(usize, Fact)>>,

    // Live name maps (the final state once replay is done).
    relations: HashMap<Key, Rel>,
    /// Where each view, materialized view, foreign table or sequence was created and last
    /// renamed (see [`Rel::Other`]).
    other_origins: Vec<(Loc, Option<Loc>)>,
    policy_names: HashMap<(TableId, Name), PolicyId>,
    /// Every policy that ever bore a name (creation or rename), in creation order.
    policies_named: FirstAndLater<Name, PolicyId>,
    publication_names: HashMap<String, PublicationId>,
    schema_names: HashMap<String, usize>,
    extension_names: HashMap<String, usize>,
    type_names: HashMap<Key, usize>,
    /// The entries of `types` that are domains (types and domains share one namespace).
    domains: foldhash::HashSet<usize>,
    // History: every table that ever bore a name, and the last drop of a name.
    /// Keyed by [`name_hash`], not by the name: [`Catalog::table_at`] checks each candidate's
    /// name, so a collision costs a comparison, never a wrong answer, and a big set's map is
    /// a third of the size.
    table_history: FirstAndLater<u64, TableId>,
    dropped: HashMap<(ObjectKind, Key), Loc>,
    /// Table names the set renamed away (no table bears them until one is created).
    gone: HashMap<Key, Loc>,
    /// Foreign keys by the table they reference: `(referencing table, index in its
    /// foreign_keys)`, so a drop finds them without scanning every table.
    /// Ids as `u32` (see [`small_id`]).
    referenced_by: FirstAndLater<u32, (u32, u32)>,
    /// What each file created, built on first use (see [`Catalog::created_in`]).
    #[serde(skip)]
    by_file: std::sync::OnceLock<derived::ByFile>,
    /// Foreign key cycle components per table, built on first use.
    #[serde(skip)]
    fk_components: std::sync::OnceLock<Vec<Option<usize>>>,
}

#[cfg(test)]
mod tests;

/// A name's 64-bit hash, the same in every process (the check cache stores maps keyed by it).
fn name_hash(key: &Key) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x6e61_6d65).hash_one(key)
}

impl Catalog {
    /// Give back the spare capacity replay's growing vectors and maps left: a big set's
    /// catalog stays in memory until the report is written.
    pub fn shrink_to_fit(&mut self) {
        for t in &mut self.tables {
            t.shrink_to_fit();
        }
        self.tables.shrink_to_fit();
        self.indexes.shrink_to_fit();
        self.policies.shrink_to_fit();
        self.publications.shrink_to_fit();
        self.schemas.shrink_to_fit();
        self.extensions.shrink_to_fit();
        self.types.shrink_to_fit();
        self.functions.shrink_to_fit();
        self.function_names.shrink_to_fit();
        self.other_relations.shrink_to_fit();
        for facts in &mut self.facts {
            facts.shrink_to_fit();
        }
        self.facts.shrink_to_fit();
        self.relations.shrink_to_fit();
        self.other_origins.shrink_to_fit();
        self.policy_names.shrink_to_fit();
        self.policies_named.shrink_to_fit();
        self.publication_names.shrink_to_fit();
        self.schema_names.shrink_to_fit();
        self.extension_names.shrink_to_fit();
        self.type_names.shrink_to_fit();
        self.domains.shrink_to_fit();
        self.table_history.shrink_to_fit();
        self.dropped.shrink_to_fit();
        self.gone.shrink_to_fit();
        self.referenced_by.shrink_to_fit();
    }
}
