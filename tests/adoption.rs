//! A way in for an old project, on the real binary: `[check] after`, the baseline round trip
//! (`--write-baseline`, `baseline = "FILE"`, stale entries, fingerprints that survive line
//! shifts), `check --fix` / `--diff`, `[files] exclude`, and one config discovery.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn rules(&self) -> Vec<String> {
        let diags: Vec<Value> = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr));
        diags
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["rule"].as_str().unwrap_or(""),
                    d["file"].as_str().unwrap_or("")
                )
            })
            .collect()
    }
}

fn pgward(cwd: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_pgward"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run pgward");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).expect("read")
}

const OLD: &str = "BEGIN;\nCREATE TABLE notes (id int);\nCOMMIT;\n";
const NEW: &str = "BEGIN;\nCREATE TABLE IF NOT EXISTS tags (id int);\nALTER TABLE tags ENABLE ROW LEVEL SECURITY;\nCOMMIT;\n";

#[test]
fn check_after_reports_only_newer_files() {
    let dir = project(&[
        (
            "pgward.toml",
            "migrations_dir = \"db\"\n[check]\nafter = \"0002\"\n",
        ),
        ("db/0001_old.sql", OLD),
        ("db/0002_point.sql", OLD.replace("notes", "more").as_str()),
        (
            "db/0003_new.sql",
            "BEGIN;\nCREATE TABLE IF NOT EXISTS c (id int);\nCOMMIT;\n",
        ),
    ]);
    let out = pgward(dir.path(), &["check", "--format", "json"]);
    let rules = out.rules();
    assert!(!rules.is_empty(), "{}", out.stderr);
    assert!(
        rules.iter().all(|r| r.ends_with("db/0003_new.sql")),
        "only the file after 0002 is reported: {rules:?}"
    );
    // The older files are context: the new file sees what they built.
    let dir2 = project(&[
        (
            "pgward.toml",
            "migrations_dir = \"db\"\n[check]\nafter = \"1\"\n",
        ),
        ("db/0001_old.sql", OLD),
        (
            "db/0002_new.sql",
            "BEGIN;\nCREATE TABLE notes (id int);\nCOMMIT;\n",
        ),
    ]);
    let out = pgward(
        dir2.path(),
        &["check", "--format", "json", "--select", "schema-conflict"],
    );
    assert_eq!(
        out.rules(),
        ["schema-conflict db/0002_new.sql"],
        "{}",
        out.stderr
    );
    let files = pgward(dir2.path(), &["check", "--show-files"]);
    assert_eq!(files.stdout, "db/0001_old.sql (context)\ndb/0002_new.sql\n");
    // A bad value is a config error that names the key.
    std::fs::write(
        dir2.path().join("pgward.toml"),
        "[check]\nafter = \"yesterday\"\n",
    )
    .unwrap();
    let out = pgward(dir2.path(), &["check", "db"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("pgward.toml:2: [check] after"),
        "{}",
        out.stderr
    );
}

#[test]
fn baseline_round_trip() {
    let dir = project(&[
        ("pgward.toml", "migrations_dir = \"db\"\n"),
        ("db/0001_old.sql", OLD),
        (
            "db/0002_more.sql",
            "BEGIN;\nCREATE TABLE t2 (id int);\nDROP TABLE gone;\nCOMMIT;\n",
        ),
    ]);
    let root = dir.path();
    let before = pgward(root, &["check", "--format", "json"]);
    assert_eq!(before.code, 1, "{}", before.stderr);
    let recorded = before.rules().len();
    assert!(recorded >= 3);

    let written = pgward(root, &["check", "--write-baseline", "pgward-baseline.json"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(
        written
            .stderr
            .contains(&format!("wrote {recorded} findings")),
        "{}",
        written.stderr
    );
    let baseline = read(root, "pgward-baseline.json");
    assert!(
        !baseline.contains("CREATE TABLE"),
        "no statement text in the baseline: {baseline}"
    );

    std::fs::write(
        root.join("pgward.toml"),
        "migrations_dir = \"db\"\nbaseline = \"pgward-baseline.json\"\n",
    )
    .unwrap();
    let quiet = pgward(root, &["check", "--format", "json"]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(quiet.rules(), Vec::<String>::new());
    assert!(
        quiet
            .stderr
            .contains(&format!("{recorded} findings recorded in the baseline")),
        "{}",
        quiet.stderr
    );

    // Lines shift (a comment on top, a statement reformatted): still nothing new.
    std::fs::write(
        root.join("db/0001_old.sql"),
        "-- the first migration\n\n\nBEGIN;\nCREATE TABLE   notes (\n    id int\n);\nCOMMIT;\n",
    )
    .unwrap();
    let shifted = pgward(root, &["check", "--format", "json"]);
    assert_eq!(shifted.code, 0, "{}\n{}", shifted.stdout, shifted.stderr);
    assert_eq!(shifted.rules(), Vec::<String>::new());
    assert!(!shifted.stderr.contains("stale"), "{}", shifted.stderr);

    // A new finding is reported; one that went away is stale.
    std::fs::write(
        root.join("db/0002_more.sql"),
        "BEGIN;\nCREATE TABLE t2 (id int);\nCREATE TABLE t3 (id int);\nCOMMIT;\n",
    )
    .unwrap();
    let after = pgward(root, &["check", "--format", "json"]);
    let rules = after.rules();
    assert!(
        !rules.is_empty() && rules.iter().all(|r| r.ends_with("0002_more.sql")),
        "{rules:?}"
    );
    assert!(
        after
            .stderr
            .contains("stale entry, no longer found: schema-conflict")
            || after.stderr.contains("stale entry"),
        "{}",
        after.stderr
    );
    let report = pgward(
        root,
        &[
            "check",
            "--format",
            "json",
            "--select",
            "non-idempotent-ddl",
        ],
    );
    let hits = report.rules();
    assert_eq!(
        hits,
        ["non-idempotent-ddl db/0002_more.sql"],
        "only t3 is new: {}",
        report.stderr
    );
    // Checking one file judges staleness of that file only.
    let one = pgward(root, &["check", "db/0001_old.sql"]);
    assert_eq!(one.code, 0);
    assert!(!one.stderr.contains("stale"), "{}", one.stderr);

    // A missing baseline is an error, not a silent "report everything".
    std::fs::remove_file(root.join("pgward-baseline.json")).unwrap();
    let missing = pgward(root, &["check"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("--write-baseline"),
        "{}",
        missing.stderr
    );
}

#[test]
fn fix_and_diff_round_trip() {
    let old_bad = "BEGIN;\nCREATE TABLE legacy (id int);\nCOMMIT;\n";
    let dir = project(&[
        (
            "pgward.toml",
            "migrations_dir = \"db\"\n[check]\nafter = \"1\"\n",
        ),
        ("db/0001_old.sql", old_bad),
        (
            "db/0002_new.sql",
            "\u{feff}BEGIN;\r\nCREATE TABLE notes (id int);\r\nDROP TABLE legacy;\r\nCOMMIT;\r\n",
        ),
    ]);
    let root = dir.path();
    let diff = pgward(root, &["check", "--diff"]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    assert!(
        diff.stdout
            .starts_with("--- a/db/0002_new.sql\n+++ b/db/0002_new.sql\n@@"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout
            .contains("+CREATE TABLE IF NOT EXISTS notes (id int);"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout.contains("+DROP TABLE IF EXISTS legacy;"),
        "{}",
        diff.stdout
    );
    assert!(
        !diff.stdout.contains("0001_old"),
        "files at or before `after` are never fixed"
    );
    assert!(
        read(root, "db/0002_new.sql").contains("CREATE TABLE notes"),
        "--diff changes nothing"
    );

    let fixed = pgward(root, &["check", "--fix", "--format", "json"]);
    assert!(fixed.stderr.contains("applied"), "{}", fixed.stderr);
    let text = std::fs::read(root.join("db/0002_new.sql")).unwrap();
    assert!(text.starts_with("\u{feff}".as_bytes()), "the BOM is kept");
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("CREATE TABLE IF NOT EXISTS notes (id int);\r\n"),
        "{text:?}"
    );
    assert!(
        text.contains("DROP TABLE IF EXISTS legacy;\r\n"),
        "{text:?}"
    );
    assert_eq!(read(root, "db/0001_old.sql"), old_bad);
    assert!(
        !fixed
            .rules()
            .iter()
            .any(|r| r.starts_with("non-idempotent-ddl")),
        "{}",
        fixed.stdout
    );

    let again = pgward(root, &["check", "--diff"]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "{}",
        again.stderr
    );
    // A buffer read from standard input cannot be written back: an error; --diff shows it.
    let piped = |args: &[&str]| {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_pgward"))
            .args(args)
            .current_dir(root)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"BEGIN;\nCREATE TABLE x (id int);\nCOMMIT;\n")
            .expect("write");
        child.wait_with_output().expect("wait")
    };
    let out = piped(&["check", "--fix", "-", "--stdin-filename", "db/0003_x.sql"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input, not written"));
    let out = piped(&["check", "--diff", "-", "--stdin-filename", "db/0003_x.sql"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("+CREATE TABLE IF NOT EXISTS x"));
}

#[test]
fn files_exclude_leaves_files_out_of_everything() {
    let dir = project(&[
        (
            "pgward.toml",
            "migrations_dir = \"db\"\n[files]\nexclude = [\"db/archive\", \"seed.sql\"]\n",
        ),
        ("db/0001_a.sql", NEW),
        ("db/archive/0000_broken.sql", "THIS IS NOT SQL;\n"),
        ("db/seed.sql", "DROP TABLE tags;\n"),
    ]);
    let root = dir.path();
    let files = pgward(root, &["check", "--show-files"]);
    assert_eq!(files.stdout, "db/0001_a.sql\n", "{}", files.stderr);
    assert!(
        files
            .stderr
            .contains("db/seed.sql: excluded by [files] exclude"),
        "{}",
        files.stderr
    );
    let out = pgward(root, &["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // Named (as pre-commit names changed files): still left out, with a warning.
    let named = pgward(
        root,
        &["check", "db/archive/0000_broken.sql", "db/0001_a.sql"],
    );
    assert_eq!(named.code, 0, "{}", named.stderr);
    assert!(
        named
            .stderr
            .contains("excluded by [files] exclude; not checked"),
        "{}",
        named.stderr
    );
}

#[test]
fn one_config_discovery_nearest_the_checked_file() {
    // The current directory has no config; the project's is found above the checked file.
    let dir = project(&[
        ("elsewhere/.keep", ""),
        ("proj/pgward.toml", "[protected]\ntables = [\"users\"]\n"),
        (
            "proj/db/0001_drop.sql",
            "BEGIN;\nDROP TABLE IF EXISTS users;\nCOMMIT;\n",
        ),
    ]);
    let cwd = dir.path().join("elsewhere");
    let out = pgward(
        &cwd,
        &["check", "--format", "json", "../proj/db/0001_drop.sql"],
    );
    assert!(
        out.rules()
            .iter()
            .any(|r| r.starts_with("protected-table-drop")),
        "{}",
        out.stderr
    );
    // A broken config is an error, never a fallback to the defaults.
    std::fs::write(
        dir.path().join("proj/pgward.toml"),
        "[protected]\ntables = 3\n",
    )
    .unwrap();
    let out = pgward(&cwd, &["check", "../proj/db/0001_drop.sql"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("pgward.toml:2"), "{}", out.stderr);
}

#[test]
fn protect_flag_is_named_as_a_flag() {
    let dir = project(&[(
        "0001_drop.sql",
        "BEGIN;\nDROP TABLE IF EXISTS users;\nCOMMIT;\n",
    )]);
    let out = pgward(
        dir.path(),
        &["check", "--protect", "users", "0001_drop.sql"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("protected by `--protect users`"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("pgward.toml"),
        "no config was used: {}",
        out.stdout
    );
}

/// Without `[check] after`, pgward cannot tell applied files from new ones: `--fix` changes only
/// the files named one by one, and refuses a whole directory.
#[test]
fn fix_without_after_touches_only_named_files() {
    let old = "BEGIN;\nCREATE TABLE legacy (id int);\nCOMMIT;\n";
    let dir = project(&[
        ("pgward.toml", "migrations_dir = \"db\"\n"),
        ("db/0001_old.sql", old),
        (
            "db/0002_new.sql",
            "BEGIN;\nCREATE TABLE notes (id int);\nCOMMIT;\n",
        ),
    ]);
    let root = dir.path();
    for args in [&["check", "--fix"][..], &["check", "--diff", "db"][..]] {
        let refused = pgward(root, args);
        assert_eq!(refused.code, 2, "{args:?}: {}", refused.stderr);
        assert!(
            refused.stderr.contains("[check] after"),
            "{}",
            refused.stderr
        );
    }
    let fixed = pgward(root, &["check", "--fix", "db/0002_new.sql"]);
    assert!(fixed.stderr.contains("applied"), "{}", fixed.stderr);
    assert!(read(root, "db/0002_new.sql").contains("CREATE TABLE IF NOT EXISTS notes"));
    assert_eq!(
        read(root, "db/0001_old.sql"),
        old,
        "the context file is never changed"
    );
}
