//! The config a command runs under, and rule ids given on the command line.

use crate::config::{Config, ConfigError};
use crate::rules;
use std::path::Path;

/// A config error as `pgward.toml:3: message`, with the path relative to `cwd` when below it.
pub fn config_error_message(e: &ConfigError, cwd: &Path) -> String {
    e.shown_from(cwd)
}

/// The config for a command: the one discovery of every command ([`Config::resolve`]):
/// `--config FILE` (relative to `cwd`), else the nearest pgward.toml above `near` (the first
/// checked path), else above `cwd`, else the defaults for the repository. Errors are ready to
/// print.
pub fn load_config(
    explicit: Option<&Path>,
    near: Option<&Path>,
    cwd: &Path,
) -> Result<Config, String> {
    Config::resolve(explicit, near, cwd).map_err(|e| config_error_message(&e, cwd))
}

/// Check that every id names a rule; the error says which one and suggests a close one.
pub fn validate_rule_ids(flag: &str, ids: &[String]) -> Result<(), String> {
    for id in ids {
        if rules::find(id).is_none() {
            let hint = match rules::closest_rule(id) {
                Some(close) => format!("; did you mean `{close}`?"),
                None => "; `pgward rule` lists every rule".to_string(),
            };
            return Err(format!("{flag}: unknown rule `{id}`{hint}"));
        }
    }
    Ok(())
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_rule_ids_are_rejected_with_a_suggestion() {
        let err = validate_rule_ids("--ignore", &["parse-eror".to_string()]).unwrap_err();
        assert!(err.contains("did you mean `parse-error`"), "{err}");
        assert!(validate_rule_ids("--ignore", &["parse-error".to_string()]).is_ok());
    }
}
