//! The schema model: every statement of the migration set replayed in order.

use crate::syntax::ParsedFile;

/// Schema objects known after replaying the set (see issue: schema-aware rules).
#[derive(Debug, Default)]
pub struct Catalog {}

impl Catalog {
    /// Replay every file's statements in migration order.
    pub fn replay<'a>(files: impl IntoIterator<Item = &'a ParsedFile>) -> Catalog {
        let _ = files.into_iter().count();
        Catalog::default()
    }
}
