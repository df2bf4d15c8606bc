//! `table-rewrite` against a real PostgreSQL: for each statement, pgward's claim ("this rewrites
//! the table") must match what the server does, read as a change of the table's relation file
//! (`pg_relation_filenode`): a rewrite writes every row into a new file, an in-place change
//! keeps the file. Both directions are checked: no rewrite missed, none claimed falsely.

mod common;

use common::pg::Db;
use pgward::engine::{CheckInput, check};
use pgward::{Config, SourceFile};

const TABLE: &str = "CREATE TABLE t (
    id int PRIMARY KEY,
    a int,
    v varchar(100),
    n numeric(10, 2),
    ts timestamp,
    b text
);
INSERT INTO t SELECT g, g, 'v' || g, g, now(), 'b' FROM generate_series(1, 50) g;";

/// (statement, runs outside a transaction block)
const CASES: &[(&str, bool)] = &[
    ("ALTER TABLE t ALTER COLUMN a TYPE bigint", false),
    ("ALTER TABLE t ALTER COLUMN a TYPE int", false),
    ("ALTER TABLE t ALTER COLUMN v TYPE varchar(200)", false),
    ("ALTER TABLE t ALTER COLUMN v TYPE varchar(50)", false),
    ("ALTER TABLE t ALTER COLUMN v TYPE text", false),
    ("ALTER TABLE t ALTER COLUMN b TYPE varchar(10)", false),
    ("ALTER TABLE t ALTER COLUMN n TYPE numeric(12, 2)", false),
    ("ALTER TABLE t ALTER COLUMN n TYPE numeric(12, 4)", false),
    ("ALTER TABLE t ALTER COLUMN a TYPE text", false),
    ("ALTER TABLE t ADD COLUMN c int", false),
    ("ALTER TABLE t ADD COLUMN c int DEFAULT 0", false),
    (
        "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()",
        false,
    ),
    (
        "ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid()",
        false,
    ),
    (
        "ALTER TABLE t ADD COLUMN c double precision DEFAULT random()",
        false,
    ),
    ("ALTER TABLE t ADD COLUMN c serial", false),
    ("ALTER TABLE t ADD COLUMN c bigserial", false),
    (
        "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (a * 2) STORED",
        false,
    ),
    (
        "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS IDENTITY",
        false,
    ),
    ("ALTER TABLE t SET UNLOGGED", false),
    (
        "ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0)",
        false,
    ),
    ("ALTER TABLE t ALTER COLUMN a SET NOT NULL", false),
    ("CLUSTER t USING t_pkey", false),
    ("VACUUM FULL t", true),
];

/// Whether pgward's `table-rewrite` reports `stmt` on `t`, an existing table.
fn claims_rewrite(stmt: &str) -> bool {
    let inputs = vec![
        CheckInput {
            source: SourceFile::new("0001_t.sql", TABLE),
            report: false,
        },
        CheckInput {
            source: SourceFile::new("0002_change.sql", format!("{stmt};\n")),
            report: true,
        },
    ];
    check(inputs, &Config::default())
        .diagnostics
        .iter()
        .any(|d| d.rule == "table-rewrite")
}

#[test]
fn table_rewrite_claims_exactly_what_postgresql_rewrites() {
    let db = Db::new();
    let mut wrong = Vec::new();
    let mut rewrites = 0;
    for (i, (stmt, outside)) in CASES.iter().enumerate() {
        let schema = format!("s{i}");
        db.exec(&format!(
            "CREATE SCHEMA {schema}; SET search_path = {schema}; {TABLE}"
        ));
        let mut client = db.client();
        client
            .batch_execute(&format!("SET search_path = {schema}"))
            .unwrap();
        let filenode = |c: &mut postgres::Client| -> u32 {
            c.query_one("SELECT pg_relation_filenode('t')::oid", &[])
                .unwrap()
                .get(0)
        };
        let before = filenode(&mut client);
        let sql = if *outside {
            stmt.to_string()
        } else {
            format!("BEGIN; {stmt}; COMMIT")
        };
        client
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{stmt}: {e}"));
        let rewritten = filenode(&mut client) != before;
        rewrites += usize::from(rewritten);
        let claimed = claims_rewrite(stmt);
        if rewritten != claimed {
            wrong.push(format!(
                "{stmt}: PostgreSQL {} the table, pgward's table-rewrite {}",
                if rewritten {
                    "rewrote"
                } else {
                    "did not rewrite"
                },
                if claimed {
                    "claims it does"
                } else {
                    "says nothing"
                }
            ));
        }
    }
    assert!(
        rewrites >= 10,
        "the cases must include rewrites: {rewrites}"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
