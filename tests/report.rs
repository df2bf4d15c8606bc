//! Reporter output for hand-made diagnostics: independent of the parser and the rules, so these
//! snapshots pin the formats themselves (positions, CRLF, tabs, multi-byte text, related places).

use pgward::diagnostic::{Diagnostic, Severity};
use pgward::engine::{CheckInput, CheckOutput, build_workspace};
use pgward::report::{self, Format, ReportOptions};
use pgward::source::{SourceFile, Span};

fn span_of(text: &str, needle: &str) -> Span {
    let start = text.find(needle).expect("needle in fixture");
    Span::new(start, start + needle.len())
}

fn output() -> CheckOutput {
    let first = "BEGIN;\r\nCREATE POLICY \"own rows\" ON clients USING (true);\r\nCOMMIT;\r\n";
    let second = "BEGIN;\n\tDROP TABLE IF EXISTS users;\n-- café ☕\nCREATE POLICY \"own rows\" ON clients USING (true);\nCOMMIT;\n";
    let workspace = build_workspace(vec![
        CheckInput {
            source: SourceFile::new("m/1_first.sql", first),
            report: false,
        },
        CheckInput {
            source: SourceFile::new("m/2_second.sql", second),
            report: true,
        },
    ]);
    let mut drop = Diagnostic::new(
        "protected-table-drop",
        1,
        span_of(second, "users"),
        "table \"users\" is protected",
    )
    .with_help("archive it instead: ALTER TABLE users SET SCHEMA archive;");
    drop.severity = Severity::Error;
    let mut collision = Diagnostic::new(
        "policy-name-collision",
        1,
        span_of(second, "\"own rows\""),
        "policy \"own rows\" already exists on table \"clients\"",
    )
    .with_related(
        0,
        span_of(first, "\"own rows\""),
        "policy first created here",
    );
    collision.severity = Severity::Error;
    let mut info = Diagnostic::new(
        "unsupported-syntax",
        1,
        span_of(second, "COMMIT"),
        "not analysed",
    );
    info.severity = Severity::Info;
    CheckOutput {
        workspace,
        diagnostics: vec![drop, collision, info],
    }
}

fn render(format: Format, options: &ReportOptions) -> String {
    let mut out = Vec::new();
    report::render(format, &output(), options, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8 output")
}

#[test]
fn json_report() {
    let text = render(Format::Json, &ReportOptions::default());
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    // Columns count characters: the tab is one character.
    assert_eq!(value[0]["line"], 2);
    assert_eq!(value[0]["column"], 23);
    assert_eq!(value[0]["end_column"], 28);
    assert_eq!(value[2]["help"], serde_json::Value::Null);
    // CRLF lines: the related place in the first file.
    assert_eq!(value[1]["related"][0]["file"], "m/1_first.sql");
    assert_eq!(value[1]["related"][0]["line"], 2);
    assert_eq!(value[1]["related"][0]["column"], 15);
    insta::assert_snapshot!(text);
}

#[test]
fn human_report() {
    let text = render(Format::Human, &ReportOptions::default());
    assert!(!text.contains('\u{1b}'), "no colour unless asked");
    insta::assert_snapshot!(text);
}

#[test]
fn human_report_quiet_has_no_summary() {
    let text = render(
        Format::Human,
        &ReportOptions {
            quiet: true,
            ..ReportOptions::default()
        },
    );
    assert!(!text.contains("in 1 file"), "{text}");
    assert!(text.contains("error[protected-table-drop]"), "{text}");
}

#[test]
fn human_report_colour() {
    let text = render(
        Format::Human,
        &ReportOptions {
            color: true,
            ..ReportOptions::default()
        },
    );
    assert!(text.contains("\u{1b}["), "{text}");
}

#[test]
fn summary_wording() {
    let text = render(Format::Human, &ReportOptions::default());
    assert!(text.ends_with("2 errors, 1 info in 1 file\n"), "{text}");
}
