//! Replay tests on hand-built statements (independent of the parser); the SQL-text tests live in
//! `tests/catalog.rs`.

use super::replay::make_object_name;
use super::*;
use crate::source::{FileId, Span};
use crate::syntax::{
    AlterAction, AlterPolicy, AlterPublication, AlterTable, AlterTableAction, ColumnDef,
    ConstraintKind, CreateIndex, CreateKeywords, CreatePolicy, CreatePublication, CreateTable,
    Drop, ForeignKey, Ident, IndexColumn, ObjectKind, ParsedFile, PolicyCommand, PublicationAction,
    PublicationTarget, QualifiedName, Statement, Stmt, StmtContext, TableConstraint,
};

fn ident(s: &str) -> Ident {
    Ident {
        value: s.to_string(),
        span: Span::default(),
    }
}

fn qn(s: &str) -> QualifiedName {
    match s.split_once('.') {
        Some((schema, name)) => QualifiedName {
            schema: Some(ident(schema)),
            name: ident(name),
        },
        None => QualifiedName {
            schema: None,
            name: ident(s),
        },
    }
}

fn st(kind: Stmt) -> Statement {
    Statement {
        span: Span::default(),
        kind,
        context: StmtContext::default(),
    }
}

fn col(name: &str) -> ColumnDef {
    ColumnDef {
        name: ident(name),
        data_type: "uuid".to_string(),
        data_type_span: Span::default(),
        not_null: false,
        constraints: Vec::new(),
        default: None,
        generated: None,
        span: Span::default(),
    }
}

fn create_table(name: &str, cols: &[&str]) -> Statement {
    st(Stmt::CreateTable(CreateTable {
        name: qn(name),
        if_not_exists: false,
        temporary: false,
        columns: cols.iter().map(|c| col(c)).collect(),
        constraints: Vec::new(),
        columns_incomplete: false,
    }))
}

fn alter(name: &str, action: AlterTableAction) -> Statement {
    st(Stmt::AlterTable(AlterTable {
        name: qn(name),
        if_exists: false,
        only: false,
        actions: vec![AlterAction {
            action,
            span: Span::default(),
        }],
    }))
}

fn drop(kind: ObjectKind, names: &[&str], on: Option<&str>, if_exists: bool) -> Statement {
    st(Stmt::Drop(Drop {
        kind,
        names: names.iter().map(|n| qn(n)).collect(),
        on_table: on.map(qn),
        if_exists,
        cascade: false,
        concurrently: false,
        concurrently_kw: None,
    }))
}

fn policy(name: &str, table: &str) -> Statement {
    st(Stmt::CreatePolicy(CreatePolicy {
        name: ident(name),
        table: qn(table),
        command: PolicyCommand::Select,
        roles: Vec::new(),
        permissive: true,
        using: None,
        with_check: None,
    }))
}

fn index(name: &str, table: &str, cols: &[&str]) -> Statement {
    st(Stmt::CreateIndex(CreateIndex {
        name: Some(ident(name)),
        table: qn(table),
        columns: cols
            .iter()
            .map(|c| IndexColumn {
                column: Some(ident(c)),
                span: Span::default(),
            })
            .collect(),
        unique: false,
        concurrently: false,
        concurrently_kw: None,
        keywords: CreateKeywords::default(),
        on_kw: Span::default(),
        if_not_exists: false,
        partial: false,
        method: None,
        include: false,
    }))
}

fn publish(publication: &str, action: PublicationAction, tables: &[&str]) -> Statement {
    st(Stmt::AlterPublication(AlterPublication {
        name: ident(publication),
        action,
        tables: tables.iter().map(|t| qn(t)).collect(),
        schemas: Vec::new(),
    }))
}

fn replay(files: Vec<Vec<Statement>>) -> Catalog {
    let parsed: Vec<ParsedFile> = files
        .into_iter()
        .map(|statements| ParsedFile {
            statements,
            comments: Vec::new(),
        })
        .collect();
    Catalog::replay(&parsed)
}

fn key(s: &str) -> Key {
    qn(s).key()
}

fn facts(c: &Catalog, file: FileId) -> Vec<String> {
    c.file_facts(file)
        .iter()
        .map(|(i, f)| {
            let what = match f {
                Fact::AlreadyExists { name, .. } => format!("exists {name}"),
                Fact::ColumnExists { .. } => "column-exists".to_string(),
                Fact::AlreadyMember { .. } => "member".to_string(),
                Fact::AlreadyDropped { name, .. } => format!("dropped-already {name}"),
                Fact::PolicyNameTaken {
                    name, same_table, ..
                } => format!("policy {name} same={same_table}"),
                Fact::TableDropped { table, .. } => format!("drop-table {table}"),
                Fact::ColumnDropped { .. } => "drop-column".to_string(),
                Fact::Truncated { .. } => "truncate".to_string(),
                Fact::ColumnTypeChanged { before, .. } => format!("type-was {before}"),
            };
            format!("{i}: {what}")
        })
        .collect()
}

#[test]
fn tables_columns_and_final_state() {
    let c = replay(vec![
        vec![create_table("clients", &["id", "user_id"])],
        vec![
            alter(
                "clients",
                AlterTableAction::AddColumn {
                    if_not_exists: false,
                    column: col("note"),
                },
            ),
            alter(
                "clients",
                AlterTableAction::DropColumn {
                    name: ident("user_id"),
                    if_exists: false,
                    cascade: false,
                },
            ),
        ],
    ]);
    let id = c.table(&key("clients")).unwrap();
    let t = &c.tables[id];
    let live: Vec<&str> = t.live_columns().map(|(_, c)| c.name.as_str()).collect();
    assert_eq!(live, ["id", "note"]);
    assert_eq!(t.created.unwrap().pos(), Pos { file: 0, stmt: 0 });
    assert_eq!(facts(&c, 1), ["1: drop-column"]);
}

#[test]
fn renames_are_followed_and_history_answers_before_queries() {
    let c = replay(vec![
        vec![
            create_table("a", &["id"]),
            index("a_idx", "a", &["id"]),
            policy("p", "a"),
        ],
        vec![alter("a", AlterTableAction::RenameTable { to: ident("b") })],
        vec![alter(
            "b",
            AlterTableAction::SetSchema {
                schema: ident("archive"),
            },
        )],
    ]);
    assert!(c.table(&key("a")).is_none());
    assert!(c.table(&key("b")).is_none());
    let id = c.table(&key("archive.b")).unwrap();
    assert_eq!(c.indexes_on(id).count(), 1);
    assert_eq!(c.policies_on(id).count(), 1);
    assert_eq!(c.table_at(&key("a"), Pos { file: 1, stmt: 0 }), Some(id));
    assert_eq!(c.table_at(&key("a"), Pos { file: 2, stmt: 0 }), None);
    assert_eq!(c.table_at(&key("b"), Pos { file: 2, stmt: 0 }), Some(id));
    assert_eq!(c.table_at(&key("b"), Pos { file: 1, stmt: 0 }), None);
    // Index names moved with the table's schema.
    assert!(matches!(
        c.relations.get(&key("archive.a_idx")),
        Some(Rel::Index(_))
    ));
}

#[test]
fn drop_table_takes_indexes_policies_and_publication_membership() {
    let c = replay(vec![
        vec![
            create_table("meetings", &["id"]),
            index("meetings_idx", "meetings", &["id"]),
            policy("meetings_select", "meetings"),
            publish("supabase_realtime", PublicationAction::Add, &["meetings"]),
        ],
        vec![drop(ObjectKind::Table, &["meetings"], None, false)],
        vec![
            create_table("meetings", &["id"]),
            // the old index name and policy name are free again
            index("meetings_idx", "meetings", &["id"]),
            policy("meetings_select", "meetings"),
        ],
    ]);
    let id = c.table(&key("meetings")).unwrap();
    let p = c.publication("supabase_realtime").unwrap();
    assert!(!c.publishes(p, id));
    assert!(c.publications[p].created.is_none());
    assert!(facts(&c, 2).is_empty(), "{:?}", facts(&c, 2));
    assert_eq!(facts(&c, 1), ["0: drop-table 0"]);
    assert_eq!(c.indexes_on(id).count(), 1);
}

#[test]
fn policy_collisions_same_and_other_table_and_drop_in_between() {
    let c = replay(vec![
        vec![
            create_table("users", &["id"]),
            policy("users_select_own", "users"),
        ],
        vec![
            policy("users_select_own", "clients"),
            policy("users_select_own", "users"),
            drop(
                ObjectKind::Policy,
                &["users_select_own"],
                Some("users"),
                true,
            ),
            policy("users_select_own", "users"),
        ],
    ]);
    assert_eq!(
        facts(&c, 1),
        [
            "0: policy users_select_own same=false",
            "1: policy users_select_own same=true",
            "3: policy users_select_own same=false",
        ]
    );
}

#[test]
fn policy_rename_and_table_rename_are_followed() {
    let c = replay(vec![
        vec![create_table("t", &["id"]), policy("p", "t")],
        vec![
            st(Stmt::AlterPolicy(AlterPolicy {
                name: ident("p"),
                table: qn("t"),
                rename_to: Some(ident("q")),
                roles: None,
                using: None,
                with_check: None,
            })),
            policy("p", "t"),
            alter("t", AlterTableAction::RenameTable { to: ident("u") }),
            policy("q", "u"),
        ],
    ]);
    assert_eq!(facts(&c, 1), ["3: policy q same=true"]);
    let id = c.table(&key("u")).unwrap();
    let names: Vec<&str> = c.policies_on(id).map(|(_, p)| p.name.as_str()).collect();
    assert_eq!(names, ["q", "p"]);
}

#[test]
fn schema_conflicts_recorded() {
    let c = replay(vec![
        vec![
            create_table("clients", &["id", "user_id"]),
            index("idx_user_id", "clients", &["user_id"]),
            st(Stmt::CreateSchema {
                name: ident("app"),
                if_not_exists: false,
            }),
        ],
        vec![
            create_table("clients", &["id"]),
            create_table("meetings", &["id", "user_id"]),
            index("idx_user_id", "meetings", &["user_id"]),
            st(Stmt::CreateSchema {
                name: ident("app"),
                if_not_exists: true,
            }),
            alter(
                "clients",
                AlterTableAction::AddColumn {
                    if_not_exists: false,
                    column: col("user_id"),
                },
            ),
            publish("supabase_realtime", PublicationAction::Add, &["clients"]),
            publish("supabase_realtime", PublicationAction::Add, &["clients"]),
            drop(ObjectKind::Table, &["meetings"], None, false),
            drop(ObjectKind::Table, &["meetings"], None, false),
            drop(ObjectKind::Table, &["never_made"], None, true),
            drop(ObjectKind::Table, &["never_made"], None, true),
        ],
    ]);
    assert_eq!(
        facts(&c, 1),
        [
            "0: exists clients",
            "2: exists idx_user_id",
            "3: exists app",
            "4: column-exists",
            "6: member",
            "7: drop-table 1",
            "8: dropped-already meetings",
            "9: drop-table 2",
            "10: dropped-already never_made",
        ]
    );
    // The failing CREATE TABLE left the first definition in place.
    let id = c.table(&key("clients")).unwrap();
    assert_eq!(c.tables[id].live_columns().count(), 2);
}

#[test]
fn unknown_tables_are_implicit_and_created_tables_upgrade_them() {
    let c = replay(vec![vec![
        alter("profiles", AlterTableAction::EnableRls),
        index("profiles_user_idx", "profiles", &["user_id"]),
        create_table("profiles", &["id", "user_id"]),
    ]]);
    let id = c.table(&key("profiles")).unwrap();
    let t = &c.tables[id];
    assert!(t.created.is_some());
    assert!(t.rls_enabled);
    // The implicit user_id column became the defined one; no duplicate.
    let names: Vec<&str> = t.live_columns().map(|(_, c)| c.name.as_str()).collect();
    assert_eq!(names, ["user_id", "id"]);
    assert!(t.columns.iter().all(|c| c.created.is_some()));
    assert!(facts(&c, 0).is_empty());
}

#[test]
fn drop_column_takes_its_indexes_and_constraints() {
    let mut ct = create_table("t", &["id", "user_id"]);
    if let Stmt::CreateTable(t) = &mut ct.kind {
        t.constraints.push(TableConstraint {
            not_valid: false,
            using_index: None,
            check_not_null: None,
            name: None,
            kind: ConstraintKind::ForeignKey(ForeignKey {
                columns: vec![ident("user_id")],
                ref_table: qn("auth.users"),
                ref_columns: vec![ident("id")],
                on_delete: Default::default(),
            }),
            span: Span::default(),
        });
        t.constraints.push(TableConstraint {
            not_valid: false,
            using_index: None,
            check_not_null: None,
            name: None,
            kind: ConstraintKind::PrimaryKey(vec![ident("id")]),
            span: Span::default(),
        });
    }
    let c = replay(vec![vec![
        ct,
        index("t_user", "t", &["user_id"]),
        alter(
            "t",
            AlterTableAction::DropColumn {
                name: ident("user_id"),
                if_exists: false,
                cascade: true,
            },
        ),
    ]]);
    let id = c.table(&key("t")).unwrap();
    let t = &c.tables[id];
    assert_eq!(t.live_foreign_keys().count(), 0);
    assert!(t.primary_key.is_some());
    assert_eq!(c.indexes_on(id).count(), 0);
    // The FK's target is known as an implicit table.
    let users = c.table(&key("auth.users")).unwrap();
    assert!(c.tables[users].created.is_none());
}

#[test]
fn drop_schema_takes_its_tables() {
    let c = replay(vec![vec![
        st(Stmt::CreateSchema {
            name: ident("old"),
            if_not_exists: false,
        }),
        create_table("old.a", &["id"]),
        drop(ObjectKind::Schema, &["old"], None, false),
        drop(ObjectKind::Table, &["old.a"], None, false),
    ]]);
    assert!(c.table(&key("old.a")).is_none());
    assert!(c.schema("old").is_none());
    assert_eq!(facts(&c, 0), ["3: dropped-already old.a"]);
}

#[test]
fn publications_set_and_drop_and_all_tables() {
    let c = replay(vec![vec![
        create_table("a", &["id"]),
        create_table("b", &["id"]),
        st(Stmt::CreatePublication(CreatePublication {
            name: ident("everything"),
            target: PublicationTarget::AllTables,
        })),
        publish("rt", PublicationAction::Add, &["a", "b"]),
        publish("rt", PublicationAction::Drop, &["a"]),
        publish("rt2", PublicationAction::Set, &["a"]),
    ]]);
    let (a, b) = (c.table(&key("a")).unwrap(), c.table(&key("b")).unwrap());
    let rt = c.publication("rt").unwrap();
    let rt2 = c.publication("rt2").unwrap();
    let all = c.publication("everything").unwrap();
    assert!(!c.publishes(rt, a) && c.publishes(rt, b));
    assert!(c.publishes(rt2, a) && !c.publishes(rt2, b));
    assert!(c.publishes(all, a) && c.publishes(all, b));
}

#[test]
fn add_column_defines_a_column_known_only_from_a_mention() {
    let c = replay(vec![
        vec![index("users_user_idx", "users", &["user_id"])],
        vec![alter(
            "users",
            AlterTableAction::AddColumn {
                if_not_exists: false,
                column: col("user_id"),
            },
        )],
    ]);
    let id = c.table(&key("users")).unwrap();
    let t = &c.tables[id];
    assert!(t.created.is_none());
    let user_id = t.column("user_id").unwrap();
    assert_eq!(
        t.columns[user_id].created.map(|l| l.pos()),
        Some(Pos { file: 1, stmt: 0 })
    );
    assert_eq!(t.columns[user_id].data_type, "uuid");
    assert!(facts(&c, 1).is_empty());
}

#[test]
fn dropping_a_referenced_table_or_column_drops_the_foreign_keys_to_it() {
    let fk = |table: &str, col: &str, target: &str, target_col: &str| {
        let mut ct = create_table(table, &["id", col]);
        if let Stmt::CreateTable(t) = &mut ct.kind {
            t.constraints.push(TableConstraint {
                not_valid: false,
                using_index: None,
                check_not_null: None,
                name: None,
                kind: ConstraintKind::ForeignKey(ForeignKey {
                    columns: vec![ident(col)],
                    ref_table: qn(target),
                    ref_columns: vec![ident(target_col)],
                    on_delete: Default::default(),
                }),
                span: Span::default(),
            });
        }
        ct
    };
    let c = replay(vec![vec![
        create_table("clients", &["id", "code"]),
        fk("meetings", "client_id", "clients", "id"),
        fk("invoices", "client_code", "clients", "code"),
        alter(
            "clients",
            AlterTableAction::DropColumn {
                name: ident("code"),
                if_exists: false,
                cascade: true,
            },
        ),
    ]]);
    let live = |name: &str| {
        let id = c.table(&key(name)).unwrap();
        c.tables[id].live_foreign_keys().count()
    };
    assert_eq!(live("meetings"), 1);
    assert_eq!(live("invoices"), 0);
    let c2 = replay(vec![vec![
        create_table("clients", &["id"]),
        fk("meetings", "client_id", "clients", "id"),
        drop(ObjectKind::Table, &["clients"], None, false),
    ]]);
    let id = c2.table(&key("meetings")).unwrap();
    assert_eq!(c2.tables[id].live_foreign_keys().count(), 0);
}

#[test]
fn generated_constraint_names_fit_63_bytes_like_postgres() {
    // Names PostgreSQL 15 generated for these (checked against a real server).
    let a = "a".repeat(59);
    let b = "b".repeat(34);
    assert_eq!(
        make_object_name(&a, Some(&b), "key"),
        format!("{}_{}_key", "a".repeat(29), "b".repeat(29))
    );
    assert_eq!(
        make_object_name(&a, Some("cc"), "key"),
        format!("{}_cc_key", "a".repeat(56))
    );
    assert_eq!(
        make_object_name(&a, None, "pkey"),
        format!("{}_pkey", "a".repeat(58))
    );
    assert_eq!(make_object_name("t", Some("a_b"), "key"), "t_a_b_key");
}

/// A short list reads as the slice it was collected from, whatever its length, and is encoded
/// as the vector it replaced was (the check cache's bytes do not change).
#[test]
fn short_lists_read_and_encode_as_vectors() {
    for items in [vec![], vec![7usize], vec![7, 3], vec![1, 2, 3, 4, 5]] {
        let list: ShortList<usize> = items.iter().copied().collect();
        assert_eq!(&*list, &items[..]);
        assert_eq!(list.clone().into_iter().collect::<Vec<_>>(), items);
        assert_eq!((&list).into_iter().count(), items.len());
        assert_eq!(format!("{list:?}"), format!("{items:?}"));
        let thin: ThinVec<usize> = items.iter().copied().collect();
        let bytes = postcard::to_allocvec(&list).unwrap_or_default();
        assert_eq!(bytes, postcard::to_allocvec(&thin).unwrap_or_default());
        let back: Option<ShortList<usize>> = postcard::from_bytes(&bytes).ok();
        assert_eq!(back.as_deref(), Some(&items[..]));
    }
    let one: ShortList<Option<usize>> = [None].into_iter().collect();
    assert_eq!(&*one, &[None]);
    assert_eq!(ShortList::<usize>::default().len(), 0);
}

/// A first-and-later map lists a key's values as a vector would: pushed in order, inserted in
/// order, once.
#[test]
fn first_and_later_lists_values_like_a_vector() {
    let mut map: FirstAndLater<u64, usize> = FirstAndLater::default();
    assert_eq!(map.get(&1).count(), 0);
    map.push(1, 5);
    map.push(1, 9);
    map.push(2, 7);
    assert_eq!(map.get(&1).collect::<Vec<_>>(), [5, 9]);
    assert_eq!(map.get(&2).collect::<Vec<_>>(), [7]);
    // Sorted inserts: before the first, between, after, and one already there.
    map.insert_sorted(1, 3);
    map.insert_sorted(1, 6);
    map.insert_sorted(1, 12);
    map.insert_sorted(1, 9);
    map.insert_sorted(3, 4);
    assert_eq!(map.get(&1).collect::<Vec<_>>(), [3, 5, 6, 9, 12]);
    assert_eq!(map.get(&3).collect::<Vec<_>>(), [4]);
    map.shrink_to_fit();
    assert_eq!(map.get(&1).count(), 5);
    let bytes = postcard::to_allocvec(&map).unwrap_or_default();
    let back: Option<FirstAndLater<u64, usize>> = postcard::from_bytes(&bytes).ok();
    assert_eq!(
        back.map(|b| b.get(&1).collect::<Vec<_>>()),
        Some(vec![3, 5, 6, 9, 12])
    );
}
