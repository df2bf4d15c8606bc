//! The rule registry: every rule's id, default severity, summary, doc and check function.
//! One file per rule; adding a rule means adding its file, its doc and a line in [`RULES`].
//!
//! The registry and the config answer together which rules run and at what severity
//! ([`is_enabled`], [`severity_override`]); the engine and `apply` both ask here.

use crate::config::{Config, ConfigError, SeverityOverride};
use crate::diagnostic::{Diagnostic, Severity};

mod auth_users_exposed;
mod blocking_index;
mod breaking_rename;
pub(crate) mod common;
mod concurrent_in_transaction;
mod constraint_without_not_valid;
mod context;
mod destructive_drop;
mod duplicate_index;
mod enum_value_in_transaction;
mod exposed_foreign_table;
mod exposed_security_definer_function;
mod extension_in_public;
mod foreign_key_cycle;
mod function_search_path;
mod identifier_too_long;
mod long_exclusive_lock;
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
mod prefer_bigint_key;
mod prefer_identity;
mod prefer_text;
mod prefer_timestamptz;
mod protected_table_drop;
mod required_column_without_default;
pub mod rls_not_enabled;
mod rls_without_policy;
mod schema_conflict;
mod secret_in_migration;
mod security_definer_view;
mod table_rewrite;
mod transaction_wrapper;
mod unfiltered_data_change;
pub mod unguarded_extension;
mod unindexed_foreign_key;
mod unique_without_index;
mod unsupported_syntax;
mod unused_suppression;
mod user_metadata_in_policy;

pub use context::{
    FileContext, LazyParsed, OnDisk, PackedParsed, Parsed, Source, Spill, Workspace, WorkspaceFile,
};

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
    &security_definer_view::RULE,
    &auth_users_exposed::RULE,
    &exposed_security_definer_function::RULE,
    &function_search_path::RULE,
    &exposed_foreign_table::RULE,
    &required_column_without_default::RULE,
    &blocking_index::RULE,
    &constraint_without_not_valid::RULE,
    &table_rewrite::RULE,
    &not_null_scan::RULE,
    &breaking_rename::RULE,
    &missing_lock_timeout::RULE,
    &unfiltered_data_change::RULE,
    &enum_value_in_transaction::RULE,
    &unique_without_index::RULE,
    &long_exclusive_lock::RULE,
    &identifier_too_long::RULE,
    &prefer_bigint_key::RULE,
    &prefer_timestamptz::RULE,
    &prefer_text::RULE,
    &prefer_identity::RULE,
];

/// Every rule, in registry order.
pub fn all() -> &'static [&'static Rule] {
    RULES
}

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// Whether `id` names a registered rule (the config checks its `[rules]` keys with this).
pub fn is_known(id: &str) -> bool {
    find(id).is_some()
}

/// The config's usual entry points live here, beside the registry that knows the rule ids, so
/// that `config` does not import `rules` (see `tests/layers.rs`).
impl Config {
    /// Parse config text (unknown rule ids are an error); `path` is only used for messages and
    /// as the config's root.
    pub fn from_toml(text: &str, path: &std::path::Path) -> Result<Config, ConfigError> {
        Config::from_toml_with(text, path, is_known)
    }

    /// Read and parse a `pgward.toml`.
    pub fn load(path: &std::path::Path) -> Result<Config, ConfigError> {
        Config::load_with(path, is_known)
    }

    /// The config for a run: `--config FILE`, else the nearest `pgward.toml` above the first
    /// checked path, else above the current directory, else the defaults for the repository
    /// (see [`Config::resolve_with`]). `check`, `apply`, `status` and the language server all
    /// call this.
    pub fn resolve(
        explicit: Option<&std::path::Path>,
        near: Option<&std::path::Path>,
        cwd: &std::path::Path,
    ) -> Result<Config, ConfigError> {
        Config::resolve_with(explicit, near, cwd, is_known)
    }
}

/// Rules that run only when the config names them (`[rules] select` or `extend_select`, or
/// `--select`/`--extend-select`): style preferences, not risks. The way ruff treats its
/// non-default rules: `select = []` means the default set, which leaves these out.
static OFF_BY_DEFAULT: &[&Rule] = &[
    &prefer_bigint_key::RULE,
    &prefer_timestamptz::RULE,
    &prefer_text::RULE,
    &prefer_identity::RULE,
];

/// Whether a rule runs when the config does not name it.
pub fn on_by_default(rule: &Rule) -> bool {
    !OFF_BY_DEFAULT.iter().any(|r| r.id == rule.id)
}

/// Whether a rule runs under this config: `select` (empty: every rule on by default) plus
/// `extend_select`, minus `ignore` and severity `off`.
pub fn is_enabled(rule: &Rule, config: &Config) -> bool {
    let named = |list: &[String]| list.iter().any(|s| s == rule.id);
    let selected = if config.rules.select.is_empty() {
        on_by_default(rule)
    } else {
        named(&config.rules.select)
    } || named(&config.rules.extend_select);
    let ignored = config.rules.ignore.iter().any(|s| s == rule.id);
    let off = config.rules.severity.get(rule.id) == Some(&SeverityOverride::Off);
    selected && !ignored && !off
}

/// The severity the config sets for a rule, if it overrides the default.
pub fn severity_override(rule: &str, config: &Config) -> Option<Severity> {
    match config.rules.severity.get(rule)? {
        SeverityOverride::Error => Some(Severity::Error),
        SeverityOverride::Warning => Some(Severity::Warning),
        SeverityOverride::Info => Some(Severity::Info),
        SeverityOverride::Off => None,
    }
}

/// The severity a rule reports at under this config; `None` when it does not run.
pub fn effective_severity(rule: &Rule, config: &Config) -> Option<Severity> {
    if !is_enabled(rule, config) {
        return None;
    }
    Some(severity_override(rule.id, config).unwrap_or(rule.default_severity))
}

/// The registered rule id closest to `id`, if it is close enough to be a typo.
pub fn closest_rule(id: &str) -> Option<&'static str> {
    all()
        .iter()
        .map(|r| (edit_distance(id, r.id), r.id))
        .filter(|(d, candidate)| *d <= (candidate.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, id)| id)
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let best = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur[j + 1] = best;
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_rejects_unknown_rule_ids() {
        let path = std::path::Path::new("pgward.toml");
        for text in [
            "[rules]\nselect = [\"rls-not-enabeld\"]\n",
            "[rules]\nignore = [\"nope\"]\n",
            "[rules.severity]\nnope = \"off\"\n",
        ] {
            let err = Config::from_toml(text, path).unwrap_err();
            assert!(err.message.contains("unknown rule id"), "{text}: {err}");
            assert_eq!(err.line, Some(2), "{text}: {err}");
        }
        assert!(Config::from_toml("[rules]\nignore = [\"rls-not-enabled\"]\n", path).is_ok());
    }

    #[test]
    fn off_by_default_rules_run_only_when_named() {
        let path = std::path::Path::new("pgward.toml");
        let style = find("prefer-text").expect("prefer-text");
        let risk = find("table-rewrite").expect("table-rewrite");
        let c = Config::from_toml("", path).unwrap();
        assert!(!is_enabled(style, &c) && is_enabled(risk, &c));
        for text in [
            "[rules]\nextend_select = [\"prefer-text\"]\n",
            "[rules]\nextend-select = [\"prefer-text\"]\n",
        ] {
            let c = Config::from_toml(text, path).unwrap();
            assert!(is_enabled(style, &c) && is_enabled(risk, &c), "{text}");
        }
        let c = Config::from_toml("[rules]\nselect = [\"prefer-text\"]\n", path).unwrap();
        assert!(is_enabled(style, &c) && !is_enabled(risk, &c));
        let c = Config::from_toml(
            "[rules]\nextend_select = [\"prefer-text\"]\nignore = [\"prefer-text\"]\n",
            path,
        )
        .unwrap();
        assert!(!is_enabled(style, &c));
        let err =
            Config::from_toml("[rules]\nextend_select = [\"prefer-txt\"]\n", path).unwrap_err();
        assert!(err.message.contains("unknown rule id"), "{err}");
        assert!(!on_by_default(style) && on_by_default(risk));
    }

    #[test]
    fn closest_rule_suggests_typos() {
        assert_eq!(closest_rule("parse-eror"), Some("parse-error"));
        assert_eq!(closest_rule("zzzzzzzzzzzzzzzzzz"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
