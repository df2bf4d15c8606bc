//! Hostile input through the `pgward` binary (issue 6): unreadable files, empty directories,
//! JSON that stays valid whatever the files contain, and output that does not depend on
//! `--threads`. (FIFOs, devices and symlink loops are covered in tests/cli.rs.)

use std::path::Path;
use std::process::{Command, Output};

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn pgward(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgward"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("run pgward: {e}"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_array(o: &Output) -> Vec<serde_json::Value> {
    match serde_json::from_slice::<serde_json::Value>(&o.stdout) {
        Ok(serde_json::Value::Array(items)) => items,
        other => panic!("not a JSON array: {other:?}\n{}", stdout(o)),
    }
}

#[test]
fn unreadable_file_is_an_error_naming_it_or_read_by_root() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let m = dir.path().join("m");
    std::fs::create_dir(&m).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(m.join("1_ok.sql"), "BEGIN;\nSELECT 1;\nCOMMIT;\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let locked = m.join("2_locked.sql");
    std::fs::write(&locked, "BEGIN;\nDROP TABLE users;\nCOMMIT;\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000))
        .unwrap_or_else(|e| panic!("{e}"));
    // Root (CAP_DAC_OVERRIDE) reads a mode-000 file anyway: then pgward must check it like any
    // other file; otherwise it must say which file it could not read and exit 2.
    let privileged = std::fs::read(&locked).is_ok();
    let out = pgward(dir.path(), &["check", "--format", "json", "m"]);
    let items = json_array(&out);
    if privileged {
        assert!(
            items.iter().any(|d| d["file"] == "m/2_locked.sql"),
            "root reads mode-000 files, so it is checked: {}",
            stdout(&out)
        );
    } else {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("2_locked.sql"), "{}", stderr(&out));
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn empty_directory_is_a_warning_and_an_empty_result() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join("empty")).unwrap_or_else(|e| panic!("{e}"));
    let out = pgward(dir.path(), &["check", "--format", "json", "empty"]);
    assert!(json_array(&out).is_empty());
    assert!(stderr(&out).contains("no .sql files"), "{}", stderr(&out));
}

#[test]
fn json_stays_valid_whatever_the_files_contain() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let m = dir.path().join("m");
    std::fs::create_dir(&m).unwrap_or_else(|e| panic!("{e}"));
    let nasty = [
        "DROP TABLE \"a\"\"\\\u{0}\u{1}\u{1b}[31m\u{2028}\";\n",
        "CREATE TABLE \"\\\"\" (\"\u{7f}\" int);\nSELECT 'unterminated \u{0}",
        "DO $x$ BEGIN DROP TABLE \"tab\tle\"; END $x$;\n/* never closed \"",
        "\u{feff}CREATE POLICY \"p\\\"\" ON t USING (true);\n\\set x \"y\n",
        "SELECT 1;\0\0\0DROP TABLE users;",
    ];
    for (i, text) in nasty.iter().enumerate() {
        std::fs::write(m.join(format!("{i}_x.sql")), text).unwrap_or_else(|e| panic!("{e}"));
    }
    let out = pgward(dir.path(), &["check", "--format", "json", "m"]);
    let items = json_array(&out);
    assert!(!items.is_empty());
    for d in items {
        assert!(d["message"].is_string() && d["line"].is_u64(), "{d}");
    }
}

/// The generated set and the fixtures give byte-identical output for 1, 2 and 8 threads.
#[test]
fn output_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let m = dir.path().join("m");
    std::fs::create_dir(&m).unwrap_or_else(|e| panic!("{e}"));
    for (name, text) in corpus::generate(150, 11) {
        std::fs::write(m.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let fixtures = fixtures.to_string_lossy().into_owned();
    for target in ["m", fixtures.as_str()] {
        let run = |threads: &str| {
            let out = pgward(
                dir.path(),
                &["check", "--format", "json", "--threads", threads, target],
            );
            (stdout(&out), out.status.code())
        };
        let one = run("1");
        assert!(one.0.len() > 100, "{target}: {}", one.0);
        for threads in ["2", "8"] {
            assert_eq!(one, run(threads), "{target} with {threads} threads");
        }
    }
}
