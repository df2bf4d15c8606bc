//! Helpers shared by several rules: statement text and fixes (`text`), catalog questions and
//! config names (`schema`).

pub mod schema;
pub mod text;
