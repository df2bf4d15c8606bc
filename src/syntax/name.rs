//! [`Name`]: an interned, immutable string in 4 bytes. Every distinct name the process meets is
//! stored once, for the life of the process: a big set's catalog holds each column name, type
//! and table name many times over (in its objects, its name maps' `(schema, name)` keys, every
//! foreign key), and a name's size counts in each of them. Equal names are the same number, so
//! comparing two is one instruction. A long-lived language server keeps every name it met too,
//! the half-typed words of a buffer being edited included: a few dozen bytes per new word, a
//! bounded cost for the time a name costs nothing to compare.

use std::fmt;
use std::hash::BuildHasher;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// A string interned in the process's name table, in 4 bytes: where its length (4 bytes, little
/// endian) and then its bytes stand, in memory that is never freed nor written again. Reads as
/// a `&str` (`Deref`), compares with strings, serializes as one; `Option<Name>` is 4 bytes too.
/// (Not `Copy`, so that code written against the earlier, owning `Name` reads the same.)
///
/// The 4 bytes are the block's slot in [`BLOCKS`] (high bits, never 0) and the offset in the
/// block (low [`OFFSET_BITS`] bits): half a pointer, in every key, column and map of a big
/// set's catalog.
#[derive(Clone)]
pub struct Name(NonZeroU32);

/// Shards of the name table, so that parallel parses and rules seldom wait for one another.
const SHARDS: usize = 16;
const OFFSET_BITS: u32 = 16;
/// Interned strings are carved from leaked blocks of this size. A longer string is cut to fit
/// one (at a character's start): PostgreSQL cuts identifiers at 63 bytes, so no name the
/// catalog compares comes near it.
const BLOCK: usize = 1 << OFFSET_BITS;
/// Block slots: 4 GiB of distinct names in all, more than this process could hold anyway.
const SLOTS: usize = 1 << (32 - OFFSET_BITS);

/// Where each block is; slot 0 stays empty, so that no name is 0. A slot is written once,
/// before any name in its block exists.
static BLOCKS: [AtomicPtr<u8>; SLOTS] = [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(1);

struct Shard {
    names: hashbrown::HashTable<Name>,
    /// The block names are carved from (0: none yet) and how much of it is used.
    slot: usize,
    used: usize,
}

static TABLE: [Mutex<Shard>; SHARDS] = [const {
    Mutex::new(Shard {
        names: hashbrown::HashTable::new(),
        slot: 0,
        used: BLOCK,
    })
}; SHARDS];

fn hash_of(s: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0x4e61_6d65).hash_one(s)
}

/// A new block in a fresh slot.
fn new_block() -> usize {
    let slot = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
    if slot >= SLOTS {
        // As an allocation that fails: nothing sensible is left to do.
        eprintln!("pgward: out of memory: more than 4 GiB of distinct names");
        std::process::abort();
    }
    let block: &'static mut [u8] = Box::leak(vec![0u8; BLOCK].into_boxed_slice());
    BLOCKS[slot].store(block.as_mut_ptr(), Ordering::Release);
    slot
}

impl Shard {
    /// Copy `s` (length first) into memory that lives as long as the process.
    fn store(&mut self, s: &str) -> Name {
        let bytes = s.as_bytes();
        let cut = bytes.len().min(BLOCK - 4);
        let need = 4 + cut;
        if self.used + need > BLOCK {
            self.slot = new_block();
            self.used = 0;
        }
        let block = BLOCKS[self.slot].load(Ordering::Acquire);
        // SAFETY: the slot holds a leaked block of `BLOCK` bytes (written by `new_block`
        // before this shard took the slot, under this shard's lock since), of which
        // `used..used + need` lies inside and has been handed out to no name yet; `cut` fits
        // in `u32` (it is below `BLOCK`).
        unsafe {
            let at = block.add(self.used);
            at.cast::<[u8; 4]>()
                .write_unaligned((cut as u32).to_le_bytes());
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), at.add(4), cut);
        }
        let id = (self.slot << OFFSET_BITS) | self.used;
        self.used += need;
        match u32::try_from(id).ok().and_then(NonZeroU32::new) {
            Some(id) => Name(id),
            // The slot is 1 or more and below `SLOTS`: the id fits and is not 0.
            None => unreachable!("name slot out of range"),
        }
    }
}

/// `s`, or as much of it as fits in a block, cut at a character's start.
fn fitting(s: &str) -> &str {
    let mut cut = s.len().min(BLOCK - 4);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

impl Name {
    /// The one `Name` for `s` (a string longer than a block: its first `BLOCK - 4` bytes).
    pub fn new(s: &str) -> Name {
        let s = fitting(s);
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

    pub fn as_str(&self) -> &'static str {
        let id = self.0.get() as usize;
        let block = BLOCKS[id >> OFFSET_BITS].load(Ordering::Acquire);
        // SAFETY: `self.0` was made by `Shard::store` after its block was stored in its slot
        // (the store happened before the name existed, and the name reached this thread after
        // it); at the offset stand a length and that many bytes of valid UTF-8 copied from a
        // `&str`, inside the block, never written again nor freed.
        unsafe {
            let at = block.add(id & (BLOCK - 1));
            let len = u32::from_le_bytes(at.cast::<[u8; 4]>().read_unaligned()) as usize;
            let bytes = std::slice::from_raw_parts(at.add(4), len);
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
        assert_eq!(std::mem::size_of::<Name>(), 4);
        assert_eq!(std::mem::size_of::<Option<Name>>(), 4);
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
        // Cut to fit a block, at a character's start.
        assert_eq!(names[0][2000].as_str(), &long[..super::BLOCK - 4]);
        let wide = "é".repeat(super::BLOCK);
        let cut = Name::new(&wide);
        assert!(wide.starts_with(cut.as_str()) && cut.len() == super::BLOCK - 4);
        assert_ne!(Name::new("a"), Name::new("b"));
        assert_eq!(Name::new("Users"), Name::new("Users"));
        assert_ne!(Name::new("Users"), Name::new("users"));
    }
}
