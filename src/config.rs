//! `pgward.toml`: the keys, their defaults, discovery and clear errors for bad files.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE_NAME: &str = "pgward.toml";

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Default paths for `check`, `apply` and `status`.
    pub migrations_dir: Option<String>,
    /// The runner wraps each file in a transaction itself (Supabase CLI, `pgward apply`).
    pub assume_in_transaction: bool,
    pub protected: ProtectedConfig,
    pub rules: RulesConfig,
    pub policies: PoliciesConfig,
    pub indexes: IndexesConfig,
    pub realtime: Option<RealtimeConfig>,
    pub rls: RlsConfig,
    pub extensions: ExtensionsConfig,
    pub preflight: PreflightConfig,
    pub apply: ApplyConfig,
    /// Directory the config file was found in (not a key); relative paths resolve against it.
    #[serde(skip)]
    pub root: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ProtectedConfig {
    /// Names or globs, optionally schema-qualified; unqualified means `public`.
    pub tables: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RulesConfig {
    /// Empty means every rule.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Per-rule override: "error" | "warning" | "info" | "off".
    pub severity: BTreeMap<String, SeverityOverride>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SeverityOverride {
    Error,
    Warning,
    Info,
    Off,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PoliciesConfig {
    /// e.g. "{table}_{operation}_{description}"
    pub naming: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct IndexesConfig {
    pub user_columns: Vec<String>,
}

impl Default for IndexesConfig {
    fn default() -> Self {
        IndexesConfig {
            user_columns: vec!["user_id".to_string()],
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RealtimeConfig {
    pub publication: String,
    /// Table names, or `["*"]` for every table created in an exposed schema.
    pub tables: Vec<String>,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        RealtimeConfig {
            publication: "supabase_realtime".to_string(),
            tables: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RlsConfig {
    pub exposed_schemas: Vec<String>,
}

impl Default for RlsConfig {
    fn default() -> Self {
        RlsConfig {
            exposed_schemas: vec!["public".to_string()],
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ExtensionsConfig {
    pub always_available: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PreflightConfig {
    /// Tables that must not be empty before applying.
    pub require_rows: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ApplyConfig {
    /// Path to `pg_dump` (default: found on PATH).
    pub pg_dump: Option<String>,
    pub backup_dir: Option<String>,
}

/// A config file that could not be used; rendered as `path:line: message`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Parse config text; `path` is only used for messages and as the config's root.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            ConfigError {
                path: path.to_path_buf(),
                line,
                message: e.message().trim().to_string(),
            }
        })?;
        config.root = path.parent().map(Path::to_path_buf);
        config.validate(text, path)?;
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: None,
            message: format!("cannot read config: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: None,
            message: format!(
                "config is not valid UTF-8 (byte {})",
                e.utf8_error().valid_up_to()
            ),
        })?;
        Config::from_toml(&text, path)
    }

    /// Walk up from `start` to find `pgward.toml`.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let start = if start.is_absolute() {
            start.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(start)
        };
        start
            .ancestors()
            .map(|dir| dir.join(CONFIG_FILE_NAME))
            .find(|candidate| candidate.is_file())
    }

    /// Values serde accepts but that make no sense: unknown rule ids, bad globs, bad templates.
    fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let error = |key: &str, message: String| ConfigError {
            path: path.to_path_buf(),
            line: line_of_key(text, key),
            message,
        };
        let known = |id: &str| crate::rules::find(id).is_some();
        for id in self.rules.select.iter().chain(&self.rules.ignore) {
            if !known(id) {
                return Err(error(id, format!("unknown rule id `{id}` in [rules]")));
            }
        }
        for id in self.rules.severity.keys() {
            if !known(id) {
                return Err(error(
                    id,
                    format!("unknown rule id `{id}` in [rules.severity]"),
                ));
            }
        }
        for pattern in &self.protected.tables {
            if let Err(e) = glob::Pattern::new(pattern) {
                return Err(error(
                    pattern,
                    format!("[protected] tables: bad pattern `{pattern}`: {e}"),
                ));
            }
        }
        if let Some(template) = &self.policies.naming
            && !template.contains("{table}")
            && !template.contains("{operation}")
            && !template.contains("{description}")
        {
            return Err(error(
                "naming",
                "[policies] naming must use at least one of {table}, {operation}, {description}"
                    .to_string(),
            ));
        }
        Ok(())
    }

    /// Path of `migrations_dir`, resolved against the config file's directory.
    pub fn migrations_dir_path(&self) -> Option<PathBuf> {
        let dir = self.migrations_dir.as_ref()?;
        Some(match &self.root {
            Some(root) if Path::new(dir).is_relative() => root.join(dir),
            _ => PathBuf::from(dir),
        })
    }
}

/// Best-effort line of the first line that mentions `needle` (for errors serde cannot place).
fn line_of_key(text: &str, needle: &str) -> Option<usize> {
    text.lines()
        .position(|line| line.contains(needle))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let err =
            Config::from_toml("[rules]\nignroe = []\n", Path::new("pgward.toml")).unwrap_err();
        assert!(err.message.contains("ignroe"), "{err}");
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn defaults() {
        let c = Config::from_toml("", Path::new("x/pgward.toml")).unwrap();
        assert_eq!(c.indexes.user_columns, vec!["user_id"]);
        assert_eq!(c.rls.exposed_schemas, vec!["public"]);
        assert!(c.realtime.is_none());
    }
}
