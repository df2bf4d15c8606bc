//! Every row of pgward's lock table (`pgward::syntax::locks::LOCKS`) against a real PostgreSQL:
//! the row's example statement is parsed by pgward (which must give that lock kind on that
//! relation) and run in a transaction on a throwaway cluster; its own backend's `pg_locks` must
//! show exactly the row's mode as the strongest lock on the relation. Statements refused in a
//! transaction block are checked by the lock they wait for while another session holds the
//! table: `pg_locks` shows the requested (not granted) mode of the waiting backend.

mod common;

use common::pg::Db;
use pgward::syntax::locks::{LOCKS, LockMode, On, statement_locks};
use std::time::{Duration, Instant};

const SETUP: &str = "
CREATE TABLE r (id int PRIMARY KEY);
CREATE TABLE t (id int PRIMARY KEY, a int, b text);
CREATE INDEX t_a_idx ON t (a);
ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0) NOT VALID;
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER t_trg0 BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION trg();
CREATE POLICY t_pol ON t USING (true);
CREATE SCHEMA other;
CREATE TABLE p (id int) PARTITION BY LIST (id);
CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);
CREATE TABLE p2 (id int);
CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;
CREATE UNIQUE INDEX mv_x ON mv (x);
";

/// The relation name pgward's lock has for the row, checked against the model's answer.
fn parsed_relation(example: &str, kind: pgward::syntax::locks::LockKind) -> String {
    let parsed = pgward::syntax::parse_file(example);
    let stmt = parsed
        .statements
        .first()
        .unwrap_or_else(|| panic!("{example}: no statement"));
    let locks = statement_locks(&stmt.kind);
    let lock = locks
        .iter()
        .find(|l| l.kind == kind)
        .unwrap_or_else(|| panic!("{example}: pgward gives no {kind:?} lock: {locks:?}"));
    lock.relation.name.value.clone()
}

/// The strongest mode this backend holds on the relation with this oid, inside the open
/// transaction (by oid: the statement may have renamed or dropped it).
fn held(client: &mut postgres::Transaction, oid: u32) -> Option<LockMode> {
    client
        .query(
            "SELECT l.mode FROM pg_locks l
             WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.relation = $1",
            &[&oid],
        )
        .expect("pg_locks")
        .iter()
        .filter_map(|row| LockMode::from_pg_name(row.get::<_, &str>(0)))
        .max()
}

fn table_of(relation: &str) -> &str {
    match relation {
        "t_a_idx" => "t",
        other => other,
    }
}

#[test]
fn every_lock_table_row_matches_postgresql() {
    let db = Db::new();
    db.exec(SETUP);
    let mut wrong = Vec::new();
    // Statements in a transaction (rolled back) first: the others change the schema for good.
    let rows = LOCKS
        .iter()
        .filter(|r| !r.no_transaction)
        .chain(LOCKS.iter().filter(|r| r.no_transaction));
    for row in rows {
        let relation = match row.on {
            On::Target => parsed_relation(row.example, row.kind),
            On::Referenced => "r".to_string(),
        };
        let got = if row.no_transaction {
            waiting_mode(&db, row.example, table_of(&relation), row.mode)
        } else {
            let mut client = db.client();
            let mut tx = client.transaction().expect("begin");
            let oid: u32 = tx
                .query_one("SELECT $1::text::regclass::oid", &[&relation])
                .expect("relation oid")
                .get(0);
            tx.batch_execute(row.example).unwrap_or_else(|e| {
                panic!(
                    "{}: {:?}",
                    row.example,
                    e.as_db_error().map(|d| d.message().to_string())
                )
            });
            let got = held(&mut tx, oid);
            tx.rollback().expect("rollback");
            got
        };
        if got != Some(row.mode) {
            wrong.push(format!(
                "{:?} `{}`: table says {} on {relation}, PostgreSQL took {:?}",
                row.kind,
                row.example,
                row.mode.sql(),
                got.map(LockMode::sql)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The weakest mode that conflicts with `mode`: held by another session, it makes a statement
/// that takes `mode` (or anything stronger) wait, while the brief ACCESS SHARE lookups some
/// commands take first (VACUUM's) pass.
fn weakest_conflict(mode: LockMode) -> LockMode {
    match mode {
        LockMode::AccessExclusive => LockMode::AccessShare,
        LockMode::Exclusive => LockMode::RowShare,
        LockMode::ShareRowExclusive | LockMode::Share => LockMode::RowExclusive,
        LockMode::ShareUpdateExclusive => LockMode::ShareUpdateExclusive,
        LockMode::RowExclusive | LockMode::RowShare => LockMode::Share,
        LockMode::AccessShare => LockMode::AccessExclusive,
    }
}

/// Run `example` (which cannot run in a transaction block) while another session holds
/// `table` in the weakest mode that conflicts with `expected`, and read the mode it waits for
/// on `table`. A statement taking a weaker mode does not wait: `None` after the deadline.
fn waiting_mode(db: &Db, example: &str, table: &str, expected: LockMode) -> Option<LockMode> {
    let mut holder = db.client();
    let mut tx = holder.transaction().expect("begin");
    // LOCK TABLE refuses materialized views; REFRESH takes ACCESS EXCLUSIVE on them.
    let hold = if table == "mv" {
        "REFRESH MATERIALIZED VIEW mv".to_string()
    } else {
        format!(
            "LOCK TABLE {table} IN {} MODE",
            weakest_conflict(expected).sql()
        )
    };
    tx.batch_execute(&hold).expect("lock");
    let mut runner = db.client();
    let pid: i32 = runner
        .query_one("SELECT pg_backend_pid()", &[])
        .expect("pid")
        .get(0);
    let sql = example.to_string();
    let handle = std::thread::spawn(move || runner.batch_execute(&sql).map_err(|e| e.to_string()));
    let mut observer = db.client();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut mode = None;
    while Instant::now() < deadline && !handle.is_finished() {
        let rows = observer
            .query(
                "SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                 WHERE l.pid = $1 AND NOT l.granted AND c.relname = $2",
                &[&pid, &table],
            )
            .expect("pg_locks");
        if let Some(row) = rows.first() {
            mode = LockMode::from_pg_name(row.get::<_, &str>(0));
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    tx.rollback().expect("rollback");
    let result = handle.join().expect("runner thread");
    if let Err(e) = result {
        panic!("{example}: {e}");
    }
    mode
}
