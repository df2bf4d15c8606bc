//! Helpers shared by several rules: statement text and fixes (`text`), catalog questions and
//! config names (`schema`), policies and who they apply to (`policy`).

pub mod policy;
pub mod schema;
pub mod text;
