//! Re-parsing a buffer as it is edited (the language server): the file is split again (cheap),
//! and every statement whose text did not change is taken from the previous parse, its spans
//! moved to where the statement stands now. Only new or edited statements go through
//! PostgreSQL's grammar and our recognizers. The result is the same [`ParsedFile`] a full
//! [`super::parse_file_with`] gives (`tests` below check it on random edits).
//!
//! What did not change is found from the text alone: the bytes the previous text and the new
//! one share at their start and at their end. A statement whose text (up to its `;`) lies in
//! the shared start is where it was; one that lies in the shared end moved by the length the
//! edit added or removed. Each statement's parse is kept serialized, so taking it again is one
//! read of compact bytes that moves its spans on the way ([`with_span_shift`]), never a parse.

use super::{ParseOptions, ParsedFile, RawParsed, grammar, parse_split, split, with_semicolon};
use crate::source::{Span, with_span_shift};

/// The statements of the previous parse of one buffer, in order.
#[derive(Debug, Default)]
pub struct Reparse {
    options: Option<ParseOptions>,
    /// The text they were parsed from.
    text: String,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    /// The splitter's statement (its span in the previous text).
    span: Span,
    meta: bool,
    /// Where the text its parse depends on ends: the `;` after it, when there is one.
    key_end: usize,
    /// The parse, serialized (`None` for a statement with a lexical error: its message depends
    /// on where it stands, so it is never taken again), and where the statement started when
    /// it was serialized.
    parsed: Option<(Vec<u8>, usize)>,
}

/// How a re-parse went: statements taken from the previous parse, and parsed anew.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReparseStats {
    pub reused: usize,
    pub parsed: usize,
}

/// The lengths of the longest common start and (not overlapping it) end of `a` and `b`.
fn common_ends(a: &[u8], b: &[u8]) -> (usize, usize) {
    let start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let end = a[start..]
        .iter()
        .rev()
        .zip(b[start..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (start, end)
}

impl Reparse {
    /// Parse `text`, re-using what the previous call parsed.
    pub fn parse(&mut self, text: &str, options: &ParseOptions) -> (ParsedFile, ReparseStats) {
        if self.options != Some(*options) {
            self.entries.clear();
            self.options = Some(*options);
        }
        let previous = std::mem::take(&mut self.entries);
        let (head, tail) = common_ends(self.text.as_bytes(), text.as_bytes());
        // Where the shared end starts in the new text, and how far it moved.
        let tail_start = text.len() - tail;
        let by = isize::try_from(text.len()).unwrap_or(isize::MAX)
            - isize::try_from(self.text.len()).unwrap_or(isize::MAX);
        let out = split::split(text);
        let mut previous = previous;
        let edit = Edit {
            head,
            tail_start,
            by,
        };
        let known = out
            .statements
            .iter()
            .filter(|r| edit.source(&previous, r, key_end(text, r)).is_some())
            .count();
        // Mostly new text (the first parse): one call of the grammar for the whole file, as
        // a full parse does, is cheaper than one per statement.
        let file_ok = known * 2 < out.statements.len()
            && out.errors.is_empty()
            && !out.statements.iter().any(|s| s.meta)
            && grammar::check_sql(text).is_ok();
        let mut stats = ReparseStats::default();
        let mut next: Vec<Entry> = Vec::with_capacity(out.statements.len());
        let parsed = parse_split(text, out, options, file_ok, |raw, error, parse| {
            let key_end = key_end(text, raw);
            let mut entry = Entry {
                span: raw.span,
                meta: raw.meta,
                key_end,
                parsed: None,
            };
            if error.is_some() {
                stats.parsed += 1;
                next.push(entry);
                return parse(raw, error);
            }
            // Each previous statement stands for at most one statement now: its bytes move.
            let before = edit.source(&previous, raw, key_end).and_then(|i| {
                let (bytes, origin) = previous.get_mut(i)?.parsed.take()?;
                let shift = isize::try_from(raw.span.start).ok()? - isize::try_from(origin).ok()?;
                let parsed = with_span_shift(shift, || postcard::from_bytes(&bytes).ok())?;
                Some((bytes, origin, parsed))
            });
            let parsed = match before {
                Some((bytes, origin, parsed)) => {
                    stats.reused += 1;
                    entry.parsed = Some((bytes, origin));
                    parsed
                }
                None => {
                    stats.parsed += 1;
                    let parsed: RawParsed = parse(raw, None);
                    entry.parsed = postcard::to_stdvec(&parsed)
                        .ok()
                        .map(|bytes| (bytes, raw.span.start));
                    parsed
                }
            };
            next.push(entry);
            parsed
        });
        self.entries = next;
        self.text.clear();
        self.text.push_str(text);
        (parsed, stats)
    }
}

/// Where the previous text and the new one differ: they share `..head` and, moved by `by`
/// bytes, `tail_start..`.
struct Edit {
    head: usize,
    tail_start: usize,
    by: isize,
}

impl Edit {
    /// The previous statement (its index) this one can be taken from: the same place in the
    /// shared start, or the same text moved by `by` in the shared end.
    fn source(
        &self,
        previous: &[Entry],
        raw: &split::RawStatement,
        key_end: usize,
    ) -> Option<usize> {
        let old_start = if key_end <= self.head {
            raw.span.start
        } else if raw.span.start >= self.tail_start {
            raw.span.start.checked_add_signed(-self.by)?
        } else {
            return None;
        };
        let i = previous.partition_point(|e| e.span.start < old_start);
        let e = previous.get(i)?;
        let same = e.span.start == old_start
            && e.span.len() == raw.span.len()
            && e.meta == raw.meta
            && e.key_end - e.span.start == key_end - raw.span.start;
        same.then_some(i)
    }
}

/// Where the text a statement's parse depends on ends: its text up to its `;` (PostgreSQL's
/// messages name the `;`).
fn key_end(text: &str, raw: &split::RawStatement) -> usize {
    raw.span.start + with_semicolon(text, raw.span).len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_file_with;

    fn same(a: &ParsedFile, b: &ParsedFile) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    const FILE: &str = "-- header\nCREATE TABLE a (id int PRIMARY KEY);\n\
        DO $$ BEGIN -- inside\n  ALTER TABLE a ADD COLUMN b int;\nEXCEPTION WHEN others THEN NULL; END $$;\n\
        CREATE INDEX CONCURRENTLY a_b ON a (b);\n\\set x 1\nSELECT (1;\nCOMMIT;\n\
        CREATE POLICY p ON a USING (true);\nALTER TABLE a DROP COLUMN b;\n";

    #[test]
    fn edits_give_what_a_full_parse_gives() {
        let options = ParseOptions::default();
        let mut reparse = Reparse::default();
        let (first, stats) = reparse.parse(FILE, &options);
        assert!(same(&first, &parse_file_with(FILE, &options)));
        assert_eq!(stats.reused, 0);
        // Every single-character insertion and deletion, at every place, from the same state.
        let mut seed = 7u64;
        for at in (0..=FILE.len()).filter(|i| FILE.is_char_boundary(*i)) {
            for edit in 0..3 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let mut text = FILE.to_string();
                match edit {
                    0 => text.insert(
                        at,
                        [' ', ';', 'x', '(', '$', '\''][(seed >> 33) as usize % 6],
                    ),
                    1 if at < FILE.len() => {
                        text.remove(at);
                    }
                    _ => text.insert_str(at, "\nCREATE TABLE z (id int);\n"),
                }
                let (got, stats) = reparse.parse(&text, &options);
                let want = parse_file_with(&text, &options);
                assert!(same(&got, &want), "edit {edit} at {at}:\n{text}");
                assert!(stats.reused + stats.parsed > 0);
                // Back to the original: everything comes from the previous parses.
                let (back, _) = reparse.parse(FILE, &options);
                assert!(same(&back, &first), "undo of edit {edit} at {at}");
            }
        }
    }

    #[test]
    fn only_the_edited_statement_is_parsed_again() {
        let options = ParseOptions::default();
        let mut reparse = Reparse::default();
        reparse.parse(FILE, &options);
        let text = FILE.replace("DROP COLUMN b", "DROP COLUMN bb");
        let (_, stats) = reparse.parse(&text, &options);
        assert_eq!(stats.parsed, 1, "{stats:?}");
        let text = format!("-- moved down\n{text}");
        let (got, stats) = reparse.parse(&text, &options);
        assert_eq!(stats.parsed, 0, "{stats:?}");
        assert!(same(&got, &parse_file_with(&text, &options)));
        // Another target version parses again.
        let v17 = ParseOptions {
            pg_version: crate::syntax::PgVersion::parse("17").unwrap(),
        };
        let (_, stats) = reparse.parse(&text, &v17);
        assert_eq!(stats.reused, 0);
    }
}
