use super::Rule;
use crate::diagnostic::Severity;

/// Reported by the suppression pass (`suppress.rs`), not by a check of its own.
pub static RULE: Rule = Rule {
    id: "unused-suppression",
    default_severity: Severity::Warning,
    summary: "A pgward-ignore comment that silences nothing, or names an unknown rule",
    doc: include_str!("../../rules/unused-suppression.md"),
    check: None,
};
