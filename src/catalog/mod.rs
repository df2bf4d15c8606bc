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

use crate::diagnostic::FileId;
use crate::source::Span;
use crate::syntax::{
    AlterPolicy, AlterPublication, AlterTable, AlterTableAction, ColumnDef, ConstraintKind,
    CreateIndex, CreatePolicy, CreatePublication, CreateTable, Drop, Ident, ObjectKind, ParsedFile,
    PolicyCommand, PublicationAction, PublicationTarget, QualifiedName, RenameObject, RenameTarget,
    Statement, Stmt, TableConstraint, quote_if_needed,
};
use std::collections::HashMap;

pub type TableId = usize;
pub type ColumnId = usize;
pub type IndexId = usize;
pub type PolicyId = usize;
pub type PublicationId = usize;

/// `(schema, name)`, normalised; unqualified names are in `public`.
pub type Key = (String, String);

/// A statement's place in the set: files in migration order, statements in file order (the
/// statements of a `DO` body come right after their `DO`). Orders like the replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub file: FileId,
    pub stmt: usize,
}

/// Where something happened: the statement, and the span of the object's name in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loc {
    pub file: FileId,
    /// Index into the file's `ParsedFile::statements`.
    pub stmt: usize,
    /// The object's name in that statement (or the most precise span available).
    pub span: Span,
    /// The whole statement.
    pub statement: Span,
}

impl Loc {
    pub fn pos(&self) -> Pos {
        Pos {
            file: self.file,
            stmt: self.stmt,
        }
    }
}

/// `schema.name` for messages, quoted where PostgreSQL would need it.
pub fn display_key(key: &Key) -> String {
    if key.0 == "public" {
        quote_if_needed(&key.1)
    } else {
        format!("{}.{}", quote_if_needed(&key.0), quote_if_needed(&key.1))
    }
}

/// `schema.name` for messages, as PostgreSQL's own messages show names (to be put in double
/// quotes): no quoting inside, `public` left out.
pub fn plain_key(key: &Key) -> String {
    if key.0 == "public" || key.0.is_empty() {
        key.1.clone()
    } else {
        format!("{}.{}", key.0, key.1)
    }
}

/// A name change of a table (`RENAME TO`, `SET SCHEMA`) or a column or policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub at: Loc,
    pub from: Key,
    pub to: Key,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// As written, lower case (`uuid`, `vector(1536)`); empty for implicit columns.
    pub data_type: String,
    pub type_span: Option<Span>,
    pub not_null: bool,
    /// Where the column was defined (its name in `CREATE TABLE` or `ADD COLUMN`); `None` when the
    /// column existed before the set (implicit).
    pub created: Option<Loc>,
    pub dropped: Option<Loc>,
    /// `RENAME COLUMN`s, in order (`from.1`/`to.1` are column names, `.0` the table's schema).
    pub renames: Vec<Rename>,
}

impl Column {
    pub fn is_live(&self) -> bool {
        self.dropped.is_none()
    }
    /// Alive just before `pos` (implicit columns count from the start).
    pub fn alive_at(&self, pos: Pos) -> bool {
        alive_at(self.created, self.dropped, pos)
    }
}

fn alive_at(created: Option<Loc>, dropped: Option<Loc>, pos: Pos) -> bool {
    created.is_none_or(|c| c.pos() < pos) && dropped.is_none_or(|d| d.pos() >= pos)
}

/// A primary key or unique constraint (also the column-level `PRIMARY KEY` / `UNIQUE`).
#[derive(Debug, Clone)]
pub struct KeyConstraint {
    pub name: Option<String>,
    pub columns: Vec<ColumnId>,
    pub created: Loc,
    pub dropped: Option<Loc>,
}

#[derive(Debug, Clone)]
pub struct ForeignKeyDef {
    pub name: Option<String>,
    pub columns: Vec<ColumnId>,
    /// The referenced table as written (normalised), and the table it resolved to when the
    /// constraint was created (`None` when the set never made or touched it).
    pub ref_key: Key,
    pub ref_table: Option<TableId>,
    pub ref_columns: Vec<String>,
    /// `ON DELETE …`.
    pub on_delete: crate::syntax::FkAction,
    pub created: Loc,
    pub dropped: Option<Loc>,
}

#[derive(Debug, Clone)]
pub struct Table {
    /// Current name (or the name it had when dropped).
    pub schema: String,
    pub name: String,
    /// `None`: the table existed before the set (only touched by it).
    pub created: Option<Loc>,
    pub dropped: Option<Loc>,
    pub renames: Vec<Rename>,
    pub temporary: bool,
    /// Created by `AS SELECT`, `PARTITION OF`, `LIKE`, or implicit: columns may be missing.
    pub columns_incomplete: bool,
    /// Every column ever defined (dropped ones too); see [`Column::is_live`].
    pub columns: Vec<Column>,
    pub primary_key: Option<KeyConstraint>,
    pub uniques: Vec<KeyConstraint>,
    pub foreign_keys: Vec<ForeignKeyDef>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// The statement that last enabled/disabled RLS.
    pub rls_changed: Option<Loc>,
    pub rls_forced_changed: Option<Loc>,
    /// Every index and policy ever made on the table (see [`Catalog::indexes_on`] and
    /// [`Catalog::policies_on`] for the live ones).
    pub index_ids: Vec<IndexId>,
    pub policy_ids: Vec<PolicyId>,
}

impl Table {
    pub fn key(&self) -> Key {
        (self.schema.clone(), self.name.clone())
    }
    pub fn display(&self) -> String {
        display_key(&self.key())
    }
    pub fn is_live(&self) -> bool {
        self.dropped.is_none()
    }
    /// The live column with this name.
    pub fn column(&self, name: &str) -> Option<ColumnId> {
        self.columns
            .iter()
            .position(|c| c.is_live() && c.name == name)
    }
    pub fn live_columns(&self) -> impl Iterator<Item = (ColumnId, &Column)> {
        self.columns.iter().enumerate().filter(|(_, c)| c.is_live())
    }
    pub fn live_uniques(&self) -> impl Iterator<Item = &KeyConstraint> {
        self.uniques.iter().filter(|u| u.dropped.is_none())
    }
    pub fn live_foreign_keys(&self) -> impl Iterator<Item = &ForeignKeyDef> {
        self.foreign_keys.iter().filter(|f| f.dropped.is_none())
    }
    /// The table's name just before `pos` (following renames), whether or not it was alive.
    pub fn key_at(&self, pos: Pos) -> Key {
        let mut key = self
            .renames
            .first()
            .map_or_else(|| self.key(), |r| r.from.clone());
        for r in &self.renames {
            if r.at.pos() < pos {
                key = r.to.clone();
            }
        }
        key
    }
    /// The name the table was created (or first seen) with.
    pub fn original_key(&self) -> Key {
        self.renames
            .first()
            .map_or_else(|| self.key(), |r| r.from.clone())
    }
    /// Alive just before `pos`.
    pub fn alive_at(&self, pos: Pos) -> bool {
        alive_at(self.created, self.dropped, pos)
    }
}

#[derive(Debug, Clone)]
pub struct Index {
    /// `None` for `CREATE INDEX ON t (…)` (PostgreSQL picks a name).
    pub name: Option<String>,
    pub table: TableId,
    /// Key columns in order; `None` for an expression element.
    pub columns: Vec<Option<ColumnId>>,
    pub unique: bool,
    pub partial: bool,
    pub created: Loc,
    pub dropped: Option<Loc>,
    /// The last `ALTER INDEX … RENAME TO`.
    pub renamed: Option<Loc>,
}

impl Index {
    /// Alive just before `pos`.
    pub fn alive_at(&self, pos: Pos) -> bool {
        alive_at(Some(self.created), self.dropped, pos)
    }
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub table: TableId,
    pub command: PolicyCommand,
    pub roles: Vec<String>,
    pub permissive: bool,
    pub created: Loc,
    pub dropped: Option<Loc>,
    /// `ALTER POLICY … RENAME TO` (keys are `(table schema, policy name)`).
    pub renames: Vec<Rename>,
}

impl Policy {
    /// Alive just before `pos`.
    pub fn alive_at(&self, pos: Pos) -> bool {
        alive_at(Some(self.created), self.dropped, pos)
    }
}

#[derive(Debug, Clone)]
pub struct Member {
    pub table: TableId,
    pub added: Loc,
    pub removed: Option<Loc>,
}

#[derive(Debug, Clone)]
pub struct Publication {
    pub name: String,
    /// `None`: made outside the set (e.g. Supabase's `supabase_realtime`).
    pub created: Option<Loc>,
    pub dropped: Option<Loc>,
    pub all_tables: bool,
    /// `FOR TABLES IN SCHEMA` (live entries).
    pub schemas: Vec<(String, Loc)>,
    /// Every membership ever (see [`Member::removed`]).
    pub members: Vec<Member>,
    /// The live members: table → index into `members` (keeps replay linear with big
    /// publications).
    live: HashMap<TableId, usize>,
}

impl Publication {
    pub fn live_member(&self, table: TableId) -> Option<&Member> {
        self.live.get(&table).and_then(|&i| self.members.get(i))
    }

    /// End a live membership (no-op when the table is not a member).
    fn remove_member(&mut self, table: TableId, loc: Loc) {
        if let Some(m) = self
            .live
            .remove(&table)
            .and_then(|i| self.members.get_mut(i))
        {
            m.removed = Some(loc);
        }
    }
}

/// Extensions, schemas and types: objects with a name and a life.
#[derive(Debug, Clone)]
pub struct Named {
    pub key: Key,
    pub created: Option<Loc>,
    pub dropped: Option<Loc>,
    /// The creating statement sat in a `DO` block with an `EXCEPTION` handler or under an
    /// availability guard (extensions).
    pub guarded: bool,
}

/// What a statement found when it ran against the schema built so far. Recorded during replay,
/// per statement, for the rules that judge a statement by what existed just before it.
#[derive(Debug, Clone)]
pub enum Fact {
    /// `CREATE <kind> name` (or `ALTER POLICY … RENAME TO name`) where an object of that name
    /// already existed, created by the set at `existing`. `kind` is what the statement creates;
    /// `existing_kind` what holds the name (they differ for `CREATE INDEX t` over table `t`).
    AlreadyExists {
        kind: ObjectKind,
        existing_kind: ObjectKind,
        name: String,
        span: Span,
        if_not_exists: bool,
        existing: Loc,
        /// The rename or `SET SCHEMA` that gave the existing object this name, if any (for an
        /// index: its table's move to this schema).
        renamed: Option<Loc>,
    },
    /// `ADD COLUMN c` of a column the table already has.
    ColumnExists {
        table: TableId,
        column: ColumnId,
        span: Span,
        if_not_exists: bool,
    },
    /// `ALTER PUBLICATION p ADD TABLE t` of a table already a member (added at `added`).
    AlreadyMember {
        publication: PublicationId,
        table: TableId,
        span: Span,
        added: Loc,
    },
    /// `DROP <kind> name` (or `DROP COLUMN`, with `kind` `Other` and `name` `table.column`) of
    /// something the set had already dropped. Names in facts are plain (see [`plain_key`]).
    AlreadyDropped {
        kind: ObjectKind,
        name: String,
        span: Span,
        if_exists: bool,
        dropped: Loc,
    },
    /// `CREATE POLICY name ON table` while a policy of that name existed: on the same table
    /// (`same_table`, PostgreSQL rejects it) or on another one.
    PolicyNameTaken {
        name: String,
        span: Span,
        table: TableId,
        existing: PolicyId,
        same_table: bool,
    },
    /// `DROP TABLE` of a table (implicit ones too).
    TableDropped { table: TableId, span: Span },
    /// `DROP COLUMN`.
    ColumnDropped {
        table: TableId,
        column: ColumnId,
        span: Span,
    },
    /// `TRUNCATE` of a table.
    Truncated { table: TableId, span: Span },
    /// `ALTER COLUMN c TYPE t` of a column the set knows: its type just before (as written
    /// where it was defined, or `""` for a column only known from a mention).
    ColumnTypeChanged {
        table: TableId,
        column: ColumnId,
        before: String,
        span: Span,
    },
}

/// A relation name's holder (tables, indexes, views and sequences share PostgreSQL's namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rel {
    Table(TableId),
    Index(IndexId),
    Other {
        kind: ObjectKind,
        created: Loc,
        renamed: Option<Loc>,
    },
}

/// Schema objects after replaying the set, with their history.
#[derive(Debug, Default)]
pub struct Catalog {
    pub tables: Vec<Table>,
    pub indexes: Vec<Index>,
    pub policies: Vec<Policy>,
    pub publications: Vec<Publication>,
    pub schemas: Vec<Named>,
    pub extensions: Vec<Named>,
    pub types: Vec<Named>,
    /// Per file, `(statement index, fact)` in statement order.
    facts: Vec<Vec<(usize, Fact)>>,

    // Live name maps (the final state once replay is done).
    relations: HashMap<Key, Rel>,
    policy_names: HashMap<(TableId, String), PolicyId>,
    /// Every policy that ever bore a name (creation or rename), in creation order.
    policies_named: HashMap<String, Vec<PolicyId>>,
    publication_names: HashMap<String, PublicationId>,
    schema_names: HashMap<String, usize>,
    extension_names: HashMap<String, usize>,
    type_names: HashMap<Key, usize>,
    /// The entries of `types` that are domains (types and domains share one namespace).
    domains: std::collections::HashSet<usize>,
    // History: every table that ever bore a name, and the last drop of a name.
    table_history: HashMap<Key, Vec<TableId>>,
    dropped: HashMap<(ObjectKind, Key), Loc>,
    /// Table names the set renamed away (no table bears them until one is created).
    gone: HashMap<Key, Loc>,
    /// Foreign keys by the table they reference: `(referencing table, index in its
    /// foreign_keys)`, so a drop finds them without scanning every table.
    referenced_by: HashMap<TableId, Vec<(TableId, usize)>>,
    /// What each file created, built on first use (see [`Catalog::created_in`]).
    by_file: std::sync::OnceLock<Vec<FileObjects>>,
    /// Foreign key cycle components per table, built on first use.
    fk_components: std::sync::OnceLock<Vec<Option<usize>>>,
}

/// Replay state for one statement.
struct At<'s> {
    file: FileId,
    stmt: usize,
    statement: &'s Statement,
}

impl At<'_> {
    fn loc(&self, span: Span) -> Loc {
        Loc {
            file: self.file,
            stmt: self.stmt,
            span,
            statement: self.statement.span,
        }
    }
}

/// The name PostgreSQL gives an unnamed primary key, unique or foreign key constraint
/// (`t_pkey`, `t_a_b_key`, `t_a_fkey`), shortened to fit 63 bytes the way PostgreSQL's
/// `makeObjectName` does. (A name already taken would get a number appended; not modelled.)
fn default_constraint_name(table: &str, kind: &ConstraintKind) -> Option<String> {
    let (columns, label): (&[Ident], &str) = match kind {
        ConstraintKind::PrimaryKey(_) => (&[], "pkey"),
        ConstraintKind::Unique(cols) => (cols, "key"),
        ConstraintKind::ForeignKey(fk) => (&fk.columns, "fkey"),
        _ => return None,
    };
    let joined = columns
        .iter()
        .map(|c| c.value.as_str())
        .collect::<Vec<_>>()
        .join("_");
    let name2 = (!joined.is_empty()).then_some(joined.as_str());
    Some(make_object_name(table, name2, label))
}

/// PostgreSQL's `makeObjectName`: `name1[_name2]_label`, the longer of the two names
/// shortened first until the whole fits in 63 bytes (on character boundaries).
fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    const MAX: usize = 63;
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = MAX.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while n > 0 && !s.is_char_boundary(n) {
            n -= 1;
        }
        s.get(..n).unwrap_or_default().to_string()
    };
    let mut out = clip(name1, n1);
    if let Some(name2) = name2 {
        out.push('_');
        out.push_str(&clip(name2, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

fn ident_key(id: &Ident) -> Key {
    (String::new(), id.value.clone())
}

impl Catalog {
    /// Replay every file's statements in migration order; a file's [`FileId`] is its position.
    pub fn replay<'a>(files: impl IntoIterator<Item = &'a ParsedFile>) -> Catalog {
        let mut catalog = Catalog::default();
        for (file, parsed) in files.into_iter().enumerate() {
            catalog.facts.push(Vec::new());
            for (stmt, statement) in parsed.statements.iter().enumerate() {
                catalog.apply(&At {
                    file,
                    stmt,
                    statement,
                });
            }
        }
        catalog
    }

    // ----- queries ------------------------------------------------------------------------

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
            Some(Rel::Table(id)) => Some(*id),
            _ => None,
        }
    }

    /// The table that bore this name just before `pos` (implicit tables count from their first
    /// mention).
    pub fn table_at(&self, key: &Key, pos: Pos) -> Option<TableId> {
        self.table_history.get(key)?.iter().copied().find(|&id| {
            self.tables
                .get(id)
                .is_some_and(|t| t.alive_at(pos) && &t.key_at(pos) == key)
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

    // ----- replay -------------------------------------------------------------------------

    fn fact(&mut self, at: &At, fact: Fact) {
        if let Some(file) = self.facts.get_mut(at.file) {
            file.push((at.stmt, fact));
        }
    }

    fn apply(&mut self, at: &At) {
        match &at.statement.kind {
            Stmt::CreateTable(ct) => self.create_table(at, ct),
            Stmt::AlterTable(alter) => self.alter_table(at, alter),
            Stmt::CreateIndex(ci) => self.create_index(at, ci),
            Stmt::Drop(drop) => self.drop(at, drop),
            Stmt::Truncate { tables, .. } => {
                for name in tables {
                    if let Some(table) = self.touch_table(name) {
                        self.fact(
                            at,
                            Fact::Truncated {
                                table,
                                span: name.span(),
                            },
                        );
                    }
                }
            }
            Stmt::CreateSchema {
                name,
                if_not_exists,
            } => self.create_named(
                at,
                ObjectKind::Schema,
                ident_key(name),
                name.span,
                *if_not_exists,
            ),
            Stmt::CreateExtension {
                name,
                if_not_exists,
                ..
            } => self.create_named(
                at,
                ObjectKind::Extension,
                ident_key(name),
                name.span,
                *if_not_exists,
            ),
            Stmt::CreateType { name, kind, .. } => {
                self.create_named(at, *kind, name.key(), name.span(), false)
            }
            Stmt::CreateSequence {
                name,
                if_not_exists,
            } => self.create_other_relation(at, ObjectKind::Sequence, name, *if_not_exists, false),
            Stmt::CreateView {
                name,
                or_replace,
                materialized,
                if_not_exists,
                ..
            } => {
                let kind = if *materialized {
                    ObjectKind::MaterializedView
                } else {
                    ObjectKind::View
                };
                self.create_other_relation(at, kind, name, *if_not_exists, *or_replace)
            }
            Stmt::CreatePolicy(cp) => self.create_policy(at, cp),
            Stmt::AlterPolicy(ap) => self.alter_policy(at, ap),
            Stmt::CreatePublication(cp) => self.create_publication(at, cp),
            Stmt::AlterPublication(ap) => self.alter_publication(at, ap),
            Stmt::RenameObject(r) => self.rename_object(at, r),
            _ => {}
        }
    }

    /// The key a relation name resolves to: an unqualified name finds a temporary table first.
    fn rel_key(&self, name: &QualifiedName) -> Key {
        if name.schema.is_none() {
            let temp = ("pg_temp".to_string(), name.name.value.clone());
            if self.relations.contains_key(&temp) {
                return temp;
            }
        }
        name.key()
    }

    /// The live table of this name, or an implicit one when the set never made (nor dropped)
    /// it. `None` when the name is not a table (an index, a view) or the set dropped it.
    fn touch_table(&mut self, name: &QualifiedName) -> Option<TableId> {
        let key = self.rel_key(name);
        match self.relations.get(&key) {
            Some(Rel::Table(id)) => return Some(*id),
            Some(_) => return None,
            None => {}
        }
        if self.dropped.contains_key(&(ObjectKind::Table, key.clone()))
            || self.gone.contains_key(&key)
        {
            return None;
        }
        let id = self.new_table(key, None, false, true);
        Some(id)
    }

    fn new_table(
        &mut self,
        key: Key,
        created: Option<Loc>,
        temporary: bool,
        columns_incomplete: bool,
    ) -> TableId {
        let id = self.tables.len();
        self.tables.push(Table {
            schema: key.0.clone(),
            name: key.1.clone(),
            created,
            dropped: None,
            renames: Vec::new(),
            temporary,
            columns_incomplete,
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            rls_enabled: false,
            rls_forced: false,
            rls_changed: None,
            rls_forced_changed: None,
            index_ids: Vec::new(),
            policy_ids: Vec::new(),
        });
        self.table_history.entry(key.clone()).or_default().push(id);
        self.relations.insert(key, Rel::Table(id));
        id
    }

    /// Where the current holder of a relation name was created (`None` for implicit tables),
    /// and the rename that gave it the name.
    fn relation_origin(&self, rel: Rel) -> Option<(ObjectKind, Loc, Option<Loc>)> {
        let last_rename = |t: &Table| t.renames.last().map(|r| r.at);
        match rel {
            Rel::Table(id) => {
                let t = self.tables.get(id)?;
                Some((ObjectKind::Table, t.created?, last_rename(t)))
            }
            Rel::Index(id) => {
                let i = self.indexes.get(id)?;
                // Its own rename, or its table's move to another schema, whichever came last.
                let moved = self.tables.get(i.table).and_then(|t| {
                    t.renames
                        .iter()
                        .rev()
                        .find(|r| r.from.0 != r.to.0 && r.at.pos() > i.created.pos())
                        .map(|r| r.at)
                });
                let renamed = match (i.renamed, moved) {
                    (Some(a), Some(b)) => Some(if a.pos() > b.pos() { a } else { b }),
                    (a, b) => a.or(b),
                };
                Some((ObjectKind::Index, i.created, renamed))
            }
            Rel::Other {
                kind,
                created,
                renamed,
            } => Some((kind, created, renamed)),
        }
    }

    /// Record `AlreadyExists` for a relation name; `true` when the name is taken.
    fn relation_taken(
        &mut self,
        at: &At,
        kind: ObjectKind,
        key: &Key,
        span: Span,
        if_not_exists: bool,
    ) -> bool {
        let Some(rel) = self.relations.get(key).copied() else {
            return false;
        };
        if let Some((existing_kind, existing, renamed)) = self.relation_origin(rel) {
            self.fact(
                at,
                Fact::AlreadyExists {
                    kind,
                    existing_kind,
                    name: plain_key(key),
                    span,
                    if_not_exists,
                    existing,
                    renamed,
                },
            );
        }
        true
    }

    fn create_table(&mut self, at: &At, ct: &CreateTable) {
        // Temporary tables live in the session's own schema, searched first.
        let key = match (&ct.name.schema, ct.temporary) {
            (None, true) => ("pg_temp".to_string(), ct.name.name.value.clone()),
            _ => ct.name.key(),
        };
        let loc = at.loc(ct.name.span());
        let id = match self.relations.get(&key).copied() {
            // Touched before it was created (`ALTER TABLE IF EXISTS`, a policy on a table made
            // outside the set…): what the set knew was a guess; the definition wins.
            Some(Rel::Table(id)) if self.tables.get(id).is_some_and(|t| t.created.is_none()) => {
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
    fn define_column(&mut self, at: &At, table: TableId, column: ColumnId, def: &ColumnDef) {
        if let Some(c) = self
            .tables
            .get_mut(table)
            .and_then(|t| t.columns.get_mut(column))
        {
            c.data_type = def.data_type.clone();
            c.type_span = Some(def.data_type_span);
            c.not_null = def.not_null;
            c.created = Some(at.loc(def.name.span));
        }
    }

    fn add_column(&mut self, at: &At, table: TableId, def: &ColumnDef) -> Option<ColumnId> {
        let t = self.tables.get_mut(table)?;
        t.columns.push(Column {
            name: def.name.value.clone(),
            data_type: def.data_type.clone(),
            type_span: Some(def.data_type_span),
            not_null: def.not_null,
            created: Some(at.loc(def.name.span)),
            dropped: None,
            renames: Vec::new(),
        });
        Some(t.columns.len() - 1)
    }

    /// The live column of a table, or an implicit one when the table may have columns the set
    /// does not know.
    fn touch_column(&mut self, table: TableId, name: &str) -> Option<ColumnId> {
        let t = self.tables.get_mut(table)?;
        if let Some(id) = t.column(name) {
            return Some(id);
        }
        if !t.columns_incomplete {
            return None;
        }
        t.columns.push(Column {
            name: name.to_string(),
            data_type: String::new(),
            type_span: None,
            not_null: false,
            created: None,
            dropped: None,
            renames: Vec::new(),
        });
        Some(t.columns.len() - 1)
    }

    fn columns_of(&mut self, table: TableId, names: &[Ident]) -> Vec<ColumnId> {
        names
            .iter()
            .filter_map(|n| self.touch_column(table, &n.value))
            .collect()
    }

    fn add_constraint(&mut self, at: &At, table: TableId, c: &TableConstraint) {
        // Unnamed constraints get PostgreSQL's generated name, so a later
        // `DROP CONSTRAINT t_user_id_fkey` finds them.
        let name = match &c.name {
            Some(n) => Some(n.value.clone()),
            None => self
                .tables
                .get(table)
                .and_then(|t| default_constraint_name(&t.name, &c.kind)),
        };
        let span = c.name.as_ref().map_or(c.span, |n| n.span);
        match &c.kind {
            ConstraintKind::PrimaryKey(cols) => {
                let columns = self.columns_of(table, cols);
                if let Some(t) = self.tables.get_mut(table) {
                    t.primary_key = Some(KeyConstraint {
                        name,
                        columns,
                        created: at.loc(span),
                        dropped: None,
                    });
                }
            }
            ConstraintKind::Unique(cols) => {
                let columns = self.columns_of(table, cols);
                if let Some(t) = self.tables.get_mut(table) {
                    t.uniques.push(KeyConstraint {
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
                        self.referenced_by
                            .entry(target)
                            .or_default()
                            .push((table, t.foreign_keys.len()));
                    }
                    t.foreign_keys.push(ForeignKeyDef {
                        name,
                        columns,
                        ref_key,
                        ref_table,
                        ref_columns: fk.ref_columns.iter().map(|i| i.value.clone()).collect(),
                        on_delete: fk.on_delete,
                        created: at.loc(span),
                        dropped: None,
                    });
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
    fn alter_table(&mut self, at: &At, alter: &AlterTable) {
        let key = self.rel_key(&alter.name);
        // ALTER TABLE also renames views and sequences; follow those names too.
        if let Some(Rel::Other { kind, created, .. }) = self.relations.get(&key).copied() {
            for action in &alter.actions {
                let (new_key, span) = match &action.action {
                    AlterTableAction::RenameTable { to } => {
                        ((key.0.clone(), to.value.clone()), to.span)
                    }
                    AlterTableAction::SetSchema { schema } => {
                        ((schema.value.clone(), key.1.clone()), schema.span)
                    }
                    _ => continue,
                };
                self.relations.remove(&key);
                self.dropped.remove(&(kind, new_key.clone()));
                self.relations.insert(
                    new_key,
                    Rel::Other {
                        kind,
                        created,
                        renamed: Some(at.loc(span)),
                    },
                );
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
                        && let Some(c) = t.columns.get_mut(column)
                    {
                        c.renames.push(Rename {
                            at: at.loc(to.span),
                            from: (t.schema.clone(), c.name.clone()),
                            to: (t.schema.clone(), to.value.clone()),
                        });
                        c.name = to.value.clone();
                    }
                }
                AlterTableAction::RenameTable { to } => {
                    let Some(t) = self.tables.get(table) else {
                        continue;
                    };
                    let new_key = (t.schema.clone(), to.value.clone());
                    self.rename_table(at, table, new_key, to.span);
                }
                AlterTableAction::SetSchema { schema } => {
                    let Some(t) = self.tables.get(table) else {
                        continue;
                    };
                    let new_key = (schema.value.clone(), t.name.clone());
                    self.rename_table(at, table, new_key, schema.span);
                }
                AlterTableAction::AddConstraint(c) => self.add_constraint(at, table, c),
                AlterTableAction::DropConstraint { name, .. } => {
                    if let Some(t) = self.tables.get_mut(table) {
                        let hit = |k: &Option<String>| k.as_deref() == Some(name.value.as_str());
                        if t.primary_key.as_ref().is_some_and(|pk| hit(&pk.name)) {
                            t.primary_key = None;
                        }
                        for u in t.uniques.iter_mut().filter(|u| u.dropped.is_none()) {
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
                        let rename = |k: &mut Option<String>| {
                            if k.as_deref() == Some(from.value.as_str()) {
                                *k = Some(to.value.clone());
                            }
                        };
                        if let Some(pk) = t.primary_key.as_mut() {
                            rename(&mut pk.name);
                        }
                        t.uniques.iter_mut().for_each(|u| rename(&mut u.name));
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
                        t.rls_forced_changed = Some(loc);
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
        let before = std::mem::replace(&mut c.data_type, data_type.to_string());
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

    fn rename_table(&mut self, at: &At, table: TableId, new_key: Key, span: Span) {
        let Some(t) = self.tables.get_mut(table) else {
            return;
        };
        let old_key = t.key();
        if old_key == new_key {
            return;
        }
        t.renames.push(Rename {
            at: at.loc(span),
            from: old_key.clone(),
            to: new_key.clone(),
        });
        t.schema = new_key.0.clone();
        t.name = new_key.1.clone();
        self.relations.remove(&old_key);
        self.relations.insert(new_key.clone(), Rel::Table(table));
        self.dropped.remove(&(ObjectKind::Table, new_key.clone()));
        self.gone.remove(&new_key);
        self.gone.insert(old_key.clone(), at.loc(span));
        let history = self.table_history.entry(new_key.clone()).or_default();
        if !history.contains(&table) {
            history.push(table);
        }
        // Indexes live in their table's schema.
        if old_key.0 != new_key.0 {
            let moved: Vec<(IndexId, String)> = self
                .indexes_on(table)
                .filter_map(|(id, i)| i.name.clone().map(|n| (id, n)))
                .collect();
            for (id, name) in moved {
                self.relations.remove(&(old_key.0.clone(), name.clone()));
                self.relations
                    .insert((new_key.0.clone(), name), Rel::Index(id));
            }
        }
    }

    /// `ALTER INDEX/VIEW/SEQUENCE/TYPE/SCHEMA … RENAME TO` / `SET SCHEMA`.
    fn rename_object(&mut self, at: &At, r: &RenameObject) {
        let new_key = |old: &Key| match &r.to {
            RenameTarget::Name(to) => (old.0.clone(), to.value.clone()),
            RenameTarget::Schema(s) => (s.value.clone(), old.1.clone()),
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
                        self.rename_table(at, table, new, span);
                    }
                    Rel::Index(id) => {
                        // An index stays in its table's schema: only RENAME TO moves it.
                        if let (RenameTarget::Name(to), Some(index)) =
                            (&r.to, self.indexes.get_mut(id))
                        {
                            index.name = Some(to.value.clone());
                            index.renamed = Some(at.loc(to.span));
                            self.relations.remove(&old);
                            // A later drop of the new name points at drops after this rename.
                            self.dropped.remove(&(ObjectKind::Index, new.clone()));
                            self.relations.insert(new, rel);
                        }
                    }
                    Rel::Other { kind, created, .. } => {
                        let span = match &r.to {
                            RenameTarget::Name(i) | RenameTarget::Schema(i) => i.span,
                        };
                        self.relations.remove(&old);
                        self.dropped.remove(&(kind, new.clone()));
                        self.relations.insert(
                            new,
                            Rel::Other {
                                kind,
                                created,
                                renamed: Some(at.loc(span)),
                            },
                        );
                    }
                }
            }
        }
    }

    /// `ALTER SCHEMA a RENAME TO b` moves everything in it.
    fn rename_schema(&mut self, at: &At, from: &str, to: &Ident) {
        if let Some(i) = self.schema_names.remove(from) {
            if let Some(s) = self.schemas.get_mut(i) {
                s.key.1 = to.value.clone();
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
            self.rename_table(at, id, (to.value.clone(), name), to.span);
        }
        let others: Vec<(Key, Rel)> = self
            .relations
            .iter()
            .filter(|(k, r)| k.0 == from && matches!(r, Rel::Other { .. }))
            .map(|(k, r)| (k.clone(), *r))
            .collect();
        for (key, rel) in others {
            self.relations.remove(&key);
            self.relations.insert((to.value.clone(), key.1), rel);
        }
        let types: Vec<Key> = self
            .type_names
            .keys()
            .filter(|k| k.0 == from)
            .cloned()
            .collect();
        for key in types {
            if let Some(i) = self.type_names.remove(&key) {
                let new = (to.value.clone(), key.1);
                if let Some(t) = self.types.get_mut(i) {
                    t.key = new.clone();
                }
                self.type_names.insert(new, i);
            }
        }
    }

    fn drop_column(&mut self, at: &At, table: TableId, name: &Ident, if_exists: bool) {
        let Some(column) = self.touch_column(table, &name.value) else {
            // Not there: did the set drop it already?
            let previously = self.tables.get(table).and_then(|t| {
                t.columns
                    .iter()
                    .rev()
                    .find(|c| c.name == name.value)
                    .and_then(|c| c.dropped)
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
            if let Some(c) = t.columns.get_mut(column) {
                c.dropped = Some(loc);
            }
            // Indexes and constraints involving the column go with it.
            if t.primary_key
                .as_ref()
                .is_some_and(|pk| pk.columns.contains(&column))
            {
                t.primary_key = None;
                in_primary_key = true;
            }
            for u in t.uniques.iter_mut().filter(|u| u.dropped.is_none()) {
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
    fn drop_foreign_keys_to(&mut self, table: TableId, column: Option<(&str, bool)>, loc: Loc) {
        let Some(refs) = self.referenced_by.get(&table) else {
            return;
        };
        for &(id, fk) in refs {
            if id == table {
                continue;
            }
            let Some(t) = self.tables.get_mut(id) else {
                continue;
            };
            if t.dropped.is_some() {
                continue;
            }
            if let Some(f) = t.foreign_keys.get_mut(fk)
                && f.dropped.is_none()
                && f.ref_table == Some(table)
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

    fn index_key(&self, index: &Index) -> Option<Key> {
        let name = index.name.clone()?;
        let schema = self.tables.get(index.table)?.schema.clone();
        Some((schema, name))
    }

    fn drop_index(&mut self, id: IndexId, loc: Loc) {
        let Some(index) = self.indexes.get(id) else {
            return;
        };
        if let Some(key) = self.index_key(index) {
            if self.relations.get(&key) == Some(&Rel::Index(id)) {
                self.relations.remove(&key);
            }
            self.mark_dropped(ObjectKind::Index, key, loc);
        }
        if let Some(index) = self.indexes.get_mut(id) {
            index.dropped = Some(loc);
        }
    }

    fn create_index(&mut self, at: &At, ci: &CreateIndex) {
        let Some(table) = self.touch_table(&ci.table) else {
            return;
        };
        let schema = self
            .tables
            .get(table)
            .map_or_else(|| "public".to_string(), |t| t.schema.clone());
        let key = ci.name.as_ref().map(|n| (schema, n.value.clone()));
        if let (Some(key), Some(name)) = (&key, &ci.name)
            && self.relation_taken(at, ObjectKind::Index, key, name.span, ci.if_not_exists)
        {
            return;
        }
        let columns: Vec<Option<ColumnId>> = ci
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
            t.index_ids.push(id);
        }
        self.indexes.push(Index {
            name: ci.name.as_ref().map(|n| n.value.clone()),
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
            self.relations.insert(key, Rel::Index(id));
        }
    }

    fn create_other_relation(
        &mut self,
        at: &At,
        kind: ObjectKind,
        name: &QualifiedName,
        if_not_exists: bool,
        or_replace: bool,
    ) {
        let key = self.rel_key(name);
        if let Some(Rel::Other { kind: k, .. }) = self.relations.get(&key)
            && *k == kind
            && or_replace
        {
            return;
        }
        if self.relation_taken(at, kind, &key, name.span(), if_not_exists) {
            return;
        }
        self.dropped.remove(&(kind, key.clone()));
        self.relations.insert(
            key,
            Rel::Other {
                kind,
                created: at.loc(name.span()),
                renamed: None,
            },
        );
    }

    fn create_named(
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
            ObjectKind::Schema => self.schema_names.get(&key.1).copied(),
            ObjectKind::Extension => self.extension_names.get(&key.1).copied(),
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
                self.schema_names.insert(key.1, self.schemas.len() - 1);
            }
            ObjectKind::Extension => {
                self.extensions.push(named);
                self.extension_names
                    .insert(key.1, self.extensions.len() - 1);
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

    fn drop(&mut self, at: &At, drop: &Drop) {
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
                            self.drop_index(id, at.loc(span));
                            true
                        }
                        _ => false,
                    }
                }
                ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Sequence => {
                    let key = self.rel_key(name);
                    match self.relations.get(&key).copied() {
                        Some(Rel::Other { kind, .. }) if kind == drop.kind => {
                            self.relations.remove(&key);
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
    fn mark_dropped(&mut self, kind: ObjectKind, key: Key, loc: Loc) {
        self.dropped.entry((kind, key)).or_insert(loc);
    }

    /// A `DROP` found nothing: if the set had dropped that name before, record it.
    fn prior_drop(&self, drop: &Drop, name: &QualifiedName) -> Option<Loc> {
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
                (format!("{}.{}", t.0, t.1), name.name.value.clone())
            }
            _ => self.rel_key(name),
        };
        self.dropped.get(&(kind, key)).copied()
    }

    /// A `DROP` found nothing, and the set had dropped that name before (at `dropped`).
    fn note_already_dropped(&mut self, at: &At, drop: &Drop, name: &QualifiedName, dropped: Loc) {
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
    fn drop_table(&mut self, at: &At, name: &QualifiedName, _if_exists: bool) -> bool {
        let key = self.rel_key(name);
        let table = match self.relations.get(&key) {
            Some(Rel::Table(id)) => *id,
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

    fn remove_table(&mut self, table: TableId, loc: Loc) {
        let Some(t) = self.tables.get_mut(table) else {
            return;
        };
        t.dropped = Some(loc);
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
                    (format!("{}.{}", key.0, key.1), name),
                    loc,
                );
            }
        }
        for p in &mut self.publications {
            p.remove_member(table, loc);
        }
    }

    fn drop_schema(&mut self, at: &At, name: &Ident, _cascade: bool) -> bool {
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

    fn create_policy(&mut self, at: &At, cp: &CreatePolicy) {
        let Some(table) = self.touch_table(&cp.table) else {
            return;
        };
        let name = cp.name.value.clone();
        if let Some(&existing) = self.policy_names.get(&(table, name.clone())) {
            self.fact(
                at,
                Fact::PolicyNameTaken {
                    name,
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
                    name: name.clone(),
                    span: cp.name.span,
                    table,
                    existing,
                    same_table: false,
                },
            );
        }
        let id = self.policies.len();
        if let Some(t) = self.tables.get_mut(table) {
            t.policy_ids.push(id);
        }
        self.policies_named
            .entry(name.clone())
            .or_default()
            .push(id);
        self.policies.push(Policy {
            name: name.clone(),
            table,
            command: cp.command,
            roles: cp.roles.clone(),
            permissive: cp.permissive,
            created: at.loc(cp.name.span),
            dropped: None,
            renames: Vec::new(),
        });
        if let Some(t) = self.tables.get(table) {
            let key = (format!("{}.{}", t.schema, t.name), name.clone());
            self.dropped.remove(&(ObjectKind::Policy, key));
        }
        self.policy_names.insert((table, name), id);
    }

    /// A live policy of this name on another table: the first one, in creation order.
    fn policy_name_elsewhere(&self, name: &str, table: TableId) -> Option<PolicyId> {
        self.policies_named
            .get(name)
            .into_iter()
            .flatten()
            .copied()
            .find(|&id| {
                self.policies
                    .get(id)
                    .is_some_and(|p| p.dropped.is_none() && p.name == name && p.table != table)
            })
    }

    fn alter_policy(&mut self, at: &At, ap: &AlterPolicy) {
        let Some(to) = &ap.rename_to else {
            return;
        };
        let Some(table) = self.touch_table(&ap.table) else {
            return;
        };
        let Some(&id) = self.policy_names.get(&(table, ap.name.value.clone())) else {
            return;
        };
        if let Some(&existing) = self.policy_names.get(&(table, to.value.clone())) {
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
            .map_or_else(String::new, |t| t.schema.clone());
        if let Some(p) = self.policies.get_mut(id) {
            p.renames.push(Rename {
                at: at.loc(to.span),
                from: (schema.clone(), p.name.clone()),
                to: (schema, to.value.clone()),
            });
            p.name = to.value.clone();
        }
        self.policy_names.remove(&(table, ap.name.value.clone()));
        self.policy_names.insert((table, to.value.clone()), id);
        // The name lives again: a later drop of it must not point at an older drop.
        if let Some(t) = self.tables.get(table) {
            let key = (format!("{}.{}", t.schema, t.name), to.value.clone());
            self.dropped.remove(&(ObjectKind::Policy, key));
        }
        let named = self.policies_named.entry(to.value.clone()).or_default();
        if !named.contains(&id) {
            named.push(id);
            named.sort_unstable();
        }
    }

    fn drop_policy(&mut self, at: &At, drop: &Drop, name: &QualifiedName) -> bool {
        let Some(on) = drop.on_table.as_ref() else {
            return false;
        };
        let loc = at.loc(name.span());
        let found = self
            .table(&self.rel_key(on))
            .and_then(|table| self.policy_names.remove(&(table, name.name.value.clone())));
        if let Some(p) = found.and_then(|id| self.policies.get_mut(id)) {
            p.dropped = Some(loc);
        }
        // Even a policy the set never made is gone after this (or the statement failed).
        let key = on.key();
        self.mark_dropped(
            ObjectKind::Policy,
            (format!("{}.{}", key.0, key.1), name.name.value.clone()),
            loc,
        );
        found.is_some()
    }

    /// The live publication of this name, or an implicit one (Supabase makes
    /// `supabase_realtime`); `None` when the set dropped it.
    fn touch_publication(&mut self, name: &Ident) -> Option<PublicationId> {
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

    fn new_publication(&mut self, name: &str, created: Option<Loc>) -> PublicationId {
        let id = self.publications.len();
        self.publications.push(Publication {
            name: name.to_string(),
            created,
            dropped: None,
            all_tables: false,
            schemas: Vec::new(),
            members: Vec::new(),
            live: HashMap::new(),
        });
        self.publication_names.insert(name.to_string(), id);
        id
    }

    fn create_publication(&mut self, at: &At, cp: &CreatePublication) {
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

    fn add_schemas(&mut self, at: &At, id: PublicationId, schemas: &[Ident]) {
        if let Some(p) = self.publications.get_mut(id) {
            for s in schemas {
                if !p.schemas.iter().any(|(name, _)| *name == s.value) {
                    p.schemas.push((s.value.clone(), at.loc(s.span)));
                }
            }
        }
    }

    fn add_members(&mut self, at: &At, id: PublicationId, tables: &[QualifiedName], check: bool) {
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

    fn alter_publication(&mut self, at: &At, ap: &AlterPublication) {
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

mod derived;
pub use derived::FileObjects;

#[cfg(test)]
mod tests;
