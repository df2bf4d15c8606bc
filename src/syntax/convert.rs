//! Placeholder for the sqlparser bridge (another helper replaces this file): classifies a
//! statement by its leading keyword so the pipeline works end to end.

use super::model::{Stmt, TxControl};

/// Convert one statement's text (found at file offset `base`) into our model.
pub fn convert(text: &str, base: usize) -> Stmt {
    let _ = base;
    let mut words = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    let first = words.next().unwrap_or("").to_ascii_uppercase();
    let second = words.next().unwrap_or("").to_ascii_uppercase();
    match first.as_str() {
        "BEGIN" | "START" => Stmt::Transaction(TxControl::Begin),
        "COMMIT" | "END" => Stmt::Transaction(TxControl::Commit),
        "ROLLBACK" | "ABORT" if second != "TO" => Stmt::Transaction(TxControl::Rollback),
        _ => Stmt::Other { keyword: first },
    }
}
