//! Replay of indexes, views and sequences (relations that share the table namespace) and of
//! named objects (schemas, extensions, types).

use super::*;
use crate::source::Span;
use crate::syntax::{CreateIndex, ObjectKind, QualifiedName};

impl Catalog {
    pub(super) fn index_key(&self, index: &Index) -> Option<Key> {
        let name = index.name.as_ref()?.clone();
        let schema = self.tables.get(index.table)?.schema.clone();
        Some((schema, name))
    }

    pub(super) fn drop_index(&mut self, id: IndexId, loc: Loc) {
        let Some(index) = self.indexes.get(id) else {
            return;
        };
        if let Some(key) = self.index_key(index) {
            if self.relations.get(&key) == Some(&Rel::Index(crate::catalog::small_id(id))) {
                self.relations.remove(&key);
            }
            self.mark_dropped(ObjectKind::Index, key, loc);
        }
        if let Some(index) = self.indexes.get_mut(id) {
            index.dropped = Some(loc);
        }
    }

    pub(super) fn create_index(&mut self, at: &At, ci: &CreateIndex) {
        let Some(table) = self.touch_table(&ci.table) else {
            return;
        };
        let schema = self
            .tables
            .get(table)
            .map_or_else(|| "public".into(), |t| t.schema.clone());
        let key = ci.name.as_ref().map(|n| (schema, n.value.as_str().into()));
        if let (Some(key), Some(name)) = (&key, &ci.name)
            && self.relation_taken(at, ObjectKind::Index, key, name.span, ci.if_not_exists)
        {
            return;
        }
        let columns: ShortList<Option<ColumnId>> = ci
            .columns
            .iter()
            .map(|c| {
                c.column
                    .as_ref()
                    .and_then(|name| self.touch_column(table, &name.value))
            })
            .collect();
        let span = ci.name.as_ref().map_or(ci.table.span(), |n| n.span);
        let id = self.indexes.len();
        if let Some(t) = self.tables.get_mut(table) {
            t.index_ids.push_tight(id);
        }
        self.indexes.push(Index {
            name: ci.name.as_ref().map(|n| Name::from(&n.value)),
            table,
            columns,
            unique: ci.unique,
            partial: ci.partial,
            created: at.loc(span),
            dropped: None,
            renamed: None,
        });
        if let Some(key) = key {
            self.dropped.remove(&(ObjectKind::Index, key.clone()));
            self.relations
                .insert(key, Rel::Index(crate::catalog::small_id(id)));
        }
    }

    pub(super) fn create_other_relation(
        &mut self,
        at: &At,
        kind: ObjectKind,
        name: &QualifiedName,
        if_not_exists: bool,
        or_replace: bool,
        view: Option<&crate::syntax::ViewFacts>,
    ) {
        let key = self.rel_key(name);
        if let Some(Rel::Other { kind: k, .. }) = self.relations.get(&key)
            && *k == kind
            && or_replace
        {
            self.define_other_relation(at, kind, key, name.span(), view);
            return;
        }
        if self.relation_taken(at, kind, &key, name.span(), if_not_exists) {
            return;
        }
        self.define_other_relation(at, kind, key.clone(), name.span(), view);
        self.dropped.remove(&(kind, key.clone()));
        let rel = self.other_rel(kind, at.loc(name.span()), None);
        self.relations.insert(key, rel);
    }

    pub(super) fn create_named(
        &mut self,
        at: &At,
        kind: ObjectKind,
        key: Key,
        span: Span,
        if_not_exists: bool,
    ) {
        let guarded = at.statement.context.exception_handler
            || at.statement.context.extension_availability_guard;
        let existing = match kind {
            ObjectKind::Schema => self.schema_names.get(key.1.as_str()).copied(),
            ObjectKind::Extension => self.extension_names.get(key.1.as_str()).copied(),
            _ => self.type_names.get(&key).copied(),
        };
        if let Some(i) = existing {
            let list = match kind {
                ObjectKind::Schema => &self.schemas,
                ObjectKind::Extension => &self.extensions,
                _ => &self.types,
            };
            if let Some(existing) = list.get(i).and_then(|n| n.created) {
                let name = plain_key(&key);
                let existing_kind = match kind {
                    ObjectKind::Type | ObjectKind::Domain if self.domains.contains(&i) => {
                        ObjectKind::Domain
                    }
                    ObjectKind::Type | ObjectKind::Domain => ObjectKind::Type,
                    k => k,
                };
                self.fact(
                    at,
                    Fact::AlreadyExists {
                        kind,
                        existing_kind,
                        name,
                        span,
                        if_not_exists,
                        existing,
                        renamed: None,
                    },
                );
            }
            return;
        }
        // Domains are dropped and looked up as types (one namespace).
        let namespace = match kind {
            ObjectKind::Domain => ObjectKind::Type,
            k => k,
        };
        self.dropped.remove(&(namespace, key.clone()));
        let named = Named {
            key: key.clone(),
            created: Some(at.loc(span)),
            dropped: None,
            guarded,
        };
        match kind {
            ObjectKind::Schema => {
                self.schemas.push(named);
                self.schema_names
                    .insert(key.1.to_string(), self.schemas.len() - 1);
            }
            ObjectKind::Extension => {
                self.extensions.push(named);
                self.extension_names
                    .insert(key.1.to_string(), self.extensions.len() - 1);
            }
            _ => {
                self.types.push(named);
                self.type_names.insert(key, self.types.len() - 1);
                if kind == ObjectKind::Domain {
                    self.domains.insert(self.types.len() - 1);
                }
            }
        }
    }
}
