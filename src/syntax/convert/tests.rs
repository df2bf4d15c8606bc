//! Table-driven tests: statement text → expected facts, with spans checked against the text.

use super::convert;
use crate::source::Span;
use crate::syntax::model::*;

/// Convert `sql` placed after a prefix with multibyte text and CRLF, so that every span
/// assertion also checks the offset mapping.
fn conv_in_file(sql: &str) -> (String, usize, Stmt) {
    let prefix = "-- héllo wörld ✓\r\n/* ünïcode */\r\n";
    let file = format!("{prefix}{sql};\r\n");
    let base = prefix.len();
    let stmt = convert(&file[base..base + sql.len()], base);
    (file, base, stmt)
}

fn conv(sql: &str) -> Stmt {
    convert(sql, 0)
}

fn text(file: &str, span: Span) -> &str {
    &file[span.range()]
}

fn names(q: &[QualifiedName]) -> Vec<(String, String)> {
    q.iter()
        .map(|n| (n.schema_or_public().to_string(), n.name.value.clone()))
        .collect()
}

#[test]
fn transactions() {
    let cases: &[(&str, Option<TxControl>)] = &[
        ("BEGIN", Some(TxControl::Begin)),
        ("begin work", Some(TxControl::Begin)),
        ("BEGIN TRANSACTION", Some(TxControl::Begin)),
        (
            "START TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            Some(TxControl::Begin),
        ),
        ("COMMIT", Some(TxControl::Commit)),
        ("COMMIT WORK", Some(TxControl::Commit)),
        ("END", Some(TxControl::Commit)),
        ("ROLLBACK", Some(TxControl::Rollback)),
        ("ROLLBACK TO SAVEPOINT s1", None),
        ("SAVEPOINT s1", None),
    ];
    for (sql, want) in cases {
        let got = conv(sql);
        match want {
            Some(tx) => assert_eq!(got, Stmt::Transaction(*tx), "{sql}"),
            None => assert!(matches!(got, Stmt::Other { .. }), "{sql}: {got:?}"),
        }
    }
}

#[test]
fn create_table_columns_constraints_and_spans() {
    let sql = "CREATE TABLE IF NOT EXISTS public.\"Users\" (\r\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\r\n  Email VARCHAR ( 255 ) NOT NULL UNIQUE,\r\n  org_id bigint REFERENCES orgs (id) ON DELETE CASCADE,\r\n  tags text[],\r\n  created_at timestamp with time zone default now() not null,\r\n  CONSTRAINT users_pk2 UNIQUE (email, org_id),\r\n  FOREIGN KEY (org_id) REFERENCES auth.orgs(id),\r\n  CHECK (length(email) > 3)\r\n)";
    let (file, _, stmt) = conv_in_file(sql);
    let Stmt::CreateTable(t) = stmt else {
        panic!("{stmt:?}")
    };
    assert!(t.if_not_exists);
    assert!(!t.columns_incomplete);
    assert_eq!(t.name.key(), ("public".into(), "Users".into()));
    assert_eq!(text(&file, t.name.name.span), "\"Users\"");
    assert_eq!(text(&file, t.name.span()), "public.\"Users\"");
    let cols: Vec<_> = t
        .columns
        .iter()
        .map(|c| (c.name.value.as_str(), c.data_type.as_str(), c.not_null))
        .collect();
    assert_eq!(
        cols,
        vec![
            ("id", "uuid", false),
            ("email", "varchar(255)", true),
            ("org_id", "bigint", false),
            ("tags", "text[]", false),
            ("created_at", "timestamp with time zone", true),
        ]
    );
    let email = &t.columns[1];
    assert_eq!(text(&file, email.name.span), "Email");
    assert_eq!(text(&file, email.data_type_span), "VARCHAR ( 255 )");
    assert_eq!(
        text(&file, email.span),
        "Email VARCHAR ( 255 ) NOT NULL UNIQUE"
    );
    assert_eq!(email.constraints.len(), 1);
    assert_eq!(text(&file, email.constraints[0].span), "UNIQUE");
    let id = &t.columns[0];
    assert_eq!(id.constraints.len(), 1);
    assert!(matches!(&id.constraints[0].kind, ConstraintKind::PrimaryKey(c) if c[0].value == "id"));
    let org = &t.columns[2];
    let ConstraintKind::ForeignKey(fk) = &org.constraints[0].kind else {
        panic!()
    };
    assert_eq!(fk.ref_table.key(), ("public".into(), "orgs".into()));
    assert_eq!(fk.ref_columns[0].value, "id");
    assert_eq!(fk.columns[0].value, "org_id");
    assert_eq!(
        text(&file, org.constraints[0].span),
        "REFERENCES orgs (id) ON DELETE CASCADE"
    );
    assert_eq!(t.constraints.len(), 3);
    assert_eq!(
        t.constraints[0].name.as_ref().map(|n| n.value.as_str()),
        Some("users_pk2")
    );
    assert!(
        matches!(&t.constraints[0].kind, ConstraintKind::Unique(c) if c.len() == 2 && c[1].value == "org_id")
    );
    assert_eq!(
        text(&file, t.constraints[0].span),
        "CONSTRAINT users_pk2 UNIQUE (email, org_id)"
    );
    let ConstraintKind::ForeignKey(fk) = &t.constraints[1].kind else {
        panic!()
    };
    assert_eq!(fk.ref_table.key(), ("auth".into(), "orgs".into()));
    assert_eq!(t.constraints[2].kind, ConstraintKind::Check);
}

#[test]
fn create_table_variants() {
    let Stmt::CreateTable(t) = conv("create table t as select 1 as a") else {
        panic!()
    };
    assert!(t.columns_incomplete);
    let Stmt::CreateTable(t) = conv("create table p1 partition of p for values in (1)") else {
        panic!()
    };
    assert!(t.columns_incomplete);
    let Stmt::CreateTable(t) = conv("create table t2 (like t including all, extra int)") else {
        panic!()
    };
    assert!(t.columns_incomplete);
    assert_eq!(t.columns.len(), 1);
    let Stmt::CreateTable(t) = conv("CREATE TEMP TABLE x (a int)") else {
        panic!()
    };
    assert!(t.temporary);
    let Stmt::CreateTable(t) = conv(
        "create table public.profiles (id bigint generated always as identity primary key, user_id uuid not null references auth.users on delete cascade, total numeric(10, 2) generated always as (a * 2) stored)",
    ) else {
        panic!()
    };
    assert_eq!(t.columns.len(), 3);
    assert!(matches!(
        t.columns[0].constraints[0].kind,
        ConstraintKind::PrimaryKey(_)
    ));
    assert!(t.columns[1].not_null);
    let ConstraintKind::ForeignKey(fk) = &t.columns[1].constraints[0].kind else {
        panic!("{:?}", t.columns[1])
    };
    assert_eq!(fk.ref_table.key(), ("auth".into(), "users".into()));
    assert!(fk.ref_columns.is_empty());
    assert_eq!(t.columns[2].data_type, "numeric(10,2)");
    assert!(t.columns[2].constraints.is_empty());
}

#[test]
fn alter_table_actions() {
    let sql = "ALTER TABLE IF EXISTS ONLY \"Accounts\" ADD COLUMN IF NOT EXISTS user_id uuid NOT NULL REFERENCES auth.users(id), DROP COLUMN IF EXISTS legacy CASCADE, RENAME COLUMN a TO \"B\", ADD CONSTRAINT fk_x FOREIGN KEY (x_id) REFERENCES x (id), DROP CONSTRAINT IF EXISTS old_c, ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY, ALTER COLUMN c SET DEFAULT 0, OWNER TO postgres";
    let (file, _, stmt) = conv_in_file(sql);
    let Stmt::AlterTable(a) = stmt else {
        panic!("{stmt:?}")
    };
    assert!(a.if_exists && a.only);
    assert_eq!(a.name.key(), ("public".into(), "Accounts".into()));
    let acts: Vec<_> = a.actions.iter().map(|a| &a.action).collect();
    assert_eq!(acts.len(), 11);
    let AlterTableAction::AddColumn {
        if_not_exists,
        column,
    } = acts[0]
    else {
        panic!()
    };
    assert!(*if_not_exists);
    assert_eq!(column.name.value, "user_id");
    assert_eq!(column.data_type, "uuid");
    assert!(column.not_null);
    assert!(
        matches!(&column.constraints[0].kind, ConstraintKind::ForeignKey(fk) if fk.ref_table.key() == ("auth".into(), "users".into()))
    );
    assert_eq!(
        text(&file, a.actions[0].span),
        "ADD COLUMN IF NOT EXISTS user_id uuid NOT NULL REFERENCES auth.users(id)"
    );
    assert!(
        matches!(acts[1], AlterTableAction::DropColumn { name, if_exists: true, cascade: true } if name.value == "legacy")
    );
    assert!(
        matches!(acts[2], AlterTableAction::RenameColumn { from, to } if from.value == "a" && to.value == "B")
    );
    assert!(
        matches!(acts[3], AlterTableAction::AddConstraint(TableConstraint { kind: ConstraintKind::ForeignKey(_), name: Some(n), .. }) if n.value == "fk_x")
    );
    assert!(
        matches!(acts[4], AlterTableAction::DropConstraint { name, if_exists: true } if name.value == "old_c")
    );
    assert_eq!(acts[5], &AlterTableAction::EnableRls);
    assert_eq!(acts[6], &AlterTableAction::ForceRls);
    assert_eq!(acts[7], &AlterTableAction::NoForceRls);
    assert_eq!(acts[8], &AlterTableAction::DisableRls);
    assert!(matches!(acts[9], AlterTableAction::SetDefault { column, .. } if column.value == "c"));
    assert_eq!(acts[10], &AlterTableAction::Other("OWNER TO".into()));
}

#[test]
fn alter_table_rename_and_set_schema() {
    let (file, _, stmt) = conv_in_file("alter table public.users rename to users_old");
    let Stmt::AlterTable(a) = stmt else { panic!() };
    let AlterTableAction::RenameTable { to } = &a.actions[0].action else {
        panic!()
    };
    assert_eq!(to.value, "users_old");
    assert_eq!(text(&file, a.name.name.span), "users");
    let Stmt::AlterTable(a) = conv("ALTER TABLE users SET SCHEMA archive") else {
        panic!()
    };
    assert!(
        matches!(&a.actions[0].action, AlterTableAction::SetSchema { schema } if schema.value == "archive")
    );
    let Stmt::AlterTable(a) = conv("ALTER TABLE t ADD x int") else {
        panic!()
    };
    assert!(
        matches!(&a.actions[0].action, AlterTableAction::AddColumn { if_not_exists: false, column } if column.name.value == "x")
    );
    let Stmt::AlterTable(a) = conv("ALTER TABLE t ADD PRIMARY KEY (id), DROP x") else {
        panic!()
    };
    assert!(
        matches!(&a.actions[0].action, AlterTableAction::AddConstraint(c) if c.kind == ConstraintKind::PrimaryKey(vec![Ident { value: "id".into(), span: Span::new(31, 33) }]))
    );
    assert!(matches!(
        &a.actions[1].action,
        AlterTableAction::DropColumn {
            if_exists: false,
            cascade: false,
            ..
        }
    ));
}

#[test]
fn create_index() {
    let sql = "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Idx\" ON ONLY s.t USING btree (user_id, lower(email), created_at DESC) WHERE deleted_at IS NULL";
    let (file, _, stmt) = conv_in_file(sql);
    let Stmt::CreateIndex(i) = stmt else {
        panic!("{stmt:?}")
    };
    assert!(i.unique && i.concurrently && i.if_not_exists && i.partial);
    assert_eq!(i.name.as_ref().map(|n| n.value.as_str()), Some("Idx"));
    assert_eq!(i.table.key(), ("s".into(), "t".into()));
    let cols: Vec<_> = i
        .columns
        .iter()
        .map(|c| c.column.as_ref().map(|c| c.value.as_str()))
        .collect();
    assert_eq!(cols, vec![Some("user_id"), None, Some("created_at")]);
    assert_eq!(text(&file, i.columns[1].span), "lower(email)");
    let Stmt::CreateIndex(i) =
        conv("create index on items using hnsw (embedding vector_cosine_ops)")
    else {
        panic!()
    };
    assert!(i.name.is_none() && !i.unique && !i.partial);
    assert_eq!(
        i.columns[0].column.as_ref().map(|c| c.value.as_str()),
        Some("embedding")
    );
}

#[test]
fn drops() {
    let (file, _, stmt) =
        conv_in_file("DROP TABLE IF EXISTS users, public.\"Orders\", auth.sessions CASCADE");
    let Stmt::Drop(d) = stmt else { panic!() };
    assert_eq!(d.kind, ObjectKind::Table);
    assert!(d.if_exists && d.cascade && !d.concurrently);
    assert_eq!(
        names(&d.names),
        vec![
            ("public".into(), "users".into()),
            ("public".into(), "Orders".into()),
            ("auth".into(), "sessions".into())
        ]
    );
    assert_eq!(text(&file, d.names[1].name.span), "\"Orders\"");
    let cases: &[(&str, ObjectKind, usize)] = &[
        ("DROP VIEW v", ObjectKind::View, 1),
        (
            "DROP MATERIALIZED VIEW IF EXISTS mv",
            ObjectKind::MaterializedView,
            1,
        ),
        (
            "DROP INDEX CONCURRENTLY IF EXISTS idx_a",
            ObjectKind::Index,
            1,
        ),
        ("DROP SCHEMA app CASCADE", ObjectKind::Schema, 1),
        ("DROP SEQUENCE s1, s2", ObjectKind::Sequence, 2),
        ("DROP TYPE status", ObjectKind::Type, 1),
        ("DROP DOMAIN d", ObjectKind::Domain, 1),
        ("DROP FUNCTION f(int, text), g()", ObjectKind::Function, 2),
        ("DROP PROCEDURE p", ObjectKind::Procedure, 1),
        ("DROP TRIGGER trg ON public.t", ObjectKind::Trigger, 1),
        (
            "DROP POLICY IF EXISTS \"Users can read\" ON profiles",
            ObjectKind::Policy,
            1,
        ),
        ("DROP EXTENSION IF EXISTS vector", ObjectKind::Extension, 1),
        (
            "DROP PUBLICATION supabase_realtime",
            ObjectKind::Publication,
            1,
        ),
        ("DROP ROLE r", ObjectKind::Role, 1),
    ];
    for (sql, kind, n) in cases {
        let Stmt::Drop(d) = conv(sql) else {
            panic!("{sql}: {:?}", conv(sql))
        };
        assert_eq!(d.kind, *kind, "{sql}");
        assert_eq!(d.names.len(), *n, "{sql}");
    }
    let Stmt::Drop(d) = conv("DROP INDEX CONCURRENTLY IF EXISTS idx_a") else {
        panic!()
    };
    assert!(d.concurrently && d.if_exists);
    let Stmt::Drop(d) = conv("DROP POLICY IF EXISTS \"Users can read\" ON profiles") else {
        panic!()
    };
    assert_eq!(d.names[0].name.value, "Users can read");
    assert_eq!(
        d.on_table.map(|t| t.key()),
        Some(("public".into(), "profiles".into()))
    );
}

#[test]
fn truncate_and_simple_creates() {
    let Stmt::Truncate { tables, cascade } =
        conv("TRUNCATE TABLE ONLY a, s.b * RESTART IDENTITY CASCADE")
    else {
        panic!()
    };
    assert!(cascade);
    assert_eq!(
        names(&tables),
        vec![("public".into(), "a".into()), ("s".into(), "b".into())]
    );
    assert!(
        matches!(conv("CREATE SCHEMA IF NOT EXISTS app"), Stmt::CreateSchema { name, if_not_exists: true } if name.value == "app")
    );
    assert!(
        matches!(conv("create extension if not exists vector with schema extensions"), Stmt::CreateExtension { name, if_not_exists: true, .. } if name.value == "vector")
    );
    assert!(
        matches!(conv("CREATE EXTENSION \"uuid-ossp\""), Stmt::CreateExtension { name, if_not_exists: false, .. } if name.value == "uuid-ossp")
    );
    assert!(
        matches!(conv("CREATE SEQUENCE IF NOT EXISTS s.seq START 1"), Stmt::CreateSequence { name, if_not_exists: true } if name.key() == ("s".into(), "seq".into()))
    );
    assert!(matches!(
        conv("CREATE OR REPLACE VIEW v AS SELECT 1"),
        Stmt::CreateView {
            or_replace: true,
            materialized: false,
            ..
        }
    ));
    assert!(matches!(
        conv("CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1"),
        Stmt::CreateView {
            materialized: true,
            if_not_exists: true,
            ..
        }
    ));
    assert!(
        matches!(conv("CREATE TYPE public.status AS ENUM ('a', 'b')"), Stmt::CreateType { name, kind: ObjectKind::Type, .. } if name.name.value == "status")
    );
    assert!(
        matches!(conv("CREATE DOMAIN email AS text CHECK (VALUE ~ '@')"), Stmt::CreateType { name, kind: ObjectKind::Domain, .. } if name.name.value == "email")
    );
    assert!(matches!(conv("CREATE DATABASE foo"), Stmt::CreateDatabase));
    assert!(matches!(
        conv("ALTER SYSTEM SET work_mem = '64MB'"),
        Stmt::AlterSystem
    ));
    assert!(matches!(conv("VACUUM"), Stmt::Vacuum));
    assert!(matches!(
        conv("VACUUM (VERBOSE, ANALYZE) users"),
        Stmt::Vacuum
    ));
    assert!(matches!(conv("VACUUM FULL users"), Stmt::VacuumFull { .. }));
    assert!(matches!(
        conv("REINDEX INDEX CONCURRENTLY idx"),
        Stmt::Reindex {
            concurrently: true,
            many_tables: None,
            ..
        }
    ));
    assert!(matches!(
        conv("REINDEX TABLE t"),
        Stmt::Reindex {
            concurrently: false,
            many_tables: None,
            ..
        }
    ));
    assert!(matches!(
        conv("REINDEX (VERBOSE) SCHEMA public"),
        Stmt::Reindex {
            concurrently: false,
            many_tables: Some("SCHEMA"),
            ..
        }
    ));
    assert!(matches!(
        conv("CREATE TABLESPACE t LOCATION '/x'"),
        Stmt::CreateTablespace
    ));
}

#[test]
fn functions_triggers_policies() {
    let f = "create or replace function public.handle_new_user() returns trigger language plpgsql security definer set search_path = '' as $$ begin insert into public.profiles (id) values (new.id); return new; end; $$";
    assert!(
        matches!(conv(f), Stmt::CreateFunction { name, or_replace: true, kind: ObjectKind::Function, .. } if name.key() == ("public".into(), "handle_new_user".into()))
    );
    let t = "create trigger on_auth_user_created after insert on auth.users for each row execute function public.handle_new_user()";
    assert!(
        matches!(conv(t), Stmt::CreateTrigger { name, table, or_replace: false, constraint: false, .. } if name.value == "on_auth_user_created" && table.key() == ("auth".into(), "users".into()))
    );
    let t = "CREATE OR REPLACE TRIGGER trg BEFORE UPDATE OF a, b ON t FOR EACH ROW EXECUTE FUNCTION f()";
    assert!(
        matches!(conv(t), Stmt::CreateTrigger { or_replace: true, table, .. } if table.name.value == "t")
    );
    let p = "create policy \"Users can update own profile\" on public.profiles as restrictive for update to authenticated, anon using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id)";
    let (file, _, stmt) = conv_in_file(p);
    let Stmt::CreatePolicy(p) = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(p.name.value, "Users can update own profile");
    assert_eq!(text(&file, p.name.span), "\"Users can update own profile\"");
    assert_eq!(p.table.key(), ("public".into(), "profiles".into()));
    assert_eq!(p.command, PolicyCommand::Update);
    assert_eq!(
        p.roles,
        vec!["authenticated".to_string(), "anon".to_string()]
    );
    assert!(!p.permissive);
    let Stmt::CreatePolicy(p) = conv("CREATE POLICY p ON t USING (true)") else {
        panic!()
    };
    assert_eq!(p.command, PolicyCommand::All);
    assert!(p.permissive && p.roles.is_empty());
    let Stmt::AlterPolicy(a) = conv("ALTER POLICY \"Old\" ON t RENAME TO new_name") else {
        panic!()
    };
    assert_eq!(
        (a.name.value.as_str(), a.rename_to.map(|r| r.value)),
        ("Old", Some("new_name".into()))
    );
    let Stmt::AlterPolicy(a) = conv("ALTER POLICY p ON t TO authenticated USING (true)") else {
        panic!()
    };
    assert!(a.rename_to.is_none());
}

#[test]
fn publications() {
    let Stmt::AlterPublication(p) = conv("ALTER PUBLICATION p ADD TABLE a, b") else {
        panic!()
    };
    assert_eq!(p.action, PublicationAction::Add);
    assert_eq!(
        names(&p.tables),
        vec![("public".into(), "a".into()), ("public".into(), "b".into())]
    );
    let (file, _, stmt) = conv_in_file(
        "alter publication supabase_realtime add table only public.messages, b*, s.\"Q\" (a, b) where (a > 1)",
    );
    let Stmt::AlterPublication(p) = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(
        names(&p.tables),
        vec![
            ("public".into(), "messages".into()),
            ("public".into(), "b".into()),
            ("s".into(), "Q".into())
        ]
    );
    assert_eq!(text(&file, p.tables[2].name.span), "\"Q\"");
    let Stmt::AlterPublication(p) =
        conv("ALTER PUBLICATION p SET TABLE a, TABLES IN SCHEMA s1, s2")
    else {
        panic!()
    };
    assert_eq!(p.action, PublicationAction::Set);
    assert_eq!(p.tables.len(), 1);
    assert_eq!(
        p.schemas
            .iter()
            .map(|s| s.value.as_str())
            .collect::<Vec<_>>(),
        vec!["s1", "s2"]
    );
    let Stmt::AlterPublication(p) = conv("ALTER PUBLICATION p DROP TABLE a") else {
        panic!()
    };
    assert_eq!(p.action, PublicationAction::Drop);
    let Stmt::AlterPublication(p) = conv("ALTER PUBLICATION p SET (publish = 'insert')") else {
        panic!()
    };
    assert_eq!(p.action, PublicationAction::Other);
    let Stmt::AlterPublication(p) = conv("ALTER PUBLICATION p OWNER TO postgres") else {
        panic!()
    };
    assert_eq!(p.action, PublicationAction::Other);
    assert!(matches!(
        conv("CREATE PUBLICATION p FOR ALL TABLES"),
        Stmt::CreatePublication(CreatePublication {
            target: PublicationTarget::AllTables,
            ..
        })
    ));
    assert!(matches!(
        conv("CREATE PUBLICATION p"),
        Stmt::CreatePublication(CreatePublication {
            target: PublicationTarget::None,
            ..
        })
    ));
    let Stmt::CreatePublication(p) =
        conv("CREATE PUBLICATION p FOR TABLE a, TABLES IN SCHEMA s WITH (publish = 'insert')")
    else {
        panic!()
    };
    assert_eq!(
        p.target,
        PublicationTarget::Objects {
            tables: vec![QualifiedName {
                schema: None,
                name: Ident {
                    value: "a".into(),
                    span: Span::new(31, 32)
                }
            }],
            schemas: vec![Ident {
                value: "s".into(),
                span: Span::new(51, 52)
            }]
        }
    );
}

#[test]
fn others_keep_their_keyword() {
    let cases: &[(&str, &str)] = &[
        ("grant anon to authenticator", "GRANT"),
        ("comment on table t is 'x'", "COMMENT"),
        ("select 1", "SELECT"),
        ("(select 1)", "SELECT"),
        ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SET"),
        ("alter table t alter column c set default 0", ""),
    ];
    for (sql, kw) in cases {
        let got = conv(sql);
        if kw.is_empty() {
            assert!(matches!(got, Stmt::AlterTable(_)), "{sql}: {got:?}");
        } else {
            assert_eq!(
                got,
                Stmt::Other {
                    keyword: kw.to_string()
                },
                "{sql}"
            );
        }
    }
}

#[test]
fn parse_errors_vs_unsupported() {
    let invalid: &[(&str, &str)] = &[
        ("SELEC 1", "SELEC"),
        ("CREATE TABEL x()", "TABEL"),
        ("SELECT (1", "("),
        ("SELECT 1)", ")"),
        ("INSERT INTO t VALUES (1,,2)", ","),
        ("INSERT INTO t VALUES (1,)", ")"),
        ("DROP TABEL x", "TABEL"),
        ("ALTER TABEL x RENAME TO y", "TABEL"),
        ("\"select\" 1", "\"select\""),
        ("SELECT 'unterminated", "'"),
    ];
    for (sql, tok) in invalid {
        let (file, _, stmt) = conv_in_file(sql);
        let Stmt::Invalid { message, at } = &stmt else {
            panic!("{sql}: {stmt:?}")
        };
        assert_eq!(text(&file, *at), *tok, "{sql}: {message}");
        assert!(!message.contains("Line:"), "{message}");
    }
    let unsupported: &[(&str, &str)] = &[
        (
            "CREATE EVENT TRIGGER trg ON ddl_command_end EXECUTE FUNCTION f()",
            "CREATE EVENT TRIGGER",
        ),
        (
            "SECURITY LABEL FOR selinux ON TABLE t IS 'system_u:object_r:sepgsql_table_t:s0'",
            "SECURITY LABEL",
        ),
        ("ALTER SEQUENCE s RESTART WITH 10 OWNED BY t.id", ""),
    ];
    for (sql, kw) in unsupported {
        let got = conv(sql);
        match &got {
            Stmt::Unsupported { keyword, .. } => {
                if !kw.is_empty() {
                    assert_eq!(keyword, kw, "{sql}");
                }
            }
            Stmt::Other { .. } => {}
            other => panic!("{sql}: {other:?}"),
        }
    }
}

#[test]
fn deep_nesting_does_not_reach_sqlparser() {
    let deep = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
    assert!(matches!(conv(&deep), Stmt::Unsupported { .. }));
    let unbalanced = format!("SELECT {}1", "(".repeat(5000));
    assert!(matches!(conv(&unbalanced), Stmt::Invalid { .. }));
    let moderately = format!("SELECT {}1{}", "(".repeat(150), ")".repeat(150));
    let got = conv(&moderately);
    assert!(!matches!(got, Stmt::Invalid { .. }), "{got:?}");
}

#[test]
fn no_panics_on_odd_input() {
    for sql in [
        "",
        "   ",
        "-- only a comment",
        "CREATE",
        "DROP",
        "ALTER TABLE",
        "CREATE TABLE",
        "CREATE INDEX ON",
        "DROP TABLE ,",
        "TRUNCATE",
        "ALTER PUBLICATION",
        "CREATE POLICY p ON",
        "DO",
        "DO $$ $$",
        "ALTER TABLE t ADD",
        "ALTER TABLE t RENAME",
        "\u{0}",
        "é",
        "$1",
        "U&\"d\\0061t\\+000061\"",
        "CREATE TABLE t (",
        "CREATE TABLE t ()",
        "CREATE TABLE t (,)",
        "E'\\",
        "/* unterminated",
    ] {
        let _ = conv(sql);
        let _ = conv_in_file(sql);
    }
}

#[test]
fn do_block_body_span() {
    let (file, _, stmt) = conv_in_file("DO $body$ BEGIN PERFORM 1; END $body$");
    let Stmt::Do { body } = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(text(&file, body), " BEGIN PERFORM 1; END ");
}

#[test]
fn type_text_is_normalised() {
    let sql = "CREATE TABLE t (a TIMESTAMP(3) WITHOUT TIME ZONE, b Double Precision [], c public.\"MyEnum\", d NUMERIC( 10 , 2 ) NOT NULL, e geometry(Point, 4326), f character varying(20) COLLATE \"C\", g int[][], h interval day to second)";
    let Stmt::CreateTable(t) = conv(sql) else {
        panic!()
    };
    let types: Vec<_> = t.columns.iter().map(|c| c.data_type.as_str()).collect();
    assert_eq!(
        types,
        vec![
            "timestamp(3) without time zone",
            "double precision[]",
            "public.\"MyEnum\"",
            "numeric(10,2)",
            "geometry(point,4326)",
            "character varying(20)",
            "int[][]",
            "interval day to second",
        ]
    );
}

#[test]
fn spans_survive_crlf_and_multibyte_inside_the_statement() {
    let sql = "CREATE TABLE \"Ünïcødé\" ( -- kommentär ✓\r\n  \"naïve\" text NOT NULL, -- ✓✓\r\n\tzürich_id uuid REFERENCES \"Städte\"(id)\r\n)";
    let (file, _, stmt) = conv_in_file(sql);
    let Stmt::CreateTable(t) = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(t.name.name.value, "Ünïcødé");
    assert_eq!(text(&file, t.name.name.span), "\"Ünïcødé\"");
    assert_eq!(text(&file, t.columns[0].name.span), "\"naïve\"");
    assert_eq!(text(&file, t.columns[0].span), "\"naïve\" text NOT NULL");
    // Unquoted non-ASCII letters are not folded (PostgreSQL folds ASCII only in UTF-8).
    let c = &t.columns[1];
    assert_eq!(c.name.value, "zürich_id");
    assert_eq!(text(&file, c.data_type_span), "uuid");
    let ConstraintKind::ForeignKey(fk) = &c.constraints[0].kind else {
        panic!()
    };
    assert_eq!(text(&file, fk.ref_table.name.span), "\"Städte\"");
    assert_eq!(
        text(&file, c.constraints[0].span),
        "REFERENCES \"Städte\"(id)"
    );
    // Folding: USERS = users = "users", "Users" differs.
    let keys: Vec<_> = [
        "DROP TABLE USERS",
        "DROP TABLE users",
        "DROP TABLE \"users\"",
        "DROP TABLE \"Users\"",
    ]
    .iter()
    .map(|s| match conv(s) {
        Stmt::Drop(d) => d.names[0].name.value.clone(),
        other => panic!("{other:?}"),
    })
    .collect();
    assert_eq!(keys, vec!["users", "users", "users", "Users"]);
}

#[test]
fn invalid_at_spans_are_exact_in_file() {
    let (file, _, stmt) = conv_in_file("CREATE TABLE ok (a int);\r\n");
    assert!(matches!(stmt, Stmt::CreateTable(_)), "{stmt:?} {file}");
    let (file, _, stmt) = conv_in_file("/* ✓ */ SELEC ✓");
    let Stmt::Invalid { at, message } = stmt else {
        panic!()
    };
    assert_eq!(text(&file, at), "SELEC");
    assert!(message.contains("SELEC"), "{message}");
    let (file, _, stmt) = conv_in_file("INSERT INTO \"tä\" VALUES ('✓',\r\n,2)");
    let Stmt::Invalid { at, .. } = stmt else {
        panic!()
    };
    assert_eq!(text(&file, at), ",");
    assert_eq!(at.start, file.rfind(",2").unwrap_or(0));
}

#[test]
fn unsupported_keywords() {
    let cases: &[(&str, &str)] = &[
        (
            "CREATE EVENT TRIGGER t ON ddl_command_end EXECUTE FUNCTION f()",
            "CREATE EVENT TRIGGER",
        ),
        ("ALTER SEQUENCE s RESTART WITH 10", "ALTER SEQUENCE"),
        ("SECURITY LABEL ON TABLE t IS 'x'", "SECURITY LABEL"),
        (
            "CREATE TEXT SEARCH CONFIGURATION c (COPY = english)",
            "CREATE TEXT SEARCH CONFIGURATION",
        ),
    ];
    for (sql, kw) in cases {
        match conv(sql) {
            Stmt::Unsupported { keyword, message } => {
                assert_eq!(keyword, *kw, "{sql}");
                assert!(
                    !message.is_empty() && !message.contains("Line:"),
                    "{message}"
                );
            }
            // sqlparser reads some of them: then they are `Other`, with the same keyword.
            Stmt::Other { keyword } => assert_eq!(keyword, *kw, "{sql}"),
            other => panic!("{sql}: {other:?}"),
        }
    }
}

#[test]
fn publication_junk_is_a_parse_error() {
    let (file, _, stmt) =
        conv_in_file("ALTER PUBLICATION supabase_realtime ADD TABLE IF NOT EXISTS generations");
    let Stmt::Invalid { at, message } = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(text(&file, at), "NOT");
    assert!(message.contains("NOT"), "{message}");
    // Row filters, column lists, `*` and WITH are fine.
    for sql in [
        "CREATE PUBLICATION p FOR TABLE a (x, y) WHERE (x > 1), b * WITH (publish = 'insert')",
        "ALTER PUBLICATION p ADD TABLE ONLY a, TABLES IN SCHEMA CURRENT_SCHEMA",
        "alter\n  publication supabase_realtime add table messages",
    ] {
        let got = conv(sql);
        assert!(
            matches!(got, Stmt::CreatePublication(_) | Stmt::AlterPublication(_)),
            "{sql}: {got:?}"
        );
    }
}

#[test]
fn pg_dump_style_quoting_normalises() {
    let sql = "CREATE TABLE \"public\".\"p\" (\"id\" \"uuid\" NOT NULL, \"emb\" \"extensions\".\"vector\"(1536), \"St\" \"public\".\"Status\", \"tags\" \"text\"[])";
    let Stmt::CreateTable(t) = conv(sql) else {
        panic!()
    };
    let types: Vec<_> = t.columns.iter().map(|c| c.data_type.as_str()).collect();
    assert_eq!(
        types,
        vec![
            "uuid",
            "extensions.vector(1536)",
            "public.\"Status\"",
            "text[]"
        ]
    );
    assert_eq!(t.columns[2].name.value, "St");
    let Stmt::CreateTable(t) = conv(
        "create table public.kw (\"check\" text, data jsonb, exclude text, EXCLUDE USING gist (r WITH &&))",
    ) else {
        panic!()
    };
    let cols: Vec<_> = t.columns.iter().map(|c| c.name.value.as_str()).collect();
    assert_eq!(cols, vec!["check", "data", "exclude"]);
    assert_eq!(t.constraints[0].kind, ConstraintKind::Exclude);
}

#[test]
fn tokenizer_failures() {
    let (file, _, stmt) = conv_in_file("-- c\nSELECT \"unterminated");
    let Stmt::Invalid { at, .. } = stmt else {
        panic!("{stmt:?}")
    };
    assert!(at.start >= file.find("SELECT").unwrap_or(0), "{at:?}");
    // A leading comment does not hide the statement keyword.
    let got = conv("/* c */ -- d\nSELECT 1_000");
    assert!(!matches!(got, Stmt::Invalid { .. }), "{got:?}");
}

#[test]
fn loc_mapper_handles_crlf_multibyte_and_going_back() {
    use crate::syntax::lex::LocMapper;
    use sqlparser::tokenizer::Location;
    let text = "aé\r\n✓b\nc";
    let mut m = LocMapper::new(text);
    let loc = |line, column| Location { line, column };
    assert_eq!(m.local(loc(2, 2)), text.find('b').unwrap_or(0));
    assert_eq!(m.local(loc(1, 3)), text.find('\r').unwrap_or(0));
    assert_eq!(m.local(loc(3, 1)), text.find('c').unwrap_or(0));
    // Past the end of a line stays on it; past the text clamps to its end.
    assert_eq!(m.local(loc(1, 50)), text.find('\n').unwrap_or(0));
    assert_eq!(m.local(loc(9, 9)), text.len());
    assert_eq!(m.local(loc(0, 0)), 0);
}

#[test]
fn begin_atomic_function_body() {
    let sql = "CREATE OR REPLACE FUNCTION public.add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE BEGIN ATOMIC SELECT a + b; END";
    let got = conv(sql);
    assert!(
        matches!(got, Stmt::CreateFunction { or_replace: true, ref name, .. } if name.name.value == "add"),
        "{got:?}"
    );
}

#[test]
fn recognizer_in_doubt_does_not_hide_sqlparser_errors() {
    // Typos PostgreSQL rejects: the recognizer cannot vouch for them, so sqlparser's complaint
    // is shown (as unsupported-syntax, since we cannot be sure it is an error).
    for sql in [
        "CREATE TABLE t (id int primary key, name text not nul)",
        "CREATE TABLE t (id int, name)",
        "ALTER TABLE t ADD COLUMN x int frobnicate",
        "CREATE POLICY p ON t FOR SELCT USING (true)",
        "CREATE INDEX i ON t (a) INCLUDING (b)",
    ] {
        let got = conv(sql);
        assert!(matches!(got, Stmt::Unsupported { .. }), "{sql}: {got:?}");
    }
    // PostgreSQL spellings sqlparser may not know are still recognized.
    for sql in [
        "CREATE TABLE t (id int CONSTRAINT pk PRIMARY KEY USING INDEX TABLESPACE ts, c text COLLATE \"C\" COMPRESSION lz4 STORAGE EXTERNAL, r int REFERENCES p MATCH FULL ON DELETE SET NULL (r) DEFERRABLE INITIALLY DEFERRED)",
        "ALTER TABLE t SET SCHEMA archive",
        "ALTER TABLE t DROP COLUMN c RESTRICT",
        "TRUNCATE a, b CONTINUE IDENTITY RESTRICT",
        "CREATE INDEX i ON t (a) INCLUDE (b) NULLS NOT DISTINCT WITH (fillfactor = 70) TABLESPACE ts WHERE a > 0",
    ] {
        let got = conv(sql);
        assert!(
            !matches!(got, Stmt::Unsupported { .. } | Stmt::Invalid { .. }),
            "{sql}: {got:?}"
        );
    }
}

#[test]
fn trailing_commas_are_invalid() {
    for (sql, tok) in [
        ("CREATE TABLE t (id int,)", ")"),
        ("SELECT a, FROM t", "FROM"),
        ("SELECT f(1,)", ")"),
    ] {
        let (file, _, stmt) = conv_in_file(sql);
        match stmt {
            Stmt::Invalid { at, .. } => assert_eq!(text(&file, at), tok, "{sql}"),
            other => panic!("{sql}: {other:?}"),
        }
    }
}

#[test]
fn policy_followed_by_another_statement_is_a_parse_error() {
    let sql = "create policy \"p\" ON public.t\nas permissive for select\nto supabase_auth_admin\nusing (true)\n\n/** helpers */\ncreate or replace function public.f() returns int as $$ select 1 $$ language sql";
    let (file, _, stmt) = conv_in_file(sql);
    let Stmt::Invalid { at, message } = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(text(&file, at), "create");
    assert!(message.contains("\"create\""), "{message}");
    let (file, _, stmt) = conv_in_file("CREATE POLICY p ON t USING (true) WITH CHEK (true)");
    let Stmt::Invalid { at, .. } = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(text(&file, at), "WITH");
}

#[test]
fn alter_table_action_followed_by_more_text_is_a_parse_error() {
    let sql = "alter table public.users enable row level security\ncreate policy p on public.users using (true)";
    let (file, _, stmt) = conv_in_file(sql);
    let Stmt::Invalid { at, .. } = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(text(&file, at), "create");
    let (file, _, stmt) = conv_in_file("ALTER TABLE t RENAME TO u v");
    let Stmt::Invalid { at, .. } = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(text(&file, at), "v");
    assert!(matches!(
        conv("ALTER TABLE t DROP COLUMN c CASCADE, DROP CONSTRAINT k RESTRICT"),
        Stmt::AlterTable(_)
    ));
}

#[test]
fn drop_followed_by_more_text_is_a_parse_error() {
    let (file, _, stmt) = conv_in_file("TRUNCATE a b");
    let Stmt::Invalid { at, .. } = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(text(&file, at), "b");
    let (file, _, stmt) = conv_in_file("drop table if exists a\ncreate table a (id int)");
    let Stmt::Invalid { at, .. } = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(text(&file, at), "create");
    for sql in [
        "DROP FUNCTION IF EXISTS f(int, text) CASCADE",
        "DROP TRIGGER IF EXISTS t ON s.x RESTRICT",
        "DROP POLICY \"p\" ON t",
        "DROP INDEX CONCURRENTLY IF EXISTS a, b",
        "DROP OWNED BY bob",
        "DROP RULE r ON t",
    ] {
        let got = conv(sql);
        assert!(!matches!(got, Stmt::Invalid { .. }), "{sql}: {got:?}");
    }
}

#[test]
fn missing_comma_between_columns_is_a_parse_error() {
    // sqlparser accepts the first (it reads `PRIMARY KEY name`); PostgreSQL does not.
    for (sql, near) in [
        (
            "CREATE TABLE c (\n  id uuid PRIMARY KEY\n  name text NOT NULL\n)",
            "name",
        ),
        ("CREATE TABLE c (\n  id int DEFAULT 1\n  foo text\n)", "foo"),
        (
            "CREATE TABLE c (\n  id int,\n  \"A\" text\n  \"B\" int\n)",
            "\"B\"",
        ),
    ] {
        let Stmt::Invalid { at, message } = conv(sql) else {
            panic!("{sql}: not a parse error");
        };
        assert_eq!(text(sql, at), near, "{message}");
    }
    // Multi-word types and constraints continued on the next line are fine.
    for sql in [
        "CREATE TABLE c (\n  a timestamp\n  with time zone,\n  b double\n  precision,\n  c timestamp\n  without time zone\n  default now()\n)",
        "CREATE TABLE c (\n  a int\n  not null\n  references t (id)\n  on delete cascade,\n  b text\n  collate \"C\"\n)",
        "CREATE TABLE c (\n  a int\n  GENERATED ALWAYS AS IDENTITY,\n  b int\n  CHECK (b > 0)\n)",
    ] {
        let got = conv(sql);
        assert!(!matches!(got, Stmt::Invalid { .. }), "{sql}: {got:?}");
    }
}

/// The object kind comes from the keywords, never from a name that contains a kind word, and
/// the keyword spans point at the words as written.
#[test]
fn create_kinds_and_keyword_spans() {
    let kind_of = |sql: &str| -> (ObjectKind, String, String) {
        let (file, _, stmt) = conv_in_file(sql);
        let (kind, keywords) = match stmt {
            Stmt::CreateType { kind, keywords, .. }
            | Stmt::CreateFunction { kind, keywords, .. } => (kind, keywords),
            Stmt::CreateTrigger {
                constraint,
                keywords,
                ..
            } => (
                if constraint {
                    ObjectKind::Other
                } else {
                    ObjectKind::Trigger
                },
                keywords,
            ),
            other => panic!("{sql}: {other:?}"),
        };
        (
            kind,
            text(&file, keywords.create).to_string(),
            text(&file, keywords.kind).to_string(),
        )
    };
    let cases = [
        (
            "CREATE TYPE domain_status AS ENUM ('a')",
            ObjectKind::Type,
            "CREATE",
            "TYPE",
        ),
        (
            "create domain type_name as text",
            ObjectKind::Domain,
            "create",
            "domain",
        ),
        (
            "CREATE FUNCTION procedure_count() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            ObjectKind::Function,
            "CREATE",
            "FUNCTION",
        ),
        (
            "CREATE OR REPLACE PROCEDURE function_log() LANGUAGE sql AS 'SELECT 1'",
            ObjectKind::Procedure,
            "CREATE",
            "PROCEDURE",
        ),
        (
            "CREATE TRIGGER constraint_trigger_audit AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
            ObjectKind::Trigger,
            "CREATE",
            "TRIGGER",
        ),
        (
            "CREATE CONSTRAINT TRIGGER plain_name AFTER INSERT ON t DEFERRABLE FOR EACH ROW EXECUTE FUNCTION f()",
            ObjectKind::Other,
            "CREATE",
            "CONSTRAINT TRIGGER",
        ),
        (
            "Create Constraint\r\n  Trigger x AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
            ObjectKind::Other,
            "Create",
            "Constraint\r\n  Trigger",
        ),
    ];
    for (sql, kind, create, kw) in cases {
        assert_eq!(
            kind_of(sql),
            (kind, create.to_string(), kw.to_string()),
            "{sql}"
        );
    }
    // CONCURRENTLY and ON of an index, the CONCURRENTLY of DROP and REINDEX.
    let (file, _, stmt) = conv_in_file("CREATE UNIQUE INDEX CONCURRENTLY ON t (a)");
    let Stmt::CreateIndex(ci) = stmt else {
        panic!("{stmt:?}")
    };
    assert_eq!(text(&file, ci.keywords.kind), "UNIQUE INDEX");
    assert_eq!(
        ci.concurrently_kw.map(|s| text(&file, s)),
        Some("CONCURRENTLY")
    );
    assert_eq!(text(&file, ci.on_kw), "ON");
    let (file, _, stmt) = conv_in_file("DROP INDEX CONCURRENTLY IF EXISTS concurrently");
    let Stmt::Drop(d) = stmt else {
        panic!("{stmt:?}")
    };
    let at = d.concurrently_kw.expect("concurrently");
    assert_eq!(text(&file, at), "CONCURRENTLY");
    assert!(at.start < d.names[0].span().start);
    let (file, _, stmt) = conv_in_file("REINDEX (CONCURRENTLY true) TABLE concurrently");
    let Stmt::Reindex {
        concurrently_kw: Some(at),
        ..
    } = stmt
    else {
        panic!("{stmt:?}")
    };
    assert_eq!(text(&file, at), "CONCURRENTLY");
}

/// Shapes `pg_dump`, `supabase db diff` and hand-written migrations use that sqlparser cannot
/// read: understood (not `unsupported-syntax`), each as the statement it is.
#[test]
fn dump_and_diff_shapes_are_understood() {
    let other = [
        (
            "ALTER SEQUENCE public.tasks_id_seq OWNED BY public.tasks.id",
            "ALTER SEQUENCE",
        ),
        (
            "alter sequence \"public\".\"labels_id_seq\" owned by \"public\".\"labels\".\"id\"",
            "ALTER SEQUENCE",
        ),
        ("ALTER SEQUENCE IF EXISTS s OWNED BY NONE", "ALTER SEQUENCE"),
        (
            "ALTER SEQUENCE billing.invoices_id_seq OWNER TO postgres",
            "ALTER SEQUENCE",
        ),
        (
            "ALTER SEQUENCE s RESTART WITH 1000 INCREMENT BY -1 NO MAXVALUE CACHE 1 NO CYCLE",
            "ALTER SEQUENCE",
        ),
        ("ALTER SEQUENCE s AS integer", "ALTER SEQUENCE"),
        (
            "ALTER TYPE public.task_status OWNER TO supabase_admin",
            "ALTER TYPE",
        ),
        (
            "ALTER TYPE public.geo_point ADD ATTRIBUTE accuracy_m real",
            "ALTER TYPE",
        ),
        (
            "ALTER TYPE a ADD ATTRIBUTE c text COLLATE \"C\" CASCADE, DROP ATTRIBUTE IF EXISTS d, ALTER ATTRIBUTE e SET DATA TYPE numeric(10,2)",
            "ALTER TYPE",
        ),
        ("ALTER TYPE a RENAME ATTRIBUTE b TO c", "ALTER TYPE"),
        (
            "ALTER DOMAIN public.positive_int OWNER TO supabase_admin",
            "ALTER DOMAIN",
        ),
        (
            "ALTER DOMAIN d ADD CONSTRAINT d_check CHECK (VALUE > 0) NOT VALID",
            "ALTER DOMAIN",
        ),
        ("ALTER DOMAIN d SET DEFAULT 'x'::text", "ALTER DOMAIN"),
        ("ALTER DOMAIN d DROP NOT NULL", "ALTER DOMAIN"),
        (
            "ALTER PROCEDURE public.archive(IN older_than interval) OWNER TO postgres",
            "ALTER PROCEDURE",
        ),
        (
            "ALTER EVENT TRIGGER log_ddl OWNER TO postgres",
            "ALTER EVENT TRIGGER",
        ),
        ("ALTER EVENT TRIGGER log_ddl DISABLE", "ALTER EVENT TRIGGER"),
        (
            "ALTER STATISTICS s.st OWNER TO postgres",
            "ALTER STATISTICS",
        ),
        ("ALTER STATISTICS st SET STATISTICS 500", "ALTER STATISTICS"),
        (
            "ALTER INDEX public.audit_pkey ATTACH PARTITION public.audit_2026_pkey",
            "ALTER INDEX",
        ),
        (
            "COMMENT ON FUNCTION public.is_member_of(org bigint, min_role public.member_role) IS 'x'",
            "COMMENT",
        ),
        ("COMMENT ON PROCEDURE p(IN a interval) IS NULL", "COMMENT"),
        (
            "COMMENT ON POLICY \"Notes: team read\" ON public.notes IS\n  'a;'\n  ' b.'",
            "COMMENT",
        ),
        (
            "comment on table public.profiles is\n  'One row per auth user. '\n  'Created by a trigger.'",
            "COMMENT",
        ),
        ("COMMENT ON CONSTRAINT c ON DOMAIN d IS 'x'", "COMMENT"),
        (
            "COMMENT ON EVENT TRIGGER audit_ddl IS 'Records DDL'",
            "COMMENT",
        ),
        ("COMMENT ON TRIGGER t ON s.tbl IS $$x$$", "COMMENT"),
        (
            "GRANT USAGE ON TYPE public.member_role TO authenticated",
            "GRANT",
        ),
        (
            "GRANT ALL ON TYPE billing.invoice_state TO authenticated, service_role WITH GRANT OPTION",
            "GRANT",
        ),
        (
            "GRANT USAGE ON DOMAIN public.email_address TO GROUP staff",
            "GRANT",
        ),
        (
            "REVOKE ALL ON TYPE public.subscription_tier FROM PUBLIC",
            "REVOKE",
        ),
        (
            "REVOKE GRANT OPTION FOR USAGE ON TYPE t FROM a CASCADE",
            "REVOKE",
        ),
        (
            "CREATE EVENT TRIGGER log_ddl_end ON ddl_command_end\n WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')\n EXECUTE FUNCTION public.log_ddl()",
            "CREATE EVENT TRIGGER",
        ),
        (
            "create event trigger e on sql_drop execute procedure f()",
            "CREATE EVENT TRIGGER",
        ),
        (
            "CREATE STATISTICS public.tasks_project_status (dependencies, ndistinct) ON project_id, status FROM public.tasks",
            "CREATE STATISTICS",
        ),
        (
            "create statistics if not exists s on (lower(a)), b from t",
            "CREATE STATISTICS",
        ),
    ];
    for (sql, keyword) in other {
        match conv(sql) {
            Stmt::Other { keyword: k } => assert_eq!(k, keyword, "{sql}"),
            got => panic!("{sql}: {got:?}"),
        }
    }
    // PostgreSQL 18's NOT NULL table constraints make a column NOT NULL.
    let Stmt::CreateTable(t) = conv(
        "CREATE TABLE billing.invoices (id bigint, customer_id bigint, CONSTRAINT invoices_customer_required NOT NULL customer_id)",
    ) else {
        panic!()
    };
    assert!(t.columns[1].not_null && !t.columns[0].not_null);
    assert!(
        matches!(&t.constraints[0].kind, ConstraintKind::NotNull(c) if c.value == "customer_id")
    );
    let Stmt::AlterTable(a) =
        conv("ALTER TABLE billing.invoice_lines ADD CONSTRAINT d_present NOT NULL description")
    else {
        panic!()
    };
    assert!(
        matches!(&a.actions[0].action, AlterTableAction::AddConstraint(c) if matches!(&c.kind, ConstraintKind::NotNull(n) if n.value == "description"))
    );
    // Not those shapes: no claim, so sqlparser's verdict stands.
    for sql in [
        "ALTER SEQUENCE s OWNER TO",
        "ALTER SEQUENCE s",
        "COMMENT ON FUNCTION f(int) IS",
        "COMMENT ON POLICY p IS 'x'",
        "GRANT USAGE ON TYPE t",
        "CREATE EVENT TRIGGER e ON ddl_command_end EXECUTE FUNCTION",
        "CREATE STATISTICS s ON FROM t",
        "ALTER TYPE t ADD ATTRIBUTE",
    ] {
        assert!(
            !matches!(conv(sql), Stmt::Other { .. }),
            "{sql}: {:?}",
            conv(sql)
        );
    }
}

#[test]
fn deploy_safety_facts() {
    // Session settings are statements of their own.
    let Stmt::Session(s) = conv("SET LOCAL lock_timeout = '5s'") else {
        panic!()
    };
    assert_eq!(
        (s.name.as_str(), s.value.as_deref(), s.local),
        ("lock_timeout", Some("5s"), true)
    );
    assert_eq!(s.duration_ms(), Some(5000));
    let Stmt::Session(s) = conv("set lock_timeout to 0") else {
        panic!()
    };
    assert_eq!(s.duration_ms(), Some(0));
    let Stmt::Session(s) = conv("SET search_path TO \"$user\", public, extensions") else {
        panic!()
    };
    assert_eq!(s.value.as_deref(), Some("$user, public, extensions"));
    let Stmt::Session(s) = conv("SET ROLE postgres") else {
        panic!()
    };
    assert_eq!(
        (s.name.as_str(), s.value.as_deref()),
        ("role", Some("postgres"))
    );
    let Stmt::Session(s) = conv("RESET lock_timeout") else {
        panic!()
    };
    assert_eq!((s.name.as_str(), s.value), ("lock_timeout", None));
    let Stmt::Session(s) = conv("SELECT pg_catalog.set_config('lock_timeout', '3s', true)") else {
        panic!()
    };
    assert!(s.local && s.function && s.duration_ms() == Some(3000));
    assert!(matches!(
        conv("SELECT set_config('a', b, true)"),
        Stmt::Other { .. }
    ));
    // Data changes.
    let Stmt::DataChange(d) = conv("UPDATE public.orders SET a = (SELECT 1 WHERE true)") else {
        panic!()
    };
    assert!(d.kind == DataChangeKind::Update && !d.filtered);
    let Stmt::DataChange(d) = conv("delete from orders where id = 1") else {
        panic!()
    };
    assert!(d.kind == DataChangeKind::Delete && d.filtered);
    // Columns: defaults, their volatility, generated columns.
    let Stmt::AlterTable(a) = conv(
        "ALTER TABLE t ADD COLUMN a uuid DEFAULT gen_random_uuid(), ADD COLUMN b timestamptz DEFAULT now() NOT NULL, ADD COLUMN c numeric DEFAULT 0::numeric(10,2), ADD COLUMN d int DEFAULT my_fn(), ADD COLUMN e int GENERATED ALWAYS AS (x * 2) STORED, ADD COLUMN f bigint GENERATED BY DEFAULT AS IDENTITY",
    ) else {
        panic!()
    };
    let cols: Vec<&ColumnDef> = a
        .actions
        .iter()
        .filter_map(|a| match &a.action {
            AlterTableAction::AddColumn { column, .. } => Some(column),
            _ => None,
        })
        .collect();
    let vol = |i: usize| cols[i].default.as_ref().map(|d| d.volatility);
    assert_eq!(vol(0), Some(Volatility::Volatile));
    assert_eq!(vol(1), Some(Volatility::Stable));
    assert!(cols[1].not_null);
    assert_eq!(vol(2), Some(Volatility::Stable));
    assert_eq!(vol(3), Some(Volatility::Unknown));
    assert_eq!(cols[4].generated, Some(Generated::Stored));
    assert_eq!(cols[5].generated, Some(Generated::Identity));
    // Constraints: NOT VALID, USING INDEX, CHECK (c IS NOT NULL).
    let Stmt::AlterTable(a) = conv(
        "ALTER TABLE t ADD CONSTRAINT c1 CHECK ((x IS NOT NULL)) NOT VALID, ADD CONSTRAINT c2 UNIQUE USING INDEX i2, VALIDATE CONSTRAINT c1, ALTER COLUMN x TYPE bigint USING x::bigint, ALTER x SET NOT NULL, SET UNLOGGED",
    ) else {
        panic!()
    };
    let AlterTableAction::AddConstraint(c1) = &a.actions[0].action else {
        panic!()
    };
    assert!(c1.not_valid && c1.check_not_null.as_ref().is_some_and(|c| c.value == "x"));
    let AlterTableAction::AddConstraint(c2) = &a.actions[1].action else {
        panic!()
    };
    assert_eq!(
        c2.using_index.as_ref().map(|i| i.value.as_str()),
        Some("i2")
    );
    assert!(
        matches!(&a.actions[2].action, AlterTableAction::ValidateConstraint { name } if name.value == "c1")
    );
    assert!(
        matches!(&a.actions[3].action, AlterTableAction::AlterColumnType { data_type, using: true, .. } if data_type == "bigint")
    );
    assert!(
        matches!(&a.actions[4].action, AlterTableAction::SetNotNull { column } if column.value == "x")
    );
    assert_eq!(
        a.actions[5].action,
        AlterTableAction::SetLogged { logged: false }
    );
    // Maintenance and enum values.
    assert!(
        matches!(conv("VACUUM (FULL, ANALYZE) public.t"), Stmt::VacuumFull { tables } if tables.len() == 1)
    );
    assert!(matches!(conv("VACUUM (FULL false) t"), Stmt::Vacuum));
    assert!(matches!(
        conv("CLUSTER t USING t_pkey"),
        Stmt::Cluster { table: Some(_) }
    ));
    assert!(
        matches!(conv("LOCK TABLE t IN SHARE ROW EXCLUSIVE MODE"), Stmt::LockTable { mode, .. } if mode == "SHARE ROW EXCLUSIVE")
    );
    assert!(
        matches!(conv("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' AFTER 'ok'"), Stmt::AddEnumValue { value, if_not_exists: true, .. } if value == "meh")
    );
    assert!(matches!(
        conv("REINDEX INDEX i"),
        Stmt::Reindex {
            target: Some((ObjectKind::Index, _)),
            ..
        }
    ));
}

#[test]
fn privileges_functions_views_and_foreign_tables() {
    let Stmt::Grant(g) = conv(
        "GRANT SELECT (id, name), INSERT ON TABLE public.\"Items\", b TO anon, GROUP \"Staff\", PUBLIC WITH GRANT OPTION",
    ) else {
        panic!("not a grant");
    };
    assert_eq!(g.privileges, Privileges::INSERT);
    assert_eq!(g.column_privileges, Privileges::SELECT);
    assert_eq!(g.kind, GrantObjectKind::Table);
    assert_eq!(g.objects[0].key(), ("public".into(), "Items".into()));
    assert_eq!(g.grantees, ["anon", "Staff", "public"]);
    let Stmt::Grant(g) =
        conv("revoke execute on function api.f(uuid, text), g() from anon, authenticated cascade")
    else {
        panic!("not a revoke");
    };
    assert!(g.revoke);
    assert_eq!(g.kind, GrantObjectKind::Function);
    assert_eq!(g.objects.len(), 2);
    let Stmt::Grant(g) =
        conv("GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA api, app TO authenticated")
    else {
        panic!("not a grant");
    };
    assert!(g.all_in_schema);
    assert_eq!(g.privileges, Privileges::ALL);
    assert!(matches!(
        conv("REVOKE GRANT OPTION FOR SELECT ON t FROM anon"),
        Stmt::Other { .. }
    ));
    let Stmt::DefaultPrivileges(d) = conv(
        "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC",
    ) else {
        panic!("not default privileges");
    };
    assert_eq!(d.for_roles, ["postgres"]);
    assert_eq!(d.schemas, ["public"]);
    assert!(d.grant.revoke && d.grant.kind == GrantObjectKind::Function);

    let Stmt::CreateFunction { attrs, .. } = conv(
        "CREATE OR REPLACE FUNCTION public.f(a int DEFAULT 1) RETURNS TABLE (x int) LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$ BEGIN RETURN; END $$",
    ) else {
        panic!("not a function");
    };
    assert!(
        attrs.security_definer && attrs.search_path && !attrs.returns_trigger && !attrs.sql_body
    );
    let Stmt::CreateFunction { attrs, .. } =
        conv("create function t() returns trigger language plpgsql as $$ begin return new; end $$")
    else {
        panic!("not a function");
    };
    assert!(attrs.returns_trigger && !attrs.security_definer && !attrs.search_path);
    let Stmt::CreateFunction { attrs, .. } =
        conv("CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql RETURN a + b")
    else {
        panic!("not a function");
    };
    assert!(attrs.sql_body);
    assert!(matches!(
        conv("ALTER FUNCTION public.f(int) SET search_path = public, pg_temp"),
        Stmt::AlterFunction {
            security_definer: None,
            search_path: Some(true),
            ..
        }
    ));
    assert!(matches!(
        conv("ALTER FUNCTION f SECURITY INVOKER RESET ALL"),
        Stmt::AlterFunction {
            security_definer: Some(false),
            search_path: Some(false),
            ..
        }
    ));
    assert!(matches!(
        conv("ALTER FUNCTION f() OWNER TO postgres"),
        Stmt::Other { .. }
    ));

    let Stmt::CreateView { view, .. } = conv(
        "CREATE VIEW public.v WITH (security_invoker = on) AS WITH recent AS (SELECT * FROM notes) SELECT n.*, p.name FROM recent r, profiles AS p JOIN public.notes n ON true LEFT JOIN auth.users u ON u.id = p.id WHERE n.id IN (SELECT id FROM \"Tags\") AND extract(epoch FROM now()) > 0",
    ) else {
        panic!("not a view");
    };
    assert!(view.security_invoker);
    let reads: Vec<String> = view.reads.iter().map(QualifiedName::display).collect();
    assert_eq!(
        reads,
        [
            "notes",
            "profiles",
            "public.notes",
            "auth.users",
            "\"Tags\""
        ]
    );
    let Stmt::CreateView { view, .. } = conv("create materialized view mv as select * from t")
    else {
        panic!("not a view");
    };
    assert!(!view.security_invoker);
    assert!(matches!(
        conv("ALTER VIEW public.v SET (security_invoker = true)"),
        Stmt::AlterViewInvoker {
            security_invoker: true,
            ..
        }
    ));
    assert!(matches!(
        conv("ALTER VIEW v RESET (security_invoker)"),
        Stmt::AlterViewInvoker {
            security_invoker: false,
            ..
        }
    ));
    assert!(matches!(
        conv(
            "CREATE FOREIGN TABLE stripe.customers (id text) SERVER stripe_server OPTIONS (object 'customers')"
        ),
        Stmt::CreateForeignTable {
            if_not_exists: false,
            ..
        }
    ));
    assert!(
        matches!(conv("DROP FOREIGN TABLE IF EXISTS f"), Stmt::Drop(d) if d.kind == ObjectKind::ForeignTable)
    );
    let Stmt::AlterPolicy(p) = conv(
        "ALTER POLICY p ON t TO authenticated USING (user_id = (select auth.uid())) WITH CHECK (true)",
    ) else {
        panic!("not alter policy");
    };
    assert_eq!(p.roles, Some(vec!["authenticated".to_string()]));
    assert!(p.using.is_some() && p.with_check.as_ref().is_some_and(|e| e.always_true));
}
