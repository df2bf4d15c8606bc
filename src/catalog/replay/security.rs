//! Replay of what the security rules follow: `GRANT`/`REVOKE`, `ALTER DEFAULT PRIVILEGES`,
//! functions (`CREATE`, `ALTER … SECURITY|SET search_path`, `DROP`), views' definitions and
//! `security_invoker`, foreign tables.

use super::*;
use crate::syntax::{
    DefaultPrivileges, FunctionAttrs, Grant, GrantObjectKind, ObjectKind, QualifiedName, ViewFacts,
};

/// The role `supabase db push` and the Supabase CLI run migrations as: default privileges
/// `FOR ROLE` it apply to the objects the set makes.
const MIGRATION_ROLES: &[&str] = &["postgres"];

impl Catalog {
    pub(super) fn grant(&mut self, at: &At, g: &Grant) {
        let loc = at.loc(at.statement.span);
        // Column privileges only matter when granted (a column-level grant still exposes the
        // relation); a column-level revoke leaves the table-level privilege alone.
        let privileges = if g.revoke {
            g.privileges
        } else {
            g.privileges.union(g.column_privileges)
        };
        if privileges.is_empty() {
            return;
        }
        let apply = |acl: &mut ObjectAcl| acl.own.apply(g.revoke, privileges, &g.grantees, loc);
        if g.all_in_schema {
            for schema in &g.objects {
                let schema = schema.name.value.as_str();
                match g.kind {
                    GrantObjectKind::Table => {
                        for t in self.tables.iter_mut() {
                            if t.is_live() && t.schema == schema {
                                apply(&mut t.acl);
                            }
                        }
                        for r in self.other_relations.values_mut() {
                            if r.key.0 == schema && r.kind != ObjectKind::Sequence {
                                apply(&mut r.acl);
                            }
                        }
                    }
                    GrantObjectKind::Sequence => {
                        for r in self.other_relations.values_mut() {
                            if r.key.0 == schema && r.kind == ObjectKind::Sequence {
                                apply(&mut r.acl);
                            }
                        }
                    }
                    GrantObjectKind::Function => {
                        for f in self.functions.iter_mut() {
                            if f.dropped.is_none() && f.key.0 == schema {
                                apply(&mut f.acl);
                            }
                        }
                    }
                    GrantObjectKind::Schema => {}
                }
            }
            return;
        }
        for name in &g.objects {
            match g.kind {
                GrantObjectKind::Schema => {
                    let acl = self
                        .privileges
                        .schemas
                        .entry(name.name.value.clone())
                        .or_default();
                    apply(acl);
                }
                GrantObjectKind::Function => {
                    if let Some(f) = self
                        .function_names
                        .get(&name.key())
                        .and_then(|&i| self.functions.get_mut(i))
                    {
                        apply(&mut f.acl);
                    }
                }
                GrantObjectKind::Table | GrantObjectKind::Sequence => {
                    let key = self.rel_key(name);
                    match self.relations.get(&key).copied() {
                        Some(Rel::Table(id)) => {
                            if let Some(t) = self.tables.get_mut(id as usize) {
                                apply(&mut t.acl);
                            }
                        }
                        Some(Rel::Other { .. }) => {
                            if let Some(r) = self.other_relations.get_mut(&key) {
                                apply(&mut r.acl);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    pub(super) fn default_privileges(&mut self, at: &At, d: &DefaultPrivileges) {
        if !d.for_roles.is_empty()
            && !d
                .for_roles
                .iter()
                .any(|r| MIGRATION_ROLES.contains(&r.as_str()))
        {
            return;
        }
        let loc = at.loc(at.statement.span);
        let g = &d.grant;
        let schemas: Vec<Option<String>> = if d.schemas.is_empty() {
            vec![None]
        } else {
            d.schemas.iter().cloned().map(Some).collect()
        };
        for schema in schemas {
            self.privileges
                .defaults
                .entry((schema, g.kind))
                .or_default()
                .apply(g.revoke, g.privileges, &g.grantees, loc);
        }
    }

    pub(super) fn create_function(
        &mut self,
        at: &At,
        name: &QualifiedName,
        kind: ObjectKind,
        attrs: &FunctionAttrs,
    ) {
        let key = name.key();
        let loc = at.loc(name.span());
        if let Some(f) = self
            .function_names
            .get(&key)
            .and_then(|&i| self.functions.get_mut(i))
        {
            // `CREATE OR REPLACE` (or another overload): the new definition's attributes,
            // the privileges kept.
            f.attrs = attrs.clone();
            f.defined = loc;
            f.altered = None;
            return;
        }
        let acl = self.new_acl(GrantObjectKind::Function, &key.0);
        self.functions.push(Function {
            key: key.clone(),
            kind,
            attrs: attrs.clone(),
            defined: loc,
            altered: None,
            dropped: None,
            acl,
        });
        self.function_names.insert(key, self.functions.len() - 1);
    }

    pub(super) fn alter_function(
        &mut self,
        at: &At,
        name: &QualifiedName,
        security_definer: Option<bool>,
        search_path: Option<bool>,
    ) {
        let Some(f) = self
            .function_names
            .get(&name.key())
            .and_then(|&i| self.functions.get_mut(i))
        else {
            return;
        };
        if let Some(v) = security_definer {
            f.attrs.security_definer = v;
        }
        if let Some(v) = search_path {
            f.attrs.search_path = v;
        }
        f.altered = Some(at.loc(name.span()));
    }

    pub(super) fn drop_function(&mut self, at: &At, name: &QualifiedName) -> bool {
        let Some(i) = self.function_names.remove(&name.key()) else {
            return false;
        };
        if let Some(f) = self.functions.get_mut(i) {
            f.dropped = Some(at.loc(name.span()));
        }
        true
    }

    /// Record a new view, materialized view, foreign table or sequence (or a view's new
    /// definition under `CREATE OR REPLACE`, which keeps its privileges).
    pub(super) fn define_other_relation(
        &mut self,
        at: &At,
        kind: ObjectKind,
        key: Key,
        span: Span,
        view: Option<&ViewFacts>,
    ) {
        let reads = view.map_or_else(Vec::new, |v| {
            v.reads.iter().map(|r| self.rel_key(r)).collect::<Vec<_>>()
        });
        let invoker = view.is_some_and(|v| v.security_invoker);
        let loc = at.loc(span);
        if let Some(r) = self.other_relations.get_mut(&key)
            && r.kind == kind
        {
            r.defined = loc;
            r.reads = reads;
            r.security_invoker = invoker;
            r.invoker_changed = None;
            return;
        }
        let acl_kind = if kind == ObjectKind::Sequence {
            GrantObjectKind::Sequence
        } else {
            GrantObjectKind::Table
        };
        let acl = self.new_acl(acl_kind, &key.0);
        self.other_relations.insert(
            key.clone(),
            OtherRelation {
                key,
                kind,
                defined: loc,
                security_invoker: invoker,
                invoker_changed: None,
                reads,
                acl,
            },
        );
    }

    pub(super) fn alter_view_invoker(&mut self, at: &At, name: &QualifiedName, invoker: bool) {
        let key = self.rel_key(name);
        if let Some(r) = self.other_relations.get_mut(&key) {
            r.security_invoker = invoker;
            r.invoker_changed = Some(at.loc(name.span()));
        }
    }

    /// A view, materialized view, foreign table or sequence changed its name (`RENAME TO`,
    /// `SET SCHEMA`, its schema's rename): the relation namespace and its security facts move.
    pub(super) fn move_other_relation(&mut self, old: &Key, new: Key, rel: Rel) {
        self.relations.remove(old);
        self.relations.insert(new.clone(), rel);
        if let Some(mut r) = self.other_relations.remove(old) {
            r.key = new.clone();
            self.other_relations.insert(new, r);
        }
    }

    /// `CREATE SCHEMA`: privileges on it start empty (only its owner may use it).
    pub(super) fn create_schema_acl(&mut self, name: &str) {
        if name == "public" {
            return;
        }
        self.privileges
            .schemas
            .entry(name.to_string())
            .or_insert_with(|| ObjectAcl {
                created: true,
                ..ObjectAcl::default()
            });
    }
}
