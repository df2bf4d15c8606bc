//! `--format sarif`: a SARIF 2.1.0 log for GitHub code scanning. One run; the driver lists every
//! rule; each result has one physical location with a repository-relative URI and a 1-based
//! region whose columns count Unicode code points (`columnKind: "unicodeCodePoints"`).

use super::common::{TOOL_URL, char_range, relative_uri, rule_doc_url};
use super::{ReportOptions, Texts};
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::CheckOutput;
use crate::rules::{self, Rule};
use crate::source::{SourceFile, Span};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{self, Write};

pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Serialize)]
#[serde(bound = "")]
struct Log<'a, R: Iterator<Item = SarifResult<'a>>> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a, R>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase", bound = "")]
struct Run<'a, R: Iterator<Item = SarifResult<'a>>> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Streamed<R>,
}

/// A sequence serialized as its iterator yields it: a big report's results are written one
/// at a time, never held all at once beside the diagnostics they come from.
struct Streamed<I>(std::cell::RefCell<Option<I>>);

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Streamed<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.borrow_mut().take() {
            Some(items) => serializer.collect_seq(items),
            None => Err(serde::ser::Error::custom(
                "a streamed sequence is written once",
            )),
        }
    }
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: MultiformatText<'a>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct MultiformatText<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
    /// `false` for rules that run only when selected (SARIF's default, `true`, is left out).
    #[serde(skip_serializing_if = "is_true")]
    enabled: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fingerprints {
    primary_location_line_hash: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    /// `%SRCROOT%` for repository-relative URIs: GitHub code scanning resolves them against the
    /// checkout, and other SARIF viewers know what the relative path is relative to.
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

/// The artifact location of a reported file name.
fn artifact_location(name: &str) -> ArtifactLocation {
    let uri = relative_uri(name);
    let uri_base_id = (!uri.starts_with("file:")).then_some(SRCROOT);
    ArtifactLocation { uri, uri_base_id }
}

/// The conventional base id of the source root (SARIF 2.1.0 §3.14.14, GitHub code scanning).
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Text,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn region(file: &SourceFile, span: Span) -> Region {
    let (start, end) = char_range(file, span);
    Region {
        start_line: start.line,
        start_column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

fn location(file: &SourceFile, span: Span) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact_location(&file.name),
        region: region(file, span),
    }
}

/// The doc's "What it does" section (up to the next heading), else the summary.
fn full_description(rule: &Rule) -> String {
    let mut lines = rule.doc.lines().skip_while(|l| {
        !(l.starts_with('#')
            && l.trim_start_matches('#')
                .trim()
                .eq_ignore_ascii_case("what it does"))
    });
    if lines.next().is_none() {
        return rule.summary.to_string();
    }
    let section: Vec<&str> = lines.take_while(|l| !l.starts_with('#')).collect();
    let text = section.join("\n").trim().to_string();
    if text.is_empty() {
        rule.summary.to_string()
    } else {
        text
    }
}

fn descriptor(rule: &'static Rule) -> ReportingDescriptor<'static> {
    ReportingDescriptor {
        id: rule.id,
        short_description: Text {
            text: rule.summary.to_string(),
        },
        full_description: Text {
            text: full_description(rule),
        },
        help_uri: rule_doc_url(rule.id),
        help: MultiformatText {
            text: rule.doc,
            markdown: rule.doc,
        },
        default_configuration: Configuration {
            level: level(rule.default_severity),
            enabled: crate::rules::on_by_default(rule),
        },
    }
}

/// The diagnostic's first line with all whitespace removed, so re-indenting or CRLF/LF changes
/// do not change the fingerprint.
fn normalized_line(file: &SourceFile, offset: usize) -> String {
    let line = file.lines.line_of(offset.min(file.text.len()));
    let span = file.lines.line_span(&file.text, line);
    file.slice(span)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `primaryLocationLineHash`: hash of the rule id and the normalized line text, then `:` and
/// the occurrence number of that (file, rule, line text) in this run. It does not depend on
/// line numbers, so a result keeps its identity when lines above it are added or removed.
fn line_hash(rule: &str, normalized: &str, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule.as_bytes());
    hasher.update([0u8]);
    hasher.update(normalized.as_bytes());
    let digest = hasher.finalize();
    let prefix = digest.get(..8).unwrap_or(&[]);
    format!("{}:{occurrence}", hex(prefix))
}

fn message_text(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    }
}

pub fn render(output: &CheckOutput, _options: &ReportOptions, w: &mut dyn Write) -> io::Result<()> {
    let all_rules = rules::all();
    let texts = Texts::new(&output.workspace);
    let mut occurrences: HashMap<(usize, &str, String), usize> = HashMap::new();
    let results = output.diagnostics.iter().filter_map(|d| {
        let file = texts.get(d.file)?;
        let file = &*file;
        let normalized = normalized_line(file, d.span.start);
        let count = occurrences
            .entry((d.file, d.rule, normalized.clone()))
            .or_insert(0);
        *count += 1;
        let related_locations = d
            .related
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let rf = texts.get(r.file)?;
                Some(Location {
                    id: Some(i),
                    physical_location: location(&rf, r.span),
                    message: Some(Text {
                        text: r.message.clone(),
                    }),
                })
            })
            .collect();
        let fixes = d
            .fix
            .iter()
            .map(|fix| SarifFix {
                description: Text {
                    text: fix.title.clone(),
                },
                artifact_changes: vec![ArtifactChange {
                    artifact_location: artifact_location(&file.name),
                    replacements: fix
                        .edits
                        .iter()
                        .map(|e| Replacement {
                            deleted_region: region(file, e.span),
                            inserted_content: Text {
                                text: e.replacement.clone(),
                            },
                        })
                        .collect(),
                }],
            })
            .collect();
        Some(SarifResult {
            rule_id: d.rule,
            rule_index: all_rules.iter().position(|r| r.id == d.rule),
            level: level(d.severity),
            message: Text {
                text: message_text(d),
            },
            locations: vec![Location {
                id: None,
                physical_location: location(file, d.span),
                message: None,
            }],
            partial_fingerprints: Fingerprints {
                primary_location_line_hash: line_hash(d.rule, &normalized, *count),
            },
            related_locations,
            fixes,
        })
    });
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "pgward",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: TOOL_URL,
                    rules: all_rules.iter().map(|r| descriptor(r)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: Streamed(std::cell::RefCell::new(Some(results))),
        }],
    };
    serde_json::to_writer_pretty(&mut *w, &log)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_description_is_the_what_it_does_section() {
        let rule = Rule {
            id: "x",
            default_severity: Severity::Error,
            summary: "sum",
            doc: "# x\n\n## What it does\n\nReports things:\n\n- a\n- b\n\n## Why it matters\n\nno\n",
            check: None,
        };
        assert_eq!(full_description(&rule), "Reports things:\n\n- a\n- b");
        let bare = Rule {
            doc: "TODO",
            ..rule
        };
        assert_eq!(full_description(&bare), "sum");
    }

    #[test]
    fn line_hash_is_stable_and_depends_on_rule_text_and_occurrence() {
        let a = line_hash("protected-table-drop", "DROPTABLEusers", 1);
        assert_eq!(a, line_hash("protected-table-drop", "DROPTABLEusers", 1));
        assert_ne!(a, line_hash("protected-table-drop", "DROPTABLEusers", 2));
        assert_ne!(a, line_hash("non-idempotent-ddl", "DROPTABLEusers", 1));
        assert_ne!(a, line_hash("protected-table-drop", "DROPTABLEclients", 1));
        assert!(a.ends_with(":1") && a.len() == 18, "{a}");
    }
}
