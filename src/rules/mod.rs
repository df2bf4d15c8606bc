//! The rule registry: every rule's id, default severity, summary, doc and check function.
//! One file per rule; adding a rule means adding its file, its doc and a line in [`RULES`].

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileContext;

mod blocking_index;
mod breaking_rename;
pub(crate) mod common;
mod concurrent_in_transaction;
mod constraint_without_not_valid;
mod destructive_drop;
mod duplicate_index;
mod extension_in_public;
mod foreign_key_cycle;
mod missing_lock_timeout;
mod missing_realtime_publication;
mod missing_user_id_index;
mod multiple_permissive_policies;
mod non_idempotent_ddl;
mod not_null_scan;
mod parse_error;
mod per_row_auth_call;
mod permissive_policy;
mod policy_name_collision;
mod policy_naming;
mod policy_without_rls;
mod protected_table_drop;
mod required_column_without_default;
mod rls_not_enabled;
mod rls_without_policy;
mod schema_conflict;
mod secret_in_migration;
mod table_rewrite;
mod transaction_wrapper;
mod unfiltered_data_change;
pub mod unguarded_extension;
mod unindexed_foreign_key;
mod unsupported_syntax;
mod unused_suppression;
mod user_metadata_in_policy;

pub type CheckFn = fn(&FileContext, &mut Vec<Diagnostic>);

#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub default_severity: Severity,
    /// One line, for `pgward rule` and SARIF's shortDescription.
    pub summary: &'static str,
    /// The Markdown doc from `rules/<id>.md`.
    pub doc: &'static str,
    /// `None` for rules the engine itself reports (`unused-suppression`).
    pub check: Option<CheckFn>,
}

static RULES: &[&Rule] = &[
    &parse_error::RULE,
    &unsupported_syntax::RULE,
    &unused_suppression::RULE,
    &protected_table_drop::RULE,
    &transaction_wrapper::RULE,
    &concurrent_in_transaction::RULE,
    &non_idempotent_ddl::RULE,
    &policy_name_collision::RULE,
    &policy_naming::RULE,
    &schema_conflict::RULE,
    &destructive_drop::RULE,
    &missing_user_id_index::RULE,
    &unindexed_foreign_key::RULE,
    &missing_realtime_publication::RULE,
    &rls_not_enabled::RULE,
    &policy_without_rls::RULE,
    &rls_without_policy::RULE,
    &unguarded_extension::RULE,
    &foreign_key_cycle::RULE,
    &secret_in_migration::RULE,
    &permissive_policy::RULE,
    &user_metadata_in_policy::RULE,
    &per_row_auth_call::RULE,
    &multiple_permissive_policies::RULE,
    &duplicate_index::RULE,
    &extension_in_public::RULE,
    &required_column_without_default::RULE,
    &blocking_index::RULE,
    &constraint_without_not_valid::RULE,
    &table_rewrite::RULE,
    &not_null_scan::RULE,
    &breaking_rename::RULE,
    &missing_lock_timeout::RULE,
    &unfiltered_data_change::RULE,
];

/// Every rule, in registry order.
pub fn all() -> &'static [&'static Rule] {
    RULES
}

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}
