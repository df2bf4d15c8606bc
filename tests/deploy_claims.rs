//! The PostgreSQL behaviour behind `enum-value-in-transaction` and `identifier-too-long`,
//! checked on a real server: each case's migration runs statement by statement the way a
//! runner sends it (autocommit unless `BEGIN`, or inside one transaction when the config says
//! the runner wraps the file), and pgward's verdict must match the server's: the rule fires
//! exactly on the cases PostgreSQL refuses (or, for long names, truncates).

mod common;

use common::pg::Db;
use pgward::engine::{CheckInput, check};
use pgward::{Config, SourceFile};
use std::path::Path;

/// pgward's findings of `rule` on `sql` under `config_toml`: (severity, message).
fn findings(rule: &str, sql: &str, config_toml: &str) -> Vec<(String, String)> {
    let mut config = Config::from_toml(config_toml, Path::new("pgward.toml")).expect("config");
    config.rules.select = vec![rule.to_string()];
    let input = CheckInput {
        source: SourceFile::new("0002_case.sql", sql),
        report: true,
    };
    check(vec![input], &config)
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == rule)
        .map(|d| (d.severity.as_str().to_string(), d.message))
        .collect()
}

/// Run the migration's top-level statements one query each (inside one transaction when
/// `wrapped`); the first error's message, if any.
fn run(db: &Db, sql: &str, wrapped: bool) -> Option<String> {
    let parsed = pgward::syntax::parse_file(sql);
    let mut client = db.client();
    if wrapped {
        client.batch_execute("BEGIN").expect("begin");
    }
    for stmt in parsed.top_level() {
        let text = &sql[stmt.span.range()];
        if let Err(e) = client.batch_execute(text) {
            return Some(
                e.as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_string()),
            );
        }
    }
    if wrapped {
        client.batch_execute("COMMIT").expect("commit");
    }
    None
}

const ENUM_SETUP: &str = "CREATE TYPE public.order_status AS ENUM ('open', 'closed');
CREATE TABLE public.orders (id bigint PRIMARY KEY, status public.order_status NOT NULL DEFAULT 'open');";

#[test]
fn enum_values_are_usable_only_after_commit_as_the_rule_says() {
    // (name, migration, the runner wraps the file in a transaction)
    let cases: &[(&str, &str, bool)] = &[
        (
            "used in the same BEGIN block",
            "BEGIN;\nALTER TYPE public.order_status ADD VALUE 'archived';\nUPDATE public.orders SET status = 'archived' WHERE id = 1;\nCOMMIT;\n",
            false,
        ),
        (
            "as a column default in the same block",
            "BEGIN;\nALTER TYPE order_status ADD VALUE 'archived';\nALTER TABLE orders ALTER COLUMN status SET DEFAULT 'archived';\nCOMMIT;\n",
            false,
        ),
        (
            "cast in the same block",
            "BEGIN;\nALTER TYPE order_status ADD VALUE 'archived';\nSELECT 'archived'::public.order_status;\nCOMMIT;\n",
            false,
        ),
        (
            "in a partial index in the same block",
            "BEGIN;\nALTER TYPE order_status ADD VALUE 'archived';\nCREATE INDEX orders_archived ON orders (id) WHERE status = 'archived';\nCOMMIT;\n",
            false,
        ),
        (
            "the runner's transaction around the file",
            "ALTER TYPE order_status ADD VALUE 'archived';\nUPDATE orders SET status = 'archived' WHERE id = 1;\n",
            true,
        ),
        (
            "inside one DO block",
            "DO $$\nBEGIN\n  ALTER TYPE order_status ADD VALUE 'archived';\n  UPDATE orders SET status = 'archived' WHERE id = 1;\nEND\n$$;\n",
            false,
        ),
        (
            "an enum created in the same transaction too",
            "BEGIN;\nCREATE TYPE public.priority AS ENUM ('low');\nALTER TYPE public.priority ADD VALUE 'high';\nSELECT 'high'::priority;\nCOMMIT;\n",
            false,
        ),
        (
            "committed in between",
            "BEGIN;\nALTER TYPE order_status ADD VALUE 'archived';\nCOMMIT;\nUPDATE orders SET status = 'archived' WHERE id = 1;\n",
            false,
        ),
        (
            "no transaction block: each statement commits",
            "ALTER TYPE order_status ADD VALUE 'archived';\nUPDATE orders SET status = 'archived' WHERE id = 1;\n",
            false,
        ),
        (
            "a DO block of its own, then the use",
            "DO $$ BEGIN ALTER TYPE order_status ADD VALUE 'archived'; END $$;\nUPDATE orders SET status = 'archived' WHERE id = 1;\n",
            false,
        ),
        (
            "the same text as another type",
            "BEGIN;\nALTER TYPE order_status ADD VALUE 'archived';\nSELECT 'archived'::text;\nCOMMIT;\n",
            false,
        ),
    ];
    let mut wrong = Vec::new();
    for (name, sql, wrapped) in cases {
        let db = Db::new();
        db.exec(ENUM_SETUP);
        let refused = run(&db, sql, *wrapped);
        if let Some(message) = &refused {
            assert!(
                message.contains("unsafe use of new value"),
                "{name}: unexpected error {message}"
            );
        }
        let config = if *wrapped {
            "assume_in_transaction = true\n"
        } else {
            ""
        };
        let fired = findings("enum-value-in-transaction", sql, config);
        let fired_any = !fired.is_empty();
        if refused.is_some() != fired_any {
            wrong.push(format!(
                "{name}: PostgreSQL {}, pgward {:?}",
                refused.as_deref().unwrap_or("accepts it"),
                fired
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn long_identifiers_are_truncated_and_collide_as_the_rule_says() {
    let a63 = "a".repeat(63);
    let e32 = "é".repeat(32); // 64 bytes; PostgreSQL keeps 31 characters (62 bytes)
    let db = Db::new();

    // Exactly 63 bytes: kept as is, nothing to say.
    let sql = format!("CREATE TABLE {a63} (id int);\n");
    assert_eq!(run(&db, &sql, false), None);
    assert!(db.table_exists(&a63));
    assert!(findings("identifier-too-long", &sql, "").is_empty());

    // 65 bytes: stored as its first 63 bytes; the rule names that name.
    let long = format!("{}_x", "b".repeat(63));
    let sql = format!("CREATE TABLE {long} (id int);\n");
    assert_eq!(run(&db, &sql, false), None);
    let stored = db.query("SELECT relname FROM pg_class WHERE relname LIKE 'bbb%'");
    assert_eq!(stored, [&long[..63]]);
    let fired = findings("identifier-too-long", &sql, "");
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0].0, "warning");
    assert!(
        fired[0].1.contains(&format!("\"{}\"", stored[0])),
        "{fired:?}"
    );

    // A multi-byte name is cut at a character boundary.
    let sql = format!("CREATE TABLE \"{e32}\" (id int);\n");
    assert_eq!(run(&db, &sql, false), None);
    let stored = db.query("SELECT relname FROM pg_class WHERE relname LIKE 'é%'");
    assert_eq!(stored, ["é".repeat(31)]);
    let fired = findings("identifier-too-long", &sql, "");
    assert!(
        fired[0].1.contains(&format!("\"{}\"", stored[0])),
        "{fired:?}"
    );

    // Two names equal in their first 63 bytes: the second CREATE fails, an error for pgward.
    let sql = format!(
        "CREATE TABLE {p}_first (id int);\nCREATE TABLE {p}_second (id int);\n",
        p = "c".repeat(63)
    );
    let refused = run(&db, &sql, false);
    assert!(
        refused
            .as_deref()
            .is_some_and(|m| m.contains("already exists")),
        "{refused:?}"
    );
    let fired = findings("identifier-too-long", &sql, "");
    let severities: Vec<&str> = fired.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(severities, ["warning", "error"], "{fired:?}");

    // Columns collide within their table only.
    let sql = format!(
        "CREATE TABLE t_cols ({p}_a int, {p}_b int);\n",
        p = "d".repeat(63)
    );
    let refused = run(&db, &sql, false);
    assert!(
        refused
            .as_deref()
            .is_some_and(|m| m.contains("specified more than once")),
        "{refused:?}"
    );
    let fired = findings("identifier-too-long", &sql, "");
    assert!(fired.iter().any(|f| f.0 == "error"), "{fired:?}");
    let sql = format!(
        "CREATE TABLE t_one ({p}_a int);\nCREATE TABLE t_two ({p}_b int);\n",
        p = "f".repeat(63)
    );
    assert_eq!(run(&db, &sql, false), None);
    let fired = findings("identifier-too-long", &sql, "");
    assert!(fired.iter().all(|f| f.0 == "warning"), "{fired:?}");
}
