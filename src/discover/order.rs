//! Migration order: the version at the start of a file name, compared as integers.

use super::FoundFile;
use std::cmp::Ordering;
use std::path::Path;

/// A migration version: the numbers at the start of a file name, each compared as an integer
/// of any length (`20260107090000`, `V2`, `V1.2`, `0002`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version(Vec<String>);

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // Numbers without leading zeros compare by length, then digit by digit: no overflow
        // whatever the length.
        fn key(s: &str) -> (usize, &str) {
            (s.len(), s)
        }
        let mine = self.0.iter().map(String::as_str).map(key);
        mine.cmp(other.0.iter().map(String::as_str).map(key))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The version at the start of a migration file name, if it has one.
///
/// - `20260107090000_add_clients.sql`, `0002_x.sql`, `10_x.sql`, `1.sql`: the leading digits.
/// - Flyway `V2__x.sql`, `V1_1__x.sql`, `V1.1__x.sql`: the parts between `V` and `__`.
pub fn version_of(file_name: &str) -> Option<Version> {
    let bytes = file_name.as_bytes();
    let flyway =
        matches!(bytes.first(), Some(b'V' | b'v')) && bytes.get(1).is_some_and(u8::is_ascii_digit);
    if flyway {
        let rest = file_name.get(1..)?;
        let end = rest
            .find("__")
            .or_else(|| rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')))
            .unwrap_or(rest.len());
        let parts: Vec<String> = rest
            .get(..end)?
            .split(['.', '_'])
            .filter(|p| !p.is_empty())
            .map(strip_zeros)
            .collect();
        return (!parts.is_empty()).then_some(Version(parts));
    }
    let digits: &str = &file_name[..file_name
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(file_name.len())];
    (!digits.is_empty()).then(|| Version(vec![strip_zeros(digits)]))
}

fn strip_zeros(digits: &str) -> String {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Compare two migration files: versioned before unversioned, versions as integers, then by
/// file name, then by the whole name (same file name in different directories).
pub fn migration_order(a: &str, b: &str) -> Ordering {
    order_key(a).cmp(&order_key(b))
}

/// Sort files into migration order (see [`migration_order`]).
pub fn sort_migrations(files: &mut [FoundFile]) {
    files.sort_by_cached_key(|f| order_key(&f.name));
}

/// What [`migration_order`] compares, computed once per file for a sort.
fn order_key(name: &str) -> (bool, Option<Version>, String, String) {
    let file_name = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string());
    let version = version_of(&file_name);
    (version.is_none(), version, file_name, name.to_string())
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn order(names: &[&str]) -> Vec<String> {
        let mut files: Vec<FoundFile> = names
            .iter()
            .map(|n| FoundFile {
                path: PathBuf::from(n),
                name: n.to_string(),
                identity: PathBuf::from(n),
            })
            .collect();
        sort_migrations(&mut files);
        files.into_iter().map(|f| f.name).collect()
    }

    #[test]
    fn versions_compare_as_integers() {
        assert_eq!(
            order(&["10_x.sql", "2_x.sql", "1_x.sql"]),
            ["1_x.sql", "2_x.sql", "10_x.sql"]
        );
        assert_eq!(
            order(&["0010_b.sql", "0002_a.sql", "0002_0.sql"]),
            ["0002_0.sql", "0002_a.sql", "0010_b.sql"]
        );
    }

    #[test]
    fn timestamps_and_flyway() {
        assert_eq!(
            order(&[
                "20260107090000_add_clients.sql",
                "20251231235959_drop_videos.sql",
                "V10__c.sql",
                "V2__b.sql",
                "V1_1__a.sql",
            ]),
            [
                "V1_1__a.sql",
                "V2__b.sql",
                "V10__c.sql",
                "20251231235959_drop_videos.sql",
                "20260107090000_add_clients.sql",
            ]
        );
        assert_eq!(
            version_of("V1.2__x.sql"),
            Some(Version(vec!["1".into(), "2".into()]))
        );
        assert_eq!(version_of("V__x.sql"), None);
        assert_eq!(version_of("views.sql"), None);
    }

    #[test]
    fn unversioned_after_versioned_by_name() {
        assert_eq!(
            order(&["seed.sql", "b_init.sql", "3_x.sql", "a.sql"]),
            ["3_x.sql", "a.sql", "b_init.sql", "seed.sql"]
        );
    }

    #[test]
    fn huge_versions_do_not_overflow() {
        assert_eq!(
            order(&["123456789012345678901234567890_b.sql", "99_a.sql"]),
            ["99_a.sql", "123456789012345678901234567890_b.sql"]
        );
    }

    #[test]
    fn same_file_name_in_two_dirs_is_stable() {
        assert_eq!(
            order(&["b/1_x.sql", "a/1_x.sql", "a/0_y.sql"]),
            ["a/0_y.sql", "a/1_x.sql", "b/1_x.sql"]
        );
    }
}
