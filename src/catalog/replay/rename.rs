//! Replay of renames: tables (`RENAME TO`, `SET SCHEMA`), columns, policies, other objects, schemas.

use super::*;
use crate::source::Span;
use crate::syntax::{Ident, ObjectKind, RenameObject, RenameTarget};

impl Catalog {
    pub(super) fn rename_table(&mut self, at: &At, table: TableId, new_key: Key, span: Span) {
        let Some(t) = self.tables.get_mut(table) else {
            return;
        };
        let old_key = t.key();
        if old_key == new_key {
            return;
        }
        t.push_rename(Rename {
            at: at.loc(span),
            from: old_key.clone(),
            to: new_key.clone(),
        });
        t.schema = new_key.0.clone();
        t.name = new_key.1.clone();
        self.relations.remove(&old_key);
        self.relations
            .insert(new_key.clone(), Rel::Table(crate::catalog::small_id(table)));
        self.dropped.remove(&(ObjectKind::Table, new_key.clone()));
        self.gone.remove(&new_key);
        self.gone.insert(old_key.clone(), at.loc(span));
        // A table that takes a name back keeps its first place.
        let hash = super::name_hash(&new_key);
        if !self.table_history.get(&hash).any(|t| t == table) {
            self.table_history.push(hash, table);
        }
        // Indexes live in their table's schema.
        if old_key.0 != new_key.0 {
            let moved: Vec<(IndexId, Name)> = self
                .indexes_on(table)
                .filter_map(|(id, i)| i.name.as_ref().map(|n| (id, n.clone())))
                .collect();
            for (id, name) in moved {
                self.relations.remove(&(old_key.0.clone(), name.clone()));
                self.relations.insert(
                    (new_key.0.clone(), name),
                    Rel::Index(crate::catalog::small_id(id)),
                );
            }
        }
    }

    /// `ALTER INDEX/VIEW/SEQUENCE/TYPE/SCHEMA … RENAME TO` / `SET SCHEMA`.
    pub(super) fn rename_object(&mut self, at: &At, r: &RenameObject) {
        let new_key = |old: &Key| match &r.to {
            RenameTarget::Name(to) => (old.0.clone(), to.value.as_str().into()),
            RenameTarget::Schema(s) => (s.value.as_str().into(), old.1.clone()),
        };
        match r.kind {
            ObjectKind::Schema => {
                if let RenameTarget::Name(to) = &r.to {
                    self.rename_schema(at, &r.name.name.value, to);
                }
            }
            ObjectKind::Type | ObjectKind::Domain => {
                let old = r.name.key();
                if let Some(i) = self.type_names.remove(&old) {
                    let new = new_key(&old);
                    if let Some(t) = self.types.get_mut(i) {
                        t.key = new.clone();
                    }
                    self.dropped.remove(&(ObjectKind::Type, new.clone()));
                    self.type_names.insert(new, i);
                }
            }
            _ => {
                let old = self.rel_key(&r.name);
                let Some(rel) = self.relations.get(&old).copied() else {
                    return;
                };
                let new = new_key(&old);
                match rel {
                    // PostgreSQL lets `ALTER INDEX`/`ALTER VIEW` rename a table too.
                    Rel::Table(table) => {
                        let span = match &r.to {
                            RenameTarget::Name(i) | RenameTarget::Schema(i) => i.span,
                        };
                        self.rename_table(at, table as usize, new, span);
                    }
                    Rel::Index(id) => {
                        // An index stays in its table's schema: only RENAME TO moves it.
                        if let (RenameTarget::Name(to), Some(index)) =
                            (&r.to, self.indexes.get_mut(id as usize))
                        {
                            index.name = Some(Name::from(&to.value));
                            index.renamed = Some(at.loc(to.span));
                            self.relations.remove(&old);
                            // A later drop of the new name points at drops after this rename.
                            self.dropped.remove(&(ObjectKind::Index, new.clone()));
                            self.relations.insert(new, rel);
                        }
                    }
                    Rel::Other { kind, origin } => {
                        let span = match &r.to {
                            RenameTarget::Name(i) | RenameTarget::Schema(i) => i.span,
                        };
                        self.dropped.remove(&(kind, new.clone()));
                        let Some((created, _)) = self.other_origin(origin) else {
                            return;
                        };
                        let rel = self.other_rel(kind, created, Some(at.loc(span)));
                        self.move_other_relation(&old, new, rel);
                    }
                }
            }
        }
    }

    /// `ALTER SCHEMA a RENAME TO b` moves everything in it.
    pub(super) fn rename_schema(&mut self, at: &At, from: &str, to: &Ident) {
        if let Some(i) = self.schema_names.remove(from) {
            if let Some(s) = self.schemas.get_mut(i) {
                s.key.1 = to.value.as_str().into();
            }
            self.schema_names.insert(to.value.clone(), i);
        }
        // Publications follow the schema itself, not its name.
        for p in &mut self.publications {
            for (s, _) in p.schemas.iter_mut() {
                if s == from {
                    *s = to.value.clone();
                }
            }
        }
        let tables: Vec<TableId> = self
            .live_tables()
            .filter(|(_, t)| t.schema == from)
            .map(|(id, _)| id)
            .collect();
        for id in tables {
            let Some(name) = self.tables.get(id).map(|t| t.name.clone()) else {
                continue;
            };
            self.rename_table(at, id, (to.value.as_str().into(), name), to.span);
        }
        let others: Vec<(Key, Rel)> = self
            .relations
            .iter()
            .filter(|(k, r)| k.0 == from && matches!(r, Rel::Other { .. }))
            .map(|(k, r)| (k.clone(), *r))
            .collect();
        for (key, rel) in others {
            let new = (to.value.as_str().into(), key.1.clone());
            self.move_other_relation(&key, new, rel);
        }
        let types: Vec<Key> = self
            .type_names
            .keys()
            .filter(|k| k.0 == from)
            .cloned()
            .collect();
        for key in types {
            if let Some(i) = self.type_names.remove(&key) {
                let new = (to.value.as_str().into(), key.1);
                if let Some(t) = self.types.get_mut(i) {
                    t.key = new.clone();
                }
                self.type_names.insert(new, i);
            }
        }
    }
}
