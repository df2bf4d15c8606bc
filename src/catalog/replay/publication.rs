//! Replay of publications: `CREATE PUBLICATION`, `ALTER PUBLICATION … ADD/DROP/SET`.

use super::*;
use crate::source::Span;
use crate::syntax::{
    AlterPublication, CreatePublication, Ident, ObjectKind, PublicationAction, PublicationTarget,
    QualifiedName,
};
use foldhash::HashMap;

impl Catalog {
    /// The live publication of this name, or an implicit one (Supabase makes
    /// `supabase_realtime`); `None` when the set dropped it.
    pub(super) fn touch_publication(&mut self, name: &Ident) -> Option<PublicationId> {
        if let Some(&id) = self.publication_names.get(&name.value) {
            return Some(id);
        }
        if self
            .dropped
            .contains_key(&(ObjectKind::Publication, ident_key(name)))
        {
            return None;
        }
        Some(self.new_publication(&name.value, None))
    }

    pub(super) fn new_publication(&mut self, name: &str, created: Option<Loc>) -> PublicationId {
        let id = self.publications.len();
        self.publications.push(Publication {
            name: name.to_string(),
            created,
            dropped: None,
            all_tables: false,
            schemas: Vec::new(),
            members: Vec::new(),
            live: HashMap::default(),
        });
        self.publication_names.insert(name.to_string(), id);
        id
    }

    pub(super) fn create_publication(&mut self, at: &At, cp: &CreatePublication) {
        if let Some(&id) = self.publication_names.get(&cp.name.value) {
            if let Some(existing) = self.publications.get(id).and_then(|p| p.created) {
                self.fact(
                    at,
                    Fact::AlreadyExists {
                        kind: ObjectKind::Publication,
                        existing_kind: ObjectKind::Publication,
                        name: cp.name.value.clone(),
                        span: cp.name.span,
                        if_not_exists: false,
                        existing,
                        renamed: None,
                    },
                );
            }
            return;
        }
        self.dropped
            .remove(&(ObjectKind::Publication, ident_key(&cp.name)));
        let id = self.new_publication(&cp.name.value, Some(at.loc(cp.name.span)));
        match &cp.target {
            PublicationTarget::None => {}
            PublicationTarget::AllTables => {
                if let Some(p) = self.publications.get_mut(id) {
                    p.all_tables = true;
                }
            }
            PublicationTarget::Objects { tables, schemas } => {
                self.add_members(at, id, tables, false);
                self.add_schemas(at, id, schemas);
            }
        }
    }

    pub(super) fn add_schemas(&mut self, at: &At, id: PublicationId, schemas: &[Ident]) {
        if let Some(p) = self.publications.get_mut(id) {
            for s in schemas {
                if !p.schemas.iter().any(|(name, _)| *name == s.value) {
                    p.schemas.push((s.value.clone(), at.loc(s.span)));
                }
            }
        }
    }

    pub(super) fn add_members(
        &mut self,
        at: &At,
        id: PublicationId,
        tables: &[QualifiedName],
        check: bool,
    ) {
        for name in tables {
            let Some(table) = self.touch_table(name) else {
                continue;
            };
            let Some(p) = self.publications.get_mut(id) else {
                return;
            };
            if let Some(m) = p.live_member(table) {
                if check {
                    let added = m.added;
                    self.fact(
                        at,
                        Fact::AlreadyMember {
                            publication: id,
                            table,
                            span: name.span(),
                            added,
                        },
                    );
                }
                continue;
            }
            p.live.insert(table, p.members.len());
            p.members.push(Member {
                table,
                added: at.loc(name.span()),
                removed: None,
            });
        }
    }

    pub(super) fn alter_publication(&mut self, at: &At, ap: &AlterPublication) {
        let Some(id) = self.touch_publication(&ap.name) else {
            return;
        };
        match ap.action {
            PublicationAction::Add => {
                self.add_members(at, id, &ap.tables, true);
                self.add_schemas(at, id, &ap.schemas);
            }
            PublicationAction::Set => {
                let loc = at.loc(ap.name.span);
                if let Some(p) = self.publications.get_mut(id) {
                    for (_, i) in p.live.drain() {
                        if let Some(m) = p.members.get_mut(i) {
                            m.removed = Some(loc);
                        }
                    }
                    p.schemas.clear();
                }
                self.add_members(at, id, &ap.tables, false);
                self.add_schemas(at, id, &ap.schemas);
            }
            PublicationAction::Drop => {
                // Each removal points at the table's name in the list.
                let tables: Vec<(TableId, Span)> = ap
                    .tables
                    .iter()
                    .filter_map(|n| self.table(&n.key()).map(|t| (t, n.span())))
                    .collect();
                if let Some(p) = self.publications.get_mut(id) {
                    for (table, span) in tables {
                        p.remove_member(table, at.loc(span));
                    }
                    p.schemas
                        .retain(|(s, _)| !ap.schemas.iter().any(|d| d.value == *s));
                }
            }
            PublicationAction::Other => {}
        }
    }
}
