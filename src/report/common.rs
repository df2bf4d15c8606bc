//! Helpers shared by the machine-readable reporters and the language server: links, paths as
//! URIs, and the positions each format wants.

use crate::source::{LineCol, SourceFile, Span};
use std::path::{Component, Path, PathBuf};

/// Home page of the tool (SARIF `informationUri`, reviewdog `source.url`).
pub const TOOL_URL: &str = "https://github.com/pgward/pgward";

/// Where a rule's doc lives: `rules/<id>.md` in the repository. The ONE place this scheme is
/// written; every format and the language server call [`rule_doc_url`].
pub const RULE_DOC_URL_PREFIX: &str = "https://github.com/pgward/pgward/blob/main/rules/";

pub fn rule_doc_url(rule: &str) -> String {
    format!("{RULE_DOC_URL_PREFIX}{rule}.md")
}

/// 1-based start and exclusive end, columns in characters (json, gcc, sarif, github).
pub fn char_range(source: &SourceFile, span: Span) -> (LineCol, LineCol) {
    (
        source.lines.line_col(&source.text, span.start),
        source.lines.line_col(&source.text, span.end),
    )
}

/// 1-based line and 1-based column counted in UTF-8 bytes (reviewdog's rdjsonl).
pub fn byte_line_col(source: &SourceFile, offset: usize) -> LineCol {
    let offset = offset.min(source.text.len());
    let line = source.lines.line_of(offset);
    LineCol {
        line: line + 1,
        column: offset - source.lines.line_start(line) + 1,
    }
}

/// Characters that may stand unencoded in a URI path: RFC 3986 unreserved plus `/`.
fn is_path_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
}

/// Percent-encode a path for a URI (every byte outside the safe set, UTF-8 included).
pub fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if is_path_safe(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The file name as a forward-slash path (Windows separators normalised).
fn slash_path(name: &str) -> String {
    if std::path::MAIN_SEPARATOR == '\\' {
        name.replace('\\', "/")
    } else {
        name.to_string()
    }
}

/// `file:///…` URI of an absolute path.
pub fn file_uri_of_absolute(path: &Path) -> String {
    let text = slash_path(&path.to_string_lossy());
    // Windows paths (`C:/x`) need the extra slash; Unix paths already start with one.
    let text = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    format!("file://{}", percent_encode_path(&text))
}

/// Lexically absolute version of a file name (relative names resolve against the cwd), with
/// `.` and `..` folded so the URI is canonical without touching the file system.
pub fn absolute_path(name: &str) -> PathBuf {
    let path = Path::new(name);
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `file:///…` URI for a source file name as reported (LSP).
pub fn file_uri(name: &str) -> String {
    file_uri_of_absolute(&absolute_path(name))
}

/// A repository-relative URI reference for SARIF: relative names stay relative (GitHub resolves
/// them against the repository root), absolute ones become `file:` URIs.
pub fn relative_uri(name: &str) -> String {
    let path = Path::new(name);
    if path.is_absolute() {
        return file_uri_of_absolute(path);
    }
    let slashed = slash_path(name);
    let trimmed = slashed.trim_start_matches("./");
    percent_encode_path(trimmed)
}

/// A message as one line (gcc and similar line-oriented formats).
pub fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            relative_uri("./migrations/0001 add é.sql"),
            "migrations/0001%20add%20%C3%A9.sql"
        );
        assert_eq!(
            file_uri("/tmp/a b/../c%.sql"),
            "file:///tmp/c%25.sql".to_string()
        );
        assert_eq!(relative_uri("/abs/x.sql"), "file:///abs/x.sql");
    }

    #[test]
    fn byte_columns() {
        let f = SourceFile::new("a.sql", "é\tx\r\n中y");
        let y = f.text.find('y').unwrap_or(0);
        assert_eq!(byte_line_col(&f, y), LineCol { line: 2, column: 4 });
        let x = f.text.find('x').unwrap_or(0);
        assert_eq!(byte_line_col(&f, x), LineCol { line: 1, column: 4 });
    }
}
