//! How a collection keeps its lists and maps: in pieces of at most 64 KiB.
//!
//! A collection is built once and kept for the whole check phase, so what
//! it allocates stays where it landed. mimalloc (the allocator of the
//! `ragcheck` binary) keeps blocks of up to about 84 KiB in pages it
//! packs together, but gives each size of block between that and 512 KiB
//! pages of 4 MiB of their own, and with transparent huge pages (which
//! mimalloc asks Linux for) the first block put in such a page makes
//! 2 MiB of it resident. A list that grows by doubling through those sizes
//! (a `Vec` of 10,000 returns: 96, 192, 384 KiB) or a hash map of 10,000
//! names leaves a resident 2 MiB behind at each size, far more than it
//! holds (docs/performance.md, "Collection checks"). [`Paged`] and
//! [`Sharded`] never allocate more than 64 KiB at a time.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};

use super::HashMap;

/// The most a piece allocates at once.
const PIECE_BYTES: usize = 64 << 10;

/// A list in pages of at most 64 KiB; a page grows by doubling up to its
/// full size, and is never moved once full.
#[derive(Clone, Debug)]
pub(super) struct Paged<T> {
    pages: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Paged {
            pages: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Paged<T> {
    /// How many items a full page holds.
    const PAGE: usize = {
        let size = std::mem::size_of::<T>();
        if size == 0 || size > PIECE_BYTES {
            1
        } else {
            PIECE_BYTES / size
        }
    };

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn push(&mut self, item: T) {
        let full = self.pages.last().is_none_or(|p| p.len() == Self::PAGE);
        if full {
            self.pages.push(Vec::new());
        }
        if let Some(page) = self.pages.last_mut() {
            if page.len() == page.capacity() {
                // Doubling, but never past a full page.
                let want = (page.capacity() * 2).clamp(4, Self::PAGE);
                page.reserve_exact(want - page.len());
            }
            page.push(item);
            self.len += 1;
        }
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        self.pages.get(i / Self::PAGE)?.get(i % Self::PAGE)
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.pages.get_mut(i / Self::PAGE)?.get_mut(i % Self::PAGE)
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.pages.iter().flatten()
    }

    /// The items from `i` on.
    pub fn iter_from(&self, i: usize) -> impl Iterator<Item = &T> {
        let (page, at) = (i / Self::PAGE, i % Self::PAGE);
        self.pages
            .get(page..)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .flat_map(move |(k, p)| p.get(if k == 0 { at } else { 0 }..).unwrap_or_default())
    }

    /// The index of the first item for which `pred` is false, the items
    /// being those for which it is true first (as [`slice::partition_point`]).
    pub fn partition_point(&self, pred: impl Fn(&T) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid) {
                Some(item) if pred(item) => lo = mid + 1,
                _ => hi = mid,
            }
        }
        lo
    }

    /// Every item, in the order of `order` (indexes into this list).
    pub fn reordered(&self, order: &[u32]) -> Paged<T>
    where
        T: Clone,
    {
        let mut out = Paged::default();
        for &i in order {
            if let Some(item) = self.get(i as usize) {
                out.push(item.clone());
            }
        }
        out
    }
}

/// A hash map in 64 maps, each a 64th of the size, so that none of its
/// tables is a large allocation however many entries it holds.
#[derive(Debug)]
pub(super) struct Sharded<K, V> {
    shards: Vec<HashMap<K, V>>,
    hasher: foldhash::fast::RandomState,
}

impl<K, V> Default for Sharded<K, V> {
    fn default() -> Self {
        Sharded {
            shards: Vec::new(),
            hasher: Default::default(),
        }
    }
}

impl<K: Hash + Eq, V> Sharded<K, V> {
    const SHARDS: usize = 64;

    fn shard<Q: Hash + ?Sized>(&self, key: &Q) -> usize {
        (self.hasher.hash_one(key) >> 58) as usize % Self::SHARDS
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shards.get(self.shard(key))?.get(key)
    }

    pub fn insert(&mut self, key: K, value: V) {
        if self.shards.is_empty() {
            self.shards.resize_with(Self::SHARDS, HashMap::default);
        }
        let s = self.shard(&key);
        if let Some(shard) = self.shards.get_mut(s) {
            shard.insert(key, value);
        }
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(HashMap::len).sum()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards.iter().flatten()
    }
}

/// Names interned: each name's number, in the order first met.
#[derive(Debug, Default)]
pub(super) struct Names(Sharded<Box<str>, u32>);

impl Names {
    /// The number of `name`, when it was interned.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.0.get(name).copied()
    }

    /// The number of `name`, interned if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(i) = self.get(name) {
            return i;
        }
        let i = self.0.len() as u32;
        self.0.insert(name.into(), i);
        i
    }

    /// The name of number `i` (for tests: a search).
    pub fn name(&self, i: u32) -> Option<&str> {
        self.0.iter().find(|(_, j)| **j == i).map(|(n, _)| &**n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paged_list_is_the_list_pushed() {
        let mut p: Paged<(u64, u64, u64)> = Paged::default();
        let n = 3 * Paged::<(u64, u64, u64)>::PAGE + 17;
        for i in 0..n as u64 {
            p.push((i, i * 2, i * 3));
        }
        assert_eq!(p.len(), n);
        assert!(
            p.pages
                .iter()
                .all(|page| page.capacity() * 24 <= PIECE_BYTES)
        );
        assert_eq!(p.iter().count(), n);
        assert_eq!(
            p.get(n - 1),
            Some(&((n - 1) as u64, (n as u64 - 1) * 2, (n as u64 - 1) * 3))
        );
        assert_eq!(p.get(n), None);
        let from: Vec<u64> = p
            .iter_from(Paged::<(u64, u64, u64)>::PAGE - 1)
            .map(|t| t.0)
            .collect();
        assert_eq!(
            from.first(),
            Some(&(Paged::<(u64, u64, u64)>::PAGE as u64 - 1))
        );
        assert_eq!(from.len(), n - Paged::<(u64, u64, u64)>::PAGE + 1);
        assert_eq!(p.iter_from(n).count(), 0);
        assert_eq!(p.partition_point(|t| t.0 < 5000), 5000.min(n));
        let back: Vec<u32> = (0..n as u32).rev().collect();
        let r = p.reordered(&back);
        assert_eq!(r.get(0), p.get(n - 1));
        if let Some(x) = p.get_mut(3) {
            x.0 = 99;
        }
        assert_eq!(p.get(3).map(|t| t.0), Some(99));
    }

    #[test]
    fn names_are_numbered_in_the_order_first_met() {
        let mut names = Names::default();
        let words: Vec<String> = (0..5000).map(|i| format!("org {i}")).collect();
        for w in &words {
            names.intern(w);
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(names.intern(w), i as u32);
            assert_eq!(names.get(w), Some(i as u32));
        }
        assert_eq!(names.get("nobody"), None);
        assert_eq!(names.name(42), Some("org 42"));
        assert!(names.0.shards.iter().all(|s| s.len() < 5000 / 16));
    }
}
