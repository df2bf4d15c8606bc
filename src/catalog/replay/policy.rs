//! Replay of `CREATE POLICY`, `ALTER POLICY` and `DROP POLICY`.

use super::*;
use crate::syntax::{AlterPolicy, CreatePolicy, Drop, ObjectKind, QualifiedName};

impl Catalog {
    pub(super) fn create_policy(&mut self, at: &At, cp: &CreatePolicy) {
        let Some(table) = self.touch_table(&cp.table) else {
            return;
        };
        let name = Name::from(&cp.name.value);
        if let Some(&existing) = self.policy_names.get(&(table, name.clone())) {
            self.fact(
                at,
                Fact::PolicyNameTaken {
                    name: name.to_string(),
                    span: cp.name.span,
                    table,
                    existing,
                    same_table: true,
                },
            );
            return;
        }
        if let Some(existing) = self.policy_name_elsewhere(&name, table) {
            self.fact(
                at,
                Fact::PolicyNameTaken {
                    name: name.to_string(),
                    span: cp.name.span,
                    table,
                    existing,
                    same_table: false,
                },
            );
        }
        let id = self.policies.len();
        if let Some(t) = self.tables.get_mut(table) {
            t.policy_ids.push_tight(id);
        }
        self.policies_named.push(name.clone(), id);
        self.policies.push(Policy {
            name: name.clone(),
            table,
            command: cp.command,
            roles: cp.roles.iter().map(Name::from).collect(),
            permissive: cp.permissive,
            using: cp
                .using
                .clone()
                .map(|e| Box::new((e, at.loc(cp.name.span)))),
            with_check: (cp.with_check.clone()).map(|e| Box::new((e, at.loc(cp.name.span)))),
            defined: at.loc(cp.name.span),
            created: at.loc(cp.name.span),
            dropped: None,
            renames: ThinVec::new(),
        });
        if let Some(t) = self.tables.get(table) {
            let key = (format!("{}.{}", t.schema, t.name).into(), name.clone());
            self.dropped.remove(&(ObjectKind::Policy, key));
        }
        self.policy_names.insert((table, name), id);
    }

    /// A live policy of this name on another table: the first one, in creation order.
    pub(super) fn policy_name_elsewhere(&self, name: &str, table: TableId) -> Option<PolicyId> {
        self.policies_named.get(name).find(|&id| {
            self.policies
                .get(id)
                .is_some_and(|p| p.dropped.is_none() && p.name == name && p.table != table)
        })
    }

    pub(super) fn alter_policy(&mut self, at: &At, ap: &AlterPolicy) {
        let Some(table) = self.touch_table(&ap.table) else {
            return;
        };
        let Some(&id) = self.policy_names.get(&(table, Name::from(&ap.name.value))) else {
            return;
        };
        let Some(to) = &ap.rename_to else {
            // `TO`, `USING`, `WITH CHECK`: each replaces the policy's own.
            if let Some(p) = self.policies.get_mut(id) {
                if let Some(roles) = &ap.roles {
                    p.roles = roles.iter().map(Name::from).collect();
                }
                if let Some(e) = &ap.using {
                    p.using = Some(Box::new((e.clone(), at.loc(ap.name.span))));
                }
                if let Some(e) = &ap.with_check {
                    p.with_check = Some(Box::new((e.clone(), at.loc(ap.name.span))));
                }
                p.defined = at.loc(ap.name.span);
            }
            return;
        };
        if let Some(&existing) = self.policy_names.get(&(table, Name::from(&to.value))) {
            if existing != id {
                self.fact(
                    at,
                    Fact::PolicyNameTaken {
                        name: to.value.clone(),
                        span: to.span,
                        table,
                        existing,
                        same_table: true,
                    },
                );
            }
            return;
        }
        // Renamed onto a name another table's policy bears: the same reuse as a CREATE.
        if let Some(existing) = self.policy_name_elsewhere(&to.value, table) {
            self.fact(
                at,
                Fact::PolicyNameTaken {
                    name: to.value.clone(),
                    span: to.span,
                    table,
                    existing,
                    same_table: false,
                },
            );
        }
        let schema = self
            .tables
            .get(table)
            .map_or_else(String::new, |t| t.schema.to_string());
        if let Some(p) = self.policies.get_mut(id) {
            p.renames.push_tight(Rename {
                at: at.loc(to.span),
                from: (schema.as_str().into(), p.name.clone()),
                to: (schema.into(), to.value.as_str().into()),
            });
            p.name = Name::from(&to.value);
        }
        self.policy_names
            .remove(&(table, Name::from(&ap.name.value)));
        self.policy_names.insert((table, Name::from(&to.value)), id);
        // The name lives again: a later drop of it must not point at an older drop.
        if let Some(t) = self.tables.get(table) {
            let key = (
                format!("{}.{}", t.schema, t.name).into(),
                to.value.as_str().into(),
            );
            self.dropped.remove(&(ObjectKind::Policy, key));
        }
        self.policies_named.insert_sorted(Name::from(&to.value), id);
    }

    pub(super) fn drop_policy(&mut self, at: &At, drop: &Drop, name: &QualifiedName) -> bool {
        let Some(on) = drop.on_table.as_ref() else {
            return false;
        };
        let loc = at.loc(name.span());
        let found = self.table(&self.rel_key(on)).and_then(|table| {
            self.policy_names
                .remove(&(table, Name::from(&name.name.value)))
        });
        if let Some(p) = found.and_then(|id| self.policies.get_mut(id)) {
            p.dropped = Some(loc);
        }
        // Even a policy the set never made is gone after this (or the statement failed).
        let key = on.key();
        self.mark_dropped(
            ObjectKind::Policy,
            (
                format!("{}.{}", key.0, key.1).into(),
                name.name.value.as_str().into(),
            ),
            loc,
        );
        found.is_some()
    }
}
