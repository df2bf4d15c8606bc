//! The one table of which lock each statement kind takes on which relation, as PostgreSQL's
//! documentation of each command states it (checked against a real server by `tests/locks.rs`:
//! every entry's example runs in a transaction and its own backend's `pg_locks` must show that
//! mode on that relation). Rules (`missing-lock-timeout`, `long-exclusive-lock`, …) and `apply`
//! (the lock trace) read locks only through [`statement_locks`] and [`LOCKS`].

use super::model::*;

/// PostgreSQL's table-level lock modes, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl LockMode {
    pub const ALL: [LockMode; 8] = [
        LockMode::AccessShare,
        LockMode::RowShare,
        LockMode::RowExclusive,
        LockMode::ShareUpdateExclusive,
        LockMode::Share,
        LockMode::ShareRowExclusive,
        LockMode::Exclusive,
        LockMode::AccessExclusive,
    ];
    /// As SQL writes it: `ACCESS EXCLUSIVE`.
    pub fn sql(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }
    /// As `pg_locks.mode` shows it: `AccessExclusiveLock`.
    pub fn pg_name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "AccessShareLock",
            LockMode::RowShare => "RowShareLock",
            LockMode::RowExclusive => "RowExclusiveLock",
            LockMode::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            LockMode::Share => "ShareLock",
            LockMode::ShareRowExclusive => "ShareRowExclusiveLock",
            LockMode::Exclusive => "ExclusiveLock",
            LockMode::AccessExclusive => "AccessExclusiveLock",
        }
    }
    pub fn from_pg_name(name: &str) -> Option<LockMode> {
        LockMode::ALL.into_iter().find(|m| m.pg_name() == name)
    }
    pub fn from_sql(words: &str) -> Option<LockMode> {
        LockMode::ALL
            .into_iter()
            .find(|m| m.sql().eq_ignore_ascii_case(words))
    }
    /// Blocks `INSERT`/`UPDATE`/`DELETE` (conflicts with ROW EXCLUSIVE).
    pub fn blocks_writes(self) -> bool {
        self >= LockMode::Share
    }
    /// Blocks `SELECT` too (conflicts with ACCESS SHARE).
    pub fn blocks_reads(self) -> bool {
        self == LockMode::AccessExclusive
    }
}

/// Which relation of the statement the lock is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// The table (or view, index, materialized view) the statement names.
    Target,
    /// The table a foreign key references.
    Referenced,
}

/// A kind of statement, as far as locking goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockKind {
    Insert,
    Update,
    Delete,
    CreateIndex,
    CreateIndexConcurrently,
    DropIndex,
    DropIndexConcurrently,
    ReindexTable,
    ReindexIndex,
    ReindexConcurrently,
    AddColumn,
    DropColumn,
    AlterColumnType,
    SetNotNull,
    DropNotNull,
    SetDefault,
    DropDefault,
    AddCheck,
    AddForeignKey,
    AddForeignKeyReferenced,
    AddUniqueOrPrimaryKey,
    ValidateConstraint,
    DropConstraint,
    RenameColumn,
    RenameTable,
    RenameConstraint,
    SetSchema,
    RowLevelSecurity,
    SetLogged,
    TriggerToggle,
    SetStatistics,
    AttachPartition,
    DetachPartition,
    DetachPartitionConcurrently,
    OtherAlterTable,
    CreateTableReferencing,
    DropTable,
    Truncate,
    CreateTrigger,
    DropTrigger,
    CreatePolicy,
    AlterPolicy,
    DropPolicy,
    VacuumFull,
    Cluster,
    RefreshMaterializedView,
    RefreshMaterializedViewConcurrently,
    RenameIndex,
}

/// One row of the table: a statement kind, the mode it takes, on which relation, and a
/// statement that shows it (run by `tests/locks.rs` on a table `t (id int primary key, a int,
/// b text)` with index `t_a_idx`, a table `r (id int primary key)`, a constraint `t_a_check`
/// (`NOT VALID`) and a trigger function `trg()`; `-` means it cannot run in a transaction block
/// and is checked by the lock it waits for instead).
#[derive(Debug, Clone, Copy)]
pub struct LockRule {
    pub kind: LockKind,
    /// What the statement is, for messages: `CREATE INDEX`.
    pub what: &'static str,
    pub mode: LockMode,
    pub on: On,
    pub example: &'static str,
    /// Refused inside a transaction block.
    pub no_transaction: bool,
}

const fn r(
    kind: LockKind,
    what: &'static str,
    mode: LockMode,
    on: On,
    example: &'static str,
) -> LockRule {
    LockRule {
        kind,
        what,
        mode,
        on,
        example,
        no_transaction: false,
    }
}

const fn nt(kind: LockKind, what: &'static str, mode: LockMode, example: &'static str) -> LockRule {
    LockRule {
        kind,
        what,
        mode,
        on: On::Target,
        example,
        no_transaction: true,
    }
}

use LockKind as K;
use LockMode as M;

/// The table. PostgreSQL 15 documentation: "13.3.1 Table-Level Locks" and each command's page.
pub static LOCKS: &[LockRule] = &[
    r(
        K::Insert,
        "INSERT",
        M::RowExclusive,
        On::Target,
        "INSERT INTO t (id) VALUES (100)",
    ),
    r(
        K::Update,
        "UPDATE",
        M::RowExclusive,
        On::Target,
        "UPDATE t SET a = 1",
    ),
    r(
        K::Delete,
        "DELETE",
        M::RowExclusive,
        On::Target,
        "DELETE FROM t",
    ),
    r(
        K::CreateIndex,
        "CREATE INDEX",
        M::Share,
        On::Target,
        "CREATE INDEX t_b_idx ON t (b)",
    ),
    nt(
        K::CreateIndexConcurrently,
        "CREATE INDEX CONCURRENTLY",
        M::ShareUpdateExclusive,
        "CREATE INDEX CONCURRENTLY t_b_idx ON t (b)",
    ),
    r(
        K::DropIndex,
        "DROP INDEX",
        M::AccessExclusive,
        On::Target,
        "DROP INDEX t_a_idx",
    ),
    nt(
        K::DropIndexConcurrently,
        "DROP INDEX CONCURRENTLY",
        M::ShareUpdateExclusive,
        "DROP INDEX CONCURRENTLY t_a_idx",
    ),
    r(
        K::ReindexTable,
        "REINDEX TABLE",
        M::Share,
        On::Target,
        "REINDEX TABLE t",
    ),
    r(
        K::ReindexIndex,
        "REINDEX INDEX",
        M::AccessExclusive,
        On::Target,
        "REINDEX INDEX t_a_idx",
    ),
    nt(
        K::ReindexConcurrently,
        "REINDEX CONCURRENTLY",
        M::ShareUpdateExclusive,
        "REINDEX TABLE CONCURRENTLY t",
    ),
    r(
        K::AddColumn,
        "ADD COLUMN",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t ADD COLUMN c int",
    ),
    r(
        K::DropColumn,
        "DROP COLUMN",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t DROP COLUMN b",
    ),
    r(
        K::AlterColumnType,
        "ALTER COLUMN … TYPE",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t ALTER COLUMN a TYPE bigint",
    ),
    r(
        K::SetNotNull,
        "SET NOT NULL",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
    ),
    r(
        K::DropNotNull,
        "DROP NOT NULL",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t ALTER COLUMN b DROP NOT NULL",
    ),
    r(
        K::SetDefault,
        "SET DEFAULT",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT 0",
    ),
    r(
        K::DropDefault,
        "DROP DEFAULT",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t ALTER COLUMN a DROP DEFAULT",
    ),
    r(
        K::AddCheck,
        "ADD CHECK",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t ADD CONSTRAINT t_b_check CHECK (a > 0)",
    ),
    r(
        K::AddForeignKey,
        "ADD FOREIGN KEY",
        M::ShareRowExclusive,
        On::Target,
        "ALTER TABLE t ADD CONSTRAINT t_a_fkey FOREIGN KEY (a) REFERENCES r (id)",
    ),
    r(
        K::AddForeignKeyReferenced,
        "ADD FOREIGN KEY (referenced table)",
        M::ShareRowExclusive,
        On::Referenced,
        "ALTER TABLE t ADD CONSTRAINT t_a_fkey FOREIGN KEY (a) REFERENCES r (id)",
    ),
    r(
        K::AddUniqueOrPrimaryKey,
        "ADD UNIQUE / PRIMARY KEY",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t ADD CONSTRAINT t_b_key UNIQUE (b)",
    ),
    r(
        K::ValidateConstraint,
        "VALIDATE CONSTRAINT",
        M::ShareUpdateExclusive,
        On::Target,
        "ALTER TABLE t VALIDATE CONSTRAINT t_a_check",
    ),
    r(
        K::DropConstraint,
        "DROP CONSTRAINT",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t DROP CONSTRAINT t_a_check",
    ),
    r(
        K::RenameColumn,
        "RENAME COLUMN",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t RENAME COLUMN b TO c",
    ),
    r(
        K::RenameTable,
        "RENAME TO",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t RENAME TO t2",
    ),
    r(
        K::RenameConstraint,
        "RENAME CONSTRAINT",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t RENAME CONSTRAINT t_a_check TO t_a_check2",
    ),
    r(
        K::SetSchema,
        "SET SCHEMA",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t SET SCHEMA other",
    ),
    r(
        K::RowLevelSecurity,
        "ENABLE / DISABLE ROW LEVEL SECURITY",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
    ),
    r(
        K::SetLogged,
        "SET LOGGED / UNLOGGED",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t SET UNLOGGED",
    ),
    r(
        K::TriggerToggle,
        "ENABLE / DISABLE TRIGGER",
        M::ShareRowExclusive,
        On::Target,
        "ALTER TABLE t DISABLE TRIGGER ALL",
    ),
    r(
        K::SetStatistics,
        "SET STATISTICS",
        M::ShareUpdateExclusive,
        On::Target,
        "ALTER TABLE t ALTER COLUMN a SET STATISTICS 200",
    ),
    r(
        K::AttachPartition,
        "ATTACH PARTITION",
        M::ShareUpdateExclusive,
        On::Target,
        "ALTER TABLE p ATTACH PARTITION p2 FOR VALUES IN (2)",
    ),
    r(
        K::DetachPartition,
        "DETACH PARTITION",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE p DETACH PARTITION p1",
    ),
    nt(
        K::DetachPartitionConcurrently,
        "DETACH PARTITION CONCURRENTLY",
        M::ShareUpdateExclusive,
        "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY",
    ),
    r(
        K::OtherAlterTable,
        "ALTER TABLE",
        M::AccessExclusive,
        On::Target,
        "ALTER TABLE t OWNER TO CURRENT_USER",
    ),
    r(
        K::CreateTableReferencing,
        "CREATE TABLE … REFERENCES",
        M::ShareRowExclusive,
        On::Referenced,
        "CREATE TABLE n (id int REFERENCES r (id))",
    ),
    r(
        K::DropTable,
        "DROP TABLE",
        M::AccessExclusive,
        On::Target,
        "DROP TABLE t",
    ),
    r(
        K::Truncate,
        "TRUNCATE",
        M::AccessExclusive,
        On::Target,
        "TRUNCATE t",
    ),
    r(
        K::CreateTrigger,
        "CREATE TRIGGER",
        M::ShareRowExclusive,
        On::Target,
        "CREATE TRIGGER t_trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg()",
    ),
    r(
        K::DropTrigger,
        "DROP TRIGGER",
        M::AccessExclusive,
        On::Target,
        "DROP TRIGGER t_trg0 ON t",
    ),
    r(
        K::CreatePolicy,
        "CREATE POLICY",
        M::AccessExclusive,
        On::Target,
        "CREATE POLICY p_new ON t USING (true)",
    ),
    r(
        K::AlterPolicy,
        "ALTER POLICY",
        M::AccessExclusive,
        On::Target,
        "ALTER POLICY t_pol ON t RENAME TO t_pol2",
    ),
    r(
        K::DropPolicy,
        "DROP POLICY",
        M::AccessExclusive,
        On::Target,
        "DROP POLICY t_pol ON t",
    ),
    nt(
        K::VacuumFull,
        "VACUUM FULL",
        M::AccessExclusive,
        "VACUUM FULL t",
    ),
    r(
        K::Cluster,
        "CLUSTER",
        M::AccessExclusive,
        On::Target,
        "CLUSTER t USING t_pkey",
    ),
    r(
        K::RefreshMaterializedView,
        "REFRESH MATERIALIZED VIEW",
        M::AccessExclusive,
        On::Target,
        "REFRESH MATERIALIZED VIEW mv",
    ),
    nt(
        K::RefreshMaterializedViewConcurrently,
        "REFRESH MATERIALIZED VIEW CONCURRENTLY",
        M::Exclusive,
        "REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
    ),
    r(
        K::RenameIndex,
        "ALTER INDEX … RENAME",
        M::ShareUpdateExclusive,
        On::Target,
        "ALTER INDEX t_a_idx RENAME TO t_a_idx2",
    ),
];

/// The table's row for a kind.
pub fn rule(kind: LockKind) -> &'static LockRule {
    LOCKS
        .iter()
        .find(|r| r.kind == kind)
        .unwrap_or(&LOCKS[LOCKS.len() - 1])
}

/// One lock a statement takes.
#[derive(Debug, Clone)]
pub struct Lock<'a> {
    pub relation: &'a QualifiedName,
    pub mode: LockMode,
    pub kind: LockKind,
    /// What the statement does, for messages: the lock table's words for the kind, or the
    /// action's own (`DISABLE ROW LEVEL SECURITY` where the kind is shared with `ENABLE`).
    pub what: &'static str,
    /// The relation is an index (`DROP INDEX`, `REINDEX INDEX`, `ALTER INDEX`): its table is
    /// found through the catalog.
    pub index: bool,
}

/// The table-level locks a statement takes, from [`LOCKS`]. Statements that take only ACCESS
/// SHARE (plain `SELECT`) or no relation lock at all give nothing.
pub fn statement_locks(stmt: &Stmt) -> Vec<Lock<'_>> {
    let mut out = Vec::new();
    fn add<'a>(out: &mut Vec<Lock<'a>>, relation: &'a QualifiedName, kind: LockKind, index: bool) {
        out.push(Lock {
            relation,
            mode: rule(kind).mode,
            kind,
            what: rule(kind).what,
            index,
        });
    }
    match stmt {
        Stmt::DataChange(c) => add(
            &mut out,
            &c.table,
            match c.kind {
                DataChangeKind::Insert => K::Insert,
                DataChangeKind::Update => K::Update,
                DataChangeKind::Delete => K::Delete,
            },
            false,
        ),
        Stmt::CreateIndex(ci) => add(
            &mut out,
            &ci.table,
            if ci.concurrently {
                K::CreateIndexConcurrently
            } else {
                K::CreateIndex
            },
            false,
        ),
        Stmt::Reindex {
            concurrently,
            target: Some((kind, name)),
            ..
        } => add(
            &mut out,
            name,
            if *concurrently {
                K::ReindexConcurrently
            } else if *kind == ObjectKind::Index {
                K::ReindexIndex
            } else {
                K::ReindexTable
            },
            *kind == ObjectKind::Index,
        ),
        Stmt::Drop(d) => {
            let kind = match d.kind {
                ObjectKind::Index if d.concurrently => Some((K::DropIndexConcurrently, true)),
                ObjectKind::Index => Some((K::DropIndex, true)),
                ObjectKind::Table => Some((K::DropTable, false)),
                _ => None,
            };
            if let Some((kind, index)) = kind {
                for name in &d.names {
                    add(&mut out, name, kind, index);
                }
            }
            if let Some(table) = &d.on_table {
                match d.kind {
                    ObjectKind::Trigger => add(&mut out, table, K::DropTrigger, false),
                    ObjectKind::Policy => add(&mut out, table, K::DropPolicy, false),
                    _ => {}
                }
            }
        }
        Stmt::Truncate { tables, .. } => {
            for t in tables {
                add(&mut out, t, K::Truncate, false);
            }
        }
        Stmt::CreateTable(ct) => {
            let fks = ct
                .constraints
                .iter()
                .chain(ct.columns.iter().flat_map(|c| &c.constraints));
            for c in fks {
                if let ConstraintKind::ForeignKey(fk) = &c.kind {
                    add(&mut out, &fk.ref_table, K::CreateTableReferencing, false);
                }
            }
        }
        Stmt::CreateTrigger { table, .. } => add(&mut out, table, K::CreateTrigger, false),
        Stmt::CreatePolicy(p) => add(&mut out, &p.table, K::CreatePolicy, false),
        Stmt::AlterPolicy(p) => add(&mut out, &p.table, K::AlterPolicy, false),
        Stmt::VacuumFull { tables } => {
            for t in tables {
                add(&mut out, t, K::VacuumFull, false);
            }
        }
        Stmt::Cluster { table: Some(t) } => add(&mut out, t, K::Cluster, false),
        Stmt::RefreshMaterializedView { name, concurrently } => add(
            &mut out,
            name,
            if *concurrently {
                K::RefreshMaterializedViewConcurrently
            } else {
                K::RefreshMaterializedView
            },
            false,
        ),
        Stmt::LockTable { tables, mode } => {
            let mode = LockMode::from_sql(mode).unwrap_or(LockMode::AccessExclusive);
            for t in tables {
                out.push(Lock {
                    relation: t,
                    mode,
                    kind: K::OtherAlterTable,
                    what: "LOCK TABLE",
                    index: false,
                });
            }
        }
        Stmt::RenameObject(ro) if ro.kind == ObjectKind::Index => {
            add(&mut out, &ro.name, K::RenameIndex, true)
        }
        Stmt::AlterTable(at) => {
            for a in &at.actions {
                for (kind, referenced) in alter_kinds(&a.action) {
                    add(&mut out, referenced.unwrap_or(&at.name), kind, false);
                    if let (Some(last), Some(what)) = (out.last_mut(), action_what(&a.action)) {
                        last.what = what;
                    }
                }
            }
        }
        _ => {}
    }
    // One lock per relation: the strongest.
    let mut merged: Vec<Lock> = Vec::new();
    for l in out {
        match merged
            .iter_mut()
            .find(|m| m.relation.key() == l.relation.key() && m.index == l.index)
        {
            Some(m) if l.mode > m.mode => *m = l,
            Some(_) => {}
            None => merged.push(l),
        }
    }
    merged
}

/// The words of an `ALTER TABLE` action whose lock kind covers several actions.
fn action_what(action: &AlterTableAction) -> Option<&'static str> {
    match action {
        AlterTableAction::EnableRls => Some("ENABLE ROW LEVEL SECURITY"),
        AlterTableAction::DisableRls => Some("DISABLE ROW LEVEL SECURITY"),
        AlterTableAction::ForceRls => Some("FORCE ROW LEVEL SECURITY"),
        AlterTableAction::NoForceRls => Some("NO FORCE ROW LEVEL SECURITY"),
        AlterTableAction::SetLogged { logged: true } => Some("SET LOGGED"),
        AlterTableAction::SetLogged { logged: false } => Some("SET UNLOGGED"),
        _ => None,
    }
}

/// The lock kinds of one `ALTER TABLE` action, with the referenced table for foreign keys.
pub fn alter_kinds(action: &AlterTableAction) -> Vec<(LockKind, Option<&QualifiedName>)> {
    let one = |k| vec![(k, None)];
    match action {
        AlterTableAction::AddColumn { column, .. } => {
            let mut v = one(K::AddColumn);
            for c in &column.constraints {
                if let ConstraintKind::ForeignKey(fk) = &c.kind {
                    v.push((K::AddForeignKeyReferenced, Some(&fk.ref_table)));
                }
            }
            v
        }
        AlterTableAction::DropColumn { .. } => one(K::DropColumn),
        AlterTableAction::RenameColumn { .. } => one(K::RenameColumn),
        AlterTableAction::RenameTable { .. } => one(K::RenameTable),
        AlterTableAction::SetSchema { .. } => one(K::SetSchema),
        AlterTableAction::AddConstraint(c) => match &c.kind {
            ConstraintKind::ForeignKey(fk) => vec![
                (K::AddForeignKey, None),
                (K::AddForeignKeyReferenced, Some(&fk.ref_table)),
            ],
            ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_) | ConstraintKind::Exclude => {
                one(K::AddUniqueOrPrimaryKey)
            }
            ConstraintKind::Check | ConstraintKind::Other => one(K::AddCheck),
            ConstraintKind::NotNull(_) => one(K::SetNotNull),
        },
        AlterTableAction::DropConstraint { .. } => one(K::DropConstraint),
        AlterTableAction::RenameConstraint { .. } => one(K::RenameConstraint),
        AlterTableAction::EnableRls
        | AlterTableAction::DisableRls
        | AlterTableAction::ForceRls
        | AlterTableAction::NoForceRls => one(K::RowLevelSecurity),
        AlterTableAction::AlterColumnType { .. } => one(K::AlterColumnType),
        AlterTableAction::SetNotNull { .. } => one(K::SetNotNull),
        AlterTableAction::DropNotNull { .. } => one(K::DropNotNull),
        AlterTableAction::SetDefault { .. } => one(K::SetDefault),
        AlterTableAction::DropDefault { .. } => one(K::DropDefault),
        AlterTableAction::ValidateConstraint { .. } => one(K::ValidateConstraint),
        AlterTableAction::SetLogged { .. } => one(K::SetLogged),
        AlterTableAction::TriggerToggle => one(K::TriggerToggle),
        AlterTableAction::SetStatistics => one(K::SetStatistics),
        AlterTableAction::AttachPartition { .. } => one(K::AttachPartition),
        AlterTableAction::DetachPartition { concurrently, .. } => one(if *concurrently {
            K::DetachPartitionConcurrently
        } else {
            K::DetachPartition
        }),
        AlterTableAction::Other(_) => one(K::OtherAlterTable),
    }
}
