//! pgward: a linter and a safe executor for PostgreSQL / Supabase migrations.
//!
//! Data flows one way: paths → [`discover`] → [`source::SourceFile`] → [`syntax`] statements →
//! [`catalog`] replay → [`rules`] → [`diagnostic::Diagnostic`] → [`report`]ers (and `apply`).

pub mod apply;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod engine;
pub mod init;
pub mod lsp;
pub mod report;
pub mod rules;
pub mod runner;
pub mod source;
pub mod suppress;
pub mod syntax;

pub use config::Config;
pub use diagnostic::{Diagnostic, Severity};
pub use engine::{CheckInput, CheckOutput, check};
pub use source::{SourceFile, Span};
