//! `pgward.toml`: the keys, their defaults, discovery and clear errors for bad files.
//! `protected.rs` is the `[protected] tables` matcher.

use crate::runner::{Execution, Project, Runner, Wrapping};
use crate::syntax::{ParseOptions, PgVersion, names};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod protected;
#[cfg(test)]
mod tests;

pub use protected::{ALWAYS_PROTECTED_SCHEMAS, ProtectedTables, Protection};
pub const CONFIG_FILE_NAME: &str = "pgward.toml";

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Default paths for `check`, `apply` and `status`.
    pub migrations_dir: Option<String>,
    /// The tool that runs the migrations (`supabase`, `diesel`, `prisma`, …): which files are
    /// migrations, their order, their transaction. Detected from the repository when unset
    /// (see [`Config::runner`]).
    pub runner: Option<Runner>,
    /// Older spelling: `true` means the runner wraps each file in a transaction, `false` that it
    /// does not. Overrides what the runner does when set.
    pub assume_in_transaction: Option<bool>,
    /// The PostgreSQL major version the migrations run on (14 to 18; default 15): syntax newer
    /// than it is a `parse-error`, and version-dependent rules read it.
    pub postgres_version: PgVersion,
    pub protected: ProtectedConfig,
    pub rules: RulesConfig,
    pub policies: PoliciesConfig,
    pub indexes: IndexesConfig,
    pub realtime: Option<RealtimeConfig>,
    pub rls: RlsConfig,
    pub privileges: PrivilegesConfig,
    pub extensions: ExtensionsConfig,
    pub preflight: PreflightConfig,
    pub apply: ApplyConfig,
    pub verify: VerifyConfig,
    /// A baseline written by `pgward check --write-baseline FILE` (relative to this file):
    /// the findings recorded there are not reported, entries that no longer occur are stale.
    pub baseline: Option<String>,
    pub check: CheckConfig,
    pub files: FilesConfig,
    /// Tables protected by `--protect` (not a key): protected like `[protected] tables`, named
    /// as flags in messages.
    #[serde(skip)]
    pub protect_flags: Vec<String>,
    /// Directory the config file was found in (not a key); relative paths resolve against it.
    #[serde(skip)]
    pub root: Option<PathBuf>,
    /// What the repository around the config shows (not keys): the detected runner, Supabase's
    /// `supabase/config.toml`.
    #[serde(skip)]
    pub project: Project,
    /// Keys the file sets explicitly (where a runner's default would otherwise apply).
    #[serde(skip)]
    pub explicit: ExplicitKeys,
}

/// Keys whose absence lets the runner decide.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExplicitKeys {
    /// `[rls] exposed_schemas`.
    pub exposed_schemas: bool,
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
    /// Only these rules (off-by-default ones included); empty means every rule that is on by
    /// default.
    pub select: Vec<String>,
    /// Added to `select` (or to the default set): how an off-by-default rule is turned on
    /// without listing every other rule. `extend-select` is accepted too, as ruff spells it.
    #[serde(alias = "extend-select")]
    pub extend_select: Vec<String>,
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
pub struct PrivilegesConfig {
    /// Whether the database grants what Supabase's default privileges grant (tables, views,
    /// sequences and functions made in `public` to `anon`, `authenticated` and
    /// `service_role`). Default: on for runner `supabase`, off otherwise; `false` for a
    /// project that revoked those defaults outside its migrations.
    pub supabase_defaults: Option<bool>,
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
pub struct VerifyConfig {
    /// The multi-user row level security test before COMMIT (default: on for runner
    /// `supabase`, off otherwise).
    pub rls_isolation: Option<bool>,
    /// Tables whose rows are shared between users on purpose (names or `schema.name`).
    pub shared_tables: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ApplyConfig {
    /// Path to `pg_dump` (default: found on PATH).
    pub pg_dump: Option<String>,
    pub backup_dir: Option<String>,
    /// `SET ROLE` at the start of every migration file (default: the connecting user).
    pub role: Option<String>,
    /// `SET search_path` at the start of every migration file (default: the server's).
    pub search_path: Option<Vec<String>>,
    /// A rewrite, blocking index build or validating scan of a table larger than this refuses
    /// the run before anything is touched, unless `--allow-blocking` (default `"100MB"`; see
    /// [`ApplyConfig::max_blocking_bytes`]).
    pub max_blocking_size: Option<ByteSize>,
}

impl ApplyConfig {
    /// The default of `[apply] max_blocking_size`.
    pub const DEFAULT_MAX_BLOCKING_SIZE: u64 = 100 * 1024 * 1024;

    /// `[apply] max_blocking_size` in bytes.
    pub fn max_blocking_bytes(&self) -> u64 {
        self.max_blocking_size
            .map_or(Self::DEFAULT_MAX_BLOCKING_SIZE, |b| b.0)
    }
}

/// A size in bytes, written the way PostgreSQL writes memory sizes: `"100MB"`, `"1.5GB"`,
/// `"512kB"`, `"10 TB"`, `"123"` or `123` (bytes). Units are powers of 1024 (as in
/// `pg_size_pretty`), case-insensitive, with an optional `iB` spelling (`MiB`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl ByteSize {
    pub fn parse(text: &str) -> Result<ByteSize, String> {
        let bad = || {
            format!(
                "`{text}` is not a size: write a number with a unit, like \"100MB\", \"1.5GB\", \"512kB\" or \"0\" (bytes; units B, kB, MB, GB, TB are powers of 1024)"
            )
        };
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
            return Err(bad());
        }
        let value: f64 = number.parse().map_err(|_| bad())?;
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => 1 << 10,
            "m" | "mb" | "mib" => 1 << 20,
            "g" | "gb" | "gib" => 1 << 30,
            "t" | "tb" | "tib" => 1 << 40,
            _ => return Err(bad()),
        };
        let bytes = value * factor as f64;
        if !bytes.is_finite() || bytes >= u64::MAX as f64 {
            return Err(bad());
        }
        Ok(ByteSize(bytes.round() as u64))
    }

    /// As people read it: `100 MB`, `1.5 GB`, `812 kB`, `12 bytes` (powers of 1024).
    pub fn human(bytes: u64) -> String {
        const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
        if bytes < 1024 {
            return format!("{bytes} bytes");
        }
        let mut v = bytes as f64;
        let mut unit = "";
        for u in UNITS {
            if v < 1024.0 {
                break;
            }
            v /= 1024.0;
            unit = u;
        }
        if v >= 100.0 || v.fract() < 0.05 {
            format!("{v:.0} {unit}")
        } else {
            format!("{v:.1} {unit}")
        }
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a size like \"100MB\" or a number of bytes")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ByteSize, E> {
                ByteSize::parse(v).map_err(|e| E::custom(format!("[apply] max_blocking_size: {e}")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v).map(ByteSize).map_err(|_| {
                    E::custom(format!(
                        "[apply] max_blocking_size: {v} is negative; write a size like \"100MB\""
                    ))
                })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(v))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CheckConfig {
    /// A migration version: files up to and including it are context only (they were applied
    /// long ago), never reported and never fixed.
    pub after: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FilesConfig {
    /// Globs, relative to the config's directory (a pattern without `/` matches a file or
    /// directory name anywhere): matching files are neither checked, nor context, nor applied.
    pub exclude: Vec<String>,
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

impl ConfigError {
    /// `pgward.toml:3: message`, the path relative to `cwd` when below it (how every command
    /// prints a config error).
    pub fn shown_from(&self, cwd: &Path) -> String {
        let path = self.path.strip_prefix(cwd).unwrap_or(&self.path);
        match self.line {
            Some(line) => format!("{}:{line}: {}", path.display(), self.message),
            None => format!("{}: {}", path.display(), self.message),
        }
    }
}

impl Config {
    /// Parse config text; `path` is only used for messages and as the config's root.
    /// `known_rule` says which rule ids exist. The rule registry sits above the config, so the
    /// usual entry points, [`Config::from_toml`] and [`Config::load`], are defined next to it
    /// (`src/rules/mod.rs`) and pass `rules::is_known`.
    pub fn from_toml_with(
        text: &str,
        path: &Path,
        known_rule: impl Fn(&str) -> bool,
    ) -> Result<Config, ConfigError> {
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
        config.validate(text, path, &known_rule)?;
        config.explicit.exposed_schemas = text
            .parse::<toml::Table>()
            .ok()
            .and_then(|t| t.get("rls").and_then(|r| r.get("exposed_schemas")).cloned())
            .is_some();
        if let Some(root) = config.root.clone() {
            config.read_project(&root).map_err(|message| ConfigError {
                path: path.to_path_buf(),
                line: None,
                message,
            })?;
        }
        Ok(config)
    }

    /// Read and parse `path`; see [`Config::from_toml_with`] for `known_rule`.
    pub fn load_with(
        path: &Path,
        known_rule: impl Fn(&str) -> bool,
    ) -> Result<Config, ConfigError> {
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
        Config::from_toml_with(&text, path, known_rule)
    }

    /// The one config discovery of `check`, `apply`, `status` and the language server:
    /// `explicit` (`--config FILE`, relative to `cwd`), else the nearest `pgward.toml` above
    /// `near` (the first checked file or directory), else above `cwd`; without one, the
    /// defaults for the repository around `cwd` (its runner, its `supabase/config.toml`).
    /// A file that exists and cannot be used is an error, never a fallback to the defaults.
    /// See [`Config::resolve`] (in `rules/mod.rs`) for `known_rule`.
    pub fn resolve_with(
        explicit: Option<&Path>,
        near: Option<&Path>,
        cwd: &Path,
        known_rule: impl Fn(&str) -> bool,
    ) -> Result<Config, ConfigError> {
        if let Some(path) = Config::find(explicit, near, cwd) {
            return Config::load_with(&path, known_rule);
        }
        let mut config = Config::default();
        config.read_project(cwd).map_err(|message| {
            let file = cwd.join("supabase/config.toml");
            let prefix = format!("{}: ", file.display());
            ConfigError {
                message: message
                    .strip_prefix(&prefix)
                    .map_or(message.clone(), str::to_string),
                path: file,
                line: None,
            }
        })?;
        Ok(config)
    }

    /// The config file [`Config::resolve_with`] reads, if any.
    pub fn find(explicit: Option<&Path>, near: Option<&Path>, cwd: &Path) -> Option<PathBuf> {
        if let Some(path) = explicit {
            return Some(cwd.join(path));
        }
        let near = near.map(|p| {
            let p = cwd.join(p);
            if p.is_dir() {
                p
            } else {
                p.parent()
                    .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
            }
        });
        near.and_then(|dir| Config::discover(&dir))
            .or_else(|| Config::discover(cwd))
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
    fn validate(
        &self,
        text: &str,
        path: &Path,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<(), ConfigError> {
        let error = |key: &str, message: String| ConfigError {
            path: path.to_path_buf(),
            line: line_of_key(text, key),
            message,
        };
        for id in self
            .rules
            .select
            .iter()
            .chain(&self.rules.extend_select)
            .chain(&self.rules.ignore)
        {
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
        if let Some(after) = &self.check.after
            && parse_after(after).is_none()
        {
            return Err(error(
                "after",
                format!(
                    "[check] after: `{after}` is not a migration version (digits, optionally \
                     separated by `.`, `_` or `-`, e.g. \"20240101120000\" or \"V3\")"
                ),
            ));
        }
        for pattern in &self.files.exclude {
            if let Err(e) = glob::Pattern::new(pattern) {
                return Err(error(
                    pattern,
                    format!("[files] exclude: bad pattern `{pattern}`: {e}"),
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

    /// How files are parsed under this config (the target version).
    pub fn parse_options(&self) -> ParseOptions {
        ParseOptions {
            pg_version: self.postgres_version,
        }
    }

    /// Path of `migrations_dir`, resolved against the config file's directory.
    pub fn migrations_dir_path(&self) -> Option<PathBuf> {
        // `migrations_dir`, else the runner's directory when the repository has it.
        let root = self.root.as_ref().or(self.project.root.as_ref());
        let (dir, explicit) = match &self.migrations_dir {
            Some(dir) => (PathBuf::from(dir), true),
            None => (self.effective_migrations_dir()?, false),
        };
        let path = match root {
            Some(root) if dir.is_relative() => root.join(&dir),
            _ => dir,
        };
        (explicit || path.is_dir()).then_some(path)
    }

    /// Where a file sits for its runner: the path relative to the migrations directory when
    /// inside it, else its name.
    pub fn layout_path(&self, path: &Path) -> PathBuf {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(dir) = self.migrations_dir_path()
            && let Ok(dir) = std::path::absolute(&dir)
            && let Ok(rel) = absolute.strip_prefix(&dir)
        {
            return rel.to_path_buf();
        }
        PathBuf::from(path.file_name().unwrap_or(path.as_os_str()))
    }

    /// The byte ranges of a file that undo a migration (a `down.sql`, Flyway's `U…__`, dbmate's
    /// `-- migrate:down` sections): checked, never replayed into the schema.
    pub fn reversal_ranges(&self, name: &str, text: &str) -> Vec<std::ops::Range<usize>> {
        let runner = self.runner();
        let role = match runner.classify(&self.layout_path(Path::new(name))) {
            crate::runner::layout::Classified::Migration(m) => m.role,
            crate::runner::layout::Classified::Skipped(_) => crate::runner::layout::Role::Forward,
        };
        crate::runner::layout::sections(runner, role, text)
            .into_iter()
            .filter(|s| s.role == crate::runner::layout::Role::Reversal)
            .map(|s| s.range)
            .collect()
    }
}

impl Config {
    /// Learn the repository around `root` (the config's directory, or the current directory
    /// when there is no config): the runner its files show, Supabase's `supabase/config.toml`.
    /// A file that exists but cannot be used is an error, never a silent default.
    pub fn read_project(&mut self, root: &Path) -> Result<(), String> {
        self.project = Project::read(root, self.runner)?;
        Ok(())
    }

    /// The runner: `runner` from the config, else the one the repository shows, else `psql`
    /// (files run as they are, in autocommit: the strictest reading).
    pub fn runner(&self) -> Runner {
        self.runner
            .or(self.project.detected.as_ref().map(|d| d.runner))
            .unwrap_or(Runner::Psql)
    }

    /// Where [`Config::runner`] comes from, for `--show-files` and `pgward init`.
    pub fn runner_origin(&self) -> String {
        match (&self.runner, &self.project.detected) {
            (Some(_), _) => "set in pgward.toml".to_string(),
            (None, Some(d)) => format!("detected from {}", d.evidence),
            (None, None) => "no runner detected; set `runner` in pgward.toml".to_string(),
        }
    }

    /// The migrations directory: `migrations_dir`, else the runner's (as detected, or its
    /// default), relative to the config's root.
    pub fn effective_migrations_dir(&self) -> Option<PathBuf> {
        if let Some(dir) = &self.migrations_dir {
            return Some(PathBuf::from(dir));
        }
        let detected = self
            .project
            .detected
            .as_ref()
            .filter(|d| d.runner == self.runner())
            .and_then(|d| d.migrations_dir.clone());
        detected.or_else(|| self.runner().default_migrations_dir().map(PathBuf::from))
    }

    /// Whether the Supabase preset applies (runner `supabase`): the extensions Supabase ships,
    /// the schemas its API exposes, its realtime publication.
    pub fn supabase_preset(&self) -> bool {
        self.runner() == Runner::Supabase
    }

    /// Whether Supabase's default privileges are assumed (see
    /// [`PrivilegesConfig::supabase_defaults`]).
    pub fn supabase_default_privileges(&self) -> bool {
        self.privileges
            .supabase_defaults
            .unwrap_or_else(|| self.supabase_preset())
    }

    /// The schemas reachable through an API, whose tables need row level security:
    /// `[rls] exposed_schemas` when set; for Supabase, `[api] schemas` of
    /// `supabase/config.toml`; for plain folders (`psql`, `pgward`) `public`; for the other
    /// runners none (nothing exposes their tables by default).
    pub fn exposed_schemas(&self) -> Vec<String> {
        let listed = if self.explicit.exposed_schemas {
            self.rls.exposed_schemas.clone()
        } else {
            match self.runner() {
                Runner::Supabase => {
                    self.project
                        .supabase
                        .clone()
                        .unwrap_or_default()
                        .api_schemas
                }
                Runner::Psql | Runner::Pgward => self.rls.exposed_schemas.clone(),
                _ => Vec::new(),
            }
        };
        // Folded once here, so every caller compares with the model's names.
        listed.iter().map(|n| names::fold_ident(n)).collect()
    }

    /// Whether the server always has this extension: `[extensions] always_available`, or one
    /// Supabase ships for the project's PostgreSQL major version.
    pub fn extension_always_available(&self, name: &str) -> bool {
        self.extensions
            .always_available
            .iter()
            .any(|a| names::fold_ident(a) == name)
            || (self.supabase_preset()
                && crate::runner::supabase::ships_extension(
                    name,
                    self.project
                        .supabase
                        .as_ref()
                        .map_or(crate::runner::supabase::DEFAULT_MAJOR_VERSION, |s| {
                            s.major_version
                        }),
                ))
    }

    /// Whether a `CREATE EXTENSION` of `name` can fail for lack of the extension: it is not
    /// contrib (shipped with PostgreSQL) and not declared available
    /// ([`Config::extension_always_available`]).
    pub fn extension_needs_check(&self, name: &str) -> bool {
        !crate::runner::extensions::is_contrib(name) && !self.extension_always_available(name)
    }

    /// How a file runs: the runner's transaction, the file's opt-out marker, and
    /// `assume_in_transaction` when the config sets it.
    pub fn execution(&self, path: Option<&Path>, text: &str) -> Execution {
        let runner = self.runner();
        let exec = crate::runner::layout::execution(runner, path, text);
        match self.assume_in_transaction {
            // Wrapped as `pgward apply` wraps, whose marker opts a file out too.
            Some(true) if exec.opted_out.is_none() => {
                match crate::runner::layout::execution(Runner::Pgward, path, text).opted_out {
                    Some(marker) => Execution::opted_out(runner, marker),
                    None => Execution {
                        runner,
                        wrapping: Wrapping::Transaction,
                        opted_out: None,
                        assumed: true,
                    },
                }
            }
            Some(false) => Execution {
                runner,
                wrapping: Wrapping::None,
                opted_out: None,
                assumed: false,
            },
            _ => exec,
        }
    }

    /// `[check] after` as a version, when set (validated at load).
    pub fn after_version(&self) -> Option<crate::runner::layout::Version> {
        self.check.after.as_deref().and_then(parse_after)
    }

    /// Whether a migration lies at or before `[check] after`: context only, never reported
    /// (nor fixed). `rel` is the file's path for its runner (see [`Config::layout_path`]); a
    /// file without a version (a Flyway repeatable, an unversioned file) is never before it.
    pub fn before_after(&self, rel: &Path) -> bool {
        let Some(after) = self.after_version() else {
            return false;
        };
        self.runner()
            .classify_named(rel)
            .version
            .is_some_and(|v| v <= after)
    }

    /// The directory relative paths of the config resolve against: the config's, else the
    /// project's (the current directory when there is no config).
    pub fn root_dir(&self) -> Option<&Path> {
        self.root.as_deref().or(self.project.root.as_deref())
    }

    /// Whether `[files] exclude` leaves this file out of everything (check, context, apply,
    /// the language server). Patterns are relative to the config's directory; a pattern
    /// without `/` matches a file or directory name anywhere below it; a pattern that names a
    /// directory excludes what is below it.
    pub fn is_excluded(&self, path: &Path) -> bool {
        if self.files.exclude.is_empty() {
            return false;
        }
        let file = normalize_path(path);
        let rel = self
            .root_dir()
            .map(normalize_path)
            .and_then(|root| file.strip_prefix(&root).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from(file.file_name().unwrap_or_default()));
        let parts: Vec<String> = rel
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        self.files.exclude.iter().any(|raw| {
            let raw = raw.trim_start_matches("./").trim_end_matches('/');
            let Ok(pattern) = glob::Pattern::new(raw) else {
                return false;
            };
            if !raw.contains('/') {
                return parts.iter().any(|p| pattern.matches_with(p, options));
            }
            // The file itself or a directory above it.
            (1..=parts.len()).any(|n| pattern.matches_with(&parts[..n].join("/"), options))
        })
    }

    /// The protected-table matcher for this config (`[protected] tables`, plus `auth`/`storage`).
    pub fn protection(&self) -> ProtectedTables {
        ProtectedTables::with_flags(&self.protected.tables, &self.protect_flags)
    }
}

/// `[check] after`: a version as the runners write it (`20240101120000`, `0004`, `1.2`,
/// `2024-01-10-120000`), optionally with Flyway's `V`.
fn parse_after(text: &str) -> Option<crate::runner::layout::Version> {
    let text = text.trim();
    let text = match text.strip_prefix(['V', 'v']) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => text,
    };
    crate::runner::layout::Version::parse(text)
}

/// A path made absolute with symlinks resolved where it exists (its directory, for a file not
/// saved yet), so two spellings of one file compare equal.
pub fn normalize_path(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map(|d| d.join(name))
            .unwrap_or_else(|_| absolute.clone()),
        _ => absolute,
    }
}

/// Best-effort line of the first line that mentions `needle` (for errors serde cannot place).
fn line_of_key(text: &str, needle: &str) -> Option<usize> {
    text.lines()
        .position(|line| line.contains(needle))
        .map(|i| i + 1)
}
