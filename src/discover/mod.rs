//! From command-line paths to an ordered migration set: files, directories (every `*.sql` below
//! them), glob patterns expanded by pgward itself, migration ordering, and reading files safely
//! (UTF-8 checked, binary and special files refused, size capped).
//!
//! `check` and `apply` both start here, so the rules for "which files, in which order" live in
//! one place: `find.rs` expands paths, `order.rs` is migration order, `read.rs` reads one file,
//! `set.rs` builds the set a check runs on (context files, the runner's choice of files).

mod find;
mod order;
mod read;
mod set;

pub use find::{Discovery, FoundFile, discover, display_name, identity};
pub use order::{Version, migration_order, sort_migrations, version_of};
pub use read::{
    MAX_FILE_SIZE, STDIN_NAME, decode, read_regular, read_source, read_stdin, regular_file_len,
};
pub use set::{
    Defer, LoadedSet, Stamp, StdinInput, UnreadFile, load_set, load_set_deferring,
    load_set_streaming,
};

use std::fmt;

/// A path that could not be used; rendered as `path: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub path: String,
    pub message: String,
}

impl InputError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for InputError {}
