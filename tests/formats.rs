//! The machine-readable output formats (gcc, github, sarif, lsp, rdjsonl): snapshots on a small
//! workspace, positions in each format's unit, SARIF against the official schema, and hostile
//! text. Diagnostics are made by hand here: these tests are about the reporters, not the rules.

use pgward::diagnostic::{Diagnostic, Edit, Severity};
use pgward::engine::{CheckInput, CheckOutput, build_workspace};
use pgward::report::{Format, ReportOptions, render};
use pgward::source::{SourceFile, Span};
use serde_json::Value;

fn input(name: &str, text: &str) -> CheckInput {
    CheckInput {
        source: SourceFile::new(name, text),
        report: true,
    }
}

/// Span of the `nth` (0-based) occurrence of `needle` in `text`.
fn find(text: &str, needle: &str, nth: usize) -> Span {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("{needle:?} not in {text:?}"));
    Span::new(start, start + needle.len())
}

fn diag(
    rule: &'static str,
    severity: Severity,
    file: usize,
    span: Span,
    message: &str,
) -> Diagnostic {
    let mut d = Diagnostic::new(rule, file, span, message);
    d.severity = severity;
    d
}

const INIT: &str = "BEGIN;\nCREATE TABLE clients (id bigint PRIMARY KEY, user_id uuid);\nCOMMIT;\n";
const DROP: &str = "BEGIN;\nDROP TABLE users;\nCREATE INDEX clients_user_id_idx ON clients (user_id);\nCREATE INDEX clients_user_id_idx ON clients (user_id);\nCOMMIT;\n";
const CLEAN: &str = "-- nothing to see\nSELECT 1;\n";

/// Three migrations: one with findings (an error with a related location, a warning with a fix,
/// the same warning again on an identical line), two without.
fn sample() -> CheckOutput {
    let workspace = build_workspace(vec![
        input("migrations/0001_init.sql", INIT),
        input("migrations/0002_drop.sql", DROP),
        input("migrations/0003_clean.sql", CLEAN),
    ]);
    let drop_stmt = find(DROP, "DROP TABLE users", 0);
    let protected = diag(
        "protected-table-drop",
        Severity::Error,
        1,
        find(DROP, "users", 0),
        "table \"users\" is protected",
    )
    .with_help("remove the DROP, or rename the old table in a reviewed migration")
    .with_related(
        0,
        find(INIT, "clients", 0),
        "table \"clients\" created here",
    )
    .in_statement(drop_stmt);
    let idx = |nth| {
        let stmt = find(
            DROP,
            "CREATE INDEX clients_user_id_idx ON clients (user_id)",
            nth,
        );
        diag(
            "non-idempotent-ddl",
            Severity::Warning,
            1,
            Span::new(stmt.start, stmt.start + "CREATE INDEX".len()),
            "CREATE INDEX without IF NOT EXISTS fails when the migration runs again",
        )
        .with_fix(
            "add IF NOT EXISTS",
            vec![Edit {
                span: Span::empty(stmt.start + "CREATE INDEX ".len()),
                replacement: "IF NOT EXISTS ".to_string(),
            }],
        )
        .in_statement(stmt)
    };
    let info = diag(
        "unsupported-syntax",
        Severity::Info,
        1,
        find(DROP, "COMMIT", 0),
        "statement not analysed",
    );
    CheckOutput {
        workspace,
        diagnostics: vec![protected, idx(0), idx(1), info],
    }
}

fn rendered(format: Format, output: &CheckOutput) -> String {
    let mut buf = Vec::new();
    render(format, output, &ReportOptions::default(), &mut buf).expect("render");
    String::from_utf8(buf).expect("utf-8 output")
}

fn sarif_value(output: &CheckOutput) -> Value {
    serde_json::from_str(&rendered(Format::Sarif, output)).expect("sarif is JSON")
}

fn schema_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/sarif-schema-2.1.0.json"
    ))
    .expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

fn assert_valid_sarif(doc: &Value) {
    let validator = schema_validator();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors: {errors:#?}\n{doc:#}"
    );
}

#[test]
fn gcc_snapshot() {
    insta::assert_snapshot!(rendered(Format::Gcc, &sample()));
}

#[test]
fn github_annotations_snapshot() {
    let out = rendered(Format::Github, &sample());
    // The annotations come first; the human report after them is the human reporter's business.
    let annotations: Vec<&str> = out
        .lines()
        .take_while(|l| l.starts_with("::") && !l.starts_with("::stop-commands::"))
        .collect();
    assert_eq!(annotations.len(), 4, "{out}");
    insta::assert_snapshot!(annotations.join("\n"));
}

#[test]
fn github_is_followed_by_the_human_report_without_colour() {
    let output = sample();
    let opts = ReportOptions {
        color: true,
        ..Default::default()
    };
    let mut github = Vec::new();
    render(Format::Github, &output, &opts, &mut github).expect("render");
    let mut human = Vec::new();
    let plain = ReportOptions {
        color: false,
        ..opts.clone()
    };
    render(Format::Human, &output, &plain, &mut human).expect("render");
    let github = String::from_utf8(github).expect("utf-8");
    let human = String::from_utf8(human).expect("utf-8");
    // The report sits between `::stop-commands::TOKEN` and `::TOKEN::`, so nothing quoted in it
    // runs as a workflow command.
    let start = github.find("::stop-commands::").expect("stop-commands");
    let rest = &github[start + "::stop-commands::".len()..];
    let (token, report) = rest.split_once('\n').expect("token line");
    assert!(token.starts_with("pgward-") && token.len() > 12, "{token}");
    assert_eq!(report, format!("{human}::{token}::\n"));
    assert!(!github.contains('\u{1b}'), "no ANSI escapes: {github:?}");
    // A fresh token each run: a migration cannot spell it in advance.
    let again = rendered(Format::Github, &output);
    assert!(!again.contains(&format!("::{token}::")), "{again}");
}

#[test]
fn github_report_cannot_inject_workflow_commands() {
    let text = "DROP TABLE \"x\n::error file=evil.sql,line=1::injected\";\n";
    let output = CheckOutput {
        workspace: build_workspace(vec![input("a.sql", text)]),
        diagnostics: vec![diag(
            "non-idempotent-ddl",
            Severity::Warning,
            0,
            find(text, "\"x\n::error file=evil.sql,line=1::injected\"", 0),
            "table \"x\n::error file=evil.sql,line=1::injected\" is dropped",
        )],
    };
    let github = rendered(Format::Github, &output);
    let mut stopped: Option<String> = None;
    for line in github.lines() {
        match &stopped {
            Some(token) if line == format!("::{token}::") => stopped = None,
            Some(_) => {}
            None if line.starts_with("::stop-commands::") => {
                stopped = Some(line.trim_start_matches("::stop-commands::").to_string());
            }
            None => assert!(
                !line.contains("evil.sql") || line.starts_with("::warning file=a.sql"),
                "a command outside the stopped region quotes the migration: {line}\n{github}"
            ),
        }
    }
    assert!(stopped.is_none(), "commands are resumed: {github}");
    assert!(
        github.contains("\n::error file=evil.sql"),
        "the report does quote it: {github}"
    );
}

#[test]
fn sarif_snapshot_and_schema() {
    let output = sample();
    let mut doc = sarif_value(&output);
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["columnKind"], "unicodeCodePoints");
    let driver = &mut doc["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "pgward");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    // The rules array follows the registry (checked in `sarif_rules_follow_the_registry`);
    // keep it out of the snapshot so adding a rule does not churn this file.
    let rules = driver
        .as_object_mut()
        .and_then(|d| d.remove("rules"))
        .expect("rules array");
    assert!(rules.is_array());
    let run = &mut doc["runs"][0];
    // ruleIndex too (a registry position; checked against the rules array elsewhere).
    for result in run["results"].as_array_mut().expect("results") {
        if let Some(r) = result.as_object_mut() {
            r.remove("ruleIndex");
        }
    }
    insta::assert_json_snapshot!(doc);
}

#[test]
fn sarif_rules_follow_the_registry() {
    let doc = sarif_value(&sample());
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let registry: Vec<&str> = pgward::rules::all().iter().map(|r| r.id).collect();
    assert_eq!(ids, registry);
    for (rule, entry) in pgward::rules::all().iter().zip(rules) {
        assert_eq!(entry["shortDescription"]["text"], rule.summary);
        assert_eq!(entry["help"]["markdown"], rule.doc);
        assert_eq!(entry["help"]["text"], rule.doc);
        assert!(entry["fullDescription"]["text"].is_string());
        assert_eq!(
            entry["helpUri"],
            pgward::report::rule_doc_url(rule.id).as_str()
        );
        let level = match rule.default_severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        assert_eq!(entry["defaultConfiguration"]["level"], level);
    }
    // ruleIndex points into that array.
    for result in doc["runs"][0]["results"].as_array().expect("results") {
        if let Some(i) = result["ruleIndex"].as_u64() {
            assert_eq!(rules[i as usize]["id"], result["ruleId"]);
        }
    }
}

#[test]
fn sarif_fingerprints_are_stable_and_distinct() {
    let a = sarif_value(&sample());
    let b = sarif_value(&sample());
    let hashes = |doc: &Value| -> Vec<String> {
        doc["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .expect("hash")
                    .to_string()
            })
            .collect()
    };
    assert_eq!(hashes(&a), hashes(&b));
    let h = hashes(&a);
    // The two identical CREATE INDEX lines differ only by their occurrence number.
    assert_ne!(h[1], h[2]);
    assert_eq!(h[1].split(':').next(), h[2].split(':').next());
    // Moving the finding down a line (a new line above it) keeps its fingerprint.
    let mut moved = sample();
    let shifted = format!("-- new comment\n{DROP}");
    moved.workspace = build_workspace(vec![
        input("migrations/0001_init.sql", INIT),
        input("migrations/0002_drop.sql", &shifted),
        input("migrations/0003_clean.sql", CLEAN),
    ]);
    let by = "-- new comment\n".len();
    for d in &mut moved.diagnostics {
        if d.file == 1 {
            d.span = d.span.shift(by);
        }
    }
    let m = sarif_value(&moved);
    assert_eq!(hashes(&m), h);
    assert_eq!(
        m["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
}

#[test]
fn sarif_without_findings_is_valid() {
    let output = CheckOutput {
        workspace: build_workspace(vec![input("a.sql", "SELECT 1;")]),
        diagnostics: vec![],
    };
    let doc = sarif_value(&output);
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"], Value::Array(vec![]));
}

#[test]
fn sarif_schema_catches_mistakes() {
    // The validator really validates: a wrong level and a 0 column are rejected.
    let mut doc = sarif_value(&sample());
    doc["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!schema_validator().is_valid(&doc));
    let mut doc = sarif_value(&sample());
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] =
        Value::from(0);
    assert!(!schema_validator().is_valid(&doc));
}

/// Absolute names keep the LSP snapshot independent of the current directory.
fn absolute_sample() -> CheckOutput {
    let mut output = sample();
    let names = [
        "/project/migrations/0001_init.sql",
        "/project/migrations/0002_drop.sql",
        "/project/migrations/0003_clean.sql",
    ];
    for (file, name) in output.workspace.files.iter_mut().zip(names) {
        let mut renamed = (*file.source).clone();
        renamed.name = name.to_string();
        file.source = renamed.into();
    }
    output
}

#[test]
fn lsp_snapshot() {
    let out = rendered(Format::Lsp, &absolute_sample());
    let params: Vec<lsp_types::PublishDiagnosticsParams> =
        serde_json::from_str(&out).expect("lsp-types can read it back");
    assert_eq!(params.len(), 3, "files without findings are included");
    assert!(params[0].diagnostics.is_empty() && params[2].diagnostics.is_empty());
    insta::assert_snapshot!(out);
}

#[test]
fn lsp_uses_the_current_directory_for_relative_names() {
    let out = rendered(Format::Lsp, &sample());
    let params: Vec<lsp_types::PublishDiagnosticsParams> =
        serde_json::from_str(&out).expect("parse");
    let cwd = std::env::current_dir().expect("cwd");
    let expected =
        pgward::report::common::file_uri_of_absolute(&cwd.join("migrations").join("0002_drop.sql"));
    assert_eq!(params[1].uri.as_str(), expected);
}

#[test]
fn rdjsonl_snapshot() {
    let out = rendered(Format::Rdjsonl, &sample());
    for line in out.lines() {
        let _: Value = serde_json::from_str(line).expect("each line is a JSON object");
    }
    assert_eq!(out.lines().count(), 4);
    insta::assert_snapshot!(out);
}

/// Text whose finding sits after a tab, CRLF line endings, multi-byte (é, 中) and astral-plane
/// (𝄞, 😀) characters: `users` is at 1-based character column 18, 0-based UTF-16 character 19
/// and 1-based byte column 27.
const TRICKY: &str = "SELECT 1;\r\n\té中𝄞😀 DROP TABLE users;\r\nCOMMIT;\r\n";

fn tricky() -> CheckOutput {
    let workspace = build_workspace(vec![input("m/tricky.sql", TRICKY)]);
    let d = diag(
        "protected-table-drop",
        Severity::Error,
        0,
        find(TRICKY, "users", 0),
        "table \"users\" is protected",
    );
    CheckOutput {
        workspace,
        diagnostics: vec![d],
    }
}

#[test]
fn positions_in_each_unit() {
    let output = tricky();
    // Characters before `users` on line 2: \t é 中 𝄞 😀 ␠ "DROP TABLE " = 6 + 11 = 17.
    // gcc: 1-based characters.
    let gcc = rendered(Format::Gcc, &output);
    assert!(gcc.starts_with("m/tricky.sql:2:18: error: "), "{gcc}");

    // github: 1-based characters, end exclusive.
    let gh = rendered(Format::Github, &output);
    assert!(
        gh.contains("file=m/tricky.sql,line=2,col=18,endLine=2,endColumn=23,"),
        "{gh}"
    );

    // sarif: unicode code points.
    let sarif = sarif_value(&output);
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["startColumn"], 18);
    assert_eq!(region["endLine"], 2);
    assert_eq!(region["endColumn"], 23);

    // lsp: 0-based line, UTF-16 code units: 𝄞 and 😀 take two each, so 17 + 2 = 19.
    let lsp: Vec<lsp_types::PublishDiagnosticsParams> =
        serde_json::from_str(&rendered(Format::Lsp, &output)).expect("lsp json");
    let range = lsp[0].diagnostics[0].range;
    assert_eq!((range.start.line, range.start.character), (1, 19));
    assert_eq!((range.end.line, range.end.character), (1, 24));

    // rdjsonl: 1-based columns in UTF-8 bytes: \t1 é2 中3 𝄞4 😀4 ␠1 + 11 = 26, so column 27.
    let rd: Value =
        serde_json::from_str(rendered(Format::Rdjsonl, &output).trim()).expect("rdjsonl");
    assert_eq!(rd["location"]["range"]["start"]["line"], 2);
    assert_eq!(rd["location"]["range"]["start"]["column"], 27);
    assert_eq!(rd["location"]["range"]["end"]["column"], 32);

    // CRLF: a span at the start of line 3 is column 1 everywhere (the \r is not a character
    // of line 2's content that shifts anything).
    let mut at_commit = tricky();
    at_commit.diagnostics[0].span = find(TRICKY, "COMMIT", 0);
    let gcc = rendered(Format::Gcc, &at_commit);
    assert!(gcc.starts_with("m/tricky.sql:3:1: "), "{gcc}");
    let rd: Value =
        serde_json::from_str(rendered(Format::Rdjsonl, &at_commit).trim()).expect("rdjsonl");
    assert_eq!(rd["location"]["range"]["start"]["column"], 1);
    assert_eq!(rd["location"]["range"]["start"]["line"], 3);
}

/// Quotes, backslashes, control characters, NUL, `%`, `::` and commas in messages, help,
/// related messages and file names.
fn hostile() -> CheckOutput {
    let name = "m/we\"ird\\na,me:%\t\u{1}.sql";
    let text = "DROP TABLE \"a\\\"b\";\n";
    let workspace = build_workspace(vec![input(name, text)]);
    let message = "bad \"quote\" \\ back\u{0}slash\r\nnew line\t%0A ::error:: a,b \u{7f}\u{1b}[31m";
    let d = diag(
        "parse-error",
        Severity::Error,
        0,
        Span::new(11, 17),
        message,
    )
    .with_help("help with \"quotes\"\n\u{0}")
    .with_related(0, Span::new(0, 4), "related \u{0} \"x\"")
    .with_fix(
        "fix \"it\"",
        vec![Edit {
            span: Span::new(0, 4),
            replacement: "\u{0}\"\\\n".to_string(),
        }],
    );
    CheckOutput {
        workspace,
        diagnostics: vec![d],
    }
}

#[test]
fn hostile_text_keeps_every_format_valid() {
    let output = hostile();
    let message = output.diagnostics[0].message.clone();

    let sarif = sarif_value(&output);
    assert_valid_sarif(&sarif);
    let text = sarif["runs"][0]["results"][0]["message"]["text"]
        .as_str()
        .expect("text");
    assert!(text.starts_with(&message));

    let lsp: Vec<lsp_types::PublishDiagnosticsParams> =
        serde_json::from_str(&rendered(Format::Lsp, &output)).expect("lsp json");
    assert_eq!(lsp[0].diagnostics[0].message, message);
    assert!(lsp[0].uri.as_str().starts_with("file:///"));

    let rd = rendered(Format::Rdjsonl, &output);
    assert_eq!(rd.lines().count(), 1, "one diagnostic, one line: {rd:?}");
    let v: Value = serde_json::from_str(rd.trim_end_matches('\n')).expect("rdjsonl");
    assert_eq!(v["message"], message.as_str());

    let gcc = rendered(Format::Gcc, &output);
    assert_eq!(gcc.lines().count(), 1, "{gcc:?}");

    let gh = rendered(Format::Github, &output);
    let first = gh.lines().next().expect("an annotation");
    assert!(first.starts_with("::error file=m/we\"ird\\na%2Cme%3A%25\t\u{1}.sql,line=1,"));
    assert!(
        first.ends_with(
            "::bad \"quote\" \\ back\u{0}slash%0D%0Anew line\t%250A ::error:: a,b \u{7f}\u{1b}[31m"
        ),
        "{first:?}"
    );
}

#[test]
fn sarif_relative_uris_name_the_source_root() {
    // GitHub code scanning resolves repository-relative URIs against `%SRCROOT%`.
    let doc = sarif_value(&sample());
    for result in doc["runs"][0]["results"].as_array().expect("results") {
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "{artifact}");
        let uri = artifact["uri"].as_str().expect("uri");
        assert!(!uri.starts_with('/') && !uri.starts_with("file:"), "{uri}");
    }
    // Absolute names are full `file:` URIs and need no base.
    let doc = sarif_value(&absolute_sample());
    let artifact =
        &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(artifact.get("uriBaseId").is_none(), "{artifact}");
    assert_valid_sarif(&doc);
}

/// The real binary on a real project whose directory and file names hold spaces, commas,
/// colons and non-ASCII letters: every format keeps them straight.
mod cli {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    const DIR: &str = "mig dir, v1:x";
    const BAD: &str = "0001_a b,c:d é.sql";
    const BAD_TEXT: &str = "BEGIN;\n-- é\tcomment\nDROP TABLE users;\nCOMMIT;\n";

    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join(DIR)).expect("mkdir");
        std::fs::write(
            root.join("pgward.toml"),
            format!("migrations_dir = \"{DIR}\"\n[protected]\ntables = [\"users\"]\n"),
        )
        .expect("config");
        std::fs::write(root.join(DIR).join(BAD), BAD_TEXT).expect("bad");
        std::fs::write(
            root.join(DIR).join("0002_clean.sql"),
            "BEGIN;\nSELECT 1;\nCOMMIT;\n",
        )
        .expect("clean");
        dir
    }

    fn check(root: &Path, format: &str) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_pgward"))
            .args(["check", "--format", format])
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .expect("run pgward");
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        String::from_utf8(out.stdout).expect("utf-8")
    }

    #[test]
    fn gcc_lines_match_the_common_problem_matcher() {
        let dir = project();
        let text = check(dir.path(), "gcc");
        let expected = format!("{DIR}/{BAD}:3:12: error: ");
        assert!(text.contains(&expected), "{text}");
        for line in text.lines() {
            // ^(.*):(\d+):(\d+):\s+(warning|error|note):\s+(.*)$, by hand: the path is greedy,
            // so split from the right of the severity word.
            let (head, _message) = line.split_once(": ").map_or((line, ""), |_| {
                let i = ["warning", "error", "note"]
                    .iter()
                    .filter_map(|w| line.find(&format!(": {w}: ")))
                    .min()
                    .unwrap_or_else(|| panic!("no severity word: {line}"));
                (&line[..i], &line[i..])
            });
            let mut parts = head.rsplitn(3, ':');
            let col = parts.next().expect("col");
            let row = parts.next().expect("line");
            assert!(
                col.parse::<u32>().is_ok() && row.parse::<u32>().is_ok(),
                "{line}"
            );
            assert!(parts.next().is_some_and(|p| p.ends_with(".sql")), "{line}");
        }
    }

    #[test]
    fn github_escapes_properties_of_real_paths() {
        let dir = project();
        let text = check(dir.path(), "github");
        assert!(
            text.contains(
                "::error file=mig dir%2C v1%3Ax/0001_a b%2Cc%3Ad é.sql,line=3,col=12,endLine=3,endColumn=17,title=pgward (protected-table-drop)::"
            ),
            "{text}"
        );
    }

    #[test]
    fn sarif_of_a_real_run_is_valid_and_fingerprints_survive_an_edit_above() {
        let dir = project();
        let fingerprints = |doc: &Value| -> Vec<(String, String)> {
            doc["runs"][0]["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|r| {
                    (
                        r["ruleId"].as_str().unwrap_or_default().to_string(),
                        r["partialFingerprints"]["primaryLocationLineHash"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect()
        };
        let first: Value = serde_json::from_str(&check(dir.path(), "sarif")).expect("json");
        assert_valid_sarif(&first);
        let run = &first["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        for result in run["results"].as_array().expect("results") {
            let i = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(rules[i]["id"], result["ruleId"]);
            let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(
                artifact["uri"],
                "mig%20dir%2C%20v1%3Ax/0001_a%20b%2Cc%3Ad%20%C3%A9.sql"
            );
            assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        }
        let again: Value = serde_json::from_str(&check(dir.path(), "sarif")).expect("json");
        assert_eq!(fingerprints(&first), fingerprints(&again));
        // An unrelated edit above the finding moves it down but keeps its identity.
        let edited = BAD_TEXT.replace("BEGIN;\n", "BEGIN;\n-- reviewed\nSELECT 1;\n\n");
        std::fs::write(dir.path().join(DIR).join(BAD), edited).expect("edit");
        let moved: Value = serde_json::from_str(&check(dir.path(), "sarif")).expect("json");
        assert_eq!(fingerprints(&first), fingerprints(&moved));
        assert_eq!(
            moved["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            6
        );
    }

    #[test]
    fn lsp_lists_every_file_with_percent_encoded_uris() {
        let dir = project();
        let params: Vec<lsp_types::PublishDiagnosticsParams> =
            serde_json::from_str(&check(dir.path(), "lsp")).expect("lsp-types parse it");
        assert_eq!(params.len(), 2, "{params:?}");
        let uris: Vec<String> = params.iter().map(|p| p.uri.as_str().to_string()).collect();
        assert!(
            uris[0].starts_with("file:///")
                && uris[0].ends_with("/mig%20dir%2C%20v1%3Ax/0001_a%20b%2Cc%3Ad%20%C3%A9.sql"),
            "{uris:?}"
        );
        assert!(uris[1].ends_with("/0002_clean.sql"), "{uris:?}");
        assert!(!params[0].diagnostics.is_empty());
        assert!(params[1].diagnostics.is_empty());
        // 0-based, UTF-16: `DROP TABLE users` on the third line.
        let d = &params[0].diagnostics[0];
        assert_eq!((d.range.start.line, d.range.start.character), (2, 11));
    }

    #[test]
    fn rdjsonl_columns_are_utf8_bytes() {
        let dir = project();
        let text = check(dir.path(), "rdjsonl");
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).expect("one object per line");
            assert_eq!(v["location"]["path"], format!("{DIR}/{BAD}"));
            assert_eq!(v["location"]["range"]["start"]["line"], 3);
            assert_eq!(v["location"]["range"]["start"]["column"], 12);
        }
    }
}

#[test]
fn github_names_only_lines_for_a_multi_line_span_and_escapes_multi_line_messages() {
    let text = "BEGIN;\nCREATE TABLE t (\n  id int\n);\nCOMMIT;\n";
    let output = CheckOutput {
        workspace: build_workspace(vec![input("m/0001_t.sql", text)]),
        diagnostics: vec![diag(
            "transaction-wrapper",
            Severity::Error,
            0,
            find(text, "CREATE TABLE t (\n  id int\n)", 0),
            "first line\nsecond: 100%\r\nthird",
        )],
    };
    let github = rendered(Format::Github, &output);
    let first = github.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "::error file=m/0001_t.sql,line=2,endLine=4,title=pgward (transaction-wrapper)::first line%0Asecond: 100%25%0D%0Athird"
    );
    // gcc keeps one line per diagnostic, 1-based start.
    let gcc = rendered(Format::Gcc, &output);
    assert_eq!(
        gcc,
        "m/0001_t.sql:2:1: error: first line second: 100% third [transaction-wrapper]\n"
    );
}
