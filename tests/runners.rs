//! One realistic project per runner in `fixtures/runners/<name>/`, each with only the
//! `pgward.toml` that `pgward init` writes there: the real binary checks it from the project's
//! root, and the file list (`--show-files`: layout, order, reversals, skipped files) and the
//! findings are snapshotted. `precommit/` is the pre-commit case: only the new file is named,
//! and the break it causes is reported in it, in every output format.

use std::path::{Path, PathBuf};
use std::process::Command;

fn project(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/runners")
        .join(name)
}

fn pgward(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pgward"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run pgward");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const RUNNERS: &[&str] = &[
    "supabase",
    "diesel",
    "prisma",
    "sqlx",
    "flyway",
    "dbmate",
    "golang-migrate",
    "graphile-migrate",
];

#[test]
fn each_runner_project() {
    for name in RUNNERS {
        let dir = project(name);
        // The config is exactly what `pgward init` writes in this directory.
        let (text, _) = pgward::init::template_for(&dir);
        let written = std::fs::read_to_string(dir.join("pgward.toml")).expect("pgward.toml");
        assert_eq!(
            written, text,
            "{name}: pgward.toml is not what `pgward init` writes"
        );
        let (code, files, stderr) = pgward(&dir, &["check", "--show-files"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(
            stderr.starts_with(&format!("pgward: runner: {name} (set in pgward.toml)")),
            "{name}: {stderr}"
        );
        let files = format!("{stderr}{files}");
        let (code, report, stderr) = pgward(&dir, &["check", "--color", "never"]);
        assert!(code == 0 || code == 1, "{name}: {stderr}");
        insta::assert_snapshot!(
            format!("runner_{name}"),
            format!("$ pgward check --show-files\n{files}\n$ pgward check\n{report}{stderr}")
        );
    }
}

#[test]
fn precommit_names_only_the_new_file_and_sees_what_it_breaks() {
    let dir = project("precommit");
    let new = "supabase/migrations/20240401080000_debug_notes.sql";
    let (code, human, stderr) = pgward(&dir, &["check", "--color", "never", new]);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!("precommit_human", human);
    let (_, json, _) = pgward(&dir, &["check", "--format", "json", new]);
    insta::assert_snapshot!("precommit_json", json);
    for rule in [
        "rls-not-enabled",
        "missing-realtime-publication",
        "missing-user-id-index",
    ] {
        for format in ["human", "json", "gcc", "github", "sarif", "lsp", "rdjsonl"] {
            let (_, out, _) = pgward(&dir, &["check", "--format", format, new]);
            assert!(out.contains(rule), "{format} lacks {rule}:\n{out}");
            if format == "gcc" {
                assert!(
                    out.lines().all(|l| l.starts_with(new)),
                    "a finding outside the new file:\n{out}"
                );
            }
        }
    }
    // The old files alone: nothing of it.
    let old = "supabase/migrations/20240110093000_create_notes.sql";
    let (code, out, stderr) = pgward(&dir, &["check", "--format", "gcc", old]);
    assert_eq!(code, 0, "{out}{stderr}");
}
