//! Code actions (ignore a rule for a statement or a file, apply a rule's fix) and hover.
//! Everything here works on a lint result and text, so it is tested without a client.

use super::docs::Lint;
use crate::diagnostic::{Diagnostic, Edit};
use crate::engine::suppress::{self, IGNORE, IGNORE_FILE};
use crate::report::lsp_json::{lsp_range, to_lsp_diagnostic};
use crate::rules;
use crate::source::{SourceFile, Span, Utf16Pos, newline};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Hover, HoverContents, MarkupContent,
    MarkupKind, Position, Range, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;

/// If `line` is a `-- pgward-ignore[-file] rules… [-- reason]` comment (file-wide or not, as
/// asked), the byte offset (within the line) just after its rule list and the rules it names.
/// The engine's parser reads it, so an edit never disagrees with what `check` honours.
fn parse_ignore(line: &str, file_wide: bool) -> Option<(usize, Vec<String>)> {
    let lead = line.len() - line.trim_start().len();
    let comment = line[lead..].trim_end();
    if !(comment.starts_with("--") || (comment.starts_with("/*") && comment.ends_with("*/"))) {
        return None;
    }
    let s = suppress::parse_comment(comment, lead).filter(|s| s.file_wide == file_wide)?;
    Some((s.list_end, s.rules.into_iter().map(|r| r.id).collect()))
}

/// The edit that adds `rule` to an ignore comment or inserts a new one.
fn extend_or_insert(
    line_text: &str,
    line_start: usize,
    file_wide: bool,
    rule: &str,
) -> Option<Option<Edit>> {
    let (end, rules) = parse_ignore(line_text, file_wide)?;
    if rules.iter().any(|r| r == rule) {
        // Already there: nothing to offer.
        return Some(None);
    }
    let separator = if rules.is_empty() { " " } else { ", " };
    Some(Some(Edit {
        span: Span::empty(line_start + end),
        replacement: format!("{separator}{rule}"),
    }))
}

/// `-- pgward-ignore RULE` above the statement (with its indentation), or `RULE` added to an
/// ignore comment already among the comment lines directly above it.
pub fn ignore_statement_edit(
    source: &SourceFile,
    statement_start: usize,
    rule: &str,
) -> Option<Edit> {
    let text = &source.text;
    let lines = &source.lines;
    let line = lines.line_of(statement_start.min(text.len()));
    let mut above = line;
    while above > 0 {
        above -= 1;
        let span = lines.line_span(text, above);
        let content = source.slice(span);
        if !content.trim_start().starts_with("--") && !content.trim_start().starts_with("/*") {
            break;
        }
        if let Some(edit) = extend_or_insert(content, span.start, false, rule) {
            return edit;
        }
    }
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
pub fn ignore_file_edit(source: &SourceFile, rule: &str) -> Option<Edit> {
    let text = &source.text;
    for line in 0..source.lines.line_count() {
        let span = source.lines.line_span(text, line);
        if let Some(edit) = extend_or_insert(source.slice(span), span.start, true, rule) {
            return edit;
        }
    }
    Some(Edit {
        span: Span::empty(0),
        replacement: format!("-- {IGNORE_FILE} {rule}{}", newline(text)),
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
        let statement_start = d.statement.map_or(d.span.start, |s| s.start);
        let title = format!("pgward: ignore {} for this statement", d.rule);
        if !titles.contains(&title)
            && let Some(edit) = ignore_statement_edit(source, statement_start, d.rule)
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
            && let Some(edit) = ignore_file_edit(source, d.rule)
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

    fn source(text: &str) -> SourceFile {
        SourceFile::new("m.sql", text)
    }

    fn apply(text: &str, edit: &Edit) -> String {
        let mut out = text.to_string();
        out.replace_range(edit.span.range(), &edit.replacement);
        out
    }

    #[test]
    fn ignore_statement_inserts_with_indentation() {
        let text = "BEGIN;\n    DROP TABLE users;\nCOMMIT;\n";
        let s = source(text);
        let at = text.find("DROP").unwrap_or(0);
        let edit = ignore_statement_edit(&s, at, "protected-table-drop").expect("edit");
        assert_eq!(
            apply(text, &edit),
            "BEGIN;\n    -- pgward-ignore protected-table-drop\n    DROP TABLE users;\nCOMMIT;\n"
        );
    }

    #[test]
    fn ignore_statement_keeps_crlf() {
        let text = "BEGIN;\r\n\tDROP TABLE users;\r\n";
        let s = source(text);
        let at = text.find("DROP").unwrap_or(0);
        let edit = ignore_statement_edit(&s, at, "r").expect("edit");
        assert_eq!(
            apply(text, &edit),
            "BEGIN;\r\n\t-- pgward-ignore r\r\n\tDROP TABLE users;\r\n"
        );
    }

    #[test]
    fn ignore_statement_extends_an_existing_comment() {
        let text = "-- pgward-ignore a, b -- reviewed by ops\n-- other note\nDROP TABLE users;\n";
        let s = source(text);
        let at = text.find("DROP").unwrap_or(0);
        let edit = ignore_statement_edit(&s, at, "c").expect("edit");
        assert_eq!(
            apply(text, &edit),
            "-- pgward-ignore a, b, c -- reviewed by ops\n-- other note\nDROP TABLE users;\n"
        );
        // Already listed: no action.
        assert_eq!(ignore_statement_edit(&s, at, "b"), None);
        // A comment separated by code is not "directly above".
        let text = "-- pgward-ignore a\nSELECT 1;\nDROP TABLE users;\n";
        let s = source(text);
        let edit = ignore_statement_edit(&s, text.find("DROP").unwrap_or(0), "c").expect("edit");
        assert_eq!(
            apply(text, &edit),
            "-- pgward-ignore a\nSELECT 1;\n-- pgward-ignore c\nDROP TABLE users;\n"
        );
        // An ignore-file comment above is not extended by the statement action.
        let text = "-- pgward-ignore-file a\nDROP TABLE users;\n";
        let s = source(text);
        let edit = ignore_statement_edit(&s, text.find("DROP").unwrap_or(0), "c").expect("edit");
        assert_eq!(
            apply(text, &edit),
            "-- pgward-ignore-file a\n-- pgward-ignore c\nDROP TABLE users;\n"
        );
    }

    #[test]
    fn ignore_file_inserts_at_top_or_extends() {
        let text = "BEGIN;\nDROP TABLE users;\n";
        let s = source(text);
        let edit = ignore_file_edit(&s, "x").expect("edit");
        assert_eq!(
            apply(text, &edit),
            "-- pgward-ignore-file x\nBEGIN;\nDROP TABLE users;\n"
        );
        let text = "BEGIN;\n--pgward-ignore-file   a\nDROP TABLE users;\n";
        let s = source(text);
        let edit = ignore_file_edit(&s, "x").expect("edit");
        assert_eq!(
            apply(text, &edit),
            "BEGIN;\n--pgward-ignore-file   a, x\nDROP TABLE users;\n"
        );
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
