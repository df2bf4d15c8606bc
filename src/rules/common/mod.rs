//! Helpers shared by several rules: statement text and fixes (`text`), catalog questions and
//! config names (`schema`), policies and who they apply to (`policy`), live tables a deploy
//! locks or rewrites (`deploy`), the column types a statement declares (`columns`).

pub mod columns;
pub mod deploy;
pub mod exposure;
pub mod policy;
pub mod schema;
pub mod text;
