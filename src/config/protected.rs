//! `[protected] tables` (and `--protect`): which tables a migration must never drop, empty or
//! move. Entries are read with `syntax::names`, like every name in the config.

use crate::syntax::names;

/// Schemas whose tables are always protected: Supabase owns them.
pub const ALWAYS_PROTECTED_SCHEMAS: &[&str] = &["auth", "storage"];

/// One part (schema or table) of a `[protected] tables` entry.
#[derive(Debug, Clone)]
enum NamePattern {
    /// A quoted name, or an unquoted one without glob characters (folded to lower case).
    Literal(String),
    Glob(glob::Pattern),
}

impl NamePattern {
    fn parse(part: &str) -> Option<NamePattern> {
        let (name, quoted) = names::read_ident(part);
        if name.is_empty() {
            return None;
        }
        if !quoted && name.contains(['*', '?', '[']) {
            glob::Pattern::new(&name).ok().map(NamePattern::Glob)
        } else {
            Some(NamePattern::Literal(name))
        }
    }
    fn matches(&self, name: &str) -> bool {
        match self {
            NamePattern::Literal(l) => l == name,
            NamePattern::Glob(g) => g.matches(name),
        }
    }
    fn literal(&self) -> Option<&str> {
        match self {
            NamePattern::Literal(l) => Some(l),
            NamePattern::Glob(_) => None,
        }
    }
}

/// One `[protected] tables` entry, parsed.
#[derive(Debug, Clone)]
struct TablePattern {
    /// The entry as written in the config (for messages).
    raw: String,
    /// Given as `--protect` on the command line, not in the config.
    from_flag: bool,
    schema: NamePattern,
    table: NamePattern,
}

/// Why a table is protected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    /// It matches this `[protected] tables` entry (as written).
    Configured(String),
    /// It matches this `--protect` value (as given).
    Flag(String),
    /// It lives in `auth` or `storage`.
    SupabaseSchema(String),
}

/// Which tables a migration must never drop, empty or move: the `[protected] tables` entries
/// (names or globs, optionally schema-qualified, unqualified meaning `public`) plus everything in
/// the `auth` and `storage` schemas. Compares normalized names (as the parser produces them).
#[derive(Debug, Clone, Default)]
pub struct ProtectedTables {
    patterns: Vec<TablePattern>,
}

impl ProtectedTables {
    /// Build from config entries. Unquoted parts fold to lower case, `"Quoted"` parts keep case;
    /// entries that cannot be parsed are skipped (config validation reports them).
    pub fn new<S: AsRef<str>>(entries: &[S]) -> ProtectedTables {
        let patterns = entries
            .iter()
            .filter_map(|e| {
                let raw = e.as_ref().trim();
                let parts = names::split_qualified(raw);
                let (schema, table) = match parts.as_slice() {
                    [table] => (NamePattern::Literal("public".to_string()), *table),
                    [schema, table] => (NamePattern::parse(schema)?, *table),
                    _ => return None,
                };
                Some(TablePattern {
                    raw: raw.to_string(),
                    from_flag: false,
                    schema,
                    table: NamePattern::parse(table)?,
                })
            })
            .collect();
        ProtectedTables { patterns }
    }

    /// The config's entries, then the `--protect` values (messages say which is which).
    pub fn with_flags<S: AsRef<str>>(entries: &[S], flags: &[S]) -> ProtectedTables {
        let mut all = ProtectedTables::new(entries);
        let mut from_flags = ProtectedTables::new(flags);
        for p in &mut from_flags.patterns {
            p.from_flag = true;
        }
        all.patterns.extend(from_flags.patterns);
        all
    }

    /// Whether `schema.table` (normalized names) is protected.
    pub fn is_protected(&self, schema: &str, table: &str) -> bool {
        self.protection(schema, table).is_some()
    }

    /// Why `schema.table` is protected, if it is.
    pub fn protection(&self, schema: &str, table: &str) -> Option<Protection> {
        if ALWAYS_PROTECTED_SCHEMAS.contains(&schema) {
            return Some(Protection::SupabaseSchema(schema.to_string()));
        }
        self.patterns
            .iter()
            .find(|p| p.schema.matches(schema) && p.table.matches(table))
            .map(|p| {
                if p.from_flag {
                    Protection::Flag(p.raw.clone())
                } else {
                    Protection::Configured(p.raw.clone())
                }
            })
    }

    /// Whether dropping `schema` would drop a protected table: `auth`, `storage`, and every schema
    /// named literally by an entry (a glob schema part names no particular schema).
    pub fn is_schema_protected(&self, schema: &str) -> bool {
        ALWAYS_PROTECTED_SCHEMAS.contains(&schema)
            || self
                .patterns
                .iter()
                .any(|p| p.schema.literal() == Some(schema))
    }

    /// The configured tables named without globs, as `(schema, table)` normalized names, in
    /// config order (for pre-flight and verification, which must look each one up).
    pub fn literal_tables(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for p in &self.patterns {
            if let (Some(s), Some(t)) = (p.schema.literal(), p.table.literal()) {
                let pair = (s.to_string(), t.to_string());
                if !out.contains(&pair) {
                    out.push(pair);
                }
            }
        }
        out
    }
}
