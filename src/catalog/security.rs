//! What the security rules ask the catalog: privileges (`GRANT`, `REVOKE`, `ALTER DEFAULT
//! PRIVILEGES`, and the defaults the server had before the set), views, functions and foreign
//! tables.
//!
//! Privileges are kept relative to a *baseline*, the defaults the database had before the set ran
//! (PostgreSQL's own, plus Supabase's when the config says so), so that replay does not depend on
//! the config: every role's entry records what the set granted and revoked last; a privilege in
//! neither is as the baseline (or the default privileges in force when the object was created)
//! says.

use super::*;
use crate::syntax::{FunctionAttrs, GrantObjectKind, Privileges};

/// One role's privileges on an object, as the set left them.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AclEntry {
    pub granted: Privileges,
    pub revoked: Privileges,
    /// The last `GRANT` to this role.
    pub last_grant: Option<Loc>,
}

/// Role → what the set granted and revoked: a small vector sorted by role (most objects have
/// none or one entry; a map's node per object was a tenth of a big set's catalog).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Acl {
    entries: ThinVec<(Name, AclEntry)>,
}

impl Acl {
    /// The entry of `role`.
    pub fn get(&self, role: &str) -> Option<&AclEntry> {
        let i = self
            .entries
            .binary_search_by(|(r, _)| r.as_str().cmp(role))
            .ok()?;
        self.entries.get(i).map(|(_, e)| e)
    }
    /// Every role's entry, by role.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &AclEntry)> {
        self.entries.iter().map(|(r, e)| (r.as_str(), e))
    }

    pub(super) fn apply(
        &mut self,
        revoke: bool,
        privileges: Privileges,
        roles: &[String],
        at: Loc,
    ) {
        for role in roles {
            let i = match self.entries.binary_search_by(|(r, _)| r.as_str().cmp(role)) {
                Ok(i) => i,
                Err(i) => {
                    // Most objects get one entry: no spare room for more.
                    self.entries.reserve_exact(1);
                    self.entries
                        .insert(i, (Name::from(role), AclEntry::default()));
                    i
                }
            };
            let Some((_, e)) = self.entries.get_mut(i) else {
                continue;
            };
            if revoke {
                e.granted = e.granted.minus(privileges);
                e.revoked = e.revoked.union(privileges);
            } else {
                e.revoked = e.revoked.minus(privileges);
                e.granted = e.granted.union(privileges);
                e.last_grant = Some(at);
            }
        }
    }
    /// `Some(true)` granted, `Some(false)` revoked, `None` untouched.
    fn state(&self, role: &str, privilege: Privileges) -> Option<bool> {
        let e = self.get(role)?;
        if e.granted.contains(privilege) {
            Some(true)
        } else if e.revoked.contains(privilege) {
            Some(false)
        } else {
            None
        }
    }
}

/// An object's privileges: the default privileges in force when it was created (for every
/// schema, and for its schema) and what the set granted and revoked on the object itself.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ObjectAcl {
    /// The default privileges for every schema and for the object's schema, `None` when both
    /// were empty (boxed: most objects are made without any).
    pub(in crate::catalog) defaults: Option<Box<(Acl, Acl)>>,
    pub own: Acl,
    /// Made by the set (the default privileges apply); `false` for objects the set only touched.
    pub created: bool,
}

/// The defaults the database had before the set ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Baseline {
    /// Supabase's: tables, sequences and functions made in `public` are granted to `anon`,
    /// `authenticated` and `service_role`; `anon` and `authenticated` may use schema `public`.
    pub supabase: bool,
}

/// The roles Supabase's default privileges grant to.
const SUPABASE_API_ROLES: &[&str] = &["anon", "authenticated", "service_role"];

impl Baseline {
    /// What the default privileges for every schema grant `role` (PostgreSQL: `EXECUTE` on
    /// functions to `PUBLIC`).
    fn global(self, kind: GrantObjectKind, role: &str) -> Privileges {
        match (kind, role) {
            (GrantObjectKind::Function, "public") => Privileges::EXECUTE,
            _ => Privileges::NONE,
        }
    }
    /// What the default privileges of `schema` grant `role`.
    fn schema(self, kind: GrantObjectKind, schema: &str, role: &str) -> Privileges {
        if !self.supabase || schema != "public" || !SUPABASE_API_ROLES.contains(&role) {
            return Privileges::NONE;
        }
        match kind {
            GrantObjectKind::Function => Privileges::EXECUTE,
            GrantObjectKind::Schema => Privileges::NONE,
            _ => Privileges::ALL,
        }
    }
    /// Privileges on a schema the set did not create.
    fn schema_usage(self, schema: &str, role: &str) -> Privileges {
        match (schema, role) {
            ("public", "public") => Privileges::USAGE,
            ("public", r) if self.supabase && SUPABASE_API_ROLES.contains(&r) => Privileges::USAGE,
            _ => Privileges::NONE,
        }
    }
}

static NO_ACL: Acl = Acl {
    entries: ThinVec::new(),
};

impl ObjectAcl {
    /// The default privileges for every schema in force when the object was made.
    pub fn global_defaults(&self) -> &Acl {
        self.defaults
            .as_deref()
            .map_or(&NO_ACL, |(global, _)| global)
    }
    /// The default privileges for the object's schema in force when it was made.
    pub fn schema_defaults(&self) -> &Acl {
        self.defaults
            .as_deref()
            .map_or(&NO_ACL, |(_, schema)| schema)
    }
    /// Whether `role` (directly or through `PUBLIC`) holds `privilege` on an object of `kind` in
    /// `schema`.
    pub fn allows(
        &self,
        baseline: Baseline,
        kind: GrantObjectKind,
        schema: &str,
        role: &str,
        privilege: Privileges,
    ) -> bool {
        [role, "public"].into_iter().any(|r| {
            match self.own.state(r, privilege) {
                Some(v) => return v,
                None if !self.created => {
                    // Made outside the set: as the baseline's defaults made it.
                    return baseline.global(kind, r).contains(privilege)
                        || baseline.schema(kind, schema, r).contains(privilege);
                }
                None => {}
            }
            let layer = |acl: &Acl, base: Privileges| match acl.state(r, privilege) {
                Some(v) => v,
                None => base.contains(privilege),
            };
            layer(self.global_defaults(), baseline.global(kind, r))
                || layer(self.schema_defaults(), baseline.schema(kind, schema, r))
        })
    }
}

/// A view, materialized view, foreign table or sequence (the relations other than tables and
/// indexes), with what the security rules need.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OtherRelation {
    pub key: Key,
    pub kind: ObjectKind,
    /// The last `CREATE [OR REPLACE]`.
    pub defined: Loc,
    pub security_invoker: bool,
    /// The last `ALTER VIEW … SET|RESET (security_invoker)`.
    pub invoker_changed: Option<Loc>,
    /// The relations the view reads, as written (normalised).
    pub reads: Vec<Key>,
    pub acl: ObjectAcl,
}

/// A function or procedure (overloads share one entry: the last definition).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Function {
    pub key: Key,
    pub kind: ObjectKind,
    pub attrs: FunctionAttrs,
    /// The last `CREATE [OR REPLACE]`.
    pub defined: Loc,
    /// The last `ALTER FUNCTION` that changed `SECURITY` or `search_path`.
    pub altered: Option<Loc>,
    pub dropped: Option<Loc>,
    pub acl: ObjectAcl,
}

/// The privilege state of the set (see the module doc).
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Privilege {
    /// `ALTER DEFAULT PRIVILEGES`: `(IN SCHEMA s or every schema, kind)` → grants and revokes.
    pub(super) defaults: HashMap<(Option<String>, GrantObjectKind), Acl>,
    /// Schemas: privileges on the schema itself.
    pub(super) schemas: HashMap<String, ObjectAcl>,
}

impl Catalog {
    /// The default privileges in force now for a new object of `kind` in `schema`.
    pub(super) fn new_acl(&self, kind: GrantObjectKind, schema: &str) -> ObjectAcl {
        let get = |s: Option<String>| {
            self.privileges
                .defaults
                .get(&(s, kind))
                .cloned()
                .unwrap_or_default()
        };
        let (global, schema) = (get(None), get(Some(schema.to_string())));
        let none = global.entries.is_empty() && schema.entries.is_empty();
        ObjectAcl {
            defaults: (!none).then(|| Box::new((global, schema))),
            own: Acl::default(),
            created: true,
        }
    }

    /// Whether `role` may use `schema` (`USAGE`) at the end of the set: schemas the set made
    /// need a grant; `public` is usable as the baseline says; other schemas the set did not
    /// make are assumed usable (they exist outside the set, and the config exposes them).
    pub fn schema_usable(&self, baseline: Baseline, schema: &str, role: &str) -> bool {
        match self.privileges.schemas.get(schema) {
            Some(acl) if acl.created => acl.allows(
                baseline,
                GrantObjectKind::Schema,
                schema,
                role,
                Privileges::USAGE,
            ),
            Some(acl) => [role, "public"].into_iter().any(|r| {
                acl.own.state(r, Privileges::USAGE).unwrap_or(
                    schema != "public"
                        || baseline.schema_usage(schema, r).contains(Privileges::USAGE),
                )
            }),
            None => {
                schema != "public" || {
                    [role, "public"]
                        .into_iter()
                        .any(|r| baseline.schema_usage(schema, r).contains(Privileges::USAGE))
                }
            }
        }
    }

    /// The live view, materialized view, foreign table or sequence with this name.
    pub fn other_relation(&self, key: &Key) -> Option<&OtherRelation> {
        self.other_relations.get(key)
    }

    /// Live views, materialized views, foreign tables and sequences.
    pub fn other_relations(&self) -> impl Iterator<Item = &OtherRelation> {
        self.other_relations.values()
    }

    /// Live functions and procedures, in creation order.
    pub fn live_functions(&self) -> impl Iterator<Item = &Function> {
        self.functions.iter().filter(|f| f.dropped.is_none())
    }
}
