//! [`Name`]: an interned, immutable string in 8 bytes. Every distinct name the process meets is
//! stored once, for the life of the process: a big set's catalog holds each column name, type
//! and table name many times over (in its objects, its name maps' `(schema, name)` keys, every
//! foreign key), and a name's size counts in each of them. Equal names are the same pointer, so
//! comparing two is one instruction. A long-lived language server keeps every name it met too,
//! the half-typed words of a buffer being edited included: a few dozen bytes per new word, a
//! bounded cost for the time a name costs nothing to compare.

use std::fmt;
use std::hash::BuildHasher;
use std::ptr::NonNull;
use std::sync::{Mutex, PoisonError};

/// A string interned in the process's name table: a pointer to its length (4 bytes, little
/// endian) followed by its bytes, in memory that is never freed nor written again. Reads as a
/// `&str` (`Deref`), compares with strings, serializes as one; `Option<Name>` is 8 bytes too.
/// (Not `Copy`, so that code written against the earlier, owning `Name` reads the same.)
#[derive(Clone)]
pub struct Name(NonNull<u8>);

// SAFETY: a `Name` points at bytes written once, before the pointer was made, and never again:
// shared immutable data, as a `&'static [u8]` is. The bytes reach another thread with the
// pointer, through whatever passed the pointer (or through the table's mutex).
unsafe impl Send for Name {}
unsafe impl Sync for Name {}

/// Shards of the name table, so that parallel parses and rules seldom wait for one another.
const SHARDS: usize = 16;
/// Interned strings are carved from leaked blocks of this size (a longer one gets its own).
const BLOCK: usize = 64 << 10;

struct Shard {
    names: hashbrown::HashTable<Name>,
    /// The unused end of the current block.
    free: &'static mut [u8],
}

static TABLE: [Mutex<Shard>; SHARDS] = [const {
    Mutex::new(Shard {
        names: hashbrown::HashTable::new(),
        free: &mut [],
    })
}; SHARDS];

fn hash_of(s: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0x4e61_6d65).hash_one(s)
}

impl Shard {
    /// Copy `s` (length first) into memory that lives as long as the process.
    fn store(&mut self, s: &str) -> Name {
        // Names longer than 4 GB cannot come from a migration's text; cut (at a character's
        // start, so the bytes stay UTF-8) rather than wrap.
        let mut cut = s.len().min(u32::MAX as usize);
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        let bytes = &s.as_bytes()[..cut];
        let len = u32::try_from(cut).unwrap_or(u32::MAX);
        let need = 4 + bytes.len();
        if self.free.len() < need {
            let block: &'static mut [u8] = Box::leak(vec![0u8; need.max(BLOCK)].into_boxed_slice());
            if need >= BLOCK {
                return Name::at(fill(block, len, bytes));
            }
            self.free = block;
        }
        let (piece, rest) = std::mem::take(&mut self.free).split_at_mut(need);
        self.free = rest;
        Name::at(fill(piece, len, bytes))
    }
}

fn fill(piece: &'static mut [u8], len: u32, bytes: &[u8]) -> &'static [u8] {
    let (head, tail) = piece.split_at_mut(4);
    head.copy_from_slice(&len.to_le_bytes());
    if let Some(tail) = tail.get_mut(..bytes.len()) {
        tail.copy_from_slice(bytes);
    }
    piece
}

impl Name {
    /// The one `Name` for `s`.
    pub fn new(s: &str) -> Name {
        let hash = hash_of(s);
        let shard = &TABLE[(hash >> 60) as usize % SHARDS];
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(name) = shard.names.find(hash, |n| n.as_str() == s) {
            return name.clone();
        }
        let name = shard.store(s);
        shard
            .names
            .insert_unique(hash, name.clone(), |n| hash_of(n.as_str()));
        name
    }

    /// `stored`: a length and that many bytes of valid UTF-8, never freed nor changed.
    fn at(stored: &'static [u8]) -> Name {
        Name(NonNull::from(stored).cast())
    }

    pub fn as_str(&self) -> &'static str {
        // SAFETY: `self.0` was made by `Name::at` from a `&'static [u8]` that starts with its
        // length and goes on with that many bytes copied from a `&str`; nothing writes them
        // again. The pointer keeps the whole slice's provenance.
        unsafe {
            let len = u32::from_le_bytes(self.0.cast::<[u8; 4]>().read_unaligned()) as usize;
            let bytes = std::slice::from_raw_parts(self.0.as_ptr().add(4), len);
            std::str::from_utf8_unchecked(bytes)
        }
    }
}

impl Default for Name {
    fn default() -> Name {
        Name::new("")
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name::new(s)
    }
}

impl From<&String> for Name {
    fn from(s: &String) -> Name {
        Name::new(s)
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name::new(&s)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        // Interned: equal strings are the same name.
        self.0 == other.0
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Name, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Name;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Name, E> {
                Ok(Name::new(s))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Name, E> {
                Ok(Name::from(s))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::Name;

    #[test]
    fn names_read_back_and_are_interned() {
        for s in [
            "",
            "a",
            "user_id",
            "timestamptz",
            &"x".repeat(15),
            &"é".repeat(7),
            &"y".repeat(16),
            &"z".repeat(23),
            &"ü".repeat(40),
        ] {
            let n = Name::new(s);
            assert_eq!(n.as_str(), s);
            assert_eq!(Name::from(s.to_string()), n);
            assert_eq!(n, s);
            let bytes = postcard::to_allocvec(&n).unwrap_or_default();
            let back: Result<Name, _> = postcard::from_bytes(&bytes);
            assert_eq!(back.ok().as_ref().map(Name::as_str), Some(s));
        }
        assert_eq!(std::mem::size_of::<Name>(), 8);
        assert_eq!(std::mem::size_of::<Option<Name>>(), 8);
    }

    #[test]
    fn equal_strings_are_one_name_across_threads() {
        let long = "w".repeat(super::BLOCK + 10);
        let names: Vec<Vec<Name>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        (0..2000)
                            .map(|i| Name::new(&format!("column_{i}")))
                            .chain([Name::new(&long)])
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        assert_eq!(names.len(), 4);
        for other in &names[1..] {
            for (a, b) in names[0].iter().zip(other) {
                assert!(std::ptr::eq(a.as_str(), b.as_str()), "{a} interned twice");
            }
        }
        assert_eq!(names[0][1999], "column_1999");
        assert_eq!(names[0][2000].as_str(), long);
        assert_ne!(Name::new("a"), Name::new("b"));
        assert_eq!(Name::new("Users"), Name::new("Users"));
        assert_ne!(Name::new("Users"), Name::new("users"));
    }
}
