//! Object state: what the catalog knows about each table, column, index, policy, publication
//! and named object, with the places it was created, renamed and dropped.

use super::Name;
use crate::source::{FileId, Span};
use crate::syntax::{ObjectKind, PolicyCommand};
use foldhash::HashMap;
pub use thin_vec::ThinVec;

pub type TableId = usize;
pub type ColumnId = usize;
pub type IndexId = usize;
pub type PolicyId = usize;
pub type PublicationId = usize;

pub use crate::syntax::Key;

/// A push that grows a per-object list by an eighth (one element at a time below 16): replay's
/// doubling left a big set's lists mostly empty room (a table's tenth column after `CREATE
/// TABLE` reserved nine made room for twenty), and giving it back afterwards moved every list
/// to a smaller block, which left the allocator's pages a third full. A small block grown by
/// one mostly stays in its size class (no copy); a long list still grows geometrically.
pub(crate) trait PushTight<T> {
    fn push_tight(&mut self, item: T);
}

impl<T> PushTight<T> for Vec<T> {
    fn push_tight(&mut self, item: T) {
        if self.len() == self.capacity() {
            self.reserve_exact((self.len() / 8).max(1));
        }
        self.push(item);
    }
}

impl<T> PushTight<T> for ThinVec<T> {
    fn push_tight(&mut self, item: T) {
        if self.len() == self.capacity() {
            self.reserve_exact((self.len() / 8).max(1));
        }
        self.push(item);
    }
}

/// A short list that is almost always one long (the columns of a key, a foreign key or an
/// index): one element kept inline, more in a block of their own (a block per one-column list
/// was 5 MB of a big set's catalog). Reads as a slice; serialized as a sequence, as a vector.
#[derive(Clone, Eq)]
pub struct ShortList<T>(ShortRepr<T>);

#[derive(Clone, Eq, PartialEq)]
enum ShortRepr<T> {
    One(T),
    Many(ThinVec<T>),
}

impl<T> std::ops::Deref for ShortList<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match &self.0 {
            ShortRepr::One(item) => std::slice::from_ref(item),
            ShortRepr::Many(items) => items,
        }
    }
}

impl<T> Default for ShortList<T> {
    fn default() -> Self {
        ShortList(ShortRepr::Many(ThinVec::new()))
    }
}

impl<T> FromIterator<T> for ShortList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut items = items.into_iter();
        let Some(first) = items.next() else {
            return ShortList::default();
        };
        let Some(second) = items.next() else {
            return ShortList(ShortRepr::One(first));
        };
        let mut many = ThinVec::with_capacity(2 + items.size_hint().0);
        many.push(first);
        many.push(second);
        many.extend(items);
        ShortList(ShortRepr::Many(many))
    }
}

impl<'a, T> IntoIterator for &'a ShortList<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T> IntoIterator for ShortList<T> {
    type Item = T;
    type IntoIter = ShortListIntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        ShortListIntoIter(match self.0 {
            ShortRepr::One(item) => ShortIterRepr::One(Some(item)),
            ShortRepr::Many(items) => ShortIterRepr::Many(items.into_iter()),
        })
    }
}

/// The items of a [`ShortList`], by value.
pub struct ShortListIntoIter<T>(ShortIterRepr<T>);

enum ShortIterRepr<T> {
    One(Option<T>),
    Many(thin_vec::IntoIter<T>),
}

impl<T> Iterator for ShortListIntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match &mut self.0 {
            ShortIterRepr::One(item) => item.take(),
            ShortIterRepr::Many(items) => items.next(),
        }
    }
}

impl<T: PartialEq> PartialEq for ShortList<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for ShortList<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: serde::Serialize> serde::Serialize for ShortList<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for ShortList<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize(deserializer).map(|items| items.into_iter().collect())
    }
}

/// A statement's place in the set: files in migration order, statements in file order (the
/// statements of a `DO` body come right after their `DO`). Orders like the replay.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Pos {
    pub file: FileId,
    pub stmt: usize,
}

/// Where something happened: the statement, and the span of the object's name in it.
///
/// Stored compactly (16 bytes, and `Option<Loc>` too: a big set's catalog holds millions):
/// file and statement index as `u32`, the span as `u32` byte offsets. A value that does not
/// fit (a file past 4 GiB) saturates at `u32::MAX`. The whole statement's span is the file's
/// statement at [`Loc::stmt`].
#[derive(Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Loc {
    /// The file's id plus one (so that `Option<Loc>` needs no extra room).
    file: std::num::NonZeroU32,
    stmt: u32,
    span: [u32; 2],
}

fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Loc {
    /// `file`: the file's id; `stmt`: the index into its `ParsedFile::statements`; `span`: the
    /// object's name in that statement (or the most precise span available).
    pub fn new(file: FileId, stmt: usize, span: Span) -> Loc {
        Loc {
            file: std::num::NonZeroU32::MIN.saturating_add(narrow(file)),
            stmt: narrow(stmt),
            span: [narrow(span.start), narrow(span.end)],
        }
    }
    pub fn file(&self) -> FileId {
        (self.file.get() - 1) as usize
    }
    /// Index into the file's `ParsedFile::statements`.
    pub fn stmt(&self) -> usize {
        self.stmt as usize
    }
    /// The object's name in the statement (or the most precise span available).
    pub fn span(&self) -> Span {
        let [start, end] = self.span;
        Span {
            start: start as usize,
            end: end as usize,
        }
    }
    pub fn pos(&self) -> Pos {
        Pos {
            file: self.file(),
            stmt: self.stmt(),
        }
    }
}

impl std::fmt::Debug for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loc")
            .field("file", &self.file())
            .field("stmt", &self.stmt())
            .field("span", &self.span())
            .finish()
    }
}

/// `schema.name` for messages, quoted where PostgreSQL would need it (`public` left out).
pub fn display_key(key: &Key) -> String {
    crate::syntax::names::display(&key.0, &key.1)
}

/// `schema.name` for messages, as PostgreSQL's own messages show names (to be put in double
/// quotes): no quoting inside, `public` left out.
pub fn plain_key(key: &Key) -> String {
    crate::syntax::names::plain(&key.0, &key.1)
}

/// A name change of a table (`RENAME TO`, `SET SCHEMA`) or a column or policy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rename {
    pub at: Loc,
    pub from: Key,
    pub to: Key,
}

/// 28 bytes: a big set has hundreds of thousands of columns, and few of them are ever dropped
/// or renamed (where and how is kept by their table: [`Table::column_dropped`],
/// [`Table::column_renames`]).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Column {
    pub name: Name,
    /// As written, lower case (`uuid`, `vector(1536)`); empty for implicit columns.
    pub data_type: Name,
    pub not_null: bool,
    dropped: bool,
    /// Where the column was defined (its name in `CREATE TABLE` or `ADD COLUMN`); `None` when the
    /// column existed before the set (implicit).
    pub created: Option<Loc>,
}

impl Column {
    pub fn new(name: Name, data_type: Name, not_null: bool, created: Option<Loc>) -> Column {
        Column {
            name,
            data_type,
            not_null,
            dropped: false,
            created,
        }
    }
    pub fn is_live(&self) -> bool {
        !self.dropped
    }
}

/// What the set did to a column after defining it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct ColumnChanges {
    dropped: Option<Loc>,
    renames: Vec<Rename>,
}

/// What few tables have, boxed apart (a big set has tens of thousands of tables, most of them
/// never dropped, renamed or given a unique constraint).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct TableRare {
    dropped: Option<Loc>,
    renames: ThinVec<Rename>,
    uniques: ThinVec<KeyConstraint>,
    rls_forced_changed: Option<Loc>,
    /// By column id, sorted.
    column_changes: Vec<(u32, ColumnChanges)>,
}

fn alive_at(created: Option<Loc>, dropped: Option<Loc>, pos: Pos) -> bool {
    created.is_none_or(|c| c.pos() < pos) && dropped.is_none_or(|d| d.pos() >= pos)
}

/// A primary key or unique constraint (also the column-level `PRIMARY KEY` / `UNIQUE`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KeyConstraint {
    pub name: Option<Name>,
    pub columns: ShortList<ColumnId>,
    pub created: Loc,
    pub dropped: Option<Loc>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ForeignKeyDef {
    pub name: Option<Name>,
    pub columns: ShortList<ColumnId>,
    /// The referenced table as written (normalised), and the table it resolved to when the
    /// constraint was created (`None` when the set never made or touched it).
    pub ref_key: Key,
    /// The table's id plus one ([`ForeignKeyDef::ref_table`]): 4 bytes, not 16.
    ref_table: Option<std::num::NonZeroU32>,
    /// Inline when one column (as almost always): no block of its own per foreign key.
    pub ref_columns: ShortList<Name>,
    /// `ON DELETE …`.
    pub on_delete: crate::syntax::FkAction,
    pub created: Loc,
    pub dropped: Option<Loc>,
}

impl ForeignKeyDef {
    /// A live foreign key created at `created`.
    pub fn new(
        name: Option<Name>,
        columns: ShortList<ColumnId>,
        ref_key: Key,
        ref_table: Option<TableId>,
        ref_columns: ShortList<Name>,
        on_delete: crate::syntax::FkAction,
        created: Loc,
    ) -> ForeignKeyDef {
        ForeignKeyDef {
            name,
            columns,
            ref_key,
            ref_table: ref_table.map(|id| std::num::NonZeroU32::MIN.saturating_add(narrow(id))),
            ref_columns,
            on_delete,
            created,
            dropped: None,
        }
    }

    /// The table the key referenced when it was created (`None` when the set never made or
    /// touched it).
    pub fn ref_table(&self) -> Option<TableId> {
        self.ref_table.map(|id| (id.get() - 1) as usize)
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Table {
    /// Current name (or the name it had when dropped).
    pub schema: Name,
    pub name: Name,
    /// `None`: the table existed before the set (only touched by it).
    pub created: Option<Loc>,
    pub temporary: bool,
    /// Created by `AS SELECT`, `PARTITION OF`, `LIKE`, or implicit: columns may be missing.
    pub columns_incomplete: bool,
    /// Every column ever defined (dropped ones too); see [`Column::is_live`].
    pub columns: ThinVec<Column>,
    /// Boxed: implicit tables have none.
    pub primary_key: Option<Box<KeyConstraint>>,
    pub foreign_keys: ThinVec<ForeignKeyDef>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// The statement that last enabled/disabled RLS.
    pub rls_changed: Option<Loc>,
    /// Every index and policy ever made on the table (see [`Catalog::indexes_on`] and
    /// [`Catalog::policies_on`] for the live ones).
    pub index_ids: ThinVec<IndexId>,
    pub policy_ids: ThinVec<PolicyId>,
    /// Privileges on the table (see [`crate::catalog::ObjectAcl::allows`]).
    pub acl: crate::catalog::ObjectAcl,
    /// Its drop, renames, unique constraints, … (`None` while it has none).
    rare: Option<Box<TableRare>>,
}

impl Table {
    /// A table named `key`, created at `created` (`None`: implicit), with nothing in it yet.
    pub(crate) fn new(
        key: &Key,
        created: Option<Loc>,
        temporary: bool,
        columns_incomplete: bool,
        acl: crate::catalog::ObjectAcl,
    ) -> Table {
        Table {
            schema: key.0.clone(),
            name: key.1.clone(),
            created,
            temporary,
            columns_incomplete,
            columns: ThinVec::new(),
            primary_key: None,
            foreign_keys: ThinVec::new(),
            rls_enabled: false,
            rls_forced: false,
            rls_changed: None,
            index_ids: ThinVec::new(),
            policy_ids: ThinVec::new(),
            acl,
            rare: None,
        }
    }
    fn rare_mut(&mut self) -> &mut TableRare {
        self.rare.get_or_insert_default()
    }
    pub fn dropped(&self) -> Option<Loc> {
        self.rare.as_ref().and_then(|r| r.dropped)
    }
    pub(crate) fn set_dropped(&mut self, at: Option<Loc>) {
        if at.is_some() || self.rare.is_some() {
            self.rare_mut().dropped = at;
        }
    }
    /// Renames and moves to another schema, in order.
    pub fn renames(&self) -> &[Rename] {
        self.rare.as_ref().map_or(&[], |r| &r.renames)
    }
    pub(crate) fn push_rename(&mut self, rename: Rename) {
        self.rare_mut().renames.push_tight(rename);
    }
    /// Unique constraints, dropped ones too (see [`Table::live_uniques`]).
    pub fn uniques(&self) -> &[KeyConstraint] {
        self.rare.as_ref().map_or(&[], |r| &r.uniques)
    }
    pub(crate) fn push_unique(&mut self, unique: KeyConstraint) {
        self.rare_mut().uniques.push_tight(unique);
    }
    pub(crate) fn uniques_mut(&mut self) -> &mut [KeyConstraint] {
        match &mut self.rare {
            Some(rare) => &mut rare.uniques,
            None => &mut [],
        }
    }
    /// The statement that last forced or unforced row level security.
    pub fn rls_forced_changed(&self) -> Option<Loc> {
        self.rare.as_ref().and_then(|r| r.rls_forced_changed)
    }
    pub(crate) fn set_rls_forced_changed(&mut self, at: Loc) {
        self.rare_mut().rls_forced_changed = Some(at);
    }
    fn column_changes(&self, column: ColumnId) -> Option<&ColumnChanges> {
        let changes = &self.rare.as_ref()?.column_changes;
        let at = changes
            .binary_search_by_key(&column, |(c, _)| *c as usize)
            .ok()?;
        changes.get(at).map(|(_, c)| c)
    }
    fn column_changes_mut(&mut self, column: ColumnId) -> &mut ColumnChanges {
        let changes = &mut self.rare_mut().column_changes;
        let at = match changes.binary_search_by_key(&column, |(c, _)| *c as usize) {
            Ok(at) => at,
            Err(at) => {
                changes.insert(at, (narrow(column), ColumnChanges::default()));
                at
            }
        };
        &mut changes[at].1
    }
    /// Where column `column` was dropped.
    pub fn column_dropped(&self, column: ColumnId) -> Option<Loc> {
        self.column_changes(column).and_then(|c| c.dropped)
    }
    /// Column `column`'s `RENAME COLUMN`s, in order (`from.1`/`to.1` are column names, `.0`
    /// the table's schema).
    pub fn column_renames(&self, column: ColumnId) -> &[Rename] {
        self.column_changes(column).map_or(&[], |c| &c.renames)
    }
    pub(crate) fn drop_column(&mut self, column: ColumnId, at: Loc) {
        if let Some(c) = self.columns.get_mut(column) {
            c.dropped = true;
            self.column_changes_mut(column).dropped = Some(at);
        }
    }
    pub(crate) fn push_column_rename(&mut self, column: ColumnId, rename: Rename) {
        if column < self.columns.len() {
            self.column_changes_mut(column).renames.push(rename);
        }
    }
    /// Give back spare room: the catalog of a big set stays in memory to the end.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.columns.shrink_to_fit();
        self.foreign_keys.shrink_to_fit();
        self.index_ids.shrink_to_fit();
        self.policy_ids.shrink_to_fit();
        if let Some(rare) = &mut self.rare {
            rare.renames.shrink_to_fit();
            rare.uniques.shrink_to_fit();
            rare.column_changes.shrink_to_fit();
        }
    }
    pub fn key(&self) -> Key {
        (self.schema.clone(), self.name.clone())
    }
    pub fn display(&self) -> String {
        display_key(&self.key())
    }
    pub fn is_live(&self) -> bool {
        self.dropped().is_none()
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
        self.uniques().iter().filter(|u| u.dropped.is_none())
    }
    pub fn live_foreign_keys(&self) -> impl Iterator<Item = &ForeignKeyDef> {
        self.foreign_keys.iter().filter(|f| f.dropped.is_none())
    }
    /// The table's name just before `pos` (following renames), whether or not it was alive.
    pub fn key_at(&self, pos: Pos) -> Key {
        let mut key = self
            .renames()
            .first()
            .map_or_else(|| self.key(), |r| r.from.clone());
        for r in self.renames() {
            if r.at.pos() < pos {
                key = r.to.clone();
            }
        }
        key
    }
    /// The name the table was created (or first seen) with.
    pub fn original_key(&self) -> Key {
        self.renames()
            .first()
            .map_or_else(|| self.key(), |r| r.from.clone())
    }
    /// Alive just before `pos`.
    pub fn alive_at(&self, pos: Pos) -> bool {
        alive_at(self.created, self.dropped(), pos)
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Index {
    /// `None` for `CREATE INDEX ON t (…)` (PostgreSQL picks a name).
    pub name: Option<Name>,
    pub table: TableId,
    /// Key columns in order; `None` for an expression element.
    pub columns: ShortList<Option<ColumnId>>,
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

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    pub name: Name,
    pub table: TableId,
    pub command: PolicyCommand,
    /// The roles, as the last `CREATE`/`ALTER POLICY … TO` left them (empty: `public`).
    pub roles: ThinVec<Name>,
    pub permissive: bool,
    /// `USING (…)` as the set left it, and the statement that wrote it (its spans point into
    /// that statement's file).
    /// Boxed, like `with_check`: an expression is large and often missing.
    pub using: Option<Box<(crate::syntax::PolicyExpr, Loc)>>,
    /// `WITH CHECK (…)` as the set left it, and the statement that wrote it.
    pub with_check: Option<Box<(crate::syntax::PolicyExpr, Loc)>>,
    /// The statement that last set the roles or an expression: the `CREATE POLICY`, or an
    /// `ALTER POLICY` (its span is the policy's name there).
    pub defined: Loc,
    pub created: Loc,
    pub dropped: Option<Loc>,
    /// `ALTER POLICY … RENAME TO` (keys are `(table schema, policy name)`).
    pub renames: ThinVec<Rename>,
}

impl Policy {
    /// Alive just before `pos`.
    pub fn alive_at(&self, pos: Pos) -> bool {
        alive_at(Some(self.created), self.dropped, pos)
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Member {
    pub table: TableId,
    pub added: Loc,
    pub removed: Option<Loc>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
    pub(super) live: HashMap<TableId, usize>,
}

impl Publication {
    pub fn live_member(&self, table: TableId) -> Option<&Member> {
        self.live.get(&table).and_then(|&i| self.members.get(i))
    }

    /// End a live membership (no-op when the table is not a member).
    pub(super) fn remove_member(&mut self, table: TableId, loc: Loc) {
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
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
