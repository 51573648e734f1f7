//! Results of `matches` on short texts, remembered by each thread.
//!
//! Officer names, statuses and codes repeat across the measures of a
//! return and across returns, and looking a text up costs a fraction of a
//! regular-expression search. Long texts (commentaries) rarely repeat and
//! are matched every time. The memo is a fixed table of slots, each holding
//! the last text that hashed to it: its memory is bounded, and a result is
//! used only for the very same condition and text.
//!
//! Each thread keeps one table; a return's context borrows it for as long
//! as the return is checked ([`Lease`]), so a lookup does not go through
//! the thread-local every time.

use std::cell::RefCell;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU32, Ordering};

use compact_str::CompactString;

/// Slots in each thread's table (a power of two).
const SLOTS: usize = 4096;

/// Texts longer than this many bytes are not remembered.
const LONGEST: usize = 64;

#[derive(Default)]
struct Slot {
    hash: u64,
    node: u32,
    text: CompactString,
    found: bool,
}

thread_local! {
    static TABLE: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

/// A number for a compiled `matches`, different from every other's in
/// this process: what its results are remembered under.
pub(super) fn node() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// This thread's table, borrowed until dropped.
pub(super) struct Lease(RefCell<Vec<Slot>>);

impl Lease {
    pub(super) fn take() -> Lease {
        Lease(RefCell::new(TABLE.take()))
    }

    /// `search(text)`, remembered for `node` when `text` is short.
    pub(super) fn matches(&self, node: u32, text: &str, search: impl FnOnce(&str) -> bool) -> bool {
        if text.len() > LONGEST {
            return search(text);
        }
        let hash = foldhash::fast::FixedState::with_seed(0).hash_one((node, text));
        let mut table = self.0.borrow_mut();
        if table.is_empty() {
            table.resize_with(SLOTS, Slot::default);
        }
        let slot = &mut table[hash as usize & (SLOTS - 1)];
        if slot.hash == hash && slot.node == node && slot.text == text {
            return slot.found;
        }
        let found = search(text);
        *slot = Slot {
            hash,
            node,
            text: CompactString::from(text),
            found,
        };
        found
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let table = self.0.take();
        // `try_with`: the thread may be ending.
        let _ = TABLE.try_with(|t| t.replace(table));
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lease")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_is_reused_only_for_the_same_node_and_text() {
        let (a, b) = (node(), node());
        let mut searches = 0;
        let mut search = |t: &str| {
            searches += 1;
            t.starts_with('x')
        };
        let memo = Lease::take();
        assert!(memo.matches(a, "xy", &mut search));
        assert!(memo.matches(a, "xy", &mut search));
        assert!(!memo.matches(a, "yx", &mut search));
        assert!(
            !memo.matches(b, "xy", |_| false),
            "another node searches anew"
        );
        drop(memo);
        let memo = Lease::take();
        assert!(memo.matches(a, "xy", &mut search), "kept by the thread");
        let long = "x".repeat(LONGEST + 1);
        assert!(memo.matches(a, &long, &mut search));
        assert!(memo.matches(a, &long, &mut search));
        drop(memo);
        assert_eq!(searches, 4, "xy and yx once each, the long text twice");
    }
}
