//! Replay of `CREATE TABLE` and `ALTER TABLE`: columns, constraints, foreign keys.

use super::*;
use crate::syntax::{
    AlterTable, AlterTableAction, ColumnDef, ConstraintKind, CreateTable, Ident, ObjectKind,
    TableConstraint,
};

impl Catalog {
    pub(super) fn create_table(&mut self, at: &At, ct: &CreateTable) {
        // Temporary tables live in the session's own schema, searched first.
        let key = match (&ct.name.schema, ct.temporary) {
            (None, true) => ("pg_temp".into(), ct.name.name.value.as_str().into()),
            _ => ct.name.key(),
        };
        let loc = at.loc(ct.name.span());
        let id = match self.relations.get(&key).copied() {
            // Touched before it was created (`ALTER TABLE IF EXISTS`, a policy on a table made
            // outside the set…): what the set knew was a guess; the definition wins.
            Some(Rel::Table(id))
                if self
                    .tables
                    .get(id as usize)
                    .is_some_and(|t| t.created.is_none()) =>
            {
                let id = id as usize;
                if let Some(t) = self.tables.get_mut(id) {
                    t.created = Some(loc);
                    t.temporary = ct.temporary;
                    t.columns_incomplete = ct.columns_incomplete;
                }
                id
            }
            _ => {
                if self.relation_taken(
                    at,
                    ObjectKind::Table,
                    &key,
                    ct.name.span(),
                    ct.if_not_exists,
                ) {
                    // Either skipped (IF NOT EXISTS) or failing: the existing table stays.
                    return;
                }
                self.dropped.remove(&(ObjectKind::Table, key.clone()));
                self.gone.remove(&key);
                self.new_table(key, Some(loc), ct.temporary, ct.columns_incomplete)
            }
        };
        // Room for exactly the declared columns: doubling vectors were a third of the columns'
        // memory on a big set (replay's peak comes before `shrink_to_fit`).
        if let Some(t) = self.tables.get_mut(id) {
            t.columns.reserve_exact(ct.columns.len());
        }
        for column in &ct.columns {
            let implicit = self.tables.get(id).and_then(|t| {
                t.columns
                    .iter()
                    .position(|c| c.is_live() && c.created.is_none() && c.name == column.name.value)
            });
            match implicit {
                Some(cid) => self.define_column(at, id, cid, column),
                None => {
                    self.add_column(at, id, column);
                }
            }
        }
        for column in &ct.columns {
            for constraint in &column.constraints {
                self.add_constraint(at, id, constraint);
            }
        }
        for constraint in &ct.constraints {
            self.add_constraint(at, id, constraint);
        }
    }

    /// Give an implicit column (known only from an earlier mention) its definition.
    pub(super) fn define_column(
        &mut self,
        at: &At,
        table: TableId,
        column: ColumnId,
        def: &ColumnDef,
    ) {
        if let Some(c) = self
            .tables
            .get_mut(table)
            .and_then(|t| t.columns.get_mut(column))
        {
            c.data_type = Name::from(&def.data_type);
            c.not_null = def.not_null;
            c.created = Some(at.loc(def.name.span));
        }
    }

    pub(super) fn add_column(
        &mut self,
        at: &At,
        table: TableId,
        def: &ColumnDef,
    ) -> Option<ColumnId> {
        let t = self.tables.get_mut(table)?;
        // `CREATE TABLE` reserved its columns: a later `ADD COLUMN` must not double the vector.
        t.columns.push_tight(Column::new(
            Name::from(&def.name.value),
            Name::from(&def.data_type),
            def.not_null,
            Some(at.loc(def.name.span)),
        ));
        Some(t.columns.len() - 1)
    }

    /// The live column of a table, or an implicit one when the table may have columns the set
    /// does not know.
    pub(super) fn touch_column(&mut self, table: TableId, name: &str) -> Option<ColumnId> {
        let t = self.tables.get_mut(table)?;
        if let Some(id) = t.column(name) {
            return Some(id);
        }
        if !t.columns_incomplete {
            return None;
        }
        t.columns
            .push_tight(Column::new(Name::from(name), Name::default(), false, None));
        Some(t.columns.len() - 1)
    }

    pub(super) fn columns_of(&mut self, table: TableId, names: &[Ident]) -> ShortList<ColumnId> {
        names
            .iter()
            .filter_map(|n| self.touch_column(table, &n.value))
            .collect()
    }

    pub(super) fn add_constraint(&mut self, at: &At, table: TableId, c: &TableConstraint) {
        // Unnamed constraints get PostgreSQL's generated name, so a later
        // `DROP CONSTRAINT t_user_id_fkey` finds them.
        let name = match &c.name {
            Some(n) => Some(Name::from(&n.value)),
            None => self
                .tables
                .get(table)
                .and_then(|t| default_constraint_name(&t.name, &c.kind))
                .map(Name::from),
        };
        let span = c.name.as_ref().map_or(c.span, |n| n.span);
        match &c.kind {
            ConstraintKind::PrimaryKey(cols) => {
                let columns = self.columns_of(table, cols);
                if let Some(t) = self.tables.get_mut(table) {
                    t.primary_key = Some(Box::new(KeyConstraint {
                        name,
                        columns,
                        created: at.loc(span),
                        dropped: None,
                    }));
                }
            }
            ConstraintKind::Unique(cols) => {
                let columns = self.columns_of(table, cols);
                if let Some(t) = self.tables.get_mut(table) {
                    t.push_unique(KeyConstraint {
                        name,
                        columns,
                        created: at.loc(span),
                        dropped: None,
                    });
                }
            }
            ConstraintKind::ForeignKey(fk) => {
                let columns = self.columns_of(table, &fk.columns);
                let ref_key = self.rel_key(&fk.ref_table);
                let ref_table = self.touch_table(&fk.ref_table);
                if let Some(t) = self.tables.get_mut(table) {
                    if let Some(target) = ref_table {
                        self.referenced_by.push(
                            crate::catalog::small_id(target),
                            (
                                crate::catalog::small_id(table),
                                crate::catalog::small_id(t.foreign_keys.len()),
                            ),
                        );
                    }
                    t.foreign_keys.push_tight(ForeignKeyDef::new(
                        name,
                        columns,
                        ref_key,
                        ref_table,
                        fk.ref_columns
                            .iter()
                            .map(|i| Name::from(&i.value))
                            .collect(),
                        fk.on_delete,
                        at.loc(span),
                    ));
                }
            }
            ConstraintKind::Check
            | ConstraintKind::Exclude
            | ConstraintKind::NotNull(_)
            | ConstraintKind::Other => {}
        }
    }

    /// The name PostgreSQL gives an unnamed constraint (`clients_pkey`, `clients_email_key`,
    /// `meetings_client_id_fkey`), so a later `DROP CONSTRAINT` by that name is followed. Long
    /// names (PostgreSQL truncates them) and numbered duplicates are left unnamed.
    pub(super) fn alter_table(&mut self, at: &At, alter: &AlterTable) {
        let key = self.rel_key(&alter.name);
        // ALTER TABLE also renames views and sequences; follow those names too.
        if let Some(Rel::Other { kind, origin }) = self.relations.get(&key).copied()
            && let Some((created, _)) = self.other_origin(origin)
        {
            for action in &alter.actions {
                let (new_key, span) = match &action.action {
                    AlterTableAction::RenameTable { to } => {
                        ((key.0.clone(), to.value.as_str().into()), to.span)
                    }
                    AlterTableAction::SetSchema { schema } => {
                        ((schema.value.as_str().into(), key.1.clone()), schema.span)
                    }
                    _ => continue,
                };
                self.dropped.remove(&(kind, new_key.clone()));
                let rel = self.other_rel(kind, created, Some(at.loc(span)));
                self.move_other_relation(&key, new_key, rel);
                return;
            }
            return;
        }
        let Some(table) = self.touch_table(&alter.name) else {
            return;
        };
        for action in &alter.actions {
            let loc = at.loc(action.span);
            match &action.action {
                AlterTableAction::AddColumn {
                    if_not_exists,
                    column,
                } => {
                    let existing = self
                        .tables
                        .get(table)
                        .and_then(|t| t.column(&column.name.value));
                    let implicit = existing.is_some_and(|c| {
                        self.tables
                            .get(table)
                            .and_then(|t| t.columns.get(c))
                            .is_some_and(|c| c.created.is_none())
                    });
                    match existing {
                        // Only guessed from an earlier mention: this is its definition.
                        Some(existing) if implicit => {
                            self.define_column(at, table, existing, column);
                            for constraint in &column.constraints {
                                self.add_constraint(at, table, constraint);
                            }
                        }
                        Some(existing) => self.fact(
                            at,
                            Fact::ColumnExists {
                                table,
                                column: existing,
                                span: column.name.span,
                                if_not_exists: *if_not_exists,
                            },
                        ),
                        None => {
                            self.add_column(at, table, column);
                            for constraint in &column.constraints {
                                self.add_constraint(at, table, constraint);
                            }
                        }
                    }
                }
                AlterTableAction::DropColumn {
                    name, if_exists, ..
                } => self.drop_column(at, table, name, *if_exists),
                AlterTableAction::RenameColumn { from, to } => {
                    let Some(column) = self.touch_column(table, &from.value) else {
                        continue;
                    };
                    if let Some(t) = self.tables.get_mut(table)
                        && let Some(old) = t.columns.get(column).map(|c| c.name.clone())
                    {
                        let rename = Rename {
                            at: at.loc(to.span),
                            from: (t.schema.clone(), old),
                            to: (t.schema.clone(), to.value.as_str().into()),
                        };
                        t.push_column_rename(column, rename);
                        if let Some(c) = t.columns.get_mut(column) {
                            c.name = Name::from(&to.value);
                        }
                    }
                }
                AlterTableAction::RenameTable { to } => {
                    let Some(t) = self.tables.get(table) else {
                        continue;
                    };
                    let new_key = (t.schema.clone(), to.value.as_str().into());
                    self.rename_table(at, table, new_key, to.span);
                }
                AlterTableAction::SetSchema { schema } => {
                    let Some(t) = self.tables.get(table) else {
                        continue;
                    };
                    let new_key = (schema.value.as_str().into(), t.name.clone());
                    self.rename_table(at, table, new_key, schema.span);
                }
                AlterTableAction::AddConstraint(c) => self.add_constraint(at, table, c),
                AlterTableAction::DropConstraint { name, .. } => {
                    if let Some(t) = self.tables.get_mut(table) {
                        let hit = |k: &Option<Name>| k.as_deref() == Some(name.value.as_str());
                        if t.primary_key.as_ref().is_some_and(|pk| hit(&pk.name)) {
                            t.primary_key = None;
                        }
                        for u in t.uniques_mut().iter_mut().filter(|u| u.dropped.is_none()) {
                            if hit(&u.name) {
                                u.dropped = Some(loc);
                            }
                        }
                        for f in t.foreign_keys.iter_mut().filter(|f| f.dropped.is_none()) {
                            if hit(&f.name) {
                                f.dropped = Some(loc);
                            }
                        }
                    }
                }
                AlterTableAction::RenameConstraint { from, to } => {
                    if let Some(t) = self.tables.get_mut(table) {
                        let rename = |k: &mut Option<Name>| {
                            if k.as_deref() == Some(from.value.as_str()) {
                                *k = Some(Name::from(&to.value));
                            }
                        };
                        if let Some(pk) = t.primary_key.as_mut() {
                            rename(&mut pk.name);
                        }
                        t.uniques_mut().iter_mut().for_each(|u| rename(&mut u.name));
                        t.foreign_keys.iter_mut().for_each(|f| rename(&mut f.name));
                    }
                }
                AlterTableAction::EnableRls | AlterTableAction::DisableRls => {
                    if let Some(t) = self.tables.get_mut(table) {
                        t.rls_enabled = matches!(action.action, AlterTableAction::EnableRls);
                        t.rls_changed = Some(loc);
                    }
                }
                AlterTableAction::ForceRls | AlterTableAction::NoForceRls => {
                    if let Some(t) = self.tables.get_mut(table) {
                        t.rls_forced = matches!(action.action, AlterTableAction::ForceRls);
                        t.set_rls_forced_changed(loc);
                    }
                }
                AlterTableAction::AlterColumnType {
                    column, data_type, ..
                } => self.change_column_type(at, table, column, data_type),
                AlterTableAction::SetNotNull { column }
                | AlterTableAction::DropNotNull { column } => {
                    let not_null = matches!(action.action, AlterTableAction::SetNotNull { .. });
                    if let Some(t) = self.tables.get_mut(table)
                        && let Some(c) = t.column(&column.value)
                        && let Some(c) = t.columns.get_mut(c)
                    {
                        c.not_null = not_null;
                    }
                }
                AlterTableAction::SetDefault { .. }
                | AlterTableAction::DropDefault { .. }
                | AlterTableAction::ValidateConstraint { .. }
                | AlterTableAction::SetLogged { .. }
                | AlterTableAction::TriggerToggle
                | AlterTableAction::AttachPartition { .. }
                | AlterTableAction::DetachPartition { .. }
                | AlterTableAction::SetStatistics
                | AlterTableAction::Other(_) => {}
            }
        }
    }

    /// `ALTER COLUMN c TYPE t`: the fact keeps the type the column had before.
    fn change_column_type(&mut self, at: &At, table: TableId, column: &Ident, data_type: &str) {
        let Some(t) = self.tables.get_mut(table) else {
            return;
        };
        let Some(id) = t.column(&column.value) else {
            return;
        };
        let Some(c) = t.columns.get_mut(id) else {
            return;
        };
        let before = std::mem::replace(&mut c.data_type, Name::from(data_type)).to_string();
        self.fact(
            at,
            Fact::ColumnTypeChanged {
                table,
                column: id,
                before,
                span: column.span,
            },
        );
    }

    pub(super) fn drop_column(&mut self, at: &At, table: TableId, name: &Ident, if_exists: bool) {
        let Some(column) = self.touch_column(table, &name.value) else {
            // Not there: did the set drop it already?
            let previously = self.tables.get(table).and_then(|t| {
                let (column, _) = t
                    .columns
                    .iter()
                    .enumerate()
                    .rev()
                    .find(|(_, c)| c.name == name.value)?;
                t.column_dropped(column)
            });
            if let (Some(dropped), Some(t)) = (previously, self.tables.get(table)) {
                let display = format!("{}.{}", plain_key(&t.key()), name.value);
                self.fact(
                    at,
                    Fact::AlreadyDropped {
                        kind: ObjectKind::Other,
                        name: display,
                        span: name.span,
                        if_exists,
                        dropped,
                    },
                );
            }
            return;
        };
        let loc = at.loc(name.span);
        let mut in_primary_key = false;
        if let Some(t) = self.tables.get_mut(table) {
            t.drop_column(column, loc);
            // Indexes and constraints involving the column go with it.
            if t.primary_key
                .as_ref()
                .is_some_and(|pk| pk.columns.contains(&column))
            {
                t.primary_key = None;
                in_primary_key = true;
            }
            for u in t.uniques_mut().iter_mut().filter(|u| u.dropped.is_none()) {
                if u.columns.contains(&column) {
                    u.dropped = Some(loc);
                }
            }
            for f in t.foreign_keys.iter_mut().filter(|f| f.dropped.is_none()) {
                if f.columns.contains(&column) {
                    f.dropped = Some(loc);
                }
            }
        }
        // Foreign keys elsewhere that reference the column (DROP COLUMN … CASCADE).
        self.drop_foreign_keys_to(table, Some((&name.value, in_primary_key)), loc);
        let doomed: Vec<IndexId> = self
            .indexes_on(table)
            .filter(|(_, i)| i.columns.contains(&Some(column)))
            .map(|(id, _)| id)
            .collect();
        for id in doomed {
            self.drop_index(id, loc);
        }
        self.fact(
            at,
            Fact::ColumnDropped {
                table,
                column,
                span: name.span,
            },
        );
    }

    /// Drop the live foreign keys of other tables that reference `table` (or only its column
    /// `column`; `true` when that column was in the primary key, which `REFERENCES t` without a
    /// column list points at).
    pub(super) fn drop_foreign_keys_to(
        &mut self,
        table: TableId,
        column: Option<(&str, bool)>,
        loc: Loc,
    ) {
        for (id, fk) in self.referenced_by.get(&crate::catalog::small_id(table)) {
            let (id, fk) = (id as usize, fk as usize);
            if id == table {
                continue;
            }
            let Some(t) = self.tables.get_mut(id) else {
                continue;
            };
            if t.dropped().is_some() {
                continue;
            }
            if let Some(f) = t.foreign_keys.get_mut(fk)
                && f.dropped.is_none()
                && f.ref_table() == Some(table)
                && column.is_none_or(|(c, in_pk)| {
                    if f.ref_columns.is_empty() {
                        in_pk
                    } else {
                        f.ref_columns.iter().any(|r| r == c)
                    }
                })
            {
                f.dropped = Some(loc);
            }
        }
    }
}
