//! Reading one migration: special files refused unread, size capped, UTF-8 checked.

use super::InputError;
use crate::source::SourceFile;
use std::io::Read;
use std::path::Path;

/// Larger files are refused: no real migration is this big, and reading a runaway file (a dump,
/// a log) into memory helps nobody.
pub const MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;

/// The name a buffer read from standard input gets when `--stdin-filename` is not given.
pub const STDIN_NAME: &str = "<stdin>";
/// Read a file as a migration: refuse special files (FIFOs, devices) without reading them,
/// files over [`MAX_FILE_SIZE`], binary files and invalid UTF-8.
pub fn read_source(path: &Path, name: &str) -> Result<SourceFile, InputError> {
    let len = regular_file_len(path, name)?;
    read_regular(path, name, len)
}

/// The length of a file [`read_source`] would read, without reading it: an error for what it
/// refuses unread (a directory, a special file, a file over [`MAX_FILE_SIZE`]).
pub fn regular_file_len(path: &Path, name: &str) -> Result<u64, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::new(name, io_message(&e)))?;
    if meta.is_dir() {
        return Err(InputError::new(name, "is a directory"));
    }
    if !meta.is_file() {
        return Err(InputError::new(
            name,
            format!("not a regular file ({})", file_kind(&meta.file_type())),
        ));
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_big(name));
    }
    Ok(meta.len())
}

/// Read a file [`regular_file_len`] found `len` bytes long (the cap and the checks of
/// [`decode`] still hold should it have changed since).
pub fn read_regular(path: &Path, name: &str, len: u64) -> Result<SourceFile, InputError> {
    let file = std::fs::File::open(path).map_err(|e| InputError::new(name, io_message(&e)))?;
    // The size read up front saves the probing reads of a growing buffer (a big set is
    // thousands of small files).
    let bytes = read_capped(file, len).map_err(|e| InputError::new(name, io_message(&e)))?;
    decode(name, bytes)
}

/// Read standard input (capped like files).
pub fn read_stdin(name: &str) -> Result<SourceFile, InputError> {
    let bytes = read_capped(std::io::stdin().lock(), 0)
        .map_err(|e| InputError::new(name, io_message(&e)))?;
    decode(name, bytes)
}

fn too_big(name: &str) -> InputError {
    InputError::new(
        name,
        format!(
            "file is larger than {} MiB; this is not a migration",
            MAX_FILE_SIZE / (1024 * 1024)
        ),
    )
}

/// Read at most one byte more than the cap, so a file that grows while we read (or a stream)
/// cannot exhaust memory.
fn read_capped(reader: impl Read, expected: u64) -> std::io::Result<Vec<u8>> {
    // One byte more than expected: reading to the end then needs no second buffer.
    let mut bytes =
        Vec::with_capacity(usize::try_from(expected.min(MAX_FILE_SIZE)).unwrap_or(0) + 1);
    reader.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(std::io::Error::other(format!(
            "input is larger than {} MiB; this is not a migration",
            MAX_FILE_SIZE / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// Turn bytes into a [`SourceFile`]: binary (NUL bytes, UTF-16) and invalid UTF-8 are errors
/// naming the byte offset.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<SourceFile, InputError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(InputError::new(
            name,
            "file is UTF-16 encoded; pgward reads UTF-8 (convert it, e.g. with iconv)",
        ));
    }
    if let Some(offset) = bytes.iter().position(|b| *b == 0) {
        return Err(InputError::new(
            name,
            format!("binary file (NUL byte at byte offset {offset}); not a SQL migration"),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = bytes
                .get(..offset)
                .map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
                + 1;
            let bad = bytes.get(offset).copied().unwrap_or(0);
            Err(InputError::new(
                name,
                format!(
                    "invalid UTF-8 at byte offset {offset} (line {line}, byte 0x{bad:02x}); \
                     pgward reads UTF-8 (convert the file, e.g. with iconv -f latin1 -t utf-8)"
                ),
            ))
        }
    }
}
pub(super) fn file_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    let _ = ft;
    "a special file"
}

/// An I/O error as a short, lower-case message without the `(os error N)` noise.
pub(super) fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file or directory".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = e.to_string();
            let text = match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            lower_first(&text)
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_errors_name_the_offset() {
        let e = decode("a.sql", b"SELECT 'caf\xe9';".to_vec()).unwrap_err();
        assert!(e.message.contains("byte offset 11"), "{e}");
        assert!(e.message.contains("line 1"), "{e}");
        let e = decode("b.sql", b"SEL\0ECT".to_vec()).unwrap_err();
        assert!(e.message.contains("binary"), "{e}");
        assert!(e.message.contains("offset 3"), "{e}");
        let ok = decode("c.sql", "\u{feff}SELECT 1;\r\n".as_bytes().to_vec()).unwrap();
        assert_eq!(ok.text, "SELECT 1;\r\n");
    }
}
