//! Replay: every statement of the set applied to the catalog, in migration order. One file per
//! statement family; this one dispatches and keeps the relation namespace.

use super::*;
use crate::source::{FileId, Span};
use crate::syntax::{
    ConstraintKind, Ident, ObjectKind, ParsedFile, QualifiedName, Statement, Stmt,
};

mod drop;
mod policy;
mod publication;
mod relation;
mod rename;
mod security;
mod table;

/// Replay state for one statement.
struct At<'s> {
    file: FileId,
    stmt: usize,
    statement: &'s Statement,
}

impl At<'_> {
    fn loc(&self, span: Span) -> Loc {
        Loc::new(self.file, self.stmt, span)
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
pub(super) fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
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
    (Name::default(), id.value.as_str().into())
}

impl Catalog {
    /// Replay every file's statements in migration order; a file's [`FileId`] is its position.
    pub fn replay<'a>(files: impl IntoIterator<Item = &'a ParsedFile>) -> Catalog {
        let mut catalog = Catalog::default();
        catalog.replay_more(files);
        catalog
    }

    /// Go on replaying after the files replayed so far: the first file given gets the next
    /// [`FileId`]. A catalog restored from the cache (the state after an unchanged prefix of
    /// the set) resumes here with the files after that prefix.
    pub fn replay_more<'a>(&mut self, files: impl IntoIterator<Item = &'a ParsedFile>) {
        // Answers computed from the objects are stale once more statements change them.
        self.by_file = Default::default();
        self.fk_components = Default::default();
        for parsed in files {
            let file = self.facts.len();
            self.facts.push(Vec::new());
            for (stmt, statement) in parsed.statements.iter().enumerate() {
                self.apply(&At {
                    file,
                    stmt,
                    statement,
                });
            }
        }
    }

    /// How many files were replayed (the next file's [`FileId`]).
    pub fn files_replayed(&self) -> usize {
        self.facts.len()
    }

    fn fact(&mut self, at: &At, fact: Fact) {
        if let Some(file) = self.facts.get_mut(at.file) {
            file.push_tight((at.stmt, fact));
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
            } => {
                self.create_named(
                    at,
                    ObjectKind::Schema,
                    ident_key(name),
                    name.span,
                    *if_not_exists,
                );
                self.create_schema_acl(&name.value);
            }
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
            } => self.create_other_relation(
                at,
                ObjectKind::Sequence,
                name,
                *if_not_exists,
                false,
                None,
            ),
            Stmt::CreateView {
                name,
                or_replace,
                materialized,
                if_not_exists,
                view,
                ..
            } => {
                let kind = if *materialized {
                    ObjectKind::MaterializedView
                } else {
                    ObjectKind::View
                };
                self.create_other_relation(at, kind, name, *if_not_exists, *or_replace, Some(view))
            }
            Stmt::CreatePolicy(cp) => self.create_policy(at, cp),
            Stmt::CreateFunction {
                name, kind, attrs, ..
            } => self.create_function(at, name, *kind, attrs),
            Stmt::AlterFunction {
                name,
                security_definer,
                search_path,
            } => self.alter_function(at, name, *security_definer, *search_path),
            Stmt::AlterViewInvoker {
                name,
                security_invoker,
            } => self.alter_view_invoker(at, name, *security_invoker),
            Stmt::CreateForeignTable {
                name,
                if_not_exists,
            } => self.create_other_relation(
                at,
                ObjectKind::ForeignTable,
                name,
                *if_not_exists,
                false,
                None,
            ),
            Stmt::Grant(g) => self.grant(at, g),
            Stmt::DefaultPrivileges(d) => self.default_privileges(at, d),
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
            let temp = ("pg_temp".into(), name.name.value.as_str().into());
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
            Some(Rel::Table(id)) => return Some(*id as usize),
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
        let acl = if created.is_some() {
            self.new_acl(crate::syntax::GrantObjectKind::Table, &key.0)
        } else {
            ObjectAcl::default()
        };
        self.tables.push(Table::new(
            &key,
            created,
            temporary,
            columns_incomplete,
            acl,
        ));
        self.table_history.push(super::name_hash(&key), id);
        self.relations
            .insert(key, Rel::Table(crate::catalog::small_id(id)));
        id
    }

    /// Where the current holder of a relation name was created (`None` for implicit tables),
    /// and the rename that gave it the name.
    /// A view's, sequence's… name map entry, created at `created`, last renamed at `renamed`.
    fn other_rel(&mut self, kind: ObjectKind, created: Loc, renamed: Option<Loc>) -> Rel {
        let origin = u32::try_from(self.other_origins.len()).unwrap_or(u32::MAX);
        self.other_origins.push((created, renamed));
        Rel::Other { kind, origin }
    }

    /// Where the relation of a [`Rel::Other`] was created and last renamed.
    fn other_origin(&self, origin: u32) -> Option<(Loc, Option<Loc>)> {
        self.other_origins.get(origin as usize).copied()
    }

    fn relation_origin(&self, rel: Rel) -> Option<(ObjectKind, Loc, Option<Loc>)> {
        let last_rename = |t: &Table| t.renames().last().map(|r| r.at);
        match rel {
            Rel::Table(id) => {
                let t = self.tables.get(id as usize)?;
                Some((ObjectKind::Table, t.created?, last_rename(t)))
            }
            Rel::Index(id) => {
                let i = self.indexes.get(id as usize)?;
                // Its own rename, or its table's move to another schema, whichever came last.
                let moved = self.tables.get(i.table).and_then(|t| {
                    t.renames()
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
            Rel::Other { kind, origin } => {
                let (created, renamed) = self.other_origin(origin)?;
                Some((kind, created, renamed))
            }
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
}
