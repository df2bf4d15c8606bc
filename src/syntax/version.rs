//! The PostgreSQL major version the migrations target (`postgres_version`, `--pg-version`):
//! syntax newer than it is an error, and version-dependent rules read it from here.

use std::fmt;

/// A PostgreSQL major version pgward can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PgVersion(u32);

impl PgVersion {
    /// The oldest major pgward judges (the oldest PostgreSQL still supported upstream).
    pub const OLDEST: u32 = 14;
    /// The newest major pgward knows (the grammar it validates with).
    pub const NEWEST: u32 = 18;
    /// The default target: 15, the oldest major Supabase still runs.
    pub const DEFAULT: PgVersion = PgVersion(15);

    /// A supported major version, or a message saying which ones are.
    pub fn new(major: i64) -> Result<PgVersion, String> {
        match u32::try_from(major) {
            Ok(m) if (Self::OLDEST..=Self::NEWEST).contains(&m) => Ok(PgVersion(m)),
            _ => Err(format!(
                "postgres_version must be a PostgreSQL major version from {} to {}, not {major}",
                Self::OLDEST,
                Self::NEWEST
            )),
        }
    }

    /// Parse a command-line value such as `15` or `17`.
    pub fn parse(text: &str) -> Result<PgVersion, String> {
        let major: i64 = text.trim().parse().map_err(|_| {
            format!(
                "`{text}` is not a PostgreSQL major version (a number from {} to {})",
                Self::OLDEST,
                Self::NEWEST
            )
        })?;
        PgVersion::new(major)
    }

    pub fn major(self) -> u32 {
        self.0
    }

    /// Whether syntax introduced in `major` is available on this target.
    pub fn has(self, major: u32) -> bool {
        self.0 >= major
    }
}

impl Default for PgVersion {
    fn default() -> Self {
        PgVersion::DEFAULT
    }
}

impl TryFrom<i64> for PgVersion {
    type Error = String;
    fn try_from(major: i64) -> Result<Self, String> {
        PgVersion::new(major)
    }
}

impl<'de> serde::Deserialize<'de> for PgVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Major;
        impl serde::de::Visitor<'_> for Major {
            type Value = PgVersion;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "postgres_version as a PostgreSQL major version number from {} to {}",
                    PgVersion::OLDEST,
                    PgVersion::NEWEST
                )
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<PgVersion, E> {
                PgVersion::new(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<PgVersion, E> {
                PgVersion::new(i64::try_from(v).unwrap_or(i64::MAX)).map_err(E::custom)
            }
        }
        d.deserialize_i64(Major)
    }
}

impl fmt::Display for PgVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What parsing needs to know beyond the text: the target version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParseOptions {
    pub pg_version: PgVersion,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_and_messages() {
        assert_eq!(PgVersion::default().major(), 15);
        assert_eq!(PgVersion::parse("17").unwrap().major(), 17);
        assert!(PgVersion::parse("17").unwrap().has(16));
        assert!(!PgVersion::parse("15").unwrap().has(16));
        for bad in ["13", "19", "-1", "x", "15.2", ""] {
            let e = PgVersion::parse(bad).unwrap_err();
            assert!(e.contains("14") && e.contains("18"), "{bad}: {e}");
        }
    }
}
