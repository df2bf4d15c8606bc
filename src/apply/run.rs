//! Step 7: sending a file's statements one at a time, and turning a server error into a
//! message that points into the file.

use super::plan::MigrationFile;
use crate::syntax::{Statement, Stmt, TxControl};
use postgres::Client;
use postgres::error::{ErrorPosition, SqlState};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Statements taking longer than this get a progress line of their own.
const SLOW_STATEMENT: Duration = Duration::from_secs(1);
/// Files with at least this many statements also get a progress line every [`LONG_FILE_TICK`].
const LONG_FILE: usize = 20;
const LONG_FILE_TICK: Duration = Duration::from_secs(2);

/// The statements of a file that pgward sends, in order: top-level statements without the
/// file's own `BEGIN`/`COMMIT`/`END`/`ROLLBACK` (pgward owns the transaction).
///
/// psql meta-commands cannot be sent to the server. `\set ON_ERROR_STOP …` is skipped (pgward
/// always stops at the first error); any other (`\i`, `\copy`, `\connect`, …) refuses the file,
/// because running the file without it would not do what the author meant.
pub fn statements_to_send(file: &MigrationFile) -> Result<Vec<&Statement>, String> {
    let mut out = Vec::new();
    for s in file.parsed.top_level() {
        match &s.kind {
            Stmt::Transaction(_) => {}
            Stmt::PsqlMeta { command } => {
                let c = command.trim();
                let harmless = c.to_ascii_lowercase().starts_with("\\set on_error_stop")
                    || c.to_ascii_lowercase().starts_with("set on_error_stop");
                if !harmless {
                    let at = file.source.lines.line_col(&file.source.text, s.span.start);
                    return Err(format!(
                        "{}:{}:{}: psql meta-command `{}` cannot be run by pgward (it is not SQL); \
                         replace it with SQL or run this file with psql",
                        file.source.name, at.line, at.column, c
                    ));
                }
            }
            Stmt::Invalid { message, at } => {
                let at = file.source.lines.line_col(&file.source.text, at.start);
                return Err(format!(
                    "{}:{}:{}: cannot run an invalid statement: {message}",
                    file.source.name, at.line, at.column
                ));
            }
            _ if is_copy_from_stdin(file.source.slice(s.span)) => {
                let at = file.source.lines.line_col(&file.source.text, s.span.start);
                return Err(format!(
                    "{}:{}:{}: `COPY … FROM STDIN` needs inline data that only psql can send; \
                     load the data with INSERT statements or run this file with psql",
                    file.source.name, at.line, at.column
                ));
            }
            _ => out.push(s),
        }
    }
    if let Some(reason) = ends_own_transaction(file) {
        return Err(reason);
    }
    if out.is_empty()
        && file.parsed.statements.is_empty()
        && file.parsed.has_code(&file.source.text)
    {
        // Never record a file as applied when nothing of it was understood.
        return Err(format!(
            "{}: pgward could not split this file into statements; refusing to run it",
            file.source.name
        ));
    }
    Ok(out)
}

/// `COPY … FROM STDIN`: the data follows the statement in psql's stream, not in SQL.
fn is_copy_from_stdin(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_end_matches(';').to_ascii_lowercase())
        .collect();
    words.first().is_some_and(|w| w == "copy")
        && words
            .windows(2)
            .any(|w| w[0] == "from" && (w[1] == "stdin" || w[1] == "pstdin"))
}

/// A file whose own text ends its transaction before its end: a `ROLLBACK` anywhere, or a
/// `COMMIT`/`END` followed by more statements. pgward owns the transaction and does not send
/// the file's own `BEGIN`/`COMMIT`, so such a file would do something else than under psql
/// (`BEGIN; DELETE …; ROLLBACK;` would delete). Refused whatever the severity configuration.
fn ends_own_transaction(file: &MigrationFile) -> Option<String> {
    let stmts: Vec<&Statement> = file
        .parsed
        .top_level()
        .filter(|s| !matches!(s.kind, Stmt::PsqlMeta { .. }))
        .collect();
    let at = |s: &Statement| {
        let p = file.source.lines.line_col(&file.source.text, s.span.start);
        format!("{}:{}:{}", file.source.name, p.line, p.column)
    };
    for (i, s) in stmts.iter().enumerate() {
        let more_after = stmts
            .get(i + 1..)
            .is_some_and(|rest| rest.iter().any(|r| !matches!(r.kind, Stmt::Transaction(_))));
        match s.kind {
            Stmt::Transaction(TxControl::Rollback) => {
                return Some(format!(
                    "{}: the file's own ROLLBACK ends its transaction (psql would undo the statements \
                     before it{}); pgward runs each file in a transaction of its own and refuses a file \
                     that ends it: remove the ROLLBACK (whatever the severity of `transaction-wrapper`)",
                    at(s),
                    if more_after {
                        " and run the rest outside any transaction"
                    } else {
                        ""
                    }
                ));
            }
            Stmt::Transaction(TxControl::Commit) if more_after => {
                return Some(format!(
                    "{}: COMMIT in the middle of the file ends its transaction, and the statements after it \
                     would run in another; pgward runs each file in one transaction and refuses a file that \
                     ends it early: move the COMMIT to the end, or split the file (whatever the severity \
                     of `transaction-wrapper`)",
                    at(s)
                ));
            }
            _ => {}
        }
    }
    None
}

/// A statement that failed, located in its file.
#[derive(Debug, Clone, Serialize)]
pub struct SqlFailure {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub sqlstate: Option<String>,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// PostgreSQL's context (`PL/pgSQL function inline_code_block line 3 at RAISE`).
    #[serde(rename = "context")]
    pub where_: Option<String>,
    /// The source line(s) with a caret, for humans.
    #[serde(skip)]
    pub snippet: String,
    /// The connection died (killed, network): the server rolled the transaction back.
    pub connection_lost: bool,
    /// The statement was cancelled (Ctrl-C).
    pub canceled: bool,
}

impl SqlFailure {
    pub fn render(&self) -> String {
        let mut s = String::new();
        let code = self
            .sqlstate
            .as_ref()
            .map(|c| format!(" [SQLSTATE {c}]"))
            .unwrap_or_default();
        s.push_str(&format!("error{code}: {}\n", self.message));
        s.push_str(&format!(
            "  --> {}:{}:{}\n",
            self.file, self.line, self.column
        ));
        s.push_str(&self.snippet);
        if let Some(d) = &self.detail {
            s.push_str(&format!("  detail: {d}\n"));
        }
        if let Some(h) = &self.hint {
            s.push_str(&format!("  hint: {h}\n"));
        }
        if let Some(w) = &self.where_ {
            s.push_str(&format!(
                "  context: {}\n",
                w.replace('\n', "\n           ")
            ));
        }
        s
    }
}

/// Byte offset of the 1-based character position `pos` in `text`.
fn char_pos_to_byte(text: &str, pos: u32) -> usize {
    let idx = (pos as usize).saturating_sub(1);
    text.char_indices()
        .nth(idx)
        .map(|(i, _)| i)
        .unwrap_or(text.len())
}

/// `PL/pgSQL function inline_code_block line N at …` → N.
fn plpgsql_line(where_: &str) -> Option<usize> {
    let first = where_.lines().next()?;
    if !first.contains("inline_code_block") {
        return None;
    }
    let rest = &first[first.find(" line ")? + 6..];
    rest.split_whitespace().next()?.parse().ok()
}

/// The caret block for a byte offset of the file: the line, and `^` under the column.
pub fn snippet(file: &MigrationFile, offset: usize, width: usize) -> String {
    let src = &file.source;
    let at = src.lines.line_col(&src.text, offset);
    let line_span = src.lines.line_span(&src.text, at.line - 1);
    let line_text = src.slice(line_span).replace('\t', " ");
    let gutter = at.line.to_string().len();
    let pad = " ".repeat(gutter);
    let line_chars = line_text.chars().count();
    let width = width.clamp(1, line_chars.saturating_sub(at.column - 1).max(1));
    format!(
        "{pad} |\n{} | {}\n{pad} | {}{}\n",
        at.line,
        line_text,
        " ".repeat(at.column - 1),
        "^".repeat(width)
    )
}

/// Locate a server error in the file.
pub fn describe(err: &postgres::Error, file: &MigrationFile, stmt: &Statement) -> SqlFailure {
    let src = &file.source;
    let text = src.slice(stmt.span);
    let mut offset = stmt.span.start;
    let mut width = 1;
    let mut where_ = None;
    let (mut sqlstate, mut message, mut detail, mut hint) = (None, err.to_string(), None, None);
    if let Some(db) = err.as_db_error() {
        sqlstate = Some(db.code().code().to_string());
        message = db.message().to_string();
        detail = db.detail().map(str::to_string);
        hint = db.hint().map(str::to_string);
        where_ = db.where_().map(str::to_string);
        // Inside a DO block PostgreSQL names the line of the body (`… inline_code_block line N`).
        let do_line = match (&stmt.kind, db.where_().and_then(plpgsql_line)) {
            (Stmt::Do { body }, Some(n)) => {
                let target = (src.lines.line_of(body.start) + n).saturating_sub(1);
                (target < src.lines.line_count()).then(|| src.lines.line_span(&src.text, target))
            }
            _ => None,
        };
        match db.position() {
            Some(ErrorPosition::Original(p)) => {
                offset = stmt.span.start + char_pos_to_byte(text, *p);
            }
            Some(ErrorPosition::Internal { query, position }) => {
                let b = char_pos_to_byte(query, *position);
                // A SQL statement of a DO body: find its text from the named line on.
                let found = do_line.and_then(|line| {
                    let from = line.start;
                    let hay = src.text.get(from..stmt.span.end)?;
                    hay.find(query.as_str()).map(|i| from + i + b)
                });
                match found {
                    Some(o) => offset = o,
                    None => {
                        let near: String = query.get(b..).unwrap_or("").chars().take(40).collect();
                        where_ = Some(format!(
                            "{}in internal query `{}` near `{}`",
                            where_.map(|w| format!("{w}; ")).unwrap_or_default(),
                            query,
                            near
                        ));
                    }
                }
            }
            None => match do_line {
                Some(span) => {
                    let line = src.slice(span);
                    let indent = line.len() - line.trim_start().len();
                    offset = span.start + indent;
                    width = line.trim().chars().count();
                }
                None => width = text.lines().next().map_or(1, |l| l.chars().count()),
            },
        }
    }
    let code = err.code();
    let connection_lost = err.is_closed()
        || code == Some(&SqlState::ADMIN_SHUTDOWN)
        || code == Some(&SqlState::CRASH_SHUTDOWN)
        || code == Some(&SqlState::CANNOT_CONNECT_NOW)
        || (err.as_db_error().is_none() && code.is_none());
    let at = src.lines.line_col(&src.text, offset);
    SqlFailure {
        file: src.name.clone(),
        line: at.line,
        column: at.column,
        sqlstate,
        message,
        detail,
        hint,
        where_,
        snippet: snippet(file, offset, width),
        connection_lost,
        canceled: false,
    }
}

/// What runs around each statement: `before` just before it is sent (the export of what it
/// destroys), `after` once it succeeded (no-transaction progress), `on_slow` gets (index,
/// total, line, elapsed) for slow statements.
pub struct Hooks<B, A, S> {
    pub before: B,
    pub after: A,
    pub on_slow: S,
}

/// Send `stmts` one at a time, from index `skip` on.
pub fn run_statements<B, A, S>(
    client: &mut Client,
    file: &MigrationFile,
    stmts: &[&Statement],
    skip: usize,
    interrupted: &std::sync::atomic::AtomicBool,
    hooks: Hooks<B, A, S>,
) -> Result<(), RunError>
where
    B: FnMut(&mut Client, &Statement) -> Result<(), RunError>,
    A: FnMut(&mut Client, usize) -> Result<(), postgres::Error>,
    S: FnMut(usize, usize, usize, Duration),
{
    let Hooks {
        mut before,
        mut after,
        mut on_slow,
    } = hooks;
    let total = stmts.len();
    let mut last_report = Instant::now();
    for (i, stmt) in stmts.iter().enumerate().skip(skip) {
        if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(RunError::Interrupted);
        }
        before(client, stmt)?;
        let started = Instant::now();
        let text = file.source.slice(stmt.span);
        if let Err(e) = client.batch_execute(text) {
            let mut f = describe(&e, file, stmt);
            if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
                f.canceled = true;
            }
            return Err(RunError::Sql(Box::new(f)));
        }
        let elapsed = started.elapsed();
        if elapsed >= SLOW_STATEMENT
            || (total >= LONG_FILE && last_report.elapsed() >= LONG_FILE_TICK)
        {
            let line = file
                .source
                .lines
                .line_col(&file.source.text, stmt.span.start)
                .line;
            on_slow(i + 1, total, line, elapsed);
            last_report = Instant::now();
        }
        after(client, i).map_err(RunError::Db)?;
    }
    Ok(())
}

#[derive(Debug)]
pub enum RunError {
    Sql(Box<SqlFailure>),
    Db(postgres::Error),
    /// The export before a destroying statement failed (the statement did not run).
    Export(String),
    Interrupted,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let t = "SELECT 'é', nope";
        assert_eq!(char_pos_to_byte(t, 13), t.find("nope").unwrap());
        assert_eq!(char_pos_to_byte(t, 1), 0);
        assert_eq!(char_pos_to_byte(t, 999), t.len());
        assert_eq!(
            plpgsql_line("PL/pgSQL function inline_code_block line 4 at RAISE"),
            Some(4)
        );
        assert!(is_copy_from_stdin("COPY public.t (a, b) FROM stdin"));
        assert!(!is_copy_from_stdin("COPY t TO STDOUT"));
        assert!(!is_copy_from_stdin("SELECT 'copy from stdin'"));
    }
}
