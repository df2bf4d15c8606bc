#![allow(clippy::mutable_key_type)] // lsp-types' Uri: Hash/Eq use only the string.

//! One owner per fact: `check`, `apply` and the language server read a file marker and a
//! suppression comment through the same function, so they agree on every spelling. Each case
//! here was read differently by one of them before (`-- pgward:no-transaction` was honoured by
//! `apply` and not by `check`; `-- pgward-ignored rule` silenced apply's verification only;
//! `-- pgward-ignore: rule` was missed by the editor's code action).

use pgward::engine::{CheckInput, check};
use pgward::lsp::actions::{Ignores, ignore_file_edit, ignore_statement_edit};
use pgward::lsp::docs::{Document, Store};
use pgward::{Config, SourceFile};
use std::path::{Path, PathBuf};

/// A project directory with a `pgward.toml` and one migration file.
fn project(config: &str, sql: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("pgward.toml"), config).expect("write config");
    let file = dir.path().join("0001_change.sql");
    std::fs::write(&file, sql).expect("write sql");
    (dir, file)
}

/// The rules `pgward check` reports for the file.
fn check_rules(dir: &Path, file: &Path, sql: &str) -> Vec<String> {
    let config = Config::load(&dir.join("pgward.toml")).expect("config");
    let input = CheckInput {
        source: SourceFile::new(file.to_string_lossy(), sql),
        report: true,
    };
    check(vec![input], &config)
        .diagnostics
        .iter()
        .map(|d| d.rule.to_string())
        .collect()
}

/// The rules the language server reports for the file open in an editor.
fn lsp_rules(file: &Path, sql: &str) -> Vec<String> {
    let uri: lsp_types::Uri = format!("file://{}", file.display()).parse().expect("uri");
    let mut store = Store::default();
    store.docs.insert(
        uri.clone(),
        Document::new(uri.clone(), Some(file.to_path_buf()), sql.to_string(), 1),
    );
    assert_eq!(store.lint(&uri), Ok(()), "config problem");
    let lint = store.docs[&uri].lint.as_ref().expect("linted");
    lint.output
        .diagnostics
        .iter()
        .filter(|d| d.file == lint.file_id)
        .map(|d| d.rule.to_string())
        .collect()
}

#[test]
fn no_transaction_marker_is_read_alike() {
    let cases = [
        ("-- pgward: no-transaction", true),
        ("-- pgward:no-transaction", true),
        ("--PGWARD:   No-Transaction", true),
        (
            "-- pgward: no-transaction -- needed for CONCURRENTLY",
            false,
        ),
        ("/* pgward: no-transaction */", false),
        ("-- pgward no-transaction", false),
        ("SELECT '\n-- pgward: no-transaction\n';", false),
    ];
    const RULE: &str = "concurrent-in-transaction";
    for (marker, honoured) in cases {
        let sql = format!("{marker}\nCREATE INDEX CONCURRENTLY i ON t (a);\n");
        // Wrapped the way `pgward apply` wraps: only the marker takes the file out.
        let (dir, file) = project("assume_in_transaction = true\n", &sql);
        let checked = !check_rules(dir.path(), &file, &sql).contains(&RULE.to_string());
        let edited = !lsp_rules(&file, &sql).contains(&RULE.to_string());
        let applied = pgward::apply::plan::read_file(&file, "0001_change.sql")
            .expect("read")
            .no_transaction;
        assert_eq!(
            (checked, applied, edited),
            (honoured, honoured, honoured),
            "{marker:?}: (check, apply, lsp) honour the marker"
        );
    }
}

#[test]
fn suppression_comments_are_read_alike() {
    const RULE: &str = "protected-table-drop";
    let config = "[protected]\ntables = [\"users\"]\n";
    let cases = [
        ("-- pgward-ignore protected-table-drop", true),
        ("-- pgward-ignore: protected-table-drop", true),
        ("-- pgward-ignore\tprotected-table-drop", true),
        (
            "--pgward-ignore other-rule,protected-table-drop -- reviewed by ops",
            true,
        ),
        ("/* pgward-ignore protected-table-drop */", true),
        ("-- pgward-ignore-file protected-table-drop", true),
        ("-- pgward-ignored protected-table-drop", false),
        ("-- pgward-ignore-next protected-table-drop", false),
        (
            "-- pgward-ignore other-rule -- not protected-table-drop",
            false,
        ),
    ];
    // Above the statement, and after it on its own line.
    let placements = [
        |c: &str| format!("{c}\nDROP TABLE users;\n"),
        |c: &str| format!("DROP TABLE users; {c}\n"),
    ];
    for (comment, silenced) in cases {
        for place in placements {
            let sql = place(comment);
            let (dir, file) = project(config, &sql);
            let checked = !check_rules(dir.path(), &file, &sql).contains(&RULE.to_string());
            let edited = !lsp_rules(&file, &sql).contains(&RULE.to_string());
            let migration = pgward::apply::plan::read_file(&file, "0001_change.sql").expect("read");
            let verified = pgward::apply::verify::suppresses(&migration, RULE);
            // The editor offers no "ignore" action for a rule its comment already silences.
            let source = SourceFile::new("0001_change.sql", sql.as_str());
            let parsed = pgward::syntax::parse_file(&sql);
            let ignores = Ignores::new(&source, &parsed);
            let statement = parsed
                .statements
                .iter()
                .find(|s| source.slice(s.span).starts_with("DROP"))
                .expect("statement")
                .span;
            let offered = if comment.contains("ignore-file") {
                ignore_file_edit(&source, &ignores, RULE).is_some()
            } else {
                ignore_statement_edit(&source, &ignores, statement, RULE).is_some()
            };
            assert_eq!(
                (checked, verified, edited, !offered),
                (silenced, silenced, silenced, silenced),
                "{sql:?}: (check, apply verify, lsp diagnostics, lsp action) see it silenced"
            );
        }
    }
}
