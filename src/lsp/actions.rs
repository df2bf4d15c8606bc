//! Code actions (ignore a rule for a statement or a file, apply a rule's fix) and hover.
//! Everything here works on a lint result and text, so it is tested without a client.

use super::docs::Lint;
use crate::diagnostic::{Diagnostic, Edit};
use crate::engine::suppress::{self, IGNORE, IGNORE_FILE, Scope, StatementIndex, Suppression};
use crate::report::lsp_json::{lsp_range, to_lsp_diagnostic};
use crate::rules;
use crate::source::{SourceFile, Span, Utf16Pos, newline};
use crate::syntax::ParsedFile;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Hover, HoverContents, MarkupContent,
    MarkupKind, Position, Range, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;

/// The file's suppression comments as `check` reads and attaches them
/// ([`suppress::suppressions`], [`suppress::attach_indexed`]): an action never disagrees with
/// what the engine honours, wherever the comment stands (above the statement or after it on
/// its last line).
pub struct Ignores {
    found: Vec<(Suppression, Scope)>,
}

impl Ignores {
    pub fn new(source: &SourceFile, parsed: &ParsedFile) -> Ignores {
        let text = &source.text;
        let mut index = None;
        let found = suppress::suppressions(text, &parsed.comments)
            .map(|s| {
                let scope = if s.file_wide {
                    Scope::File
                } else {
                    let index =
                        index.get_or_insert_with(|| StatementIndex::new(&parsed.statements));
                    suppress::attach_indexed(text, &parsed.comments, index, s.comment)
                };
                (s, scope)
            })
            .collect();
        Ignores { found }
    }
}

/// The edit that adds `rule` to a suppression's rule list.
fn extend(s: &Suppression, rule: &str) -> Edit {
    let separator = if s.rules.is_empty() { " " } else { ", " };
    Edit {
        span: Span::empty(s.list_end),
        replacement: format!("{separator}{rule}"),
    }
}

fn names(s: &Suppression, rule: &str) -> bool {
    s.rules.iter().any(|r| r.id == rule)
}

/// Ignore `rule` for the statement `target` (a diagnostic's statement, else its span): `rule`
/// added to an ignore comment attached to that statement (above it or at the end of its last
/// line), else `-- pgward-ignore RULE` inserted above it (with its indentation). `None` when a
/// comment covering it already names the rule.
pub fn ignore_statement_edit(
    source: &SourceFile,
    ignores: &Ignores,
    target: Span,
    rule: &str,
) -> Option<Edit> {
    let mut attached = None;
    for (s, scope) in &ignores.found {
        let Scope::Statement(span) = *scope else {
            continue;
        };
        if span.start <= target.start && target.end <= span.end && names(s, rule) {
            return None;
        }
        if span == target && attached.is_none() {
            attached = Some(s);
        }
    }
    if let Some(s) = attached {
        return Some(extend(s, rule));
    }
    let text = &source.text;
    let lines = &source.lines;
    let line = lines.line_of(target.start.min(text.len()));
    let span = lines.line_span(text, line);
    let content = source.slice(span);
    let indent: String = content
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    Some(Edit {
        span: Span::empty(span.start),
        replacement: format!("{indent}-- {IGNORE} {rule}{}", newline(text)),
    })
}

/// `-- pgward-ignore-file RULE` at the top of the file, or `RULE` added to an existing one.
pub fn ignore_file_edit(source: &SourceFile, ignores: &Ignores, rule: &str) -> Option<Edit> {
    let file_wide = || ignores.found.iter().filter(|(s, _)| s.file_wide);
    if file_wide().any(|(s, _)| names(s, rule)) {
        return None;
    }
    if let Some((s, _)) = file_wide().next() {
        return Some(extend(s, rule));
    }
    Some(Edit {
        span: Span::empty(0),
        replacement: format!("-- {IGNORE_FILE} {rule}{}", newline(&source.text)),
    })
}

fn text_edit(source: &SourceFile, edit: &Edit) -> TextEdit {
    TextEdit {
        range: lsp_range(source, edit.span),
        new_text: edit.replacement.clone(),
    }
}

fn action(
    title: String,
    uri: &Uri,
    source: &SourceFile,
    edits: &[Edit],
    diagnostic: Option<lsp_types::Diagnostic>,
    preferred: bool,
) -> CodeActionOrCommand {
    let changes = HashMap::from([(
        uri.clone(),
        edits.iter().map(|e| text_edit(source, e)).collect(),
    )]);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: diagnostic.map(|d| vec![d]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    })
}

fn offset(source: &SourceFile, pos: Position) -> usize {
    source.lines.offset_of_utf16(
        &source.text,
        Utf16Pos {
            line: pos.line,
            character: pos.character,
        },
    )
}

/// The buffer's diagnostics that touch `[start, end]` (an empty range touches its neighbours).
fn touching(lint: &Lint, start: usize, end: usize) -> impl Iterator<Item = &Diagnostic> {
    lint.output
        .diagnostics
        .iter()
        .filter(move |d| d.file == lint.file_id && d.span.start <= end && start <= d.span.end)
}

/// Code actions for the diagnostics in `range`: the rule's fix first, then the ignores.
pub fn code_actions(uri: &Uri, lint: &Lint, range: Range) -> Vec<CodeActionOrCommand> {
    let Some(file) = lint.output.workspace.files.get(lint.file_id) else {
        return Vec::new();
    };
    let source = &file.source;
    let (start, end) = (offset(source, range.start), offset(source, range.end));
    let suppressions = Ignores::new(source, &file.parsed);
    let uri_of = |id: crate::diagnostic::FileId| {
        if id == lint.file_id {
            Some(uri.clone())
        } else {
            lint.output
                .workspace
                .files
                .get(id)
                .and_then(|f| crate::report::lsp_json::uri_for_name(&f.source.name))
        }
    };
    let mut fixes = Vec::new();
    let mut ignores = Vec::new();
    let mut titles = Vec::new();
    for d in touching(lint, start, end) {
        let lsp_diag = to_lsp_diagnostic(d, &lint.output.workspace, &uri_of);
        if let Some(fix) = &d.fix
            && !fix.edits.is_empty()
        {
            fixes.push(action(
                format!("pgward: {}", fix.title),
                uri,
                source,
                &fix.edits,
                lsp_diag.clone(),
                // The preferred (auto-applicable) action only when `--fix` would apply it too.
                fix.safe,
            ));
        }
        let title = format!("pgward: ignore {} for this statement", d.rule);
        if !titles.contains(&title)
            && let Some(edit) =
                ignore_statement_edit(source, &suppressions, d.statement.unwrap_or(d.span), d.rule)
        {
            ignores.push(action(
                title.clone(),
                uri,
                source,
                &[edit],
                lsp_diag.clone(),
                false,
            ));
            titles.push(title);
        }
        let title = format!("pgward: ignore {} for this file", d.rule);
        if !titles.contains(&title)
            && let Some(edit) = ignore_file_edit(source, &suppressions, d.rule)
        {
            ignores.push(action(title.clone(), uri, source, &[edit], lsp_diag, false));
            titles.push(title);
        }
    }
    fixes.extend(ignores);
    fixes
}

/// Hover on a diagnostic: its message and help, then the rule's doc.
pub fn hover(lint: &Lint, position: Position) -> Option<Hover> {
    let file = lint.output.workspace.files.get(lint.file_id)?;
    let source = &file.source;
    let at = offset(source, position);
    let found: Vec<&Diagnostic> = touching(lint, at, at).collect();
    let first = found.first()?;
    let range = lsp_range(source, first.span);
    let mut parts = Vec::new();
    let mut docs_shown = Vec::new();
    for d in &found {
        let mut part = format!(
            "**pgward** `{}` ({}): {}",
            d.rule,
            d.severity.as_str(),
            d.message
        );
        if let Some(help) = &d.help {
            part.push_str(&format!("\n\nhelp: {help}"));
        }
        if !docs_shown.contains(&d.rule)
            && let Some(rule) = rules::find(d.rule)
        {
            part.push_str(&format!(
                "\n\n{}\n\n[{}]({})",
                rule.doc.trim(),
                d.rule,
                crate::report::rule_doc_url(d.rule)
            ));
            docs_shown.push(d.rule);
        }
        parts.push(part);
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range: Some(range),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::engine::{CheckInput, CheckOutput, build_workspace};
    use std::str::FromStr;

    fn apply(text: &str, edit: &Edit) -> String {
        let mut out = text.to_string();
        out.replace_range(edit.span.range(), &edit.replacement);
        out
    }

    /// The text after "ignore `rule` for this statement" on the statement holding `DROP`.
    fn ignore_drop(text: &str, rule: &str) -> Option<String> {
        let source = SourceFile::new("m.sql", text);
        let parsed = crate::syntax::parse_file(text);
        let at = text.find("DROP").expect("a DROP");
        let statement = parsed
            .statements
            .iter()
            .find(|s| s.span.start <= at && at < s.span.end)
            .expect("the DROP statement")
            .span;
        let ignores = Ignores::new(&source, &parsed);
        ignore_statement_edit(&source, &ignores, statement, rule).map(|e| apply(text, &e))
    }

    fn ignore_file(text: &str, rule: &str) -> Option<String> {
        let source = SourceFile::new("m.sql", text);
        let ignores = Ignores::new(&source, &crate::syntax::parse_file(text));
        ignore_file_edit(&source, &ignores, rule).map(|e| apply(text, &e))
    }

    #[test]
    fn ignore_statement_inserts_with_indentation() {
        let text = "BEGIN;\n    DROP TABLE users;\nCOMMIT;\n";
        assert_eq!(
            ignore_drop(text, "protected-table-drop").as_deref(),
            Some(
                "BEGIN;\n    -- pgward-ignore protected-table-drop\n    DROP TABLE users;\nCOMMIT;\n"
            )
        );
    }

    #[test]
    fn ignore_statement_keeps_crlf() {
        let text = "BEGIN;\r\n\tDROP TABLE users;\r\n";
        assert_eq!(
            ignore_drop(text, "r").as_deref(),
            Some("BEGIN;\r\n\t-- pgward-ignore r\r\n\tDROP TABLE users;\r\n")
        );
    }

    #[test]
    fn ignore_statement_extends_an_existing_comment() {
        let text = "-- pgward-ignore a, b -- reviewed by ops\n-- other note\nDROP TABLE users;\n";
        assert_eq!(
            ignore_drop(text, "c").as_deref(),
            Some("-- pgward-ignore a, b, c -- reviewed by ops\n-- other note\nDROP TABLE users;\n")
        );
        // Already listed: no action.
        assert_eq!(ignore_drop(text, "b"), None);
        // A comment separated by code is not "directly above".
        let text = "-- pgward-ignore a\nSELECT 1;\nDROP TABLE users;\n";
        assert_eq!(
            ignore_drop(text, "c").as_deref(),
            Some("-- pgward-ignore a\nSELECT 1;\n-- pgward-ignore c\nDROP TABLE users;\n")
        );
        // Nor is one above a blank line.
        let text = "-- pgward-ignore a\n\nDROP TABLE users;\n";
        assert_eq!(
            ignore_drop(text, "c").as_deref(),
            Some("-- pgward-ignore a\n\n-- pgward-ignore c\nDROP TABLE users;\n")
        );
        // An ignore-file comment above is not extended by the statement action.
        let text = "-- pgward-ignore-file a\nDROP TABLE users;\n";
        assert_eq!(
            ignore_drop(text, "c").as_deref(),
            Some("-- pgward-ignore-file a\n-- pgward-ignore c\nDROP TABLE users;\n")
        );
    }

    /// A trailing `-- pgward-ignore` on the statement's own line is the statement's comment as
    /// much as one above it: it is extended, and a rule it names gets no second comment.
    #[test]
    fn ignore_statement_sees_a_trailing_comment() {
        let text = "BEGIN;\nDROP TABLE users; -- pgward-ignore a -- reviewed\nCOMMIT;\n";
        assert_eq!(ignore_drop(text, "a"), None);
        assert_eq!(
            ignore_drop(text, "c").as_deref(),
            Some("BEGIN;\nDROP TABLE users; -- pgward-ignore a, c -- reviewed\nCOMMIT;\n")
        );
        // On the last line of a statement that spans several.
        let text = "DROP TABLE\n  users; /* pgward-ignore a */\n";
        assert_eq!(ignore_drop(text, "a"), None);
        assert_eq!(
            ignore_drop(text, "c").as_deref(),
            Some("DROP TABLE\n  users; /* pgward-ignore a, c */\n")
        );
        // A trailing comment of the statement before is not this statement's.
        let text = "SELECT 1; -- pgward-ignore a\nDROP TABLE users;\n";
        assert_eq!(
            ignore_drop(text, "a").as_deref(),
            Some("SELECT 1; -- pgward-ignore a\n-- pgward-ignore a\nDROP TABLE users;\n")
        );
        // `pgward-ignore` text inside a string is no comment.
        let text = "SELECT '-- pgward-ignore-file x';\nDROP TABLE users;\n";
        assert_eq!(
            ignore_file(text, "x").as_deref(),
            Some("-- pgward-ignore-file x\nSELECT '-- pgward-ignore-file x';\nDROP TABLE users;\n")
        );
    }

    #[test]
    fn ignore_file_inserts_at_top_or_extends() {
        let text = "BEGIN;\nDROP TABLE users;\n";
        assert_eq!(
            ignore_file(text, "x").as_deref(),
            Some("-- pgward-ignore-file x\nBEGIN;\nDROP TABLE users;\n")
        );
        let text = "BEGIN;\n--pgward-ignore-file   a\nDROP TABLE users;\n";
        assert_eq!(
            ignore_file(text, "x").as_deref(),
            Some("BEGIN;\n--pgward-ignore-file   a, x\nDROP TABLE users;\n")
        );
        assert_eq!(ignore_file(text, "a"), None);
    }

    fn lint_with(text: &str, diagnostics: Vec<Diagnostic>) -> Lint {
        let workspace = build_workspace(vec![CheckInput {
            source: SourceFile::new("/p/m.sql", text),
            report: true,
        }]);
        Lint {
            output: CheckOutput {
                workspace,
                diagnostics,
            },
            file_id: 0,
            version: 1,
            timings: Default::default(),
        }
    }

    #[test]
    fn code_actions_offer_fix_then_ignores() {
        let text = "BEGIN;\nCREATE INDEX i ON t (c);\nCOMMIT;\n";
        let start = text.find("CREATE").unwrap_or(0);
        let stmt = Span::new(start, start + "CREATE INDEX i ON t (c)".len());
        let mut d = Diagnostic::new("non-idempotent-ddl", 0, Span::new(start, start + 12), "m")
            .with_fix(
                "add IF NOT EXISTS",
                vec![Edit {
                    span: Span::empty(start + 13),
                    replacement: "IF NOT EXISTS ".into(),
                }],
            )
            .in_statement(stmt);
        d.severity = Severity::Warning;
        let lint = lint_with(text, vec![d]);
        let uri = Uri::from_str("file:///p/m.sql").expect("uri");
        let at = Position {
            line: 1,
            character: 3,
        };
        let actions = code_actions(&uri, &lint, Range { start: at, end: at });
        let titles: Vec<String> = actions
            .iter()
            .filter_map(|a| match a {
                CodeActionOrCommand::CodeAction(a) => Some(a.title.clone()),
                CodeActionOrCommand::Command(_) => None,
            })
            .collect();
        assert_eq!(
            titles,
            vec![
                "pgward: add IF NOT EXISTS",
                "pgward: ignore non-idempotent-ddl for this statement",
                "pgward: ignore non-idempotent-ddl for this file",
            ]
        );
        let CodeActionOrCommand::CodeAction(fix) = &actions[0] else {
            panic!("not an action")
        };
        let edits = &fix
            .edit
            .as_ref()
            .and_then(|e| e.changes.as_ref())
            .expect("changes")[&uri];
        assert_eq!(edits[0].new_text, "IF NOT EXISTS ");
        assert_eq!(
            edits[0].range.start,
            Position {
                line: 1,
                character: 13
            }
        );
        assert_eq!(fix.is_preferred, Some(true));
        assert_eq!(
            fix.diagnostics.as_ref().map(|d| d[0].code.clone()),
            Some(Some(lsp_types::NumberOrString::String(
                "non-idempotent-ddl".into()
            )))
        );
        // Away from the diagnostic: nothing.
        let far = Position {
            line: 2,
            character: 3,
        };
        assert!(
            code_actions(
                &uri,
                &lint,
                Range {
                    start: far,
                    end: far
                }
            )
            .is_empty()
        );
    }

    #[test]
    fn hover_shows_message_help_and_doc() {
        let text = "DROP TABLE users;\n";
        let d = Diagnostic::new("parse-error", 0, Span::new(11, 16), "boom").with_help("fix it");
        let lint = lint_with(text, vec![d]);
        let h = hover(
            &lint,
            Position {
                line: 0,
                character: 13,
            },
        )
        .expect("hover");
        let HoverContents::Markup(m) = h.contents else {
            panic!("markup")
        };
        assert!(
            m.value.contains("`parse-error` (error): boom"),
            "{}",
            m.value
        );
        assert!(m.value.contains("help: fix it"));
        assert!(
            m.value
                .contains(rules::find("parse-error").map_or("", |r| r.doc.trim()))
        );
        assert_eq!(h.range.map(|r| r.start.character), Some(11));
        assert!(
            hover(
                &lint,
                Position {
                    line: 0,
                    character: 2
                }
            )
            .is_none()
        );
    }
}
