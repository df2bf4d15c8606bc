//! Data-driven rule tests: every `fixtures/rules/<rule-id>/<case>.sql`, and every case directory
//! `fixtures/rules/<rule-id>/<case>/` (several files, checked as one migration set in name
//! order), is checked and its JSON and human (no colour) output is snapshotted.
//!
//! A case named `bad_…` must produce at least one diagnostic of its rule, a case named `good_…`
//! none of it. Only that rule, `parse-error` and `unsupported-syntax` run, unless the case's
//! config selects rules itself.
//!
//! Config: `<case>/pgward.toml` for a case directory, `<case>.toml` next to a `<case>.sql`, else
//! `fixtures/rules/pgward.toml`. Adding a case needs no Rust code: add the file, run the tests,
//! read the new `tests/snapshots/*.snap.new` and accept them.

use pgward::engine::{CheckInput, check};
use pgward::report::{Format, ReportOptions, render};
use pgward::{Config, SourceFile};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load_config(path: &Path) -> Config {
    Config::load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Path relative to the crate root with `/` separators: stable in snapshots on every OS.
fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn read(path: &Path) -> CheckInput {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    CheckInput {
        source: SourceFile::new(rel(path), text),
        report: true,
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

fn is_sql(path: &Path) -> bool {
    path.is_file() && path.extension().and_then(|e| e.to_str()) == Some("sql")
}

struct Case {
    rule: String,
    /// Snapshot name: `<rule>__<case>`.
    name: String,
    inputs: Vec<CheckInput>,
    config: Config,
}

fn cases() -> Vec<Case> {
    let base = root().join("fixtures/rules");
    let default_config = load_config(&base.join("pgward.toml"));
    let mut cases = Vec::new();
    for rule_dir in sorted_entries(&base).into_iter().filter(|p| p.is_dir()) {
        let rule = rule_dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("UTF-8 name")
            .to_string();
        assert!(
            pgward::rules::find(&rule).is_some(),
            "fixtures/rules/{rule}: not a registered rule id"
        );
        for entry in sorted_entries(&rule_dir) {
            let stem = entry
                .file_stem()
                .and_then(|n| n.to_str())
                .expect("UTF-8 name")
                .to_string();
            if entry.is_dir() {
                let own = entry.join("pgward.toml");
                let config = if own.is_file() {
                    load_config(&own)
                } else {
                    default_config.clone()
                };
                let inputs: Vec<CheckInput> = sorted_entries(&entry)
                    .iter()
                    .filter(|p| is_sql(p))
                    .map(|p| read(p))
                    .collect();
                assert!(!inputs.is_empty(), "{}: no .sql files", entry.display());
                cases.push(Case {
                    rule: rule.clone(),
                    name: format!("{rule}__{stem}"),
                    inputs,
                    config,
                });
            } else if is_sql(&entry) {
                let own = entry.with_extension("toml");
                let config = if own.is_file() {
                    load_config(&own)
                } else {
                    default_config.clone()
                };
                cases.push(Case {
                    rule: rule.clone(),
                    name: format!("{rule}__{stem}"),
                    inputs: vec![read(&entry)],
                    config,
                });
            }
        }
    }
    cases
}

fn rendered(format: Format, output: &pgward::CheckOutput) -> String {
    let mut buf = Vec::new();
    render(format, output, &ReportOptions::default(), &mut buf).expect("render");
    String::from_utf8(buf).expect("UTF-8 report")
}

#[test]
fn rule_fixtures() {
    let cases = cases();
    assert!(!cases.is_empty(), "no fixtures found");
    let mut wrong = Vec::new();
    for case in cases {
        let files: Vec<String> = case.inputs.iter().map(|i| i.source.name.clone()).collect();
        let mut config = case.config.clone();
        // Snapshot the rule under test (and what the parser could not read), so other rules'
        // changes do not churn these snapshots; a case config can select more.
        if config.rules.select.is_empty() {
            config.rules.select = vec![
                case.rule.clone(),
                "parse-error".to_string(),
                "unsupported-syntax".to_string(),
            ];
        }
        let output = check(case.inputs, &config);
        let fired = output
            .diagnostics
            .iter()
            .filter(|d| d.rule == case.rule)
            .count();
        let case_name = case.name.rsplit("__").next().unwrap_or("");
        if case_name.starts_with("bad") && fired == 0 {
            wrong.push(format!(
                "{}: expected {} diagnostics, got none",
                files.join(", "),
                case.rule
            ));
        }
        if case_name.starts_with("good") && fired > 0 {
            wrong.push(format!(
                "{}: expected no {} diagnostic, got {fired}",
                files.join(", "),
                case.rule
            ));
        }
        let json = rendered(Format::Json, &output);
        let human = rendered(Format::Human, &output);
        insta::with_settings!({
            description => files.join("\n"),
            omit_expression => true,
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!(format!("{}__json", case.name), json);
            insta::assert_snapshot!(format!("{}__human", case.name), human);
        });
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
