//! The `pgward` binary as users meet it: exit codes, stdout/stderr, discovery, config errors.
//! Every test runs in its own temporary directory with its own pgward.toml, so the repository's
//! own config is never picked up.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CFG: &str = "[protected]\ntables = [\"users\", \"ai_usage_tracking\", \"usage_alerts\"]\n";
const GOOD: &str = "BEGIN;\nCREATE TABLE IF NOT EXISTS notes (id uuid PRIMARY KEY);\nALTER TABLE notes ENABLE ROW LEVEL SECURITY;\nCOMMIT;\n";
const BAD: &str = "BEGIN;\nDROP TABLE IF EXISTS users;\nCOMMIT;\n";
const WARN_ONLY: &str = "BEGIN;\nCREATE TABLE notes (id uuid PRIMARY KEY);\nALTER TABLE notes ENABLE ROW LEVEL SECURITY;\nCOMMIT;\n";

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new(files: &[(&str, &[u8])]) -> Scratch {
        let dir = tempfile::tempdir().expect("tempdir");
        for (rel, content) in files {
            let path = dir.path().join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(&path, content).expect("write fixture");
        }
        Scratch { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Out {
        run_in(self.path(), args, None, &[])
    }

    fn run_stdin(&self, args: &[&str], stdin: &str) -> Out {
        run_in(self.path(), args, Some(stdin), &[])
    }
}

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not a JSON array ({e}): {self:?}"))
    }
    fn rules(&self) -> Vec<String> {
        self.json()
            .iter()
            .filter_map(|d| d["rule"].as_str().map(String::from))
            .collect()
    }
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pgward"))
}

/// Run the binary with a time limit, so a regression that reads a FIFO forever fails the test
/// instead of hanging it.
fn run_in(cwd: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        if v.is_empty() {
            cmd.env_remove(k);
        } else {
            cmd.env(k, v);
        }
    }
    let mut child = cmd.spawn().expect("spawn pgward");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("pgward {args:?} did not finish in 30 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().expect("output");
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn base() -> Scratch {
    Scratch::new(&[
        ("pgward.toml", CFG.as_bytes()),
        ("m/1_good.sql", GOOD.as_bytes()),
        ("m/2_bad.sql", BAD.as_bytes()),
        ("w/1_warn.sql", WARN_ONLY.as_bytes()),
    ])
}

// ---------------------------------------------------------------------------------------------
// Exit codes and the end-to-end contract (need the parser and the rules).

#[test]
fn clean_file_exits_0() {
    let s = base();
    let out = s.run(&["check", "--format", "json", "m/1_good.sql"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.json()
            .iter()
            .all(|d| d["severity"] != "error" && d["severity"] != "warning"),
        "{out:?}"
    );
}

#[test]
fn protected_drop_exits_1_at_the_table_name() {
    let s = base();
    let out = s.run(&["check", "--format", "json", "m"]);
    assert_eq!(out.code, 1, "{out:?}");
    let diags = out.json();
    let drop = diags
        .iter()
        .find(|d| d["rule"] == "protected-table-drop")
        .unwrap_or_else(|| panic!("no protected-table-drop: {out:?}"));
    assert_eq!(drop["file"], "m/2_bad.sql");
    assert_eq!(
        (drop["line"].as_u64(), drop["column"].as_u64()),
        (Some(2), Some(22))
    );
    assert_eq!(
        (drop["end_line"].as_u64(), drop["end_column"].as_u64()),
        (Some(2), Some(27))
    );
    for field in [
        "file",
        "rule",
        "severity",
        "message",
        "line",
        "column",
        "end_line",
        "end_column",
        "help",
        "related",
    ] {
        assert!(drop.get(field).is_some(), "missing {field}: {drop}");
    }
}

#[test]
fn warnings_pass_unless_fail_on_warning() {
    let s = base();
    let out = s.run(&["check", "--format", "json", "w"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.json().iter().any(|d| d["severity"] == "warning"),
        "{out:?}"
    );
    let out = s.run(&["check", "--format", "json", "--fail-on", "warning", "w"]);
    assert_eq!(out.code, 1, "{out:?}");
}

#[test]
fn fail_on_info_counts_everything_at_or_above() {
    let s = base();
    // Error-level findings fail under every --fail-on.
    for level in ["error", "warning", "info"] {
        let out = s.run(&["check", "-q", "--fail-on", level, "m/2_bad.sql"]);
        assert_eq!(out.code, 1, "--fail-on {level}: {out:?}");
    }
    let out = s.run(&["check", "--fail-on", "fatal", "m"]);
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn ignore_and_select() {
    let s = base();
    let out = s.run(&[
        "check",
        "--format",
        "json",
        "--ignore",
        "protected-table-drop",
        "m",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.rules().iter().any(|r| r == "protected-table-drop"));
    let out = s.run(&["check", "--format", "json", "--select", "parse-error", "m"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.rules().iter().all(|r| r == "parse-error"), "{out:?}");
    let out = s.run(&["check", "--ignore", "protected-tabel-drop", "m"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("protected-tabel-drop"), "{out:?}");
}

#[test]
fn protect_flag_adds_a_table() {
    let s = base();
    let out = s.run_stdin(
        &["check", "--protect", "notes", "--format", "json", "-"],
        "BEGIN;\nDROP TABLE IF EXISTS notes;\nCOMMIT;\n",
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.rules().iter().any(|r| r == "protected-table-drop"),
        "{out:?}"
    );
}

#[test]
fn stdin_with_a_file_name() {
    let s = base();
    let out = s.run_stdin(
        &[
            "check",
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "m/3_stdin.sql",
        ],
        BAD,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.json().iter().any(|d| d["file"] == "m/3_stdin.sql"),
        "{out:?}"
    );
}

#[test]
fn stdin_name_is_shown_and_unnamed_stdin_works() {
    let s = base();
    let out = s.run_stdin(&["check", "--show-files", "-"], GOOD);
    assert_eq!(out.lines(), ["<stdin>"], "{out:?}");
    // --stdin-filename alone implies reading stdin.
    let out = s.run_stdin(
        &["check", "--show-files", "--stdin-filename", "x.sql"],
        GOOD,
    );
    assert_eq!(out.lines(), ["x.sql"], "{out:?}");
}

#[test]
fn human_output_names_rule_file_and_help() {
    let s = base();
    let out = s.run(&["check", "m"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("error[protected-table-drop]"),
        "{out:?}"
    );
    assert!(out.stdout.contains("m/2_bad.sql:2:22"), "{out:?}");
    assert!(out.stdout.contains("help:"), "{out:?}");
    assert!(!out.stdout.contains('\u{1b}'), "NO_COLOR: {out:?}");
}

// ---------------------------------------------------------------------------------------------
// Discovery, ordering, globs.

fn ordering_fixture() -> Scratch {
    Scratch::new(&[
        ("pgward.toml", b"".as_slice()),
        ("m/10_ten.sql", b"".as_slice()),
        ("m/2_two.sql", b"".as_slice()),
        ("m/0001_one.sql", b"".as_slice()),
        ("m/20260107090000_add_clients.sql", b"".as_slice()),
        ("m/V3__flyway.sql", b"".as_slice()),
        ("m/seed.sql", b"".as_slice()),
        ("m/notes.txt", b"".as_slice()),
        ("m/sub/5_nested.sql", b"".as_slice()),
    ])
}

#[test]
fn migration_order_is_numeric_then_by_name() {
    let s = ordering_fixture();
    let out = s.run(&["check", "--show-files", "m"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.lines(),
        [
            "m/0001_one.sql",
            "m/2_two.sql",
            "m/V3__flyway.sql",
            "m/sub/5_nested.sql",
            "m/10_ten.sql",
            "m/20260107090000_add_clients.sql",
            "m/seed.sql",
        ]
    );
}

#[test]
fn globs_are_expanded_by_pgward_and_duplicates_dropped() {
    let s = ordering_fixture();
    let out = s.run(&[
        "check",
        "--show-files",
        "m/*_t*.sql",
        "m/2_two.sql",
        "./m/10_ten.sql",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.lines(), ["m/2_two.sql", "m/10_ten.sql"]);
    let out = s.run(&["check", "--show-files", "nothing/*.sql"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("nothing/*.sql"), "{out:?}");
}

#[test]
fn quoted_glob_reports_its_files() {
    let s = base();
    let out = s.run(&["check", "--format", "json", "m/*.sql"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.json().iter().any(|d| d["file"] == "m/2_bad.sql"),
        "{out:?}"
    );
}

#[test]
fn absolute_paths_below_the_cwd_are_shown_relative() {
    let s = ordering_fixture();
    let abs = s.path().join("m/2_two.sql");
    let out = s.run(&[
        "check",
        "--show-files",
        abs.to_str().expect("utf-8 temp path"),
    ]);
    assert_eq!(out.lines(), ["m/2_two.sql"], "{out:?}");
}

#[test]
fn no_paths_uses_migrations_dir_or_fails_with_usage() {
    let s = Scratch::new(&[
        (
            "pgward.toml",
            b"migrations_dir = \"db/migrations\"\n".as_slice(),
        ),
        ("db/migrations/1_a.sql", b"".as_slice()),
        ("db/migrations/2_b.sql", b"".as_slice()),
    ]);
    let out = s.run(&["check", "--show-files"]);
    assert_eq!(
        out.lines(),
        ["db/migrations/1_a.sql", "db/migrations/2_b.sql"],
        "{out:?}"
    );

    // From a subdirectory: the config is found by walking up, the directory is relative to it.
    let sub = s.path().join("db");
    let out = run_in(&sub, &["check", "--show-files"], None, &[]);
    assert_eq!(
        out.lines(),
        ["migrations/1_a.sql", "migrations/2_b.sql"],
        "{out:?}"
    );

    let s = Scratch::new(&[("pgward.toml", b"".as_slice())]);
    let out = s.run(&["check"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("Usage: pgward check"), "{out:?}");
}

#[test]
fn context_mode_loads_the_set_but_reports_named_files() {
    let s = Scratch::new(&[
        ("pgward.toml", b"migrations_dir = \"m\"\n".as_slice()),
        // Non-idempotent: a warning if this file were reported.
        (
            "m/1_create.sql",
            b"BEGIN;\nCREATE TABLE notes (id int);\nCOMMIT;\n".as_slice(),
        ),
        ("m/2_named.sql", GOOD.as_bytes()),
        ("m/3_later.sql", b"BEGIN;\nCOMMIT;\n".as_slice()),
    ]);
    let out = s.run(&["check", "--show-files", "m/2_named.sql"]);
    assert_eq!(
        out.lines(),
        [
            "m/1_create.sql (context)",
            "m/2_named.sql",
            "m/3_later.sql (context)"
        ],
        "{out:?}"
    );
    let out = s.run(&["check", "--format", "json", "m/2_named.sql"]);
    assert!(
        out.json().iter().all(|d| d["file"] == "m/2_named.sql"),
        "{out:?}"
    );
    // A stdin buffer replaces the file of the same name.
    let out = s.run_stdin(
        &[
            "check",
            "--show-files",
            "-",
            "--stdin-filename",
            "m/1_create.sql",
        ],
        GOOD,
    );
    assert_eq!(
        out.lines(),
        [
            "m/1_create.sql",
            "m/2_named.sql (context)",
            "m/3_later.sql (context)"
        ],
        "{out:?}"
    );
    let out = s.run_stdin(
        &[
            "check",
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "m/1_create.sql",
        ],
        GOOD,
    );
    assert!(
        !out.rules().iter().any(|r| r == "non-idempotent-ddl"),
        "the buffer, not the file on disk, is checked: {out:?}"
    );
}

#[cfg(unix)]
#[test]
fn context_problems_are_warnings_and_named_problems_errors() {
    let s = Scratch::new(&[
        ("pgward.toml", b"migrations_dir = \"m\"\n".as_slice()),
        ("m/1_latin1.sql", b"SELECT 'caf\xe9';\n".as_slice()),
        ("m/2_named.sql", GOOD.as_bytes()),
    ]);
    let fifo = s.path().join("m/3_pipe.sql");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let out = s.run(&["check", "--show-files", "m/2_named.sql"]);
    assert_eq!(
        out.code, 0,
        "context problems do not fail the check: {out:?}"
    );
    assert_eq!(out.lines(), ["m/2_named.sql"], "{out:?}");
    assert!(
        out.stderr.contains("pgward: warning: m/1_latin1.sql"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("pgward: warning: m/3_pipe.sql"),
        "{out:?}"
    );
    let out = s.run(&["check", "--show-files", "m/3_pipe.sql"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr.matches("m/3_pipe.sql").count(),
        1,
        "reported once: {out:?}"
    );
}

#[test]
fn bom_and_crlf_do_not_shift_columns() {
    let s = Scratch::new(&[
        ("pgward.toml", CFG.as_bytes()),
        (
            "1.sql",
            "\u{feff}BEGIN;\r\nDROP TABLE IF EXISTS users;\r\nCOMMIT;\r\n".as_bytes(),
        ),
    ]);
    let out = s.run(&["check", "--format", "json", "1.sql"]);
    let drop = out
        .json()
        .into_iter()
        .find(|d| d["rule"] == "protected-table-drop")
        .unwrap_or_else(|| panic!("no protected-table-drop: {out:?}"));
    assert_eq!(
        (drop["line"].as_u64(), drop["column"].as_u64()),
        (Some(2), Some(22))
    );
    assert_eq!(drop["end_column"].as_u64(), Some(27));
}

#[test]
fn stdin_config_is_the_one_that_applies_to_its_file_name() {
    let s = Scratch::new(&[
        ("sub/pgward.toml", b"migrations_dir = \"m\"\n".as_slice()),
        ("sub/m/1_a.sql", b"".as_slice()),
    ]);
    let out = s.run_stdin(
        &[
            "check",
            "--show-files",
            "-",
            "--stdin-filename",
            "sub/m/2_b.sql",
        ],
        GOOD,
    );
    assert_eq!(
        out.lines(),
        ["sub/m/1_a.sql (context)", "sub/m/2_b.sql"],
        "{out:?}"
    );
}

#[test]
fn empty_directory_warns_and_exits_0() {
    let s = Scratch::new(&[
        ("pgward.toml", b"".as_slice()),
        ("empty/readme.md", b"".as_slice()),
    ]);
    let out = s.run(&["check", "empty"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("no .sql files"), "{out:?}");
    let out = s.run(&["check", "--format", "json", "empty"]);
    assert_eq!(out.json().len(), 0);
}

// ---------------------------------------------------------------------------------------------
// I/O errors: exit 2, named file, the rest still checked.

#[test]
fn missing_path_exits_2() {
    let s = base();
    let out = s.run(&["check", "does/not/exist.sql"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("pgward: error: does/not/exist.sql: no such file or directory"),
        "{out:?}"
    );
}

#[test]
fn invalid_utf8_names_file_and_offset_and_still_checks_the_others() {
    let s = Scratch::new(&[
        ("pgward.toml", CFG.as_bytes()),
        ("a/1_ok.sql", BAD.as_bytes()),
        (
            "a/2_latin1.sql",
            b"BEGIN;\nSELECT 'caf\xe9';\nCOMMIT;\n".as_slice(),
        ),
    ]);
    let out = s.run(&["check", "--format", "json", "a"]);
    assert_eq!(out.code, 2, "I/O errors win over findings: {out:?}");
    assert!(out.stderr.contains("a/2_latin1.sql"), "{out:?}");
    assert!(out.stderr.contains("byte offset 18"), "{out:?}");
    assert!(
        out.rules().iter().any(|r| r == "protected-table-drop"),
        "the readable file is still checked: {out:?}"
    );
}

#[test]
fn binary_file_is_refused() {
    let s = Scratch::new(&[
        ("pgward.toml", b"".as_slice()),
        ("m/1.sql", b"SELECT 1;\n\0\0\x01\x02".as_slice()),
        ("m/2.sql", GOOD.as_bytes()),
    ]);
    let out = s.run(&["check", "m"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("m/1.sql: binary file"), "{out:?}");
    assert!(
        out.stdout.contains("in 1 file"),
        "the other file is checked: {out:?}"
    );
}

#[cfg(unix)]
#[test]
fn fifo_and_devices_are_refused_without_reading() {
    let s = Scratch::new(&[
        ("pgward.toml", b"".as_slice()),
        ("m/2.sql", GOOD.as_bytes()),
    ]);
    let fifo = s.path().join("m/1_pipe.sql");
    let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    std::os::unix::fs::symlink("/dev/zero", s.path().join("m/3_zero.sql")).expect("symlink");
    let out = s.run(&["check", "m"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("m/1_pipe.sql: not a regular file"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("m/3_zero.sql: not a regular file"),
        "{out:?}"
    );
    // Named directly, too.
    let out = s.run(&["check", "m/1_pipe.sql"]);
    assert_eq!(out.code, 2, "{out:?}");
    let out = run_in(s.path(), &["check", "/dev/zero"], None, &[]);
    assert_eq!(out.code, 2, "{out:?}");
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_an_error_not_a_hang() {
    let s = Scratch::new(&[
        ("pgward.toml", b"".as_slice()),
        ("m/1.sql", GOOD.as_bytes()),
    ]);
    std::os::unix::fs::symlink(s.path().join("m"), s.path().join("m/again")).expect("symlink");
    let out = s.run(&["check", "m"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("symlink loop"), "{out:?}");
}

// ---------------------------------------------------------------------------------------------
// Config.

#[test]
fn unknown_config_key_is_quoted_with_its_line() {
    let s = Scratch::new(&[
        (
            "pgward.toml",
            format!("{CFG}\n[rules]\nignroe = [\"x\"]\n").as_bytes(),
        ),
        ("1.sql", GOOD.as_bytes()),
    ]);
    let out = s.run(&["check", "1.sql"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.starts_with("pgward: error: pgward.toml:5:"),
        "{out:?}"
    );
    assert!(out.stderr.contains("ignroe"), "{out:?}");
}

#[test]
fn wrong_type_and_explicit_config() {
    let s = Scratch::new(&[
        (
            "pgward.toml",
            b"assume_in_transaction = \"yes\"\n".as_slice(),
        ),
        ("other.toml", b"migrations_dir = \"m\"\n".as_slice()),
        ("m/1.sql", GOOD.as_bytes()),
    ]);
    let out = s.run(&["check", "m"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("pgward.toml:1"), "{out:?}");
    let out = s.run(&["check", "--config", "other.toml", "--show-files"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.lines(), ["m/1.sql"]);
    let out = s.run(&["check", "--config", "missing.toml", "m"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("missing.toml"), "{out:?}");
}

#[test]
fn bad_flag_values_exit_2() {
    let s = base();
    for args in [
        &["check", "--format", "nonsense", "m"][..],
        &["check", "--color", "sometimes", "m"],
        &["check", "--threads", "0", "m"],
        &["check", "--no-such-flag"],
        &["frobnicate"],
    ] {
        let out = s.run(args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
    }
    let out = s.run(&["check", "--threads", "2", "--show-files", "m"]);
    assert_eq!(out.code, 0, "{out:?}");
}

// ---------------------------------------------------------------------------------------------
// Output options.

#[test]
fn quiet_drops_the_summary() {
    let s = base();
    let out = s.run(&["check", "m/1_good.sql"]);
    assert!(out.stdout.contains("in 1 file"), "{out:?}");
    let out = s.run(&["check", "-q", "m/1_good.sql"]);
    assert!(!out.stdout.contains("in 1 file"), "{out:?}");
}

#[test]
fn colour_follows_flag_and_no_color() {
    let s = base();
    let out = run_in(s.path(), &["check", "--color", "always", "m"], None, &[]);
    assert!(out.stdout.contains("\u{1b}["), "--color always: {out:?}");
    // Piped stdout: auto means no colour, with or without NO_COLOR.
    let out = run_in(s.path(), &["check", "m"], None, &[("NO_COLOR", "")]);
    assert!(!out.stdout.contains('\u{1b}'), "{out:?}");
    let out = run_in(s.path(), &["check", "--color", "never", "m"], None, &[]);
    assert!(!out.stdout.contains('\u{1b}'), "{out:?}");
}

#[test]
fn help_is_complete() {
    let s = base();
    let out = s.run(&["check", "--help"]);
    assert_eq!(out.code, 0);
    for flag in [
        "--select",
        "--ignore",
        "--protect",
        "--config",
        "--format",
        "--fail-on",
        "--color",
        "--quiet",
        "--threads",
        "--stdin-filename",
        "Examples:",
        "Exit status:",
    ] {
        assert!(out.stdout.contains(flag), "{flag} missing from help");
    }
}

// ---------------------------------------------------------------------------------------------
// Suppressions (need the parser's comments and the rules).

#[test]
fn suppression_silences_a_statement_and_unused_ones_are_reported() {
    let s = Scratch::new(&[
        ("pgward.toml", CFG.as_bytes()),
        (
            "1.sql",
            b"BEGIN;\n-- pgward-ignore protected-table-drop -- replaced by v2\nDROP TABLE IF EXISTS users;\nCOMMIT;\n"
                .as_slice(),
        ),
        (
            "2.sql",
            b"BEGIN;\n-- pgward-ignore non-idempotent-ddl\nCREATE TABLE IF NOT EXISTS t (id int);\nDROP TABLE IF EXISTS users; -- pgward-ignore protected-tabel-drop\nCOMMIT;\n"
                .as_slice(),
        ),
    ]);
    let out = s.run(&["check", "--format", "json", "1.sql"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        !out.rules().iter().any(|r| r == "protected-table-drop"),
        "{out:?}"
    );

    let out = s.run(&["check", "--format", "json", "2.sql"]);
    let unused: Vec<String> = out
        .json()
        .iter()
        .filter(|d| d["rule"] == "unused-suppression")
        .filter_map(|d| d["message"].as_str().map(String::from))
        .collect();
    assert!(
        unused.contains(&"suppression of \"non-idempotent-ddl\" is unused".to_string()),
        "{out:?}"
    );
    assert!(
        unused.contains(&"unknown rule \"protected-tabel-drop\" in pgward-ignore".to_string()),
        "{out:?}"
    );
    assert!(
        out.rules().iter().any(|r| r == "protected-table-drop"),
        "{out:?}"
    );

    // Turning unused-suppression off silences those reports.
    let out = s.run(&[
        "check",
        "--format",
        "json",
        "--ignore",
        "unused-suppression",
        "2.sql",
    ]);
    assert!(
        !out.rules().iter().any(|r| r == "unused-suppression"),
        "{out:?}"
    );
}

#[test]
fn suppression_above_a_do_block_covers_its_body_and_blank_lines_break_it() {
    let s = Scratch::new(&[
        ("pgward.toml", CFG.as_bytes()),
        (
            "1.sql",
            b"BEGIN;\n-- pgward-ignore protected-table-drop -- legacy cleanup\n-- (approved in review)\nDO $$\nBEGIN\n  DROP TABLE IF EXISTS users;\nEND $$;\nCOMMIT;\n"
                .as_slice(),
        ),
        (
            "2.sql",
            b"BEGIN;\n-- pgward-ignore protected-table-drop\n\nDROP TABLE IF EXISTS users;\nCOMMIT;\n"
                .as_slice(),
        ),
    ]);
    // (The DROP still takes ACCESS EXCLUSIVE without a lock_timeout: that warning stays.)
    let out = s.run(&["check", "--format", "json", "1.sql"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.rules().iter().all(|r| r == "missing-lock-timeout"),
        "{out:?}"
    );
    let out = s.run(&["check", "--format", "json", "2.sql"]);
    assert_eq!(out.code, 1, "a blank line detaches the comment: {out:?}");
    let rules = out.rules();
    assert!(rules.iter().any(|r| r == "protected-table-drop"), "{out:?}");
    assert!(rules.iter().any(|r| r == "unused-suppression"), "{out:?}");
}

#[test]
fn file_wide_suppression() {
    let s = Scratch::new(&[
        ("pgward.toml", CFG.as_bytes()),
        (
            "1.sql",
            b"-- pgward-ignore-file protected-table-drop, transaction-wrapper\nDROP TABLE users;\n"
                .as_slice(),
        ),
    ]);
    let out = s.run(&[
        "check",
        "--format",
        "json",
        "--ignore",
        "non-idempotent-ddl",
        "1.sql",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        !out.rules()
            .iter()
            .any(|r| r == "protected-table-drop" || r == "transaction-wrapper"),
        "{out:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Other subcommands.

#[test]
fn rule_lists_and_documents() {
    let s = base();
    let out = s.run(&["rule"]);
    assert_eq!(out.code, 0, "{out:?}");
    for id in [
        "protected-table-drop",
        "transaction-wrapper",
        "non-idempotent-ddl",
        "concurrent-in-transaction",
        "parse-error",
        "unused-suppression",
    ] {
        assert!(out.stdout.contains(id), "{id} not listed: {out:?}");
    }
    // Aligned: the severity column starts at the same place on every line.
    let cols: Vec<usize> = out
        .lines()
        .iter()
        .filter_map(|l| {
            ["error", "warning", "info"]
                .iter()
                .filter_map(|s| l.find(&format!("  {s} ")))
                .min()
        })
        .collect();
    assert!(cols.windows(2).all(|w| w[0] == w[1]), "{out:?}");

    let out = s.run(&["rule", "protected-table-drop"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.len() > 300, "{out:?}");

    let out = s.run(&["rule", "protected-table-dorp"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("did you mean `protected-table-drop`"),
        "{out:?}"
    );
}

#[test]
fn init_writes_a_valid_config_once() {
    let s = Scratch::new(&[("supabase/config.toml", b"[db]\nmajor_version = 17\n")]);
    let out = s.run(&["init"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("Detected runner: supabase (from supabase/config.toml)"),
        "{out:?}"
    );
    let written = std::fs::read_to_string(s.path().join("pgward.toml")).expect("written");
    assert!(written.contains("runner = \"supabase\""), "{written}");
    assert!(written.contains("migrations_dir = \"supabase/migrations\""));
    assert!(written.contains("postgres_version = 17"));
    let out = s.run(&["init"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("already exists"), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(s.path().join("pgward.toml")).expect("still there"),
        written,
        "not overwritten"
    );
    let out = s.run_stdin(&["check", "--format", "json", "-"], GOOD);
    assert_eq!(out.code, 0, "the config init writes is valid: {out:?}");
}
