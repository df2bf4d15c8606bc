//! Small text helpers shared by the rules (spans for messages, fixes, rewritten statements).

use crate::rules::FileContext;
use crate::source::Span;
use crate::syntax::QualifiedName;

/// The statement's first line (from its start to the end of that line or of the statement),
/// without trailing whitespace: where a file-level diagnostic points.
pub fn first_line(ctx: &FileContext, span: Span) -> Span {
    let text = ctx.text(span);
    let len = text
        .bytes()
        .position(|b| b == b'\n' || b == b'\r')
        .unwrap_or(text.len());
    let trimmed = text.get(..len).unwrap_or("").trim_end().len();
    Span::new(span.start, span.start + trimmed.max(1).min(text.len()))
}

/// Offset of the first character of the line holding `offset` (for inserting whole lines).
pub fn line_start(ctx: &FileContext, offset: usize) -> usize {
    let lines = &ctx.source().lines;
    lines.line_start(lines.line_of(offset))
}

/// The whitespace that indents the line holding `offset`.
pub fn indentation(ctx: &FileContext, offset: usize) -> String {
    let start = line_start(ctx, offset);
    ctx.text(Span::new(start, offset.max(start)))
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// Whitespace runs (newlines included) collapsed to one space, for one-line help texts.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A statement's text with `insert` placed at byte offset `at`, shortened for a help line:
/// everything up to the end of `keep_to` (typically the object's name), then `(…)` or `…` when
/// more follows and the rest would be long.
pub fn rewritten(ctx: &FileContext, stmt: Span, at: usize, insert: &str, keep_to: usize) -> String {
    let head = ctx.text(Span::new(stmt.start, at.clamp(stmt.start, stmt.end)));
    let keep_to = keep_to.clamp(at.min(stmt.end), stmt.end);
    let name = ctx.text(Span::new(at.min(keep_to), keep_to));
    let rest = ctx.text(Span::new(keep_to, stmt.end));
    let mut out = one_line(&format!("{head}{insert}{name}"));
    let rest_line = one_line(rest);
    if rest_line.is_empty() {
        return out;
    }
    if rest_line.len() <= 40 && !rest.contains('\n') {
        if !rest.starts_with(['(', ',', ';']) {
            out.push(' ');
        }
        out.push_str(&rest_line);
    } else if rest.starts_with('(') {
        out.push_str("(…)");
    } else if rest_line.starts_with('(') {
        out.push_str(" (…)");
    } else {
        out.push_str(" …");
    }
    out
}

/// A name for messages, as written: `users`, `auth.users`, `Users`.
pub fn plain_name(name: &QualifiedName) -> String {
    match &name.schema {
        Some(s) => format!("{}.{}", s.value, name.name.value),
        None => name.name.value.clone(),
    }
}

/// Whether the file carries the `-- pgward: no-transaction` marker (it runs outside a
/// transaction, statement by statement; `pgward apply` honours it).
pub fn no_transaction_marker(ctx: &FileContext) -> bool {
    crate::syntax::markers::has_no_transaction(&ctx.file().parsed.comments)
}

/// How the runner runs this file (its transaction, the file's opt-out marker).
pub fn execution(ctx: &FileContext) -> crate::runner::Execution {
    let source = ctx.source();
    ctx.config
        .execution(Some(std::path::Path::new(&source.name)), &source.text)
}

pub use crate::source::newline;
