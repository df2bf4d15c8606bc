//! File markers: comments that change how a whole file is treated. One parser per marker, here,
//! called by `check` (the runner's execution, `transaction-wrapper`), `apply` (the plan) and the
//! language server (through the engine) alike.

use super::Comment;

/// The marker as the docs and messages spell it.
pub const NO_TRANSACTION: &str = "-- pgward: no-transaction";

/// Whether `comment` is `-- pgward: no-transaction`: a `--` comment whose text is `pgward:`
/// then `no-transaction`, in any case, with any spacing around and between (so
/// `--pgward:no-transaction` counts). A `/* */` comment, or more words after it, is not the
/// marker.
pub fn is_no_transaction(comment: &Comment) -> bool {
    comment.line_comment && is_no_transaction_body(&comment.body)
}

fn is_no_transaction_body(body: &str) -> bool {
    let body = body.trim();
    body.get(.."pgward:".len())
        .is_some_and(|p| p.eq_ignore_ascii_case("pgward:"))
        && body["pgward:".len()..]
            .trim_start()
            .eq_ignore_ascii_case("no-transaction")
}

/// Whether a file's comments (as the splitter found them: not inside strings or bodies) hold
/// the `no-transaction` marker.
pub fn has_no_transaction(comments: &[Comment]) -> bool {
    comments.iter().any(is_no_transaction)
}

/// [`has_no_transaction`] for a file not parsed yet: splits `text` for its comments (only when
/// the word is there at all).
pub fn text_has_no_transaction(text: &str) -> bool {
    contains_ignore_ascii_case(text, "no-transaction")
        && has_no_transaction(&super::split::split(text).comments)
}

fn contains_ignore_ascii_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        for yes in [
            "-- pgward: no-transaction",
            "-- pgward:no-transaction",
            "--pgward:   No-Transaction  ",
            "  -- PGWARD: NO-TRANSACTION\r\nVACUUM;",
            "VACUUM; -- pgward: no-transaction",
        ] {
            assert!(text_has_no_transaction(yes), "{yes:?}");
        }
        for no in [
            "/* pgward: no-transaction */",
            "-- pgward: no-transaction please",
            "-- pgward no-transaction",
            "-- no-transaction",
            "SELECT '\n-- pgward: no-transaction\n';",
            "CREATE FUNCTION f() RETURNS void AS $$\n-- pgward: no-transaction\n$$ LANGUAGE sql;",
        ] {
            assert!(!text_has_no_transaction(no), "{no:?}");
        }
    }
}
