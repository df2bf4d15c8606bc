//! Inline suppressions: `-- pgward-ignore RULE[, RULE…] [-- reason]` and `-- pgward-ignore-file …`.
//!
//! - `pgward-ignore` in the comment lines directly above a statement (no blank line between; several
//!   stacked comments are fine), or in a comment at the end of the statement's last line, silences
//!   those rules for that statement. Above a `DO` block it covers the statements inside it too.
//! - `pgward-ignore-file` anywhere silences the rules for the whole file.
//! - Block comments (`/* pgward-ignore rule */`) work the same way.
//! - Rule ids are explicit (no `all`), separated by commas and/or spaces; a reason may follow `--`.
//!
//! A suppression that silences nothing, or names an unknown rule, is itself reported as
//! `unused-suppression`: stale suppressions hide the next real problem.

use crate::diagnostic::Diagnostic;
use crate::rules::{self, FileContext, closest_rule, is_enabled};
use crate::source::Span;
use crate::syntax::{Comment, Statement};
use std::collections::{HashMap, HashSet};

/// The directive that silences rules for one statement.
pub const IGNORE: &str = "pgward-ignore";
/// The directive that silences rules for the whole file.
pub const IGNORE_FILE: &str = "pgward-ignore-file";

/// What a suppression comment covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The statement with this span (and what lies inside it: statements of a `DO` body).
    Statement(Span),
    File,
    /// The comment is not next to any statement: it silences nothing.
    Nothing,
}

/// One rule id written in a suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    pub id: String,
    /// Where the id stands in the file.
    pub span: Span,
}

/// A parsed `pgward-ignore` / `pgward-ignore-file` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The whole comment.
    pub comment: Span,
    pub file_wide: bool,
    pub rules: Vec<RuleRef>,
    /// Where the rule list ends (before a `-- reason`, trailing spaces left out): where
    /// another rule id is appended.
    pub list_end: usize,
    pub reason: Option<String>,
}

/// Parse one comment's full text (markers included) starting at byte `offset` of the file.
/// `None` when it is not a suppression comment.
pub fn parse_comment(text: &str, offset: usize) -> Option<Suppression> {
    let (inner_start, inner) = if let Some(rest) = text.strip_prefix("--") {
        (2, rest)
    } else if let Some(rest) = text.strip_prefix("/*") {
        (2, rest.strip_suffix("*/").unwrap_or(rest))
    } else {
        return None;
    };
    let lead = inner.len() - inner.trim_start().len();
    let body = &inner[lead..];
    let (file_wide, after) = if let Some(rest) = body.strip_prefix(IGNORE_FILE) {
        (true, rest)
    } else if let Some(rest) = body.strip_prefix(IGNORE) {
        (false, rest)
    } else {
        return None;
    };
    // `pgward-ignored` or `pgward-ignore-next` are not our directive.
    let after = match after.chars().next() {
        None => after,
        Some(':') => &after[1..],
        Some(c) if c.is_whitespace() => after,
        Some(_) => return None,
    };
    let base = offset + inner_start + lead + (body.len() - after.len());
    let (list, reason) = match after.find("--") {
        Some(i) => (&after[..i], Some(after[i + 2..].trim().to_string())),
        None => (after, None),
    };
    let mut rules = Vec::new();
    let mut pos = 0;
    for piece in list.split(|c: char| c == ',' || c.is_whitespace()) {
        if !piece.is_empty() {
            rules.push(RuleRef {
                id: piece.to_string(),
                span: Span::new(base + pos, base + pos + piece.len()),
            });
        }
        pos += piece.len()
            + list[pos + piece.len()..]
                .chars()
                .next()
                .map_or(0, char::len_utf8);
    }
    Some(Suppression {
        comment: Span::new(offset, offset + text.len()),
        file_wide,
        rules,
        list_end: base + list.trim_end().len(),
        reason: reason.filter(|r| !r.is_empty()),
    })
}

/// Every suppression comment among a file's comments, parsed (where it stands is not judged:
/// see [`attach`]).
pub fn suppressions<'a>(
    text: &'a str,
    comments: &'a [Comment],
) -> impl Iterator<Item = Suppression> + 'a {
    comments.iter().filter_map(|c| {
        text.get(c.span.range())
            .and_then(|t| parse_comment(t, c.span.start))
    })
}

/// Statement spans indexed for [`attach`]: by end offset (trailing comments) and sorted by
/// start (leading comments), so attaching is not quadratic on large files.
pub struct StatementIndex {
    by_end: HashMap<usize, Span>,
    by_start: Vec<Span>,
}

impl StatementIndex {
    pub fn new(statements: &[Statement]) -> Self {
        let mut by_end = HashMap::new();
        for s in statements {
            // Outermost wins on a tie (a `DO` and the last statement of its body never end at the
            // same offset, but be deterministic anyway).
            by_end
                .entry(s.span.end)
                .and_modify(|e: &mut Span| *e = e.cover(s.span))
                .or_insert(s.span);
        }
        let mut by_start: Vec<Span> = statements.iter().map(|s| s.span).collect();
        by_start.sort();
        StatementIndex { by_end, by_start }
    }
}

/// Which statement (if any) a comment is attached to.
///
/// A trailing comment (after a statement's end, on the line where it ends, with only `;` and
/// spaces between) belongs to that statement. Otherwise the comment belongs to the next statement
/// when only whitespace and other comments, and no blank line, stand between them.
pub fn attach(text: &str, comments: &[Comment], statements: &[Statement], comment: Span) -> Scope {
    attach_indexed(text, comments, &StatementIndex::new(statements), comment)
}

/// [`attach`] with a prepared index; `comments` must be sorted by start.
pub fn attach_indexed(
    text: &str,
    comments: &[Comment],
    index: &StatementIndex,
    comment: Span,
) -> Scope {
    // Trailing: walk back over `;` and spaces on the comment's line to where a statement ends.
    let before = text.get(..comment.start).unwrap_or("");
    let trimmed = before.trim_end_matches(|c: char| c == ';' || (c.is_whitespace() && c != '\n'));
    if let Some(span) = index.by_end.get(&trimmed.len())
        && !trimmed.is_empty()
    {
        return Scope::Statement(*span);
    }
    // Leading: the first statement starting after the comment.
    let i = index.by_start.partition_point(|s| s.start < comment.end);
    let Some(next) = index.by_start.get(i) else {
        return Scope::Nothing;
    };
    // The gap with other comments blanked out (newlines kept, so blank lines stay visible).
    let gap_range = comment.end..next.start;
    let Some(gap) = text.get(gap_range.clone()) else {
        return Scope::Nothing;
    };
    let mut masked: Vec<u8> = gap.as_bytes().to_vec();
    let first = comments.partition_point(|c| c.span.start < gap_range.start);
    for c in comments.get(first..).unwrap_or(&[]) {
        if c.span.start >= gap_range.end {
            break;
        }
        if c.span.end <= gap_range.end {
            for i in c.span.start..c.span.end {
                if let Some(b) = masked.get_mut(i - gap_range.start)
                    && *b != b'\n'
                {
                    *b = b'x';
                }
            }
        }
    }
    // A line comment's span may or may not include its newline; either way, the first line of the
    // gap is the rest of the comment's line.
    let starts_on_new_line = text.as_bytes().get(comment.end.wrapping_sub(1)) == Some(&b'\n');
    let mut line_is_blank = starts_on_new_line;
    let mut first_line = !starts_on_new_line;
    for b in masked {
        match b {
            b'\n' => {
                if line_is_blank && !first_line {
                    return Scope::Nothing;
                }
                first_line = false;
                line_is_blank = true;
            }
            b'x' => line_is_blank = false,
            b' ' | b'\t' | b'\r' | b'\x0c' => {}
            _ => return Scope::Nothing,
        }
    }
    Scope::Statement(*next)
}

/// Drop the diagnostics of one file that its comments silence, and add `unused-suppression`
/// diagnostics for suppressions that silence nothing or name unknown rules.
pub fn apply(ctx: &FileContext, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let file = ctx.file();
    let text = &file.source.text;
    let comments = &file.parsed.comments;
    let statements = ctx.statements();

    let mut found: Vec<(Suppression, Scope)> = Vec::new();
    let mut index = None;
    for s in suppressions(text, comments) {
        let scope = if s.file_wide {
            Scope::File
        } else {
            let index = index.get_or_insert_with(|| StatementIndex::new(statements));
            attach_indexed(text, comments, index, s.comment)
        };
        found.push((s, scope));
    }
    if found.is_empty() {
        return diagnostics;
    }

    // used[i][j]: rule j of suppression i silenced something.
    let mut used: Vec<Vec<bool>> = found
        .iter()
        .map(|(s, _)| vec![false; s.rules.len()])
        .collect();
    let mut kept = Vec::with_capacity(diagnostics.len());
    let named: HashSet<&str> = found
        .iter()
        .flat_map(|(s, _)| s.rules.iter().map(|r| r.id.as_str()))
        .collect();
    // Which suppressions can cover a diagnostic: file-wide ones, and those attached to its
    // statement or to the `DO` block around it. Looked up by span, so many suppressions and many
    // diagnostics in one file stay linear.
    let all: Vec<usize> = (0..found.len()).collect();
    let file_wide: Vec<usize> = found
        .iter()
        .enumerate()
        .filter(|(_, (_, scope))| *scope == Scope::File)
        .map(|(i, _)| i)
        .collect();
    let mut by_scope: HashMap<Span, Vec<usize>> = HashMap::new();
    for (i, (_, scope)) in found.iter().enumerate() {
        if let Scope::Statement(span) = scope {
            by_scope.entry(*span).or_default().push(i);
        }
    }
    let do_of: HashMap<Span, Option<Span>> = statements
        .iter()
        .map(|s| (s.span, s.context.in_do_block))
        .collect();
    let empty: Vec<usize> = Vec::new();
    for d in diagnostics {
        if !named.contains(d.rule) {
            kept.push(d);
            continue;
        }
        let target = d.statement.unwrap_or(d.span);
        let candidates: Vec<&Vec<usize>> = match do_of.get(&target) {
            Some(outer) => {
                let mut c = vec![&file_wide, by_scope.get(&target).unwrap_or(&empty)];
                // Up through nested `DO` blocks (bounded: hostile nesting cannot loop).
                let mut outer = *outer;
                for _ in 0..64 {
                    let Some(o) = outer else { break };
                    c.push(by_scope.get(&o).unwrap_or(&empty));
                    outer = do_of.get(&o).copied().flatten();
                }
                c
            }
            // Not exactly a statement's span: check every suppression's scope.
            None => vec![&all],
        };
        let mut silenced = false;
        for &i in candidates.into_iter().flatten() {
            let Some((s, scope)) = found.get(i) else {
                continue;
            };
            let covers = match scope {
                Scope::File => true,
                Scope::Statement(span) => span.start <= target.start && target.end <= span.end,
                Scope::Nothing => false,
            };
            if !covers {
                continue;
            }
            for (j, r) in s.rules.iter().enumerate() {
                if r.id == d.rule {
                    silenced = true;
                    if let Some(u) = used.get_mut(i).and_then(|u| u.get_mut(j)) {
                        *u = true;
                    }
                }
            }
        }
        if !silenced {
            kept.push(d);
        }
    }

    let Some(rule) = rules::find("unused-suppression") else {
        return kept;
    };
    let mut unused = Vec::new();
    for (i, (s, _)) in found.iter().enumerate() {
        if s.rules.is_empty() {
            unused.push(
                ctx.diagnostic(
                    rule,
                    s.comment,
                    format!(
                        "{} names no rule",
                        if s.file_wide { IGNORE_FILE } else { IGNORE }
                    ),
                )
                .with_help("name the rules to silence: `-- pgward-ignore rule-id -- reason`"),
            );
            continue;
        }
        for (j, r) in s.rules.iter().enumerate() {
            let was_used = used.get(i).and_then(|u| u.get(j)).copied().unwrap_or(false);
            if was_used {
                continue;
            }
            match rules::find(&r.id) {
                None => {
                    let d = ctx.diagnostic(
                        rule,
                        r.span,
                        format!("unknown rule \"{}\" in {}", r.id, directive(s)),
                    );
                    let help = if r.id == "all" {
                        "suppressions name their rules explicitly; list the rule ids to silence"
                            .to_string()
                    } else if let Some(close) = closest_rule(&r.id) {
                        format!("did you mean \"{close}\"? (`pgward rule` lists every rule)")
                    } else {
                        "`pgward rule` lists every rule".to_string()
                    };
                    unused.push(d.with_help(help));
                }
                // A rule turned off by the config silences nothing here, but the comment is not
                // wrong: it may matter under another config (e.g. in CI with more rules on).
                Some(named) if !is_enabled(named, ctx.config) => {}
                Some(_) => unused.push(
                    ctx.diagnostic(
                        rule,
                        r.span,
                        format!("suppression of \"{}\" is unused", r.id),
                    )
                    .with_help(format!(
                        "nothing here triggers \"{}\"; remove it from the comment",
                        r.id
                    )),
                ),
            }
        }
    }
    // `pgward-ignore-file unused-suppression` silences these reports too.
    let file_silences_unused = found
        .iter()
        .any(|(s, scope)| *scope == Scope::File && s.rules.iter().any(|r| r.id == rule.id));
    if !file_silences_unused {
        kept.extend(unused);
    }
    kept
}

fn directive(s: &Suppression) -> &'static str {
    if s.file_wide { IGNORE_FILE } else { IGNORE }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{Stmt, StmtContext};

    fn ids(s: &Suppression) -> Vec<&str> {
        s.rules.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn parses_line_comments_with_reason() {
        let text = "-- pgward-ignore protected-table-drop, non-idempotent-ddl -- cleanup of v1";
        let s = parse_comment(text, 100).unwrap();
        assert!(!s.file_wide);
        assert_eq!(ids(&s), ["protected-table-drop", "non-idempotent-ddl"]);
        assert_eq!(s.reason.as_deref(), Some("cleanup of v1"));
        // Spans point at the ids in the file.
        let r = &s.rules[1];
        assert_eq!(
            &text[r.span.start - 100..r.span.end - 100],
            "non-idempotent-ddl"
        );
        assert_eq!(s.comment, Span::new(100, 100 + text.len()));
    }

    #[test]
    fn parses_file_wide_block_and_colon_forms() {
        let s = parse_comment("--pgward-ignore-file transaction-wrapper", 0).unwrap();
        assert!(s.file_wide);
        assert_eq!(ids(&s), ["transaction-wrapper"]);
        let text = "/* pgward-ignore: a b,c */";
        let s = parse_comment(text, 0).unwrap();
        assert_eq!(ids(&s), ["a", "b", "c"]);
        let c = &s.rules[2];
        assert_eq!(&text[c.span.range()], "c");
        assert!(s.reason.is_none());
    }

    #[test]
    fn ignores_other_comments() {
        assert!(parse_comment("-- drop the old tables", 0).is_none());
        assert!(parse_comment("-- TODO pgward-ignore later", 0).is_none());
        assert!(parse_comment("-- pgward-ignored x", 0).is_none());
        assert!(parse_comment("-- pgward: no-transaction", 0).is_none());
        let empty = parse_comment("-- pgward-ignore", 0).unwrap();
        assert!(empty.rules.is_empty());
    }

    fn stmt(text: &str, needle: &str) -> Statement {
        let start = text.find(needle).unwrap();
        Statement {
            span: Span::new(start, start + needle.len()),
            kind: Stmt::Vacuum,
            context: StmtContext::default(),
        }
    }

    fn comment(text: &str, needle: &str) -> Comment {
        let start = text.find(needle).unwrap();
        Comment {
            span: Span::new(start, start + needle.len()),
            body: String::new(),
            line_comment: needle.starts_with("--"),
        }
    }

    #[test]
    fn attaches_to_next_statement_and_trailing() {
        let text = "SELECT 1; -- pgward-ignore a\n-- pgward-ignore b\n-- other note\nDROP TABLE x;\n\n-- pgward-ignore c\n\nDROP TABLE y;\n";
        let s1 = stmt(text, "SELECT 1");
        let s2 = stmt(text, "DROP TABLE x");
        let s3 = stmt(text, "DROP TABLE y");
        let comments = vec![
            comment(text, "-- pgward-ignore a"),
            comment(text, "-- pgward-ignore b"),
            comment(text, "-- other note"),
            comment(text, "-- pgward-ignore c"),
        ];
        let stmts = vec![s1.clone(), s2.clone(), s3];
        let at = |i: usize| attach(text, &comments, &stmts, comments[i].span);
        assert_eq!(at(0), Scope::Statement(s1.span));
        assert_eq!(at(1), Scope::Statement(s2.span));
        // A blank line separates the comment from the statement: it attaches to nothing.
        assert_eq!(at(3), Scope::Nothing);
    }

    /// A one-file workspace with hand-made statements and comments (independent of the parser).
    fn apply_to(
        text: &str,
        stmts: &[&str],
        do_inner: &[(&str, &str)],
        diags: &[(&'static str, &str, &str)],
        config: &crate::config::Config,
    ) -> Vec<Diagnostic> {
        use crate::engine::build_workspace;
        use crate::source::{CheckInput, SourceFile};
        let mut ws = build_workspace(vec![CheckInput {
            source: SourceFile::new("t.sql", text),
            report: true,
        }]);
        let mut statements: Vec<Statement> = stmts.iter().map(|n| stmt(text, n)).collect();
        for (outer, inner) in do_inner {
            let mut s = stmt(text, inner);
            s.context.in_do_block = Some(stmt(text, outer).span);
            statements.push(s);
        }
        statements.sort_by_key(|s| s.span.start);
        let mut comments = Vec::new();
        let mut from = 0;
        while let Some(i) = text[from..].find("--") {
            let start = from + i;
            let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
            comments.push(Comment {
                span: Span::new(start, end),
                body: text[start + 2..end].to_string(),
                line_comment: true,
            });
            from = end;
        }
        ws.files[0].parsed = crate::syntax::ParsedFile {
            statements,
            comments,
        }
        .into();
        let ctx = FileContext {
            file_id: 0,
            workspace: &ws,
            config,
        };
        let found = diags
            .iter()
            .map(|(rule, stmt_text, at)| {
                let st = stmt(text, stmt_text).span;
                let start = text.find(at).unwrap();
                Diagnostic::new(rule, 0, Span::new(start, start + at.len()), "x").in_statement(st)
            })
            .collect();
        apply(&ctx, found)
    }

    fn summary(diags: &[Diagnostic]) -> Vec<String> {
        diags
            .iter()
            .map(|d| format!("{}: {}", d.rule, d.message))
            .collect()
    }

    #[test]
    fn suppressions_apply_to_statements_do_blocks_and_files() {
        let text = "\
BEGIN;
-- pgward-ignore parse-error -- known
-- some note
SELECT 1;
SELECT 2; -- pgward-ignore unsupported-syntax
-- pgward-ignore parse-error
DO $$ BEGIN SELECT 3; END $$;
SELECT 4;
COMMIT;
";
        let config = crate::config::Config::default();
        let kept = apply_to(
            text,
            &[
                "BEGIN",
                "SELECT 1",
                "SELECT 2",
                "DO $$ BEGIN SELECT 3; END $$",
                "SELECT 4",
                "COMMIT",
            ],
            &[("DO $$ BEGIN SELECT 3; END $$", "SELECT 3")],
            &[
                ("parse-error", "SELECT 1", "1"),
                ("unsupported-syntax", "SELECT 2", "2"),
                ("parse-error", "SELECT 3", "3"),
                ("parse-error", "SELECT 4", "4"),
            ],
            &config,
        );
        assert_eq!(
            summary(&kept),
            ["parse-error: x"],
            "only SELECT 4 is reported"
        );
        assert_eq!(kept[0].span.start, text.find('4').unwrap());
    }

    #[test]
    fn unused_and_unknown_suppressions_are_reported() {
        let text = "\
-- pgward-ignore-file unsupported-syntax
-- pgward-ignore parse-error, no-such-rule, all
SELECT 1;
";
        let config = crate::config::Config::default();
        let kept = apply_to(text, &["SELECT 1"], &[], &[], &config);
        assert_eq!(
            summary(&kept),
            [
                "unused-suppression: suppression of \"unsupported-syntax\" is unused",
                "unused-suppression: suppression of \"parse-error\" is unused",
                "unused-suppression: unknown rule \"no-such-rule\" in pgward-ignore",
                "unused-suppression: unknown rule \"all\" in pgward-ignore",
            ]
        );
        // The diagnostic points at the rule id inside the comment.
        let span = kept[2].span;
        assert_eq!(&text[span.range()], "no-such-rule");

        // Rules turned off by the config are not "unused".
        let mut config = crate::config::Config::default();
        config.rules.ignore = vec!["parse-error".into(), "unsupported-syntax".into()];
        let kept = apply_to(text, &["SELECT 1"], &[], &[], &config);
        assert_eq!(kept.len(), 2, "{:?}", summary(&kept));
    }
}
