//! Replay of `DROP`: every object kind, `IF EXISTS`, drops of what the set dropped already.

use super::*;
use crate::syntax::{Drop, Ident, ObjectKind, QualifiedName};

impl Catalog {
    pub(super) fn drop(&mut self, at: &At, drop: &Drop) {
        for name in &drop.names {
            let span = name.span();
            // Looked up before this drop marks the name as dropped itself.
            let prior = self.prior_drop(drop, name);
            let found = match drop.kind {
                ObjectKind::Table => self.drop_table(at, name, drop.if_exists),
                ObjectKind::Index => {
                    let key = self.rel_key(name);
                    match self.relations.get(&key).copied() {
                        Some(Rel::Index(id)) => {
                            self.drop_index(id as usize, at.loc(span));
                            true
                        }
                        _ => false,
                    }
                }
                ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Sequence
                | ObjectKind::ForeignTable => {
                    let key = self.rel_key(name);
                    match self.relations.get(&key).copied() {
                        Some(Rel::Other { kind, .. }) if kind == drop.kind => {
                            self.relations.remove(&key);
                            self.other_relations.remove(&key);
                            self.mark_dropped(drop.kind, key, at.loc(span));
                            true
                        }
                        _ => false,
                    }
                }
                ObjectKind::Schema => self.drop_schema(at, &name.name, drop.cascade),
                ObjectKind::Extension => {
                    let found = self.extension_names.remove(&name.name.value);
                    if let Some(e) = found.and_then(|i| self.extensions.get_mut(i)) {
                        e.dropped = Some(at.loc(span));
                    }
                    self.mark_dropped(ObjectKind::Extension, ident_key(&name.name), at.loc(span));
                    found.is_some()
                }
                ObjectKind::Type | ObjectKind::Domain => {
                    let key = self.rel_key(name);
                    let found = self.type_names.remove(&key);
                    if let Some(t) = found.and_then(|i| self.types.get_mut(i)) {
                        t.dropped = Some(at.loc(span));
                    }
                    self.mark_dropped(ObjectKind::Type, key, at.loc(span));
                    found.is_some()
                }
                ObjectKind::Policy => self.drop_policy(at, drop, name),
                ObjectKind::Function | ObjectKind::Procedure => self.drop_function(at, name),
                ObjectKind::Publication => {
                    let found = self.publication_names.remove(&name.name.value);
                    if let Some(p) = found.and_then(|i| self.publications.get_mut(i)) {
                        p.dropped = Some(at.loc(span));
                    }
                    self.mark_dropped(ObjectKind::Publication, ident_key(&name.name), at.loc(span));
                    found.is_some()
                }
                _ => true,
            };
            if let (false, Some(dropped)) = (found, prior) {
                self.note_already_dropped(at, drop, name, dropped);
            }
        }
    }

    /// Remember that a name was dropped; the first drop since the last creation is the one to
    /// point at.
    pub(super) fn mark_dropped(&mut self, kind: ObjectKind, key: Key, loc: Loc) {
        self.dropped.entry((kind, key)).or_insert(loc);
    }

    /// A `DROP` found nothing: if the set had dropped that name before, record it.
    pub(super) fn prior_drop(&self, drop: &Drop, name: &QualifiedName) -> Option<Loc> {
        let kind = match drop.kind {
            ObjectKind::Domain => ObjectKind::Type,
            k => k,
        };
        let key = match kind {
            ObjectKind::Schema | ObjectKind::Extension | ObjectKind::Publication => {
                ident_key(&name.name)
            }
            ObjectKind::Policy => {
                let t = drop.on_table.as_ref()?.key();
                (
                    format!("{}.{}", t.0, t.1).into(),
                    name.name.value.as_str().into(),
                )
            }
            _ => self.rel_key(name),
        };
        self.dropped.get(&(kind, key)).copied()
    }

    /// A `DROP` found nothing, and the set had dropped that name before (at `dropped`).
    pub(super) fn note_already_dropped(
        &mut self,
        at: &At,
        drop: &Drop,
        name: &QualifiedName,
        dropped: Loc,
    ) {
        let kind = match drop.kind {
            ObjectKind::Domain => ObjectKind::Type,
            k => k,
        };
        {
            // A policy's table is in the statement (`ON t`).
            let display = match kind {
                ObjectKind::Policy
                | ObjectKind::Schema
                | ObjectKind::Extension
                | ObjectKind::Publication => name.name.value.clone(),
                _ => plain_key(&name.key()),
            };
            self.fact(
                at,
                Fact::AlreadyDropped {
                    kind: drop.kind,
                    name: display,
                    span: name.span(),
                    if_exists: drop.if_exists,
                    dropped,
                },
            );
        }
    }

    /// Drop a table and everything that goes with it; `false` when there was no such table.
    pub(super) fn drop_table(&mut self, at: &At, name: &QualifiedName, _if_exists: bool) -> bool {
        let key = self.rel_key(name);
        let table = match self.relations.get(&key) {
            Some(Rel::Table(id)) => *id as usize,
            Some(_) => return false,
            None => {
                if self.dropped.contains_key(&(ObjectKind::Table, key.clone()))
                    || self.gone.contains_key(&key)
                {
                    return false;
                }
                // Made before the set: it existed (or the statement fails, which is not ours
                // to judge).
                self.new_table(key.clone(), None, false, true)
            }
        };
        self.fact(
            at,
            Fact::TableDropped {
                table,
                span: name.span(),
            },
        );
        self.remove_table(table, at.loc(name.span()));
        true
    }

    pub(super) fn remove_table(&mut self, table: TableId, loc: Loc) {
        let Some(t) = self.tables.get_mut(table) else {
            return;
        };
        t.set_dropped(Some(loc));
        let key = t.key();
        self.relations.remove(&key);
        self.mark_dropped(ObjectKind::Table, key.clone(), loc);
        // Foreign keys that point at it go too (PostgreSQL needs CASCADE for that, or fails).
        self.drop_foreign_keys_to(table, None, loc);
        let indexes: Vec<IndexId> = self.indexes_on(table).map(|(id, _)| id).collect();
        for id in indexes {
            self.drop_index(id, loc);
        }
        let policies: Vec<PolicyId> = self.policies_on(table).map(|(id, _)| id).collect();
        for id in policies {
            if let Some(p) = self.policies.get_mut(id) {
                p.dropped = Some(loc);
                let name = p.name.clone();
                self.policy_names.remove(&(table, name.clone()));
                self.mark_dropped(
                    ObjectKind::Policy,
                    (format!("{}.{}", key.0, key.1).into(), name),
                    loc,
                );
            }
        }
        for p in &mut self.publications {
            p.remove_member(table, loc);
        }
    }

    pub(super) fn drop_schema(&mut self, at: &At, name: &Ident, _cascade: bool) -> bool {
        let loc = at.loc(name.span);
        let found = self.schema_names.remove(&name.value);
        if let Some(s) = found.and_then(|i| self.schemas.get_mut(i)) {
            s.dropped = Some(loc);
        }
        // Its contents go with it (PostgreSQL only allows that with CASCADE, or when empty).
        let tables: Vec<TableId> = self
            .live_tables()
            .filter(|(_, t)| t.schema == name.value)
            .map(|(id, _)| id)
            .collect();
        for id in tables {
            self.remove_table(id, loc);
        }
        let others: Vec<Key> = self
            .relations
            .keys()
            .filter(|k| k.0 == name.value)
            .cloned()
            .collect();
        for key in others {
            self.relations.remove(&key);
        }
        let types: Vec<Key> = self
            .type_names
            .keys()
            .filter(|k| k.0 == name.value)
            .cloned()
            .collect();
        for key in types {
            if let Some(t) = self
                .type_names
                .remove(&key)
                .and_then(|i| self.types.get_mut(i))
            {
                t.dropped = Some(loc);
            }
        }
        self.mark_dropped(ObjectKind::Schema, ident_key(name), loc);
        // `FOR TABLES IN SCHEMA` entries go with the schema (a new schema of that name is
        // another object).
        for p in &mut self.publications {
            p.schemas.retain(|(s, _)| *s != name.value);
        }
        found.is_some()
    }
}
