//! `pgward apply` and `pgward status` against a real PostgreSQL (see tests/common/pg.rs).

mod common;

use common::pg::{Db, PASSWORD, cluster};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A project directory with `migrations/` (and `backups/` once apply ran).
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let p = Project {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        std::fs::create_dir_all(p.path().join("migrations")).expect("migrations dir");
        p
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn write(&self, name: &str, sql: &str) -> PathBuf {
        let path = self.path().join("migrations").join(name);
        std::fs::write(&path, sql).expect("write migration");
        path
    }
    fn config(&self, toml: &str) {
        std::fs::write(self.path().join("pgward.toml"), toml).expect("write config");
    }
    fn backups(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.path().join("backups"))
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pgward"));
        c.args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1");
        c
    }
    fn run(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().expect("run pgward");
        Run::from(out)
    }
    fn apply(&self, db: &Db, extra: &[&str]) -> Run {
        let mut args = vec!["apply", "migrations", "--database-url", &db.url];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
    #[track_caller]
    fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        assert!(
            !self.all().contains(PASSWORD),
            "password printed:\n{}",
            self.all()
        );
        self
    }
}

/// Tables (schema.name) of the user schemas, and the history rows: "the database as it was".
fn fingerprint(db: &Db) -> (Vec<String>, Vec<String>) {
    let tables = db.query(
        "SELECT schemaname || '.' || tablename FROM pg_tables
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
    );
    (tables, db.history())
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn clean_apply_takes_a_backup_exports_dropped_rows_and_records_history() {
    let db = Db::new();
    db.exec(
        "CREATE TABLE meetings (id int PRIMARY KEY, title text);
         INSERT INTO meetings VALUES (1, 'kickoff'), (2, 'review, \"final\"');
         CREATE TABLE participants (id int PRIMARY KEY, name text, legacy text);
         INSERT INTO participants VALUES (1, 'ann', 'x');
         CREATE TABLE empty_old (id int);",
    );
    let p = Project::new();
    p.write(
        "0001_drop_v1.sql",
        "BEGIN;\nDROP TABLE IF EXISTS meetings CASCADE;\nDROP TABLE IF EXISTS empty_old;\n\
         ALTER TABLE participants DROP COLUMN IF EXISTS legacy;\nCOMMIT;\n",
    );
    p.write(
        "0002_clients.sql",
        "CREATE TABLE IF NOT EXISTS clients (id int PRIMARY KEY, name text NOT NULL);\n\
         ALTER TABLE clients ENABLE ROW LEVEL SECURITY;\n",
    );
    let r = p.apply(&db, &[]);
    r.expect(0);
    assert!(
        r.stdout.contains("[1/2] 0001_drop_v1.sql … ok ("),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("[2/2] 0002_clients.sql … ok ("),
        "{}",
        r.stdout
    );
    assert!(!db.table_exists("meetings"));
    assert!(db.table_exists("clients"));
    assert_eq!(db.history(), ["0001_drop_v1.sql", "0002_clients.sql"]);

    let files = p.backups();
    let dump = files
        .iter()
        .find(|f| f.extension().is_some_and(|e| e == "sql"))
        .expect("a backup file");
    let name = dump.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.contains(&db.name), "{name}");
    assert_eq!(mode(dump), 0o600);
    let text = std::fs::read_to_string(dump).unwrap();
    assert!(text.contains("CREATE TABLE public.meetings"));
    assert!(text.contains("-- PostgreSQL database dump complete"));
    assert!(
        r.stdout.contains(&name),
        "backup path printed: {}",
        r.stdout
    );
    let recorded = db.query("SELECT DISTINCT backup_path FROM pgward.schema_history");
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].ends_with(&name), "{recorded:?}");
    assert!(
        Path::new(&recorded[0]).is_absolute() && Path::new(&recorded[0]).is_file(),
        "the recorded backup path finds the file from anywhere: {recorded:?}"
    );

    let csv: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "csv"))
        .collect();
    let meetings = csv
        .iter()
        .find(|f| f.to_string_lossy().contains("meetings"))
        .expect("meetings exported");
    assert_eq!(mode(meetings), 0o600);
    assert_eq!(
        std::fs::read_to_string(meetings).unwrap(),
        "id,title\n1,kickoff\n2,\"review, \"\"final\"\"\"\n"
    );
    let legacy = csv
        .iter()
        .find(|f| f.to_string_lossy().contains("participants"))
        .expect("dropped column exported");
    assert_eq!(std::fs::read_to_string(legacy).unwrap(), "id,legacy\n1,x\n");
    assert!(
        !csv.iter()
            .any(|f| f.to_string_lossy().contains("empty_old")),
        "empty tables are not exported: {csv:?}"
    );
}

#[test]
fn reapply_is_a_no_op() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    p.apply(&db, &[]).expect(0);
    let backups = p.backups().len();
    let before = db.query("SELECT applied_at::text FROM pgward.schema_history");
    let r = p.apply(&db, &[]);
    r.expect(0);
    assert!(r.stdout.contains("nothing to apply"), "{}", r.stdout);
    assert!(r.stdout.contains("no pending migrations"), "{}", r.stdout);
    assert_eq!(p.backups().len(), backups, "no new backup for nothing");
    assert_eq!(
        db.query("SELECT applied_at::text FROM pgward.schema_history"),
        before
    );
}

#[test]
fn failure_in_the_middle_of_a_file_leaves_database_and_history_as_before() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int PRIMARY KEY);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    p.apply(&db, &["--no-backup"]).expect(0);
    let before = fingerprint(&db);
    p.write(
        "0002_b.sql",
        "BEGIN;\nCREATE TABLE b (id int PRIMARY KEY);\nALTER TABLE b ENABLE ROW LEVEL SECURITY;\n\
         INSERT INTO b VALUES (1);\nINSERT INTO b VALUES (1);\n\
         SELECT nope FROM b;\nCOMMIT;\n",
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert_eq!(fingerprint(&db), before);
    assert!(r.stderr.contains("23505"), "SQLSTATE: {}", r.stderr);
    assert!(
        r.stderr.contains("migrations/0002_b.sql:5:1"),
        "location: {}",
        r.stderr
    );
    assert!(r.stderr.contains("duplicate key"), "{}", r.stderr);
    assert!(
        r.stderr.contains("Key (id)=(1) already exists"),
        "detail: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("nothing was changed") || r.stderr.contains("rolled back"),
        "{}",
        r.stderr
    );

    // A server error position is mapped into the file (line 2, column of `nope`).
    p.write("0002_b.sql", "SELECT 1;\nSELECT 'é', nope FROM a;\n");
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(r.stderr.contains("42703"), "{}", r.stderr);
    assert!(
        r.stderr.contains("migrations/0002_b.sql:2:13"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("^"), "caret: {}", r.stderr);
    assert_eq!(fingerprint(&db), before);
}

#[test]
fn edited_applied_file_is_refused() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    p.apply(&db, &["--no-backup"]).expect(0);
    // CRLF and a BOM are not modifications.
    p.write(
        "0001_a.sql",
        "\u{feff}CREATE TABLE a (id int);\r\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\r\n",
    );
    p.apply(&db, &["--no-backup"]).expect(0);
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id bigint);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    p.write(
        "0002_b.sql",
        "CREATE TABLE b (id int);\nALTER TABLE b ENABLE ROW LEVEL SECURITY;\n",
    );
    let r = p.apply(&db, &[]);
    r.expect(1);
    assert!(
        r.stderr.contains("0001_a.sql") && r.stderr.contains("modified"),
        "{}",
        r.stderr
    );
    assert!(!db.table_exists("b"));
    assert!(p.backups().is_empty(), "refused before the backup");

    let r = p.run(&["status", "migrations", "--database-url", &db.url]);
    r.expect(1);
    assert!(r.stdout.contains("modified"), "{}", r.stdout);
}

#[test]
fn out_of_order_file_is_refused_unless_allowed() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0002_b.sql",
        "CREATE TABLE b (id int);\nALTER TABLE b ENABLE ROW LEVEL SECURITY;\n",
    );
    p.apply(&db, &["--no-backup"]).expect(0);
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(r.stderr.contains("out of order"), "{}", r.stderr);
    let r = p.run(&["status", "migrations", "--database-url", &db.url]);
    assert!(
        r.stdout.lines().any(|l| l.starts_with("pending")
            && l.contains("0001_a.sql")
            && l.contains("out of order")),
        "{}",
        r.stdout
    );
    p.apply(&db, &["--no-backup", "--allow-out-of-order"])
        .expect(0);
    assert!(db.table_exists("a"));
}

#[test]
fn lint_gate_refuses_a_protected_drop_before_any_backup() {
    let db = Db::new();
    db.exec("CREATE TABLE users (id int); INSERT INTO users VALUES (1);");
    let p = Project::new();
    p.config("[protected]\ntables = [\"users\"]\n");
    p.write(
        "0001_oops.sql",
        "BEGIN;\nDROP TABLE users CASCADE;\nCOMMIT;\n",
    );
    let r = p.apply(&db, &[]);
    r.expect(1);
    assert!(r.stdout.contains("protected-table-drop"), "{}", r.all());
    assert!(db.table_exists("users"));
    assert!(db.history().is_empty());
    assert!(p.backups().is_empty(), "no backup taken: {:?}", p.backups());
}

#[test]
fn dry_run_leaves_no_trace() {
    let db = Db::new();
    db.exec("CREATE TABLE old (id int); INSERT INTO old VALUES (1);");
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\nDROP TABLE old;\n",
    );
    p.write("0002_b.sql", "INSERT INTO a VALUES (1);\n");
    let before = fingerprint(&db);
    let r = p.apply(&db, &["--dry-run"]);
    r.expect(0);
    assert!(r.stdout.contains("dry run"), "{}", r.stdout);
    assert_eq!(fingerprint(&db), before);
    assert!(!db.table_exists("pgward.schema_history"));
    assert!(p.backups().is_empty(), "{:?}", p.backups());

    // A dry run still reports failures, with nothing changed.
    p.write("0002_b.sql", "INSERT INTO a VALUES ('x');\n");
    let r = p.apply(&db, &["--dry-run"]);
    r.expect(1);
    assert!(r.stderr.contains("22P02"), "{}", r.stderr);
    assert_eq!(fingerprint(&db), before);
}

#[test]
fn two_concurrent_applies_apply_each_file_once() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_slow.sql",
        "CREATE TABLE once (id int);\nALTER TABLE once ENABLE ROW LEVEL SECURITY;\n\
         INSERT INTO once VALUES (1);\nSELECT pg_sleep(1);\n",
    );
    p.write("0002_more.sql", "INSERT INTO once VALUES (2);\n");
    let spawn = || {
        p.command(&[
            "apply",
            "migrations",
            "--database-url",
            &db.url,
            "--no-backup",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let ra = Run::from(a.wait_with_output().unwrap());
    let rb = Run::from(b.wait_with_output().unwrap());
    ra.expect(0);
    rb.expect(0);
    assert_eq!(db.query("SELECT count(*) FROM once"), ["2"]);
    assert_eq!(db.history(), ["0001_slow.sql", "0002_more.sql"]);
    assert!(
        ra.stdout.contains("nothing to apply") || rb.stdout.contains("nothing to apply"),
        "one of them found nothing left:\n{}\n{}",
        ra.all(),
        rb.all()
    );
}

#[test]
fn lock_wait_exceeded_is_refused() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    let mut holder = db.client();
    holder
        .query_one(
            "SELECT pg_advisory_lock($1)",
            &[&pgward::apply::lock::LOCK_KEY],
        )
        .unwrap();
    let r = p.apply(&db, &["--no-backup", "--lock-wait", "300ms"]);
    r.expect(1);
    assert!(r.stderr.contains("lock"), "{}", r.stderr);
    assert!(!db.table_exists("a"));
}

#[test]
fn killed_connection_rolls_back() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_long.sql",
        "CREATE TABLE k (id int);\nALTER TABLE k ENABLE ROW LEVEL SECURITY;\nSELECT pg_sleep(30);\n",
    );
    let child = p
        .command(&[
            "apply",
            "migrations",
            "--database-url",
            &db.url,
            "--no-backup",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut admin = cluster().client("postgres");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let killed: Vec<bool> = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = $1 AND query LIKE 'SELECT pg_sleep(30)%'",
                &[&db.name],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        if killed.contains(&true) {
            break;
        }
        assert!(Instant::now() < deadline, "the migration never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = Run::from(child.wait_with_output().unwrap());
    r.expect(1);
    assert!(!db.table_exists("k"));
    assert!(db.history().is_empty());
    assert!(r.stderr.contains("connection"), "{}", r.stderr);
}

#[test]
fn bad_url_is_a_usage_error_with_the_password_redacted() {
    let p = Project::new();
    p.write("0001_a.sql", "SELECT 1;\n");
    for url in [
        "postgres://app:hunter2@127.0.0.1:notaport/db",
        "postgres://app:hunter2@127.0.0.1/db?sslmode=bogus",
        "mysql://app:hunter2@127.0.0.1/db",
    ] {
        let r = p.run(&["apply", "migrations", "--database-url", url]);
        assert_eq!(r.code, 2, "{url}: {}", r.all());
        assert!(!r.all().contains("hunter2"), "{url}: {}", r.all());
        assert!(
            r.stderr.contains("***") || r.stderr.contains("app"),
            "{}",
            r.stderr
        );
    }
    // A refused connection and a wrong password: exit 2, no password either.
    let wrong = format!(
        "postgres://postgres:hunter2@127.0.0.1:{}/postgres?sslmode=disable",
        cluster().port
    );
    let r = p.run(&["apply", "migrations", "--database-url", &wrong]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(!r.all().contains("hunter2"), "{}", r.all());
    assert!(
        r.stderr.contains("postgres://postgres:***@"),
        "{}",
        r.stderr
    );
    let r = p
        .command(&["status", "migrations"])
        .env("DATABASE_URL", "postgres://app:hunter2@127.0.0.1:1/db")
        .output()
        .map(Run::from)
        .unwrap();
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(!r.all().contains("hunter2"), "{}", r.all());
    // No URL at all.
    let r = p.run(&["apply", "migrations"]);
    assert_eq!(r.code, 2, "{}", r.all());
}

#[test]
fn unavailable_extension_is_refused_before_any_change_and_guarded_fallback_applies() {
    let db = Db::new();
    let vector_available =
        db.query("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") == ["1"];
    let ext = if vector_available {
        "pgward_no_such_ext"
    } else {
        "vector"
    };
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    p.write(
        "0002_ext.sql",
        &format!("CREATE EXTENSION IF NOT EXISTS {ext};\n"),
    );
    let r = p.apply(&db, &[]);
    r.expect(1);
    assert!(
        r.stderr
            .contains(&format!("extension \"{ext}\" is not available")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("0002_ext.sql:1:1"), "{}", r.stderr);
    if ext == "vector" {
        assert!(
            r.stderr.contains("JSONB"),
            "fallback explained: {}",
            r.stderr
        );
    }
    assert!(!db.table_exists("a"), "refused before any change");
    assert!(p.backups().is_empty());

    p.write(
        "0002_ext.sql",
        &format!(
            "DO $$\nBEGIN\n  CREATE EXTENSION IF NOT EXISTS {ext};\nEXCEPTION\n  WHEN OTHERS THEN\n    \
             RAISE WARNING 'pgvector not available, using JSONB fallback';\nEND $$;\n\
             CREATE TABLE IF NOT EXISTS embeddings (id int PRIMARY KEY, embedding jsonb);\n\
             ALTER TABLE embeddings ENABLE ROW LEVEL SECURITY;\n"
        ),
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(0);
    assert!(
        r.stderr
            .contains("WARNING: pgvector not available, using JSONB fallback"),
        "{}",
        r.stderr
    );
    assert!(db.table_exists("embeddings"));
}

#[test]
fn status_lists_applied_pending_and_missing_files() {
    let db = Db::new();
    let p = Project::new();
    let r = p.run(&["status", "migrations", "--database-url", &db.url]);
    r.expect(0);
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    p.write("0002_gone.sql", "SELECT 1;\n");
    p.apply(&db, &["--no-backup"]).expect(0);
    std::fs::remove_file(p.path().join("migrations/0002_gone.sql")).unwrap();
    p.write(
        "0003_b.sql",
        "CREATE TABLE b (id int);\nALTER TABLE b ENABLE ROW LEVEL SECURITY;\n",
    );
    let r = p.run(&["status", "migrations", "--database-url", &db.url]);
    r.expect(0);
    let line = |needle: &str| {
        r.stdout
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line for {needle}: {}", r.stdout))
            .to_string()
    };
    assert!(line("0001_a.sql").starts_with("applied"), "{}", r.stdout);
    assert!(
        line("0001_a.sql").contains('T'),
        "applied_at shown: {}",
        r.stdout
    );
    assert!(line("0003_b.sql").starts_with("pending"), "{}", r.stdout);
    assert!(line("0002_gone.sql").starts_with("missing"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("1 applied, 1 pending, 0 modified, 1 missing"),
        "{}",
        r.stdout
    );

    let r = p.run(&[
        "status",
        "migrations",
        "--database-url",
        &db.url,
        "--format",
        "json",
    ]);
    r.expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v[0]["status"], "applied");
    assert_eq!(v[1]["status"], "pending");
}

#[test]
fn no_transaction_files_run_statement_by_statement_and_resume() {
    let db = Db::new();
    db.exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2); CREATE SCHEMA app;");
    let p = Project::new();
    p.write(
        "0001_idx.sql",
        "-- pgward: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_x_idx ON t (x);\n",
    );
    p.apply(&db, &["--no-backup"]).expect(0);
    assert_eq!(
        db.query("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 't_x_idx'::regclass"),
        ["true"]
    );
    assert_eq!(db.history(), ["0001_idx.sql"]);

    // A failure in the middle: what ran stays, and a rerun resumes after it.
    p.write(
        "0002_steps.sql",
        "-- pgward: no-transaction\nCREATE TABLE app.step1 (id int);\nINSERT INTO missing VALUES (1);\n\
         CREATE TABLE app.step3 (id int);\n",
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(r.stderr.contains("0002_steps.sql:3:13"), "{}", r.stderr);
    assert!(db.table_exists("app.step1"));
    assert!(!db.table_exists("app.step3"));
    let r = p.run(&["status", "migrations", "--database-url", &db.url]);
    r.expect(0);
    assert!(
        r.stdout.lines().any(|l| l.starts_with("partial")
            && l.contains("0002_steps.sql")
            && l.contains("1 statement")),
        "{}",
        r.stdout
    );
    db.exec("CREATE TABLE missing (id int);");
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(0);
    assert!(
        r.stdout.contains("resuming after statement 1/3"),
        "{}",
        r.stdout
    );
    assert!(db.table_exists("app.step3"));
    assert_eq!(db.query("SELECT count(*) FROM missing"), ["1"]);
    assert_eq!(
        db.query("SELECT count(*) FROM pgward.statement_progress"),
        ["0"]
    );

    // A failed CREATE UNIQUE INDEX CONCURRENTLY leaves an invalid index: reported, then refused.
    p.write(
        "0003_unique.sql",
        "-- pgward: no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY t_x_uniq ON t (x);\n",
    );
    db.exec("INSERT INTO t VALUES (1);");
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(
        r.stderr.contains("t_x_uniq") && r.stderr.contains("INVALID"),
        "{}",
        r.stderr
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(r.stderr.contains("INVALID"), "{}", r.stderr);
}

#[test]
fn json_summary_and_notices() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "DO $$ BEGIN RAISE NOTICE 'step 1 of 1'; END $$;\nCREATE TABLE a (id int);\n\
         ALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    let r = p.apply(&db, &["--format", "json"]);
    r.expect(0);
    assert!(r.stderr.contains("NOTICE: step 1 of 1"), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json summary");
    assert_eq!(v["status"], "applied");
    assert_eq!(v["applied"][0]["file"], "migrations/0001_a.sql");
    assert!(v["applied"][0]["duration_ms"].is_u64());
    assert!(v["backup"].as_str().is_some_and(|b| b.ends_with(".sql")));
    assert!(!v["database"].as_str().unwrap().contains(PASSWORD));

    p.write("0002_bad.sql", "SELECT nope;\n");
    let r = p.apply(&db, &["--format", "json", "--no-backup"]);
    r.expect(1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json summary");
    assert_eq!(v["status"], "failed");
    assert_eq!(v["error"]["kind"], "sql");
    assert_eq!(v["error"]["sql"]["sqlstate"], "42703");
    assert_eq!(v["error"]["sql"]["line"], 1);
    assert_eq!(v["error"]["sql"]["column"], 8);
}

#[test]
fn protected_table_must_exist_and_replica_check_passes_on_primary() {
    let db = Db::new();
    let p = Project::new();
    p.config("[protected]\ntables = [\"users\", \"audit_*\"]\n\n[preflight]\nrequire_rows = [\"plans\"]\n");
    db.exec("CREATE TABLE plans (id int);");
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    let r = p.apply(&db, &[]);
    r.expect(1);
    assert!(
        r.stderr.contains("protected table users does not exist"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("plans") && r.stderr.contains("empty"),
        "{}",
        r.stderr
    );
    assert!(p.backups().is_empty());
    db.exec("CREATE TABLE users (id int); INSERT INTO plans VALUES (1);");
    let r = p.apply(&db, &[]);
    r.expect(0);
    assert!(r.stdout.contains("audit_*"), "glob noted: {}", r.stdout);
}

/// Wait until a statement matching `pattern` runs in `db`, then return the backend's pid.
fn wait_for_query(db: &Db, pattern: &str) -> i32 {
    let mut admin = cluster().client("postgres");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = admin
            .query(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE $2",
                &[&db.name, &pattern],
            )
            .unwrap();
        if let Some(r) = rows.first() {
            return r.get(0);
        }
        assert!(Instant::now() < deadline, "the migration never started");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ctrl_c_cancels_the_running_statement_rolls_back_and_releases_the_lock() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_long.sql",
        "CREATE TABLE c (id int);\nALTER TABLE c ENABLE ROW LEVEL SECURITY;\nSELECT pg_sleep(30);\n",
    );
    let child = p
        .command(&[
            "apply",
            "migrations",
            "--database-url",
            &db.url,
            "--no-backup",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_for_query(&db, "SELECT pg_sleep(30)%");
    let started = Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let r = Run::from(child.wait_with_output().unwrap());
    r.expect(1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "cancelled, not waited out"
    );
    assert!(r.stderr.contains("interrupted"), "{}", r.stderr);
    assert!(!db.table_exists("c"));
    assert!(db.history().is_empty());
    assert_eq!(
        db.query(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        ["0"]
    );
}

#[test]
fn single_transaction_is_all_or_nothing() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    p.write("0002_b.sql", "INSERT INTO a VALUES ('not a number');\n");
    let before = fingerprint(&db);
    let r = p.apply(&db, &["--no-backup", "--single-transaction"]);
    r.expect(1);
    assert!(r.stderr.contains("0002_b.sql:1:23"), "{}", r.stderr);
    assert_eq!(fingerprint(&db), before);
    // Without it, the first file is applied and recorded, the second rolled back.
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(r.stderr.contains("remain applied"), "{}", r.stderr);
    assert_eq!(db.history(), ["0001_a.sql"]);
}

#[test]
fn verification_catches_what_the_linter_cannot_see() {
    let db = Db::new();
    db.exec(
        "CREATE TABLE users (id int); CREATE PUBLICATION supabase_realtime;
         CREATE TABLE audit_log (id int); CREATE SCHEMA auth; CREATE TABLE auth.sessions (id int);",
    );
    let p = Project::new();
    p.config(
        "[protected]\ntables = [\"users\", \"audit_*\"]\n\n[realtime]\ntables = [\"clients\"]\n",
    );
    // SQL computed at run time is opaque to the linter (a literal would not be); the protected
    // table is gone before COMMIT.
    for victim in ["users", "audit_log", "auth.sessions"] {
        p.write(
            "0001_sneaky.sql",
            &format!(
                "DO $$ DECLARE t text := '{victim}'; BEGIN EXECUTE 'DROP TABLE ' || t; END $$;\n"
            ),
        );
        let r = p.apply(&db, &["--no-backup"]);
        r.expect(1);
        assert!(
            r.stderr
                .contains(&format!("protected table {victim} no longer exists")),
            "{}",
            r.stderr
        );
        assert!(db.table_exists(victim));
        assert!(db.history().is_empty());
    }

    p.write("0001_sneaky.sql", "SELECT 1;\n");
    p.write(
        "0002_clients.sql",
        "CREATE TABLE clients (id int PRIMARY KEY);\nALTER TABLE clients ENABLE ROW LEVEL SECURITY;\n",
    );
    // A `[realtime] tables` table missing from the publication is only a warning in `check`,
    // but verification would refuse it: the lint gate refuses it first, before 0001 commits
    // (issue 12, break 9: it used to commit 0001, then fail verification on 0002).
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(
        r.stdout.contains("missing-realtime-publication"),
        "{}",
        r.all()
    );
    assert!(r.stderr.contains("lint gate"), "{}", r.stderr);
    assert!(!db.table_exists("clients"));
    assert!(db.history().is_empty(), "{:?}", db.history());
    p.write(
        "0002_clients.sql",
        "CREATE TABLE clients (id int PRIMARY KEY);\nALTER TABLE clients ENABLE ROW LEVEL SECURITY;\n\
         ALTER PUBLICATION supabase_realtime ADD TABLE clients;\n",
    );
    p.apply(&db, &["--no-backup"]).expect(0);
}

#[test]
fn errors_inside_do_blocks_point_at_the_line() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_do.sql",
        "-- check\nDO $$\nBEGIN\n  RAISE NOTICE 'checking';\n  RAISE EXCEPTION 'ABORT: users table not found';\nEND $$;\n",
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(
        r.stderr.contains("ABORT: users table not found"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("0001_do.sql:5:3"), "{}", r.stderr);
    assert!(r.stderr.contains("P0001"), "{}", r.stderr);

    // A SQL statement inside the body: the caret goes to the exact token.
    p.write(
        "0001_do.sql",
        "DO $$\nBEGIN\n  IF true THEN\n    INSERT INTO nowhere VALUES (1);\n  END IF;\nEND $$;\n",
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(r.stderr.contains("42P01"), "{}", r.stderr);
    assert!(r.stderr.contains("0001_do.sql:4:17"), "{}", r.stderr);
}

#[test]
fn tls_with_sslmode_require_applies_and_backs_up() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_tls.sql",
        "CREATE TABLE tls AS SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();\n\
         ALTER TABLE tls ENABLE ROW LEVEL SECURITY;\n",
    );
    let url = db.url.replace("sslmode=disable", "sslmode=require");
    let r = p.run(&["apply", "migrations", "--database-url", &url]);
    r.expect(0);
    assert_eq!(db.query("SELECT ssl::text FROM tls"), ["true"]);
    assert!(
        p.backups()
            .iter()
            .any(|b| b.extension().is_some_and(|e| e == "sql"))
    );
    let r = p.run(&[
        "status",
        "migrations",
        "--database-url",
        &url.replace("require", "prefer"),
    ]);
    r.expect(0);
}

#[test]
fn missing_or_old_pg_dump_refuses_before_any_change() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    let empty = tempfile::tempdir().unwrap();
    let r = p
        .command(&["apply", "migrations", "--database-url", &db.url])
        .env("PATH", empty.path())
        .output()
        .map(Run::from)
        .unwrap();
    r.expect(1);
    assert!(r.stderr.contains("pg_dump not found"), "{}", r.stderr);
    assert!(!db.table_exists("a"));

    // A pg_dump older than the server is refused, naming both versions.
    let fake = empty.path().join("pg_dump");
    std::fs::write(&fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let r = p
        .command(&["apply", "migrations", "--database-url", &db.url])
        .env("PATH", empty.path())
        .output()
        .map(Run::from)
        .unwrap();
    r.expect(1);
    assert!(r.stderr.contains("older than the server"), "{}", r.stderr);
    assert!(!db.table_exists("a"));
    assert!(db.history().is_empty());

    // The configured one is used.
    p.config("[apply]\npg_dump = \"/nonexistent/pg_dump\"\n");
    let r = p.apply(&db, &[]);
    r.expect(1);
    assert!(r.stderr.contains("/nonexistent/pg_dump"), "{}", r.stderr);
    assert!(!db.table_exists("a"));
}

#[test]
fn psql_meta_commands_are_refused_except_on_error_stop() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "\\set ON_ERROR_STOP on\nCREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    p.apply(&db, &["--no-backup"]).expect(0);
    assert!(db.table_exists("a"));
    p.write("0002_b.sql", "SELECT 1;\n\\i other.sql\n");
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(r.stderr.contains("0002_b.sql:2:1"), "{}", r.stderr);
    assert!(r.stderr.contains("psql meta-command"), "{}", r.stderr);
    assert_eq!(db.history(), ["0001_a.sql"]);
}

#[test]
fn lock_timeout_and_statement_timeout_apply_to_the_migration() {
    let db = Db::new();
    db.exec("CREATE TABLE busy (id int); ALTER TABLE busy ENABLE ROW LEVEL SECURITY;");
    let p = Project::new();
    p.write("0001_alter.sql", "ALTER TABLE busy ADD COLUMN note text;\n");
    let mut holder = db.client();
    holder
        .batch_execute("BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE;")
        .unwrap();
    let started = Instant::now();
    let r = p.apply(&db, &["--no-backup", "--lock-timeout", "200ms"]);
    r.expect(1);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        r.stderr.contains("55P03"),
        "lock_not_available: {}",
        r.stderr
    );
    assert!(r.stderr.contains("0001_alter.sql:1:1"), "{}", r.stderr);
    assert!(
        r.stderr.contains("hint:") && r.stderr.contains("--lock-timeout"),
        "which flag decides: {}",
        r.stderr
    );
    holder.batch_execute("ROLLBACK").unwrap();

    p.write("0001_alter.sql", "SELECT pg_sleep(5);\n");
    let started = Instant::now();
    let r = p.apply(&db, &["--no-backup", "--statement-timeout", "300ms"]);
    r.expect(1);
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(r.stderr.contains("57014"), "query_canceled: {}", r.stderr);
    assert!(r.stderr.contains("--statement-timeout"), "{}", r.stderr);
    assert!(!r.stderr.contains("interrupted"), "{}", r.stderr);
    assert!(db.history().is_empty());
}

#[test]
fn truncates_and_drops_inside_do_blocks_are_exported_too() {
    let db = Db::new();
    db.exec(
        "CREATE TABLE old_logs (id int, line text); INSERT INTO old_logs VALUES (1, 'a'), (2, 'b');
         CREATE TABLE scratch (id int); INSERT INTO scratch VALUES (7);
         ALTER TABLE scratch ENABLE ROW LEVEL SECURITY;",
    );
    let p = Project::new();
    p.write(
        "0001_cleanup.sql",
        "DO $$\nBEGIN\n  DROP TABLE IF EXISTS old_logs;\nEXCEPTION WHEN OTHERS THEN\n  RAISE WARNING 'skip';\nEND $$;\n\
         TRUNCATE scratch;\n",
    );
    let r = p.apply(&db, &[]);
    r.expect(0);
    let csv: Vec<String> = p
        .backups()
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "csv"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(
        csv.contains(&"id,line\n1,a\n2,b\n".to_string()),
        "{csv:?}\n{}",
        r.stdout
    );
    assert!(
        csv.contains(&"id\n7\n".to_string()),
        "{csv:?}\n{}",
        r.stdout
    );
    assert!(!db.table_exists("old_logs"));
    assert_eq!(db.query("SELECT count(*) FROM scratch"), ["0"]);
}

#[test]
fn a_failing_commit_is_a_rollback_not_a_success() {
    let db = Db::new();
    let p = Project::new();
    p.write(
        "0001_deferred.sql",
        "CREATE TABLE parent (id int PRIMARY KEY);\nALTER TABLE parent ENABLE ROW LEVEL SECURITY;\n\
         CREATE TABLE child (pid int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);\n\
         ALTER TABLE child ENABLE ROW LEVEL SECURITY;\nINSERT INTO child VALUES (42);\n",
    );
    for extra in [
        &["--no-backup"][..],
        &["--no-backup", "--single-transaction"][..],
    ] {
        let r = p.apply(&db, extra);
        r.expect(1);
        assert!(r.stderr.contains("23503"), "{}", r.stderr);
        assert!(r.stderr.contains("COMMIT failed"), "{}", r.stderr);
        assert!(!db.table_exists("parent"));
        assert!(db.history().is_empty());
    }
    let r = p.apply(&db, &["--dry-run"]);
    r.expect(1);
    assert!(
        r.stderr.contains("23503"),
        "a dry run checks deferred constraints: {}",
        r.stderr
    );
    let r = p.apply(&db, &["--no-backup", "--format", "json"]);
    r.expect(1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["applied"], serde_json::json!([]));
    assert_eq!(v["status"], "failed");
}

#[test]
fn protected_globs_use_the_same_matcher_as_check() {
    // `App*` folds to `app*` like every unquoted name (check's matcher): the tables it matches
    // are verified, so a drop the linter cannot see (dynamic SQL) is rolled back.
    let db = Db::new();
    db.exec("CREATE SCHEMA app; CREATE TABLE app.audit_log (id int); INSERT INTO app.audit_log VALUES (1);");
    let p = Project::new();
    p.config("[protected]\ntables = [\"App*.audit_log\"]\n");
    p.write(
        "0001_sneaky.sql",
        "DO $$ DECLARE t text := 'app.audit_log'; BEGIN EXECUTE 'DROP TABLE ' || t; END $$;\n",
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(
        r.stderr
            .contains("protected table app.audit_log no longer exists"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("the 1 table(s) it matches"),
        "{}",
        r.stdout
    );
    assert!(db.table_exists("app.audit_log"));
    assert!(db.history().is_empty());
}

#[test]
fn malformed_urls_never_echo_the_password() {
    let p = Project::new();
    p.write("0001_a.sql", "SELECT 1;\n");
    for url in [
        "postgres//app:hunter2@127.0.0.1/db",
        "postgres:/app:hunter2@127.0.0.1/db?sslmode=require",
        "host=127.0.0.1 user=app password='hunter2 x' port=notaport",
    ] {
        let r = p.run(&["apply", "migrations", "--database-url", url]);
        assert_eq!(r.code, 2, "{url}: {}", r.all());
        assert!(!r.all().contains("hunter2"), "{url}: {}", r.all());
        assert!(!r.all().contains(" x'"), "{url}: {}", r.all());
    }
    let r = p.run(&[
        "apply",
        "migrations",
        "--database-url",
        "postgres://app:hunter2@127.0.0.1/db?sslmode=verify-full",
    ]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("sslmode"), "the reason: {}", r.stderr);
}

#[test]
fn a_read_only_database_is_refused_in_pre_flight() {
    let db = Db::new();
    db.exec(&format!(
        "ALTER DATABASE {} SET default_transaction_read_only = on",
        db.name
    ));
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    let r = p.apply(&db, &[]);
    r.expect(1);
    assert!(r.stderr.contains("read-only"), "{}", r.all());
    assert!(p.backups().is_empty(), "refused before the backup");
    assert!(!db.table_exists("a"));
}

#[test]
fn lock_timeout_bounds_the_backup_and_the_export_too() {
    let db = Db::new();
    db.exec("CREATE TABLE old (id int); INSERT INTO old VALUES (1);");
    let p = Project::new();
    p.write("0001_drop.sql", "DROP TABLE IF EXISTS old;\n");
    let mut holder = db.client();
    holder
        .batch_execute("BEGIN; LOCK TABLE old IN ACCESS EXCLUSIVE MODE;")
        .unwrap();
    for extra in [&["--no-backup"][..], &[][..]] {
        let mut args = vec!["--lock-timeout", "300ms"];
        args.extend_from_slice(extra);
        let started = Instant::now();
        let r = p.apply(&db, &args);
        r.expect(1);
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "waited {:?}: {}",
            started.elapsed(),
            r.all()
        );
        assert!(r.stderr.contains("nothing was changed"), "{}", r.all());
        // The server's reason, not just "db error".
        assert!(r.stderr.contains("timeout"), "{}", r.all());
    }
    holder.batch_execute("ROLLBACK").unwrap();
    assert!(db.table_exists("old"));
    assert!(db.history().is_empty());
}

// ---- issue 12: `apply` keeps every promise -------------------------------------------------

/// The CSV files written to `backups/`, by a fragment of their name, with their content.
fn csv(p: &Project, name: &str) -> String {
    let files: Vec<PathBuf> = p
        .backups()
        .into_iter()
        .filter(|f| {
            let n = f.file_name().unwrap().to_string_lossy().into_owned();
            n.ends_with(".csv") && n.contains(name)
        })
        .collect();
    assert_eq!(files.len(), 1, "one CSV for {name}: {:?}", p.backups());
    std::fs::read_to_string(&files[0]).unwrap()
}

/// Break 1: rows written while earlier files (and earlier statements) run are exported too.
#[test]
fn export_happens_in_the_migration_transaction_just_before_the_drop() {
    let db = Db::new();
    db.exec("CREATE TABLE old (id int PRIMARY KEY); INSERT INTO old VALUES (1), (2);");
    let p = Project::new();
    p.write("0001_more.sql", "INSERT INTO old VALUES (3);\n");
    p.write(
        "0002_drop.sql",
        "INSERT INTO old VALUES (4);\nDROP TABLE old;\n",
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(0);
    assert!(!db.table_exists("old"));
    assert_eq!(csv(&p, "export-old-"), "id\n1\n2\n3\n4\n");
    // The export line comes right before the file that drops, not before the run.
    let export_at = r
        .stdout
        .find("export: old (4 rows)")
        .expect("export printed");
    let first_ok = r.stdout.find("0001_more.sql … ok").expect("0001 ok");
    assert!(first_ok < export_at, "{}", r.stdout);
}

/// Break 2: what a cascade takes with it is asked of the database and exported.
#[test]
fn cascades_are_exported_and_linted() {
    let db = Db::new();
    db.exec(
        "CREATE SCHEMA legacy;
         CREATE TABLE legacy.notes (id int PRIMARY KEY, body text);
         INSERT INTO legacy.notes VALUES (1, 'kept');
         CREATE TYPE mood AS ENUM ('ok', 'sad');
         CREATE TABLE people (id int PRIMARY KEY, name text, feeling mood);
         INSERT INTO people VALUES (1, 'ann', 'sad');
         CREATE TABLE orders (id int PRIMARY KEY);
         CREATE TABLE order_items (id int PRIMARY KEY, order_id int REFERENCES orders (id));
         INSERT INTO orders VALUES (7); INSERT INTO order_items VALUES (70, 7);
         CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
         CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
         INSERT INTO events VALUES (1, '2025-05-01'), (2, '2026-05-01');
         CREATE TABLE animals (id int, name text);
         CREATE TABLE dogs (good boolean) INHERITS (animals);
         INSERT INTO animals VALUES (1, 'cat'); INSERT INTO dogs VALUES (2, 'rex', true);",
    );
    let p = Project::new();
    p.write(
        "0001_cleanup.sql",
        "BEGIN;\nDROP SCHEMA legacy CASCADE;\nDROP TYPE mood CASCADE;\nTRUNCATE orders CASCADE;\n\
         DROP TABLE events;\nDROP TABLE animals CASCADE;\nCOMMIT;\n",
    );
    // `check` warns on the cascades (destructive-drop).
    let r = p.run(&["check", "migrations"]);
    assert!(
        r.stdout
            .contains("DROP SCHEMA \"legacy\" CASCADE also destroys every table in it"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("DROP TYPE \"mood\" CASCADE"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("CASCADE empties every table with a foreign key to it too"),
        "{}",
        r.stdout
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(0);
    // PostgreSQL empties a referencing table on TRUNCATE … CASCADE, whatever its ON DELETE.
    assert_eq!(db.query("SELECT count(*) FROM order_items"), ["0"]);
    assert_eq!(db.query("SELECT count(*) FROM people"), ["1"]);
    assert_eq!(csv(&p, "legacy.notes"), "id,body\n1,kept\n");
    assert_eq!(csv(&p, "people.feeling"), "id,feeling\n1,sad\n");
    assert_eq!(csv(&p, "export-orders-"), "id\n7\n");
    assert_eq!(csv(&p, "order_items"), "id,order_id\n70,7\n");
    assert_eq!(csv(&p, "events_2025"), "id,at\n1,2025-05-01\n");
    assert_eq!(csv(&p, "events_2026"), "id,at\n2,2026-05-01\n");
    assert_eq!(csv(&p, "export-animals-"), "id,name\n1,cat\n");
    assert_eq!(csv(&p, "export-dogs-"), "id,name,good\n2,rex,t\n");
    assert!(
        !p.backups()
            .iter()
            .any(|f| f.to_string_lossy().ends_with(".partial")),
        "{:?}",
        p.backups()
    );
}

/// Break 3: a file whose own text ends its transaction is refused, whatever the severity.
#[test]
fn a_file_that_ends_its_own_transaction_is_refused_whatever_the_severity() {
    let db = Db::new();
    db.exec("CREATE TABLE customers (id int); INSERT INTO customers VALUES (1), (2);");
    let p = Project::new();
    p.config("[rules.severity]\ntransaction-wrapper = \"off\"\n");
    p.write(
        "0001_oops.sql",
        "BEGIN;\nDELETE FROM customers;\nROLLBACK;\n",
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(r.stderr.contains("0001_oops.sql:3:1"), "{}", r.stderr);
    assert!(r.stderr.contains("ROLLBACK"), "{}", r.stderr);
    assert_eq!(db.query("SELECT count(*) FROM customers"), ["2"]);
    assert!(db.history().is_empty());

    p.write(
        "0001_oops.sql",
        "BEGIN;\nINSERT INTO customers VALUES (3);\nCOMMIT;\nDELETE FROM customers;\n",
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(r.stderr.contains("COMMIT in the middle"), "{}", r.stderr);
    assert_eq!(db.query("SELECT count(*) FROM customers"), ["2"]);
}

/// Break 5: a renamed applied file and two files with one version refuse the run.
#[test]
fn renamed_applied_files_and_duplicate_versions_are_refused() {
    let db = Db::new();
    db.exec("CREATE TABLE seeds (id int);");
    let p = Project::new();
    let seed = p.write("0002_seed.sql", "INSERT INTO seeds VALUES (1);\n");
    p.apply(&db, &["--no-backup"]).expect(0);
    std::fs::rename(&seed, p.path().join("migrations/0002_seed_data.sql")).unwrap();
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(
        r.stderr.contains("0002_seed_data.sql") && r.stderr.contains("`0002_seed.sql`"),
        "{}",
        r.stderr
    );
    assert_eq!(db.query("SELECT count(*) FROM seeds"), ["1"]);
    let r = p.run(&["status", "migrations", "--database-url", &db.url]);
    r.expect(1);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("renamed") && l.contains("0002_seed_data.sql")),
        "{}",
        r.stdout
    );

    std::fs::remove_file(p.path().join("migrations/0002_seed_data.sql")).unwrap();
    p.write("0002_seed.sql", "INSERT INTO seeds VALUES (1);\n");
    p.write("0003_a.sql", "INSERT INTO seeds VALUES (3);\n");
    p.write("3_b.sql", "INSERT INTO seeds VALUES (33);\n");
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(1);
    assert!(
        r.stderr.contains("version 0003 is used by 2 files")
            && r.stderr.contains("0003_a.sql")
            && r.stderr.contains("3_b.sql"),
        "{}",
        r.stderr
    );
    assert_eq!(db.query("SELECT count(*) FROM seeds"), ["1"]);
    let r = p.run(&["status", "migrations", "--database-url", &db.url]);
    r.expect(1);
    assert_eq!(
        r.stdout
            .lines()
            .filter(|l| l.starts_with("duplicate"))
            .count(),
        2,
        "{}",
        r.stdout
    );
}

/// Wait for a child, killing it (and failing) if it never ends.
fn wait_bounded(mut child: std::process::Child, what: &str) -> Run {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            return Run::from(child.wait_with_output().unwrap());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what}: still running after 60 s (hangs)");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Break 6: a server that accepts the connection and never answers does not hang pgward.
#[test]
fn a_server_that_never_answers_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s); // accepted, never answered
        }
    });
    let p = Project::new();
    p.write("0001_a.sql", "SELECT 1;\n");
    let url =
        format!("postgres://app:{PASSWORD}@127.0.0.1:{port}/db?connect_timeout=2&sslmode=disable");
    for cmd in ["apply", "status"] {
        let child = p
            .command(&[cmd, "migrations", "--database-url", &url])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let r = wait_bounded(child, cmd);
        r.expect(2);
        assert!(
            r.stderr.contains("did not answer within 2 s"),
            "{cmd}: {}",
            r.stderr
        );
    }
}

/// Break 6: SIGTERM and SIGHUP cancel the running statement, roll back and release the lock.
#[test]
fn sigterm_and_sighup_cancel_roll_back_and_release_the_lock() {
    for signal in ["-TERM", "-HUP"] {
        let db = Db::new();
        let p = Project::new();
        p.write(
            "0001_long.sql",
            "CREATE TABLE c (id int);\nALTER TABLE c ENABLE ROW LEVEL SECURITY;\nSELECT pg_sleep(30);\n",
        );
        let child = p
            .command(&[
                "apply",
                "migrations",
                "--database-url",
                &db.url,
                "--no-backup",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        wait_for_query(&db, "SELECT pg_sleep(30)%");
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let r = wait_bounded(child, signal);
        r.expect(1);
        assert!(r.stderr.contains("interrupted"), "{signal}: {}", r.stderr);
        assert!(!db.table_exists("c"));
        assert!(db.history().is_empty());
        // The server is not left running the statement.
        assert_eq!(
            db.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND state = 'active' AND query LIKE 'SELECT pg_sleep(30)%'"
            ),
            ["0"],
            "{signal}"
        );
        // Other tests of the shared cluster hold advisory locks in their own databases.
        assert_eq!(
            db.query(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            ["0"]
        );
    }
}

/// Break 7: the connection comes from the environment as for psql; no password in any output.
#[test]
fn the_connection_comes_from_the_environment_like_psql() {
    let c = cluster();
    let p = Project::new();
    p.write(
        "0001_a.sql",
        "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n",
    );
    // DATABASE_URL, no flag: nothing on the command line.
    let db = Db::new();
    let out = p
        .command(&["apply", "migrations", "--no-backup"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    Run::from(out).expect(0);
    assert!(db.table_exists("a"));

    // libpq variables, with PGPASSWORD.
    let env_only = |cmd: &mut Command, db: &Db| {
        cmd.env("PGHOST", "127.0.0.1")
            .env("PGPORT", c.port.to_string())
            .env("PGUSER", "postgres")
            .env("PGDATABASE", &db.name)
            .env("PGSSLMODE", "disable")
            .env_remove("PGPASSWORD")
            .env_remove("PGPASSFILE");
    };
    let db = Db::new();
    let mut cmd = p.command(&["apply", "migrations", "--no-backup"]);
    env_only(&mut cmd, &db);
    cmd.env("PGPASSWORD", PASSWORD);
    let r = Run::from(cmd.output().unwrap());
    r.expect(0);
    assert!(db.table_exists("a"));
    assert!(r.stdout.contains("from the environment"), "{}", r.stdout);

    // The password file (PGPASSFILE), mode 0600 like libpq wants; backup via pg_dump too.
    let db = Db::new();
    let pass = p.path().join("pgpass");
    std::fs::write(
        &pass,
        format!(
            "# comment\notherhost:*:*:*:nope\n127.0.0.1:{}:*:postgres:{PASSWORD}\n",
            c.port
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut cmd = p.command(&["apply", "migrations"]);
    env_only(&mut cmd, &db);
    cmd.env("PGPASSFILE", &pass);
    Run::from(cmd.output().unwrap()).expect(0);
    assert!(db.table_exists("a"));
    let mut cmd = p.command(&["status", "migrations"]);
    env_only(&mut cmd, &db);
    cmd.env("PGPASSFILE", &pass);
    Run::from(cmd.output().unwrap()).expect(0);

    // A misspelt key never echoes its value, in any format.
    for format in ["human", "json"] {
        let r = p.run(&[
            "apply",
            "migrations",
            "--format",
            format,
            "--database-url",
            "host=127.0.0.1 user=postgres passwd=hunter2-secret dbname=x",
        ]);
        assert_eq!(r.code, 2, "{}", r.all());
        assert!(!r.all().contains("hunter2"), "{format}: {}", r.all());
        let r = p.run(&[
            "apply",
            "migrations",
            "--format",
            format,
            "--database-url",
            "postgres://postgres@127.0.0.1:1/x?passwd=hunter2-secret",
        ]);
        assert_eq!(r.code, 2, "{}", r.all());
        assert!(!r.all().contains("hunter2"), "{format}: {}", r.all());
    }
}

/// Break 8: every file starts from a clean session, then the configured search path.
#[test]
fn each_file_starts_from_a_clean_session() {
    let db = Db::new();
    db.exec("CREATE SCHEMA staging;");
    let p = Project::new();
    p.write(
        "0001_staging.sql",
        "SET search_path TO staging;\nSELECT 1;\n",
    );
    p.write(
        "0002_customers.sql",
        "CREATE TABLE customers (id int);\nALTER TABLE customers ENABLE ROW LEVEL SECURITY;\n",
    );
    p.apply(&db, &["--no-backup"]).expect(0);
    assert!(db.table_exists("public.customers"));
    assert!(!db.table_exists("staging.customers"));

    // `[apply] search_path` is where every file starts.
    db.exec("CREATE SCHEMA app;");
    p.config("[apply]\nsearch_path = [\"app\", \"public\"]\n");
    p.write(
        "0003_app.sql",
        "CREATE TABLE IF NOT EXISTS settings (id int);\nALTER TABLE settings ENABLE ROW LEVEL SECURITY;\n",
    );
    p.apply(&db, &["--no-backup"]).expect(0);
    assert!(db.table_exists("app.settings"));
}

/// Break 9: a failed export leaves no CSV that looks complete (a file size limit makes the
/// write fail half-way, as a full disk would).
#[cfg(unix)]
#[test]
fn a_failed_export_leaves_nothing_that_looks_complete() {
    let db = Db::new();
    db.exec(
        "CREATE TABLE big (id int, pad text);
         INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 2000) g;",
    );
    let p = Project::new();
    p.write("0001_drop.sql", "DROP TABLE big;\n");
    let exe = env!("CARGO_BIN_EXE_pgward");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 16; exec '{exe}' apply migrations --no-backup --database-url '{}'",
            db.url
        ))
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let r = Run::from(out);
    r.expect(1);
    assert!(r.stderr.contains("export"), "{}", r.stderr);
    assert!(db.table_exists("big"), "nothing dropped without its export");
    let left: Vec<PathBuf> = p.backups();
    assert!(
        !left.iter().any(|f| {
            let n = f.to_string_lossy();
            n.ends_with(".csv") || n.ends_with(".partial")
        }),
        "{left:?}"
    );
}

/// Break 9: comment-only files are treated alike, whatever the comment style.
#[test]
fn comment_only_files_are_treated_alike() {
    let db = Db::new();
    let p = Project::new();
    p.write("0001_line.sql", "-- nothing to do yet\n");
    p.write("0002_block.sql", "/* nothing to do yet\n   either */\n");
    p.apply(&db, &["--no-backup"]).expect(0);
    assert_eq!(db.history(), ["0001_line.sql", "0002_block.sql"]);
}

/// Every sequence of the database with its exact state: `name=last_value/is_called/log_cnt`.
fn sequence_states(db: &Db) -> Vec<String> {
    let names = db.query("SELECT oid::regclass::text FROM pg_class WHERE relkind = 'S' ORDER BY 1");
    names
        .iter()
        .flat_map(|n| {
            db.query(&format!(
                "SELECT '{n}=' || last_value || '/' || is_called || '/' || log_cnt FROM {n}"
            ))
        })
        .collect()
}

/// Break 4: a dry run never changes a sequence, and files after a skipped file are not
/// checkable rather than failing.
#[test]
fn dry_run_never_changes_sequences_and_does_not_fail_files_after_a_skipped_one() {
    let db = Db::new();
    db.exec(
        "CREATE TABLE orders (id serial PRIMARY KEY, item text);
         INSERT INTO orders (item) VALUES ('a'), ('b'), ('c');",
    );
    let seq = || db.query("SELECT last_value || '/' || is_called FROM orders_id_seq");
    assert_eq!(seq(), ["3/true"]);
    let p = Project::new();
    p.write(
        "0001_reset.sql",
        "TRUNCATE orders;\nSELECT setval('orders_id_seq', 1, false);\n",
    );
    p.write(
        "0002_index.sql",
        "-- pgward: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_item ON orders (item);\n",
    );
    p.write(
        "0003_rename.sql",
        "ALTER INDEX idx_orders_item RENAME TO idx_orders_item_2;\n",
    );
    let r = p.apply(&db, &["--dry-run"]);
    r.expect(0);
    assert_eq!(seq(), ["3/true"], "the live sequence is untouched");
    assert_eq!(db.query("SELECT count(*) FROM orders"), ["3"]);
    // The setval runs (the sequence is isolated, the rollback restores it).
    assert!(r.stdout.contains("0001_reset.sql … ok"), "{}", r.stdout);
    assert!(r.stdout.contains("1 sequence(s) isolated"), "{}", r.stdout);
    assert!(
        r.stdout.contains("0003_rename.sql … not checkable"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("may depend on it"), "{}", r.stdout);

    // A sequence advanced through a column default is restored too.
    for f in ["0001_reset.sql", "0002_index.sql", "0003_rename.sql"] {
        std::fs::remove_file(p.path().join("migrations").join(f)).unwrap();
    }
    p.write("0004_seed.sql", "INSERT INTO orders (item) VALUES ('d');\n");
    let r = p.apply(&db, &["--dry-run"]);
    r.expect(0);
    assert_eq!(seq(), ["3/true"]);
    assert!(!r.stdout.contains("advanced sequence"), "{}", r.stdout);
    assert_eq!(db.query("SELECT count(*) FROM orders"), ["3"]);
}

/// Break 4, every way a migration reaches a sequence: a serial default, an identity column,
/// setval/nextval at top level, in a DO block and in a function the migration calls, a trigger
/// inserting into a serial table, TRUNCATE … RESTART IDENTITY and ALTER SEQUENCE … RESTART.
/// After the dry run every sequence is exactly as before (last value, is_called, log_cnt).
#[test]
fn dry_run_restores_every_sequence_exactly() {
    let db = Db::new();
    db.exec(
        "CREATE TABLE orders (id serial PRIMARY KEY, item text);
         INSERT INTO orders (item) VALUES ('a'), ('b'), ('c');
         CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, what text);
         INSERT INTO events (what) VALUES ('x');
         CREATE SCHEMA billing;
         CREATE SEQUENCE billing.\"Invoice No\" START 1000;
         CREATE SEQUENCE never_called;
         CREATE TABLE audit (id bigserial, note text);
         CREATE FUNCTION orders_audit() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN INSERT INTO audit (note) VALUES (NEW.item); RETURN NEW; END $$;
         CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION orders_audit();
         CREATE FUNCTION next_invoice() RETURNS bigint LANGUAGE sql AS
           $$ SELECT nextval('billing.\"Invoice No\"') $$;",
    );
    let before = sequence_states(&db);
    assert_eq!(before.len(), 5, "{before:?}");
    let p = Project::new();
    p.write(
        "0001_reset.sql",
        "TRUNCATE orders;\nSELECT setval('orders_id_seq', 1, false);\n",
    );
    p.write(
        "0002_seed.sql",
        "INSERT INTO orders (item) SELECT 'n' || g FROM generate_series(1, 40) g;\n\
         INSERT INTO events (what) VALUES ('y'), ('z');\n\
         SELECT next_invoice(), next_invoice();\n\
         SELECT nextval('never_called');\n\
         DO $$ BEGIN PERFORM setval('billing.\"Invoice No\"', 5000); END $$;\n",
    );
    p.write(
        "0003_restart.sql",
        "TRUNCATE events RESTART IDENTITY;\nINSERT INTO events (what) VALUES ('fresh');\n\
         ALTER SEQUENCE never_called RESTART WITH 77;\n\
         CREATE TABLE fresh (id serial, x int);\nALTER TABLE fresh ENABLE ROW LEVEL SECURITY;\n\
         INSERT INTO fresh (x) VALUES (1);\n",
    );
    let r = p.apply(&db, &["--dry-run"]);
    r.expect(0);
    for f in ["0001_reset.sql", "0002_seed.sql", "0003_restart.sql"] {
        assert!(r.stdout.contains(&format!("{f} … ok")), "{}", r.stdout);
    }
    assert!(r.stdout.contains("5 sequence(s) isolated"), "{}", r.stdout);
    assert_eq!(sequence_states(&db), before);
    assert_eq!(db.query("SELECT count(*) FROM orders"), ["3"]);
    assert_eq!(db.query("SELECT count(*) FROM audit"), ["0"]);
    assert!(!db.table_exists("fresh"));

    // And the application's next values continue where they were: no duplicate, no gap.
    assert_eq!(db.query("SELECT nextval('orders_id_seq')"), ["4"]);
    assert_eq!(
        db.query("INSERT INTO events (what) VALUES ('w') RETURNING id"),
        ["2"]
    );
    assert_eq!(db.query("SELECT next_invoice()"), ["1000"]);
}

/// Break 4, beyond sequences: what acts outside the transaction altogether (other sessions,
/// server files) is not run by a dry run, which says why; the real effects are checked.
#[test]
fn dry_run_does_not_run_what_no_rollback_undoes() {
    let db = Db::new();
    let mut victim = postgres::Client::connect(
        &format!("{}&application_name=victim_{}", db.url, db.name),
        postgres::NoTls,
    )
    .unwrap();
    victim.batch_execute("SELECT 1").unwrap();
    let file = std::env::temp_dir().join(format!("pgward-dry-run-copy-{}.csv", db.name));
    let _ = std::fs::remove_file(&file);
    let p = Project::new();
    p.write(
        "0001_kick.sql",
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity\n  WHERE application_name = 'victim_{}';\n",
            db.name
        ),
    );
    p.write(
        "0002_copy.sql",
        &format!("COPY (SELECT 1) TO '{}';\n", file.display()),
    );
    p.write(
        "0003_do.sql",
        "DO $$ BEGIN PERFORM pg_reload_conf(); END $$;\n",
    );
    let r = p.apply(&db, &["--dry-run"]);
    r.expect(0);
    for expected in [
        "0001_kick.sql … skipped (line 1: pg_terminate_backend() acts outside the transaction",
        "0002_copy.sql … skipped (line 1: COPY to a server file or with PROGRAM acts outside the database",
        "0003_do.sql … skipped (line 1: pg_reload_conf() acts outside the transaction",
    ] {
        assert!(
            r.stdout.contains(expected),
            "missing `{expected}`:\n{}",
            r.stdout
        );
    }
    victim
        .batch_execute("SELECT 1")
        .expect("the other session was not terminated by the dry run");
    assert!(!file.exists(), "no server file written by the dry run");
}

/// While a dry run holds a sequence isolated, another session's nextval() waits for it and
/// then gets the next value of the live sequence (no duplicate, no gap).
#[test]
fn another_sessions_nextval_waits_for_the_dry_run_and_gets_no_duplicate() {
    let db = Db::new();
    db.exec(
        "CREATE TABLE orders (id serial PRIMARY KEY, item text);
         INSERT INTO orders (item) VALUES ('a'), ('b'), ('c');",
    );
    let p = Project::new();
    p.write(
        "0001_seed.sql",
        "INSERT INTO orders (item) VALUES ('d'), ('e');\nSELECT pg_sleep(2);\n",
    );
    let child = p
        .command(&[
            "apply",
            "migrations",
            "--database-url",
            &db.url,
            "--dry-run",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_query(&db, "%pg_sleep(2)%");
    let started = Instant::now();
    let id = db.query("INSERT INTO orders (item) VALUES ('app') RETURNING id");
    let waited = started.elapsed();
    let r = Run::from(child.wait_with_output().unwrap());
    r.expect(0);
    assert_eq!(id, ["4"], "the application's row gets the next live value");
    assert!(waited >= Duration::from_millis(500), "{waited:?}");
    assert_eq!(
        db.query("SELECT last_value || '/' || is_called FROM orders_id_seq"),
        ["4/true"]
    );
}

/// A sequence the dry run cannot isolate (owned by another role) keeps the old safeguards:
/// a file calling setval() is not run, and an advance through a default is reported.
#[test]
fn sequences_of_other_roles_fall_back_to_skipping_and_reporting() {
    let db = Db::new();
    db.exec(&format!(
        "CREATE ROLE migrator_{n} LOGIN PASSWORD 'migrator-pw';
         GRANT CREATE, TEMP ON DATABASE {n} TO migrator_{n};
         GRANT ALL ON SCHEMA public TO migrator_{n};
         CREATE TABLE orders (id serial PRIMARY KEY, item text);
         INSERT INTO orders (item) VALUES ('a');
         GRANT ALL ON orders, orders_id_seq TO migrator_{n};",
        n = db.name
    ));
    let url = db.url.replace(
        &format!("postgres:{PASSWORD}@"),
        &format!("migrator_{}:migrator-pw@", db.name),
    );
    let seq = || db.query("SELECT last_value || '/' || is_called FROM orders_id_seq");
    let p = Project::new();
    p.write("0001_seed.sql", "INSERT INTO orders (item) VALUES ('b');\n");
    p.write(
        "0002_reset.sql",
        "SELECT setval('orders_id_seq', 1, false);\n",
    );
    let r = p.run(&["apply", "migrations", "--database-url", &url, "--dry-run"]);
    r.expect(0);
    assert!(
        r.stdout.contains("1 sequence(s) could not be isolated")
            && r.stdout
                .contains("public.orders_id_seq (owned by role postgres"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("0002_reset.sql … skipped (line 1: setval()/nextval()"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("advanced sequence public.orders_id_seq (last value 1 → 2)"),
        "{}",
        r.stdout
    );
    assert_eq!(seq(), ["2/true"], "the documented gap, never a reset");
}

// ---- issue 11: the real table, the real locks ------------------------------------------------

/// Pre-flight reads the real size of every existing table a pending statement rewrites,
/// indexes or scans under a lock that blocks writes, and refuses above
/// `[apply] max_blocking_size` before anything is touched, unless `--allow-blocking`.
#[test]
fn preflight_refuses_blocking_work_on_a_table_above_max_blocking_size() {
    let db = Db::new();
    db.exec(
        "CREATE TABLE orders (id int PRIMARY KEY, total int, status text, customer_id int);
         INSERT INTO orders SELECT g, g, 'new', g FROM generate_series(1, 20000) g;
         ANALYZE orders;",
    );
    let bytes: u64 = db.query("SELECT pg_table_size('orders')")[0]
        .parse()
        .unwrap();
    assert!(
        bytes > 256 * 1024,
        "the table must cross the limit: {bytes}"
    );
    let p = Project::new();
    p.config("[apply]\nmax_blocking_size = \"256kB\"\n");
    p.write(
        "0001_change.sql",
        "ALTER TABLE public.orders ALTER COLUMN total TYPE bigint;\n\
         CREATE INDEX idx_orders_status ON public.orders (status);\n\
         ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total > 0);\n\
         ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n\
         ALTER TABLE orders RENAME COLUMN status TO state;\n\
         CREATE TABLE fresh (id int PRIMARY KEY, x int);\n\
         ALTER TABLE fresh ENABLE ROW LEVEL SECURITY;\n\
         CREATE INDEX fresh_x ON fresh (x);\n",
    );
    let type_of_total = || {
        db.query(
            "SELECT data_type FROM information_schema.columns
             WHERE table_name = 'orders' AND column_name = 'total'",
        )
    };
    let r = p.apply(&db, &[]);
    r.expect(1);
    let all = r.all();
    for expected in [
        "0001_change.sql:1:1: ALTER COLUMN … TYPE rewrites public.orders: ~20.0k rows,",
        "under ACCESS EXCLUSIVE (table-rewrite)",
        "0001_change.sql:2:1: CREATE INDEX builds an index on public.orders: ~20.0k rows,",
        "under SHARE (blocking-index)",
        "0001_change.sql:3:",
        "ADD CHECK scans public.orders",
        "(constraint-without-not-valid)",
        "0001_change.sql:4:",
        "SET NOT NULL scans public.orders",
        "(not-null-scan)",
        "larger than [apply] max_blocking_size (256 kB)",
        "4 statement(s) would block writes to a table larger than [apply] max_blocking_size (256 kB)",
        "--allow-blocking",
    ] {
        assert!(all.contains(expected), "missing `{expected}`:\n{all}");
    }
    // A rename is brief whatever the size; a table created in the same file is new and empty.
    assert!(!all.contains("0001_change.sql:5:"), "{all}");
    assert!(!all.contains("fresh"), "{all}");
    assert_eq!(type_of_total(), ["integer"], "nothing was changed");
    assert!(p.backups().is_empty(), "refused before the backup");
    assert!(db.history().is_empty());

    let r = p.apply(&db, &["--format", "json", "--dry-run"]);
    r.expect(1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json summary");
    assert_eq!(v["status"], "refused");
    assert_eq!(v["error"]["kind"], "preflight");
    let first = &v["blocking"][0];
    assert_eq!(first["file"], "migrations/0001_change.sql");
    assert_eq!(first["line"], 1);
    assert_eq!(first["rule"], "table-rewrite");
    assert_eq!(first["statement"], "ALTER COLUMN … TYPE");
    assert_eq!(first["table"], "public.orders");
    assert_eq!(first["lock"], "ACCESS EXCLUSIVE");
    assert_eq!(first["estimated_rows"], 20000);
    assert_eq!(first["bytes"], bytes);
    assert_eq!(first["over_limit"], true);
    assert_eq!(v["blocking"].as_array().map(Vec::len), Some(4));

    let r = p.apply(&db, &["--allow-blocking", "--no-backup"]);
    r.expect(0);
    assert!(
        r.stdout
            .contains("4 statement(s) block writes to a table larger than [apply] max_blocking_size (256 kB) while they run: allowed by --allow-blocking"),
        "{}",
        r.stdout
    );
    assert_eq!(type_of_total(), ["bigint"]);

    // Under the default limit (100 MB) the sizes are printed and the run goes ahead.
    std::fs::remove_file(p.path().join("pgward.toml")).unwrap();
    p.write(
        "0002_more.sql",
        "ALTER TABLE orders ALTER COLUMN total TYPE integer;\n",
    );
    let r = p.apply(&db, &["--no-backup"]);
    r.expect(0);
    assert!(
        r.stdout.contains(
            "pre-flight: migrations/0002_more.sql:1:1: ALTER COLUMN … TYPE rewrites public.orders: ~20.0k rows"
        ),
        "{}",
        r.stdout
    );
}

/// A size that is not one is a config error naming the key and its line, exit 2.
#[test]
fn a_bad_max_blocking_size_is_a_config_error() {
    let db = Db::new();
    let p = Project::new();
    p.config("# limits\n[apply]\nmax_blocking_size = \"lots\"\n");
    p.write("0001_a.sql", "SELECT 1;\n");
    let r = p.apply(&db, &[]);
    r.expect(2);
    assert!(r.stderr.contains("pgward.toml:3"), "{}", r.stderr);
    assert!(
        r.stderr.contains("max_blocking_size: `lots` is not a size"),
        "{}",
        r.stderr
    );
}

/// `--dry-run` traces the locks each statement takes: `pg_locks` of its own backend after the
/// statement, relation names resolved, in human and JSON output; they agree with the lock table.
#[test]
fn dry_run_traces_the_locks_each_statement_takes() {
    use pgward::syntax::locks::{LockKind, rule};
    let db = Db::new();
    db.exec(
        "CREATE TABLE orders (id int PRIMARY KEY, item text);
         CREATE TABLE \"Customers\" (id int PRIMARY KEY);
         CREATE SCHEMA billing;
         CREATE TABLE billing.invoices (id int PRIMARY KEY, customer_id int);",
    );
    let p = Project::new();
    p.write(
        "0001_locks.sql",
        "CREATE INDEX orders_item_idx ON orders (item);\n\
         ALTER TABLE \"Customers\" ADD COLUMN note text;\n\
         SELECT 1;\n\
         ALTER TABLE billing.invoices ADD CONSTRAINT invoices_customer_fkey\n  \
         FOREIGN KEY (customer_id) REFERENCES \"Customers\" (id) NOT VALID;\n",
    );
    let r = p.apply(&db, &["--dry-run"]);
    r.expect(0);
    let share = rule(LockKind::CreateIndex).mode.sql();
    for expected in [
        format!(
            "locks: line 1: CREATE INDEX orders_item_idx ON orders (item) → index public.orders_item_idx ACCESS EXCLUSIVE (blocks reads and writes), table public.orders {share} (blocks writes)"
        ),
        "locks: line 2: ALTER TABLE \"Customers\" ADD COLUMN note text → table public.\"Customers\" ACCESS EXCLUSIVE (blocks reads and writes)".to_string(),
    ] {
        assert!(r.stdout.contains(&expected), "missing `{expected}`:\n{}", r.stdout);
    }
    assert!(!r.stdout.contains("locks: line 3"), "{}", r.stdout);

    let r = p.apply(&db, &["--dry-run", "--format", "json"]);
    r.expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json summary");
    let traced = v["applied"][0]["locks"].as_array().expect("locks").clone();
    assert_eq!(traced.len(), 3, "{traced:?}");
    assert_eq!(traced[0]["line"], 1);
    assert_eq!(traced[0]["column"], 1);
    assert_eq!(
        traced[0]["statement"],
        "CREATE INDEX orders_item_idx ON orders (item)"
    );
    let orders = traced[0]["locks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "public.orders")
        .expect("orders locked")
        .clone();
    assert_eq!(orders["kind"], "table");
    assert_eq!(orders["mode"], share);
    assert_eq!(orders["blocks_writes"], true);
    assert_eq!(orders["blocks_reads"], false);
    // The foreign key locks both tables, as the lock table says.
    let fk = &traced[2];
    assert_eq!(fk["line"], 4);
    let mode_of = |rel: &str| {
        fk["locks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["relation"] == rel)
            .map(|l| l["mode"].clone())
    };
    assert_eq!(
        mode_of("billing.invoices"),
        Some(rule(LockKind::AddForeignKey).mode.sql().into())
    );
    assert_eq!(
        mode_of("public.\"Customers\""),
        Some(rule(LockKind::AddForeignKeyReferenced).mode.sql().into()),
        "{fk}"
    );
    // Nothing changed.
    assert_eq!(
        db.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_item_idx'"),
        ["0"]
    );
}
