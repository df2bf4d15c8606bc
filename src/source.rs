//! Source text, byte spans and the one place where byte offsets become lines and columns.

use std::ops::Range;

/// A half-open byte range `[start, end)` into a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

thread_local! {
    /// Bytes added to every span deserialized on this thread (see [`with_span_shift`]).
    static SPAN_SHIFT: std::cell::Cell<isize> = const { std::cell::Cell::new(0) };
}

/// Run `f` with every [`Span`] deserialized on this thread moved by `by` bytes: a statement
/// model stored for one place in a file is read back for where its text stands now (the
/// language server re-uses the statements an edit did not touch). A span that would leave
/// `0..=usize::MAX` fails to deserialize.
pub fn with_span_shift<T>(by: isize, f: impl FnOnce() -> T) -> T {
    let before = SPAN_SHIFT.with(|s| s.replace(by));
    let out = f();
    SPAN_SHIFT.with(|s| s.set(before));
    out
}

impl<'de> serde::Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            start: usize,
            end: usize,
        }
        let raw = Raw::deserialize(d)?;
        let by = SPAN_SHIFT.with(std::cell::Cell::get);
        let (Some(start), Some(end)) = (
            raw.start.checked_add_signed(by),
            raw.end.checked_add_signed(by),
        ) else {
            return Err(serde::de::Error::custom("span out of range"));
        };
        if start > end {
            return Err(serde::de::Error::custom("span ends before it starts"));
        }
        Ok(Span { start, end })
    }
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span { start, end }
    }
    pub fn empty(at: usize) -> Self {
        Span { start: at, end: at }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
    /// This span moved `by` bytes to the right (for text found inside a larger text).
    pub fn shift(self, by: usize) -> Span {
        Span::new(self.start + by, self.end + by)
    }
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// Index of a file in the checked set (migration order).
pub type FileId = usize;

/// A file to check, as loaded. `report: false` files are context only (the rest of
/// `migrations_dir`): schema-aware rules see them, but nothing is reported in them.
#[derive(Debug, Clone)]
pub struct CheckInput {
    pub source: SourceFile,
    pub report: bool,
}

/// One migration file (or stdin buffer) as read: UTF-8 text with any BOM already removed.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it or as discovery found it (relative to the cwd when below it).
    pub name: String,
    pub text: String,
    pub lines: LineIndex,
    /// Where the text can be read again: set by `pgward check` for files it read from disk,
    /// so that a big set need not hold every file's text from parsing to the report (the
    /// engine lets the text go and reads it back, verified, when a rule or a reporter needs
    /// it). `None` for standard input and for texts made in memory: those stay in memory.
    pub origin: Option<std::path::PathBuf>,
    /// `Some(length)`: a file found but not read yet (its text is empty until then), which
    /// the check reads when it parses it ([`crate::discover::load_set_streaming`]).
    pub unread: Option<u64>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let mut text: String = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let lines = LineIndex::new(&text);
        SourceFile {
            name: name.into(),
            text,
            lines,
            origin: None,
            unread: None,
        }
    }

    /// The file `name` at `path`, `len` bytes long, to be read when it is parsed.
    pub fn unread(name: impl Into<String>, path: std::path::PathBuf, len: u64) -> Self {
        SourceFile {
            origin: Some(path),
            unread: Some(len),
            ..SourceFile::new(name, String::new())
        }
    }

    /// Its text's length, read or not.
    pub fn text_len(&self) -> usize {
        self.unread.map_or(self.text.len(), |len| {
            usize::try_from(len).unwrap_or(usize::MAX)
        })
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// A file's line ending, judged by its first line: `"\r\n"` or `"\n"` (for inserted lines).
pub fn newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes().get(i - 1) == Some(&b'\r') => "\r\n",
        _ => "\n",
    }
}

/// A position for humans, JSON, SARIF and gcc: 1-based line, 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// A position for LSP: 0-based line, 0-based character counted in UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utf16Pos {
    pub line: u32,
    pub character: u32,
}

/// Start offsets of every line. `\n` ends a line; a `\r` before it belongs to the line ending,
/// so CRLF files get the same columns as LF files.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Where each line starts, as `u32` (a file is at most 256 MiB; a longer text's later
    /// lines saturate): every file of a big set has one from its read until it is packed.
    starts: Vec<u32>,
    /// Column counts at points inside long lines, sorted by offset, so that a position on a
    /// megabyte-long line costs a short count rather than a walk from the line's start (many
    /// diagnostics on one long line would otherwise be quadratic).
    checkpoints: Vec<Checkpoint>,
}

/// Characters and UTF-16 units from the start of its line up to `offset` (a char boundary).
#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    offset: usize,
    chars: usize,
    utf16: usize,
}

/// Distance between checkpoints on a long line, in bytes.
const CHECKPOINT_EVERY: usize = 4096;

impl LineIndex {
    pub fn new(text: &str) -> Self {
        // Counted first: exactly the room the starts need.
        let mut starts = Vec::with_capacity(memchr_newlines(text.as_bytes()).count() + 1);
        starts.push(0);
        starts.extend(memchr_newlines(text.as_bytes()).map(|i| narrow(i + 1)));
        let mut checkpoints = Vec::new();
        let bytes = text.as_bytes();
        for (i, &start) in starts.iter().enumerate() {
            let start = start as usize;
            let end = starts.get(i + 1).map_or(text.len(), |&e| e as usize);
            if end - start <= CHECKPOINT_EVERY {
                continue;
            }
            let (mut at, mut chars, mut utf16) = (start, 0, 0);
            loop {
                let mut next = at + CHECKPOINT_EVERY;
                if next >= end {
                    break;
                }
                while next < end && !text.is_char_boundary(next) {
                    next += 1;
                }
                for &b in bytes.get(at..next).unwrap_or(&[]) {
                    // Count lead bytes: one per character; 4-byte characters are 2 UTF-16 units.
                    if b & 0xC0 != 0x80 {
                        chars += 1;
                        utf16 += if b >= 0xF0 { 2 } else { 1 };
                    }
                }
                checkpoints.push(Checkpoint {
                    offset: next,
                    chars,
                    utf16,
                });
                at = next;
            }
        }
        LineIndex {
            starts,
            checkpoints,
        }
    }

    /// The last checkpoint at or before `offset` on the line starting at `line_start`.
    fn checkpoint(&self, line_start: usize, offset: usize) -> Option<Checkpoint> {
        let i = self.checkpoints.partition_point(|c| c.offset <= offset);
        let c = *self.checkpoints.get(i.checked_sub(1)?)?;
        (c.offset > line_start).then_some(c)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based line holding `offset` (offsets past the end map to the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&narrow(offset)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line.min(self.starts.len() - 1)] as usize
    }

    /// Byte range of a 0-based line without its line ending.
    pub fn line_span(&self, text: &str, line: usize) -> Span {
        let start = self.line_start(line);
        let mut end = self
            .starts
            .get(line + 1)
            .map_or(text.len(), |&e| e as usize);
        let bytes = text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Span::new(start, end)
    }

    fn clamp(text: &str, offset: usize) -> usize {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// 1-based line and 1-based character column.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = Self::clamp(text, offset);
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let (from, before) = self
            .checkpoint(start, offset)
            .map_or((start, 0), |c| (c.offset, c.chars));
        LineCol {
            line: line + 1,
            column: before + text.get(from..offset).map_or(0, |s| s.chars().count()) + 1,
        }
    }

    /// 0-based line and UTF-16 code unit column, as LSP wants.
    pub fn utf16(&self, text: &str, offset: usize) -> Utf16Pos {
        let offset = Self::clamp(text, offset);
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let (from, before) = self
            .checkpoint(start, offset)
            .map_or((start, 0), |c| (c.offset, c.utf16));
        Utf16Pos {
            line: line as u32,
            character: (before
                + text
                    .get(from..offset)
                    .map_or(0, |s| s.encode_utf16().count())) as u32,
        }
    }

    /// Inverse of [`LineIndex::utf16`]: the byte offset of an LSP position (clamped to the line).
    pub fn offset_of_utf16(&self, text: &str, pos: Utf16Pos) -> usize {
        let line = pos.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let span = self.line_span(text, line);
        // Start from the last checkpoint of the line that is not past the position.
        let i = self.checkpoints.partition_point(|c| c.offset <= span.start);
        let (mut from, mut units) = (span.start, 0u32);
        for c in self.checkpoints.get(i..).unwrap_or(&[]) {
            if c.offset > span.end || c.utf16 as u32 > pos.character {
                break;
            }
            (from, units) = (c.offset, c.utf16 as u32);
        }
        for (i, ch) in text[from..span.end].char_indices() {
            if units >= pos.character {
                return from + i;
            }
            units += ch.len_utf16() as u32;
        }
        span.end
    }
}

/// An offset as a line start is kept (saturating past 4 GiB).
fn narrow(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// The offsets of every `\n`, eight bytes at a time: a word without one (most words of SQL)
/// costs one test.
fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const NEWLINES: u64 = ONES * b'\n' as u64;
    let words = bytes.chunks(8).enumerate().filter(|(_, chunk)| {
        let Ok(word) = <[u8; 8]>::try_from(*chunk) else {
            return true;
        };
        // A zero byte in `word ^ NEWLINES` (the classic test: no false negatives) is a `\n`.
        let x = u64::from_le_bytes(word) ^ NEWLINES;
        x.wrapping_sub(ONES) & !x & HIGH != 0
    });
    words.flat_map(|(n, chunk)| {
        chunk
            .iter()
            .enumerate()
            .filter_map(move |(i, b)| (*b == b'\n').then_some(n * 8 + i))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_crlf_is_a_line_ending() {
        let text = "ab\r\nçé\tx\n𝄞z";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(idx.line_col(text, x), LineCol { line: 2, column: 4 });
        let z = text.find('z').unwrap();
        assert_eq!(idx.line_col(text, z), LineCol { line: 3, column: 2 });
        assert_eq!(
            idx.utf16(text, z),
            Utf16Pos {
                line: 2,
                character: 2
            }
        );
        assert_eq!(
            idx.offset_of_utf16(
                text,
                Utf16Pos {
                    line: 2,
                    character: 2
                }
            ),
            z
        );
        assert_eq!(idx.line_span(text, 0), Span::new(0, 2));
    }

    #[test]
    fn long_lines_use_checkpoints_with_the_same_answers() {
        // A long line mixing 1-, 2-, 3- and 4-byte characters, then a short line.
        let unit = "ab é 日 𝄞 ";
        let long = unit.repeat(3000);
        let text = format!("x\n{long}\r\nyz");
        let idx = LineIndex::new(&text);
        assert!(!idx.checkpoints.is_empty());
        let slow = LineIndex {
            starts: idx.starts.clone(),
            checkpoints: Vec::new(),
        };
        let mut offsets: Vec<usize> = (0..text.len()).step_by(997).collect();
        offsets.extend([text.len(), text.len() - 1, 2 + long.len()]);
        for off in offsets {
            assert_eq!(idx.line_col(&text, off), slow.line_col(&text, off), "{off}");
            let pos = idx.utf16(&text, off);
            assert_eq!(pos, slow.utf16(&text, off), "{off}");
            let back = idx.offset_of_utf16(&text, pos);
            assert_eq!(back, slow.offset_of_utf16(&text, pos), "{off}");
            assert_eq!(
                back,
                LineIndex::clamp(&text, off).min(2 + long.len()).max(back)
            );
        }
    }

    #[test]
    fn newlines_are_found_at_every_offset() {
        let text = "a\n\nbcdefgh\nijklmnopq\r\nrs\n\n\n\n\n\n\n\n\né\n日本\nx".repeat(3);
        for start in 0..text.len() {
            let bytes = &text.as_bytes()[start..];
            let naive: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] == b'\n').collect();
            assert_eq!(memchr_newlines(bytes).collect::<Vec<_>>(), naive, "{start}");
        }
    }

    #[test]
    fn bom_is_removed() {
        let f = SourceFile::new("a.sql", "\u{feff}SELECT 1;");
        assert_eq!(f.text, "SELECT 1;");
    }
}
