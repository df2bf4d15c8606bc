//! What pgward's runner model and rule messages claim about PostgreSQL, checked against a real
//! server (the throwaway cluster of `tests/common`).

#[allow(dead_code)]
mod common;

use common::pg::Db;

fn simple(db: &Db, sql: &str) -> Result<(), String> {
    db.client().simple_query(sql).map(|_| ()).map_err(|e| {
        e.as_db_error()
            .map_or(e.to_string(), |d| d.message().to_string())
    })
}

/// golang-migrate (and Prisma before 7.4) send a file as one multi-statement query: PostgreSQL
/// runs it as one implicit transaction, so it is atomic, and `CREATE INDEX CONCURRENTLY` fails
/// in it unless it is the only statement.
#[test]
fn a_multi_statement_query_is_one_implicit_transaction() {
    let db = Db::new();
    db.exec("CREATE TABLE t (a int)");
    let err = simple(
        &db,
        "INSERT INTO t VALUES (1); CREATE INDEX CONCURRENTLY t_a ON t (a);",
    )
    .unwrap_err();
    assert!(
        err.contains("cannot run inside a transaction block"),
        "{err}"
    );
    // Atomic: the INSERT before the failing statement is gone too.
    assert_eq!(db.query("SELECT count(*) FROM t"), ["0"]);
    let err = simple(
        &db,
        "INSERT INTO t VALUES (1); INSERT INTO nope VALUES (1);",
    )
    .unwrap_err();
    assert!(err.contains("does not exist"), "{err}");
    assert_eq!(db.query("SELECT count(*) FROM t"), ["0"]);
    // Alone, it runs.
    simple(&db, "CREATE INDEX CONCURRENTLY t_a ON t (a);").unwrap();
    assert_eq!(
        db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a'::regclass"),
        ["t"]
    );
}

/// psql (autocommit) and Prisma since 7.4 run statement by statement: a failure leaves the
/// statements before it applied.
#[test]
fn statement_by_statement_is_not_atomic() {
    let db = Db::new();
    db.exec("CREATE TABLE t (a int)");
    let mut c = db.client();
    c.simple_query("INSERT INTO t VALUES (1)").unwrap();
    assert!(c.simple_query("INSERT INTO nope VALUES (1)").is_err());
    assert_eq!(db.query("SELECT count(*) FROM t"), ["1"]);
}

/// `foreign-key-cycle`: a nullable `ON DELETE SET NULL` key makes a cycle harmless (rows are
/// written one after the other, deletes empty the key); without one, inserts need deferral and
/// deletes fail.
#[test]
fn foreign_key_cycles_as_the_rule_describes_them() {
    let db = Db::new();
    db.exec(
        "CREATE TABLE orgs (id int PRIMARY KEY, owner_id int NOT NULL);
         CREATE TABLE profiles (id int PRIMARY KEY,
           current_org_id int REFERENCES orgs (id) ON DELETE SET NULL);
         ALTER TABLE orgs ADD FOREIGN KEY (owner_id) REFERENCES profiles (id) ON DELETE CASCADE;",
    );
    // Harmless: insert the profile with the key empty, then the org, then point the profile.
    db.exec(
        "INSERT INTO profiles VALUES (1, NULL);
         INSERT INTO orgs VALUES (10, 1);
         UPDATE profiles SET current_org_id = 10 WHERE id = 1;",
    );
    // Deleting the org empties the profile's key.
    db.exec("DELETE FROM orgs WHERE id = 10");
    assert_eq!(
        db.query("SELECT coalesce(current_org_id::text, 'NULL') FROM profiles"),
        ["NULL"]
    );

    // No nullable key, NO ACTION: neither row can be inserted first, nor deleted.
    db.exec(
        "CREATE TABLE a (id int PRIMARY KEY, b_id int NOT NULL);
         CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a);
         ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b;",
    );
    let err = simple(&db, "INSERT INTO a VALUES (1, 1)").unwrap_err();
    assert!(err.contains("violates foreign key constraint"), "{err}");
    let err = simple(&db, "INSERT INTO b VALUES (1, 1)").unwrap_err();
    assert!(err.contains("violates foreign key constraint"), "{err}");
}
