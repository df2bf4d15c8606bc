//! Re-parsing a buffer as it is edited (the language server): the file is split again (cheap),
//! and every statement whose text did not change is taken from the previous parse, its spans
//! moved to where the statement stands now. Only new or edited statements go through
//! PostgreSQL's grammar and our recognizers. The result is the same [`ParsedFile`] a full
//! [`super::parse_file_with`] gives (`tests` below check it on random edits).

use super::{ParseOptions, ParsedFile, RawParsed, grammar, parse_split, split, with_semicolon};
use crate::source::with_span_shift;
use std::collections::HashMap;

/// The statements of the previous parse of one buffer, by their text.
#[derive(Debug, Default)]
pub struct Reparse {
    options: Option<ParseOptions>,
    entries: HashMap<String, Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    /// Where the statement started when it was parsed.
    start: usize,
    parsed: RawParsed,
}

/// How a re-parse went: statements taken from the previous parse, and parsed anew.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReparseStats {
    pub reused: usize,
    pub parsed: usize,
}

impl Reparse {
    /// Parse `text`, re-using what the previous call parsed.
    pub fn parse(&mut self, text: &str, options: &ParseOptions) -> (ParsedFile, ReparseStats) {
        if self.options != Some(*options) {
            self.entries.clear();
            self.options = Some(*options);
        }
        let out = split::split(text);
        let keys: Vec<String> = out.statements.iter().map(|r| key(text, r)).collect();
        let known = keys
            .iter()
            .filter(|k| self.entries.contains_key(*k))
            .count();
        // Mostly new text (the first parse): one call of the grammar for the whole file, as
        // a full parse does, is cheaper than one per statement.
        let file_ok = known * 2 < keys.len()
            && out.errors.is_empty()
            && !out.statements.iter().any(|s| s.meta)
            && grammar::check_sql(text).is_ok();
        let mut stats = ReparseStats::default();
        let mut next: HashMap<String, Entry> = HashMap::with_capacity(keys.len());
        let mut keys = keys.into_iter();
        let previous = &mut self.entries;
        let parsed = parse_split(text, out, options, file_ok, |raw, error, parse| {
            let key = keys.next().unwrap_or_default();
            if error.is_some() {
                // A lexical error's message depends on where it stands: never re-used.
                stats.parsed += 1;
                return parse(raw, error);
            }
            let start = raw.span.start;
            let before = previous.remove(&key).or_else(|| next.get(&key).cloned());
            let parsed = match before.and_then(|e| moved(&e, start)) {
                Some(parsed) => {
                    stats.reused += 1;
                    parsed
                }
                None => {
                    stats.parsed += 1;
                    parse(raw, None)
                }
            };
            next.insert(
                key,
                Entry {
                    start,
                    parsed: parsed.clone(),
                },
            );
            parsed
        });
        self.entries = next;
        (parsed, stats)
    }
}

/// What a statement's parse depends on: its text up to its `;` (PostgreSQL's messages name
/// the `;`), and whether it is a psql meta-command.
fn key(text: &str, raw: &split::RawStatement) -> String {
    let mut key = String::from(if raw.meta { "\\" } else { ";" });
    key.push_str(with_semicolon(text, raw.span));
    key
}

/// A previous parse of the same text, for the statement now at `start`.
fn moved(entry: &Entry, start: usize) -> Option<RawParsed> {
    if entry.start == start {
        return Some(entry.parsed.clone());
    }
    let by = isize::try_from(start).ok()? - isize::try_from(entry.start).ok()?;
    let bytes = postcard::to_stdvec(&entry.parsed).ok()?;
    with_span_shift(by, || postcard::from_bytes(&bytes).ok())
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
